package runner_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/executor/runner"
	"github.com/pacerhq/pacer/executor/sim"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/quota"
)

// scan queues a scan of target and runs until nothing is due.
func (b *bundle) scan(t *testing.T, r *runner.Runner, target string) {
	t.Helper()
	if _, err := r.QueueScans(context.Background(), target); err != nil {
		t.Fatal(err)
	}
	runUntil(t, 60*time.Second, b.allDone(t), r)
}

func TestAcceptanceScanAndEmailReadingRecordOnceEvenWhenRunTwice(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		cfg := testConfig()
		cfg.Campaigns[0].FindEmail = "contact_info"
		b := setup(t, s, setupOptions{cfg: cfg})
		b.approve(t, "cto", person{"acc-yes-more", "Yes", ""}, person{"acc-not-yet-more", "Not", ""})
		r := b.newRunner(t, nil, runner.Options{})
		runUntil(t, 60*time.Second, b.allDone(t), r)
		if n := b.sim.Accept(b.liAt("anna"), "acc-yes-more"); n != 1 {
			t.Fatalf("the simulator accepted %d", n)
		}

		for run := 1; run <= 2; run++ {
			b.scan(t, r, runner.TargetConnections)
			accepted := b.events(t, "invite.accepted")
			if len(accepted) != 1 {
				t.Fatalf("run %d: %d invite.accepted events, want 1", run, len(accepted))
			}
			d, _ := models.DecodeEventData(accepted[0])
			if d.Prospect == nil || d.Prospect.Slug != "acc-yes-more" || d.Campaign != "cto" || d.SentAt == nil {
				t.Errorf("invite.accepted data: %+v", d)
			}
			found := b.events(t, "email.found")
			if len(found) != 1 {
				t.Fatalf("run %d: %d email.found events, want 1", run, len(found))
			}
			d, _ = models.DecodeEventData(found[0])
			p := b.prospect(t, "acc-yes-more")
			if d.Source != "contact_info" || d.Prospect == nil || d.Prospect.Email == "" || d.Prospect.Email != p.Email {
				t.Errorf("email.found data %+v, prospect email %q", d, p.Email)
			}
			if p.State != models.ProspectConnected || p.ConnectedAt == nil {
				t.Errorf("the accepted prospect: %s %v", p.State, p.ConnectedAt)
			}
			if other := b.prospect(t, "acc-not-yet-more"); other.State != models.ProspectPending {
				t.Errorf("the prospect who did not accept: %s", other.State)
			}
		}
		// Reading the email again records nothing more.
		yes := b.prospect(t, "acc-yes-more")
		acct := b.accounts["anna"]
		cto := b.actionOf(t, "acc-yes-more", models.ActionInvite).CampaignID
		if err := s.DB.Create(&models.Action{AccountID: acct, CampaignID: cto, ProspectID: &yes.ID, Kind: models.ActionReadInfo,
			ScheduledAt: time.Now().UTC(), State: models.ActionScheduled}).Error; err != nil {
			t.Fatal(err)
		}
		runUntil(t, 60*time.Second, b.allDone(t), r)
		if n := len(b.events(t, "email.found")); n != 1 {
			t.Errorf("%d email.found events after a second read, want 1", n)
		}
		reads := 0
		for _, a := range b.actions(t, acct) {
			if a.Kind == models.ActionReadInfo && a.State == models.ActionDone {
				reads++
			}
		}
		if reads != 2 {
			t.Errorf("%d contact-info reads done, want 2", reads)
		}
		if n := b.ledger(t, acct, quota.KindReadEmail, models.QuotaUsed); n != 2 {
			t.Errorf("%d read_email entries used, want 2 (each read is a profile view)", n)
		}
		if a := b.account(t, "anna"); a.Connections != 1 || a.PendingInvites != 1 {
			t.Errorf("anna: %d connections, %d pending; want 1 and 1", a.Connections, a.PendingInvites)
		}
	})
}

