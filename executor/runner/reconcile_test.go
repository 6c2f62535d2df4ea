package runner_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/executor/runner"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/quota"
)

// crash leaves an action as a runner that died mid-action leaves it: in
// flight under the dead runner's lease, with its quota reserved. It
// returns the reservations.
func (b *bundle) crash(t *testing.T, a models.Action, owner string) []int64 {
	t.Helper()
	var ids []int64
	r, err := b.engine.ReserveFor(b.ctx, quota.Request{AccountID: a.AccountID, Kind: quota.KindInvite, ActionID: &a.ID, ProspectID: a.ProspectID})
	if err != nil {
		t.Fatal(err)
	}
	ids = append(ids, r.ID)
	if a.Note != "" {
		n, err := b.engine.ReserveFor(b.ctx, quota.Request{AccountID: a.AccountID, Kind: quota.KindNote, ActionID: &a.ID})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, n.ID)
	}
	now := time.Now().UTC()
	until := now.Add(time.Hour) // a long lease: only its owner's death frees it early
	if err := b.store.DB.Table("actions").Where("id = ?", a.ID).Updates(map[string]any{
		"state": models.ActionInFlight, "attempts": 1, "started_at": now, "reservation_id": r.ID,
		"lease_owner": owner, "lease_until": until,
	}).Error; err != nil {
		t.Fatal(err)
	}
	if err := b.store.DB.Table("accounts").Where("id = ?", a.AccountID).
		Updates(map[string]any{"lease_owner": owner, "lease_until": until}).Error; err != nil {
		t.Fatal(err)
	}
	return ids
}

// deadOwner names a runner of a process of this host that does not exist.
func deadOwner() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/1/dead", host, 1<<22+12345)
}

func TestAnActionLeftInFlightIsReconciledBeforeAnythingIsClickedAgain(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, setupOptions{})
		b.approve(t, "cto", person{"sent-before-crash-more", "Sam", ""}, person{"lost-in-crash-more", "Lou", ""})
		sentBefore := b.actionOf(t, "sent-before-crash-more", models.ActionInvite)
		lost := b.actionOf(t, "lost-in-crash-more", models.ActionInvite)
		// The dead runner clicked Send for Sam, and died before recording
		// it; it died before clicking anything for Lou.
		resSent := b.crash(t, sentBefore, deadOwner())
		resLost := b.crash(t, lost, deadOwner())
		b.sendDirectly(t, "anna", "sent-before-crash-more", sentBefore.Note)

		r := b.newRunner(t, nil, runner.Options{})
		runUntil(t, 60*time.Second, b.allDone(t), r)

		got := b.received()
		for slug, tt := range map[string]struct {
			a   models.Action
			res []int64
		}{"sent-before-crash-more": {sentBefore, resSent}, "lost-in-crash-more": {lost, resLost}} {
			if n := len(got[slug]); n != 1 {
				t.Errorf("%s received %d invitations, want exactly 1", slug, n)
			}
			a := b.actionOf(t, slug, models.ActionInvite)
			if a.State != models.ActionDone || a.Attempts != 2 || a.ReservationID == nil || *a.ReservationID != tt.res[0] {
				t.Errorf("%s: state %s attempts %d reservation %v; want done on the second attempt with reservation %d", slug, a.State, a.Attempts, a.ReservationID, tt.res[0])
			}
			var entries []models.QuotaEntry
			s.DB.Where("action_id = ?", a.ID).Order("id").Find(&entries)
			if len(entries) != len(tt.res) {
				t.Errorf("%s: %d ledger entries, want %d: the quota must not be reserved twice", slug, len(entries), len(tt.res))
			}
			for _, e := range entries {
				if e.State != models.QuotaUsed {
					t.Errorf("%s: a %s entry is %s, want used", slug, e.Kind, e.State)
				}
			}
		}
		if a := b.actionOf(t, "sent-before-crash-more", models.ActionInvite); !strings.Contains(a.Reason, "reconciled") {
			t.Errorf("the reconciled action's reason: %q", a.Reason)
		}
		if n := len(b.events(t, "invite.sent")); n != 2 {
			t.Errorf("%d invite.sent events, want 2", n)
		}
	})
}

func TestATransientFailureIsRetriedWithTheSameReservation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, setupOptions{})
		// The simulator answers the first Send with an error toast.
		b.approve(t, "cto", person{"tom-toast-more", "Tom", ""})
		r := b.newRunner(t, nil, runner.Options{})
		runUntil(t, 60*time.Second, b.allDone(t), r)
		a := b.actionOf(t, "tom-toast-more", models.ActionInvite)
		if a.State != models.ActionDone || a.Attempts != 2 {
			t.Errorf("state %s after %d attempts, want done after 2", a.State, a.Attempts)
		}
		if n := len(b.received()["tom-toast-more"]); n != 1 {
			t.Errorf("%d invitations received, want 1", n)
		}
		var entries []models.QuotaEntry
		s.DB.Where("action_id = ? AND kind = ?", a.ID, quota.KindInvite).Find(&entries)
		if len(entries) != 1 || entries[0].State != models.QuotaUsed {
			t.Errorf("invite ledger entries: %+v; want one, used", entries)
		}
	})
}

func TestShutdownLetsTheCurrentClickFinishAndRecordsIt(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, setupOptions{})
		var people []person
		for i := range 6 {
			people = append(people, person{fmt.Sprintf("stop-%d-more", i), "S", ""})
		}
		b.approve(t, "cto", people...)
		watch := newWatchSite(b.site)
		ctx, cancel := context.WithCancel(context.Background())
		started := 0
		var cancelledAt time.Time
		watch.invite = func(_ context.Context, _, _ string) {
			started++
			if started == 2 {
				cancelledAt = time.Now()
				cancel() // SIGTERM as the second invitation is being sent
			}
		}
		r := b.newRunner(t, watch, runner.Options{})
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		var stoppedAt time.Time
		select {
		case err := <-done:
			stoppedAt = time.Now()
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(60 * time.Second):
			t.Fatal("the runner did not stop")
		}
		if took := stoppedAt.Sub(cancelledAt); took > runner.DefaultDrainTimeout+3*time.Second {
			t.Errorf("the runner took %s to stop", took)
		}
		var inFlight int64
		s.DB.Model(&models.Action{}).Where("state = ?", models.ActionInFlight).Count(&inFlight)
		if inFlight != 0 {
			t.Errorf("%d actions left in flight after a clean stop", inFlight)
		}
		var doneN int64
		s.DB.Model(&models.Action{}).Where("state = ?", models.ActionDone).Count(&doneN)
		if doneN != 2 || len(b.sim.Received().Invitations) != 2 {
			t.Errorf("%d actions done, %d invitations received; want the 2 started", doneN, len(b.sim.Received().Invitations))
		}
		var leased int64
		s.DB.Model(&models.Account{}).Where("lease_owner <> ''").Count(&leased)
		if leased != 0 {
			t.Errorf("%d leases kept after a clean stop", leased)
		}
	})
}
