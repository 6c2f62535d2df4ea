package main

import (
	"context"
	"encoding/csv"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
	"github.com/pacerhq/pacer/quota"
)

// openConfigured opens the database a pacer process used, with the
// configuration file it read and its environment, synced as serve syncs it.
func openConfigured(t *testing.T, path string, env []string) (*config.Config, *models.Store) {
	t.Helper()
	lookup := func(key string) (string, bool) {
		for _, kv := range env {
			if k, v, _ := strings.Cut(kv, "="); k == key {
				return v, true
			}
		}
		return "", false
	}
	cfg, err := config.Load(path, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	s, err := models.Open(context.Background(), cfg, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.SyncConfig(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	return cfg, s
}

func TestAuditExportCommand(t *testing.T) {
	for name, database := range databases(t) {
		t.Run(name, func(t *testing.T) {
			env := database(t)
			dir := t.TempDir()
			path := writeConfig(t, dir, "timezone: Europe/Berlin\n"+campaignConfig)
			if res := runPacer(t, dir, env, "--config", path, "migrate"); res.Code != 0 {
				t.Fatalf("migrate: exit %d: %s", res.Code, res.Stderr)
			}
			cfg, s := openConfigured(t, path, env)
			ctx := context.Background()
			now := time.Date(2026, 5, 31, 21, 30, 0, 0, time.UTC) // 23:30 in Berlin, the day before
			clock := func() time.Time { return now }
			engine := quota.New(s, cfg, quota.Options{Now: clock})
			p := campaign.New(s, cfg, campaign.FromQuota(engine), campaign.Options{Now: clock})
			var anna int64
			s.DB.Model(&models.Account{}).Where("name = ?", "anna").Pluck("id", &anna)
			step := func(at time.Time, do func() error) {
				t.Helper()
				now = at
				if err := do(); err != nil {
					t.Fatal(err)
				}
			}

			step(now, func() error { return engine.Pause(ctx, anna, "U0", "") })
			resumed := time.Date(2026, 5, 31, 22, 30, 0, 0, time.UTC) // 00:30 in Berlin
			step(resumed, func() error { return engine.Resume(ctx, anna, "U1") })
			monday := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			csvText := "profile_url,first_name\nhttps://www.linkedin.com/in/ada,Ada\nhttps://www.linkedin.com/in/alan,Alan\n"
			var bt *campaign.Batch
			step(monday, func() error {
				if _, err := campaign.Import(ctx, s, "cto", strings.NewReader(csvText), campaign.ImportOptions{Now: clock}); err != nil {
					return err
				}
				var err error
				bt, err = p.Propose(ctx, "cto", 0)
				return err
			})
			const note = `Hi Ada, your "engines" talk, and its notes, were great.`
			step(monday.Add(time.Minute), func() error { _, err := p.EditNote(ctx, bt.Items[0].ID, 1, "U2", note); return err })
			approved := monday.Add(2 * time.Minute)
			step(approved, func() error { _, err := p.Approve(ctx, bt.Proposal.ID, 2, "U1"); return err })
			sent := monday.Add(time.Hour)
			if err := s.DB.Model(&models.Action{}).Where("proposal_item_id = ?", bt.Items[0].ID).
				Updates(map[string]any{"state": models.ActionDone, "outcome": string(pacertype.OutcomeDone), "finished_at": sent}).Error; err != nil {
				t.Fatal(err)
			}

			res := runPacer(t, dir, env, "--config", path, "audit", "export", "--since", "2026-06-01")
			if res.Code != 0 {
				t.Fatalf("audit export: exit %d: %s", res.Code, res.Stderr)
			}
			records, err := csv.NewReader(strings.NewReader(res.Stdout)).ReadAll()
			if err != nil {
				t.Fatalf("the export is not CSV: %v\n%s", err, res.Stdout)
			}
			if got, want := strings.Join(records[0], ","), strings.Join(campaign.AuditColumns, ","); got != want {
				t.Errorf("header: got %s, want %s", got, want)
			}
			col := func(rec []string, name string) string {
				for i, c := range campaign.AuditColumns {
					if c == name {
						return rec[i]
					}
				}
				t.Fatalf("no column %s", name)
				return ""
			}
			var kinds []string
			for _, rec := range records[1:] {
				kinds = append(kinds, col(rec, "user")+" "+col(rec, "kind"))
			}
			// From midnight in Berlin: the resume at 00:30 is in, the pause at 23:30 the day before is not.
			if got, want := strings.Join(kinds, ", "), "U1 resume, U2 edit, U1 approve, U1 approve_item, U1 approve_item"; got != want {
				t.Fatalf("decisions: got %s, want %s\n%s", got, want, res.Stdout)
			}
			ada := records[4]
			if col(ada, "approved_text") != note || col(ada, "sent_note") != note || col(ada, "prospect") != "Ada" ||
				col(ada, "profile_url") != "https://www.linkedin.com/in/ada/" || col(ada, "sent_at") != "2026-06-01T10:00:00Z" ||
				col(ada, "at") != "2026-06-01T09:02:00Z" || col(ada, "campaign") != "cto" || col(ada, "account") != "anna" {
				t.Errorf("Ada's approval: got %q", ada)
			}
			if alan := records[5]; col(alan, "approved_text") != "Hi Alan" || col(alan, "action_state") != models.ActionScheduled || col(alan, "sent_at") != "" {
				t.Errorf("Alan's approval: got %q", alan)
			}

			asJSON := runPacer(t, dir, env, "--config", path, "audit", "export", "--since", "2026-06-01T09:02:00Z", "--format", "json")
			var out struct {
				Decisions []campaign.AuditRow `json:"decisions"`
			}
			lastJSON(t, asJSON.Stdout, &out)
			if asJSON.Code != 0 || len(out.Decisions) != 3 || out.Decisions[1].ApprovedText != note ||
				out.Decisions[1].SentAt == nil || !out.Decisions[1].SentAt.Equal(sent) || !out.Decisions[0].At.Equal(approved) {
				t.Errorf("audit export --format json: exit %d, %+v\n%s", asJSON.Code, out.Decisions, asJSON.Stderr)
			}
		})
	}
}

func TestAuditExportRefusesBadFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no date", nil, "--since is required: give the first day to export as YYYY-MM-DD"},
		{"not a date", []string{"--since", "yesterday"}, `--since "yesterday" is not a date: give YYYY-MM-DD (from midnight in UTC`},
		{"no such day", []string{"--since", "2026-02-30"}, `--since "2026-02-30" is not a date`},
		{"unknown format", []string{"--since", "2026-06-01", "--format", "xml"}, `--format "xml" is not a format of the export; use csv or json`},
		{"an argument", []string{"--since", "2026-06-01", "cto"}, `unknown command "cto"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			env := []string{"PACER_DATA_DIR=" + filepath.Join(dir, "data")}
			res := runPacer(t, dir, env, append([]string{"audit", "export"}, tt.args...)...)
			if res.Code != 1 || !strings.Contains(res.Stderr, tt.want) || res.Stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 saying %s", res.Code, res.Stdout, res.Stderr, tt.want)
			}
		})
	}
}
