package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pacerhq/pacer/cmd/pacer/pacertest"
	"github.com/pacerhq/pacer/models/storetest"
)

// databases gives each process test its database settings: the embedded
// SQLite in a fresh data dir, and an empty Postgres database.
func databases(t *testing.T) map[string]func(t *testing.T) []string {
	return map[string]func(t *testing.T) []string{
		"sqlite": func(t *testing.T) []string { return []string{"PACER_DATA_DIR=" + filepath.Join(t.TempDir(), "data")} },
		"postgres": func(t *testing.T) []string {
			return []string{"DATABASE_URL=" + storetest.EmptyPostgresDatabase(t)}
		},
	}
}

func TestMigrateTwice(t *testing.T) {
	for name, env := range databases(t) {
		t.Run(name, func(t *testing.T) {
			e := env(t)
			first := runPacer(t, t.TempDir(), e, "migrate")
			if first.Code != 0 || !strings.Contains(first.Stdout, "Applied") || !strings.Contains(first.Stdout, "pacer 1") {
				t.Fatalf("first migrate: exit %d, stdout %q, stderr %q", first.Code, first.Stdout, first.Stderr)
			}
			second := runPacer(t, t.TempDir(), e, "migrate")
			if second.Code != 0 || !strings.Contains(second.Stdout, "nothing to apply") {
				t.Fatalf("second migrate: exit %d, stdout %q, stderr %q", second.Code, second.Stdout, second.Stderr)
			}
		})
	}
}

func TestServeAnswersAndStopsOnSIGTERM(t *testing.T) {
	for name, env := range databases(t) {
		t.Run(name, func(t *testing.T) {
			addr := pacertest.FreeAddr(t)
			cmd := exec.Command(pacerBin, "serve")
			cmd.Dir = t.TempDir()
			// serve needs Slack's credentials (HTTP mode here; the team is
			// given, so nothing calls Slack).
			cmd.Env = append(append(pacertest.Env(), env(t)...), "PACER_HTTP_ADDR="+addr,
				"SLACK_BOT_TOKEN=xoxb-test", "SLACK_SIGNING_SECRET=test-signing-secret", "SLACK_TEAM_ID=T0TEST")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill() //nolint:errcheck
			waitHTTP(t, "http://"+addr+"/healthz", 30*time.Second)
			for path, want := range map[string]string{"/readyz": `"ready"`, "/metrics": "go_goroutines"} {
				resp, err := http.Get("http://" + addr + path)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
					t.Errorf("%s: got %d %q", path, resp.StatusCode, body)
				}
			}
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("serve exited with %v after SIGTERM; stderr:\n%s", err, stderr.String())
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("serve did not exit within 10 s of SIGTERM; stderr:\n%s", stderr.String())
			}
		})
	}
}

func TestConfigCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := writeConfig(t, dir, `
accounts:
  - {name: anna, plan: premium, timezone: Europe/Berlin}
webhooks:
  - {name: crm, url: "https://hooks.example.com/t/abc123secret", secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, events: [invite.accepted]}
`)
	res := runPacer(t, dir, []string{"SLACK_BOT_TOKEN=xoxb-1-topsecret", "SLACK_SIGNING_SECRET=signsecret", "HUBSPOT_TOKEN=pat-na1-hubsecret",
		"DATABASE_URL=postgres://u:dbsecret@127.0.0.1/x"}, "config", "check", "--config", good)
	if res.Code != 0 {
		t.Fatalf("config check: exit %d, stderr %q", res.Code, res.Stderr)
	}
	for _, secret := range []string{"topsecret", "signsecret", "hubsecret", "dbsecret", "abc123secret", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"} {
		if strings.Contains(res.Stdout+res.Stderr, secret) {
			t.Errorf("config check printed the secret %q:\n%s", secret, res.Stdout)
		}
	}
	if !strings.Contains(res.Stdout, "bot_token: '[redacted]'") && !strings.Contains(res.Stdout, "bot_token: \"[redacted]\"") {
		t.Errorf("the bot token must show as redacted:\n%s", res.Stdout)
	}

	over := writeConfig(t, t.TempDir(), "accounts:\n  - {name: anna, plan: free, limits: {invites_per_week: 250}}\n")
	res = runPacer(t, dir, nil, "config", "check", "--config", over)
	if res.Code != 1 || !strings.Contains(res.Stderr, "invites_per_week is 250") || !strings.Contains(res.Stderr, "ceiling of 200") {
		t.Errorf("over-ceiling: exit %d, stderr %q; want exit 1 naming the limit and the 200 ceiling", res.Code, res.Stderr)
	}
}

// TestBadInput checks that each kind of bad set-up ends with one clear line
// and exit status 1, never a panic.
func TestBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notDir := filepath.Join(dir, "a-file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"missing config file", nil, []string{"migrate", "--config", filepath.Join(dir, "nope.yml")}, "does not exist"},
		{"malformed config file", nil, []string{"migrate", "--config", writeConfig(t, t.TempDir(), "accounts: [\n")}, "cannot read the configuration file"},
		{"unknown key", nil, []string{"migrate", "--config", writeConfig(t, t.TempDir(), "acounts: []\n")}, "unknown key acounts"},
		{"unparseable DATABASE_URL", []string{"DATABASE_URL=postgres://%zz"}, []string{"migrate"}, "DATABASE_URL cannot be parsed"},
		{"not a postgres URL", []string{"DATABASE_URL=mysql://x"}, []string{"migrate"}, "DATABASE_URL must be a postgres:// URL"},
		{"unreachable database", []string{"DATABASE_URL=postgres://u:pw@127.0.0.1:1/x?connect_timeout=2"}, []string{"migrate"}, "cannot be reached"},
		{"unwritable data dir", []string{"PACER_DATA_DIR=" + filepath.Join(notDir, "data")}, []string{"migrate"}, "data directory cannot be written"},
		{"serve with a bad config", nil, []string{"serve", "--config", filepath.Join(dir, "nope.yml")}, "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runPacer(t, dir, tt.env, tt.args...)
			if res.Code != 1 {
				t.Errorf("exit %d, want 1; stderr %q", res.Code, res.Stderr)
			}
			if !strings.Contains(res.Stderr, tt.want) {
				t.Errorf("stderr %q does not say %q", res.Stderr, tt.want)
			}
			if strings.Contains(res.Stderr, "goroutine ") || strings.Contains(res.Stderr, "panic") {
				t.Errorf("stderr holds a stack trace: %q", res.Stderr)
			}
			if lines := strings.Count(strings.TrimSpace(res.Stderr), "\n") + 1; lines != 1 {
				t.Errorf("stderr has %d lines, want one: %q", lines, res.Stderr)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	res := runPacer(t, t.TempDir(), nil, "version")
	if res.Code != 0 || !strings.HasPrefix(res.Stdout, "pacer ") {
		t.Errorf("version: exit %d, stdout %q", res.Code, res.Stdout)
	}
}
