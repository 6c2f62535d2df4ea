package pacertype_test

import (
	"testing"

	"github.com/pacerhq/pacer/pacertype"
)

// TestValuesAreStable pins every value: they are stored in the database and
// sent to webhook receivers, so changing one breaks existing rows and
// receivers. Add new values here; never edit one.
func TestValuesAreStable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		got, want string
	}{
		{string(pacertype.EventInviteSent), "invite.sent"},
		{string(pacertype.EventInviteAccepted), "invite.accepted"},
		{string(pacertype.EventInviteWithdrawn), "invite.withdrawn"},
		{string(pacertype.EventEmailFound), "email.found"},
		{string(pacertype.EventMessageSent), "message.sent"},
		{string(pacertype.EventMessageReplied), "message.replied"},
		{string(pacertype.EventAccountRestricted), "account.restricted"},
		{string(pacertype.EventAccountCheckpoint), "account.checkpoint"},
		{string(pacertype.EventProposalApproved), "proposal.approved"},
		{string(pacertype.EventProposalRejected), "proposal.rejected"},
		{string(pacertype.EventGuardTripped), "account.guard"},
		{string(pacertype.EventPendingAlert), "account.pending_alert"},
		{string(pacertype.EventDeadLettered), "delivery.dead"},
		{string(pacertype.EventActionFailed), "action.failed"},
		{string(pacertype.EventActionSkipped), "action.skipped"},
		{string(pacertype.EventIntegrationPaused), "integration.paused"},
		{string(pacertype.EventDeliveryMissing), "account.delivery_missing"},
		{string(pacertype.OutcomeDone), "done"},
		{string(pacertype.OutcomeAlreadyPending), "already_pending"},
		{string(pacertype.OutcomeAlreadyConnected), "already_connected"},
		{string(pacertype.OutcomeEmailRequired), "email_required"},
		{string(pacertype.OutcomeNoteQuotaExhausted), "note_quota_exhausted"},
		{string(pacertype.OutcomeNoteTooLong), "note_too_long"},
		{string(pacertype.OutcomeUnexpectedNote), "unexpected_note"},
		{string(pacertype.OutcomeWeeklyLimit), "weekly_limit"},
		{string(pacertype.OutcomeCheckpoint), "checkpoint"},
		{string(pacertype.OutcomeSessionRejected), "session_rejected"},
		{string(pacertype.OutcomeNotFound), "not_found"},
		{string(pacertype.OutcomeNotConnectable), "not_connectable"},
		{string(pacertype.OutcomeUnrecognized), "unrecognized"},
		{string(pacertype.OutcomeTransient), "transient"},
		{string(pacertype.OutcomeSuppressed), "suppressed"},
		{string(pacertype.OutcomeNotConnected), "not_connected"},
		{string(pacertype.OutcomeUnexpectedDraft), "unexpected_draft"},
		{string(pacertype.OutcomeReplied), "replied"},
		{pacertype.ReasonWeeklyInvitationLimit, "weekly_invitation_limit"},
		{pacertype.ReasonCheckpoint, "checkpoint"},
		{pacertype.ReasonCaptcha, "captcha"},
		{pacertype.ReasonSessionRejected, "session_rejected"},
		{pacertype.ReasonSessionMissing, "session_missing"},
		{pacertype.FinderNone, "none"},
		{pacertype.FinderContactInfo, "contact_info"},
		{pacertype.FinderHunter, "hunter"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	// Every listed word is pinned above, so a new one gets a line here.
	pinned := map[string]bool{}
	for _, tt := range tests {
		pinned[tt.want] = true
	}
	var listed []string
	for _, e := range append(pacertype.EventTypes(), pacertype.InternalEventTypes()...) {
		listed = append(listed, string(e))
	}
	for _, o := range pacertype.Outcomes() {
		listed = append(listed, string(o))
	}
	listed = append(listed, pacertype.Reasons()...)
	listed = append(listed, pacertype.EmailFinders()...)
	for _, w := range listed {
		if !pinned[w] {
			t.Errorf("%q is listed but not pinned in this test", w)
		}
	}
}

func TestPublic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		typ  pacertype.EventType
		want bool
	}{
		{"public", pacertype.EventInviteAccepted, true},
		{"internal", pacertype.EventDeadLettered, false},
		{"unknown", "invite.lost", false},
		{"wildcard", "*", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.typ.Public(); got != tt.want {
				t.Errorf("%q.Public() = %v, want %v", tt.typ, got, tt.want)
			}
		})
	}
}
