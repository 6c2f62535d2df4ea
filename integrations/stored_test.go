package integrations_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/pacerhq/pacer/integrations"
	"github.com/pacerhq/pacer/integrations/webhook"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
)

func TestFromStored(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 3, 4, 10, 11, 12, 345678901, time.UTC)
	sent := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	until := time.Date(2025, 3, 8, 0, 0, 0, 0, time.UTC)
	proposal := int64(42)
	prospect := &models.EventProspect{Slug: "jane-doe-0a1b2c", ProfileURL: "https://www.linkedin.com/in/jane-doe-0a1b2c/",
		FirstName: "Jane", LastName: "Doe", Company: "Example GmbH", Title: "CTO"}
	want := integrations.Prospect{Slug: "jane-doe-0a1b2c", ProfileURL: "https://www.linkedin.com/in/jane-doe-0a1b2c/",
		FirstName: "Jane", LastName: "Doe", Company: "Example GmbH", Title: "CTO"}
	withEmail := *prospect
	withEmail.Email = "jane@example.com"
	wantEmail := want
	wantEmail.Email = "jane@example.com"
	tests := []struct {
		typ  pacertype.EventType
		refs models.EventRefs
		data models.EventData
		want integrations.Payload
	}{
		{"invite.sent", models.EventRefs{ProposalID: &proposal}, models.EventData{Prospect: prospect, Account: "anna", Campaign: "cto", Note: "Hi Jane"},
			&integrations.InviteSentData{Account: "anna", Campaign: "cto", Prospect: want, ProposalID: "42", Note: "Hi Jane"}},
		{"invite.accepted", models.EventRefs{}, models.EventData{Prospect: prospect, Account: "anna", Campaign: "cto", SentAt: &sent},
			&integrations.InviteAcceptedData{Account: "anna", Campaign: "cto", Prospect: want, SentAt: sent, AcceptedAt: at.Truncate(time.Millisecond)}},
		{"invite.withdrawn", models.EventRefs{}, models.EventData{Prospect: prospect, Account: "anna", Campaign: "cto", SentAt: &sent, Reason: "stale"},
			&integrations.InviteWithdrawnData{Account: "anna", Campaign: "cto", Prospect: want, SentAt: sent, Reason: "stale"}},
		{"email.found", models.EventRefs{}, models.EventData{Prospect: &withEmail, Account: "anna", Campaign: "cto", Source: "hunter", Score: 91},
			&integrations.EmailFoundData{Account: "anna", Campaign: "cto", Prospect: wantEmail, Source: "hunter", Score: 91}},
		{"message.sent", models.EventRefs{ProposalID: &proposal}, models.EventData{Prospect: prospect, Account: "anna", Campaign: "cto", Text: "Thanks, Jane!\nA call?"},
			&integrations.MessageSentData{Account: "anna", Campaign: "cto", Prospect: want, ProposalID: "42", Text: "Thanks, Jane!\nA call?"}},
		{"message.replied", models.EventRefs{ProposalID: &proposal}, models.EventData{Prospect: prospect, Account: "anna", Campaign: "cto",
			Text: "Sure, Tuesday", URL: "https://www.linkedin.com/messaging/thread/2-AB/"},
			&integrations.MessageRepliedData{Account: "anna", Campaign: "cto", Prospect: want, ProposalID: "42",
				Excerpt: "Sure, Tuesday", ConversationURL: "https://www.linkedin.com/messaging/thread/2-AB/"}},
		{"message.replied", models.EventRefs{}, models.EventData{Prospect: prospect, Account: "anna", Campaign: "cto", Text: "ok"},
			&integrations.MessageRepliedData{Account: "anna", Campaign: "cto", Prospect: want, Excerpt: "ok"}},
		{"account.restricted", models.EventRefs{}, models.EventData{Account: "anna", Reason: "weekly_invitation_limit", Until: &until},
			&integrations.AccountRestrictedData{Account: "anna", Reason: "weekly_invitation_limit", RestrictedUntil: &until}},
		{"account.checkpoint", models.EventRefs{}, models.EventData{Account: "anna", Reason: "captcha"},
			&integrations.AccountCheckpointData{Account: "anna", Reason: "captcha"}},
		{"proposal.approved", models.EventRefs{}, models.EventData{Account: "anna", Campaign: "cto", ProposalID: 42, DecidedBy: "U1", Count: 25},
			&integrations.ProposalApprovedData{Account: "anna", Campaign: "cto", ProposalID: "42", DecidedBy: "U1", Items: 25}},
		{"proposal.rejected", models.EventRefs{ProposalID: &proposal}, models.EventData{Account: "anna", Campaign: "cto", DecidedBy: "U1", Reason: "agencies"},
			&integrations.ProposalRejectedData{Account: "anna", Campaign: "cto", ProposalID: "42", DecidedBy: "U1", Note: "agencies"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ), func(t *testing.T) {
			t.Parallel()
			stored := storedEvent(t, tt.typ, at, tt.refs, tt.data)
			got, err := integrations.FromStored(stored)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != stored.ID || got.Type != tt.typ || !got.Timestamp.Equal(at.Truncate(time.Millisecond)) {
				t.Errorf("FromStored() = %s %s %s, want the stored id, type and time to the millisecond", got.ID, got.Type, got.Timestamp)
			}
			if !reflect.DeepEqual(got.Data, tt.want) {
				t.Errorf("data = %#v\nwant %#v", got.Data, tt.want)
			}
			again, _ := integrations.FromStored(stored)
			b1, _ := webhook.Body(got)
			b2, _ := webhook.Body(again)
			if !bytes.Equal(b1, b2) {
				t.Errorf("two conversions give two bodies:\n%s\n%s", b1, b2)
			}
		})
	}
}

func TestFromStoredRefusesInternalEvents(t *testing.T) {
	t.Parallel()
	_, err := integrations.FromStored(storedEvent(t, pacertype.EventDeadLettered, time.Now(), models.EventRefs{}, models.EventData{}))
	if !errors.Is(err, integrations.ErrUnknownType) {
		t.Errorf("FromStored(delivery.dead) = %v, want ErrUnknownType", err)
	}
}

// storedEvent is an event as the store keeps it.
func storedEvent(t *testing.T, typ pacertype.EventType, at time.Time, refs models.EventRefs, data models.EventData) models.Event {
	t.Helper()
	e := models.Event{ID: integrations.NewID(), Type: string(typ), OccurredAt: at, ProposalID: refs.ProposalID}
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	e.Data = string(b)
	return e
}
