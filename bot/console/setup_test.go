package console

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/pacerhq/pacer/bot"
)

// bundle is a workspace with the bot's side played by a slack-go client
// and a fake app (the bot's HTTP-mode endpoints), and the page served over
// real HTTP.
type bundle struct {
	ws   *Workspace
	api  *slack.Client
	app  *fakeApp
	page *httptest.Server
	dir  string
}

func setup(t *testing.T, opts Options) *bundle {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	if opts.Channels == nil {
		opts.Channels = map[string]string{"C0DEMO": "demo"}
	}
	ws, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	b := &bundle{ws: ws, app: &fakeApp{t: t, secret: ws.SigningSecret()}, dir: opts.Dir}
	b.api = slack.New(ws.BotToken(), slack.OptionAPIURL(APIURL), slack.OptionHTTPClient(ws.HTTPClient()))
	ws.Connect(b.app)
	b.page = httptest.NewServer(ws.Handler())
	t.Cleanup(func() {
		ws.Close()
		b.page.Close()
	})
	return b
}

// post posts a message as the bot and returns its ts.
func (b *bundle) post(t *testing.T, channel string, blocks ...slack.Block) string {
	t.Helper()
	_, ts, err := b.api.PostMessageContext(context.Background(), channel, slack.MsgOptionText("fallback", false), slack.MsgOptionBlocks(blocks...))
	if err != nil {
		t.Fatalf("chat.postMessage: %v", err)
	}
	return ts
}

// pagePost posts JSON to the page's API and decodes the answer.
func (b *bundle) pagePost(t *testing.T, path string, body any, out any) int {
	t.Helper()
	raw, _ := json.Marshal(body)
	resp, err := http.Post(b.page.URL+Path+path, "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s: decode the answer: %v", path, err)
		}
	}
	return resp.StatusCode
}

// fakeApp plays the bot's HTTP-mode endpoints: it checks Slack's
// signature, records each request and answers with the ack it is given.
type fakeApp struct {
	t      *testing.T
	secret string

	mu       sync.Mutex
	requests []appRequest
	ack      func(r appRequest) (int, string)
}

// appRequest is one request the console sent to the bot.
type appRequest struct {
	Path string
	// Form is a form body's fields; Payload an interaction's payload or an
	// event's body, decoded.
	Form    url.Values
	Payload map[string]any
}

func (f *fakeApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ts, err := strconv.ParseInt(r.Header.Get("X-Slack-Request-Timestamp"), 10, 64)
	want := bot.Sign(f.secret, time.Unix(ts, 0), body).Get("X-Slack-Signature")
	if err != nil || r.Header.Get("X-Slack-Signature") != want {
		f.t.Errorf("%s: the console's signature does not verify", r.URL.Path)
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	req := appRequest{Path: r.URL.Path}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(body, &req.Payload)
	} else {
		req.Form, _ = url.ParseQuery(string(body))
		if p := req.Form.Get("payload"); p != "" {
			_ = json.Unmarshal([]byte(p), &req.Payload)
		}
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	ack := f.ack
	f.mu.Unlock()
	if ack == nil {
		return
	}
	code, answer := ack(req)
	w.WriteHeader(code)
	_, _ = io.WriteString(w, answer)
}

func (f *fakeApp) answer(ack func(r appRequest) (int, string)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ack = ack
}

// count is how many requests the bot received.
func (f *fakeApp) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func (f *fakeApp) last(t *testing.T) appRequest {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		t.Fatal("the console sent nothing to the bot")
	}
	return f.requests[len(f.requests)-1]
}

// dig reads a value in decoded JSON by keys and indexes: dig(p, "user", "id").
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func section(id, text string) slack.Block {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil, slack.SectionBlockOptionBlockID(id))
}

func buttons(id string, elems ...slack.BlockElement) slack.Block {
	return slack.NewActionBlock(id, elems...)
}

func button(actionID, value, text string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(actionID, value, slack.NewTextBlockObject(slack.PlainTextType, text, false, false))
}
