package runner_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/executor/runner"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/pacertype"
	"github.com/pacerhq/pacer/quota"
)

// crash leaves an action as a runner that died mid-action leaves it: in
// flight under the dead runner's lease, with its quota reserved. It
// returns the reservations.
func (b *bundle) crash(t *testing.T, a models.Action, owner string) []int64 {
	t.Helper()
	var ids []int64
	req := quota.Request{AccountID: a.AccountID, Kind: a.Kind, ActionID: &a.ID}
	if a.Kind == models.ActionInvite {
		req.ProspectID = a.ProspectID
	}
	r, err := b.engine.ReserveFor(b.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	ids = append(ids, r.ID)
	if a.Kind == models.ActionInvite && a.Note != "" {
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
	return fmt.Sprintf("%s/%s/%d/1/dead", host, runner.ProcessSpace(), 1<<22+12345)
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
			if a.State != models.ActionDone || a.Attempts != 2 || a.ReservationID == nil || *a.ReservationID == tt.res[0] {
				t.Errorf("%s: state %s attempts %d reservation %v; want done on the second attempt, with a reservation of its own", slug, a.State, a.Attempts, a.ReservationID)
			}
		}
		// The crashed attempt counted in doubt, on the day it was reserved.
		// Sam's second attempt found the invitation sent: it counts as the
		// profile view it was. Lou's found Connect still on offer: the
		// crashed attempt had not sent, and counts as the profile view it
		// was (its note given back), while the second sent and counts.
		for slug, want := range map[string]map[string]string{
			"sent-before-crash-more": {"invite": "used", "note": "used"},
			"lost-in-crash-more":     {"invite_unsent": "used", "note": "released"},
		} {
			res := resSent
			if slug == "lost-in-crash-more" {
				res = resLost
			}
			got := map[string]string{}
			for _, id := range res {
				var e models.QuotaEntry
				s.DB.Take(&e, id)
				got[e.Kind] = e.State
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: the crashed attempt's entries %v, want %v", slug, got, want)
			}
		}
		counted := func(slug string) map[string]int {
			var entries []models.QuotaEntry
			s.DB.Where("action_id = ? AND state = ?", b.actionOf(t, slug, models.ActionInvite).ID, models.QuotaUsed).Find(&entries)
			out := map[string]int{}
			for _, e := range entries {
				out[e.Kind]++
			}
			return out
		}
		// Sam's second attempt found the invitation sent: it counts as the
		// profile view it was. Lou's sent it, and counts an invitation.
		if got, want := counted("sent-before-crash-more"), map[string]int{"invite": 1, "note": 1, "invite_unsent": 1}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Sam's counted entries %v, want %v", got, want)
		}
		if got, want := counted("lost-in-crash-more"), map[string]int{"invite": 1, "note": 1, "invite_unsent": 1}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Lou's counted entries %v, want %v", got, want)
		}
		if a := b.actionOf(t, "sent-before-crash-more", models.ActionInvite); !strings.Contains(a.Reason, "reconciled") {
			t.Errorf("the reconciled action's reason: %q", a.Reason)
		}
		if n := len(b.events(t, "invite.sent")); n != 2 {
			t.Errorf("%d invite.sent events, want 2", n)
		}
	})
}

func TestAnInvitationAcceptedBeforeItsAttemptWasRecordedIsRecordedAccepted(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, setupOptions{})
		b.approve(t, "cto", person{"quinn-quick-more", "Quinn", ""}, person{"olga-old-connected", "Olga", ""})
		quick := b.actionOf(t, "quinn-quick-more", models.ActionInvite)
		old := b.actionOf(t, "olga-old-connected", models.ActionInvite)
		// The dead runner's click sent Quinn's invitation, which Quinn
		// accepted at once. Olga was a connection long before Pacer knew
		// her; the dead runner never got to her.
		b.crash(t, quick, deadOwner())
		b.crash(t, old, deadOwner())
		b.sendDirectly(t, "anna", "quinn-quick-more", quick.Note)
		if n := b.sim.Accept(b.liAt("anna"), "quinn-quick-more"); n != 1 {
			t.Fatalf("the simulator accepted %d invitations, want 1", n)
		}

		r := b.newRunner(t, nil, runner.Options{})
		runUntil(t, 60*time.Second, b.allDone(t), r)

		if n := len(b.received()["quinn-quick-more"]); n != 1 {
			t.Errorf("Quinn received %d invitations, want exactly 1", n)
		}
		if n := len(b.received()["olga-old-connected"]); n != 0 {
			t.Errorf("Olga received %d invitations, want none", n)
		}
		a := b.actionOf(t, "quinn-quick-more", models.ActionInvite)
		if a.State != models.ActionDone || !strings.Contains(a.Reason, "accepted") {
			t.Errorf("Quinn's invitation: %s (%q), want done, found accepted", a.State, a.Reason)
		}
		if p := b.prospect(t, "quinn-quick-more"); p.State != models.ProspectConnected || p.InvitedAt == nil || p.ConnectedAt == nil {
			t.Errorf("Quinn is %s (invited %v, connected %v), want connected and invited", p.State, p.InvitedAt, p.ConnectedAt)
		}
		if a := b.actionOf(t, "olga-old-connected", models.ActionInvite); a.State != models.ActionSkipped {
			t.Errorf("Olga's invitation: %s (%q), want skipped: already connected", a.State, a.Reason)
		}
		for typ, want := range map[pacertype.EventType][]string{
			"invite.sent":     {"quinn-quick-more"},
			"invite.accepted": {"quinn-quick-more"},
		} {
			var got []string
			for _, e := range b.events(t, typ) {
				d, err := models.DecodeEventData(e)
				if err != nil {
					t.Fatal(err)
				}
				if d.Prospect != nil {
					got = append(got, d.Prospect.Slug)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s events about %v, want %v", typ, got, want)
			}
		}
		if acct := b.account(t, "anna"); acct.PendingInvites != 0 {
			t.Errorf("%d invitations counted pending, want 0", acct.PendingInvites)
		}
		// Quinn's crashed attempt sent, and counts; Olga's could not have
		// (she was a connection long before): it counts as a profile view.
		if n := b.ledger(t, quick.AccountID, quota.KindInvite, models.QuotaUsed); n != 1 {
			t.Errorf("%d invitations counted used, want 1: Quinn's", n)
		}
	})
}

