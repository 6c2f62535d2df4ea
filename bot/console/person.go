package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pacerhq/pacer/bot"
)

// slackbot is the user the console's own notices come from, as Slack's do.
const slackbot = "USLACKBOT"

// errNotConnected means the bot is not connected yet (serve is starting).
var errNotConnected = errors.New("console: Pacer is still starting; try again in a moment")

// errStale means the page shows something the workspace no longer has.
var errStale = errors.New("console: this message or form changed meanwhile; the page now shows it as it is")

// send posts a body to one of the bot's HTTP-mode endpoints, signed as
// Slack signs, and returns the bot's answer (its ack).
func (w *Workspace) send(ctx context.Context, path, contentType string, body []byte) (int, []byte, error) {
	w.mu.Lock()
	app := w.app
	w.mu.Unlock()
	if app == nil {
		return 0, nil, errNotConnected
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://console.invalid"+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header = bot.Sign(w.signingSecret, w.opts.Now(), body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	rec := serve(app, req)
	return rec.code, rec.body.Bytes(), nil
}

// sendInteraction posts an interaction payload as Slack does: the JSON in
// the form field payload.
func (w *Workspace) sendInteraction(ctx context.Context, payload map[string]any) (int, []byte, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return 0, nil, err
	}
	return w.send(ctx, bot.PathInteractivity, "application/x-www-form-urlencoded", []byte(url.Values{"payload": {string(raw)}}.Encode()))
}

// newTrigger issues a trigger_id, which lets the bot open one modal.
func (w *Workspace) newTrigger() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.opts.Now()
	for id, at := range w.triggers {
		if now.Sub(at) > triggerLife {
			delete(w.triggers, id)
		}
	}
	w.seq++
	id := fmt.Sprintf("%d.%d.%s", now.Unix(), w.seq, randomHex(16))
	w.triggers[id] = now
	return id
}

// newResponseURL issues a response_url answering in channel, to user,
// about the message at messageTS (for a click).
func (w *Workspace) newResponseURL(channel, user, messageTS string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.opts.Now()
	for id, r := range w.responses {
		if now.After(r.Expires) {
			delete(w.responses, id)
		}
	}
	id := TeamID + "/" + randomHex(12)
	w.responses[id] = &responseTarget{Channel: channel, User: user, MessageTS: messageTS, Expires: now.Add(responseLife)}
	return responseBase + id
}

func (w *Workspace) userObject() map[string]any {
	return map[string]any{"id": w.opts.User, "username": w.opts.UserName, "name": w.opts.UserName, "team_id": TeamID}
}

func (w *Workspace) team() map[string]any { return map[string]any{"id": TeamID, "domain": teamDomain} }

// notice shows the person a message from the console itself.
func (w *Workspace) notice(channel, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.addEphemeral(Message{Channel: channel, TS: w.nextTS(), User: slackbot, Text: text, For: w.opts.User})
}

