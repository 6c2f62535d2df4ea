package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/quota"
	"github.com/pacerhq/pacer/server"
)

const (
	testSecret   = "8f742231b10e8888abcd99yyyzzz85a5"
	approver     = "U0APPROVER"
	groupMember  = "U0GROUPIE"
	approverGrp  = "S0APPROVERS"
	stranger     = "U0STRANGER"
	ctoChannel   = "C0CTO"
	opsChannel   = "C0OPS"
	otherChannel = "C0RANDOM"
)

// monday10 is Monday 1 June 2026, 10:00 in Berlin: working hours for both
// test accounts.
var monday10 = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testConfigYAML is the team's set-up in the tests, in the shape of
// DESIGN §10: anna (premium, Berlin) sends cto-berlin, bob (free, UTC)
// sends ops.
const testConfigYAML = `
timezone: Europe/Berlin
slack:
  approvers: [U0APPROVER, S0APPROVERS]
  digest_time: "09:00"
accounts:
  - name: anna
    plan: premium
    timezone: Europe/Berlin
  - name: bob
    plan: free
    timezone: UTC
campaigns:
  - name: cto-berlin
    account: anna
    channel: C0CTO
    note: "Hi {{first_name}}, I enjoyed your talk at {{event|the meetup}}."
    undo_window: "0"     # the tests follow a batch from its approval; undo_test.go opens a window
  - name: ops
    account: bob
    channel: C0OPS
    note: "Hello {{first_name|there}}!"
    send_without_note: true
`

