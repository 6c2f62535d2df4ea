package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/pacerhq/pacer/integrations/delivery"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
)

func TestDailyDigest(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		b.approve(t, approver, p)
		b.store.DB.Model(&models.Account{}).Where("name = ?", "anna").Update("pending_invites", 412)
		// One CRM delivery gave up (the integrations' dead-letter count).
		b.bot.deadLetterCount = func(context.Context) (int, error) { return 1, nil }
		b.slack.reset()

		job := &river.Job[DigestArgs]{Args: DigestArgs{Day: "2026-06-01"}}
		if err := b.bot.DigestWorker().Work(context.Background(), job); err != nil {
			t.Fatal(err)
		}
		posts := b.slack.recorded("chat.postMessage")
		if len(posts) != 2 {
			t.Fatalf("digests posted = %d, want one per campaign channel (2)", len(posts))
		}
		byChannel := map[string]string{}
		for _, p := range posts {
			byChannel[p.Form.Get("channel")] = p.text()
		}
		cto := byChannel[ctoChannel]
		for _, want := range []string{"Daily digest · Mon 1 Jun", "*anna* (premium)", "Invitations today", "Invitations (7 days)",
			"Notes this month", "Profile views today", "*Pending invitations*\\n412", "Acceptance (30 days)", "no decided invitations yet",
			"*Queue*\\n3 invitations · sends", "Next reset", "CRM sync failures:* 1 delivery", "pacer deliveries list"} {
			if !strings.Contains(cto, want) {
				t.Errorf("cto-berlin's digest lacks %q:\n%s", want, cto)
			}
		}
		if strings.Contains(cto, "*bob*") {
			t.Errorf("cto-berlin's digest shows bob, who sends for another channel")
		}
		if ops := byChannel[opsChannel]; !strings.Contains(ops, "*bob* (free)") || strings.Contains(ops, "*anna*") {
			t.Errorf("ops's digest:\n%s", ops)
		}

		// The same day again (a retry, a second leader) posts nothing.
		b.slack.reset()
		if err := b.bot.DigestWorker().Work(context.Background(), job); err != nil {
			t.Fatal(err)
		}
		if n := len(b.slack.recorded("chat.postMessage")); n != 0 {
			t.Errorf("the day's digest was posted again (%d)", n)
		}
	})
}

// The digest proves the week's invitations against LinkedIn's Sent page.
func TestDigestProvesDelivery(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		b.approve(t, approver, p)
		now := b.clock.Now()
		// Three invitations sent this week: one confirmed, one missing,
		// one not checked yet.
		for i, it := range b.items(t, p.ID) {
			delivery := []string{models.DeliveryConfirmed, models.DeliveryMissing, ""}[i]
			b.store.DB.Model(&models.Action{}).Where("proposal_item_id = ?", it.ID).
				Updates(map[string]any{"state": models.ActionDone, "finished_at": now.Add(-time.Hour), "delivery": delivery})
		}
		proof, err := b.bot.deliveryProof(context.Background(), b.accountID(t, "anna"), now)
		if err != nil {
			t.Fatal(err)
		}
		if proof != (DeliveryProof{Sent: 3, Confirmed: 1, Missing: 1}) {
			t.Errorf("proof = %+v, want 3 sent, 1 confirmed, 1 missing", proof)
		}
		b.slack.reset()
		job := &river.Job[DigestArgs]{Args: DigestArgs{Day: "2026-06-02"}}
		if err := b.bot.DigestWorker().Work(context.Background(), job); err != nil {
			t.Fatal(err)
		}
		var cto string
		for _, p := range b.slack.recorded("chat.postMessage") {
			if p.Form.Get("channel") == ctoChannel {
				cto = p.text()
			}
		}
		if want := "sent 3 · confirmed on LinkedIn 1 · mismatched 1 · 1 not checked yet"; !strings.Contains(cto, want) {
			t.Errorf("the digest lacks %q:\n%s", want, cto)
		}
	})
}

func TestAcceptanceRate(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		b.approve(t, approver, p)
		items := b.items(t, p.ID)
		now := b.clock.Now()
		// Three invitations sent: one accepted, one withdrawn, one pending.
		states := []string{models.ProspectConnected, models.ProspectWithdrawn, models.ProspectPending}
		for i, it := range items {
			b.store.DB.Model(&models.Action{}).Where("proposal_item_id = ?", it.ID).
				Updates(map[string]any{"state": models.ActionDone, "finished_at": now.Add(-time.Hour)})
			b.store.DB.Model(&models.Prospect{}).Where("id = ?", it.ProspectID).Update("state", states[i])
		}
		accepted, decided, err := b.bot.acceptance(context.Background(), b.accountID(t, "anna"), now)
		if err != nil {
			t.Fatal(err)
		}
		if accepted != 1 || decided != 2 {
			t.Errorf("acceptance = %d of %d, want 1 of 2 (pending invitations are not decided)", accepted, decided)
		}
		v, err := b.bot.digestView(context.Background(), []string{"anna"})
		if err != nil {
			t.Fatal(err)
		}
		if got := b.bot.renderer().digest(v); !strings.Contains(jsonString(got.Blocks), "50% (1 of 2)") {
			t.Errorf("digest does not show the rate:\n%s", jsonString(got.Blocks))
		}
	})
}

