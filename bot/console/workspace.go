package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The workspace's identities, as its Web API reports them.
const (
	// TeamID is the console's workspace.
	TeamID     = "T0CONSOLE"
	teamDomain = "pacer-console"
	teamName   = "Pacer console"
	// BotUserID is the bot's user in the console's workspace.
	BotUserID = "U0PACERBOT"
	botID     = "B0PACERBOT"
	appID     = "A0PACER"
	// DefaultUser is the person the try-out's console acts as.
	DefaultUser = "U0CONSOLE"
	// APIURL is the Web API's base URL as the bot is given it. Its host is
	// never resolved: HTTPClient carries every call in the process.
	APIURL       = "http://console.invalid/api/"
	responseBase = "http://console.invalid/response/"
)

// Limits of what the workspace keeps.
const (
	// maxMessages is how many messages the workspace keeps; the oldest go.
	maxMessages = 1000
	// maxEphemerals is how many ephemeral messages it keeps (in memory only,
	// as Slack keeps them only until the page is reloaded).
	maxEphemerals = 100
	// triggerLife is how long a trigger_id opens a modal. Slack allows 3
	// seconds; the console is lenient, so that a slow machine still tries
	// Pacer out.
	triggerLife = time.Minute
	// responseLife is how long a response_url answers (Slack: 30 minutes).
	responseLife = 30 * time.Minute
	// stateFile holds the messages, in Options.Dir.
	stateFile = "console.json"
	// saveDelay gathers the changes of a burst (a progress card and its
	// proposal's thread) into one write of stateFile.
	saveDelay = time.Second
)

// Options configure a Workspace.
type Options struct {
	// Dir is where the workspace keeps its messages (console.json), so that
	// a restarted serve still shows the proposals it posted; empty keeps
	// them in memory.
	Dir string
	// User is the Slack user ID of the person at the console: every command
	// and click is theirs (DefaultUser when empty).
	User string
	// UserName is how the console names them ("you" when empty).
	UserName string
	// Token, when set, must be given before the page opens
	// (PACER_CONSOLE_TOKEN); without it the page answers only on loopback.
	Token string
	// Channels names channels by ID (the campaign channels).
	Channels map[string]string
	// Logger receives the console's logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Workspace is the console: a workspace for the bot, a page for the person.
type Workspace struct {
	opts Options
	// botToken and signingSecret are made up for this process: the bot
	// presents the first and checks the second, as with Slack.
	botToken      string
	signingSecret string
	// verification is the deprecated token Slack still puts in payloads.
	verification string
	// session is the cookie of a person who gave the token.
	session string
	api     http.Handler
	page    http.Handler

	mu         sync.Mutex
	app        http.Handler
	messages   []Message
	homes      map[string]json.RawMessage
	lastMicro  int64
	ephemerals []Message
	views      map[string]*openView
	triggers   map[string]time.Time
	responses  map[string]*responseTarget
	seq        int
	version    int64
	subs       map[chan struct{}]struct{}
	closed     bool
	// dirty says stateFile is behind; saveTimer writes it soon.
	dirty     bool
	saveTimer *time.Timer
}

// Message is a message as the workspace keeps it and the page shows it.
type Message struct {
	Channel  string          `json:"channel"`
	TS       string          `json:"ts"`
	ThreadTS string          `json:"thread_ts,omitempty"`
	User     string          `json:"user"`
	Text     string          `json:"text"`
	Blocks   json.RawMessage `json:"blocks,omitempty"`
	// Edited is when chat.update last changed it.
	Edited string `json:"edited,omitempty"`
	// For is set on an ephemeral message: the one person who sees it.
	For string `json:"for,omitempty"`
}

// openView is a modal open for a person, as views.open answered it.
type openView struct {
	ID   string
	User string
	View map[string]any
}

// responseTarget is where a response_url's posts go.
type responseTarget struct {
	Channel   string
	User      string
	MessageTS string
	Expires   time.Time
}

// savedState is what console.json holds.
type savedState struct {
	Messages []Message                  `json:"messages"`
	Homes    map[string]json.RawMessage `json:"homes,omitempty"`
}

// New opens the workspace, with the messages kept in opts.Dir.
func New(opts Options) (*Workspace, error) {
	if opts.User == "" {
		opts.User = DefaultUser
	}
	if opts.UserName == "" {
		opts.UserName = "you"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	w := &Workspace{
		opts:          opts,
		botToken:      "xoxb-console-" + randomHex(16),
		signingSecret: randomHex(32),
		verification:  randomHex(12),
		homes:         map[string]json.RawMessage{},
		views:         map[string]*openView{},
		triggers:      map[string]time.Time{},
		responses:     map[string]*responseTarget{},
		subs:          map[chan struct{}]struct{}{},
	}
	if opts.Token != "" {
		w.session = sessionFor(opts.Token)
	}
	if err := w.load(); err != nil {
		return nil, err
	}
	w.api = w.apiHandler()
	w.page = w.pageHandler()
	return w, nil
}

// BotToken is the token the bot presents to the workspace's Web API. It
// is made up for this process and never printed.
func (w *Workspace) BotToken() string { return w.botToken }

// SigningSecret is the secret the workspace signs its requests to the bot
// with, as Slack signs with an app's signing secret.
func (w *Workspace) SigningSecret() string { return w.signingSecret }

// User is the person at the console.
func (w *Workspace) User() string { return w.opts.User }

// HTTPClient carries the bot's Web API calls and response_url posts to the
// workspace, in the process.
func (w *Workspace) HTTPClient() *http.Client {
	return &http.Client{Transport: inProcess{w.api}, Timeout: 15 * time.Second}
}

// Connect gives the workspace the bot's HTTP-mode endpoints
// (/slack/commands, /slack/interactivity, /slack/events), where it sends
// what the person does.
func (w *Workspace) Connect(app http.Handler) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.app = app
}

// Handler serves the page and its API; mount it at /console and /console/.
func (w *Workspace) Handler() http.Handler { return w.page }

// Close ends the page's live updates, so that the HTTP server can stop,
// and saves the messages.
func (w *Workspace) Close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.saveTimer != nil {
		w.saveTimer.Stop()
		w.saveTimer = nil
	}
	w.write()
	w.closed = true
	for c := range w.subs {
		close(c)
		delete(w.subs, c)
	}
}

