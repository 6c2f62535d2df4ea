package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pacerhq/pacer/cmd/pacer/pacertest"
)

// TestStartReportsEveryProblemAtOnce: serve and config check find the same
// problems, all in one message, and serve leaves no database behind.
func TestStartReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, `timezone: Mars/Olympus
accounts:
  - {name: anna, plan: free, first_name: Anna}
  - {name: bob, plan: premium}
campaigns:
  - name: c1
    account: anna
    channel: C0CAMP
    note: "Hi {{first_name}}, see acme.com/jobs"
    follow_ups:
      - {after: 2d, message: "Thanks, {{first_name}}! Our openings: https://acme.com/jobs"}
  - name: c2
    account: anna
    channel: C0CAMP
    notes:
      - {name: none, note: ""}
      - {name: jobs, note: "Hi {{first_name}}, see acme.com/jobs"}
  - name: c3
    senders: [anna, bob]
    channel: C0CAMP
    note: "Hi {{first_name|there}}, {{.Sender.FirstName}} here."
  - name: c4
    senders: [anna, zed, anna]
    channel: C0CAMP
webhooks:
  - {name: w, url: "http://hooks.example.com/x", secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, events: [invite.accepted]}
`)
	dataDir := filepath.Join(dir, "data")
	env := []string{"PACER_CONFIG=" + cfg, "PACER_DATA_DIR=" + dataDir, "SLACK_BOT_TOKEN=xoxb-1-secretvalue", "PACER_HTTP_ADDR=" + pacertest.FreeAddr(t)}
	wants := []string{
		"9 problems",
		"campaigns[2] (c3).note, filled in for a sample prospect from bob: {{.Sender.FirstName}} uses the sender's first_name, but accounts (bob) has no first_name",
		`campaigns[3] (c4).senders names "zed", which is not declared under accounts`,
		`campaigns[3] (c4).senders lists "anna" twice`,
		`timezone (PACER_TIMEZONE) is "Mars/Olympus"`,
		"set SLACK_APP_TOKEN",
		"campaigns[0] (c1).note, filled in for a sample prospect: the note holds a link (acme.com/jobs)",
		"campaigns[1] (c2).notes[1] (jobs), filled in for a sample prospect: the note holds a link (acme.com/jobs)",
		"webhooks[0] (w).url: uses http:// on hooks.example.com",
		"campaigns[0] (c1).follow_ups[0].message, filled in for a sample prospect: the message holds a link (https://acme.com/jobs), which this follow-up does not allow",
	}
	for _, args := range [][]string{{"serve"}, {"config", "check"}} {
		res := runPacer(t, dir, env, args...)
		if res.Code != 1 {
			t.Errorf("pacer %s: exit %d, want 1; stderr %q", strings.Join(args, " "), res.Code, res.Stderr)
		}
		for _, w := range wants {
			if !strings.Contains(res.Stderr, w) {
				t.Errorf("pacer %s does not report %q:\n%s", strings.Join(args, " "), w, res.Stderr)
			}
		}
		if strings.Contains(res.Stderr, "secretvalue") {
			t.Errorf("pacer %s printed the token", strings.Join(args, " "))
		}
		if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
			t.Errorf("pacer %s left %s behind (%v)", strings.Join(args, " "), dataDir, err)
		}
	}
}

func TestConfigCheckOfWhereBotMeetsPeople(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "accounts:\n  - {name: anna, plan: premium}\ncampaigns:\n  - {name: c1, account: anna, channel: C0CAMP, note: \"Hi {{first_name}}\"}\n")
	const token = "PACER_CONSOLE_TOKEN=0123456789abcdef-secret"
	tests := []struct {
		name string
		env  []string
		args []string
		code int
		want string
	}{
		{"neither Slack nor the console", nil, nil, 1, "or, to use Pacer without Slack, turn on the local console"},
		{"the console without its person", []string{token}, nil, 1, "PACER_CONSOLE_USER is not set"},
		{"the console as someone who is not an approver", []string{token, "PACER_CONSOLE_USER=U0ANNA", "PACER_APPROVERS=U0BOB"}, nil, 1,
			"PACER_CONSOLE_USER is U0ANNA, who is not listed in slack.approvers"},
		{"the console and Slack", []string{token, "PACER_CONSOLE_USER=U0ANNA", "PACER_APPROVERS=U0ANNA", "SLACK_BOT_TOKEN=xoxb-1", "SLACK_APP_TOKEN=xapp-1"}, nil, 1,
			"Slack's credentials are set too"},
		{"a short console token", []string{"PACER_CONSOLE_TOKEN=short", "PACER_CONSOLE_USER=U0ANNA", "PACER_APPROVERS=U0ANNA"}, nil, 1, "has 5 characters; use at least 16"},
		{"the console as an approver", []string{token, "PACER_CONSOLE_USER=U0ANNA", "PACER_APPROVERS=U0ANNA"}, nil, 0, "people decide in the local console"},
		{"Slack over Socket Mode", []string{"SLACK_BOT_TOKEN=xoxb-1", "SLACK_APP_TOKEN=xapp-1", "PACER_APPROVERS=U0ANNA"}, nil, 0, "people decide in Slack, over Socket Mode"},
		{"the simulator without Slack", nil, []string{"--sim"}, 0, "people decide in the local console"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runPacer(t, dir, append(tt.env, "PACER_CONFIG="+cfg), append([]string{"config", "check"}, tt.args...)...)
			if res.Code != tt.code || !strings.Contains(res.Stdout+res.Stderr, tt.want) {
				t.Errorf("exit %d, want %d saying %q\nstdout: %s\nstderr: %s", res.Code, tt.code, tt.want, res.Stdout, res.Stderr)
			}
			if strings.Contains(res.Stdout+res.Stderr, "0123456789abcdef-secret") {
				t.Error("the console token was printed")
			}
		})
	}
}

