package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/models"
)

const variantsConfig = `accounts:
  - {name: anna, plan: premium, timezone: Europe/Berlin}
campaigns:
  - name: cto
    account: anna
    channel: C0123CAMPAIGN
    notes:
      - {name: short, note: "Hi {{first_name|there}}"}
      - {name: none, note: ""}
`

// TestCampaignStatsCommand: the table and the JSON say what the ledger
// holds, per variant and per sender, and whether the lead is clear; an
// unknown campaign is named in the error.
func TestCampaignStatsCommand(t *testing.T) {
	for name, database := range databases(t) {
		t.Run(name, func(t *testing.T) {
			env := database(t)
			dir := t.TempDir()
			path := writeConfig(t, dir, variantsConfig)
			if res := runPacer(t, dir, env, "--config", path, "migrate"); res.Code != 0 {
				t.Fatalf("migrate: exit %d: %s", res.Code, res.Stderr)
			}
			_, s := openConfigured(t, path, env)
			seedVariantLedger(t, s, map[string][2]int{"short": {10, 6}, "none": {10, 1}})

			res := runPacer(t, dir, env, "--config", path, "campaign", "stats", "cto")
			if res.Code != 0 {
				t.Fatalf("campaign stats: exit %d: %s", res.Code, res.Stderr)
			}
			for _, want := range []string{
				"VARIANT  SENT  ACCEPTED  RATE   95% INTERVAL  MEDIAN TO ACCEPT",
				"short    10    6         60.0%  31.3%–83.2%   5h",
				"none     10    1         10.0%  1.8%–40.4%    5h",
				"anna    20    7         35.0%",
				"short leads none by 50.0 points",
				"the lead is clear",
			} {
				if !strings.Contains(res.Stdout, want) {
					t.Errorf("campaign stats does not say %q:\n%s", want, res.Stdout)
				}
			}

			res = runPacer(t, dir, env, "--config", path, "campaign", "stats", "cto", "--json")
			var st campaign.CampaignStats
			if err := json.Unmarshal([]byte(res.Stdout), &st); err != nil || res.Code != 0 {
				t.Fatalf("campaign stats --json: exit %d, %v: %s%s", res.Code, err, res.Stdout, res.Stderr)
			}
			if len(st.Variants) != 2 || st.Variants[1].Name != "short" || st.Variants[1].Accepted != 6 || st.Lead == nil || !st.Lead.Clear {
				t.Errorf("campaign stats --json: %+v", st)
			}

			res = runPacer(t, dir, env, "--config", path, "campaign", "stats", "nope")
			if res.Code == 0 || !strings.Contains(res.Stderr, `no such campaign: "nope"`) || !strings.Contains(res.Stderr, "configuration file") {
				t.Errorf("campaign stats nope: exit %d, stderr %q; want an error naming the campaign and where campaigns are declared", res.Code, res.Stderr)
			}
		})
	}
}

// seedVariantLedger imports a prospect per invitation into cto and writes
// the invitations sent two days ago, per variant {sent, accepted}, each
// acceptance five hours after its invitation.
func seedVariantLedger(t *testing.T, s *models.Store, arms map[string][2]int) {
	t.Helper()
	ctx := context.Background()
	var csvText strings.Builder
	csvText.WriteString("profile_url,first_name\n")
	total := 0
	for _, a := range arms {
		total += a[0]
	}
	for i := range total {
		csvText.WriteString("https://www.linkedin.com/in/p" + strings.Repeat("x", i+1) + ",P\n")
	}
	if _, err := campaign.Import(ctx, s, "cto", strings.NewReader(csvText.String()), campaign.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	var c models.Campaign
	var prospects []models.Prospect
	if err := s.DB.Where("name = ?", "cto").Take(&c).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.DB.Order("id").Find(&prospects).Error; err != nil {
		t.Fatal(err)
	}
	sent := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Second)
	i := 0
	for variant, a := range arms {
		for k := range a[0] {
			p := prospects[i]
			i++
			act := models.Action{AccountID: c.AccountID, CampaignID: &c.ID, ProspectID: &p.ID, Kind: models.ActionInvite, Variant: variant,
				State: models.ActionDone, ScheduledAt: sent, FinishedAt: &sent, CreatedAt: sent, UpdatedAt: sent}
			if err := s.DB.Create(&act).Error; err != nil {
				t.Fatal(err)
			}
			if k < a[1] {
				if err := s.DB.Model(&p).Updates(map[string]any{"state": models.ProspectConnected, "connected_at": sent.Add(5 * time.Hour)}).Error; err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}
