package runner_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/executor/runner"
	"github.com/pacerhq/pacer/executor/sim"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/pacertype"
	"github.com/pacerhq/pacer/quota"
)

func TestBatchIsSentAtThePacedTimesEachOnceWithItsNotes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		// The fast pace keeps LinkedIn's limits but spaces an account's
		// actions by quota.FastGap rather than spreading them over the day.
		b := setup(t, s, setupOptions{minGap: quota.FastGap})
		people := []person{{"ada-lovelace-more", "Ada", ""}, {"alan-turing-direct", "Alan", ""},
			{"grace-hopper-creator", "Grace", ""}, {"edsger-dijkstra-third-more", "Edsger", ""}}
		proposal := b.approve(t, "cto", people...)
		var items []models.ProposalItem
		if err := s.DB.Where("proposal_id = ?", proposal).Find(&items).Error; err != nil {
			t.Fatal(err)
		}
		notes := map[int64]string{}
		for _, it := range items {
			notes[it.ProspectID] = it.Note
		}

		// Ada is also queued in another campaign: once invited, she moves one
		// step back there, so that its proposals do not walk past her first.
		if _, err := campaign.Import(b.ctx, s, "dev", strings.NewReader("profile_url\nhttps://www.linkedin.com/in/ada-lovelace-more/\n"), campaign.ImportOptions{}); err != nil {
			t.Fatal(err)
		}

		r := b.newRunner(t, nil, runner.Options{})
		runUntil(t, 90*time.Second, b.allDone(t), r)

		var devPriority []int
		s.DB.Table("enrollments").Where("prospect_id = ? AND campaign_id = (SELECT id FROM campaigns WHERE name = ?)", b.prospect(t, "ada-lovelace-more").ID, "dev").
			Pluck("priority", &devPriority)
		if len(devPriority) != 1 || devPriority[0] != 1 {
			t.Errorf("Ada's place in the dev campaign's queue: priority %v, want one step back (1)", devPriority)
		}

		got := b.received()
		var times []time.Time
		for _, p := range people {
			pr := b.prospect(t, p.slug)
			invs := got[p.slug]
			if len(invs) != 1 {
				t.Errorf("%s received %d invitations, want exactly 1", p.slug, len(invs))
				continue
			}
			if want := notes[pr.ID]; invs[0].Note != want || !strings.HasPrefix(want, "Hi "+p.first) {
				t.Errorf("%s got the note %q, want the approved %q", p.slug, invs[0].Note, want)
			}
			if invs[0].Account != b.liAt("anna") {
				t.Errorf("%s was invited by %q, want anna's session", p.slug, invs[0].Account)
			}
			if pr.State != models.ProspectPending || pr.InvitedAt == nil {
				t.Errorf("prospect %s: state %s, invited_at %v; want pending with a time", p.slug, pr.State, pr.InvitedAt)
			}
			a := b.actionOf(t, p.slug, models.ActionInvite)
			if a.State != models.ActionDone || a.Outcome != "done" || a.Attempts != 1 || a.ReservationID == nil || a.StartedAt == nil {
				t.Fatalf("action of %s: %+v", p.slug, a)
			}
			times = append(times, *a.StartedAt)
		}
		if n := len(b.sim.Received().Invitations); n != len(people) {
			t.Errorf("the simulator received %d invitations, want %d", n, len(people))
		}
		slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
		for i := 1; i < len(times); i++ {
			// The pacer spaces the claims (and their reservations): each
			// comes at least the pace's gap after the previous one.
			if gap := times[i].Sub(times[i-1]); gap < quota.FastGap {
				t.Errorf("invitations %d and %d were claimed %s apart, want at least the pace's %s", i, i+1, gap, quota.FastGap)
			}
		}
		anna := b.accounts["anna"]
		if n := b.ledger(t, anna, quota.KindInvite, models.QuotaUsed); n != int64(len(people)) {
			t.Errorf("%d used invite entries, want %d", n, len(people))
		}
		if n := b.ledger(t, anna, quota.KindInvite, models.QuotaReserved) + b.ledger(t, anna, quota.KindInvite, models.QuotaReleased); n != 0 {
			t.Errorf("%d invite entries left reserved or released, want 0", n)
		}
		sent := b.events(t, "invite.sent")
		if len(sent) != len(people) {
			t.Fatalf("%d invite.sent events, want %d", len(sent), len(people))
		}
		for _, e := range sent {
			if e.ProposalID == nil || *e.ProposalID != proposal || e.ProspectID == nil || e.CampaignID == nil {
				t.Errorf("invite.sent refs: proposal %v prospect %v campaign %v", e.ProposalID, e.ProspectID, e.CampaignID)
			}
			d, _ := models.DecodeEventData(e)
			if d.Note != notes[*e.ProspectID] || d.Account != "anna" || d.Campaign != "cto" || d.Prospect == nil {
				t.Errorf("invite.sent data: %+v", d)
			}
		}
		var enrolled []models.Enrollment
		s.DB.Where("state = ?", models.EnrollmentDone).Find(&enrolled)
		if len(enrolled) != len(people) {
			t.Errorf("%d enrollments done, want %d", len(enrolled), len(people))
		}
		if acct := b.account(t, "anna"); acct.PendingInvites != len(people) || acct.State != models.AccountActive {
			t.Errorf("anna: %d pending invitations, state %s", acct.PendingInvites, acct.State)
		}
	})
}