// loadTestConfig loads testConfigYAML with the Slack environment pointing
// at fake.
func loadTestConfig(t testing.TB, apiURL string, env map[string]string) *config.Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pacer.yml")
	if err := os.WriteFile(path, []byte(testConfigYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"SLACK_BOT_TOKEN":      "xoxb-test-bot-token",
		"SLACK_SIGNING_SECRET": testSecret,
		"SLACK_API_URL":        apiURL,
		"SLACK_TEAM_ID":        testTeam,
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.Load(path, func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// bundle is a test's world: a migrated store, the real quota engine and
// campaign proposer, the bot on a fake Slack, and its HTTP endpoints.
type bundle struct {
	store    *models.Store
	cfg      *config.Config
	clock    *testClock
	slack    *fakeSlack
	bot      *Bot
	http     *httptest.Server
	engine   *quota.Engine
	proposer *campaign.Proposer
	logs     *bytes.Buffer
}

// eachStore runs fn on SQLite and Postgres with a fresh bundle.
func eachStore(t *testing.T, fn func(t *testing.T, b *bundle)) {
	t.Helper()
	// The store's configuration decides which destinations receive events:
	// with a bot token, Slack receives every event.
	cfg := &config.Config{Slack: config.Slack{BotToken: "xoxb-test-bot-token"}}
	storetest.EachConfig(t, cfg, func(t *testing.T, s *models.Store) {
		fn(t, setupWith(t, s, newFakeSlack(t), nil))
	})
}

// setupWith builds a bundle on s; env overrides the Slack environment.
func setupWith(t testing.TB, s *models.Store, fake *fakeSlack, env map[string]string) *bundle {
	t.Helper()
	return setupEdited(t, s, fake, env, nil)
}

// setupEdited is setupWith on the test configuration as edit changes it.
func setupEdited(t testing.TB, s *models.Store, fake *fakeSlack, env map[string]string, edit func(cfg *config.Config)) *bundle {
	t.Helper()
	fake.setGroup(approverGrp, groupMember)
	cfg := loadTestConfig(t, fake.apiURL(), env)
	if edit != nil {
		edit(cfg)
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	if err := s.SyncConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	clock := &testClock{t: monday10}
	logs := &bytes.Buffer{}
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	engine := quota.New(s, cfg, quota.Options{Now: clock.Now, Rand: rand.New(rand.NewPCG(1, 2))})
	proposer := campaign.New(s, cfg, campaign.FromQuota(engine), campaign.Options{Now: clock.Now, Rand: rand.New(rand.NewPCG(3, 4))})
	b, err := New(ctx, cfg, s, Options{
		Proposer: CampaignProposer(proposer), Quota: QuotaEngine(engine),
		Logger: logger, Now: clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	srv := server.New(func(context.Context) error { return nil }, logger)
	b.Mount(srv)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &bundle{store: s, cfg: cfg, clock: clock, slack: fake, bot: b, http: hs, engine: engine, proposer: proposer, logs: logs}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// importProspects imports n prospects into a campaign.
func (b *bundle) importProspects(t testing.TB, campaignName string, first, n int) {
	t.Helper()
	var sb strings.Builder
	sb.WriteString("profile_url,first_name,last_name,title,company\n")
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&sb, "https://www.linkedin.com/in/prospect-%d/,Ada%d,Lovelace,CTO,Engines %d\n", i, i, i)
	}
	_, err := campaign.Import(context.Background(), b.store, campaignName, strings.NewReader(sb.String()), campaign.ImportOptions{Now: b.clock.Now})
	if err != nil {
		t.Fatalf("import into %s: %v", campaignName, err)
	}
}

// propose stores and posts a proposal of n prospects of campaignName.
func (b *bundle) propose(t testing.TB, campaignName string, n int) models.Proposal {
	t.Helper()
	batch, err := b.proposer.Propose(context.Background(), campaignName, n)
	if err != nil {
		t.Fatalf("propose %s: %v", campaignName, err)
	}
	if err := b.bot.postProposal(context.Background(), batch.Proposal.ID); err != nil {
		t.Fatalf("post proposal: %v", err)
	}
	return b.proposal(t, batch.Proposal.ID)
}

func (b *bundle) proposal(t testing.TB, id int64) models.Proposal {
	t.Helper()
	var p models.Proposal
	if err := b.store.DB.First(&p, id).Error; err != nil {
		t.Fatal(err)
	}
	return p
}

func (b *bundle) items(t testing.TB, proposalID int64) []models.ProposalItem {
	t.Helper()
	var items []models.ProposalItem
	if err := b.store.DB.Where("proposal_id = ?", proposalID).Order("position").Find(&items).Error; err != nil {
		t.Fatal(err)
	}
	return items
}

// post sends a signed request to one of the bot's endpoints and waits for
// the work it started after its ack.
func (b *bundle) post(t testing.TB, path, body string) *http.Response {
	t.Helper()
	resp := b.postSigned(t, path, body, b.clock.Now())
	b.bot.tasks.wait()
	return resp
}

// postSigned sends body signed at signedAt; it does not wait.
func (b *bundle) postSigned(t testing.TB, path, body string, signedAt time.Time) *http.Response {
	t.Helper()
	return b.postWith(t, path, body, Sign(testSecret, signedAt, []byte(body)))
}

func (b *bundle) postWith(t testing.TB, path, body string, h http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.http.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h.Clone()
	if path == PathEvents {
		req.Header.Set("Content-Type", "application/json")
	} else {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	return resp
}

// commandBody is a slash command as Slack posts it, form-encoded.
func (b *bundle) commandBody(user, channel, text string) string {
	return commandForm(testTeam, user, channel, text, b.slack.responseURLFor("cmd")).Encode()
}

func commandForm(team, user, channel, text, responseURL string) url.Values {
	return url.Values{
		"token":        {"deprecated-verification-token"},
		"team_id":      {team},
		"team_domain":  {"pacer-test"},
		"channel_id":   {channel},
		"channel_name": {"campaign"},
		"user_id":      {user},
		"user_name":    {"someone"},
		"command":      {"/pacer"},
		"text":         {text},
		"api_app_id":   {"A0PACER"},
		"response_url": {responseURL},
		"trigger_id":   {"13345224609.738474920.8088930838d88f008e0"},
	}
}

// blockActionBody is a block_actions payload as Slack posts it: form field
// payload= holding the JSON.
func (b *bundle) blockActionBody(user string, p models.Proposal, actionID, value string) string {
	return url.Values{"payload": {blockActionJSON(testTeam, user, p.Channel, p.MessageTS, actionID, value, b.slack.responseURLFor("action"))}}.Encode()
}

func blockActionJSON(team, user, channel, messageTS, actionID, value, responseURL string) string {
	payload := map[string]any{
		"type":       "block_actions",
		"user":       map[string]any{"id": user, "username": "someone", "name": "someone", "team_id": team},
		"api_app_id": "A0PACER",
		"token":      "deprecated-verification-token",
		"container":  map[string]any{"type": "message", "message_ts": messageTS, "channel_id": channel, "is_ephemeral": false},
		"trigger_id": "12466734323.1395872398.ac6f7e0b5cfa6c3e8e0e6ff8d8a4e20c",
		"team":       map[string]any{"id": team, "domain": "pacer-test"},
		"enterprise": nil,
		"channel":    map[string]any{"id": channel, "name": "campaign"},
		"message": map[string]any{
			"type": "message", "user": "U0BOT", "ts": messageTS, "bot_id": "B0BOT", "text": "Proposal",
			"blocks": []any{map[string]any{"type": "section", "block_id": "summary", "text": map[string]any{"type": "mrkdwn", "text": "Proposal"}}},
		},
		"state":        map[string]any{"values": map[string]any{}},
		"response_url": responseURL,
		"actions": []any{map[string]any{
			"action_id": actionID, "block_id": "proposal:1", "type": "button", "action_ts": "1780300000.000001",
			"text": map[string]any{"type": "plain_text", "text": "Approve", "emoji": true}, "value": value,
		}},
	}
	raw, _ := json.Marshal(payload)
	return string(raw)
}

// viewSubmissionBody is the Edit note modal submitted with note.
func viewSubmissionBody(team, user, metadata, note string) string {
	payload := map[string]any{
		"type":       "view_submission",
		"team":       map[string]any{"id": team, "domain": "pacer-test"},
		"user":       map[string]any{"id": user, "username": "someone", "name": "someone", "team_id": team},
		"api_app_id": "A0PACER", "token": "deprecated-verification-token", "trigger_id": "12345.98765.abcd2358fdea",
		"view": map[string]any{
			"id": "V0MODAL", "team_id": team, "type": "modal", "callback_id": CallbackEditNote,
			"private_metadata": metadata, "hash": "156772938.1827394",
			"title": map[string]any{"type": "plain_text", "text": "Edit note"},
			"blocks": []any{map[string]any{"type": "input", "block_id": noteBlockID, "label": map[string]any{"type": "plain_text", "text": "Note"},
				"element": map[string]any{"type": "plain_text_input", "action_id": noteActionID, "multiline": true}}},
			"state": map[string]any{"values": map[string]any{
				noteBlockID: map[string]any{noteActionID: map[string]any{"type": "plain_text_input", "value": note}},
			}},
		},
		"response_urls": []any{},
	}
	raw, _ := json.Marshal(payload)
	return url.Values{"payload": {string(raw)}}.Encode()
}

// homeOpenedBody is an app_home_opened event callback.
func homeOpenedBody(team, user string) string {
	return fmt.Sprintf(`{"token":"deprecated","team_id":%q,"api_app_id":"A0PACER","type":"event_callback","event_id":"Ev0HOME","event_time":1780300000,`+
		`"event":{"type":"app_home_opened","user":%q,"channel":"D0HOME","tab":"home","event_ts":"1780300000.000100"}}`, team, user)
}

// body reads a response's body.
func body(t testing.TB, resp *http.Response) string {
	t.Helper()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// lastEphemeral returns the text of the last ephemeral message (a
// chat.postEphemeral or a response_url post) to user, "" when none.
func (b *bundle) lastEphemeral(user string) string {
	calls := b.slack.recorded("chat.postEphemeral", "response_url")
	for i := len(calls) - 1; i >= 0; i-- {
		c := calls[i]
		if c.Method == "chat.postEphemeral" && c.Form.Get("user") == user {
			return c.text()
		}
		if c.Method == "response_url" {
			return c.text()
		}
	}
	return ""
}

// toldAny reports whether any ephemeral message to user says want.
func (b *bundle) toldAny(user, want string) bool {
	for _, c := range b.slack.recorded("chat.postEphemeral", "response_url") {
		if (c.Method == "response_url" || c.Form.Get("user") == user) && strings.Contains(c.text(), want) {
			return true
		}
	}
	return false
}
