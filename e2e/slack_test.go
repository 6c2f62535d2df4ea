package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// slackAPI is a fake of the Slack Web API as Pacer's bot meets it. It
// checks what Slack checks (the bot token, trigger_ids used once within 3
// seconds, chat.update of a message that exists, Block Kit's limits) and
// answers in the documented shapes (https://docs.slack.dev/reference/methods).
// It records every call and every post to a response_url, and keeps each
// message as it now reads, with its history.
type slackAPI struct {
	srv   *httptest.Server
	token string
	team  string

	mu       sync.Mutex
	seq      int
	calls    []slackCall
	messages map[string]*slackMessage // by channel + "/" + ts
	groups   map[string][]string
	triggers map[string]time.Time // issued trigger_ids, until used
	used     map[string]bool
	views    map[string]map[string]any // views.open'd modals, by view id
}

// slackCall is one recorded call.
type slackCall struct {
	Method string
	At     time.Time
	// Form holds form-encoded arguments; JSON holds JSON bodies (views.*,
	// response_url posts).
	Form url.Values
	JSON map[string]any
	// Path is the response_url's path, for response_url posts.
	Path string
	// Error is the error code the fake answered, if it refused the call.
	Error string
	// ViewID is the id of the view views.open opened.
	ViewID string
}

// slackMessage is a message the bot posted, as it reads now.
type slackMessage struct {
	Channel  string
	TS       string
	ThreadTS string
	Text     string
	Blocks   []map[string]any
}

