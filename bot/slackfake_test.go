package bot

import (
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/slacktest"
)

// fakeSlack is Slack's Web API as the bot meets it, on slack-go's slacktest
// server: it records every call (chat.postMessage, chat.update,
// chat.postEphemeral, views.open, views.update, views.publish,
// usergroups.users.list, auth.test, conversations.open,
// chat.getPermalink, files.getUploadURLExternal,
// files.completeUploadExternal) and every post to a response_url, and
// answers in the documented shapes. Files are uploaded as Slack's upload
// flow has it: an upload URL per file, the bytes posted there, then
// completed and shared (uploads keeps the bytes by file id). It also plays Socket Mode:
// apps.connections.open hands out a WebSocket on which the test sends
// envelopes and reads the acks.
type fakeSlack struct {
	srv *slacktest.Server

	mu     sync.Mutex
	calls  []apiCall
	seq    int
	groups map[string][]string
	// fail makes a method answer {"ok":false,"error":code}, with
	// failMessages as response_metadata.messages when set.
	fail         map[string]string
	failMessages map[string][]string
	// failIf, when set, fails the calls it returns a code for (a reply in
	// a thread, an update of one message).
	failIf func(apiCall) string
	// delay holds every answer that long (a slow Slack).
	delay time.Duration
	// gate, when set, holds every answer until it is closed (a Slack that
	// does not answer).
	gate chan struct{}
	team string

	// uploads holds each file's bytes, posted to its upload URL, by id;
	// announced holds the length files.getUploadURLExternal was told.
	uploads   map[string][]byte
	announced map[string]int

	// Socket Mode: envelopes to send, acks received.
	envelopes chan string
	acks      chan socketAck
}

// apiCall is one recorded call.
type apiCall struct {
	Method string
	// Form holds form-encoded arguments (chat.*, usergroups.*); JSON holds
	// JSON bodies (views.*, response_url posts).
	Form url.Values
	JSON map[string]any
	// Path is the response_url's path for response_url posts.
	Path string
}

// blocks decodes the call's Block Kit blocks, from either encoding.
func (c apiCall) blocks(t testing.TB) []map[string]any {
	t.Helper()
	var raw any
	if c.Form != nil && c.Form.Get("blocks") != "" {
		if err := json.Unmarshal([]byte(c.Form.Get("blocks")), &raw); err != nil {
			t.Fatalf("%s: blocks are not JSON: %v", c.Method, err)
		}
	} else if c.JSON != nil {
		raw = c.JSON["blocks"]
		if v, ok := c.JSON["view"].(map[string]any); ok {
			raw = v["blocks"]
		}
	}
	list, _ := raw.([]any)
	out := make([]map[string]any, 0, len(list))
	for _, b := range list {
		m, _ := b.(map[string]any)
		out = append(out, m)
	}
	return out
}

// text is everything the call shows: its text and its blocks, as JSON.
func (c apiCall) text() string {
	var sb strings.Builder
	if c.Form != nil {
		sb.WriteString(c.Form.Get("text"))
		sb.WriteString(c.Form.Get("blocks"))
	}
	if c.JSON != nil {
		b, _ := json.Marshal(c.JSON)
		sb.Write(b)
	}
	// Read what Slack would show: json.Marshal escapes <, > and &.
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(sb.String())
}

type socketAck struct {
	EnvelopeID string          `json:"envelope_id"`
	Payload    json.RawMessage `json:"payload"`
}

const testTeam = "T0PACER"

func newFakeSlack(t testing.TB) *fakeSlack {
	f := &fakeSlack{groups: map[string][]string{}, fail: map[string]string{}, failMessages: map[string][]string{}, team: testTeam,
		uploads: map[string][]byte{}, announced: map[string]int{},
		envelopes: make(chan string, 16), acks: make(chan socketAck, 16)}
	f.srv = slacktest.NewTestServer(func(c slacktest.Customize) {
		for _, m := range []string{"chat.postMessage", "chat.update", "chat.postEphemeral", "views.open", "views.update",
			"views.publish", "usergroups.users.list", "auth.test", "apps.connections.open", "conversations.open", "chat.getPermalink",
			"files.getUploadURLExternal", "files.completeUploadExternal"} {
			c.Handle("/"+m, f.method(m))
		}
		c.Handle("/upload/v1/", f.upload)
		c.Handle("/response/", f.responseURL)
		c.Handle("/socket", f.socket)
	})
	f.srv.Start()
	t.Cleanup(f.srv.Stop)
	return f
}

// apiURL is what SLACK_API_URL points at.
func (f *fakeSlack) apiURL() string { return f.srv.GetAPIURL() }