func TestOutcomesOfAnInvitation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		cfg := testConfig()
		cfg.Campaigns[2].EmailWhenAsked = true // dev (carl) gives a known email when asked
		b := setup(t, s, setupOptions{cfg: cfg})
		b.approve(t, "cto",
			person{"kim-lee-connected", "Kim", ""},
			person{"eve-adams-emailreq", "Eve", "eve@example.org"}, // cto does not give emails
			person{"gone-person-unavailable", "Gone", ""},
			person{"otto-fo-followonly", "Otto", ""},
		)
		b.approve(t, "dev",
			person{"max-muster-emailreq", "Max", "max@example.org"},
			person{"nia-noemail-emailreq", "Nia", ""},
		)
		b.sim.Seed(b.liAt("anna"), "pia-pend-more", "", 48*time.Hour)
		b.approve(t, "cto", person{"pia-pend-more", "Pia", ""})

		r := b.newRunner(t, nil, runner.Options{})
		runUntil(t, 90*time.Second, b.allDone(t), r)

		tests := []struct {
			slug         string
			state        string
			outcome      string
			reason       string
			prospect     string
			releasedOnly bool
		}{
			{"kim-lee-connected", models.ActionSkipped, "already_connected", "already connected", models.ProspectConnected, true},
			{"eve-adams-emailreq", models.ActionSkipped, "email_required", "email address", models.ProspectNew, true},
			{"gone-person-unavailable", models.ActionSkipped, "not_found", "not available", models.ProspectUnavailable, true},
			{"otto-fo-followonly", models.ActionSkipped, "not_connectable", "no Connect", models.ProspectNew, true},
			{"pia-pend-more", models.ActionSkipped, "already_pending", "already pending", models.ProspectPending, true},
			{"max-muster-emailreq", models.ActionDone, "done", "", models.ProspectPending, false},
			{"nia-noemail-emailreq", models.ActionSkipped, "email_required", "email address", models.ProspectNew, true},
		}
		for _, tt := range tests {
			t.Run(tt.slug, func(t *testing.T) {
				a := b.actionOf(t, tt.slug, models.ActionInvite)
				if a.State != tt.state || a.Outcome != tt.outcome || !strings.Contains(a.Reason, tt.reason) {
					t.Errorf("action: state %s outcome %s reason %q; want %s %s %q", a.State, a.Outcome, a.Reason, tt.state, tt.outcome, tt.reason)
				}
				if p := b.prospect(t, tt.slug); p.State != tt.prospect {
					t.Errorf("prospect state %s, want %s", p.State, tt.prospect)
				}
				var entries []models.QuotaEntry
				s.DB.Where("action_id = ?", a.ID).Find(&entries)
				for _, e := range entries {
					// A skipped invitation loaded the profile: that counts,
					// as a profile view; no invitation or note does.
					switch {
					case tt.releasedOnly && e.Kind == quota.KindNote && e.State != models.QuotaReleased:
						t.Errorf("a skipped invitation kept its note quota (%s); it must be given back", e.State)
					case tt.releasedOnly && e.Kind != quota.KindNote && (e.Kind != quota.KindUnsentInvite || e.State != models.QuotaUsed):
						t.Errorf("a skipped invitation's page load is a %s entry %s, want a used view", e.Kind, e.State)
					case !tt.releasedOnly && e.State != models.QuotaUsed:
						t.Errorf("a sent invitation's %s quota is %s, want used", e.Kind, e.State)
					}
				}
				if len(entries) == 0 {
					t.Error("no quota was reserved for the action")
				}
			})
		}
		got := b.received()
		if invs := got["max-muster-emailreq"]; len(invs) != 1 || invs[0].Email != "max@example.org" {
			t.Errorf("max (email asked, campaign allows, email known): %+v", invs)
		}
		for _, slug := range []string{"kim-lee-connected", "eve-adams-emailreq", "gone-person-unavailable", "otto-fo-followonly", "nia-noemail-emailreq"} {
			if len(got[slug]) != 0 {
				t.Errorf("%s received an invitation", slug)
			}
		}
		if n := len(got["pia-pend-more"]); n != 0 {
			t.Errorf("pia (already pending) received %d new invitations", n)
		}
		// kim is the account's own connection: no other sender invites her.
		var known []models.AccountConnection
		s.DB.Find(&known)
		if len(known) != 1 || known[0].Slug != "kim-lee-connected" || known[0].Source != models.ConnectionFromProfile {
			t.Errorf("the account's known connections: %+v, want kim, seen on her profile", known)
		}
		skipped := b.events(t, pacertype.EventActionSkipped)
		if len(skipped) != 6 {
			t.Errorf("%d action.skipped events, want 6", len(skipped))
		}
		for _, e := range skipped {
			if e.ProposalID == nil || e.ProspectID == nil {
				t.Errorf("action.skipped without its proposal or prospect: %+v", e)
			}
		}
	})
}