// changed records a change the page should show; w.mu is held.
func (w *Workspace) changed() {
	w.version++
	for c := range w.subs {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// subscribe returns a channel that receives a value after each change and
// is closed when the workspace closes; nil once it is closed.
func (w *Workspace) subscribe() chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	c := make(chan struct{}, 1)
	w.subs[c] = struct{}{}
	return c
}

func (w *Workspace) unsubscribe(c chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.subs[c]; ok {
		delete(w.subs, c)
		close(c)
	}
}

// nextTS returns a message timestamp later than every other, as Slack's
// "seconds.microseconds"; w.mu is held.
func (w *Workspace) nextTS() string {
	micro := max(w.opts.Now().UnixMicro(), w.lastMicro+1)
	w.lastMicro = micro
	return fmt.Sprintf("%d.%06d", micro/1e6, micro%1e6)
}

// nextID returns a fresh id with a prefix (V… for views); w.mu is held.
func (w *Workspace) nextID(prefix string) string {
	w.seq++
	return fmt.Sprintf("%s%08d%s", prefix, w.seq, strings.ToUpper(randomHex(2)))
}

// message finds a kept message; w.mu is held.
func (w *Workspace) message(channel, ts string) *Message {
	for i := range w.messages {
		if w.messages[i].Channel == channel && w.messages[i].TS == ts {
			return &w.messages[i]
		}
	}
	return nil
}

// addMessage keeps a message, the oldest going past maxMessages; w.mu is
// held.
func (w *Workspace) addMessage(m Message) {
	w.messages = append(w.messages, m)
	if n := len(w.messages) - maxMessages; n > 0 {
		w.messages = append([]Message(nil), w.messages[n:]...)
	}
	w.save()
	w.changed()
}

func (w *Workspace) addEphemeral(m Message) {
	w.ephemerals = append(w.ephemerals, m)
	if n := len(w.ephemerals) - maxEphemerals; n > 0 {
		w.ephemerals = append([]Message(nil), w.ephemerals[n:]...)
	}
	w.changed()
}

// dmChannel is the direct-message channel of a user, as Slack names one.
func dmChannel(user string) string { return "D" + strings.TrimLeft(user, "UW") }

// load reads console.json, if there is one.
func (w *Workspace) load() error {
	if w.opts.Dir == "" {
		return nil
	}
	path := filepath.Join(w.opts.Dir, stateFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("console: read %s: %w", path, err)
	}
	var s savedState
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("console: %s is not the console's saved state (%v); move it away to start the console afresh", path, err)
	}
	w.messages = s.Messages
	if s.Homes != nil {
		w.homes = s.Homes
	}
	for _, m := range w.messages {
		if micro := tsMicro(m.TS); micro > w.lastMicro {
			w.lastMicro = micro
		}
	}
	return nil
}

// save has console.json written soon; w.mu is held.
func (w *Workspace) save() {
	if w.opts.Dir == "" {
		return
	}
	w.dirty = true
	if w.saveTimer == nil {
		w.saveTimer = time.AfterFunc(saveDelay, func() {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.saveTimer = nil
			w.write()
		})
	}
}

// write writes console.json if it is behind; w.mu is held. A failure is
// logged: the console goes on in memory.
func (w *Workspace) write() {
	if !w.dirty {
		return
	}
	w.dirty = false
	data, err := json.Marshal(savedState{Messages: w.messages, Homes: w.homes})
	if err == nil {
		err = writeFileAtomic(filepath.Join(w.opts.Dir, stateFile), data)
	}
	if err != nil {
		w.opts.Logger.Warn("console: cannot save its messages; they last until serve stops", slog.String("error", err.Error()))
	}
}

func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".console-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// tsMicro reads a message timestamp back into microseconds.
func tsMicro(ts string) int64 {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err1 := strconv.ParseInt(sec, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return s*1e6 + f
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// sessionFor is the session cookie of a person who gave token: derived
// from it, so that the cookie never holds the token itself.
func sessionFor(token string) string {
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte("pacer console session"))
	return hex.EncodeToString(mac.Sum(nil))
}
