package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/cmd/pacer/pacertest"
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
	if res := runPacer(t, dir, env, "--config", cfg, "migrate"); res.Code != 0 {
		t.Fatalf("migrate: exit %d: %s", res.Code, res.Stderr)
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
				if list.Code != 0 || !strings.Contains(list.Stdout, want) {
					t.Errorf("deliveries list: exit %d, stdout %q, want it to contain %q", list.Code, list.Stdout, want)
				}
			}
			asJSON := runPacer(t, dir, env, args("deliveries", "list", "--json")...)
			var out struct {
				DeadLetters []delivery.DeadLetter `json:"dead_letters"`
				Backlog     []delivery.Backlog    `json:"backlog"`
			}
			lines := strings.Split(strings.TrimSpace(asJSON.Stdout), "\n")
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &out); err != nil || len(out.DeadLetters) != 1 ||
				len(out.Backlog) != 1 || out.Backlog[0].Destination != "webhook:crm" || out.Backlog[0].Pending != 1 {
				t.Errorf("deliveries list --json: %v, %s", err, asJSON.Stdout)
			}

			if res := runPacer(t, dir, env, args("deliveries", "retry")...); res.Code != 1 || !strings.Contains(res.Stderr, "--all") {
				t.Errorf("retry without IDs: exit %d, stderr %q", res.Code, res.Stderr)
			}
			if res := runPacer(t, dir, env, args("deliveries", "retry", "999")...); res.Code != 1 || !strings.Contains(res.Stderr, "no open dead letter with id 999") {
				t.Errorf("retry 999: exit %d, stderr %q", res.Code, res.Stderr)
			}
			retry := runPacer(t, dir, env, args("deliveries", "retry", "--all")...)
			if retry.Code != 0 || !strings.Contains(retry.Stdout, "Sent again: #1") || !strings.Contains(retry.Stdout, "1 delivery queued") {
				t.Errorf("retry --all: exit %d, stdout %q, stderr %q", retry.Code, retry.Stdout, retry.Stderr)
			}
			var jobs int64
			s.DB.Table("river_job").Where("kind = ?", "delivery").Count(&jobs)
			if jobs != 2 {
				t.Errorf("delivery jobs: %d, want the event's and the retry's", jobs)
			}
			if again := runPacer(t, dir, env, args("deliveries", "retry", "--all")...); again.Code != 0 || !strings.Contains(again.Stdout, "No dead letters to send again") {
				t.Errorf("retry --all again: exit %d, stdout %q", again.Code, again.Stdout)
			}
			for _, r := range []pacertest.Result{list, asJSON, retry} {
				if strings.Contains(r.Stdout+r.Stderr, cmdPathSecret) {
					t.Errorf("the output shows the endpoint's secret path: %s", r.Stdout+r.Stderr)
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
			lines := strings.Split(strings.TrimSpace(res.Stdout), "\n")
			var out struct {
				Results []delivery.TestResult `json:"results"`
			}
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &out); err != nil || res.Code != 0 || len(out.Results) != 1 || !out.Results[0].Delivered {
				t.Fatalf("webhooks test --json: exit %d, %v, stdout %q, stderr %q", res.Code, err, res.Stdout, res.Stderr)
			}
			ds := r.Deliveries()
			if len(ds) != 1 || ds[0].Type != "email.found" || ds[0].ID != out.Results[0].EventID {
				t.Errorf("the receiver got %+v, want the email.found sample under %s", ds, out.Results[0].EventID)
			}
			typed := runPacer(t, dir, env, args("webhooks", "test", "--endpoint", "crm", "--type", "proposal.rejected")...)
			if typed.Code != 0 || !strings.Contains(typed.Stdout, "crm: delivered proposal.rejected") || !strings.Contains(typed.Stdout, "answered 200") {
				t.Errorf("webhooks test --type: exit %d, stdout %q, stderr %q", typed.Code, typed.Stdout, typed.Stderr)
			}
			if bad := runPacer(t, dir, env, args("webhooks", "test", "--endpoint", "nope")...); bad.Code != 1 || !strings.Contains(bad.Stderr, "[crm]") {
				t.Errorf("webhooks test --endpoint nope: exit %d, stderr %q", bad.Code, bad.Stderr)
			}
			r.SetStatus(410)
			gone := runPacer(t, dir, env, args("webhooks", "test", "--wait", "5s")...)
			if gone.Code != 1 || !strings.Contains(gone.Stdout, "410 Gone") || !strings.Contains(gone.Stdout, "no more attempts") {
				t.Errorf("webhooks test to a 410: exit %d, stdout %q, stderr %q", gone.Code, gone.Stdout, gone.Stderr)
			}
			for _, res := range []pacertest.Result{res, typed, gone} {
				if all := res.Stdout + res.Stderr; strings.Contains(all, cmdPathSecret) || strings.Contains(all, strings.TrimPrefix(cmdTestSecret, "whsec_")) {
					t.Errorf("the output shows a secret: %s", all)
				}
			}
			if list := runPacer(t, dir, env, args("webhooks", "list")...); list.Code != 0 || !strings.Contains(list.Stdout, "crm") ||
				!strings.Contains(list.Stdout, "enabled") || strings.Contains(list.Stdout, cmdPathSecret) {
				t.Errorf("webhooks list: exit %d, stdout %q", list.Code, list.Stdout)
			}
			if enable := runPacer(t, dir, env, args("webhooks", "enable", "crm")...); enable.Code != 0 || !strings.Contains(enable.Stdout, "not disabled") {
				t.Errorf("webhooks enable: exit %d, stdout %q, stderr %q", enable.Code, enable.Stdout, enable.Stderr)
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
	if first.Code != 0 || !strings.Contains(first.Stdout, "Created the contact property "+hubspot.DefaultProfileURLProperty) {
		t.Fatalf("hubspot setup: exit %d, stdout %q, stderr %q", first.Code, first.Stdout, first.Stderr)
	}
	if p, ok := srv.Property(hubspot.DefaultProfileURLProperty); !ok || !p.HasUniqueValue {
		t.Errorf("property %+v, %v: want it with unique values", p, ok)
	}
	again := runPacer(t, dir, env, "hubspot", "setup")
	if again.Code != 0 || !strings.Contains(again.Stdout, "nothing to do") {
		t.Errorf("hubspot setup again: exit %d, stdout %q", again.Code, again.Stdout)
	}
	noToken := runPacer(t, dir, []string{"HUBSPOT_API_URL=" + srv.URL}, "hubspot", "setup")
	if noToken.Code != 1 || !strings.Contains(noToken.Stderr, "HUBSPOT_TOKEN is required") {
		t.Errorf("hubspot setup without a token: exit %d, stderr %q", noToken.Code, noToken.Stderr)
	}
	for _, r := range []pacertest.Result{first, again, noToken} {
		if strings.Contains(r.Stdout+r.Stderr, token) {
			t.Errorf("the output shows the token")
		}
	}
}