func TestProspectsSuppressedAfterTheApprovalAreNeverReached(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, setupOptions{})
		b.approve(t, "cto",
			person{"sue-stopped-more", "Sue", ""},
			person{"dom-client-more", "Dom", "dom@eu.client.example"},
			person{"dan-doubt-more", "Dan", ""},
			person{"val-welcome-more", "Val", ""})
		// Dan's attempt died before it clicked anything; it is in doubt.
		doubt := b.crash(t, b.actionOf(t, "dan-doubt-more", models.ActionInvite), deadOwner())
		// After the approval, the team puts Sue, Dan and Dom's company on
		// the do-not-contact list.
		if _, err := campaign.Suppress(b.ctx, s, []string{"sue-stopped-more", "https://www.linkedin.com/in/dan-doubt-more", "@client.example"},
			"asked not to be contacted", "U0LEAD", time.Now()); err != nil {
			t.Fatal(err)
		}

		r := b.newRunner(t, nil, runner.Options{})
		runUntil(t, 60*time.Second, b.allDone(t), r)

		got := b.received()
		if len(got["val-welcome-more"]) != 1 {
			t.Errorf("Val received %d invitations, want 1", len(got["val-welcome-more"]))
		}
		for _, slug := range []string{"sue-stopped-more", "dom-client-more", "dan-doubt-more"} {
			if n := len(got[slug]); n != 0 {
				t.Errorf("%s is on the do-not-contact list and received %d invitations", slug, n)
			}
			a := b.actionOf(t, slug, models.ActionInvite)
			if a.State != models.ActionSkipped || a.Reason != "on the do-not-contact list" {
				t.Errorf("%s: %s (%q), want skipped: on the do-not-contact list", slug, a.State, a.Reason)
			}
		}
		if n := len(b.events(t, pacertype.EventActionSkipped)); n != 3 {
			t.Errorf("%d action.skipped events, want 3", n)
		}
		acct := b.accounts["anna"]
		var dans []models.QuotaEntry
		s.DB.Where("id IN ?", doubt).Find(&dans)
		for _, e := range dans {
			if e.State != models.QuotaUsed {
				t.Errorf("Dan's %s reservation is %s: quota reserved by an attempt in doubt is never given back", e.Kind, e.State)
			}
		}
		// Val's invitation and Dan's (in doubt); nothing for Sue or Dom.
		if n := b.ledger(t, acct, quota.KindInvite, models.QuotaUsed) + b.ledger(t, acct, quota.KindInvite, models.QuotaReleased); n != 2 {
			t.Errorf("%d invitation reservations, want 2: nothing is reserved for a suppressed prospect", n)
		}
	})
}

