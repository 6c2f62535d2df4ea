package console

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/bot"
	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/quota"
)

// withBot is a console in front of the real bot, on a real store, as
// `pacer serve` wires them when the console stands in for Slack.
type withBot struct {
	ws    *Workspace
	store *models.Store
	page  *httptest.Server
}

func setupWithBot(t *testing.T, s *models.Store) *withBot {
	t.Helper()
	ws, err := New(Options{Dir: t.TempDir(), Channels: map[string]string{"C0CTO": "cto", "C0OPS": "ops"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{
		Timezone: "UTC",
		Slack: config.Slack{BotToken: config.Secret(ws.BotToken()), SigningSecret: config.Secret(ws.SigningSecret()),
			APIURL: APIURL, Approvers: []string{DefaultUser}},
		Accounts: []config.Account{{Name: "anna", Plan: "premium", Timezone: "UTC"}, {Name: "bob", Plan: "free", Timezone: "UTC"}},
		Campaigns: []config.Campaign{
			{Name: "cto", Account: "anna", Channel: "C0CTO", Note: "Hi {{first_name|there}}"},
			{Name: "ops", Account: "bob", Channel: "C0OPS", Note: "Hello"},
		},
	}
	ctx := context.Background()
	if err := s.SyncConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	engine := quota.New(s, cfg, quota.Options{Rand: rand.New(rand.NewPCG(1, 2))})
	proposer := campaign.New(s, cfg, campaign.FromQuota(engine), campaign.Options{})
	b, err := bot.New(ctx, cfg, s, bot.Options{Proposer: bot.CampaignProposer(proposer), Quota: bot.QuotaEngine(engine), HTTPClient: ws.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	endpoints := http.NewServeMux()
	for _, path := range []string{bot.PathCommands, bot.PathInteractivity, bot.PathEvents} {
		endpoints.Handle("POST "+path, b.HTTPHandler(path))
	}
	ws.Connect(endpoints)
	page := httptest.NewServer(ws.Handler())
	t.Cleanup(func() {
		_ = b.Close(context.Background())
		ws.Close()
		page.Close()
	})
	return &withBot{ws: ws, store: s, page: page}
}

// do posts to the page's API as the person's browser does.
func (c *withBot) do(t *testing.T, path string, body any) {
	t.Helper()
	pb := &bundle{page: c.page}
	if code := pb.pagePost(t, path, body, nil); code != http.StatusOK {
		t.Fatalf("%s: HTTP %d", path, code)
	}
}

// waitFor waits until cond holds: the bot answers after its ack.
func (c *withBot) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("waited in vain for %s", what)
}

func (c *withBot) states(t *testing.T) string {
	t.Helper()
	var accounts []models.Account
	if err := c.store.DB.Order("name").Find(&accounts).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range accounts {
		out = append(out, a.Name+"="+a.State)
	}
	return strings.Join(out, " ")
}

// ephemeralWith returns the person's latest ephemeral message holding
// text, and whether there is one.
func (c *withBot) ephemeralWith(text string) (Message, bool) {
	s := c.ws.state()
	for i := len(s.Ephemerals) - 1; i >= 0; i-- {
		if m := s.Ephemerals[i]; strings.Contains(m.Text+string(m.Blocks), text) {
			return m, true
		}
	}
	return Message{}, false
}

// TestStopAllInTheConsole: the console enters the bot through the same
// handlers as Slack. `/pacer stop all` typed there answers with the button
// behind its confirm dialog and changes nothing; the button's click (the
// page shows the dialog first) stops every account; `/pacer resume all`
// resumes them. The App Home's switch works there too.
func TestStopAllInTheConsole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		c := setupWithBot(t, s)
		c.do(t, "/command", map[string]string{"channel": "C0CTO", "text": "/pacer stop all"})
		var ask Message
		c.waitFor(t, "the confirmation of stop all", func() (ok bool) { ask, ok = c.ephemeralWith(bot.ActionStopAll); return ok })
		if !strings.Contains(string(ask.Blocks), `"confirm"`) {
			t.Errorf("the stop button has no confirm dialog: %s", ask.Blocks)
		}
		if got := c.states(t); got != "anna=active bob=active" {
			t.Fatalf("before the confirmation: %s", got)
		}

		c.do(t, "/action", map[string]string{"channel": "C0CTO", "ts": ask.TS, "block_id": "stop", "action_id": bot.ActionStopAll})
		c.waitFor(t, "every account stopped", func() bool { return c.states(t) == "anna=paused bob=paused" })
		c.waitFor(t, "the stopper told", func() bool { _, ok := c.ephemeralWith("stopped every account"); return ok })

		c.do(t, "/command", map[string]string{"channel": "C0CTO", "text": "/pacer resume all"})
		c.waitFor(t, "every account resumed", func() bool { return c.states(t) == "anna=active bob=active" })

		c.do(t, "/home", map[string]string{})
		c.waitFor(t, "the stop switch in the Home tab", func() bool { return strings.Contains(string(c.ws.state().Home), bot.ActionStopAll) })
		c.do(t, "/action", map[string]any{"home": true, "block_id": "stop", "action_id": bot.ActionStopAll})
		c.waitFor(t, "every account stopped from the Home tab", func() bool { return c.states(t) == "anna=paused bob=paused" })
		c.waitFor(t, "the resume switch in the Home tab", func() bool { return strings.Contains(string(c.ws.state().Home), bot.ActionResumeAll) })
	})
}
