package runner_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/executor/runner"
	"github.com/pacerhq/pacer/executor/sim"
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

// shiftedClock is the real clock moved by an offset a test can grow, so
// that days pass in a moment; the runner's timers still run in real time.
type shiftedClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *shiftedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

// set moves the clock to t.
func (c *shiftedClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off = time.Until(t)
}

// A retry counts on the day it is made. With one invitation a day, an
// invitation whose first Send met LinkedIn's error toast (counted that day:
// it may have gone) and is retried the next day must not go out beside that
// day's own invitation: each day sends at most one.
func TestARetryCountsOnTheDayItIsSent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		cfg := testConfig()
		cfg.Accounts[0].Limits.InvitesPerDay = new(1)
		day1 := time.Now().UTC().Truncate(24 * time.Hour).Add(36 * time.Hour) // tomorrow noon: the approval is due
		clock := &shiftedClock{}
		clock.set(day1)
		b := setup(t, s, setupOptions{cfg: cfg, now: clock.Now})
		// Tom's first Send fails with an error toast: it may have gone, so
		// it counts that day. His retry, an hour later, comes the next day.
		// Uma is due the second day, half an hour after Tom's retry.
		b.approve(t, "cto", person{"tom-toast-more", "Tom", ""}, person{"uma-next-more", "Uma", ""})
		if err := s.DB.Model(&models.Action{}).Where("id = ?", b.actionOf(t, "uma-next-more", models.ActionInvite).ID).
			Update("scheduled_at", day1.Add(25*time.Hour+30*time.Minute)).Error; err != nil {
			t.Fatal(err)
		}
		r := b.newRunner(t, nil, runner.Options{Now: clock.Now, Backoff: time.Hour})

		done := func(want int64) func() bool {
			return func() bool {
				var n int64
				s.DB.Model(&models.Action{}).Where("kind = ? AND state = ?", models.ActionInvite, models.ActionDone).Count(&n)
				return n >= want
			}
		}
		attempted := func() bool {
			var n int64
			s.DB.Model(&models.Action{}).Where("kind = ? AND state = ? AND outcome = ?", models.ActionInvite, models.ActionScheduled, "transient").Count(&n)
			return n > 0
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() {
			if err := r.Run(ctx); err != nil {
				t.Errorf("Run: %v", err)
			}
		})
		waitFor := func(what string, cond func() bool) {
			t.Helper()
			for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(100 * time.Millisecond) {
				if time.Now().After(deadline) {
					cancel()
					wg.Wait()
					t.Fatalf("%s did not happen within a minute", what)
				}
			}
		}
		waitFor("the first attempt's error", attempted)
		clock.set(day1.Add(26 * time.Hour))
		waitFor("the retry", done(1))
		// Uma must wait for the third day: the retry took the second
		// day's one invitation.
		time.Sleep(5 * time.Second)
		clock.set(day1.Add(48 * time.Hour))
		waitFor("the third day's invitation", done(2))
		cancel()
		wg.Wait()

		perDay := map[string][]string{}
		for _, slug := range []string{"tom-toast-more", "uma-next-more"} {
			if n := len(b.received()[slug]); n != 1 {
				t.Errorf("%s received %d invitations, want 1", slug, n)
			}
			a := b.actionOf(t, slug, models.ActionInvite)
			if a.FinishedAt == nil {
				t.Fatalf("%s: not finished", slug)
			}
			day := a.FinishedAt.UTC().Format("2006-01-02")
			perDay[day] = append(perDay[day], slug)
		}
		for day, slugs := range perDay {
			if len(slugs) > 1 {
				t.Errorf("%s: %v were invited, above the limit of 1 a day", day, slugs)
			}
		}
		var entries []models.QuotaEntry
		s.DB.Where("kind = ? AND state = ?", quota.KindInvite, models.QuotaUsed).Find(&entries)
		counted := map[string]int{}
		for _, e := range entries {
			counted[e.At.UTC().Format("2006-01-02")]++
		}
		for day, n := range counted {
			if n > 1 {
				t.Errorf("%s counts %d invitations, above the limit of 1 a day", day, n)
			}
		}
	})
}

// The 30,000-connection ceiling counts from LinkedIn's own count, read from
// the connections page before an account's first invitation: an account
// that had 29,998 connections before Pacer sends two invitations (each may
// become a connection), and the third waits.
func TestTheConnectionCeilingCountsLinkedInsOwnCount(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, setupOptions{sim: sim.Options{BaseConnections: 29_998}})
		b.approve(t, "cto", person{"cee-one-more", "One", ""}, person{"cee-two-more", "Two", ""}, person{"cee-three-more", "Three", ""})
		r := b.newRunner(t, nil, runner.Options{})
		waited := func() bool {
			var n int64
			s.DB.Model(&models.Action{}).Where("kind = ? AND state = ?", models.ActionInvite, models.ActionDone).Count(&n)
			var waiting int64
			s.DB.Model(&models.Action{}).Where("kind = ? AND state = ? AND scheduled_at > ?", models.ActionInvite, models.ActionScheduled, time.Now()).Count(&waiting)
			return n == 2 && waiting == 1
		}
		runUntil(t, 90*time.Second, waited, r)
		if n := len(b.sim.Received().Invitations); n != 2 {
			t.Errorf("the simulator received %d invitations, want 2 below the ceiling", n)
		}
		anna := b.account(t, "anna")
		if anna.ConnectionsReadAt == nil || anna.Connections != 29_998 || anna.PendingInvites != 2 {
			t.Errorf("anna: %d connections read at %v, %d pending; want LinkedIn's 29998 and 2 pending", anna.Connections, anna.ConnectionsReadAt, anna.PendingInvites)
		}
		u, err := b.engine.Usage(b.ctx, anna.ID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if u.Connections != 29_998 || u.PendingInvites != 2 || u.ConnectionsReadAt.IsZero() {
			t.Errorf("usage: %d connections (read at %s), %d pending", u.Connections, u.ConnectionsReadAt, u.PendingInvites)
		}
		if a := b.actionOf(t, "cee-three-more", models.ActionInvite); a.Attempts != 0 {
			t.Errorf("the third invitation was attempted %d times; at the ceiling it must wait unclaimed", a.Attempts)
		}
	})
}