func TestWeeklyLimitRestrictsTheAccountUntilTheReset(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, setupOptions{sim: sim.Options{WeeklyLimit: 2}})
		people := []person{{"w-one-more", "One", ""}, {"w-two-more", "Two", ""}, {"w-three-more", "Three", ""}, {"w-four-more", "Four", ""}}
		b.approve(t, "cto", people...)
		r := b.newRunner(t, nil, runner.Options{})
		anna := b.accounts["anna"]
		start := time.Now()
		runUntil(t, 60*time.Second, func() bool {
			return b.account(t, "anna").State == models.AccountRestricted && b.openActions(t, anna) == 0
		}, r)

		acct := b.account(t, "anna")
		if acct.RestrictedUntil == nil || acct.RestrictedUntil.Before(start.Add(7*24*time.Hour-time.Minute)) {
			t.Fatalf("restricted until %v, want 7 days from now", acct.RestrictedUntil)
		}
		if n := len(b.sim.Received().Invitations); n != 2 {
			t.Errorf("the simulator received %d invitations, want 2 (its weekly limit)", n)
		}
		for _, a := range b.actions(t, anna) {
			if a.State == models.ActionDone {
				continue
			}
			if a.State != models.ActionScheduled || a.ScheduledAt.Before(*acct.RestrictedUntil) {
				t.Errorf("action %d: %s at %s, want scheduled at the reset %s", a.ID, a.State, a.ScheduledAt, acct.RestrictedUntil)
			}
		}
		if n := b.ledger(t, anna, quota.KindInvite, models.QuotaUsed); n != 2 {
			t.Errorf("%d used invite entries, want 2", n)
		}
		if n := b.ledger(t, anna, quota.KindInvite, models.QuotaReserved); n != 0 {
			t.Errorf("%d invite entries still reserved: the refused invitation's quota must be given back", n)
		}
		ev := b.events(t, "account.restricted")
		if len(ev) != 1 {
			t.Fatalf("%d account.restricted events, want 1", len(ev))
		}
		d, _ := models.DecodeEventData(ev[0])
		if d.Reason != "weekly_invitation_limit" || d.Until == nil || !d.Until.Equal(*acct.RestrictedUntil) || d.Account != "anna" {
			t.Errorf("account.restricted data: %+v", d)
		}
	})
}

func TestCheckpointStopsTheAccountForAPerson(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, setupOptions{})
		b.approve(t, "cto", person{"cara-chk-checkpoint", "Cara", ""}, person{"nora-next-more", "Nora", ""})
		// bob's session is rejected: signed out of LinkedIn.
		b.sim.Reject(b.liAt("bob"))
		b.approve(t, "ops", person{"olga-ops-more", "Olga", ""})
		r := b.newRunner(t, nil, runner.Options{})
		runUntil(t, 60*time.Second, func() bool {
			return b.account(t, "anna").State == models.AccountNeedsHuman && b.account(t, "bob").State == models.AccountNeedsHuman
		}, r)

		if n := len(b.sim.Received().Invitations); n != 0 {
			t.Errorf("the simulator received %d invitations, want none", n)
		}
		anna := b.account(t, "anna")
		if !strings.Contains(anna.StateReason, "checkpoint") {
			t.Errorf("anna's state reason: %q", anna.StateReason)
		}
		chk := b.actionOf(t, "cara-chk-checkpoint", models.ActionInvite)
		next := b.actionOf(t, "nora-next-more", models.ActionInvite)
		if chk.State != models.ActionScheduled || chk.Outcome != "checkpoint" || chk.ReservationID == nil {
			t.Errorf("the checkpointed action: %+v; want back in the queue, its quota kept", chk)
		}
		if next.State != models.ActionScheduled || next.Attempts != 0 {
			t.Errorf("nothing else may be attempted for the account: %+v", next)
		}
		if bob := b.account(t, "bob"); bob.StateReason != models.ReasonSessionRejected {
			t.Errorf("bob's state reason %q, want %q", bob.StateReason, models.ReasonSessionRejected)
		}
		ev := b.events(t, "account.checkpoint")
		reasons := map[string]string{}
		for _, e := range ev {
			d, _ := models.DecodeEventData(e)
			reasons[d.Account] = d.Reason
		}
		if len(ev) != 2 || reasons["anna"] != "checkpoint" || reasons["bob"] != "session_rejected" {
			t.Errorf("account.checkpoint events: %d, reasons %v", len(ev), reasons)
		}
		// A new session clears the rejection: bob goes on.
		if err := s.SaveSession(b.ctx, b.accounts["bob"], nil); err != nil {
			t.Fatal(err)
		}
		if bob := b.account(t, "bob"); bob.State != models.AccountActive {
			t.Errorf("bob after a new session: %s", bob.State)
		}
	})
}

