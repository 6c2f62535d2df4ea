package runner_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/executor/runner"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/quota"
)

// aroundNow returns a timezone in which it is now about noon, and working
// hours (every day) that opened a minute ago and close a few minutes from
// now: the pacer's normal plan, on the real clock, with no midnight near.
func aroundNow(now time.Time, open time.Duration) (string, config.WorkingHours) {
	n := now.UTC().Hour() - 12 // Etc/GMT+N is N hours behind UTC
	zone := "Etc/GMT"
	switch {
	case n > 0:
		zone = fmt.Sprintf("Etc/GMT+%d", n)
	case n < 0:
		zone = fmt.Sprintf("Etc/GMT%d", n)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		panic(err)
	}
	start := now.In(loc).Truncate(time.Minute).Add(-time.Minute)
	end := start.Add(open)
	return zone, config.WorkingHours{
		Days:  []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"},
		Start: start.Format("15:04"), End: end.Format("15:04"),
	}
}

// The pace real accounts use, on the real clock: the real planner (not the
// fast pace) spreads the batch over the working hours, and the runner,
// waking up a little after each slot as any process does, sends each
// invitation in its slot, exactly once, never closer than the minimum gap.
func TestNormalPaceOnTheRealClockSendsEachInvitationInItsSlot(t *testing.T) {
	t.Parallel()
	const minGap = 3 * time.Second
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		t.Parallel()
		cfg := testConfig()
		zone, hours := aroundNow(time.Now(), 5*time.Minute)
		cfg.Accounts[0].Timezone, cfg.Accounts[0].WorkingHours = zone, hours
		b := setup(t, s, setupOptions{cfg: cfg, minGap: minGap, pace: quota.PaceNormal})
		people := []person{{"ada-lovelace-more", "Ada", ""}, {"alan-turing-direct", "Alan", ""},
			{"grace-hopper-creator", "Grace", ""}, {"edsger-dijkstra-third-more", "Edsger", ""},
			{"barbara-liskov-more", "Barbara", ""}}
		b.approve(t, "cto", people...)

		r := b.newRunner(t, nil, runner.Options{PollInterval: 2 * time.Second})
		runUntil(t, 3*time.Minute, b.allDone(t), r)

		got := b.received()
		var starts []time.Time
		for _, p := range people {
			if n := len(got[p.slug]); n != 1 {
				t.Errorf("%s received %d invitations, want exactly 1", p.slug, n)
			}
			a := b.actionOf(t, p.slug, models.ActionInvite)
			if a.State != models.ActionDone || a.Attempts != 1 || a.StartedAt == nil {
				t.Fatalf("the invitation of %s: state %s, %d attempts; want done at the first", p.slug, a.State, a.Attempts)
			}
			starts = append(starts, *a.StartedAt)
		}
		slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
		for i := 1; i < len(starts); i++ {
			if gap := starts[i].Sub(starts[i-1]); gap < minGap {
				t.Errorf("invitations %d and %d went %s apart, want at least the minimum gap of %s", i, i+1, gap, minGap)
			}
		}
		if n := b.ledger(t, b.accounts["anna"], quota.KindInvite, models.QuotaUsed); n != int64(len(people)) {
			t.Errorf("%d invitations counted, want %d", n, len(people))
		}
	})
}
