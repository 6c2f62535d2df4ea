package runner_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/executor/runner"
	"github.com/pacerhq/pacer/executor/session"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

func TestStoredSessionsAreUsedAndRefreshed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		key := []byte("0123456789abcdef0123456789abcdef")
		cfg := testConfig()
		cfg.SecretKey = config.Secret(base64.StdEncoding.EncodeToString(key))
		b := setup(t, s, setupOptions{cfg: cfg})
		sealed, err := session.Seal(key, session.LiAt("anna-stored-premium"))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SaveSession(b.ctx, b.accounts["anna"], sealed); err != nil {
			t.Fatal(err)
		}
		b.approve(t, "cto", person{"sess-one-more", "One", ""})
		b.approve(t, "ops", person{"sess-two-more", "Two", ""}) // bob has no session
		watch := newWatchSite(b.site)
		// LinkedIn refreshes anna's session while she acts.
		refreshed := []session.Cookie{{Name: "li_at", Value: "anna-stored-premium"}, {Name: "JSESSIONID", Value: "ajax:123"}}
		watch.cookies = func(account string) []session.Cookie { return refreshed }
		// Not on the simulator's terms: accounts act with their stored sessions only.
		opts := runner.Options{Logger: testLogger(), PollInterval: 200 * time.Millisecond, Backoff: 100 * time.Millisecond}
		r, err := runner.New(s, b.cfg, b.engine, watch, opts)
		if err != nil {
			t.Fatal(err)
		}
		runUntil(t, 60*time.Second, func() bool {
			return b.actionOf(t, "sess-one-more", models.ActionInvite).State == models.ActionDone && b.account(t, "bob").State == models.AccountNeedsHuman
		}, r)
		if invs := b.received()["sess-one-more"]; len(invs) != 1 || invs[0].Account != "anna-stored-premium" {
			t.Errorf("anna's invitation: %+v, want one sent with her stored session", invs)
		}
		stored, err := session.Open(key, b.account(t, "anna").SessionSealed)
		if err != nil {
			t.Fatal(err)
		}
		if c, ok := session.Find(stored, "JSESSIONID"); !ok || c.Value != "ajax:123" {
			t.Errorf("the refreshed session was not stored: %v", stored)
		}
		bob := b.account(t, "bob")
		if bob.StateReason != models.ReasonSessionRejected {
			t.Errorf("bob without a session: %s %q", bob.State, bob.StateReason)
		}
		var found bool
		for _, e := range b.events(t, "account.checkpoint") {
			d, _ := models.DecodeEventData(e)
			found = found || (d.Account == "bob" && d.Reason == "session_missing")
		}
		if !found {
			t.Error("no account.checkpoint for bob's missing session")
		}
		if n := len(b.received()["sess-two-more"]); n != 0 {
			t.Errorf("bob sent %d invitations without a session", n)
		}
	})
}

func TestAPausedCampaignWaits(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, setupOptions{})
		b.approve(t, "cto", person{"pause-one-more", "One", ""})
		if err := s.DB.Table("campaigns").Where("name = ?", "cto").Update("state", models.CampaignPaused).Error; err != nil {
			t.Fatal(err)
		}
		r := b.newRunner(t, nil, runner.Options{})
		start := time.Now()
		runUntil(t, 10*time.Second, func() bool { return time.Since(start) > 1500*time.Millisecond }, r)
		if n := len(b.sim.Received().Invitations); n != 0 {
			t.Fatalf("a paused campaign sent %d invitations", n)
		}
		if a := b.actionOf(t, "pause-one-more", models.ActionInvite); a.State != models.ActionScheduled || a.Attempts != 0 {
			t.Errorf("the paused campaign's action: %s, %d attempts", a.State, a.Attempts)
		}
		if err := s.DB.Table("campaigns").Where("name = ?", "cto").Update("state", models.CampaignActive).Error; err != nil {
			t.Fatal(err)
		}
		runUntil(t, 30*time.Second, b.allDone(t), r)
		if n := len(b.sim.Received().Invitations); n != 1 || !strings.HasPrefix(b.sim.Received().Invitations[0].Note, "Hi One") {
			t.Errorf("after resuming: %+v", b.sim.Received().Invitations)
		}
	})
}