// command is the person typing text in channel. A slash command goes to
// the bot as Slack sends it; its ack is shown as Slack shows it. Anything
// else is a message of theirs in the channel (Pacer does not read those).
func (w *Workspace) command(ctx context.Context, channel, text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	if !strings.HasPrefix(text, "/") {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.addMessage(Message{Channel: channel, TS: w.nextTS(), User: w.opts.User, Text: escapeMrkdwn(text)})
		return nil
	}
	name, rest, _ := strings.Cut(text, " ")
	if name != "/pacer" {
		w.notice(channel, fmt.Sprintf("`%s` is not a command here: the console knows Pacer's `/pacer`. Try `/pacer help`.", escapeMrkdwn(name)))
		return nil
	}
	form := url.Values{
		"token": {w.verification}, "team_id": {TeamID}, "team_domain": {teamDomain},
		"channel_id": {channel}, "channel_name": {w.channelName(channel)},
		"user_id": {w.opts.User}, "user_name": {w.opts.UserName},
		"command": {name}, "text": {strings.TrimSpace(rest)},
		"api_app_id": {appID}, "is_enterprise_install": {"false"},
		"response_url": {w.newResponseURL(channel, w.opts.User, "")}, "trigger_id": {w.newTrigger()},
	}
	code, body, err := w.send(ctx, bot.PathCommands, "application/x-www-form-urlencoded", []byte(form.Encode()))
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		w.notice(channel, fmt.Sprintf("`%s` failed: Pacer answered HTTP %d. Its log says why.", name, code))
		return nil
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	var ack struct {
		ResponseType string          `json:"response_type"`
		Text         string          `json:"text"`
		Blocks       json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(body, &ack); err != nil {
		// Slack shows a plain-text ack as it is.
		ack.Text = escapeMrkdwn(string(body))
	}
	if string(ack.Blocks) == "null" {
		ack.Blocks = nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	m := Message{Channel: channel, TS: w.nextTS(), User: BotUserID, Text: ack.Text, Blocks: ack.Blocks}
	if ack.ResponseType == "in_channel" {
		w.addMessage(m)
	} else {
		m.For = w.opts.User
		w.addEphemeral(m)
	}
	return nil
}

// click is the person clicking a button of a message: the bot receives
// the block_actions payload Slack would send, with the button as the
// message holds it now.
func (w *Workspace) click(ctx context.Context, channel, ts, blockID, actionID string) error {
	w.mu.Lock()
	var m *Message
	ephemeral := false
	if m = w.message(channel, ts); m == nil {
		for i := range w.ephemerals {
			if e := &w.ephemerals[i]; e.Channel == channel && e.TS == ts && e.For == w.opts.User {
				m, ephemeral = e, true
			}
		}
	}
	if m == nil {
		w.mu.Unlock()
		return errStale
	}
	msg := *m
	w.mu.Unlock()
	blocks, _ := checkBlocks(msg.Blocks, maxViewBlocks)
	blockID, el := findElement(blocks, blockID, actionID)
	if el == nil {
		return errStale
	}
	container := map[string]any{"type": "message", "message_ts": msg.TS, "channel_id": channel, "is_ephemeral": ephemeral}
	if msg.ThreadTS != "" {
		container["thread_ts"] = msg.ThreadTS
	}
	payload := map[string]any{
		"type": "block_actions", "user": w.userObject(), "api_app_id": appID, "token": w.verification,
		"container": container, "trigger_id": w.newTrigger(), "team": w.team(), "enterprise": nil,
		"is_enterprise_install": false, "channel": map[string]any{"id": channel, "name": w.channelName(channel)},
		"state": map[string]any{"values": map[string]any{}}, "actions": []any{w.action(el, blockID, actionID)},
		"response_url": w.newResponseURL(channel, w.opts.User, msg.TS),
	}
	if !ephemeral {
		payload["message"] = messageJSON(msg)
	}
	code, _, err := w.sendInteraction(ctx, payload)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		w.notice(channel, fmt.Sprintf(":warning: Pacer did not take the click (HTTP %d). Its log says why.", code))
	}
	return nil
}

// clickHome is the person clicking a button of the bot's App Home tab: the
// bot receives the block_actions payload Slack sends for a view, which
// carries neither a channel nor a response_url.
func (w *Workspace) clickHome(ctx context.Context, blockID, actionID string) error {
	w.mu.Lock()
	var view map[string]any
	err := json.Unmarshal(w.homes[w.opts.User], &view)
	w.mu.Unlock()
	if err != nil || view == nil {
		return errStale
	}
	raw, _ := json.Marshal(view["blocks"])
	blocks, _ := checkBlocks(raw, maxViewBlocks)
	blockID, el := findElement(blocks, blockID, actionID)
	if el == nil {
		return errStale
	}
	payload := map[string]any{
		"type": "block_actions", "user": w.userObject(), "api_app_id": appID, "token": w.verification,
		"container": map[string]any{"type": "view", "view_id": view["id"]}, "trigger_id": w.newTrigger(),
		"team": w.team(), "enterprise": nil, "is_enterprise_install": false, "view": view,
		"actions": []any{w.action(el, blockID, actionID)},
	}
	code, _, err := w.sendInteraction(ctx, payload)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		w.notice(dmChannel(w.opts.User), fmt.Sprintf(":warning: Pacer did not take the click (HTTP %d). Its log says why.", code))
	}
	return nil
}

// action is a clicked element as a block_actions payload carries it.
func (w *Workspace) action(el map[string]any, blockID, actionID string) map[string]any {
	action := map[string]any{"action_id": actionID, "block_id": blockID, "type": el["type"], "action_ts": w.actionTS()}
	for _, k := range []string{"text", "value", "style", "url"} {
		if v, ok := el[k]; ok {
			action[k] = v
		}
	}
	return action
}

func (w *Workspace) actionTS() string {
	micro := w.opts.Now().UnixMicro()
	return strconv.FormatInt(micro/1e6, 10) + "." + fmt.Sprintf("%06d", micro%1e6)
}

// submitResult is what a submitted modal came to: closed, or kept open with
// messages under its inputs.
type submitResult struct {
	Closed bool              `json:"closed"`
	Errors map[string]string `json:"errors,omitempty"`
}

