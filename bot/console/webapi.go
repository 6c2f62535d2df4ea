package console

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxAPIBody bounds a Web API call's body.
const maxAPIBody = 4 << 20

// apiHandler serves the Web API (/api/{method}) and the response URLs
// (/response/{id}), to the bot only: HTTPClient is their one way in.
func (w *Workspace) apiHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", w.serveMethod)
	mux.HandleFunc("POST /response/{id...}", w.serveResponseURL)
	return mux
}

// call is one Web API call's arguments, form-encoded or JSON as the
// method's client sent them.
type call struct {
	form url.Values
	json map[string]any
}

func (c call) str(k string) string {
	if c.json != nil {
		s, _ := c.json[k].(string)
		return s
	}
	return c.form.Get(k)
}

// raw returns an argument that is JSON (blocks, view): a JSON string in a
// form, a value in a JSON body.
func (c call) raw(k string) json.RawMessage {
	if c.json != nil {
		v, ok := c.json[k]
		if !ok {
			return nil
		}
		if s, isString := v.(string); isString {
			return json.RawMessage(s)
		}
		b, _ := json.Marshal(v)
		return b
	}
	if s := c.form.Get(k); s != "" {
		return json.RawMessage(s)
	}
	return nil
}

// apiError is a refusal in Slack's shape: {"ok":false,"error":…}, with
// response_metadata.messages when Slack gives details.
type apiError struct {
	code     string
	messages []string
}

func refuse(code string, messages ...string) *apiError {
	return &apiError{code: code, messages: messages}
}

func (w *Workspace) serveMethod(rw http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, maxAPIBody))
	if err != nil {
		writeAPI(rw, nil, refuse("request_too_large"))
		return
	}
	var c call
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(body, &c.json); err != nil {
			writeAPI(rw, nil, refuse("invalid_json"))
			return
		}
	} else {
		if c.form, err = url.ParseQuery(string(body)); err != nil {
			writeAPI(rw, nil, refuse("invalid_form_data"))
			return
		}
		// Methods read with GET (chat.getPermalink) carry their arguments
		// in the query string.
		for k, v := range r.URL.Query() {
			c.form[k] = append(c.form[k], v...)
		}
		if t := c.form.Get("token"); t != "" {
			token = t
		}
	}
	switch {
	case token == "":
		writeAPI(rw, nil, refuse("not_authed"))
		return
	case subtle.ConstantTimeCompare([]byte(token), []byte(w.botToken)) != 1:
		writeAPI(rw, nil, refuse("invalid_auth"))
		return
	}
	res, apiErr := w.method(method, c)
	writeAPI(rw, res, apiErr)
}

func writeAPI(rw http.ResponseWriter, res map[string]any, apiErr *apiError) {
	if apiErr != nil {
		res = map[string]any{"ok": false, "error": apiErr.code}
		if len(apiErr.messages) > 0 {
			res["response_metadata"] = map[string]any{"messages": apiErr.messages}
		}
	} else {
		if res == nil {
			res = map[string]any{}
		}
		res["ok"] = true
	}
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(rw).Encode(res)
}

// method answers one Web API method
// (https://docs.slack.dev/reference/methods).
func (w *Workspace) method(name string, c call) (map[string]any, *apiError) {
	switch name {
	case "auth.test":
		return map[string]any{"url": "https://" + teamDomain + ".slack.com/", "team": teamName, "user": "pacer",
			"team_id": TeamID, "user_id": BotUserID, "bot_id": botID, "is_enterprise_install": false}, nil
	case "chat.postMessage":
		return w.postMessage(c)
	case "chat.update":
		return w.updateMessage(c)
	case "chat.delete":
		return w.deleteMessage(c)
	case "chat.postEphemeral":
		return w.postEphemeral(c)
	case "chat.getPermalink":
		return w.permalink(c)
	case "views.open", "views.update", "views.publish":
		return w.view(name, c)
	case "usergroups.users.list":
		// The console's workspace has no user groups: its one person is an
		// approver by user ID.
		return nil, refuse("no_such_subteam")
	case "conversations.open":
		users := c.str("users")
		if users == "" {
			return nil, refuse("users_list_not_supplied")
		}
		return map[string]any{"channel": map[string]any{"id": dmChannel(strings.Split(users, ",")[0])}}, nil
	case "conversations.info":
		ch := c.str("channel")
		if ch == "" {
			return nil, refuse("channel_not_found")
		}
		return map[string]any{"channel": map[string]any{"id": ch, "name": w.channelName(ch), "is_channel": !strings.HasPrefix(ch, "D"),
			"is_im": strings.HasPrefix(ch, "D"), "is_member": true}}, nil
	case "users.info":
		u := c.str("user")
		if u == "" {
			return nil, refuse("user_not_found")
		}
		return map[string]any{"user": map[string]any{"id": u, "team_id": TeamID, "name": w.userName(u), "real_name": w.userName(u),
			"tz": time.Local.String(), "is_bot": u == BotUserID}}, nil
	}
	return nil, refuse("unknown_method")
}

