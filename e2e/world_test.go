package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/cmd/pacer/pacertest"
	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/executor/sim"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspottest"
	"github.com/pacerhq/pacer/integrations/webhook/webhooktest"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

// The team's Slack set-up.
const (
	teamID        = "T0E2E"
	botToken      = "xoxb-e2e-0000000000-bot-token"
	signingSecret = "e2e-signing-secret-8f14e45fceea167a"
	channel       = "C0CAMPAIGN"
	// anna is an approver by her user ID; lead is one through the user
	// group leads; intern is neither.
	anna   = "U0ANNA"
	lead   = "U0LEAD"
	intern = "U0INTERN"
	leads  = "S0LEADS"

	hubspotToken  = "pat-eu1-e2e-token"
	webhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

	campaignName = "cto-berlin"
	noteTemplate = "Hi {{first_name|there}}, I am meeting engineering leaders at {{company|your company}} this spring. Glad to connect!"
	// followUpTemplate is the first message after an acceptance.
	followUpTemplate = "Thanks for connecting, {{first_name|there}}! How is {{company|your company}} doing this spring?"
)

// world is one run of the loop: the fakes, the processes and the store they
// share.
type world struct {
	t        *testing.T
	dir      string
	tmp      string // TMPDIR of serve: its Chromium profiles live here
	env      []string
	cfgPath  string
	slack    *slackAPI
	hubspot  *hubspottest.Server
	hooks    *webhooktest.Receiver
	simURL   string
	serveURL string
	sim      *process
	serve    *process
	store    *models.Store
}