// submit is the person submitting a modal with values by block_id. The
// inputs are checked as Slack's client checks them (required, lengths),
// then the bot receives the view_submission payload and its ack decides.
func (w *Workspace) submit(ctx context.Context, viewID string, values map[string]string) (submitResult, error) {
	w.mu.Lock()
	v := w.views[viewID]
	var view map[string]any
	if v != nil {
		view = maps.Clone(v.View)
	}
	w.mu.Unlock()
	if v == nil {
		return submitResult{}, errStale
	}
	state := map[string]any{}
	problems := map[string]string{}
	blocks, _ := view["blocks"].([]any)
	for _, b := range blocks {
		block, _ := b.(map[string]any)
		id, _ := block["block_id"].(string)
		el, _ := block["element"].(map[string]any)
		if block["type"] != "input" || el == nil {
			continue
		}
		value := values[id]
		if problem := checkInput(el, value, block["optional"] == true); problem != "" {
			problems[id] = problem
			continue
		}
		state[id] = map[string]any{fmt.Sprint(el["action_id"]): map[string]any{"type": el["type"], "value": value}}
	}
	if len(problems) > 0 {
		return submitResult{Errors: problems}, nil
	}
	view["state"] = map[string]any{"values": state}
	payload := map[string]any{
		"type": "view_submission", "team": w.team(), "user": w.userObject(), "api_app_id": appID,
		"token": w.verification, "trigger_id": w.newTrigger(), "view": view, "response_urls": []any{},
		"is_enterprise_install": false, "enterprise": nil,
	}
	code, body, err := w.sendInteraction(ctx, payload)
	if err != nil {
		return submitResult{}, err
	}
	if code != http.StatusOK {
		return submitResult{Errors: map[string]string{"": fmt.Sprintf("Pacer did not take the form (HTTP %d); try again.", code)}}, nil
	}
	var ack struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
		View           map[string]any    `json:"view"`
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &ack); err != nil {
			return submitResult{Errors: map[string]string{"": "Pacer answered the form with something Slack would not understand; try again."}}, nil
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch ack.ResponseAction {
	case "errors":
		return submitResult{Errors: ack.Errors}, nil
	case "update", "push":
		if cur := w.views[viewID]; cur != nil && ack.View != nil {
			for k, val := range ack.View {
				cur.View[k] = val
			}
			w.changed()
			return submitResult{}, nil
		}
	}
	delete(w.views, viewID)
	w.changed()
	return submitResult{Closed: true}, nil
}

// checkInput checks a modal input as Slack's client does before it submits.
func checkInput(el map[string]any, value string, optional bool) string {
	n := utf8.RuneCountInString(value)
	switch {
	case strings.TrimSpace(value) == "" && !optional:
		return "Please fill out this field."
	case el["max_length"] != nil && float64(n) > toFloat(el["max_length"]):
		return fmt.Sprintf("Must be %v characters or fewer.", el["max_length"])
	case el["min_length"] != nil && n > 0 && float64(n) < toFloat(el["min_length"]):
		return fmt.Sprintf("Must be at least %v characters.", el["min_length"])
	}
	return ""
}

func toFloat(v any) float64 {
	f, _ := v.(float64)
	return f
}

// closeView is the person closing a modal; the bot hears of it only when
// the view asked (notify_on_close), as with Slack.
func (w *Workspace) closeView(ctx context.Context, viewID string) error {
	w.mu.Lock()
	v := w.views[viewID]
	delete(w.views, viewID)
	w.changed()
	w.mu.Unlock()
	if v == nil || v.View["notify_on_close"] != true {
		return nil
	}
	_, _, err := w.sendInteraction(ctx, map[string]any{
		"type": "view_closed", "team": w.team(), "user": w.userObject(), "api_app_id": appID,
		"token": w.verification, "view": v.View, "is_cleared": false, "is_enterprise_install": false, "enterprise": nil,
	})
	return err
}

// openHome is the person opening the bot's App Home tab: the bot receives
// the app_home_opened event Slack would send, and publishes the tab.
func (w *Workspace) openHome(ctx context.Context) error {
	w.mu.Lock()
	ts := w.nextTS()
	w.seq++
	eventID := fmt.Sprintf("Ev%08d", w.seq)
	w.mu.Unlock()
	body, err := json.Marshal(map[string]any{
		"token": w.verification, "team_id": TeamID, "api_app_id": appID, "type": "event_callback",
		"event":    map[string]any{"type": "app_home_opened", "user": w.opts.User, "channel": dmChannel(w.opts.User), "tab": "home", "event_ts": ts},
		"event_id": eventID, "event_time": w.opts.Now().Unix(), "is_ext_shared_channel": false,
		"authorizations": []any{map[string]any{"team_id": TeamID, "user_id": BotUserID, "is_bot": true, "is_enterprise_install": false}},
	})
	if err != nil {
		return err
	}
	code, _, err := w.send(ctx, bot.PathEvents, "application/json", body)
	if err == nil && code != http.StatusOK {
		err = fmt.Errorf("console: Pacer answered the App Home event with HTTP %d", code)
	}
	return err
}

// escapeMrkdwn escapes what a person types, as Slack's client does before
// it posts.
func escapeMrkdwn(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
