package campaign

import (
	"context"
	"time"
)

// KindInvite is the quota kind the proposer sizes batches by.
const KindInvite = "invite"

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
