package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/integrations/delivery"
	"github.com/pacerhq/pacer/integrations/hubspot"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspottest"
	"github.com/pacerhq/pacer/integrations/webhook/webhooktest"
	"github.com/pacerhq/pacer/models"
)

const (
	cmdTestSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	cmdPathSecret = "p4th-s3cret"
)

// webhookWorld is a migrated database and a configuration with one webhook
// endpoint, crm, in a fresh directory.
func webhookWorld(t *testing.T, env []string, url string, events string) (dir string, args func(...string) []string) {
	t.Helper()
	dir = t.TempDir()
	cfg := writeConfig(t, dir, `webhooks:
  - name: crm
    url: `+url+`
    secret: `+cmdTestSecret+`
    events: [`+events+`]
`)
	if res := runPacer(t, dir, env, "--config", cfg, "migrate"); res.code != 0 {
		t.Fatalf("migrate: exit %d: %s", res.code, res.stderr)
	}
	return dir, func(a ...string) []string { return append([]string{"--config", cfg}, a...) }
}

// openTestStore opens the database the process used, from its environment.
func openTestStore(t *testing.T, dir string, env []string, url string) *models.Store {
	t.Helper()
	cfg := &config.Config{Webhooks: []config.Webhook{{Name: "crm", URL: config.Secret(url), Secret: cmdTestSecret, Events: []string{"invite.accepted"}}}}
	opts := models.Options{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "DATABASE_URL":
			cfg.DatabaseURL = config.Secret(v)
		case "PACER_DATA_DIR":
			opts.SQLitePath = filepath.Join(v, "pacer.db")
		}
	}
	if opts.SQLitePath != "" && !filepath.IsAbs(opts.SQLitePath) {
		opts.SQLitePath = filepath.Join(dir, opts.SQLitePath)
	}
	s, err := models.Open(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestDeliveriesListAndRetryCommands(t *testing.T) {
	for name, database := range databases(t) {
		t.Run(name, func(t *testing.T) {
			env := database(t)
			const url = "http://127.0.0.1:9/hook/" + cmdPathSecret
			dir, args := webhookWorld(t, env, url, "invite.accepted")
			s := openTestStore(t, dir, env, url)
			var ev models.Event
			err := s.DB.Transaction(func(tx *gorm.DB) error {
				var err error
				ev, err = s.RecordEvent(context.Background(), tx, "invite.accepted", models.EventRefs{},
					models.EventData{Prospect: &models.EventProspect{Slug: "ada"}, Account: "anna", Campaign: "cto"})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			dl := delivery.DeadLetter{EventID: ev.ID, EventType: ev.Type, Destination: "webhook:crm", Attempts: 10,
				LastError: `webhook: endpoint "crm" (http://127.0.0.1:9/…): event ` + ev.ID + `: answered 500 Internal Server Error`,
				CreatedAt: time.Now(), UpdatedAt: time.Now()}
			if err := s.DB.Create(&dl).Error; err != nil {
				t.Fatal(err)
			}

			list := runPacer(t, dir, env, args("deliveries", "list")...)
			for _, want := range []string{"Dead letters: 1 waiting", "webhook:crm", ev.ID, "answered 500", "Queued deliveries:", "pacer deliveries retry"} {
				if list.code != 0 || !strings.Contains(list.stdout, want) {
					t.Errorf("deliveries list: exit %d, stdout %q, want it to contain %q", list.code, list.stdout, want)
				}
			}
			asJSON := runPacer(t, dir, env, args("deliveries", "list", "--json")...)
			var out struct {
				DeadLetters []delivery.DeadLetter `json:"dead_letters"`
				Backlog     []delivery.Backlog    `json:"backlog"`
			}
			lines := strings.Split(strings.TrimSpace(asJSON.stdout), "\n")
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &out); err != nil || len(out.DeadLetters) != 1 ||
				len(out.Backlog) != 1 || out.Backlog[0].Destination != "webhook:crm" || out.Backlog[0].Pending != 1 {
				t.Errorf("deliveries list --json: %v, %s", err, asJSON.stdout)
			}

			if res := runPacer(t, dir, env, args("deliveries", "retry")...); res.code != 1 || !strings.Contains(res.stderr, "--all") {
				t.Errorf("retry without IDs: exit %d, stderr %q", res.code, res.stderr)
			}
			if res := runPacer(t, dir, env, args("deliveries", "retry", "999")...); res.code != 1 || !strings.Contains(res.stderr, "no open dead letter with id 999") {
				t.Errorf("retry 999: exit %d, stderr %q", res.code, res.stderr)
			}
			retry := runPacer(t, dir, env, args("deliveries", "retry", "--all")...)
			if retry.code != 0 || !strings.Contains(retry.stdout, "Sent again: #1") || !strings.Contains(retry.stdout, "1 delivery queued") {
				t.Errorf("retry --all: exit %d, stdout %q, stderr %q", retry.code, retry.stdout, retry.stderr)
			}
			var jobs int64
			s.DB.Table("river_job").Where("kind = ?", "delivery").Count(&jobs)
			if jobs != 2 {
				t.Errorf("delivery jobs: %d, want the event's and the retry's", jobs)
			}
			if again := runPacer(t, dir, env, args("deliveries", "retry", "--all")...); again.code != 0 || !strings.Contains(again.stdout, "No dead letters to send again") {
				t.Errorf("retry --all again: exit %d, stdout %q", again.code, again.stdout)
			}
			for _, r := range []pacerResult{list, asJSON, retry} {
				if strings.Contains(r.stdout+r.stderr, cmdPathSecret) {
					t.Errorf("the output shows the endpoint's secret path: %s", r.stdout+r.stderr)
				}
			}
		})
	}
}

func TestWebhooksTestCommand(t *testing.T) {
	for name, database := range databases(t) {
		t.Run(name, func(t *testing.T) {
			env := database(t)
			r := webhooktest.New(cmdTestSecret)
			t.Cleanup(r.Close)
			dir, args := webhookWorld(t, env, r.URL+"/hook/"+cmdPathSecret, "email.found, invite.accepted")
			res := runPacer(t, dir, env, args("webhooks", "test", "--json")...)
			lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
			var out struct {
				Results []delivery.TestResult `json:"results"`
			}
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &out); err != nil || res.code != 0 || len(out.Results) != 1 || !out.Results[0].Delivered {
				t.Fatalf("webhooks test --json: exit %d, %v, stdout %q, stderr %q", res.code, err, res.stdout, res.stderr)
			}
			ds := r.Deliveries()
			if len(ds) != 1 || ds[0].Type != "email.found" || ds[0].ID != out.Results[0].EventID {
				t.Errorf("the receiver got %+v, want the email.found sample under %s", ds, out.Results[0].EventID)
			}
			typed := runPacer(t, dir, env, args("webhooks", "test", "--endpoint", "crm", "--type", "proposal.rejected")...)
			if typed.code != 0 || !strings.Contains(typed.stdout, "crm: delivered proposal.rejected") || !strings.Contains(typed.stdout, "answered 200") {
				t.Errorf("webhooks test --type: exit %d, stdout %q, stderr %q", typed.code, typed.stdout, typed.stderr)
			}
			if bad := runPacer(t, dir, env, args("webhooks", "test", "--endpoint", "nope")...); bad.code != 1 || !strings.Contains(bad.stderr, "[crm]") {
				t.Errorf("webhooks test --endpoint nope: exit %d, stderr %q", bad.code, bad.stderr)
			}
			r.SetStatus(410)
			gone := runPacer(t, dir, env, args("webhooks", "test", "--wait", "5s")...)
			if gone.code != 1 || !strings.Contains(gone.stdout, "410 Gone") || !strings.Contains(gone.stdout, "no more attempts") {
				t.Errorf("webhooks test to a 410: exit %d, stdout %q, stderr %q", gone.code, gone.stdout, gone.stderr)
			}
			for _, res := range []pacerResult{res, typed, gone} {
				if all := res.stdout + res.stderr; strings.Contains(all, cmdPathSecret) || strings.Contains(all, strings.TrimPrefix(cmdTestSecret, "whsec_")) {
					t.Errorf("the output shows a secret: %s", all)
				}
			}
			if list := runPacer(t, dir, env, args("webhooks", "list")...); list.code != 0 || !strings.Contains(list.stdout, "crm") ||
				!strings.Contains(list.stdout, "enabled") || strings.Contains(list.stdout, cmdPathSecret) {
				t.Errorf("webhooks list: exit %d, stdout %q", list.code, list.stdout)
			}
			if enable := runPacer(t, dir, env, args("webhooks", "enable", "crm")...); enable.code != 0 || !strings.Contains(enable.stdout, "not disabled") {
				t.Errorf("webhooks enable: exit %d, stdout %q, stderr %q", enable.code, enable.stdout, enable.stderr)
			}
		})
	}
}

func TestHubSpotSetupCommand(t *testing.T) {
	const token = "pat-na1-00000000-1111-2222-3333-444444444444"
	srv := hubspottest.New(hubspottest.Options{Token: token})
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	env := []string{"HUBSPOT_TOKEN=" + token, "HUBSPOT_API_URL=" + srv.URL, "PACER_DATA_DIR=" + filepath.Join(dir, "data")}
	first := runPacer(t, dir, env, "hubspot", "setup")
	if first.code != 0 || !strings.Contains(first.stdout, "Created the contact property "+hubspot.DefaultProfileURLProperty) {
		t.Fatalf("hubspot setup: exit %d, stdout %q, stderr %q", first.code, first.stdout, first.stderr)
	}
	if p, ok := srv.Property(hubspot.DefaultProfileURLProperty); !ok || !p.HasUniqueValue {
		t.Errorf("property %+v, %v: want it with unique values", p, ok)
	}
	again := runPacer(t, dir, env, "hubspot", "setup")
	if again.code != 0 || !strings.Contains(again.stdout, "nothing to do") {
		t.Errorf("hubspot setup again: exit %d, stdout %q", again.code, again.stdout)
	}
	noToken := runPacer(t, dir, []string{"HUBSPOT_API_URL=" + srv.URL}, "hubspot", "setup")
	if noToken.code != 1 || !strings.Contains(noToken.stderr, "HUBSPOT_TOKEN is required") {
		t.Errorf("hubspot setup without a token: exit %d, stderr %q", noToken.code, noToken.stderr)
	}
	for _, r := range []pacerResult{first, again, noToken} {
		if strings.Contains(r.stdout+r.stderr, token) {
			t.Errorf("the output shows the token")
		}
	}
}