// newWorld writes the configuration and starts the fakes; dbEnv selects
// the database.
func newWorld(t *testing.T, dbEnv []string) *world {
	w := &world{t: t, dir: t.TempDir()}
	w.tmp = filepath.Join(w.dir, "tmp")
	if err := os.MkdirAll(w.tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	w.slack = newSlackAPI(t, botToken, teamID)
	w.slack.setGroup(leads, lead)
	w.hubspot = hubspottest.New(hubspottest.Options{Token: hubspotToken})
	t.Cleanup(w.hubspot.Close)
	w.hooks = webhooktest.New(webhookSecret)
	t.Cleanup(w.hooks.Close)

	cfg := fmt.Sprintf(`timezone: Europe/Berlin
slack:
  digest_time: "09:00"
accounts:
%scampaigns:
  - name: %s
    account: anna
    channel: %s
    note: %q
    find_email: contact_info
    undo_window: 20s                 # the loop checks that nothing goes before it closes
    follow_ups:
      - after: 2d
        message: %q
      - after: 3d
        message: "Hi {{first_name|there}}, one more thought on {{company|your company}}."
webhooks:
  - name: crm-bridge
    url: %s/pacer
    secret: %s
    events: [invite.accepted, email.found, message.sent, message.replied]
hubspot:
  enabled: true
`, accountYAML("anna", "", 40), campaignName, channel, noteTemplate, followUpTemplate, w.hooks.URL, webhookSecret)
	w.cfgPath = filepath.Join(w.dir, "pacer.yml")
	if err := os.WriteFile(w.cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	w.env = append(pacertest.Env(), dbEnv...)
	w.env = append(w.env,
		"PACER_CONFIG="+w.cfgPath,
		"SLACK_BOT_TOKEN="+botToken,
		"SLACK_SIGNING_SECRET="+signingSecret,
		"SLACK_API_URL="+w.slack.apiURL(),
		"SLACK_TEAM_ID="+teamID,
		"PACER_APPROVERS="+anna+","+leads,
		"HUBSPOT_TOKEN="+hubspotToken,
		"HUBSPOT_API_URL="+w.hubspot.URL,
	)
	return w
}

// accountYAML is a premium account's entry under accounts, working every
// hour of every day in Berlin, with its first name when given.
func accountYAML(name, firstName string, perDay int) string {
	first := ""
	if firstName != "" {
		first = "    first_name: " + firstName + "\n"
	}
	return fmt.Sprintf(`  - name: %s
%s    plan: premium
    timezone: Europe/Berlin
    working_hours: {days: [mon, tue, wed, thu, fri, sat, sun], start: "00:00", end: "23:59"}
    limits: {invites_per_day: %d}
`, name, first, perDay)
}

// onPostgres runs body in a world on an empty Postgres database, the
// production store, logging how long it took and, when it fails, serve's
// log and what Slack received. The tests that use it cost a minute or two
// of a 2-core CI's Chromium time each, so they run on one store: the
// campaign package runs their store parts on SQLite and Postgres both.
func onPostgres(t *testing.T, what string, body func(t *testing.T, w *world)) {
	t.Run("postgres", func(t *testing.T) {
		began := time.Now()
		w := newWorld(t, []string{"DATABASE_URL=" + storetest.EmptyPostgresDatabase(t)})
		defer func() {
			if t.Failed() && w.serve != nil {
				t.Logf("serve's log:\n%s", tail(w.serve.out.String(), 200))
				t.Logf("what Slack received, last first:\n%s", w.slack.summary(20))
			}
			t.Logf("%s on postgres took %s", what, time.Since(began).Round(time.Second))
		}()
		body(t, w)
	})
}

// openStore opens the database the processes use, to read the ledger.
func (w *world) openStore() {
	env := map[string]string{}
	for _, kv := range w.env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	cfg, err := config.Load(w.cfgPath, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		w.t.Fatal(err)
	}
	s, err := models.Open(context.Background(), cfg, models.Options{})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { _ = s.Close() })
	w.store = s
}

// pacer runs a one-shot command that must succeed, and returns its output.
func (w *world) pacer(args ...string) string {
	w.t.Helper()
	res := run(w.t, w.dir, w.env, args...)
	if res.Code != 0 {
		w.t.Fatalf("pacer %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), res.Code, res.Stdout, res.Stderr)
	}
	return res.Stdout
}

// startSim runs `pacer sim`, where nobody accepts an invitation unless the
// test says so, with flags added.
func (w *world) startSim(flags ...string) {
	addr := pacertest.FreeAddr(w.t)
	w.simURL = "http://" + addr
	w.sim = start(w.t, "sim", w.dir, w.env, append([]string{"sim", "--addr", addr, "--accept-rate", "0"}, flags...)...)
	waitHTTP(w.t, w.simURL+"/_sim/now", 30*time.Second)
}

// startServe runs `pacer serve` in Slack's HTTP mode, acting on the
// simulator at the fast pace.
func (w *world) startServe() {
	addr := pacertest.FreeAddr(w.t)
	w.serveURL = "http://" + addr
	env := append(append([]string{}, w.env...), "PACER_HTTP_ADDR="+addr, "TMPDIR="+w.tmp)
	w.serve = start(w.t, "serve", w.dir, env, "serve", "--sim-url", w.simURL, "--pace", "fast")
	w.waitFor(60*time.Second, "serve to be ready", func() bool {
		resp, err := http.Get(w.serveURL + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// waitFor is waitFor that also fails at once when serve exits.
func (w *world) waitFor(within time.Duration, what string, cond func() bool) {
	w.t.Helper()
	waitFor(w.t, within, what, func() bool {
		if w.serve != nil && !w.serve.running() {
			w.t.Fatalf("serve exited (%v) while the test waited for %s", w.serve.err, what)
		}
		return cond()
	})
}

// received is what the simulator received.
func (w *world) received() sim.Received {
	w.t.Helper()
	resp, err := http.Get(w.simURL + "/_sim/received")
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var r sim.Received
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		w.t.Fatal(err)
	}
	return r
}

// simAdmin posts to the simulator's admin API.
func (w *world) simAdmin(path string, body map[string]string) map[string]any {
	w.t.Helper()
	raw, _ := json.Marshal(body)
	resp, err := http.Post(w.simURL+path, "application/json", strings.NewReader(string(raw)))
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		w.t.Fatalf("sim %s: %d %v", path, resp.StatusCode, err)
	}
	return out
}

// --- Slack, as a person uses it

// post sends a signed request to one of serve's Slack endpoints and
// returns the ack.
func (w *world) post(path, body string) (int, string) {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodPost, w.serveURL+path, strings.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header = slackSign(signingSecret, time.Now(), body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	ack, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(ack)
}

// command types `/pacer text` in the campaign channel as user, and returns
// the ack's body and the command's response_url.
func (w *world) command(user, text string) (ack, responseURL string) {
	w.t.Helper()
	responseURL = w.slack.newResponseURL()
	form := url.Values{
		"token":                 {"gIkuvaNzQIHg97ATvDxqgjtO"},
		"team_id":               {teamID},
		"team_domain":           {"pacer-e2e"},
		"channel_id":            {channel},
		"channel_name":          {"cto-berlin"},
		"user_id":               {user},
		"user_name":             {strings.ToLower(user)},
		"command":               {"/pacer"},
		"text":                  {text},
		"api_app_id":            {"A0PACER"},
		"is_enterprise_install": {"false"},
		"response_url":          {responseURL},
		"trigger_id":            {w.slack.newTriggerID()},
	}
	code, body := w.post("/slack/commands", form.Encode())
	if code != http.StatusOK {
		w.t.Fatalf("/pacer %s: HTTP %d %s", text, code, body)
	}
	return body, responseURL
}

// click clicks the button actionID of msg (for item buttons, the one of
// itemID) as user, and returns the trigger_id and response_url Slack gave
// the click.
func (w *world) click(user string, msg slackMessage, actionID string, itemID int64) (triggerID, responseURL string) {
	w.t.Helper()
	body, triggerID, responseURL := w.clickBody(user, msg, actionID, itemID)
	code, ack := w.post("/slack/interactivity", body)
	if code != http.StatusOK || ack != "" {
		w.t.Fatalf("click %s: HTTP %d %q, want an empty 200", actionID, code, ack)
	}
	return triggerID, responseURL
}

// clickBody is the form body Slack posts for a click of actionID on msg.
func (w *world) clickBody(user string, msg slackMessage, actionID string, itemID int64) (body, triggerID, responseURL string) {
	w.t.Helper()
	blockID, button := findButton(msg, actionID, itemID)
	if button == nil {
		w.t.Fatalf("message %s has no %s button (item %d):\n%s", msg.TS, actionID, itemID, blocksText(msg.Blocks))
	}
	triggerID, responseURL = w.slack.newTriggerID(), w.slack.newResponseURL()
	container := map[string]any{"type": "message", "message_ts": msg.TS, "channel_id": msg.Channel, "is_ephemeral": false}
	message := map[string]any{"type": "message", "subtype": "bot_message", "text": msg.Text, "ts": msg.TS,
		"bot_id": "B0PACERBOT", "user": "U0PACERBOT", "blocks": msg.Blocks}
	if msg.ThreadTS != "" {
		container["thread_ts"] = msg.ThreadTS
		message["thread_ts"] = msg.ThreadTS
	}
	action := map[string]any{"action_id": actionID, "block_id": blockID, "type": "button",
		"action_ts": fmt.Sprintf("%d.%06d", time.Now().Unix(), time.Now().Nanosecond()/1000)}
	for _, k := range []string{"text", "value", "style"} {
		if v, ok := button[k]; ok {
			action[k] = v
		}
	}
	payload := map[string]any{
		"type":                  "block_actions",
		"user":                  map[string]any{"id": user, "username": strings.ToLower(user), "name": strings.ToLower(user), "team_id": teamID},
		"api_app_id":            "A0PACER",
		"token":                 "gIkuvaNzQIHg97ATvDxqgjtO",
		"container":             container,
		"trigger_id":            triggerID,
		"team":                  map[string]any{"id": teamID, "domain": "pacer-e2e"},
		"enterprise":            nil,
		"is_enterprise_install": false,
		"channel":               map[string]any{"id": msg.Channel, "name": "cto-berlin"},
		"message":               message,
		"state":                 map[string]any{"values": map[string]any{}},
		"response_url":          responseURL,
		"actions":               []any{action},
	}
	raw, _ := json.Marshal(payload)
	return url.Values{"payload": {string(raw)}}.Encode(), triggerID, responseURL
}

// postSigned posts body to one of serve's Slack endpoints with the given
// signature headers, and returns the status code.
func (w *world) postSigned(path, body string, h http.Header) int {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodPost, w.serveURL+path, strings.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// submit submits the modal view (as views.open opened it) as user, with
// the text inputs set to values (by block_id), and returns the ack.
func (w *world) submit(user string, view map[string]any, values map[string]string) (int, string) {
	w.t.Helper()
	state := map[string]any{}
	blocks, _ := view["blocks"].([]any)
	for _, b := range blocks {
		block, _ := b.(map[string]any)
		id, _ := block["block_id"].(string)
		el, _ := block["element"].(map[string]any)
		v, ok := values[id]
		if block["type"] != "input" || el == nil || !ok {
			continue
		}
		state[id] = map[string]any{fmt.Sprint(el["action_id"]): map[string]any{"type": el["type"], "value": v}}
	}
	submitted := map[string]any{}
	for k, v := range view {
		submitted[k] = v
	}
	submitted["state"] = map[string]any{"values": state}
	submitted["root_view_id"] = view["id"]
	payload := map[string]any{
		"type":                  "view_submission",
		"team":                  map[string]any{"id": teamID, "domain": "pacer-e2e"},
		"user":                  map[string]any{"id": user, "username": strings.ToLower(user), "name": strings.ToLower(user), "team_id": teamID},
		"api_app_id":            "A0PACER",
		"token":                 "gIkuvaNzQIHg97ATvDxqgjtO",
		"trigger_id":            w.slack.newTriggerID(),
		"view":                  submitted,
		"response_urls":         []any{},
		"is_enterprise_install": false,
		"enterprise":            nil,
	}
	raw, _ := json.Marshal(payload)
	return w.post("/slack/interactivity", url.Values{"payload": {string(raw)}}.Encode())
}

// findButton finds a button by action_id in a message; itemID, when not
// zero, picks the item's own (its action block is item_actions:<id>).
func findButton(msg slackMessage, actionID string, itemID int64) (string, map[string]any) {
	for _, b := range msg.Blocks {
		if b["type"] != "actions" {
			continue
		}
		blockID, _ := b["block_id"].(string)
		if itemID != 0 && blockID != "item_actions:"+strconv.FormatInt(itemID, 10) {
			continue
		}
		elems, _ := b["elements"].([]any)
		for _, e := range elems {
			el, _ := e.(map[string]any)
			if el["action_id"] == actionID {
				return blockID, el
			}
		}
	}
	return "", nil
}

// shownItem is a prospect as a proposal message shows it.
type shownItem struct {
	ID   int64
	Slug string
	// Text is the item's section, mrkdwn as written.
	Text string
}

var (
	itemBlockID = regexp.MustCompile(`^item:(\d+)$`)
	profileLink = regexp.MustCompile(`<https://www\.linkedin\.com/in/([^/|>]+)/\|`)
)

// items reads the prospects a proposal message shows.
func items(msg slackMessage) []shownItem {
	var out []shownItem
	for _, b := range msg.Blocks {
		id, _ := b["block_id"].(string)
		m := itemBlockID.FindStringSubmatch(id)
		if m == nil {
			continue
		}
		n, _ := strconv.ParseInt(m[1], 10, 64)
		text := blocksText([]map[string]any{b})
		it := shownItem{ID: n, Text: text}
		if l := profileLink.FindStringSubmatch(text); l != nil {
			it.Slug, _ = url.PathUnescape(l[1])
		}
		out = append(out, it)
	}
	return out
}

// modalInput returns the initial value of a modal's input block.
func modalInput(view map[string]any, blockID string) (string, bool) {
	blocks, _ := view["blocks"].([]any)
	for _, b := range blocks {
		block, _ := b.(map[string]any)
		if block["block_id"] != blockID {
			continue
		}
		el, _ := block["element"].(map[string]any)
		v, ok := el["initial_value"].(string)
		return v, ok
	}
	return "", false
}

// unescape reads mrkdwn text as Slack shows it.
func unescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}
