package quota_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/quota"
)

func TestSimulateUsesTheWholeQuotaSafely(t *testing.T) {
	t.Parallel()
	skipUnderRace(t)
	for _, tz := range []string{"", "Europe/Berlin"} {
		t.Run("free 12 weeks 400 "+tz, func(t *testing.T) {
			t.Parallel()
			res, err := quota.Simulate(context.Background(), storetest.SQLite(t),
				quota.SimConfig{Plan: "free", Weeks: 12, Demand: 400, Timezone: tz, Seed: 7})
			if err != nil {
				t.Fatal(err)
			}
			if res.WeeklyLimit != 100 || res.DailyLimit != 20 {
				t.Errorf("limits: got %d/week %d/day, want 100 and 20", res.WeeklyLimit, res.DailyLimit)
			}
			if res.MaxRolling7d > res.WeeklyLimit {
				t.Errorf("max in 7 days: %d, above the weekly %d", res.MaxRolling7d, res.WeeklyLimit)
			}
			if res.MaxDay > res.DailyLimit {
				t.Errorf("max in a day: %d, above the daily %d", res.MaxDay, res.DailyLimit)
			}
			if res.OutsideWorkingHours != 0 {
				t.Errorf("%d invitations outside working hours", res.OutsideWorkingHours)
			}
			if res.MinGapSeconds < 90 {
				t.Errorf("min gap %.0f s, want at least 90", res.MinGapSeconds)
			}
			if res.Utilization < 0.95 {
				t.Errorf("utilization %.3f, want at least 0.95", res.Utilization)
			}
			if res.Refusals != 0 {
				t.Errorf("%d slots refused by Reserve: the pacer and the limits disagree", res.Refusals)
			}
			t.Logf("sent %d of %d allowed: utilization %.4f, max 7 days %d, max day %d, min gap %.0f s",
				res.SentTotal, res.WeeklyLimit*res.Weeks, res.Utilization, res.MaxRolling7d, res.MaxDay, res.MinGapSeconds)
		})
	}
	t.Run("free 12 weeks 50", func(t *testing.T) {
		t.Parallel()
		res, err := quota.Simulate(context.Background(), storetest.SQLite(t), quota.SimConfig{Plan: "free", Weeks: 12, Demand: 50, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		if res.SentTotal != 600 || res.SentLate != 0 || res.Backlog != 0 {
			t.Errorf("sent %d of 600, %d late, %d left: want every invitation sent in the week it was asked for",
				res.SentTotal, res.SentLate, res.Backlog)
		}
		if res.MaxDay > 20 || res.OutsideWorkingHours != 0 || res.MinGapSeconds < 90 {
			t.Errorf("max day %d, outside %d, min gap %.0f", res.MaxDay, res.OutsideWorkingHours, res.MinGapSeconds)
		}
	})
}

// The runner as it meets LinkedIn, for twelve weeks: it wakes up late for
// its slots, one attempt in ten finds nothing to send (the profile still
// counts), some fail before Send and some after, and are retried. Every
// limit holds counting every attempt, every page load is a counted profile
// view, none comes closer than the minimum gap after the previous one, and
// the safe weekly quota is still used.
func TestSimulateWithLatencyFailuresAndRetries(t *testing.T) {
	t.Parallel()
	skipUnderRace(t)
	faults := quota.SimFaults{Latency: 5 * time.Second, Skip: 0.10, Fail: 0.05, FailAfterSend: 0.03}
	for _, plan := range []string{"free", "premium"} {
		t.Run(plan, func(t *testing.T) {
			t.Parallel()
			res, err := quota.Simulate(context.Background(), storetest.SQLite(t),
				quota.SimConfig{Plan: plan, Weeks: 12, Demand: 400, Timezone: "Europe/Berlin", Seed: 11, Faults: faults})
			if err != nil {
				t.Fatal(err)
			}
			if res.Skipped == 0 || res.Retried == 0 {
				t.Fatalf("%d skipped, %d retried: the faults did not happen", res.Skipped, res.Retried)
			}
			if res.DaysOverLimit != 0 {
				t.Errorf("%d days over a daily limit, counting every attempt", res.DaysOverLimit)
			}
			if res.MaxRolling7d > res.WeeklyLimit {
				t.Errorf("max in 7 days: %d, above the weekly %d", res.MaxRolling7d, res.WeeklyLimit)
			}
			if res.PageLoads != res.ViewsCounted {
				t.Errorf("%d page loads, %d profile views counted: every page load counts", res.PageLoads, res.ViewsCounted)
			}
			if res.MinGapSeconds < 90 {
				t.Errorf("two page loads %.1f s apart, want at least 90", res.MinGapSeconds)
			}
			if res.OutsideWorkingHours != 0 {
				t.Errorf("%d invitations outside working hours", res.OutsideWorkingHours)
			}
			if res.Utilization < 0.95 {
				t.Errorf("utilization %.3f, want at least 0.95 of the safe weekly quota", res.Utilization)
			}
			t.Logf("%s: sent %d (utilization %.3f), %d page loads, %d skipped, %d retried, %d failed, min gap %.0f s, refusals %d",
				plan, res.SentTotal, res.Utilization, res.PageLoads, res.Skipped, res.Retried, res.Failed, res.MinGapSeconds, res.Refusals)
		})
	}
}

func TestSimulateRefusesBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		sc   quota.SimConfig
		says string
	}{
		{"unknown plan", quota.SimConfig{Plan: "gold", Weeks: 1}, `plan is "gold"`},
		{"unknown timezone", quota.SimConfig{Plan: "free", Weeks: 1, Timezone: "Europe/Atlantis"}, `"Europe/Atlantis"`},
		{"unknown window", quota.SimConfig{Plan: "free", Weeks: 1, Window: "sliding"}, `window "sliding"`},
		{"no weeks", quota.SimConfig{Plan: "free", Weeks: 0}, "0 weeks"},
		{"negative demand", quota.SimConfig{Plan: "free", Weeks: 1, Demand: -1}, "-1"},
		{"working hours backwards", quota.SimConfig{Plan: "free", Weeks: 1, WorkingHours: config.WorkingHours{Start: "17:00", End: "08:00"}}, "end at 08:00"},
		{"over the ceiling", quota.SimConfig{Plan: "free", Weeks: 1, Limits: config.Limits{InvitesPerDay: new(45)}}, "invites_per_day is 45"},
	}
	s := storetest.SQLite(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := quota.Simulate(context.Background(), s, tt.sc)
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("got %v, want an error saying %s", err, tt.says)
			}
			if strings.Contains(tt.name, "plan") && !errors.Is(err, quota.ErrSettings) {
				t.Errorf("got %v, want ErrSettings", err)
			}
		})
	}
	var n int64
	s.DB.Table("quota_ledger").Count(&n)
	if n != 0 {
		t.Errorf("%d ledger entries after bad input, want none", n)
	}
}

// skipUnderRace skips a long single-goroutine simulation under the race
// detector, which finds nothing in it and makes it ten times slower; the
// suite without -race runs it.
func skipUnderRace(t *testing.T) {
	t.Helper()
	if raceDetector {
		t.Skip("a single-goroutine simulation: it runs without -race")
	}
}