func newSlackAPI(t *testing.T, token, team string) *slackAPI {
	f := &slackAPI{token: token, team: team, messages: map[string]*slackMessage{}, groups: map[string][]string{},
		triggers: map[string]time.Time{}, used: map[string]bool{}, views: map[string]map[string]any{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", f.method)
	mux.HandleFunc("/response/{id}", f.responseURL)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// apiURL is SLACK_API_URL (with its trailing slash, as slack-go wants).
func (f *slackAPI) apiURL() string { return f.srv.URL + "/api/" }

// newResponseURL returns a fresh response_url, as Slack gives one with each
// command and interaction.
func (f *slackAPI) newResponseURL() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	return fmt.Sprintf("%s/response/T%sR%06d", f.srv.URL, f.team, f.seq)
}

// newTriggerID returns a trigger_id that views.open accepts once, within 3
// seconds, as Slack does.
func (f *slackAPI) newTriggerID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	id := fmt.Sprintf("%d.%d.%x", 1780300000+f.seq, 4455667788, sha256.Sum256([]byte(strconv.Itoa(f.seq))))[:48]
	f.triggers[id] = time.Now()
	return id
}

func (f *slackAPI) setGroup(id string, members ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groups[id] = members
}

func (f *slackAPI) answer(w http.ResponseWriter, v map[string]any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func (f *slackAPI) method(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("method")
	body, _ := io.ReadAll(r.Body)
	call := slackCall{Method: name, At: time.Now()}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(body, &call.JSON); err != nil {
			call.Error = "invalid_json"
		}
	} else {
		call.Form, _ = url.ParseQuery(string(body))
		if t := call.Form.Get("token"); t != "" {
			token = t
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	res := map[string]any{"ok": true}
	switch {
	case call.Error != "":
	case token == "":
		call.Error = "not_authed"
	case token != f.token:
		call.Error = "invalid_auth"
	default:
		call.Error = f.handle(name, &call, res)
	}
	f.calls = append(f.calls, call)
	if call.Error != "" {
		res = map[string]any{"ok": false, "error": call.Error}
	}
	f.answer(w, res)
}

// handle answers one authenticated call into res, or returns Slack's error
// code. f.mu is held.
func (f *slackAPI) handle(name string, c *slackCall, res map[string]any) string {
	f.seq++
	ts := fmt.Sprintf("1780300000.%06d", f.seq)
	arg := func(k string) string {
		if c.Form != nil {
			return c.Form.Get(k)
		}
		if v, ok := c.JSON[k].(string); ok {
			return v
		}
		return ""
	}
	switch name {
	case "auth.test":
		for k, v := range map[string]any{"url": "https://pacer-e2e.slack.com/", "team": "Pacer E2E", "user": "pacer",
			"team_id": f.team, "user_id": "U0PACERBOT", "bot_id": "B0PACERBOT", "is_enterprise_install": false} {
			res[k] = v
		}
	case "chat.postMessage", "chat.update":
		channel, text := arg("channel"), arg("text")
		blocks, problem := parseBlocks(arg("blocks"), 50)
		if problem != "" {
			return problem
		}
		if text == "" && len(blocks) == 0 {
			return "no_text"
		}
		if strings.HasPrefix(channel, "U") || strings.HasPrefix(channel, "W") {
			channel = "D" + channel[1:] // a DM with the user
		}
		if name == "chat.update" {
			ts = arg("ts")
			m := f.messages[channel+"/"+ts]
			if m == nil {
				return "message_not_found"
			}
			m.Text, m.Blocks = text, blocks
			res["channel"], res["ts"], res["text"] = channel, ts, text
			return ""
		}
		thread := arg("thread_ts")
		if thread != "" && f.messages[channel+"/"+thread] == nil {
			return "thread_not_found"
		}
		f.messages[channel+"/"+ts] = &slackMessage{Channel: channel, TS: ts, ThreadTS: thread, Text: text, Blocks: blocks}
		res["channel"], res["ts"] = channel, ts
		res["message"] = map[string]any{"type": "message", "user": "U0PACERBOT", "bot_id": "B0PACERBOT", "text": text, "ts": ts}
	case "chat.postEphemeral":
		if arg("channel") == "" || arg("user") == "" {
			return "invalid_arguments"
		}
		if _, problem := parseBlocks(arg("blocks"), 50); problem != "" {
			return problem
		}
		res["message_ts"] = ts
	case "views.open", "views.update", "views.publish":
		view, _ := c.JSON["view"].(map[string]any)
		if view == nil {
			return "invalid_arguments"
		}
		raw, _ := json.Marshal(view["blocks"])
		if _, problem := parseBlocks(string(raw), 100); problem != "" {
			return problem
		}
		if name == "views.open" {
			trigger := arg("trigger_id")
			issued, ok := f.triggers[trigger]
			switch {
			case f.used[trigger]:
				return "exchanged_trigger_id"
			case !ok:
				return "invalid_trigger_id"
			case time.Since(issued) > 3*time.Second:
				return "expired_trigger_id"
			}
			f.used[trigger] = true
		}
		id := fmt.Sprintf("V%08d", f.seq)
		echo := map[string]any{"id": id, "team_id": f.team, "app_id": "A0PACER", "bot_id": "B0PACERBOT",
			"hash": fmt.Sprintf("%d.%08x", 1780300000+f.seq, f.seq), "state": map[string]any{"values": map[string]any{}}}
		for k, v := range view {
			echo[k] = v
		}
		if name == "views.open" {
			f.views[id] = echo
			c.ViewID = id
		}
		res["view"] = echo
	case "usergroups.users.list":
		members, ok := f.groups[arg("usergroup")]
		if !ok {
			return "no_such_subteam"
		}
		res["users"] = members
	case "conversations.open":
		users := arg("users")
		if users == "" {
			return "users_list_not_supplied"
		}
		res["channel"] = map[string]any{"id": "D" + strings.TrimPrefix(strings.Split(users, ",")[0], "U")}
	case "users.info":
		res["user"] = map[string]any{"id": arg("user"), "team_id": f.team, "name": strings.ToLower(arg("user")), "tz": "Europe/Berlin"}
	case "conversations.info":
		res["channel"] = map[string]any{"id": arg("channel"), "name": "campaign", "is_channel": true, "is_member": true}
	default:
		return "unknown_method"
	}
	return ""
}

// parseBlocks decodes Block Kit blocks (empty: none) and checks the limits
// Slack enforces: at most max blocks, section texts of 3,000 characters,
// button values of 2,000, block_ids unique.
func parseBlocks(raw string, max int) ([]map[string]any, string) {
	if raw == "" || raw == "null" {
		return nil, ""
	}
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
		return nil, "invalid_blocks_format"
	}
	if len(blocks) > max {
		return nil, "invalid_blocks"
	}
	ids := map[string]bool{}
	for _, b := range blocks {
		if id, _ := b["block_id"].(string); id != "" {
			if ids[id] {
				return nil, "invalid_blocks"
			}
			ids[id] = true
		}
		if text, ok := b["text"].(map[string]any); ok && len([]rune(fmt.Sprint(text["text"]))) > 3000 {
			return nil, "invalid_blocks"
		}
		elems, _ := b["elements"].([]any)
		for _, e := range elems {
			if el, ok := e.(map[string]any); ok && len(fmt.Sprint(el["value"])) > 2000 {
				return nil, "invalid_blocks"
			}
		}
	}
	return blocks, ""
}

// responseURL receives a post to a response_url.
func (f *slackAPI) responseURL(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	call := slackCall{Method: "response_url", At: time.Now(), Path: r.URL.Path}
	if err := json.Unmarshal(body, &call.JSON); err != nil {
		call.Error = "invalid_payload"
	}
	f.mu.Lock()
	f.calls = append(f.calls, call)
	f.mu.Unlock()
	if call.Error != "" {
		http.Error(w, call.Error, http.StatusBadRequest)
		return
	}
	_, _ = w.Write([]byte("ok"))
}

// callsTo returns the recorded calls of a method.
func (f *slackAPI) callsTo(method string) []slackCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []slackCall
	for _, c := range f.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// allCalls returns every recorded call.
func (f *slackAPI) allCalls() []slackCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// summary lists the last n calls, last first, one line each: when, the
// method, to whom and where, the start of its text and the error answered.
// Tests log it when they fail.
func (f *slackAPI) summary(n int) string {
	calls := f.allCalls()
	var sb strings.Builder
	for i := len(calls) - 1; i >= 0 && i >= len(calls)-n; i-- {
		c := calls[i]
		arg := func(k string) string {
			if v := c.Form.Get(k); v != "" {
				return v
			}
			v, _ := c.JSON[k].(string)
			return v
		}
		text := []rune(arg("text"))
		if len(text) > 100 {
			text = append(text[:100], '…')
		}
		fmt.Fprintf(&sb, "%s %s%s user=%s channel=%s ts=%s %q", c.At.Format("15:04:05.000"), c.Method, c.Path,
			arg("user"), arg("channel"), arg("ts"), string(text))
		if c.Error != "" {
			sb.WriteString(" error=" + c.Error)
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

// refused returns the calls the fake answered with an error.
func (f *slackAPI) refused() []slackCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []slackCall
	for _, c := range f.calls {
		if c.Error != "" {
			out = append(out, c)
		}
	}
	return out
}

// responses returns what was posted to a response_url.
func (f *slackAPI) responses(responseURL string) []slackCall {
	path := strings.TrimPrefix(responseURL, f.srv.URL)
	var out []slackCall
	for _, c := range f.callsTo("response_url") {
		if c.Path == path {
			out = append(out, c)
		}
	}
	return out
}

// message returns a copy of a message as it reads now.
func (f *slackAPI) message(channel, ts string) (slackMessage, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.messages[channel+"/"+ts]
	if !ok {
		return slackMessage{}, false
	}
	return *m, true
}

// thread returns the messages posted in a message's thread, oldest first.
func (f *slackAPI) thread(channel, ts string) []slackMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []slackMessage
	for _, m := range f.messages {
		if m.Channel == channel && m.ThreadTS == ts {
			out = append(out, *m)
		}
	}
	slices.SortFunc(out, func(a, b slackMessage) int { return strings.Compare(a.TS, b.TS) })
	return out
}

// channelMessages returns the top-level messages of a channel, oldest first.
func (f *slackAPI) channelMessages(channel string) []slackMessage {
	return f.thread(channel, "")
}

// view returns a modal views.open opened.
func (f *slackAPI) view(id string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.views[id]
}

// blocksJSON is everything a message shows, to compare two of its states
// (JSON orders map keys).
func blocksJSON(m slackMessage) string {
	raw, _ := json.Marshal(m.Blocks)
	return m.Text + "\n" + string(raw)
}

// blocksText is the text blocks show (mrkdwn left as it is), one text
// object a line.
func blocksText(blocks []map[string]any) string {
	var sb strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				if s, ok := v[k].(string); ok && k == "text" {
					sb.WriteString(s + "\n")
					continue
				}
				walk(v[k])
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	for _, b := range blocks {
		walk(map[string]any(b))
	}
	return sb.String()
}

// slackSign returns the headers Slack signs a request with (v0: HMAC-SHA256
// of "v0:timestamp:body" under the signing secret). It is written here
// rather than taken from package bot, so that the test checks the bot's
// verification against Slack's documented scheme, not against itself.
func slackSign(secret string, at time.Time, body string) http.Header {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":" + body))
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	h.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	return h
}
