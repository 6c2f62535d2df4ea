package integrations

import (
	"fmt"
	"strconv"
	"time"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
)

// FromStored turns an event as the store keeps it (models.Event with its
// models.EventData) into the typed event receivers get. It is the only such
// conversion, and it depends on the stored row alone: every attempt of every
// delivery of one event sends the same id and the same body.
//
// The id is the stored id (the webhook-id); the timestamp is when the event
// occurred, in UTC, to the millisecond. Internal event types (alerts, dead
// letters) have no public form: their error matches ErrUnknownType.
func FromStored(e models.Event) (Event, error) {
	t := pacertype.EventType(e.Type)
	if !t.Public() {
		return Event{}, fmt.Errorf("%w %q: event %s is internal and is never delivered outside Pacer", ErrUnknownType, e.Type, e.ID)
	}
	d, err := models.DecodeEventData(e)
	if err != nil {
		return Event{}, fmt.Errorf("integrations: %w", err)
	}
	at := e.OccurredAt.UTC().Truncate(time.Millisecond)
	p := storedProspect(d.Prospect)
	var data Payload
	switch t {
	case pacertype.EventInviteSent:
		data = &InviteSentData{Account: d.Account, Campaign: d.Campaign, Prospect: p,
			ProposalID: proposalID(d.ProposalID, e.ProposalID), Note: d.Note}
	case pacertype.EventInviteAccepted:
		data = &InviteAcceptedData{Account: d.Account, Campaign: d.Campaign, Prospect: p,
			SentAt: storedTime(d.SentAt), AcceptedAt: at}
	case pacertype.EventInviteWithdrawn:
		reason := d.Reason
		if reason == "" {
			reason = WithdrawManual
		}
		data = &InviteWithdrawnData{Account: d.Account, Campaign: d.Campaign, Prospect: p,
			SentAt: storedTime(d.SentAt), Reason: reason}
	case pacertype.EventEmailFound:
		data = &EmailFoundData{Account: d.Account, Campaign: d.Campaign, Prospect: p,
			Source: d.Source, Score: d.Score}
	case pacertype.EventMessageSent:
		data = &MessageSentData{Account: d.Account, Campaign: d.Campaign, Prospect: p,
			ProposalID: proposalID(d.ProposalID, e.ProposalID), Text: d.Text}
	case pacertype.EventMessageReplied:
		data = &MessageRepliedData{Account: d.Account, Campaign: d.Campaign, Prospect: p,
			ProposalID: proposalID(d.ProposalID, e.ProposalID), Excerpt: d.Text, ConversationURL: d.URL}
	case pacertype.EventAccountRestricted:
		var until *time.Time
		if d.Until != nil {
			u := d.Until.UTC().Truncate(time.Millisecond)
			until = &u
		}
		data = &AccountRestrictedData{Account: d.Account, Reason: d.Reason, RestrictedUntil: until}
	case pacertype.EventAccountCheckpoint:
		data = &AccountCheckpointData{Account: d.Account, Reason: d.Reason}
	case pacertype.EventProposalApproved:
		data = &ProposalApprovedData{Account: d.Account, Campaign: d.Campaign,
			ProposalID: proposalID(d.ProposalID, e.ProposalID), DecidedBy: d.DecidedBy, Items: d.Count}
	case pacertype.EventProposalRejected:
		note := d.Reason
		if note == "" {
			note = d.Note
		}
		data = &ProposalRejectedData{Account: d.Account, Campaign: d.Campaign,
			ProposalID: proposalID(d.ProposalID, e.ProposalID), DecidedBy: d.DecidedBy, Note: note}
	}
	return Event{ID: e.ID, Type: t, Timestamp: at, Data: data}, nil
}

// storedProspect copies the prospect snapshot of an event.
func storedProspect(p *models.EventProspect) Prospect {
	if p == nil {
		return Prospect{}
	}
	return Prospect{Slug: p.Slug, ProfileURL: p.ProfileURL, FirstName: p.FirstName, LastName: p.LastName,
		Company: p.Company, Title: p.Title, Email: p.Email}
}

// proposalID is the proposal's id as receivers see it: the decimal store id
// that Slack and the CLI show as "#42".
func proposalID(fromData int64, ref *int64) string {
	if fromData == 0 && ref != nil {
		fromData = *ref
	}
	if fromData == 0 {
		return ""
	}
	return strconv.FormatInt(fromData, 10)
}

func storedTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Millisecond)
}
