package campaign

import (
	"context"
	"time"
)

// The quota kinds the proposer sizes batches by: invitations, and the
// follow-up messages after them.
const (
	KindInvite  = "invite"
	KindMessage = "message"
)

// Forecaster is what the proposer asks the quota engine: how many more
// invitations an account can send in its next working days, net of what is
// already scheduled, and a human summary of when n more would go out
// ("sends Tue–Wed within quota"). FromQuota adapts *quota.Engine.
type Forecaster interface {
	Capacity(ctx context.Context, accountID int64, kind string, workingDays int, now time.Time) (int, error)
	Forecast(ctx context.Context, accountID int64, kind string, n int, now time.Time) (string, error)
}

// proposalDays is how many working days of quota a proposal may fill.
const proposalDays = 2

// NotesCounter is what a Forecaster may also offer: how many personalized
// notes a free account has left in its current month, as the quota engine
// counts them (its ledger of sent notes and LinkedIn's last reading), not
// counting scheduled invitations; -1 when the plan has no monthly limit.
// Without it, the proposer counts the month's sent invitations with a note
// itself.
type NotesCounter interface {
	NotesLeft(ctx context.Context, accountID int64, now time.Time) (int, error)
}