func TestStaleInvitationsAreWithdrawnOnceNeverWithAnUnknownAge(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, setupOptions{})
		// Invitations sent before Pacer's time: two old (one whose age the
		// page does not tell), one recent.
		slugs := map[string]time.Duration{"old-one-more": 22 * 24 * time.Hour, "old-odd-noage-more": 40 * 24 * time.Hour, "young-one-more": 3 * 24 * time.Hour}
		var csv strings.Builder
		csv.WriteString("profile_url,first_name\n")
		for slug, age := range slugs {
			b.sim.Seed(b.liAt("anna"), slug, "", age)
			csv.WriteString("https://www.linkedin.com/in/" + slug + "/,X\n")
		}
		if _, err := campaign.Import(b.ctx, s, "cto", strings.NewReader(csv.String()), campaign.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := s.DB.Table("prospects").Where("1 = 1").Updates(map[string]any{"state": models.ProspectPending, "invited_at": time.Now().UTC().Add(-22 * 24 * time.Hour)}).Error; err != nil {
			t.Fatal(err)
		}
		// A done invitation of anna's, so that the sweep considers anna.
		old := b.prospect(t, "old-one-more")
		cto := int64(0)
		s.DB.Table("campaigns").Where("name = ?", "cto").Pluck("id", &cto)
		finished := time.Now().UTC().Add(-22 * 24 * time.Hour)
		if err := s.DB.Create(&models.Action{AccountID: b.accounts["anna"], CampaignID: &cto, ProspectID: &old.ID, Kind: models.ActionInvite,
			ScheduledAt: finished, State: models.ActionDone, Outcome: "done", FinishedAt: &finished}).Error; err != nil {
			t.Fatal(err)
		}

		r := b.newRunner(t, nil, runner.Options{})
		for run := 1; run <= 2; run++ {
			b.scan(t, r, runner.TargetSent)
			w := b.sim.Received().Withdrawals
			if len(w) != 1 || w[0].Slug != "old-one-more" {
				t.Fatalf("run %d: withdrawals %+v, want old-one-more only", run, w)
			}
			ev := b.events(t, "invite.withdrawn")
			if len(ev) != 1 {
				t.Fatalf("run %d: %d invite.withdrawn events, want 1", run, len(ev))
			}
			d, _ := models.DecodeEventData(ev[0])
			if d.Reason != "stale" || d.Prospect == nil || d.Prospect.Slug != "old-one-more" || d.SentAt == nil || d.Campaign != "cto" {
				t.Errorf("invite.withdrawn data: %+v", d)
			}
		}
		p := b.prospect(t, "old-one-more")
		if p.State != models.ProspectWithdrawn || p.WithdrawnAt == nil {
			t.Errorf("the withdrawn prospect: %s %v", p.State, p.WithdrawnAt)
		}
		for _, slug := range []string{"old-odd-noage-more", "young-one-more"} {
			if p := b.prospect(t, slug); p.State != models.ProspectPending {
				t.Errorf("%s: %s, want still pending", slug, p.State)
			}
		}
		var le *quota.LimitError
		if err := b.engine.CanInvite(b.ctx, p.ID); !errors.As(err, &le) || le.Limit != quota.LimitReinvite {
			t.Errorf("CanInvite after the withdrawal: %v, want the 21-day block", err)
		}
		if a := b.account(t, "anna"); a.PendingInvites != 2 {
			t.Errorf("anna has %d pending invitations, want 2", a.PendingInvites)
		}
		if n := b.ledger(t, b.accounts["anna"], quota.KindWithdraw, models.QuotaUsed); n != 1 {
			t.Errorf("%d withdraw entries used, want 1", n)
		}
	})
}

// sentByPacer records that Pacer sent anna's invitation to the imported
// prospect slug age ago (as the runner records it): a done invitation of
// campaign cto, and the prospect pending since.
func (b *bundle) sentByPacer(t *testing.T, slug string, age time.Duration) {
	t.Helper()
	cto := int64(0)
	b.store.DB.Table("campaigns").Where("name = ?", "cto").Pluck("id", &cto)
	p := b.prospect(t, slug)
	finished := time.Now().UTC().Add(-age)
	if err := b.store.DB.Create(&models.Action{AccountID: b.accounts["anna"], CampaignID: &cto, ProspectID: &p.ID, Kind: models.ActionInvite,
		ScheduledAt: finished, State: models.ActionDone, Outcome: "done", FinishedAt: &finished}).Error; err != nil {
		t.Fatal(err)
	}
	if err := b.store.DB.Table("prospects").Where("id = ?", p.ID).
		Updates(map[string]any{"state": models.ProspectPending, "invited_at": finished}).Error; err != nil {
		t.Fatal(err)
	}
}

