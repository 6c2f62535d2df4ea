package runner_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pacerhq/pacer/executor/runner"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/quota"
)

// TestStopAllHaltsEveryAccountWithinOneAction: three accounts send at the
// fast pace; once each has started, stop all is pulled while one of them is
// clicking. Each account then sends at most one more invitation (the one it
// had claimed), which is recorded, and claims nothing new however long the
// runner keeps looking; resume all lets each send the rest, once each.
func TestStopAllHaltsEveryAccountWithinOneAction(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, setupOptions{})
		const perAccount = 6
		for _, c := range []string{"cto", "ops", "dev"} {
			var people []person
			for i := range perAccount {
				people = append(people, person{fmt.Sprintf("%s-stop-%d-more", c, i), "P", ""})
			}
			b.approve(t, c, people...)
		}

		// The hook runs as each invitation starts. Holding mu while stop
		// all runs, it lets no click start between the count taken and
		// the stop committed: what starts after is what was claimed before.
		var (
			mu      sync.Mutex
			started = map[string]int{}
			atStop  map[string]int
			stopErr error
		)
		watch := newWatchSite(b.site)
		watch.invite = func(_ context.Context, account, _ string) error {
			mu.Lock()
			defer mu.Unlock()
			started[account]++
			if atStop == nil && len(started) == len(b.accounts) {
				atStop = map[string]int{}
				for a, n := range started {
					atStop[a] = n
				}
				_, stopErr = b.engine.StopAll(context.Background(), "U0APPROVER")
			}
			return nil
		}
		r := b.newRunner(t, watch, runner.Options{})
		var stoppedAt time.Time
		runUntil(t, 2*time.Minute, func() bool {
			mu.Lock()
			stopped := atStop != nil
			mu.Unlock()
			if !stopped || b.inFlight(t) > 0 {
				return false
			}
			if stoppedAt.IsZero() {
				stoppedAt = time.Now()
			}
			// Long enough for dozens of actions at this pace.
			return time.Since(stoppedAt) > 1500*time.Millisecond
		}, r)
		if stopErr != nil {
			t.Fatalf("stop all: %v", stopErr)
		}

		mu.Lock()
		after := map[string]int{}
		for a, n := range started {
			after[a] = n
		}
		mu.Unlock()
		for name, id := range b.accounts {
			if more := after[name] - atStop[name]; more > 1 {
				t.Errorf("%s started %d invitations after stop all, want at most the one in flight", name, more)
			}
			if a := b.account(t, name); a.State != models.AccountPaused || a.StateReason != quota.StopReason {
				t.Errorf("%s is %s (%s), want paused by stop all", name, a.State, a.StateReason)
			}
			done, claimed := b.countActions(t, id)
			if done != int64(after[name]) || claimed != done {
				t.Errorf("%s: %d invitations started, %d recorded done, %d claimed; want every started one recorded and nothing else claimed",
					name, after[name], done, claimed)
			}
			if done >= perAccount {
				t.Errorf("%s sent all %d invitations: stop all came too late to show anything", name, done)
			}
		}
		if got, want := len(b.sim.Received().Invitations), after["anna"]+after["bob"]+after["carl"]; got != want {
			t.Errorf("the simulator received %d invitations, the runner started %d", got, want)
		}

		if _, err := b.engine.ResumeAll(context.Background(), "U0APPROVER"); err != nil {
			t.Fatal(err)
		}
		runUntil(t, 2*time.Minute, b.allDone(t), r)
		got := b.received()
		for _, c := range []string{"cto", "ops", "dev"} {
			for i := range perAccount {
				slug := fmt.Sprintf("%s-stop-%d-more", c, i)
				if n := len(got[slug]); n != 1 {
					t.Errorf("%s received %d invitations, want 1", slug, n)
				}
			}
		}
	})
}

// inFlight counts the actions claimed and not yet recorded.
func (b *bundle) inFlight(t *testing.T) int64 {
	t.Helper()
	var n int64
	if err := b.store.DB.Model(&models.Action{}).Where("state = ?", models.ActionInFlight).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// countActions counts an account's invitations done, and those ever
// claimed (an attempt made).
func (b *bundle) countActions(t *testing.T, accountID int64) (done, claimed int64) {
	t.Helper()
	if err := b.store.DB.Model(&models.Action{}).Where("account_id = ? AND kind = ? AND state = ?", accountID, models.ActionInvite, models.ActionDone).
		Count(&done).Error; err != nil {
		t.Fatal(err)
	}
	if err := b.store.DB.Model(&models.Action{}).Where("account_id = ? AND kind = ? AND attempts > 0", accountID, models.ActionInvite).
		Count(&claimed).Error; err != nil {
		t.Fatal(err)
	}
	return done, claimed
}