func TestNotesRunOut(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		cfg := testConfig()
		cfg.Campaigns = append(cfg.Campaigns, cfgCampaign("strict", "bob", "Dear {{first_name|there}}."))
		// LinkedIn (the simulator) allows one note a month, the quota five:
		// LinkedIn says so first.
		b := setup(t, s, setupOptions{cfg: cfg, sim: sim.Options{NotesPerMonth: 1}})
		// Both are approved before anything is sent: strict's comes last.
		b.approve(t, "ops", person{"n-one-more", "One", ""}, person{"n-two-more", "Two", ""})
		b.approve(t, "strict", person{"n-three-more", "Three", ""})
		r := b.newRunner(t, nil, runner.Options{})
		runUntil(t, 60*time.Second, b.allDone(t), r)

		got := b.received()
		if invs := got["n-one-more"]; len(invs) != 1 || invs[0].Note == "" {
			t.Errorf("the first invitation: %+v, want one with its note", invs)
		}
		if invs := got["n-two-more"]; len(invs) != 1 || invs[0].Note != "" {
			t.Errorf("the second invitation: %+v, want one without a note (ops sends without)", invs)
		}
		if invs := got["n-three-more"]; len(invs) != 0 {
			t.Errorf("strict does not send without its note, yet: %+v", invs)
		}
		three := b.actionOf(t, "n-three-more", models.ActionInvite)
		if three.State != models.ActionSkipped || !strings.Contains(three.Reason, "note") {
			t.Errorf("strict's invitation: %s %q", three.State, three.Reason)
		}
		two := b.actionOf(t, "n-two-more", models.ActionInvite)
		if two.State != models.ActionDone || !strings.Contains(two.Reason, "without its note") {
			t.Errorf("ops' second invitation: %s %q", two.State, two.Reason)
		}
		// The statistics count what was sent: a note dropped at sending
		// takes the invitation out of its variant.
		if one := b.actionOf(t, "n-one-more", models.ActionInvite); one.Variant != config.DefaultVariant || two.Variant != "" {
			t.Errorf("variants: %q sent with its note, %q without; want %q and none", one.Variant, two.Variant, config.DefaultVariant)
		}
		bob := b.account(t, "bob")
		if bob.NotesLeft == nil || *bob.NotesLeft != 0 {
			t.Errorf("bob's notes left: %v, want 0", bob.NotesLeft)
		}
		for _, e := range b.events(t, "invite.sent") {
			d, _ := models.DecodeEventData(e)
			if d.Prospect.Slug == "n-two-more" && d.Note != "" {
				t.Errorf("invite.sent of n-two-more carries the note %q it was sent without", d.Note)
			}
		}
	})
}

