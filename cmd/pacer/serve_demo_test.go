package main

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/bot"
	"github.com/pacerhq/pacer/cmd/pacer/pacertest"
)

// TestTryOut runs the try-out in Slack: `pacer serve --sim` with no
// configuration file, Slack's credentials and a channel.
func TestTryOut(t *testing.T) {
	t.Parallel()
	base := []string{"PACER_DATA_DIR=" + filepath.Join(t.TempDir(), "data"), "PACER_SIM_ADDR=" + pacertest.FreeAddr(t)}

	res := runPacer(t, t.TempDir(), append(base, "SLACK_BOT_TOKEN=xoxb-try", "SLACK_SIGNING_SECRET=s"), "serve", "--sim")
	if res.Code != 1 || !strings.Contains(res.Stderr, "PACER_DEMO_CHANNEL") {
		t.Fatalf("with Slack but without a channel: exit %d, stderr %q; want exit 1 naming PACER_DEMO_CHANNEL", res.Code, res.Stderr)
	}
	if _, err := os.Stat(filepath.Join(base[0][len("PACER_DATA_DIR="):], "pacer.db")); !os.IsNotExist(err) {
		t.Errorf("the start that could not run left a database behind (%v)", err)
	}

	fake := newFakeSlackAPI(t)
	const secret = "try-out-signing-secret"
	env := append(base, "SLACK_BOT_TOKEN=xoxb-try", "SLACK_SIGNING_SECRET="+secret, "SLACK_API_URL="+fake.srv.URL+"/api/",
		"PACER_DEMO_CHANNEL=C0TRYOUT", "PACER_APPROVERS=U0TRY")
	addr, stderr := startServe(t, env, "--sim")
	for _, want := range []string{"imported the sample prospects", `"imported":20`, `"invalid":2`, `"pace":"fast"`, "the LinkedIn simulator is on"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("serve's log lacks %q:\n%s", want, stderr.String())
		}
	}
	form := url.Values{"team_id": {"T0SERVE"}, "user_id": {"U0TRY"}, "channel_id": {"C0TRYOUT"}, "command": {"/pacer"},
		"text": {"propose demo"}, "response_url": {fake.srv.URL + "/response"}}.Encode()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+bot.PathCommands, strings.NewReader(form))
	req.Header = bot.Sign(secret, time.Now(), []byte(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/pacer propose demo: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !fake.called("chat.postMessage") {
		if time.Now().After(deadline) {
			t.Fatalf("no proposal was posted; serve's log:\n%s", stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
