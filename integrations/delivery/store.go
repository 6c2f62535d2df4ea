package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
)

// DeadLetter is a delivery that gave up: its attempts are spent, or it met
// an error retrying cannot fix. It is open until retried (`pacer deliveries
// retry`) or resolved (a later delivery of the same event to the same
// destination succeeded).
type DeadLetter struct {
	// ID identifies the dead letter for `pacer deliveries retry ID`.
	ID int64 `json:"id"`
	// EventID and EventType name the event.
	EventID   string `json:"event_id"`
	EventType string `json:"event_type"`
	// Destination is "hubspot", "webhook:<name>", "finder:hunter" or
	// "slack".
	Destination string `json:"destination"`
	// LastError is the last attempt's error: the destination's message, with
	// URLs redacted and no token.
	LastError string `json:"last_error"`
	// Attempts is the number of failed attempts.
	Attempts  int       `json:"attempts"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// RetriedAt is when a person sent it again.
	RetriedAt *time.Time `json:"retried_at,omitempty"`
	// ResolvedAt is when a later delivery succeeded.
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
}

// TableName names the table.
func (DeadLetter) TableName() string { return "dead_letters" }

// Open reports whether the dead letter still waits for a person.
func (d DeadLetter) Open() bool { return d.RetriedAt == nil && d.ResolvedAt == nil }

// Destination states.
const (
	stateDisabled = "disabled"
	statePaused   = "paused"
)

// destinationState is a destination Pacer stopped calling.
type destinationState struct {
	Destination string `gorm:"primaryKey"`
	State       string
	Reason      string
	EventID     string
	PausedUntil *time.Time
	UpdatedAt   time.Time
}

func (destinationState) TableName() string { return "destination_states" }

func (d destinationState) disabled() bool { return d.State == stateDisabled }

// pausedUntil returns the end of a pause still running at now, else zero.
func (d destinationState) pausedUntil(now time.Time) time.Time {
	if d.State == statePaused && d.PausedUntil != nil && d.PausedUntil.After(now) {
		return *d.PausedUntil
	}
	return time.Time{}
}

// PausedUntil returns the end of the pause of dest still running at now
// (Pause, or a quota an email finder spent), else zero.
func (s *Service) PausedUntil(ctx context.Context, dest string, now time.Time) (time.Time, error) {
	st, err := s.destinationState(ctx, dest)
	if err != nil {
		return time.Time{}, err
	}
	return st.pausedUntil(now), nil
}

// destinationState reads a destination's state; the zero value when it has
// none.
func (s *Service) destinationState(ctx context.Context, dest string) (destinationState, error) {
	var st destinationState
	err := s.store.DB.WithContext(ctx).Where("destination = ?", dest).Limit(1).Find(&st).Error
	if err != nil {
		return st, fmt.Errorf("delivery: read the state of %s: %w", dest, err)
	}
	return st, nil
}

// maxReason bounds the error text kept with a dead letter or an alert.
const maxReason = 1000

// Reason is the text of err as a dead letter or an alert keeps it: at most
// 1,000 bytes.
func Reason(err error) string { return truncate(err.Error(), maxReason) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// letter is a dead letter to keep.
type letter struct {
	event    models.Event
	dest     string
	attempts int
	reason   string
	// alert records pacertype.EventDeadLettered, which Slack turns into an
	// alert (never for Slack's own dead letters).
	alert bool
	// disable disables the destination (a webhook answered 410).
	disable bool
	// count is how many dead letters the alert stands for (1 when 0).
	count int
}

// deadLetter keeps a dead letter, in a transaction of its own.
func (s *Service) deadLetter(ctx context.Context, l letter) error {
	ctx, cancel := Bookkeeping(ctx)
	defer cancel()
	return s.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		_, err := s.writeDeadLetter(ctx, tx, l, true)
		return err
	})
}

// writeDeadLetter keeps a dead letter in tx: a new row, or the open row of
// the same event and destination updated (a job that ran again after a
// crash). It records the alert when asked and the row is new, unless
// alertNow is false (the caller alerts once for several). It reports
// whether the row is new.
func (s *Service) writeDeadLetter(ctx context.Context, tx *gorm.DB, l letter, alertNow bool) (bool, error) {
	now := s.now().UTC()
	reason := truncate(l.reason, maxReason)
	if l.disable {
		newly, err := s.setState(tx, destinationState{Destination: l.dest, State: stateDisabled, Reason: reason,
			EventID: l.event.ID, UpdatedAt: now})
		if err != nil {
			return false, err
		}
		if newly {
			reason += "; the endpoint is disabled: later events to it are kept as dead letters until `pacer webhooks enable " +
				strings.TrimPrefix(l.dest, webhookPrefix) + "`, then `pacer deliveries retry --all`"
		} else {
			l.alert = false
		}
	}
	res := tx.Model(&DeadLetter{}).
		Where("event_id = ? AND destination = ? AND retried_at IS NULL AND resolved_at IS NULL", l.event.ID, l.dest).
		Updates(map[string]any{"last_error": reason, "attempts": l.attempts, "updated_at": now})
	if res.Error != nil {
		return false, fmt.Errorf("delivery: update dead letter: %w", res.Error)
	}
	if res.RowsAffected > 0 {
		return false, nil
	}
	if l.alert && alertNow && !l.disable {
		quiet, err := s.alertedWithin(tx, l.dest, now)
		if err != nil {
			return false, err
		}
		l.alert = !quiet
	}
	row := DeadLetter{EventID: l.event.ID, EventType: l.event.Type, Destination: l.dest, LastError: reason,
		Attempts: l.attempts, CreatedAt: now, UpdatedAt: now}
	if err := tx.Create(&row).Error; err != nil {
		return false, fmt.Errorf("delivery: keep dead letter: %w", err)
	}
	if l.alert && alertNow && l.dest != models.DestinationSlack {
		if err := s.alertDead(ctx, tx, l.event, l.dest, reason, max(l.count, 1)); err != nil {
			return true, err
		}
	}
	return true, nil
}