func TestStepsGoInOrderWithTheirWaits(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		cfg := testConfig()
		cfg.Campaigns[0].Steps = []string{"view", "follow", "wait 1d", "invite"}
		b := setup(t, s, setupOptions{cfg: cfg})
		b.approve(t, "cto", person{"seq-one-more", "One", ""})
		// A day is 2 seconds.
		r := b.newRunner(t, nil, runner.Options{WaitScale: 2.0 / 86400})
		runUntil(t, 60*time.Second, func() bool { return b.actionOf(t, "seq-one-more", models.ActionInvite).State == models.ActionDone }, r)
		view := b.actionOf(t, "seq-one-more", models.ActionView)
		follow := b.actionOf(t, "seq-one-more", models.ActionFollow)
		invite := b.actionOf(t, "seq-one-more", models.ActionInvite)
		if view.State != models.ActionDone || follow.State != models.ActionDone {
			t.Fatalf("view %s, follow %s", view.State, follow.State)
		}
		if !view.FinishedAt.Before(*follow.StartedAt) || !follow.FinishedAt.Before(*invite.StartedAt) {
			t.Errorf("steps out of order: view %v–%v, follow %v–%v, invite %v", view.StartedAt, view.FinishedAt, follow.StartedAt, follow.FinishedAt, invite.StartedAt)
		}
		if gap := invite.StartedAt.Sub(*follow.FinishedAt); gap < 1900*time.Millisecond {
			t.Errorf("the invitation came %s after the follow; the wait of a day shrunk to 2 s", gap)
		}
		if n := len(b.sim.Received().Follows); n != 1 {
			t.Errorf("%d follows", n)
		}
	})
}

func TestTwoRunnersNeverActForOneAccountAtOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, setupOptions{})
		var people = map[string][]person{}
		for _, c := range []string{"cto", "ops", "dev"} {
			for i := range 4 {
				people[c] = append(people[c], person{fmt.Sprintf("two-%s-%d-more", c, i), "P", ""})
			}
			b.approve(t, c, people[c]...)
		}
		watch := newWatchSite(b.site)
		r1 := b.newRunner(t, watch.as("r1"), runner.Options{Concurrency: 2})
		r2 := b.newRunner(t, watch.as("r2"), runner.Options{Concurrency: 2})
		runUntil(t, 120*time.Second, b.allDone(t), r1, r2)

		if max := watch.maxPerAccount(); max != 1 {
			t.Errorf("at most %d sessions acted at once for one account, want 1", max)
		}
		if watch.opened("r1") == 0 || watch.opened("r2") == 0 {
			t.Errorf("sessions opened: r1 %d, r2 %d; both runners should have acted", watch.opened("r1"), watch.opened("r2"))
		}
		got := b.received()
		for _, ps := range people {
			for _, p := range ps {
				if len(got[p.slug]) != 1 {
					t.Errorf("%s received %d invitations, want 1", p.slug, len(got[p.slug]))
				}
			}
		}
		if n := len(b.events(t, "invite.sent")); n != 12 {
			t.Errorf("%d invite.sent events, want 12", n)
		}
		var leased int64
		s.DB.Model(&models.Account{}).Where("lease_owner <> ''").Count(&leased)
		if leased != 0 {
			t.Errorf("%d accounts still leased after the runners stopped", leased)
		}
	})
}

func cfgCampaign(name, account, note string) config.Campaign {
	return config.Campaign{Name: name, Account: account, Channel: "C0" + strings.ToUpper(name), Note: note, Steps: []string{"invite"}, FindEmail: "none", UndoWindow: "0"}
}

// Leases end on the database's clock: a runner whose own clock runs ten
// minutes ahead (another node, badly synchronized) must not take for lapsed
// the lease of a runner still acting for the account.
func TestALeaseIsJudgedOnTheDatabasesClock(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, setupOptions{})
		var people []person
		for i := range 6 {
			people = append(people, person{fmt.Sprintf("skew-%d-more", i), "P", ""})
		}
		b.approve(t, "cto", people...)
		watch := newWatchSite(b.site)
		ahead := func() time.Time { return time.Now().Add(10 * time.Minute) }
		r1 := b.newRunner(t, watch.as("r1"), runner.Options{})
		r2 := b.newRunner(t, watch.as("r2"), runner.Options{Now: ahead})
		// r1 takes the account first; r2 comes while it acts.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		first := make(chan error, 1)
		go func() { first <- r1.Run(ctx) }()
		for deadline := time.Now().Add(60 * time.Second); len(b.received()) == 0; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("r1 sent nothing within a minute")
			}
		}
		runUntil(t, 120*time.Second, b.allDone(t), r2)
		cancel()
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		if max := watch.maxPerAccount(); max != 1 {
			t.Errorf("at most %d sessions acted at once for one account, want 1", max)
		}
		got := b.received()
		for _, p := range people {
			if len(got[p.slug]) != 1 {
				t.Errorf("%s received %d invitations, want 1", p.slug, len(got[p.slug]))
			}
		}
	})
}