func TestDailyAtSchedule(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	d := dailyAt{hour: 9, minute: 0, loc: berlin}
	tests := []struct {
		name string
		from time.Time
		want time.Time
	}{
		{"before the time", time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC), time.Date(2026, 6, 1, 9, 0, 0, 0, berlin)},
		{"at the time", time.Date(2026, 6, 1, 9, 0, 0, 0, berlin), time.Date(2026, 6, 2, 9, 0, 0, 0, berlin)},
		{"after the time", time.Date(2026, 6, 1, 12, 0, 0, 0, berlin), time.Date(2026, 6, 2, 9, 0, 0, 0, berlin)},
		{"into summer time", time.Date(2026, 3, 28, 10, 0, 0, 0, berlin), time.Date(2026, 3, 29, 9, 0, 0, 0, berlin)},
		{"into winter time", time.Date(2026, 10, 24, 10, 0, 0, 0, berlin), time.Date(2026, 10, 25, 9, 0, 0, 0, berlin)},
		{"year end", time.Date(2026, 12, 31, 23, 0, 0, 0, berlin), time.Date(2027, 1, 1, 9, 0, 0, 0, berlin)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := d.Next(tt.from); !got.Equal(tt.want) {
				t.Errorf("Next(%s) = %s, want %s", tt.from, got, tt.want)
			}
		})
	}
	if got := (dailyAt{hour: 9, loc: berlin}).Next(time.Date(2026, 3, 29, 6, 59, 0, 0, time.UTC)); got.UTC() != time.Date(2026, 3, 29, 7, 0, 0, 0, time.UTC) {
		t.Errorf("9:00 on the day of the change is 07:00 UTC, got %s", got.UTC())
	}
}

// TestRiverRunsTheBotsJobs registers the bot's workers and periodic jobs
// with a real River client on the store, as `pacer serve` does: an event's
// Slack delivery is worked, and the minutely pass posts a proposal that the
// campaign package stored by itself.
func TestRiverRunsTheBotsJobs(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		b.importProspects(t, "ops", 1, 3)
		if _, err := b.proposer.Propose(context.Background(), "ops", 2); err != nil {
			t.Fatal(err)
		}
		bob := b.accountID(t, "bob")
		b.record(t, pacertype.EventPendingAlert, models.EventRefs{AccountID: &bob}, models.EventData{Account: "bob", Count: 505})

		// Slack's deliveries are worked by the integrations' delivery
		// worker, with the bot as its Deliverer, as in `pacer serve`.
		deliveries, err := delivery.New(b.cfg, b.store, delivery.Options{Slack: b.bot})
		if err != nil {
			t.Fatal(err)
		}
		workers := river.NewWorkers()
		river.AddWorker(workers, deliveries.DeliveryWorker())
		river.AddWorker(workers, b.bot.ProgressWorker())
		river.AddWorker(workers, b.bot.DigestWorker())
		river.AddWorker(workers, b.bot.WeeklyDigestWorker())
		river.AddWorker(workers, b.bot.PostProposalsWorker())
		client, err := b.store.NewJobClient(&river.Config{
			Workers: workers, PeriodicJobs: b.bot.PeriodicJobs(), Queues: b.bot.Queues(),
			FetchPollInterval: 50 * time.Millisecond, FetchCooldown: 10 * time.Millisecond, TestOnly: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := client.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = client.Stop(ctx)
		})
		waitFor(t, 20*time.Second, "the alert and the proposal to be posted", func() bool {
			var posted, alert bool
			for _, c := range b.slack.recorded("chat.postMessage") {
				if c.Form.Get("channel") == opsChannel && strings.Contains(c.text(), "505 pending invitations") {
					alert = true
				}
				if c.Form.Get("channel") == opsChannel && strings.Contains(c.text(), "Proposal #") {
					posted = true
				}
			}
			return alert && posted
		})
	})
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDigestCountsTheIntegrationsDeadLetters: with Options.DeadLetters (the
// integrations' record), the digest counts what it says.
func TestDigestCountsTheIntegrationsDeadLetters(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		b.bot.deadLetterCount = func(context.Context) (int, error) { return 7, nil }
		v, err := b.bot.digestView(context.Background(), []string{"anna"})
		if err != nil {
			t.Fatal(err)
		}
		if v.DeadLetters != 7 {
			t.Errorf("dead letters = %d, want 7", v.DeadLetters)
		}
		b.bot.deadLetterCount = func(context.Context) (int, error) { return 0, nil }
		v, _ = b.bot.digestView(context.Background(), []string{"anna"})
		if s := jsonString(b.bot.renderer().digest(v).Blocks); strings.Contains(s, "CRM sync failures") {
			t.Errorf("a digest without failures mentions them:\n%s", s)
		}
	})
}
