package bot

import (
	"time"
)

// A View is a handler's neutral result: what to show, not how. The
// renderers (render*.go) turn views into Block Kit.
type View interface{ isView() }

// NoticeView is a short message: a confirmation, a refusal, an error.
type NoticeView struct {
	Text string
}

// HelpView lists the commands. Problem, when set, comes first ("I don't know
// `foo`").
type HelpView struct {
	Problem string
}

// UnknownNameView answers a name that matches no account or campaign,
// listing the valid ones.
type UnknownNameView struct {
	// What is "account", "campaign" or "account or campaign".
	What  string
	Name  string
	Valid []string
}

// QuotaView is each account's usage against its limits.
type QuotaView struct {
	Accounts []AccountQuota
}

// AccountQuota is one account's usage, state and next reset.
type AccountQuota struct {
	Name  string
	Plan  string
	State string
	// StateReason says why the account is not active.
	StateReason string
	// Until is when a restriction ends.
	Until     *time.Time
	Usage     []Usage
	NextReset *time.Time
}

// StatusView is what is going on: queues, open proposals and the accounts
// waiting for a person.
type StatusView struct {
	Accounts      []AccountStatus
	Campaigns     []CampaignStatus
	OpenProposals []OpenProposal
}

// AccountStatus is an account's state and the actions queued for it.
type AccountStatus struct {
	Name        string
	State       string
	StateReason string
	// PausedBy is who paused the account.
	PausedBy string
	Until    *time.Time
	Queued   int
	NextAt   *time.Time
}

// CampaignStatus is a campaign's state and what is left to propose.
type CampaignStatus struct {
	Name string
	// Senders are the accounts that send the campaign, Parts what each has
	// sent and has waiting in it (only those with either).
	Senders []string
	Parts   []SenderPart
	// FinishAt is when the campaign's prospects are all invited at the
	// pace its senders have room for (nil: no sender has room); PerWeek is
	// that pace.
	FinishAt *time.Time
	PerWeek  int
	State    string
	Channel  string
	Waiting  int
	PausedBy string
}

// SenderPart is one sender's part of a campaign: invitations sent, and
// approved and waiting.
type SenderPart struct {
	Account string
	Sent    int
	Waiting int
}

// OpenProposal is a proposal waiting for a decision.
type OpenProposal struct {
	ID       int64
	Campaign string
	Channel  string
	// MessageTS is its message in Channel; "" until it is posted.
	MessageTS string
	Items     int
	CreatedAt time.Time
	// ExpiresAt is when it expires if nobody decides or edits it first;
	// nil when its campaign's proposals never expire.
	ExpiresAt *time.Time
	// Link is its message's permalink, where one was asked for (App
	// Home's waiting list, a reminder in a direct message).
	Link string
}

// ReminderView asks the approvers to decide a proposal that has waited
// Waited: in its thread, mentioning them (Mentions), or, when Direct, in a
// direct message to one of them, with a link to it.
type ReminderView struct {
	Proposal OpenProposal
	Waited   time.Duration
	Mentions string
	Direct   bool
}

// DigestView is the daily digest of one channel: its accounts' usage and
// what the integrations failed to deliver.
type DigestView struct {
	Date     time.Time
	Accounts []DigestAccount
	// DeadLetters counts the CRM and webhook deliveries that gave up.
	DeadLetters int
}

// DigestAccount is one account's day.
type DigestAccount struct {
	AccountQuota
	Pending int
	// AcceptRate is accepted ÷ decided invitations over 30 days; Decided 0
	// means there is nothing to measure yet.
	Accepted int
	Decided  int
	Queue    int
	Forecast string
	// Delivery proves the invitations sent over 7 days against LinkedIn's
	// Sent page.
	Delivery DeliveryProof
}

// DeliveryProof counts the invitations an account sent over a period, and
// of those, how many the daily reconcile with LinkedIn's Sent page
// confirmed and how many it found missing; the rest are not checked yet.
type DeliveryProof struct {
	Sent, Confirmed, Missing int
}

// AlertView tells a channel (and, when Serious, the approvers) that an
// account needs attention.
type AlertView struct {
	// Event is the event type that raised it.
	Event   string
	Account string
	Title   string
	// Body says what happened and what to do next.
	Body    string
	Until   *time.Time
	Serious bool
}

// StopConfirmView asks to confirm `/pacer stop all`: it names the accounts
// that would stop and carries the button that stops them.
type StopConfirmView struct {
	Accounts []string
}

// StopView says what the stop switch did, and for whom.
type StopView struct {
	By     string
	Resume bool
	Switched
	// StillHeld are accounts resumed while a restriction LinkedIn set
	// during the stop still runs.
	StillHeld []AccountStatus
}

// StopSwitch is the App Home's stop switch, shown to approvers: the
// accounts stop all holds (and who stopped them), and how many still run.
type StopSwitch struct {
	Stopped []string
	By      string
	Running int
}

// HomeView is a user's App Home tab.
type HomeView struct {
	// Refusal, when set, is all the tab says: the user may see nothing.
	Refusal string
	// Switch is the stop switch, for approvers only.
	Switch   *StopSwitch
	Accounts []AccountQuota
	// Waiting are the open proposals the user may decide, oldest first,
	// with their links.
	Waiting       []OpenProposal
	OpenProposals []OpenProposal
	NeedsHuman    []AccountStatus
	UpdatedAt     time.Time
}

func (NoticeView) isView()      {}
func (HelpView) isView()        {}
func (UnknownNameView) isView() {}
func (StopConfirmView) isView() {}
func (StopView) isView()        {}
func (QuotaView) isView()       {}
func (StatusView) isView()      {}
func (DigestView) isView()      {}
func (AlertView) isView()       {}
func (ReminderView) isView()    {}
func (HomeView) isView()        {}