func TestARetryAfterSendWasClickedReadsThePageFirstAndReservesItsOwnQuota(t *testing.T) {
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
		// Send was clicked at the first attempt: LinkedIn's error toast
		// left it in doubt. The retry read the profile first: Connect still
		// on offer proved the first had not sent, which then counts as the
		// profile view it was; the retry sent, and counts the invitation.
		var entries []models.QuotaEntry
		s.DB.Where("action_id = ? AND kind <> ?", a.ID, quota.KindNote).Order("id").Find(&entries)
		if len(entries) != 2 || entries[0].Kind != quota.KindUnsentInvite || entries[1].Kind != quota.KindInvite ||
			entries[0].State != models.QuotaUsed || entries[1].State != models.QuotaUsed || !entries[1].At.After(entries[0].At) {
			t.Errorf("ledger entries: %+v; want the first attempt's view, then the retry's invitation, both used", entries)
		}
		if n := len(b.sim.Received().PageLoads); n == 0 {
			t.Error("the simulator recorded no page loads")
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
		watch.invite = func(_ context.Context, _, _ string) error {
			started++
			if started == 2 {
				cancelledAt = time.Now()
				cancel() // SIGTERM as the second invitation is being sent
			}
			return nil
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
		s.DB.Model(&models.Action{}).Where("kind = ? AND state = ?", models.ActionInvite, models.ActionDone).Count(&doneN)
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

func TestTransientFailuresEndInFailedAfterTheAttempts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, setupOptions{})
		b.approve(t, "cto", person{"flaky-page-more", "Fay", ""})
		watch := newWatchSite(b.site)
		tries := 0
		watch.invite = func(_ context.Context, _, slug string) error {
			tries++
			return executor.NewError(pacertype.OutcomeTransient, "invite", slug, errors.New("the invite dialog did not open"))
		}
		r := b.newRunner(t, watch, runner.Options{Attempts: 3})
		runUntil(t, 60*time.Second, b.allDone(t), r)
		a := b.actionOf(t, "flaky-page-more", models.ActionInvite)
		if a.State != models.ActionFailed || a.Attempts != 3 || tries != 3 || !strings.Contains(a.Reason, "did not open") {
			t.Errorf("action: %s after %d attempts (%d tries), reason %q; want failed after 3", a.State, a.Attempts, tries, a.Reason)
		}
		// Each attempt reserved its own quota; none clicked Send, so each
		// counts as an unsent invitation (a profile view and an action) and
		// no invitation or note.
		var entries []models.QuotaEntry
		s.DB.Where("action_id = ?", a.ID).Find(&entries)
		got := map[string]int{}
		for _, e := range entries {
			got[e.Kind+" "+e.State]++
		}
		if want := map[string]int{quota.KindUnsentInvite + " used": 3, "note released": 3}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("the failed action's ledger: %v, want %v", got, want)
		}
		ev := b.events(t, pacertype.EventActionFailed)
		if len(ev) != 1 || ev[0].ProposalID == nil {
			t.Fatalf("action.failed events: %+v", ev)
		}
		if d, _ := models.DecodeEventData(ev[0]); !strings.Contains(d.Reason, "did not open") {
			t.Errorf("action.failed reason %q", d.Reason)
		}
		var e models.Enrollment
		s.DB.Where("prospect_id = ?", *a.ProspectID).Take(&e)
		if e.State != models.EnrollmentFailed {
			t.Errorf("enrollment %s, want failed", e.State)
		}
	})
}
