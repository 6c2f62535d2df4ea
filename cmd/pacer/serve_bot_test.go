package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/pacerhq/pacer/bot"
	"github.com/pacerhq/pacer/cmd/pacer/pacertest"
)

func TestServeWithoutSlackSaysWhatToSet(t *testing.T) {
	dataDir := t.TempDir()
	res := runPacer(t, t.TempDir(), []string{"PACER_DATA_DIR=" + dataDir}, "serve")
	if res.Code != 1 {
		t.Fatalf("serve without Slack: exit %d, want 1; stderr %q", res.Code, res.Stderr)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "pacer.db")); !os.IsNotExist(err) {
		t.Errorf("serve without Slack left a database behind (%v)", err)
	}
	for _, v := range []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"} {
		if !strings.Contains(res.Stderr, v) {
			t.Errorf("stderr does not name %s: %q", v, res.Stderr)
		}
	}
	res = runPacer(t, t.TempDir(), []string{"PACER_DATA_DIR=" + t.TempDir(), "SLACK_BOT_TOKEN=xoxb-1-secretvalue"}, "serve")
	if res.Code != 1 || !strings.Contains(res.Stderr, "SLACK_APP_TOKEN") || strings.Contains(res.Stderr, "SLACK_BOT_TOKEN (") {
		t.Errorf("serve with a bot token only: exit %d, stderr %q", res.Code, res.Stderr)
	}
	if strings.Contains(res.Stderr, "secretvalue") {
		t.Errorf("the token leaked: %q", res.Stderr)
	}
}

// fakeSlackAPI answers the Web API methods serve calls at start and records
// what it was asked; with socket set, it also plays Socket Mode.
type fakeSlackAPI struct {
	srv   *httptest.Server
	mu    sync.Mutex
	calls []string
	// acks receives the Socket Mode acks.
	acks chan string
}

func newFakeSlackAPI(t *testing.T) *fakeSlackAPI {
	f := &fakeSlackAPI{acks: make(chan string, 4)}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method := strings.TrimPrefix(r.URL.Path, "/api/")
		f.mu.Lock()
		f.calls = append(f.calls, method)
		f.mu.Unlock()
		switch method {
		case "auth.test":
			fmt.Fprint(w, `{"ok":true,"team_id":"T0SERVE","user_id":"U0BOT","team":"Serve","url":"https://serve.slack.com/"}`)
		case "apps.connections.open":
			fmt.Fprintf(w, `{"ok":true,"url":"ws://%s/socket"}`, r.Host)
		case "/socket":
			f.socket(w, r)
		default:
			fmt.Fprint(w, `{"ok":true}`)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// socket says hello, sends one /pacer help envelope and records the ack.
func (f *fakeSlackAPI) socket(w http.ResponseWriter, r *http.Request) {
	// Slack's client sends Origin: https://api.slack.com.
	conn, err := (&websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	_ = conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"hello","num_connections":1}`))
	payload, _ := json.Marshal(map[string]any{"team_id": "T0SERVE", "user_id": "U1", "channel_id": "C1", "command": "/pacer",
		"text": "help", "is_enterprise_install": "false", "response_url": "", "trigger_id": "1"})
	_ = conn.WriteMessage(websocket.TextMessage, []byte(fmt.Sprintf(`{"envelope_id":"env-1","type":"slash_commands","accepts_response_payload":true,"payload":%s}`, payload)))
	_, msg, err := conn.ReadMessage()
	if err == nil {
		f.acks <- string(msg)
	}
	// Hold the connection until the client goes.
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			return
		}
	}
}

func (f *fakeSlackAPI) called(method string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if c == method {
			return true
		}
	}
	return false
}

// startServe runs `pacer serve [flags]` until the test ends.
func startServe(t *testing.T, env []string, flags ...string) (addr string, stderr *pacertest.Buffer) {
	t.Helper()
	addr = pacertest.FreeAddr(t)
	cmd := exec.Command(pacerBin, append([]string{"serve"}, flags...)...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(append(pacertest.Env(), env...), "PACER_HTTP_ADDR="+addr)
	stderr = &pacertest.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve exited with %v", err)
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("serve did not stop within 10 s of SIGTERM")
		}
	})
	if !pacertest.Answers("http://"+addr+"/healthz", 30*time.Second) {
		t.Fatalf("serve did not answer /healthz within 30 s; its log:\n%s", stderr.String())
	}
	return addr, stderr
}

func TestServeSlackHTTPMode(t *testing.T) {
	for name, dbEnv := range databases(t) {
		t.Run(name, func(t *testing.T) {
			fake := newFakeSlackAPI(t)
			const secret = "serve-test-signing-secret"
			env := append(dbEnv(t), "SLACK_BOT_TOKEN=xoxb-serve-test", "SLACK_SIGNING_SECRET="+secret, "SLACK_API_URL="+fake.srv.URL+"/api/")
			addr, stderr := startServe(t, env)
			if !fake.called("auth.test") {
				t.Error("serve did not learn its workspace from auth.test at SLACK_API_URL")
			}
			form := url.Values{"team_id": {"T0SERVE"}, "user_id": {"U1"}, "channel_id": {"C1"}, "command": {"/pacer"}, "text": {"help"}}.Encode()
			post := func(h http.Header, body string) (int, string) {
				req, _ := http.NewRequest(http.MethodPost, "http://"+addr+bot.PathCommands, strings.NewReader(body))
				req.Header = h
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			if code, body := post(bot.Sign(secret, time.Now(), []byte(form)), form); code != 200 || !strings.Contains(body, "/pacer quota") {
				t.Errorf("signed /pacer help: %d %q", code, body)
			}
			if code, _ := post(http.Header{}, form); code != http.StatusUnauthorized {
				t.Errorf("unsigned: %d, want 401", code)
			}
			other := strings.Replace(form, "T0SERVE", "T0OTHER", 1)
			if code, _ := post(bot.Sign(secret, time.Now(), []byte(other)), other); code != http.StatusForbidden {
				t.Errorf("another workspace: %d, want 403", code)
			}
			if strings.Contains(stderr.String(), "xoxb-serve-test") || strings.Contains(stderr.String(), secret) {
				t.Errorf("a Slack secret is in serve's log:\n%s", stderr.String())
			}
		})
	}
}

func TestServeSlackSocketMode(t *testing.T) {
	fake := newFakeSlackAPI(t)
	_, stderr := startServe(t, []string{"PACER_DATA_DIR=" + t.TempDir(), "SLACK_BOT_TOKEN=xoxb-serve-test",
		"SLACK_APP_TOKEN=xapp-1-serve-test", "SLACK_TEAM_ID=T0SERVE", "SLACK_API_URL=" + fake.srv.URL + "/api/"})
	select {
	case ack := <-fake.acks:
		if !strings.Contains(ack, `"envelope_id":"env-1"`) || !strings.Contains(ack, "/pacer quota") {
			t.Errorf("ack = %s", ack)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no Socket Mode ack; serve's log:\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), "xapp-1-serve-test") {
		t.Errorf("the app token is in serve's log")
	}
}