func TestStaleInvitationsBeyondTheFirstPageAreWithdrawn(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		// LinkedIn lists the newest invitation alone on the first page.
		b := setup(t, s, setupOptions{sim: sim.Options{SentPageSize: 1}})
		day := 24 * time.Hour
		// When Pacer sent each invitation; Rob was invited 40 days ago,
		// withdrawn, and invited again 2 days ago.
		sent := map[string][]time.Duration{
			"aged-ann-more": {25 * day}, "aged-bea-more": {23 * day}, "fresh-fay-more": {day}, "rob-again-more": {40 * day, 2 * day},
		}
		var csv strings.Builder
		csv.WriteString("profile_url,first_name\n")
		for slug, ages := range sent {
			b.sim.Seed(b.liAt("anna"), slug, "", ages[len(ages)-1])
			csv.WriteString("https://www.linkedin.com/in/" + slug + "/,X\n")
		}
		if _, err := campaign.Import(b.ctx, s, "cto", strings.NewReader(csv.String()), campaign.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		for slug, ages := range sent {
			for _, age := range ages {
				b.sentByPacer(t, slug, age)
			}
		}

		// And one the account's owner sent by hand, which Pacer does not know.
		b.sim.Seed(b.liAt("anna"), "manual-max-more", "", 5*day)

		r := b.newRunner(t, nil, runner.Options{})
		b.scan(t, r, runner.TargetSent)
		if a := b.account(t, "anna"); a.PendingInvites != 3 {
			t.Errorf("anna has %d pending invitations, want 3: the page's count of 5, less the 2 withdrawn", a.PendingInvites)
		}
		var got []string
		for _, w := range b.sim.Received().Withdrawals {
			got = append(got, w.Slug)
		}
		slices.Sort(got)
		if want := []string{"aged-ann-more", "aged-bea-more"}; !slices.Equal(got, want) {
			t.Errorf("withdrawn %v, want %v: the invitations Pacer sent 21 days ago or more, listed or not", got, want)
		}
		for slug, want := range map[string]string{"aged-ann-more": models.ProspectWithdrawn, "aged-bea-more": models.ProspectWithdrawn,
			"fresh-fay-more": models.ProspectPending, "rob-again-more": models.ProspectPending} {
			if p := b.prospect(t, slug); p.State != want {
				t.Errorf("%s is %s, want %s", slug, p.State, want)
			}
		}
	})
}

func TestAnAcceptanceTheScansMissedIsRecordedWhenItsWithdrawalFindsIt(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, setupOptions{})
		// Pacer invited Lia 22 days ago; she accepted, but no scan of the
		// recent connections saw it (it was beyond their first page).
		b.sim.Seed(b.liAt("anna"), "late-lia-more", "", 22*24*time.Hour)
		if _, err := campaign.Import(b.ctx, s, "cto", strings.NewReader("profile_url,first_name\nhttps://www.linkedin.com/in/late-lia-more/,Lia\n"), campaign.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		b.sentByPacer(t, "late-lia-more", 22*24*time.Hour)
		if n := b.sim.Accept(b.liAt("anna"), "late-lia-more"); n != 1 {
			t.Fatalf("the simulator accepted %d invitations, want 1", n)
		}

		r := b.newRunner(t, nil, runner.Options{})
		b.scan(t, r, runner.TargetSent)
		if w := b.sim.Received().Withdrawals; len(w) != 0 {
			t.Errorf("withdrawals %+v, want none: the invitation was accepted", w)
		}
		if p := b.prospect(t, "late-lia-more"); p.State != models.ProspectConnected {
			t.Errorf("Lia is %s, want connected", p.State)
		}
		ev := b.events(t, "invite.accepted")
		if len(ev) != 1 {
			t.Fatalf("%d invite.accepted events, want 1", len(ev))
		}
		if d, _ := models.DecodeEventData(ev[0]); d.Prospect == nil || d.Prospect.Slug != "late-lia-more" || d.Campaign != "cto" || d.SentAt == nil {
			t.Errorf("invite.accepted data: %+v", d)
		}
		if a := b.actionOf(t, "late-lia-more", models.ActionWithdraw); a.State != models.ActionSkipped || !strings.Contains(a.Reason, "accepted") {
			t.Errorf("the withdrawal: %s (%q), want skipped: they accepted", a.State, a.Reason)
		}
		// A second sweep finds nothing left to do.
		b.scan(t, r, runner.TargetSent)
		if n := len(b.events(t, "invite.accepted")); n != 1 {
			t.Errorf("%d invite.accepted events after a second sweep, want 1", n)
		}
	})
}

