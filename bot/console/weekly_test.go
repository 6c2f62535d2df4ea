package console

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/pacerhq/pacer/bot"
	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/quota"
)

// The console shows no files: the real bot's weekly digest posts its text
// there and goes without its chart, without failing its job (the console
// answers files.getUploadURLExternal as an unknown method).
func TestWeeklyDigestInTheConsole(t *testing.T) {
	storetest.EachConfig(t, &config.Config{}, func(t *testing.T, s *models.Store) {
		b := setup(t, Options{})
		path := filepath.Join(t.TempDir(), "pacer.yml")
		yml := "timezone: UTC\naccounts:\n  - name: anna\n    plan: premium\n    timezone: UTC\n" +
			"campaigns:\n  - name: demo\n    account: anna\n    channel: C0DEMO\n    notes:\n      - {name: a, note: \"Hi {{first_name}}\"}\n      - {name: b, note: \"Hello {{first_name}}\"}\n"
		if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Load(path, func(string) (string, bool) { return "", false })
		if err != nil {
			t.Fatal(err)
		}
		// As serve wires the console (cmd/pacer openConsole).
		cfg.Slack.BotToken = config.Secret(b.ws.BotToken())
		cfg.Slack.SigningSecret = config.Secret(b.ws.SigningSecret())
		cfg.Slack.APIURL = APIURL
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if err := s.SyncConfig(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		engine := quota.New(s, cfg, quota.Options{Now: clock})
		var logs bytes.Buffer
		pacerBot, err := bot.New(ctx, cfg, s, bot.Options{
			Proposer:   bot.CampaignProposer(campaign.New(s, cfg, campaign.FromQuota(engine), campaign.Options{Now: clock})),
			Quota:      bot.QuotaEngine(engine),
			Logger:     slog.New(slog.NewTextHandler(&logs, nil)),
			Now:        clock,
			HTTPClient: b.ws.HTTPClient(),
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = pacerBot.Close(context.Background()) })

		// Two invitations sent yesterday, one per variant; a's accepted.
		csv := "profile_url,first_name\nhttps://www.linkedin.com/in/p-1/,Ada\nhttps://www.linkedin.com/in/p-2/,Grace\n"
		if _, err := campaign.Import(ctx, s, "demo", strings.NewReader(csv), campaign.ImportOptions{Now: clock}); err != nil {
			t.Fatal(err)
		}
		var c models.Campaign
		var a models.Account
		var prospects []models.Prospect
		s.DB.Where("name = ?", "demo").Take(&c)
		s.DB.Where("name = ?", "anna").Take(&a)
		s.DB.Order("id").Find(&prospects)
		sent := now.Add(-24 * time.Hour)
		for i, variant := range []string{"a", "b"} {
			if err := s.DB.Create(&models.Action{AccountID: a.ID, CampaignID: &c.ID, ProspectID: &prospects[i].ID, Kind: models.ActionInvite,
				Variant: variant, State: models.ActionDone, ScheduledAt: sent, FinishedAt: &sent, CreatedAt: sent, UpdatedAt: sent}).Error; err != nil {
				t.Fatal(err)
			}
		}
		accepted := sent.Add(time.Hour)
		s.DB.Model(&models.Prospect{}).Where("id = ?", prospects[0].ID).Updates(map[string]any{"state": models.ProspectConnected, "connected_at": accepted})

		job := &river.Job[bot.WeeklyDigestArgs]{Args: bot.WeeklyDigestArgs{Week: "2026-W23"}}
		if err := pacerBot.WeeklyDigestWorker().Work(ctx, job); err != nil {
			t.Fatalf("the weekly digest failed in the console: %v", err)
		}
		var digests []Message
		for _, m := range b.ws.state().Messages {
			if m.Channel == "C0DEMO" && strings.Contains(m.Text, "weekly digest of demo") {
				digests = append(digests, m)
			}
		}
		if len(digests) != 1 || !strings.Contains(string(digests[0].Blocks), "*a*: 1 sent · 1 accepted") {
			t.Fatalf("the console shows %d weekly digests, want 1 with a's figures: %+v", len(digests), b.ws.state().Messages)
		}
		if !strings.Contains(logs.String(), "goes without its chart") {
			t.Errorf("the skipped chart is not logged:\n%s", logs.String())
		}
	})
}
