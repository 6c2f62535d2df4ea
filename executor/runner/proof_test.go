package runner_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/executor/runner"
	"github.com/pacerhq/pacer/executor/sim"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/pacertype"
)

// The daily reconcile with LinkedIn's Sent page proves what Pacer recorded
// as sent: the invitation LinkedIn lost is found missing (once, with its
// name in one alert), the accepted one is confirmed, and one older than
// the page reaches is left unjudged.
func TestTheSentPageProvesEachInvitationDelivered(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		// LinkedIn shows three invitations a page, newest first.
		b := setup(t, s, setupOptions{sim: sim.Options{SentPageSize: 3}})
		day := 24 * time.Hour
		b.approve(t, "cto", person{"kept-kim-more", "Kim", ""}, person{"lost-lou-more", "Lou", ""}, person{"took-tia-more", "Tia", ""})
		r := b.newRunner(t, nil, runner.Options{})
		runUntil(t, 60*time.Second, b.allDone(t), r)

		// Two invitations sent by hand 2 and 3 days ago fill the page, and
		// one Pacer sent 10 days ago lies beyond it.
		b.sim.Seed(b.liAt("anna"), "hand-hal-more", "", 2*day)
		b.sim.Seed(b.liAt("anna"), "hand-hep-more", "", 3*day)
		b.sim.Seed(b.liAt("anna"), "old-otto-more", "", 10*day)
		if _, err := campaign.Import(b.ctx, s, "cto", strings.NewReader("profile_url,first_name\nhttps://www.linkedin.com/in/old-otto-more/,Otto\n"), campaign.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		b.sentByPacer(t, "old-otto-more", 10*day)

		if !b.sim.Lose(b.liAt("anna"), "lost-lou-more") {
			t.Fatal("the simulator had no invitation to Lou to lose")
		}
		if n := b.sim.Accept(b.liAt("anna"), "took-tia-more"); n != 1 {
			t.Fatalf("the simulator accepted %d invitations, want 1", n)
		}

		for run := 1; run <= 2; run++ {
			// The daily sweep, as River runs it.
			job := &river.Job[runner.SweepArgs]{Args: runner.SweepArgs{Target: runner.TargetSent}}
			if err := r.SweepWorker().Work(context.Background(), job); err != nil {
				t.Fatal(err)
			}
			runUntil(t, 60*time.Second, b.allDone(t), r)
			want := map[string]string{"kept-kim-more": models.DeliveryConfirmed, "lost-lou-more": models.DeliveryMissing,
				"took-tia-more": models.DeliveryConfirmed, "old-otto-more": ""}
			for slug, delivery := range want {
				if a := b.actionOf(t, slug, models.ActionInvite); a.Delivery != delivery || (delivery != "") != (a.DeliveryCheckedAt != nil) {
					t.Errorf("run %d: %s's invitation delivery %q (checked %v), want %q", run, slug, a.Delivery, a.DeliveryCheckedAt, delivery)
				}
			}
			// The acceptance scan ran first: Tia's acceptance is recorded,
			// not taken for a lost invitation.
			if p := b.prospect(t, "took-tia-more"); p.State != models.ProspectConnected {
				t.Errorf("run %d: Tia is %s, want connected", run, p.State)
			}
			ev := b.events(t, pacertype.EventDeliveryMissing)
			if len(ev) != 1 {
				t.Fatalf("run %d: %d %s events, want 1 (a missing invitation is reported once)", run, len(ev), pacertype.EventDeliveryMissing)
			}
			d, _ := models.DecodeEventData(ev[0])
			if d.Count != 1 || len(d.Names) != 1 || !strings.Contains(d.Names[0], "Lou") || d.Account != "anna" {
				t.Errorf("run %d: the alert's data %+v, want Lou's name", run, d)
			}
		}
		var sentScans []string
		s.DB.Table("actions").Where("kind = ? AND target = ?", models.ActionScan, runner.TargetSent).Order("id").Pluck("reason", &sentScans)
		if len(sentScans) != 2 || slices.ContainsFunc(sentScans, func(r string) bool { return !strings.Contains(r, "1 missing") }) {
			t.Errorf("the Sent page scans said %q, want 2 that each found 1 missing", sentScans)
		}
		// Nothing is sent again by itself: Lou's invitation waits for a person.
		if n := len(b.received()["lost-lou-more"]); n != 1 {
			t.Errorf("Lou received %d invitations, want the 1 lost", n)
		}
	})
}