// responseURL returns a response_url on the fake, named for the test.
func (f *fakeSlack) responseURLFor(name string) string {
	return "http://" + f.srv.ServerAddr + "/response/" + name
}

func (f *fakeSlack) method(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		call := apiCall{Method: name}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			_ = json.Unmarshal(body, &call.JSON)
		} else {
			call.Form, _ = url.ParseQuery(string(body))
			// chat.getPermalink is a GET: its arguments are in the query.
			for k, v := range r.URL.Query() {
				call.Form[k] = v
			}
		}
		f.mu.Lock()
		f.calls = append(f.calls, call)
		f.seq++
		seq := f.seq
		code, messages := f.fail[name], f.failMessages[name]
		if code == "" && f.failIf != nil {
			code = f.failIf(call)
		}
		delay, gate := f.delay, f.gate
		f.mu.Unlock()
		if gate != nil {
			<-gate
		}
		if delay > 0 {
			time.Sleep(delay)
		}
		w.Header().Set("Content-Type", "application/json")
		if code != "" && messages != nil {
			// As Slack documents it for invalid_blocks and its kin.
			b, _ := json.Marshal(map[string]any{"ok": false, "error": code, "response_metadata": map[string]any{"messages": messages}})
			_, _ = w.Write(b)
			return
		}
		if code != "" {
			fmt.Fprintf(w, `{"ok":false,"error":%q}`, code)
			return
		}
		ts := fmt.Sprintf("1780300000.%06d", seq)
		switch name {
		case "chat.postMessage", "chat.update":
			ch := call.Form.Get("channel")
			if name == "chat.update" {
				ts = call.Form.Get("ts")
			}
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q,"message":{"text":%q}}`, ch, ts, call.Form.Get("text"))
		case "chat.postEphemeral":
			fmt.Fprintf(w, `{"ok":true,"message_ts":%q}`, ts)
		case "views.open", "views.update", "views.publish":
			fmt.Fprintf(w, `{"ok":true,"view":{"id":"V%06d","type":"modal"}}`, seq)
		case "usergroups.users.list":
			f.mu.Lock()
			members := f.groups[call.Form.Get("usergroup")]
			f.mu.Unlock()
			if members == nil {
				fmt.Fprint(w, `{"ok":false,"error":"no_such_subteam"}`)
				return
			}
			b, _ := json.Marshal(members)
			fmt.Fprintf(w, `{"ok":true,"users":%s}`, b)
		case "auth.test":
			fmt.Fprintf(w, `{"ok":true,"url":"https://pacer-test.slack.com/","team":"Pacer Test","user":"pacer","team_id":%q,"user_id":"U0BOT","bot_id":"B0BOT"}`, f.team)
		case "conversations.open":
			// The direct-message channel with the user, as Slack answers
			// for an IM (https://docs.slack.dev/reference/methods/conversations.open).
			fmt.Fprintf(w, `{"ok":true,"no_op":true,"already_open":true,"channel":{"id":%q}}`, dmChannel(call.Form.Get("users")))
		case "chat.getPermalink":
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"permalink":%q}`, call.Form.Get("channel"),
				permalink(call.Form.Get("channel"), call.Form.Get("message_ts")))
		case "files.getUploadURLExternal":
			// https://docs.slack.dev/reference/methods/files.getUploadURLExternal
			length, err := strconv.Atoi(call.Form.Get("length"))
			if call.Form.Get("filename") == "" || err != nil || length <= 0 {
				fmt.Fprint(w, `{"ok":false,"error":"invalid_arguments"}`)
				return
			}
			id := fmt.Sprintf("F%08d", seq)
			f.mu.Lock()
			f.announced[id] = length
			f.mu.Unlock()
			fmt.Fprintf(w, `{"ok":true,"upload_url":"http://%s/upload/v1/%s","file_id":%q}`, f.srv.ServerAddr, id, id)
		case "files.completeUploadExternal":
			// https://docs.slack.dev/reference/methods/files.completeUploadExternal:
			// files is a JSON array of {id, title}; a file never uploaded
			// (or not in full) is not found.
			var files []struct {
				ID    string `json:"id"`
				Title string `json:"title"`
			}
			if err := json.Unmarshal([]byte(call.Form.Get("files")), &files); err != nil || len(files) == 0 {
				fmt.Fprint(w, `{"ok":false,"error":"invalid_arguments"}`)
				return
			}
			f.mu.Lock()
			for _, file := range files {
				if data, ok := f.uploads[file.ID]; !ok || len(data) != f.announced[file.ID] {
					f.mu.Unlock()
					fmt.Fprint(w, `{"ok":false,"error":"file_not_found"}`)
					return
				}
			}
			f.mu.Unlock()
			b, _ := json.Marshal(map[string]any{"ok": true, "files": files})
			_, _ = w.Write(b)
		case "apps.connections.open":
			fmt.Fprintf(w, `{"ok":true,"url":"ws://%s/socket"}`, f.srv.ServerAddr)
		}
	}
}

