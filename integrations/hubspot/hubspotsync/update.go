package hubspotsync

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/pacerhq/pacer/integrations"
	"github.com/pacerhq/pacer/integrations/hubspot"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
)

// States of a HubSpot update, in the order an update goes through them.
const (
	updatePending = "pending" // the contact is not upserted yet
	updateNote    = "note"    // the contact is upserted; its note is not created yet
	updateStage   = "stage"   // the note is created; the contact's lifecycle stage is not set yet
	updateDone    = "done"
	updateDead    = "dead" // kept as a dead letter
)

// unfinished are the states of the updates a sync has work for.
var unfinished = []string{updatePending, updateNote, updateStage}

// Update is one pending change to a HubSpot contact, from one event:
// invite.accepted, email.found, message.sent or message.replied. Its
// contact and note ids are HubSpot's.
type Update struct {
	ID        int64
	EventID   string
	EventType string
	// The contact's properties, from the event's prospect snapshot.
	Email, ProfileURL, FirstName, LastName, Company, JobTitle string
	// Campaign, NoteAt, MessageText and ConversationURL make the note
	// (hubspot.ConnectedNote, SentNote or RepliedNote, by EventType); NoteAt
	// is nil when no note is wanted (email.found).
	Campaign        string
	NoteAt          *time.Time
	MessageText     string
	ConversationURL string
	// LifecycleStage is the stage the contact moves to after the note (a
	// reply's, when hubspot.reply_lifecycle_stage is set); "" for none.
	LifecycleStage string
	State          string
	ContactID      string
	NoteID         string
	// NoteSentAt is set before each note creation attempt: with NoteID
	// empty, the note may exist, and FindNote must look before creating it
	// again.
	NoteSentAt *time.Time
	// Attempts counts failed attempts, rate limits excepted.
	Attempts   int
	NextAt     time.Time
	LeaseOwner string
	LeaseUntil *time.Time
	LastError  string
	CreatedAt  time.Time
	UpdatedAt  time.Time

	failed bool // in this round
}

// TableName names the table.
func (Update) TableName() string { return "hubspot_updates" }

func (u *Update) ref() string { return strconv.FormatInt(u.ID, 10) }

func (u *Update) update() hubspot.ContactUpdate {
	return hubspot.ContactUpdate{Ref: u.ref(), Email: u.Email, ProfileURL: u.ProfileURL,
		FirstName: u.FirstName, LastName: u.LastName, Company: u.Company, JobTitle: u.JobTitle}
}

// note returns the update's note, on its contact.
func (u *Update) note() hubspot.Note {
	switch pacertype.EventType(u.EventType) {
	case pacertype.EventMessageSent:
		return hubspot.SentNote(u.ContactID, *u.NoteAt, u.Campaign, u.MessageText)
	case pacertype.EventMessageReplied:
		return hubspot.RepliedNote(u.ContactID, *u.NoteAt, u.MessageText, u.ConversationURL)
	}
	return hubspot.ConnectedNote(u.ContactID, *u.NoteAt, u.Campaign)
}

// stateAfter returns the state of an update once the step of state done is
// done: its contact, then its note (when it has one that is not created
// yet), then its lifecycle stage (when it has one), then done.
func (u *Update) stateAfter(done string) string {
	if done == updatePending && u.NoteAt != nil && u.NoteID == "" {
		return updateNote
	}
	if done != updateStage && u.LifecycleStage != "" {
		return updateStage
	}
	return updateDone
}

// noted records the note HubSpot holds for the update, and moves it on.
func (u *Update) noted(id string) {
	u.NoteID, u.State = id, u.stateAfter(updateNote)
}

// Queue turns a delivery to HubSpot into a pending update and a sync, in
// one transaction: delivery.Service calls it for the "hubspot" destination.
// A delivery of an event already queued only revives a dead update (`pacer
// deliveries retry`). An event that does not decode is an error matching
// integrations.ErrPermanent: a dead letter.
func (s *Service) Queue(ctx context.Context, ev models.Event) error {
	row, ok, err := s.newUpdate(ev)
	if err != nil || !ok {
		return err
	}
	return s.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "event_id"}}, DoNothing: true}).Create(&row)
		if res.Error != nil {
			return fmt.Errorf("hubspotsync: queue the HubSpot update of %s: %w", ev.ID, res.Error)
		}
		if res.RowsAffected == 0 {
			err := tx.Model(&Update{}).Where("event_id = ? AND state = ?", ev.ID, updateDead).
				Updates(map[string]any{"state": updatePending, "attempts": 0, "next_at": row.NextAt, "last_error": "",
					"lease_owner": "", "lease_until": nil, "updated_at": row.NextAt}).Error
			if err != nil {
				return fmt.Errorf("hubspotsync: revive the HubSpot update of %s: %w", ev.ID, err)
			}
		}
		return s.store.InsertJob(ctx, tx, Args{}, s.syncInsertOpts())
	})
}

// newUpdate returns the pending update an event makes, or false for an
// event HubSpot does not take.
func (s *Service) newUpdate(ev models.Event) (Update, bool, error) {
	typ := pacertype.EventType(ev.Type)
	switch typ {
	case pacertype.EventInviteAccepted, pacertype.EventEmailFound, pacertype.EventMessageSent, pacertype.EventMessageReplied:
	default:
		return Update{}, false, nil
	}
	d, err := models.DecodeEventData(ev)
	if err != nil {
		return Update{}, false, fmt.Errorf("%w: %w", integrations.ErrPermanent, err)
	}
	now := s.now().UTC()
	row := Update{EventID: ev.ID, EventType: ev.Type, Campaign: d.Campaign, State: updatePending,
		NextAt: now, CreatedAt: now, UpdatedAt: now}
	if p := d.Prospect; p != nil {
		row.Email, row.ProfileURL, row.FirstName, row.LastName, row.Company, row.JobTitle =
			p.Email, p.ProfileURL, p.FirstName, p.LastName, p.Company, p.Title
	}
	if typ != pacertype.EventEmailFound {
		at := ev.OccurredAt.UTC()
		row.NoteAt = &at
	}
	if typ == pacertype.EventMessageSent || typ == pacertype.EventMessageReplied {
		row.MessageText, row.ConversationURL = d.Text, d.URL
	}
	if typ == pacertype.EventMessageReplied {
		row.LifecycleStage = s.replyStage
	}
	return row, true, nil
}
