package bot

import (
	"context"
	"time"

	"github.com/pacerhq/pacer/campaign"

	"github.com/pacerhq/pacer/models"
)

// Proposer is what the bot needs of the campaign package: proposals made on
// request, and the decisions an approver takes on them. Its errors are the
// campaign package's (*campaign.DecidedError, *campaign.StaleError,
// *campaign.LintError, …), which the handlers turn into replies.
type Proposer interface {
	// Propose stores the next batch of up to n prospects of the campaign
	// (n ≤ 0: as many as the account can send soon) and returns its id.
	Propose(ctx context.Context, campaign string, n int) (proposalID int64, err error)
	// Approve and Reject settle a proposal once, at the version shown.
	Approve(ctx context.Context, proposalID int64, version int, by string) error
	Reject(ctx context.Context, proposalID int64, version int, by string) error
	// Undo takes an approval back within its undo window: the proposal is
	// open again at a new version.
	Undo(ctx context.Context, proposalID int64, version int, by string) error
	// SkipItem leaves one prospect out; EditNote replaces one note after
	// linting it. Both raise the proposal's version.
	SkipItem(ctx context.Context, itemID int64, version int, by string) error
	EditNote(ctx context.Context, itemID int64, version int, by, note string) error
	// Finish estimates when the campaign's prospects are all invited,
	// across its senders.
	Finish(ctx context.Context, campaign string, now time.Time) (campaign.Finish, error)
}

// Quota is what the bot needs of the quota engine: usage against every
// limit, forecasts, and pausing an account by hand.
type Quota interface {
	// Usage reports the account's use of each of its limits at now.
	Usage(ctx context.Context, account models.Account, now time.Time) ([]Usage, error)
	// Forecast says in a few words when n more invitations would be sent,
	// e.g. "sends Tue–Wed within quota".
	Forecast(ctx context.Context, account models.Account, n int, now time.Time) (string, error)
	// Pause stops an account until a person resumes it; Resume clears a
	// pause (never a restriction or a checkpoint, which the quota engine
	// clears itself or a human resolves).
	Pause(ctx context.Context, account models.Account, by string) error
	Resume(ctx context.Context, account models.Account, by string) error
	// StopAll pauses every account that may act, at once; ResumeAll
	// resumes the accounts StopAll paused. Each says what it changed and
	// what it left as it was.
	StopAll(ctx context.Context, by string) (Switched, error)
	ResumeAll(ctx context.Context, by string) (Switched, error)
}

// Switched is what the stop switch changed: the accounts it paused (or
// resumed), and those it left as they were, with their state.
type Switched struct {
	Changed []string
	Left    []AccountStatus
}

// Limit keys, as Usage names them. The digest picks its figures by key.
const (
	LimitInvitesWeek = "invites_per_week"
	LimitInvitesDay  = "invites_per_day"
	LimitNotesMonth  = "notes_per_month"
	LimitViewsDay    = "profile_views_per_day"
	LimitActionsDay  = "actions_per_day"
	// LimitConnections is connections and pending invitations against the
	// connection ceiling; LimitPending pending invitations against the
	// point where inviting stops.
	LimitConnections = "max_connections"
	LimitPending     = "pending_stop"
)

// Usage is an account's use of one limit.
type Usage struct {
	// Limit is the limit's key (LimitInvitesWeek, …); Label says it for people.
	Limit string
	Label string
	Used  int
	// Max is the limit; a negative Max means the plan has none.
	Max int
	// ResetAt is when the oldest counted use leaves the window (nil: never
	// counted, or no window).
	ResetAt *time.Time
}
