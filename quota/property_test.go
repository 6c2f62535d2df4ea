package quota_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/quota"
)

// smallLimits are low enough that random operations reach every one.
var smallLimits = config.Limits{
	InvitesPerWeek: new(25), InvitesPerDay: new(6), ActionsPerDay: new(14), ProfileViewsPerDay: new(10),
	WithdrawalsPerDay: new(2), EventInvitesPerWeek: new(40),
}

// TestLimitsHoldUnderRandomOperations drives the engine with random
// reservations, commits, releases, page loads whose action did not happen,
// crashes (reservations never settled),
// expiries, restarts and clock jumps (forward, and back), and checks after
// every few steps that no window of any limit holds more than its maximum.
func TestLimitsHoldUnderRandomOperations(t *testing.T) {
	t.Parallel()
	kinds := []string{quota.KindInvite, quota.KindInvite, quota.KindInvite, quota.KindInvite, quota.KindInvite, quota.KindInvite, quota.KindNote,
		quota.KindView, quota.KindFollow, quota.KindWithdraw, quota.KindWithdraw, quota.KindEventInvite, quota.KindScan, quota.KindLike, quota.KindReadEmail}
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		for _, window := range []string{config.WindowRolling, config.WindowAnchored} {
			t.Run(window, func(t *testing.T) {
				limits := smallLimits
				limits.WeeklyWindow = window
				if window == config.WindowAnchored {
					// Anchored windows restart with an invitation: a lower
					// weekly limit is reached within the walk's days.
					limits.InvitesPerWeek = new(20)
				}
				start := time.Date(2026, time.March, 26, 8, 0, 0, 0, time.UTC) // DST in Berlin on the 29th
				ttl := 20 * time.Minute
				b := setup(t, s, config.Account{Name: window, Timezone: "Europe/Berlin", Limits: limits}, start,
					func(o *quota.Options) { o.ReservationTTL = ttl })
				rng := rand.New(rand.NewPCG(42, uint64(len(window))))
				var open []int64
				take := func() int64 {
					i := rng.IntN(len(open))
					id := open[i]
					open = slices.Delete(open, i, i+1)
					return id
				}
				const steps = 1000
				var granted int
				refused := map[string]int{}
				for step := range steps {
					switch x := rng.IntN(100); {
					case x < 50:
						kind := kinds[rng.IntN(len(kinds))]
						r, err := b.engine.Reserve(b.ctx, b.account, kind)
						var le *quota.LimitError
						switch {
						case err == nil:
							granted++
							open = append(open, r.ID)
						case errors.As(err, &le):
							refused[le.Limit]++
							if !le.ResetAt.After(b.clock.Now()) {
								t.Fatalf("step %d: %s refused by %s with reset %s, not after now %s", step, kind, le.Limit, le.ResetAt, b.clock.Now())
							}
						default:
							t.Fatalf("step %d: reserve %s: %v", step, kind, err)
						}
					case x < 62 && len(open) > 0:
						if err := b.engine.Commit(b.ctx, take()); err != nil {
							t.Fatalf("step %d: commit: %v", step, err)
						}
					case x < 67 && len(open) > 0:
						if err := b.engine.Release(b.ctx, take()); err != nil && !errors.Is(err, quota.ErrReservationSettled) {
							t.Fatalf("step %d: release: %v", step, err)
						}
					case x < 72 && len(open) > 0:
						if err := b.engine.PageLoad(b.ctx, take()); err != nil {
							t.Fatalf("step %d: page load: %v", step, err)
						}
					case x < 76 && len(open) > 0:
						take() // a crash: the outcome never comes
					case x < 91:
						b.clock.Advance(time.Duration(1+rng.IntN(30)) * time.Minute)
					case x < 95:
						b.clock.Advance(time.Duration(1+rng.IntN(10)) * time.Hour)
					case x < 96:
						b.clock.Advance(time.Duration(1+rng.IntN(3)) * 24 * time.Hour)
					case x < 98:
						back := time.Duration(1+rng.IntN(20)) * time.Minute
						if window == config.WindowRolling {
							back = time.Duration(1+rng.IntN(48)) * time.Hour
						}
						b.clock.Advance(-back)
					default:
						if _, err := b.engine.ExpireReservations(b.ctx); err != nil {
							t.Fatal(err)
						}
						// A restart: a new engine on the same store.
						b.engine = quota.New(s, b.cfg, quota.Options{Now: b.clock.Now, ReservationTTL: ttl})
					}
					if step%25 == 0 || step == steps-1 {
						checkLedger(t, b, limits, step)
					}
				}
				// Every limit was reached at least once.
				for _, limit := range []string{quota.LimitInvitesPerDay, quota.LimitInvitesPerWeek, quota.LimitNotesPerMonth,
					quota.LimitProfileViewsPerDay, quota.LimitActionsPerDay, quota.LimitWithdrawalsPerDay} {
					if refused[limit] == 0 {
						t.Errorf("%s was never reached (refusals: %v): the random walk is too gentle", limit, refused)
					}
				}
				t.Logf("%d granted; refusals: %v", granted, refused)
			})
		}
	})
}