func TestAKindWaitingForItsSlotDoesNotHoldBackTheOthers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, setupOptions{})
		anna := b.accounts["anna"]
		b.approve(t, "cto", person{"day-one-more", "One", ""})
		r := b.newRunner(t, nil, runner.Options{})
		runUntil(t, 60*time.Second, b.allDone(t), r)
		// Today's invitations are used up: the next waits for tomorrow.
		now := time.Now().UTC()
		rows := make([]models.QuotaEntry, 39)
		for i := range rows {
			rows[i] = models.QuotaEntry{AccountID: anna, Kind: quota.KindInvite, At: now, State: models.QuotaUsed, ExpiresAt: now, CreatedAt: now}
		}
		if err := s.DB.Create(&rows).Error; err != nil {
			t.Fatal(err)
		}
		b.approve(t, "cto", person{"day-two-more", "Two", ""})

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		time.Sleep(time.Second) // the invitation is looked at, and waits
		if _, err := r.QueueScans(ctx, runner.TargetConnections); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			var scans int64
			s.DB.Model(&models.Action{}).Where("kind = ? AND state = ?", models.ActionScan, models.ActionDone).Count(&scans)
			if scans == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the scan waited behind an invitation held for tomorrow")
			}
			time.Sleep(100 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if a := b.actionOf(t, "day-two-more", models.ActionInvite); a.State != models.ActionScheduled || a.Attempts != 0 {
			t.Errorf("the invitation over today's limit: %s after %d attempts", a.State, a.Attempts)
		}
		if n := len(b.sim.Received().Invitations); n != 1 {
			t.Errorf("%d invitations received, want 1", n)
		}
	})
}

// TestPendingCountWhenTheSentScanSeesAnAcceptanceFirst: an invitation
// accepted before a scan of the sent invitations is gone from that page
// before the acceptance scan records it. The pending count must lose it
// once, when the acceptance is recorded, not a second time.
func TestPendingCountWhenTheSentScanSeesAnAcceptanceFirst(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, setupOptions{})
		b.approve(t, "cto", person{"pc-one-more", "One", ""}, person{"pc-two-more", "Two", ""}, person{"pc-three-more", "Three", ""})
		r := b.newRunner(t, nil, runner.Options{})
		runUntil(t, 60*time.Second, b.allDone(t), r)
		if a := b.account(t, "anna"); a.PendingInvites != 3 {
			t.Fatalf("after three invitations: %d pending, want 3", a.PendingInvites)
		}
		if n := b.sim.Accept(b.liAt("anna"), "pc-two-more"); n != 1 {
			t.Fatalf("the simulator accepted %d", n)
		}
		b.scan(t, r, runner.TargetSent)
		if a := b.account(t, "anna"); a.PendingInvites != 3 {
			t.Errorf("after the sent scan: %d pending, want 3 (the acceptance is not recorded yet)", a.PendingInvites)
		}
		b.scan(t, r, runner.TargetConnections)
		if a := b.account(t, "anna"); a.PendingInvites != 2 || a.Connections != 1 {
			t.Errorf("after the acceptance scan: %d pending, %d connections; want 2 and 1", a.PendingInvites, a.Connections)
		}
		b.scan(t, r, runner.TargetSent)
		if a := b.account(t, "anna"); a.PendingInvites != 2 {
			t.Errorf("after another sent scan: %d pending, want 2", a.PendingInvites)
		}
	})
}