// TestConfigCheckListsRoles: config check says who decides each campaign
// and who may look at it, and where each list comes from; the console may
// act as a campaign's own approver.
func TestConfigCheckListsRoles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, `accounts:
  - {name: anna, plan: premium}
campaigns:
  - {name: cto, account: anna, channel: C0CTO, note: "Hi {{first_name}}", approvers: [U0LEAD], viewers: [U0INTERN, S0SALES]}
  - {name: ops, account: anna, channel: C0OPS, note: "Hi {{first_name}}"}
`)
	env := []string{"PACER_CONFIG=" + cfg, "PACER_CONSOLE_TOKEN=0123456789abcdef-secret", "PACER_CONSOLE_USER=U0LEAD", "PACER_APPROVERS=U0ANNA,S0LEADS"}
	res := runPacer(t, dir, env, "config", "check")
	if res.Code != 0 {
		t.Fatalf("config check: exit %d\n%s", res.Code, res.Stderr)
	}
	for _, want := range []string{
		"# roles: campaign cto: decided by U0LEAD (campaigns[0].approvers); seen by its approvers and U0INTERN, S0SALES (campaigns[0].viewers)\n",
		"# roles: campaign ops: decided by U0ANNA, S0LEADS (slack.approvers); seen by its approvers and anyone in the workspace (no viewer is listed)\n",
	} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("config check does not say %q:\n%s", want, res.Stdout)
		}
	}
}

// TestTryOutInTheConsole runs the try-out without Slack: serve --sim prints
// the console's address, the console proposes, and afterwards the README's
// commands work in the same directory without a flag.
func TestTryOutInTheConsole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	addr := pacertest.FreeAddr(t)
	env := []string{"PACER_HTTP_ADDR=" + addr, "PACER_SIM_ADDR=" + pacertest.FreeAddr(t)}
	cmd := exec.Command(pacerBin, "serve", "--sim")
	cmd.Dir, cmd.Env = dir, pacertest.Env(env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &pacertest.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("serve --sim exited with %v after SIGTERM; its log:\n%s", err, stderr.String())
		}
	}
	t.Cleanup(stop)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	want := "Pacer's console: http://" + addr + "/console"
	if err != nil || !strings.HasPrefix(line, want) {
		t.Fatalf("serve --sim printed %q (%v), want a line starting %q; its log:\n%s", line, err, want, stderr.String())
	}
	console := "http://" + addr + "/console"
	body, _ := json.Marshal(map[string]string{"channel": "C0DEMOCHANNEL", "text": "/pacer propose demo"})
	resp, err := http.Post(console+"/command", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/pacer propose demo in the console: HTTP %d", resp.StatusCode)
	}
	waitFor(t, 60*time.Second, "the proposal in the console", func() bool {
		for _, m := range consoleState(t, console).Messages {
			if strings.HasPrefix(m.Text, "Proposal #1 for demo") {
				return true
			}
		}
		return false
	})
	stop()

	if _, err := os.Stat(filepath.Join(dir, "data", tryOutMarker)); err != nil {
		t.Errorf("the try-out left no marker: %v", err)
	}
	csv := filepath.Join(dir, "more.csv")
	if err := os.WriteFile(csv, []byte("profile_url,first_name\nhttps://www.linkedin.com/in/zoe-new-demo/,Zoe\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"quota", "show"}, {"import", "prospects", csv, "--campaign", "demo"}, {"config", "check"}} {
		res := runPacer(t, dir, nil, args...)
		if res.Code != 0 {
			t.Errorf("pacer %s after the try-out: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), res.Code, res.Stdout, res.Stderr)
		}
	}
	if res := runPacer(t, dir, nil, "quota", "show"); !strings.Contains(res.Stdout, "demo") {
		t.Errorf("quota show does not show the try-out's account:\n%s", res.Stdout)
	}
}

// TestFailedStartLeavesNoDatabase: a start that fails after the database
// was made (the HTTP port is taken) removes it, but never one that was
// there before.
func TestFailedStartLeavesNoDatabase(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	env := []string{"PACER_HTTP_ADDR=" + taken.Addr().String(), "PACER_SIM_ADDR=" + pacertest.FreeAddr(t)}

	fresh := t.TempDir()
	res := runPacer(t, fresh, env, "serve", "--sim")
	if res.Code != 1 || !strings.Contains(res.Stderr, "cannot listen on "+taken.Addr().String()) {
		t.Fatalf("serve on a taken port: exit %d, stderr %q", res.Code, res.Stderr)
	}
	if _, err := os.Stat(filepath.Join(fresh, "data")); !os.IsNotExist(err) {
		t.Errorf("the failed start left ./data behind (%v)", err)
	}

	existing := t.TempDir()
	if res := runPacer(t, existing, nil, "migrate"); res.Code != 0 {
		t.Fatalf("migrate: %s", res.Stderr)
	}
	if res := runPacer(t, existing, env, "serve", "--sim"); res.Code != 1 {
		t.Fatalf("serve on a taken port: exit %d", res.Code)
	}
	if _, err := os.Stat(filepath.Join(existing, "data", "pacer.db")); err != nil {
		t.Errorf("a failed start removed a database that was there before: %v", err)
	}
}

// consoleMessage is a message as the console's state shows it.
type consoleMessage struct {
	Channel string `json:"channel"`
	TS      string `json:"ts"`
	Text    string `json:"text"`
}

func consoleState(t *testing.T, console string) (s struct {
	Messages []consoleMessage `json:"messages"`
}) {
	t.Helper()
	resp, err := http.Get(console + "/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatalf("the console's state: %v", err)
	}
	return s
}

// waitFor polls cond until it holds; past within it fails the test.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", within, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