// upload is an upload URL: it takes the file's bytes, raw or as the
// multipart field "file", and answers 200 "OK - <length>"
// (https://docs.slack.dev/messaging/working-with-files#upload).
// With fail["upload_url"] set to "drop" it drops the connection, to
// "500" it answers 500.
func (f *fakeSlack) upload(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/v1/")
	f.mu.Lock()
	mode := f.fail["upload_url"]
	f.mu.Unlock()
	switch mode {
	case "drop":
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
			return
		}
	case "500":
		http.Error(w, "upload failed", http.StatusInternalServerError)
		return
	}
	var data []byte
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		var file multipart.File
		if file, _, err = r.FormFile("file"); err == nil {
			data, err = io.ReadAll(file)
		}
	} else {
		data, err = io.ReadAll(r.Body)
	}
	f.mu.Lock()
	_, announced := f.announced[id]
	if err == nil && announced {
		f.uploads[id] = data
		f.calls = append(f.calls, apiCall{Method: "upload_url", Path: r.URL.Path})
	}
	f.mu.Unlock()
	if err != nil || !announced {
		http.Error(w, "bad upload", http.StatusBadRequest)
		return
	}
	fmt.Fprintf(w, "OK - %d", len(data))
}

// uploaded returns the bytes uploaded for a file id.
func (f *fakeSlack) uploaded(id string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.uploads[id]
}

func (f *fakeSlack) responseURL(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	call := apiCall{Method: "response_url", Path: r.URL.Path}
	_ = json.Unmarshal(body, &call.JSON)
	f.mu.Lock()
	f.calls = append(f.calls, call)
	gate := f.gate
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	_, _ = w.Write([]byte("ok"))
}

// socket is Socket Mode's WebSocket: hello, then the test's envelopes; the
// client's acks go to f.acks.
func (f *fakeSlack) socket(w http.ResponseWriter, r *http.Request) {
	upgrader := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	if err := conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"hello","num_connections":1,"debug_info":{"host":"fake"},"connection_info":{"app_id":"A0PACER"}}`)); err != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			var a socketAck
			if err := conn.ReadJSON(&a); err != nil {
				return
			}
			f.acks <- a
		}
	}()
	for {
		select {
		case env := <-f.envelopes:
			if err := conn.WriteMessage(websocket.TextMessage, []byte(env)); err != nil {
				return
			}
		case <-done:
			return
		case <-r.Context().Done():
			return
		}
	}
}

// recorded returns the calls of the given methods (all when none given).
func (f *fakeSlack) recorded(methods ...string) []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []apiCall
	for _, c := range f.calls {
		if len(methods) == 0 || contains(methods, c.Method) {
			out = append(out, c)
		}
	}
	return out
}

// reset forgets the calls recorded so far.
func (f *fakeSlack) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = nil
}

func (f *fakeSlack) setGroup(id string, members ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groups[id] = members
}

func (f *fakeSlack) setFail(method, code string) {
	f.setFailWith(method, code)
}

// setFailWith makes method fail with code and, when given, Slack's detail
// in response_metadata.messages.
func (f *fakeSlack) setFailWith(method, code string, messages ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if code == "" {
		delete(f.fail, method)
		delete(f.failMessages, method)
		return
	}
	f.fail[method] = code
	f.failMessages[method] = messages
}

// setFailIf fails the calls for which fail returns an error code; nil
// stops it.
func (f *fakeSlack) setFailIf(fail func(apiCall) string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failIf = fail
}

// block holds every answer until release is called.
func (f *fakeSlack) block() (release func()) {
	gate := make(chan struct{})
	f.mu.Lock()
	f.gate = gate
	f.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			f.gate = nil
			f.mu.Unlock()
			close(gate)
		})
	}
}

func (f *fakeSlack) setDelay(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delay = d
}

// dmChannel is the fake's direct-message channel with a user.
func dmChannel(user string) string { return "D" + strings.TrimPrefix(user, "U") }

// permalink is the fake's permalink of a message, in Slack's form.
func permalink(channel, ts string) string {
	return "https://pacer-test.slack.com/archives/" + channel + "/p" + strings.ReplaceAll(ts, ".", "")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