// checkLedger checks every window of every limit on the ledger as stored.
func checkLedger(t *testing.T, b *bundle, limits config.Limits, step int) {
	t.Helper()
	var entries []models.QuotaEntry
	if err := b.store.DB.Where("account_id = ? AND state <> ?", b.account, models.QuotaReleased).Order("at").Find(&entries).Error; err != nil {
		t.Fatal(err)
	}
	loc := mustLoc(t, "Europe/Berlin")
	byKind := map[string][]time.Time{}
	perDay := map[string]map[string]int{} // kind group → local day → count
	perMonth := map[string]int{}
	count := func(group, day string) {
		if perDay[group] == nil {
			perDay[group] = map[string]int{}
		}
		perDay[group][day]++
	}
	for _, e := range entries {
		byKind[e.Kind] = append(byKind[e.Kind], e.At)
		day := e.At.In(loc).Format("2006-01-02")
		switch e.Kind {
		case quota.KindNote:
			perMonth[e.At.In(loc).Format("2006-01")]++
			continue
		case quota.KindInvite:
			count("invites", day)
			count("views", day) // an invitation opens the profile
		case quota.KindView, quota.KindReadEmail, quota.KindFollow, quota.KindLike, quota.KindUnsentInvite:
			count("views", day)
		case quota.KindWithdraw:
			count("withdrawals", day)
		}
		count("actions", day)
	}
	max := map[string]int{"invites": *limits.InvitesPerDay, "views": *limits.ProfileViewsPerDay,
		"withdrawals": *limits.WithdrawalsPerDay, "actions": *limits.ActionsPerDay}
	for group, days := range perDay {
		for day, n := range days {
			if n > max[group] {
				t.Fatalf("step %d: %d %s on %s, above %d", step, n, group, day, max[group])
			}
		}
	}
	for month, n := range perMonth {
		if n > 5 {
			t.Fatalf("step %d: %d notes in %s, above 5", step, n, month)
		}
	}
	if n := maxRolling(byKind[quota.KindEventInvite]); n > *limits.EventInvitesPerWeek {
		t.Fatalf("step %d: %d event invitations in 7 days, above %d", step, n, *limits.EventInvitesPerWeek)
	}
	invites := byKind[quota.KindInvite]
	if limits.WeeklyWindow == config.WindowRolling {
		if n := maxRolling(invites); n > *limits.InvitesPerWeek {
			t.Fatalf("step %d: %d invitations in 7 days, above %d", step, n, *limits.InvitesPerWeek)
		}
		return
	}
	// Anchored: LinkedIn's windows start with an invitation and last 7
	// days; the next starts with the first invitation after.
	for i := 0; i < len(invites); {
		end := invites[i].Add(quota.Week)
		j := i
		for j < len(invites) && invites[j].Before(end) {
			j++
		}
		if j-i > *limits.InvitesPerWeek {
			t.Fatalf("step %d: %d invitations in the anchored window from %s, above %d", step, j-i, invites[i], *limits.InvitesPerWeek)
		}
		i = j
	}
}

// maxRolling returns the most sorted times in any 7 × 24 hours.
func maxRolling(times []time.Time) int {
	best, lo := 0, 0
	for hi, t := range times {
		for !times[lo].After(t.Add(-quota.Week)) {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}