// Letter is a delivery of an outbox that gave up: its event, its failed
// attempts and the last error (Reason).
type Letter struct {
	EventID  string
	Attempts int
	Reason   string
}

// KeepDeadLetters keeps an outbox's dead letters of dest in tx, with one
// alert for all of them that are new, unless dest alerted within the hour.
// The alert's reason is the first new letter's, followed by "(and N more
// <noun>)" when there are several.
func (s *Service) KeepDeadLetters(ctx context.Context, tx *gorm.DB, dest, noun string, letters []Letter) error {
	if len(letters) == 0 {
		return nil
	}
	quiet, err := s.alertedWithin(tx, dest, s.now().UTC())
	if err != nil {
		return err
	}
	var first *models.Event
	var firstReason string
	newDead := 0
	for _, l := range letters {
		ev, err := s.eventTx(ctx, tx, l.EventID)
		if err != nil {
			return err
		}
		newly, err := s.writeDeadLetter(ctx, tx, letter{event: ev, dest: dest, attempts: l.Attempts,
			reason: l.Reason, alert: true}, false)
		if err != nil {
			return err
		}
		if newly {
			newDead++
			if first == nil {
				first, firstReason = &ev, l.Reason
			}
		}
	}
	if first == nil || quiet {
		return nil
	}
	reason := firstReason
	if newDead > 1 {
		reason = fmt.Sprintf("%s (and %d more %s)", reason, newDead-1, noun)
	}
	return s.alertDead(ctx, tx, *first, dest, reason, newDead)
}

// eventTx reads an event in tx; a missing one comes back with its id only.
func (s *Service) eventTx(ctx context.Context, tx *gorm.DB, id string) (models.Event, error) {
	var ev models.Event
	if err := tx.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&ev).Error; err != nil {
		return ev, fmt.Errorf("delivery: read event %s: %w", id, err)
	}
	if ev.ID == "" {
		ev.ID = id
	}
	return ev, nil
}

// alertGap is the shortest time between two dead-letter alerts of one
// destination: a receiver down for days, or an endpoint removed with events
// queued for it, alerts once an hour, not once per event. The digest counts
// every dead letter.
const alertGap = time.Hour

// alertedWithin reports whether the destination had a dead letter within
// alertGap before now: then a new one does not alert again.
func (s *Service) alertedWithin(tx *gorm.DB, dest string, now time.Time) (bool, error) {
	var n int64
	err := tx.Model(&DeadLetter{}).Where("destination = ? AND created_at > ?", dest, now.Add(-alertGap)).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("delivery: read recent dead letters: %w", err)
	}
	return n > 0, nil
}

