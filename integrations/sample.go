package integrations

import (
	"fmt"
	"time"

	"github.com/pacerhq/pacer/pacertype"
)

// sampleProspect is the fictional person in every sample event.
var sampleProspect = Prospect{
	Slug:       "jane-doe-0a1b2c",
	ProfileURL: "https://www.linkedin.com/in/jane-doe-0a1b2c/",
	FirstName:  "Jane",
	LastName:   "Doe",
	Company:    "Example GmbH",
	Title:      "CTO",
}

// Sample returns a realistic payload of type t whose times are derived from
// at. `pacer webhooks test` sends it so that a receiver can be tried before
// real events flow, and docs/events.md shows it.
func Sample(t pacertype.EventType, at time.Time) (Payload, error) {
	at = at.UTC().Truncate(time.Second)
	sent := at.Add(-3 * 24 * time.Hour)
	p := sampleProspect
	switch t {
	case pacertype.EventInviteSent:
		return &InviteSentData{Account: "anna", Campaign: "cto-berlin", Prospect: p,
			ProposalID: "42", Note: "Hi Jane, I enjoyed your talk at the meetup."}, nil
	case pacertype.EventInviteAccepted:
		return &InviteAcceptedData{Account: "anna", Campaign: "cto-berlin", Prospect: p,
			SentAt: sent, AcceptedAt: at}, nil
	case pacertype.EventInviteWithdrawn:
		return &InviteWithdrawnData{Account: "anna", Campaign: "cto-berlin", Prospect: p,
			SentAt: at.Add(-21 * 24 * time.Hour), Reason: WithdrawStale}, nil
	case pacertype.EventEmailFound:
		p.Email = "jane.doe@example.com"
		return &EmailFoundData{Account: "anna", Campaign: "cto-berlin", Prospect: p,
			Source: pacertype.FinderHunter, Score: 94}, nil
	case pacertype.EventMessageSent:
		return &MessageSentData{Account: "anna", Campaign: "cto-berlin", Prospect: p, ProposalID: "57",
			Text: "Thanks for connecting, Jane! Would a short call about your platform team next week be useful?"}, nil
	case pacertype.EventMessageReplied:
		return &MessageRepliedData{Account: "anna", Campaign: "cto-berlin", Prospect: p, ProposalID: "57",
			Excerpt: "Happy to, Tuesday afternoon works for me.", ConversationURL: "https://www.linkedin.com/messaging/thread/2-YTJlNGQ5ZjUtMWM2/"}, nil
	case pacertype.EventAccountRestricted:
		until := at.Add(4 * 24 * time.Hour)
		return &AccountRestrictedData{Account: "anna", Reason: pacertype.ReasonWeeklyInvitationLimit,
			RestrictedUntil: &until}, nil
	case pacertype.EventAccountCheckpoint:
		return &AccountCheckpointData{Account: "anna", Reason: "login_challenge"}, nil
	case pacertype.EventProposalApproved:
		return &ProposalApprovedData{Account: "anna", Campaign: "cto-berlin",
			ProposalID: "42", DecidedBy: "U012ABCDEF", Items: 25}, nil
	case pacertype.EventProposalRejected:
		return &ProposalRejectedData{Account: "anna", Campaign: "cto-berlin",
			ProposalID: "42", DecidedBy: "U012ABCDEF",
			Note: "Too many agencies in this batch."}, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownType, t)
}
