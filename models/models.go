package models

import "time"

// Account states. Only a human clears needs_human.
const (
	AccountActive     = "active"
	AccountPaused     = "paused"
	AccountRestricted = "restricted"
	AccountNeedsHuman = "needs_human"
)

// Account is a LinkedIn account that acts for the team. Its limits and
// working hours live in the configuration; the store keeps its state.
type Account struct {
	ID       int64
	Name     string
	Plan     string
	Timezone string
	State    string
	// StateReason says why the account is not active, for Slack.
	StateReason     string
	RestrictedUntil *time.Time
	// PausedBy is the Slack user who paused the account.
	PausedBy string
	// Guard is the acceptance-rate guard's level: "", "halved" or "paused".
	Guard string
	// NotesLeft is what LinkedIn last said remains of this month's
	// personalized notes (NotesLeftMonth, "2006-01"); nil when unknown.
	NotesLeft      *int
	NotesLeftMonth string
	// Connections is LinkedIn's count of the account's connections, as
	// last read from the connections page (at ConnectionsReadAt) plus the
	// acceptances recorded since.
	Connections       int
	ConnectionsReadAt *time.Time
	PendingInvites    int
	// LastActedAt is when the account's last action ended: the minimum gap
	// before the next one counts from it.
	LastActedAt *time.Time
	// SessionSealed is the LinkedIn session (cookies), sealed with
	// AES-256-GCM under PACER_SECRET_KEY.
	SessionSealed    []byte
	SessionUpdatedAt *time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Campaign states.
const (
	CampaignActive = "active"
	CampaignPaused = "paused"
)

// Campaign is a stream of prospects sent by one account. Its template and
// steps live in the configuration; the store keeps its identity and state.
type Campaign struct {
	ID        int64
	Name      string
	AccountID int64
	Channel   string
	State     string
	PausedBy  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Prospect states, team-wide: whichever account sent the invitation.
const (
	ProspectNew         = "new"
	ProspectPending     = "pending"
	ProspectConnected   = "connected"
	ProspectWithdrawn   = "withdrawn"
	ProspectUnavailable = "unavailable"
)

// Prospect is a LinkedIn member, known once team-wide by the slug of their
// profile URL.
type Prospect struct {
	ID          int64
	Slug        string
	ProfileURL  string
	FirstName   string
	LastName    string
	Company     string
	Title       string
	Email       string
	EmailDomain string
	// Vars holds the import's other columns as a JSON object, for templates.
	Vars        string
	State       string
	InvitedAt   *time.Time
	ConnectedAt *time.Time
	WithdrawnAt *time.Time
	// RepliedAt is when the prospect first answered a message: their
	// follow-ups stop.
	RepliedAt *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Sources of an account's known connections.
const (
	ConnectionFromExport  = "export"  // LinkedIn's data export, imported
	ConnectionFromProfile = "profile" // seen as first-degree on a profile
)

// AccountConnection is a member an account is connected to on LinkedIn,
// by slug: no other account of the team invites them.
type AccountConnection struct {
	AccountID int64  `gorm:"primaryKey;autoIncrement:false"`
	Slug      string `gorm:"primaryKey"`
	Source    string
	CreatedAt time.Time
}

// Enrollment states: a prospect's progress within one campaign.
const (
	EnrollmentQueued   = "queued"
	EnrollmentProposed = "proposed"
	EnrollmentApproved = "approved"
	EnrollmentSkipped  = "skipped"
	EnrollmentRejected = "rejected"
	EnrollmentDone     = "done"
	EnrollmentFailed   = "failed"
)

// Enrollment puts a prospect in a campaign. Position keeps import order.
type Enrollment struct {
	ID         int64
	CampaignID int64
	ProspectID int64
	Position   int64
	Priority   int
	State      string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Suppression kinds.
const (
	SuppressSlug   = "slug"
	SuppressEmail  = "email"
	SuppressDomain = "domain"
)

// Suppression is an entry of the do-not-contact list.
type Suppression struct {
	ID        int64
	Kind      string
	Value     string
	Reason    string
	CreatedBy string
	CreatedAt time.Time
}

// SuppressedSQL is an SQL condition true when the prospect aliased p is on
// the do-not-contact list: by slug, by email, or by the domain of its email
// or a parent domain of it.
const SuppressedSQL = `(EXISTS (SELECT 1 FROM suppressions s WHERE s.kind = 'slug' AND s.value = p.slug)
	OR (p.email <> '' AND EXISTS (SELECT 1 FROM suppressions s WHERE s.kind = 'email' AND s.value = p.email))
	OR (p.email_domain <> '' AND EXISTS (SELECT 1 FROM suppressions s WHERE s.kind = 'domain'
		AND (s.value = p.email_domain OR p.email_domain LIKE '%.' || s.value))))`

// Proposal kinds: a campaign proposes invitations, then follow-up messages
// to those who accepted.
const (
	ProposalInvites  = "invite"
	ProposalMessages = "message"
)

// Proposal states. At most one proposal of each kind per campaign is open.
const (
	ProposalOpen     = "open"
	ProposalApproved = "approved"
	ProposalRejected = "rejected"
	ProposalExpired  = "expired"
)

// Proposal is a batch of prospects offered for approval in Slack.
type Proposal struct {
	ID         int64
	CampaignID int64
	AccountID  int64
	// Kind is ProposalInvites or ProposalMessages.
	Kind  string `gorm:"default:invite"`
	State string
	// Version grows with every edit; a click carrying an older version is
	// answered with the current message rather than acted on blindly.
	Version   int
	Channel   string
	MessageTS string
	// Forecast is the human summary of when the batch sends ("Tue–Wed").
	Forecast  string
	DecidedBy string
	DecidedAt *time.Time
	// UndoUntil is when an approved batch may start sending: until then
	// the approval can be taken back (campaign.Undo).
	UndoUntil         *time.Time
	ProgressUpdatedAt *time.Time
	// Shown holds a digest of each of the proposal's Slack messages as
	// last sent, comma-separated in message order (the bot's business).
	Shown     string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Proposal item states.
const (
	ItemProposed = "proposed"
	ItemSkipped  = "skipped"
	ItemApproved = "approved"
	ItemRejected = "rejected"
)

// ProposalItem is one prospect of a proposal with its rendered note.
type ProposalItem struct {
	ID           int64
	ProposalID   int64
	EnrollmentID int64
	ProspectID   int64
	Position     int
	// Step is a follow-up's step in the campaign's follow_ups (1 is the
	// first message after acceptance); 0 for an invitation.
	Step int
	// Note is the invitation's note, or a follow-up's message.
	Note string
	// Variant names the campaign's note variant the invitation was given
	// (config.Campaign.Notes); it stays when an approver edits the note.
	// Empty for a follow-up, and for an invitation that goes without its
	// note because the month's notes ran out.
	Variant string
	// Lint holds the note's findings as a JSON array.
	Lint      string
	State     string
	EditedBy  string
	EditedAt  *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Action kinds.
const (
	ActionView     = "view"
	ActionFollow   = "follow"
	ActionLike     = "like"
	ActionInvite   = "invite"
	ActionWithdraw = "withdraw"
	ActionScan     = "scan"
	ActionReadInfo = "read_email"
	// ActionMessage sends an approved follow-up message to a connection.
	ActionMessage = "message"
)

// Action states. An in-flight action found after a crash is reconciled by
// reading LinkedIn before anything is clicked again.
const (
	ActionScheduled = "scheduled"
	ActionInFlight  = "in_flight"
	ActionDone      = "done"
	ActionSkipped   = "skipped"
	ActionFailed    = "failed"
	ActionCanceled  = "canceled"
)

// Action is one approved thing to do on LinkedIn, at a paced time.
type Action struct {
	ID             int64
	AccountID      int64
	CampaignID     *int64
	ProspectID     *int64
	ProposalItemID *int64
	Kind           string
	// Step is the action's index in the campaign's sequence.
	Step int
	Note string
	// Variant is the note variant an invitation is sent with, as its item
	// recorded it (ProposalItem.Variant).
	Variant     string
	ScheduledAt time.Time
	State       string
	Attempts    int
	Outcome     string
	Reason      string
	// ReservationID is the quota ledger entry of the action's latest
	// attempt; each attempt reserves its own, at the time it is made.
	ReservationID *int64
	// InDoubt is set when an earlier attempt may have carried the action
	// out (Send clicked and not confirmed, a crash mid-action): the next
	// attempt reads the page before it clicks anything.
	InDoubt bool
	// Delivery is what the daily reconcile with LinkedIn's Sent page found
	// of a sent invitation (DeliveryConfirmed, DeliveryMissing), as of
	// DeliveryCheckedAt; empty until then.
	Delivery          string
	DeliveryCheckedAt *time.Time
	LeaseOwner        string
	LeaseUntil        *time.Time
	StartedAt         *time.Time
	FinishedAt        *time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Delivery states of a sent invitation.
const (
	// DeliveryConfirmed: LinkedIn's Sent page lists it, or it was accepted.
	DeliveryConfirmed = "confirmed"
	// DeliveryMissing: the Sent page would list it and does not, and it
	// was not accepted.
	DeliveryMissing = "missing"
)

// Quota ledger states. A reservation whose outcome is never reported
// expires into used, never back into free quota.
const (
	QuotaReserved = "reserved"
	QuotaUsed     = "used"
	QuotaReleased = "released"
)

// QuotaEntry is one counted (or reserved) action in an account's quota.
type QuotaEntry struct {
	ID        int64
	AccountID int64
	Kind      string
	At        time.Time
	State     string
	ExpiresAt time.Time
	ActionID  *int64
	CreatedAt time.Time
}

// TableName keeps the ledger's table name explicit.
func (QuotaEntry) TableName() string { return "quota_ledger" }

// Event is something that happened, written in the same transaction as the
// state change; integrations turn it into deliveries. Data is JSON. Type
// holds a pacertype.EventType's value.
type Event struct {
	ID         string
	Type       string
	OccurredAt time.Time
	AccountID  *int64
	CampaignID *int64
	ProspectID *int64
	ProposalID *int64
	Data       string
	CreatedAt  time.Time
}

// Decision kinds recorded in the audit trail.
const (
	// DecisionApprove approves a proposal (Detail counts what it approved);
	// each item it approved has its own DecisionApproveItem beside it.
	DecisionApprove = "approve"
	// DecisionApproveItem is one item of an approval: ItemID is the item
	// and Detail the exact note approved for it, as the approver saw it.
	DecisionApproveItem = "approve_item"
	DecisionReject      = "reject"
	DecisionSkip        = "skip"
	// DecisionEdit replaces an item's note; Detail is the new note.
	DecisionEdit = "edit"
	// DecisionPause and DecisionResume hold and release an account or a
	// campaign; Detail names it (PauseDetail).
	DecisionPause  = "pause"
	DecisionResume = "resume"
	// DecisionUndo takes an approval back within its undo window; the
	// approval and its items are marked undone.
	DecisionUndo = "undo"
	// DecisionMove gives an approved item of a stopped sender (restricted,
	// or waiting for a person) to another sender of its campaign, whose
	// note for it is the approved text word for word; DecisionReturn puts
	// one no other sender would send as approved back in the queue. Both are
	// Pacer's own (UserID ""); Detail says from whom and to whom.
	DecisionMove   = "move_item"
	DecisionReturn = "return_item"
)

// What a pause or resume decision holds or releases (PauseDetail).
const (
	PausedAccount  = "account"
	PausedCampaign = "campaign"
)

// PauseDetail is the Detail of a pause or resume decision: what it holds
// (PausedAccount or PausedCampaign) and its name, as "account anna".
func PauseDetail(what, name string) string { return what + " " + name }

// Decision is the audit trail of human decisions: who decided what, when.
// A proposal has at most one approve or reject not undone (a unique index
// settles double clicks and replicas).
type Decision struct {
	ID         int64
	ProposalID *int64
	ItemID     *int64
	UserID     string
	Kind       string
	Detail     string
	At         time.Time
	// UndoneAt is when an approval, and each of its items, was taken back
	// (DecisionUndo).
	UndoneAt *time.Time
}
