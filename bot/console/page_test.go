package console

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/pacerhq/pacer/bot"
)

func TestCommandReachesTheBotAsSlackSendsIt(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	b.app.answer(func(r appRequest) (int, string) {
		return http.StatusOK, `{"response_type":"ephemeral","text":"working on it","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"working on it"}}]}`
	})
	var res map[string]any
	if code := b.pagePost(t, "/command", map[string]string{"channel": "C0DEMO", "text": "/pacer propose demo 5"}, &res); code != http.StatusOK {
		t.Fatalf("/command: HTTP %d %v", code, res)
	}
	req := b.app.last(t)
	if req.Path != bot.PathCommands {
		t.Fatalf("the command went to %s, want %s", req.Path, bot.PathCommands)
	}
	for field, want := range map[string]string{
		"team_id": TeamID, "user_id": DefaultUser, "channel_id": "C0DEMO", "channel_name": "demo",
		"command": "/pacer", "text": "propose demo 5", "api_app_id": appID,
	} {
		if got := req.Form.Get(field); got != want {
			t.Errorf("%s: got %q, want %q", field, got, want)
		}
	}
	if !strings.HasPrefix(req.Form.Get("response_url"), responseBase) || req.Form.Get("trigger_id") == "" {
		t.Errorf("response_url %q, trigger_id %q", req.Form.Get("response_url"), req.Form.Get("trigger_id"))
	}
	s := b.ws.state()
	if len(s.Ephemerals) != 1 || s.Ephemerals[0].Text != "working on it" || s.Ephemerals[0].For != DefaultUser {
		t.Fatalf("the ack shows as %+v, want an ephemeral message", s.Ephemerals)
	}

	// The bot answers later through the command's response_url.
	resp, err := b.ws.HTTPClient().Post(req.Form.Get("response_url"), "application/json",
		strings.NewReader(`{"response_type":"ephemeral","text":"Posted proposal #1"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s := b.ws.state(); len(s.Ephemerals) != 2 || s.Ephemerals[1].Channel != "C0DEMO" {
		t.Errorf("the later answer shows as %+v", s.Ephemerals)
	}
}

func TestWhatIsNotAPacerCommand(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	b.pagePost(t, "/command", map[string]string{"channel": "C0DEMO", "text": "/remind me"}, nil)
	b.pagePost(t, "/command", map[string]string{"channel": "C0DEMO", "text": "hello <!channel> & all"}, nil)
	if b.app.count() != 0 {
		t.Errorf("the bot received %d requests, want none", b.app.count())
	}
	s := b.ws.state()
	if len(s.Ephemerals) != 1 || s.Ephemerals[0].User != slackbot || !strings.Contains(s.Ephemerals[0].Text, "/pacer help") {
		t.Errorf("an unknown command: %+v", s.Ephemerals)
	}
	if len(s.Messages) != 1 || s.Messages[0].User != DefaultUser || s.Messages[0].Text != "hello &lt;!channel&gt; &amp; all" {
		t.Errorf("a message typed: %+v, want it posted as the person's, escaped", s.Messages)
	}
}

func TestClickSendsTheButtonAsTheMessageHoldsIt(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	ts := b.post(t, "C0DEMO", section("item:7", "Ada"), buttons("item_actions:7", button("item.skip", "1:1:7", "Skip"), button("item.edit", "1:1:7", "Edit note")))
	// The bot changes the message (a new version) before the click.
	if _, _, _, err := b.api.UpdateMessageContext(context.Background(), "C0DEMO", ts, slack.MsgOptionText("v2", false),
		slack.MsgOptionBlocks(section("item:7", "Ada"), buttons("item_actions:7", button("item.skip", "1:2:7", "Skip"), button("item.edit", "1:2:7", "Edit note")))); err != nil {
		t.Fatal(err)
	}
	if code := b.pagePost(t, "/action", map[string]string{"channel": "C0DEMO", "ts": ts, "block_id": "item_actions:7", "action_id": "item.skip"}, nil); code != http.StatusOK {
		t.Fatalf("/action: HTTP %d", code)
	}
	req := b.app.last(t)
	p := req.Payload
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"path", req.Path, bot.PathInteractivity},
		{"type", dig(p, "type"), "block_actions"},
		{"user", dig(p, "user", "id"), DefaultUser},
		{"team", dig(p, "team", "id"), TeamID},
		{"channel", dig(p, "channel", "id"), "C0DEMO"},
		{"container's message", dig(p, "container", "message_ts"), ts},
		{"message", dig(p, "message", "ts"), ts},
		{"action", dig(p, "actions", 0, "action_id"), "item.skip"},
		{"block", dig(p, "actions", 0, "block_id"), "item_actions:7"},
		{"value as the message holds it now", dig(p, "actions", 0, "value"), "1:2:7"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	if dig(p, "trigger_id") == "" || !strings.HasPrefix(dig(p, "response_url").(string), responseBase) {
		t.Errorf("trigger_id %v, response_url %v", dig(p, "trigger_id"), dig(p, "response_url"))
	}
	var res map[string]any
	if code := b.pagePost(t, "/action", map[string]string{"channel": "C0DEMO", "ts": ts, "block_id": "item_actions:7", "action_id": "proposal.approve"}, &res); code != http.StatusConflict {
		t.Errorf("a button the message does not hold: HTTP %d %v, want 409", code, res)
	}
}

func TestModalSubmission(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	input := slack.NewPlainTextInputBlockElement(nil, "note_input")
	input.Multiline = true
	input.InitialValue = "Hi Ada"
	view, err := b.api.OpenViewContext(context.Background(), b.ws.newTrigger(), slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: "edit_note", PrivateMetadata: "1:7:2:demo:C0DEMO",
		Title:  slack.NewTextBlockObject(slack.PlainTextType, "Edit note", false, false),
		Submit: slack.NewTextBlockObject(slack.PlainTextType, "Save", false, false),
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewInputBlock("note", slack.NewTextBlockObject(slack.PlainTextType, "Note", false, false), nil, input)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	submit := func(note string) submitResult {
		var res submitResult
		if code := b.pagePost(t, "/submit", map[string]any{"view_id": view.ID, "values": map[string]string{"note": note}}, &res); code != http.StatusOK {
			t.Fatalf("/submit: HTTP %d", code)
		}
		return res
	}

	if res := submit("  "); res.Closed || res.Errors["note"] != "Please fill out this field." || b.app.count() != 0 {
		t.Errorf("an empty required input: %+v, %d requests; want it refused before the bot", res, b.app.count())
	}
	b.app.answer(func(appRequest) (int, string) {
		return http.StatusOK, `{"response_action":"errors","errors":{"note":"The note cannot be sent: it holds a link."}}`
	})
	if res := submit("see acme.com"); res.Closed || res.Errors["note"] != "The note cannot be sent: it holds a link." {
		t.Errorf("the bot's field errors: %+v", res)
	}
	p := b.app.last(t).Payload
	for name, c := range map[string][2]any{
		"type":     {dig(p, "type"), "view_submission"},
		"user":     {dig(p, "user", "id"), DefaultUser},
		"view":     {dig(p, "view", "id"), view.ID},
		"callback": {dig(p, "view", "callback_id"), "edit_note"},
		"metadata": {dig(p, "view", "private_metadata"), "1:7:2:demo:C0DEMO"},
		"value":    {dig(p, "view", "state", "values", "note", "note_input", "value"), "see acme.com"},
	} {
		if c[0] != c[1] {
			t.Errorf("%s: got %v, want %v", name, c[0], c[1])
		}
	}
	if b.ws.state().Modal == nil {
		t.Fatal("the modal closed on errors")
	}
	b.app.answer(nil)
	if res := submit("Hi Ada, glad to connect"); !res.Closed {
		t.Errorf("an empty ack: %+v, want the modal closed", res)
	}
	if b.ws.state().Modal != nil {
		t.Error("the page still shows the modal")
	}
}

func TestHomeTabOpened(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	if code := b.pagePost(t, "/home", map[string]string{}, nil); code != http.StatusOK {
		t.Fatalf("/home: HTTP %d", code)
	}
	req := b.app.last(t)
	if req.Path != bot.PathEvents || dig(req.Payload, "type") != "event_callback" || dig(req.Payload, "team_id") != TeamID ||
		dig(req.Payload, "event", "type") != "app_home_opened" || dig(req.Payload, "event", "tab") != "home" ||
		dig(req.Payload, "event", "user") != DefaultUser {
		t.Errorf("the event: %s %v", req.Path, req.Payload)
	}
}

// TestClickInTheHomeTab: a button of the App Home tab reaches the bot as
// Slack sends it: in a view container, with the view, and neither a
// channel nor a response_url.
func TestClickInTheHomeTab(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{
		section("switch", "Stop switch"), buttons("stop", button("stop.all", "all", "Stop every account"))}}}
	if _, err := b.api.PublishViewContext(context.Background(), slack.PublishViewContextRequest{UserID: DefaultUser, View: home}); err != nil {
		t.Fatal(err)
	}
	if code := b.pagePost(t, "/action", map[string]any{"home": true, "block_id": "stop", "action_id": "stop.all"}, nil); code != http.StatusOK {
		t.Fatalf("/action in the Home tab: HTTP %d", code)
	}
	p := b.app.last(t).Payload
	viewID, _ := dig(p, "view", "id").(string)
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"type", dig(p, "type"), "block_actions"},
		{"user", dig(p, "user", "id"), DefaultUser},
		{"container", dig(p, "container", "type"), "view"},
		{"container's view", dig(p, "container", "view_id"), viewID},
		{"view", dig(p, "view", "type"), "home"},
		{"action", dig(p, "actions", 0, "action_id"), "stop.all"},
		{"value", dig(p, "actions", 0, "value"), "all"},
		{"channel", dig(p, "channel"), nil},
		{"response_url", dig(p, "response_url"), nil},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	if viewID == "" {
		t.Error("the payload carries no view id")
	}
	if code := b.pagePost(t, "/action", map[string]any{"home": true, "block_id": "stop", "action_id": "resume.all"}, nil); code != http.StatusConflict {
		t.Errorf("a button the Home tab does not hold: HTTP %d, want 409", code)
	}
}

func TestConsoleIsForThisMachineOnly(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	tests := []struct {
		name, method, path, remote, host string
		header                           map[string]string
		want                             int
	}{
		{"the page, here", "GET", Path, "127.0.0.1:5000", "127.0.0.1:8080", nil, http.StatusOK},
		{"the page, as localhost", "GET", Path + "/", "[::1]:5000", "localhost:8080", nil, http.StatusOK},
		{"another machine", "GET", Path + "/state", "192.0.2.7:5000", "127.0.0.1:8080", nil, http.StatusForbidden},
		{"another site's name (DNS rebinding)", "GET", Path + "/state", "127.0.0.1:5000", "evil.example:8080", nil, http.StatusForbidden},
		{"another site's page posting", "POST", Path + "/command", "127.0.0.1:5000", "127.0.0.1:8080",
			map[string]string{"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}, http.StatusForbidden},
		{"a form, not JSON", "POST", Path + "/command", "127.0.0.1:5000", "127.0.0.1:8080",
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.path, strings.NewReader(`{"channel":"C0DEMO","text":"hi"}`))
			r.RemoteAddr, r.Host = tt.remote, tt.host
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			b.ws.Handler().ServeHTTP(rec, r)
			if rec.Code != tt.want {
				t.Errorf("got HTTP %d %q, want %d", rec.Code, rec.Body.String(), tt.want)
			}
		})
	}
	if n := len(b.ws.state().Messages); n != 0 {
		t.Errorf("refused requests posted %d messages", n)
	}
}

func TestTokenGuardsTheConsole(t *testing.T) {
	t.Parallel()
	const token = "0123456789abcdef-console"
	b := setup(t, Options{Token: token, User: "U0ANNA"})
	do := func(method, path, body string, cookie *http.Cookie) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.RemoteAddr, r.Host = "192.0.2.7:5000", "pacer.internal:8080" // a token opens it from elsewhere
		r.Header.Set("Content-Type", "application/json")
		if cookie != nil {
			r.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		b.ws.Handler().ServeHTTP(rec, r)
		return rec
	}
	if rec := do("GET", Path+"/state", "", nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("without the token: HTTP %d, want 401", rec.Code)
	}
	if rec := do("POST", Path+"/command", `{"channel":"C0DEMO","text":"hi"}`, nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("a command without the token: HTTP %d, want 401", rec.Code)
	}
	if rec := do("POST", Path+"/login", `{"token":"wrong"}`, nil); rec.Code != http.StatusUnauthorized || len(rec.Result().Cookies()) != 0 {
		t.Errorf("a wrong token: HTTP %d, cookies %v", rec.Code, rec.Result().Cookies())
	}
	rec := do("POST", Path+"/login", `{"token":"`+token+`"}`, nil)
	cookies := rec.Result().Cookies()
	if rec.Code != http.StatusOK || len(cookies) != 1 {
		t.Fatalf("the token: HTTP %d, cookies %v", rec.Code, cookies)
	}
	if c := cookies[0]; !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || strings.Contains(c.Value, token) {
		t.Errorf("the session cookie %+v must be HttpOnly, SameSite=Strict and not hold the token", c)
	}
	rec = do("GET", Path+"/state", "", cookies[0])
	var s pageState
	if err := json.Unmarshal(rec.Body.Bytes(), &s); rec.Code != http.StatusOK || err != nil || s.Me != "U0ANNA" {
		t.Errorf("with the cookie: HTTP %d, me %q, %v", rec.Code, s.Me, err)
	}
	if strings.Contains(rec.Body.String(), token) || strings.Contains(rec.Body.String(), b.ws.BotToken()) {
		t.Error("the page's state holds a secret")
	}
}

func TestLiveUpdates(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	resp, err := http.Get(b.page.URL + Path + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	lines := bufio.NewScanner(resp.Body)
	nextChange := func() string {
		t.Helper()
		for lines.Scan() {
			if data, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
				return data
			}
		}
		t.Fatalf("the stream ended: %v", lines.Err())
		return ""
	}
	if first := nextChange(); first != "0" {
		t.Errorf("the first event carries version %s, want 0", first)
	}
	b.post(t, "C0DEMO", section("s", "news"))
	if got := nextChange(); got == "0" {
		t.Errorf("after a post the version is still %s", got)
	}
	b.ws.Close()
	for lines.Scan() {
	}
	if _, err := io.ReadAll(resp.Body); err != nil && !strings.Contains(err.Error(), "closed") {
		t.Errorf("after Close: %v", err)
	}
}