// alertDead records pacertype.EventDeadLettered, which only Slack receives.
func (s *Service) alertDead(ctx context.Context, tx *gorm.DB, ev models.Event, dest, reason string, count int) error {
	d, _ := models.DecodeEventData(ev)
	data := models.EventData{Account: d.Account, Campaign: d.Campaign, Prospect: d.Prospect,
		Destination: dest, Reason: reason, Count: count}
	_, err := s.store.RecordEvent(ctx, tx, pacertype.EventDeadLettered, refsOf(ev), data)
	return err
}

func refsOf(ev models.Event) models.EventRefs {
	return models.EventRefs{AccountID: ev.AccountID, CampaignID: ev.CampaignID, ProspectID: ev.ProspectID, ProposalID: ev.ProposalID}
}

// setState writes a destination's state and reports whether it is new: a
// destination just disabled, or a pause where none was running (a pause
// that runs already is only extended).
func (s *Service) setState(tx *gorm.DB, st destinationState) (bool, error) {
	var old destinationState
	if err := tx.Where("destination = ?", st.Destination).Limit(1).Find(&old).Error; err != nil {
		return false, fmt.Errorf("delivery: read the state of %s: %w", st.Destination, err)
	}
	newly := true
	switch st.State {
	case stateDisabled:
		if old.disabled() {
			return false, nil
		}
	case statePaused:
		running := old.pausedUntil(st.UpdatedAt)
		if !running.IsZero() && !st.PausedUntil.After(running) {
			return false, nil
		}
		newly = running.IsZero()
	}
	err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "destination"}}, UpdateAll: true}).Create(&st).Error
	if err != nil {
		return false, fmt.Errorf("delivery: set the state of %s: %w", st.Destination, err)
	}
	return newly, nil
}

// Pause stops calling dest until until, persisted across restarts, without
// an alert: an outbox that met a rate limit (HubSpot's daily limit) pauses
// so that no job calls the destination in vain meanwhile. It only extends a
// pause already running.
func (s *Service) Pause(ctx context.Context, dest string, until time.Time, reason string) error {
	ctx, cancel := Bookkeeping(ctx)
	defer cancel()
	u := until.UTC()
	return s.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		_, err := s.setState(tx, destinationState{Destination: dest, State: statePaused,
			Reason: truncate(reason, maxReason), PausedUntil: &u, UpdatedAt: s.now().UTC()})
		return err
	})
}

// pauseAndAlert stops calling a destination until until, persisted across
// restarts, and alerts once per pause (pacertype.EventIntegrationPaused).
func (s *Service) pauseAndAlert(ctx context.Context, ev models.Event, dest string, until time.Time, cause error) error {
	ctx, cancel := Bookkeeping(ctx)
	defer cancel()
	reason := truncate(cause.Error(), maxReason)
	return s.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u := until.UTC()
		newly, err := s.setState(tx, destinationState{Destination: dest, State: statePaused, Reason: reason,
			EventID: ev.ID, PausedUntil: &u, UpdatedAt: s.now().UTC()})
		if err != nil || !newly {
			return err
		}
		d, _ := models.DecodeEventData(ev)
		_, err = s.store.RecordEvent(ctx, tx, pacertype.EventIntegrationPaused, refsOf(ev),
			models.EventData{Account: d.Account, Campaign: d.Campaign, Destination: dest, Reason: reason, Until: &u})
		return err
	})
}

// Resolved marks the dead letters of the deliveries to dest that just
// succeeded. It returns nil: the deliveries happened, and a stale dead
// letter is only cosmetic, so an error writing it is only logged.
func (s *Service) Resolved(ctx context.Context, dest string, eventIDs ...string) error {
	if len(eventIDs) == 0 {
		return nil
	}
	ctx, cancel := Bookkeeping(ctx)
	defer cancel()
	err := s.store.DB.WithContext(ctx).Model(&DeadLetter{}).
		Where("destination = ? AND event_id IN ? AND resolved_at IS NULL", dest, eventIDs).
		Update("resolved_at", s.now().UTC()).Error
	if err != nil {
		// The delivery happened; a stale dead letter is only cosmetic.
		s.log.LogAttrs(ctx, slog.LevelWarn, "cannot mark dead letters resolved",
			slog.String("destination", dest), slog.String("error", err.Error()))
	}
	return nil
}
