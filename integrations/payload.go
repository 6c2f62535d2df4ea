package integrations

import (
	"time"

	"github.com/pacerhq/pacer/pacertype"
)

// Prospect is the person an event concerns, as Pacer knows them when the
// event happens.
type Prospect struct {
	// Slug is the LinkedIn public identifier (linkedin.com/in/<slug>).
	Slug string `json:"slug"`
	// ProfileURL is the canonical profile URL.
	ProfileURL string `json:"profile_url"`
	// FirstName is the prospect's first name.
	FirstName string `json:"first_name"`
	// LastName is the prospect's last name.
	LastName string `json:"last_name"`
	// Company is the current company, if known.
	Company string `json:"company"`
	// Title is the current job title, if known.
	Title string `json:"title"`
	// Email is the email address, when one is known.
	Email string `json:"email,omitempty"`
}

// InviteSentData is the payload of invite.sent.
type InviteSentData struct {
	// Account is the name of the Pacer account that sent the invitation.
	Account string `json:"account"`
	// Campaign is the name of the campaign the invitation belongs to.
	Campaign string `json:"campaign"`
	// Prospect is the invited person.
	Prospect Prospect `json:"prospect"`
	// ProposalID is the approved proposal the invitation came from.
	ProposalID string `json:"proposal_id"`
	// Note is the personalized note sent with the invitation, if any.
	Note string `json:"note,omitempty"`
}

// InviteAcceptedData is the payload of invite.accepted.
type InviteAcceptedData struct {
	// Account is the name of the Pacer account whose invitation was accepted.
	Account string `json:"account"`
	// Campaign is the name of the campaign the invitation belonged to.
	Campaign string `json:"campaign"`
	// Prospect is the new connection.
	Prospect Prospect `json:"prospect"`
	// SentAt is when the invitation was sent.
	SentAt time.Time `json:"sent_at"`
	// AcceptedAt is when Pacer saw the acceptance (LinkedIn does not say
	// exactly when it happened).
	AcceptedAt time.Time `json:"accepted_at"`
}

// Reasons for invite.withdrawn.
const (
	// WithdrawStale means Pacer withdrew an invitation left pending too long.
	WithdrawStale = "stale"
	// WithdrawManual means a person asked Pacer to withdraw it.
	WithdrawManual = "manual"
)

// InviteWithdrawnData is the payload of invite.withdrawn.
type InviteWithdrawnData struct {
	// Account is the name of the Pacer account that withdrew the invitation.
	Account string `json:"account"`
	// Campaign is the name of the campaign the invitation belonged to.
	Campaign string `json:"campaign"`
	// Prospect is the person the invitation was for.
	Prospect Prospect `json:"prospect"`
	// SentAt is when the invitation was sent.
	SentAt time.Time `json:"sent_at"`
	// Reason is WithdrawStale or WithdrawManual.
	Reason string `json:"reason"`
}

// EmailFoundData is the payload of email.found. The found address is in
// Prospect.Email.
type EmailFoundData struct {
	// Account is the name of the Pacer account the prospect belongs to.
	Account string `json:"account"`
	// Campaign is the name of the campaign the prospect belongs to.
	Campaign string `json:"campaign"`
	// Prospect is the person, with Email set.
	Prospect Prospect `json:"prospect"`
	// Source is the finder that found the address (pacertype.FinderContactInfo
	// or pacertype.FinderHunter).
	Source string `json:"source"`
	// Score is the finder's confidence from 0 to 100, when it gives one.
	Score int `json:"score,omitempty"`
}

// MessageSentData is the payload of message.sent.
type MessageSentData struct {
	// Account is the name of the Pacer account that sent the message.
	Account string `json:"account"`
	// Campaign is the name of the campaign the message belongs to.
	Campaign string `json:"campaign"`
	// Prospect is the connection the message went to.
	Prospect Prospect `json:"prospect"`
	// ProposalID is the approved proposal the message came from.
	ProposalID string `json:"proposal_id"`
	// Text is the message exactly as approved and sent.
	Text string `json:"text"`
}

