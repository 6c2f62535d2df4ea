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
func Sample(t Type, at time.Time) (Payload, error) {
	at = at.UTC().Truncate(time.Second)
	sent := at.Add(-3 * 24 * time.Hour)
	p := sampleProspect
	switch t {
	case InviteSent:
		return &InviteSentData{Account: "anna", Campaign: "cto-berlin", Prospect: p,
			ProposalID: "42", Note: "Hi Jane, I enjoyed your talk at the meetup."}, nil
	case InviteAccepted:
		return &InviteAcceptedData{Account: "anna", Campaign: "cto-berlin", Prospect: p,
			SentAt: sent, AcceptedAt: at}, nil
	case InviteWithdrawn:
		return &InviteWithdrawnData{Account: "anna", Campaign: "cto-berlin", Prospect: p,
			SentAt: at.Add(-21 * 24 * time.Hour), Reason: WithdrawStale}, nil
	case EmailFound:
		p.Email = "jane.doe@example.com"
		return &EmailFoundData{Account: "anna", Campaign: "cto-berlin", Prospect: p,
			Source: SourceHunter, Score: 94}, nil
	case AccountRestricted:
		until := at.Add(4 * 24 * time.Hour)
		return &AccountRestrictedData{Account: "anna", Reason: pacertype.ReasonWeeklyInvitationLimit,
			RestrictedUntil: &until}, nil
	case AccountCheckpoint:
		return &AccountCheckpointData{Account: "anna", Reason: "login_challenge"}, nil
	case ProposalApproved:
		return &ProposalApprovedData{Account: "anna", Campaign: "cto-berlin",
			ProposalID: "42", DecidedBy: "U012ABCDEF", Items: 25}, nil
	case ProposalRejected:
		return &ProposalRejectedData{Account: "anna", Campaign: "cto-berlin",
			ProposalID: "42", DecidedBy: "U012ABCDEF",
			Note: "Too many agencies in this batch."}, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownType, t)
}
