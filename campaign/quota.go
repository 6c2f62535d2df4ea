package campaign

import (
	"context"
	"time"

	"github.com/pacerhq/pacer/quota"
)

// FromQuota adapts the quota engine to the proposer: Capacity as it is,
// Forecast as its summary ("sends Tue–Wed within quota"), and the notes a
// free account has left (NotesCounter).
func FromQuota(e *quota.Engine) Forecaster { return quotaForecaster{e} }

type quotaForecaster struct{ e *quota.Engine }

func (q quotaForecaster) Capacity(ctx context.Context, accountID int64, kind string, workingDays int, now time.Time) (int, error) {
	return q.e.Capacity(ctx, accountID, kind, workingDays, now)
}

func (q quotaForecaster) Forecast(ctx context.Context, accountID int64, kind string, n int, now time.Time) (string, error) {
	f, err := q.e.Forecast(ctx, accountID, kind, n, now)
	if err != nil {
		return "", err
	}
	return f.Summary(), nil
}

// NotesLeft reads the month's notes from the engine's usage: the plan's
// notes per month less those counted, capped by LinkedIn's last reading.
func (q quotaForecaster) NotesLeft(ctx context.Context, accountID int64, now time.Time) (int, error) {
	u, err := q.e.Usage(ctx, accountID, now)
	if err != nil {
		return 0, err
	}
	left := -1
	for _, l := range u.Limits {
		if l.Limit == quota.LimitNotesPerMonth {
			left = l.Left()
		}
	}
	if u.NotesLeft != nil {
		if left < 0 {
			left = *u.NotesLeft
		}
		left = min(left, *u.NotesLeft)
	}
	return left, nil
}