// MessageRepliedData is the payload of message.replied.
type MessageRepliedData struct {
	// Account is the name of the Pacer account the prospect answered.
	Account string `json:"account"`
	// Campaign is the name of the campaign whose message they answered.
	Campaign string `json:"campaign"`
	// Prospect is the person who replied.
	Prospect Prospect `json:"prospect"`
	// ProposalID is the approved proposal of the message they answered.
	ProposalID string `json:"proposal_id"`
	// Excerpt is the start of the reply, as LinkedIn's messaging list
	// shows it (not the whole message).
	Excerpt string `json:"excerpt"`
	// ConversationURL is the address of the conversation on LinkedIn, when
	// the messaging list links it.
	ConversationURL string `json:"conversation_url,omitempty"`
}

// AccountRestrictedData is the payload of account.restricted.
type AccountRestrictedData struct {
	// Account is the name of the restricted Pacer account.
	Account string `json:"account"`
	// Reason says what LinkedIn showed, for example "weekly_invitation_limit"
	// or "restricted".
	Reason string `json:"reason"`
	// RestrictedUntil is when inviting may resume, when known.
	RestrictedUntil *time.Time `json:"restricted_until,omitempty"`
}

// AccountCheckpointData is the payload of account.checkpoint.
type AccountCheckpointData struct {
	// Account is the name of the Pacer account that met the checkpoint.
	Account string `json:"account"`
	// Reason says which checkpoint LinkedIn showed, for example "captcha",
	// "login_challenge" or "identity_verification".
	Reason string `json:"reason"`
}

// ProposalApprovedData is the payload of proposal.approved.
type ProposalApprovedData struct {
	// Account is the name of the Pacer account that will send the batch.
	Account string `json:"account"`
	// Campaign is the name of the campaign the proposal belongs to.
	Campaign string `json:"campaign"`
	// ProposalID identifies the proposal.
	ProposalID string `json:"proposal_id"`
	// DecidedBy is the Slack user ID of the approver.
	DecidedBy string `json:"decided_by"`
	// Items is the number of approved actions (skipped items excluded).
	Items int `json:"items"`
}

// ProposalRejectedData is the payload of proposal.rejected.
type ProposalRejectedData struct {
	// Account is the name of the Pacer account the proposal was for.
	Account string `json:"account"`
	// Campaign is the name of the campaign the proposal belongs to.
	Campaign string `json:"campaign"`
	// ProposalID identifies the proposal.
	ProposalID string `json:"proposal_id"`
	// DecidedBy is the Slack user ID of the person who rejected it.
	DecidedBy string `json:"decided_by"`
	// Note is the reason the person gave, if any.
	Note string `json:"note,omitempty"`
}

// EventType returns InviteSent.
func (*InviteSentData) EventType() pacertype.EventType { return pacertype.EventInviteSent }

// EventType returns InviteAccepted.
func (*InviteAcceptedData) EventType() pacertype.EventType { return pacertype.EventInviteAccepted }

// EventType returns InviteWithdrawn.
func (*InviteWithdrawnData) EventType() pacertype.EventType { return pacertype.EventInviteWithdrawn }

// EventType returns EmailFound.
func (*EmailFoundData) EventType() pacertype.EventType { return pacertype.EventEmailFound }

// EventType returns MessageSent.
func (*MessageSentData) EventType() pacertype.EventType { return pacertype.EventMessageSent }

// EventType returns MessageReplied.
func (*MessageRepliedData) EventType() pacertype.EventType { return pacertype.EventMessageReplied }

// EventType returns AccountRestricted.
func (*AccountRestrictedData) EventType() pacertype.EventType {
	return pacertype.EventAccountRestricted
}

// EventType returns AccountCheckpoint.
func (*AccountCheckpointData) EventType() pacertype.EventType {
	return pacertype.EventAccountCheckpoint
}

// EventType returns ProposalApproved.
func (*ProposalApprovedData) EventType() pacertype.EventType { return pacertype.EventProposalApproved }

// EventType returns ProposalRejected.
func (*ProposalRejectedData) EventType() pacertype.EventType { return pacertype.EventProposalRejected }

func (d *InviteSentData) prospect() *Prospect      { return &d.Prospect }
func (d *InviteAcceptedData) prospect() *Prospect  { return &d.Prospect }
func (d *InviteWithdrawnData) prospect() *Prospect { return &d.Prospect }
func (d *EmailFoundData) prospect() *Prospect      { return &d.Prospect }
func (d *MessageSentData) prospect() *Prospect     { return &d.Prospect }
func (d *MessageRepliedData) prospect() *Prospect  { return &d.Prospect }