// channelFor resolves a chat.postMessage channel: a user ID posts in the
// direct-message channel with that user, as Slack does.
func channelFor(ch string) (string, *apiError) {
	switch {
	case ch == "":
		return "", refuse("channel_not_found")
	case strings.HasPrefix(ch, "U"), strings.HasPrefix(ch, "W"):
		return dmChannel(ch), nil
	case strings.HasPrefix(ch, "C"), strings.HasPrefix(ch, "G"), strings.HasPrefix(ch, "D"):
		return ch, nil
	}
	return "", refuse("channel_not_found")
}

// messageBody reads a message's text and blocks, as Slack checks them.
func messageBody(c call) (string, json.RawMessage, *apiError) {
	text, raw := c.str("text"), c.raw("blocks")
	blocks, problems := checkBlocks(raw, maxMessageBlocks)
	if len(problems) > 0 {
		return "", nil, refuse("invalid_blocks", problems...)
	}
	if text == "" && len(blocks) == 0 {
		return "", nil, refuse("no_text")
	}
	if len(blocks) == 0 {
		raw = nil
	}
	return text, raw, nil
}

func (w *Workspace) postMessage(c call) (map[string]any, *apiError) {
	channel, apiErr := channelFor(c.str("channel"))
	if apiErr != nil {
		return nil, apiErr
	}
	text, blocks, apiErr := messageBody(c)
	if apiErr != nil {
		return nil, apiErr
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	thread := c.str("thread_ts")
	if thread != "" {
		parent := w.message(channel, thread)
		if parent == nil {
			return nil, refuse("thread_not_found")
		}
		if parent.ThreadTS != "" {
			thread = parent.ThreadTS
		}
	}
	m := Message{Channel: channel, TS: w.nextTS(), ThreadTS: thread, User: BotUserID, Text: text, Blocks: blocks}
	w.addMessage(m)
	return map[string]any{"channel": channel, "ts": m.TS, "message": messageJSON(m)}, nil
}

func (w *Workspace) updateMessage(c call) (map[string]any, *apiError) {
	channel, ts := c.str("channel"), c.str("ts")
	text, blocks, apiErr := messageBody(c)
	if apiErr != nil {
		return nil, apiErr
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	m := w.message(channel, ts)
	if m == nil {
		return nil, refuse("message_not_found")
	}
	if m.User != BotUserID {
		return nil, refuse("cant_update_message")
	}
	m.Text, m.Blocks, m.Edited = text, blocks, w.nextTS()
	w.save()
	w.changed()
	return map[string]any{"channel": channel, "ts": ts, "text": text, "message": messageJSON(*m)}, nil
}

func (w *Workspace) deleteMessage(c call) (map[string]any, *apiError) {
	channel, ts := c.str("channel"), c.str("ts")
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, m := range w.messages {
		if m.Channel == channel && m.TS == ts {
			w.messages = append(w.messages[:i], w.messages[i+1:]...)
			w.save()
			w.changed()
			return map[string]any{"channel": channel, "ts": ts}, nil
		}
	}
	return nil, refuse("message_not_found")
}

// permalink answers chat.getPermalink with a link in Slack's form on the
// console's domain (https://pacer-console.slack.com/archives/C…/p…), which
// the page opens in place.
func (w *Workspace) permalink(c call) (map[string]any, *apiError) {
	channel, ts := c.str("channel"), c.str("message_ts")
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.message(channel, ts) == nil {
		return nil, refuse("message_not_found")
	}
	link := "https://" + teamDomain + ".slack.com/archives/" + channel + "/p" + strings.ReplaceAll(ts, ".", "")
	return map[string]any{"channel": channel, "permalink": link}, nil
}

func (w *Workspace) postEphemeral(c call) (map[string]any, *apiError) {
	channel, user := c.str("channel"), c.str("user")
	if channel == "" || user == "" {
		return nil, refuse("invalid_arguments")
	}
	channel, apiErr := channelFor(channel)
	if apiErr != nil {
		return nil, apiErr
	}
	text, blocks, apiErr := messageBody(c)
	if apiErr != nil {
		return nil, apiErr
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	m := Message{Channel: channel, TS: w.nextTS(), ThreadTS: c.str("thread_ts"), User: BotUserID, Text: text, Blocks: blocks, For: user}
	w.addEphemeral(m)
	return map[string]any{"message_ts": m.TS}, nil
}

// view answers views.open, views.update and views.publish.
func (w *Workspace) view(name string, c call) (map[string]any, *apiError) {
	var view map[string]any
	if err := json.Unmarshal(c.raw("view"), &view); err != nil || view == nil {
		return nil, refuse("invalid_arguments", "[ERROR] missing required field: view")
	}
	raw, _ := json.Marshal(view["blocks"])
	if _, problems := checkBlocks(raw, maxViewBlocks); len(problems) > 0 {
		return nil, refuse("invalid_blocks", problems...)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	echo := func(id, user string) map[string]any {
		out := map[string]any{"id": id, "team_id": TeamID, "app_id": appID, "bot_id": botID, "app_installed_team_id": TeamID,
			"hash": w.nextTS(), "state": map[string]any{"values": map[string]any{}}, "previous_view_id": nil,
			"root_view_id": id, "external_id": "", "private_metadata": "", "callback_id": "", "clear_on_close": false, "notify_on_close": false}
		for k, v := range view {
			out[k] = v
		}
		return out
	}
	switch name {
	case "views.open":
		if view["type"] != "modal" {
			return nil, refuse("invalid_arguments", "[ERROR] views.open opens a view of type modal")
		}
		trigger := c.str("trigger_id")
		issued, ok := w.triggers[trigger]
		switch {
		case trigger == "" || !ok:
			return nil, refuse("invalid_trigger_id")
		case w.opts.Now().Sub(issued) > triggerLife:
			delete(w.triggers, trigger)
			return nil, refuse("expired_trigger_id")
		}
		delete(w.triggers, trigger)
		id := w.nextID("V")
		v := &openView{ID: id, User: w.opts.User, View: echo(id, w.opts.User)}
		// One modal at a time: a new one replaces what was open.
		clear(w.views)
		w.views[id] = v
		w.changed()
		return map[string]any{"view": v.View}, nil
	case "views.update":
		id := c.str("view_id")
		v := w.views[id]
		if v == nil {
			return nil, refuse("not_found")
		}
		v.View = echo(id, v.User)
		w.changed()
		return map[string]any{"view": v.View}, nil
	default: // views.publish
		user := c.str("user_id")
		if user == "" {
			return nil, refuse("invalid_arguments", "[ERROR] missing required field: user_id")
		}
		if view["type"] != "home" {
			return nil, refuse("invalid_arguments", "[ERROR] views.publish publishes a view of type home")
		}
		v := echo(w.nextID("V"), user)
		w.homes[user], _ = json.Marshal(v)
		w.save()
		w.changed()
		return map[string]any{"view": v}, nil
	}
}

// serveResponseURL receives a post to a response_url: a message in the
// channel (in_channel) or for the person alone (ephemeral), or a change of
// the message the button was in (replace_original, delete_original).
func (w *Workspace) serveResponseURL(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, maxAPIBody))
	var p struct {
		Text            string          `json:"text"`
		Blocks          json.RawMessage `json:"blocks"`
		ResponseType    string          `json:"response_type"`
		ReplaceOriginal bool            `json:"replace_original"`
		DeleteOriginal  bool            `json:"delete_original"`
		ThreadTS        string          `json:"thread_ts"`
	}
	if err != nil || json.Unmarshal(body, &p) != nil {
		http.Error(rw, "invalid_payload", http.StatusBadRequest)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	target := w.responses[r.PathValue("id")]
	if target == nil || w.opts.Now().After(target.Expires) {
		http.Error(rw, "expired_url", http.StatusNotFound)
		return
	}
	if string(p.Blocks) == "null" {
		p.Blocks = nil
	}
	if p.DeleteOriginal || p.ReplaceOriginal {
		m := w.message(target.Channel, target.MessageTS)
		if m == nil {
			http.Error(rw, "message_not_found", http.StatusNotFound)
			return
		}
		if p.DeleteOriginal {
			for i := range w.messages {
				if &w.messages[i] == m {
					w.messages = append(w.messages[:i], w.messages[i+1:]...)
					break
				}
			}
		} else {
			m.Text, m.Blocks, m.Edited = p.Text, p.Blocks, w.nextTS()
		}
		w.save()
		w.changed()
		_, _ = io.WriteString(rw, "ok")
		return
	}
	if _, problems := checkBlocks(p.Blocks, maxMessageBlocks); len(problems) > 0 {
		http.Error(rw, "invalid_blocks", http.StatusBadRequest)
		return
	}
	if p.Text == "" && len(p.Blocks) == 0 {
		http.Error(rw, "no_text", http.StatusBadRequest)
		return
	}
	m := Message{Channel: target.Channel, TS: w.nextTS(), ThreadTS: p.ThreadTS, User: BotUserID, Text: p.Text, Blocks: p.Blocks}
	if p.ResponseType == "in_channel" {
		w.addMessage(m)
	} else {
		m.For = target.User
		w.addEphemeral(m)
	}
	_, _ = io.WriteString(rw, "ok")
}

// messageJSON is a message as the Web API answers it.
func messageJSON(m Message) map[string]any {
	out := map[string]any{"type": "message", "text": m.Text, "ts": m.TS, "user": m.User, "team": TeamID}
	if m.User == BotUserID {
		out["bot_id"], out["subtype"] = botID, "bot_message"
	}
	if len(m.Blocks) > 0 {
		out["blocks"] = m.Blocks
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	return out
}

// channelName names a channel for people ("demo"); its ID when unknown.
func (w *Workspace) channelName(ch string) string {
	if n := w.opts.Channels[ch]; n != "" {
		return n
	}
	if ch == dmChannel(w.opts.User) {
		return "pacer"
	}
	return ch
}

// userName names a user for people.
func (w *Workspace) userName(u string) string {
	switch u {
	case w.opts.User:
		return w.opts.UserName
	case BotUserID:
		return "Pacer"
	}
	return u
}
