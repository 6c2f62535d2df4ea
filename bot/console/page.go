package console

import (
	"context"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// Paths of the page.
const (
	// Path is where the page is mounted.
	Path        = "/console"
	cookieName  = "pacer_console"
	maxPageBody = 64 << 10
	// actTimeout bounds what one command or click waits for the bot's ack
	// (Slack waits 3 seconds; a note edit is saved within its ack).
	actTimeout = 10 * time.Second
	// heartbeat keeps the live updates' connection open through proxies.
	heartbeat = 20 * time.Second
)

// pageHandler serves the page and its API.
func (w *Workspace) pageHandler() http.Handler {
	assets, _ := fs.Sub(static, "static")
	files := http.StripPrefix(Path+"/static/", http.FileServerFS(assets))
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Path, w.serveIndex)
	mux.HandleFunc("GET "+Path+"/{$}", w.serveIndex)
	mux.Handle("GET "+Path+"/static/", noCache(files))
	mux.HandleFunc("POST "+Path+"/login", w.serveLogin)
	mux.Handle("GET "+Path+"/state", w.signedIn(w.serveState))
	mux.Handle("GET "+Path+"/events", w.signedIn(w.serveEvents))
	mux.Handle("POST "+Path+"/command", w.signedIn(w.serveCommand))
	mux.Handle("POST "+Path+"/action", w.signedIn(w.serveAction))
	mux.Handle("POST "+Path+"/submit", w.signedIn(w.serveSubmit))
	mux.Handle("POST "+Path+"/close", w.signedIn(w.serveClose))
	mux.Handle("POST "+Path+"/home", w.signedIn(w.serveHome))
	// Another site's page must not click for the person: cross-origin
	// POSTs are refused (Sec-Fetch-Site, Origin).
	protected := http.NewCrossOriginProtection().Handler(mux)
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if problem := w.refused(r); problem != "" {
			http.Error(rw, problem, http.StatusForbidden)
			return
		}
		rw.Header().Set("X-Frame-Options", "DENY")
		rw.Header().Set("Referrer-Policy", "no-referrer")
		protected.ServeHTTP(rw, r)
	})
}

// refused says why a request may not reach the console at all. Without a
// token the console is for this machine only: the peer must be a loopback
// address, and the Host a loopback name, so that no other site's page can
// reach it under a name of its own (DNS rebinding).
func (w *Workspace) refused(r *http.Request) string {
	if w.opts.Token != "" {
		return ""
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return "Pacer's console answers only on this machine unless PACER_CONSOLE_TOKEN is set."
	}
	name := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		name = h
	}
	if ip := net.ParseIP(strings.Trim(name, "[]")); name != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "Open Pacer's console as http://127.0.0.1 or http://localhost."
	}
	return ""
}

// signedIn lets a request through when no token is needed or its cookie
// shows the token was given.
func (w *Workspace) signedIn(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if w.opts.Token != "" {
			c, err := r.Cookie(cookieName)
			if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(w.session)) != 1 {
				writePage(rw, http.StatusUnauthorized, map[string]any{"error": "token", "message": "Give the console's token (PACER_CONSOLE_TOKEN) to open it."})
				return
			}
		}
		h(rw, r)
	})
}

func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(rw, r)
	})
}

func (w *Workspace) serveIndex(rw http.ResponseWriter, r *http.Request) {
	page, err := static.ReadFile("static/index.html")
	if err != nil {
		http.Error(rw, "the console's page is missing from this build", http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-cache")
	rw.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
	_, _ = rw.Write(page)
}

func (w *Workspace) serveLogin(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		Token string `json:"token"`
	}
	if !readPage(rw, r, &in) {
		return
	}
	if w.opts.Token == "" {
		writePage(rw, http.StatusOK, map[string]any{"ok": true})
		return
	}
	if subtle.ConstantTimeCompare([]byte(in.Token), []byte(w.opts.Token)) != 1 {
		w.opts.Logger.Warn("console: a wrong token was given", slog.String("from", r.RemoteAddr))
		writePage(rw, http.StatusUnauthorized, map[string]any{"error": "token", "message": "That is not the console's token (PACER_CONSOLE_TOKEN)."})
		return
	}
	http.SetCookie(rw, &http.Cookie{Name: cookieName, Value: w.session, Path: Path, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	writePage(rw, http.StatusOK, map[string]any{"ok": true})
}

// pageState is everything the page shows.
type pageState struct {
	Version    int64             `json:"version"`
	Workspace  string            `json:"workspace"`
	Me         string            `json:"me"`
	Bot        string            `json:"bot"`
	Users      map[string]string `json:"users"`
	Channels   []pageChannel     `json:"channels"`
	Messages   []Message         `json:"messages"`
	Ephemerals []Message         `json:"ephemerals"`
	Home       json.RawMessage   `json:"home"`
	Modal      map[string]any    `json:"modal"`
}

type pageChannel struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	DM   bool   `json:"dm,omitempty"`
}

func (w *Workspace) serveState(rw http.ResponseWriter, r *http.Request) {
	writePage(rw, http.StatusOK, w.state())
}

// state is what the person sees now.
func (w *Workspace) state() pageState {
	w.mu.Lock()
	defer w.mu.Unlock()
	me := w.opts.User
	dm := dmChannel(me)
	s := pageState{
		Version: w.version, Workspace: teamName, Me: me, Bot: BotUserID,
		Users:    map[string]string{me: w.opts.UserName, BotUserID: "Pacer", slackbot: "Slackbot"},
		Messages: []Message{}, Ephemerals: []Message{}, Home: w.homes[me],
	}
	seen := map[string]bool{}
	for id, name := range w.opts.Channels {
		s.Channels = append(s.Channels, pageChannel{ID: id, Name: name})
		seen[id] = true
	}
	for _, m := range w.messages {
		if strings.HasPrefix(m.Channel, "D") && m.Channel != dm {
			continue // another person's direct messages
		}
		s.Messages = append(s.Messages, m)
		if !seen[m.Channel] && m.Channel != dm {
			s.Channels = append(s.Channels, pageChannel{ID: m.Channel, Name: m.Channel})
			seen[m.Channel] = true
		}
	}
	slices.SortFunc(s.Channels, func(a, b pageChannel) int { return strings.Compare(a.Name, b.Name) })
	s.Channels = append(s.Channels, pageChannel{ID: dm, Name: "Pacer", DM: true})
	for _, m := range w.ephemerals {
		if m.For == me {
			s.Ephemerals = append(s.Ephemerals, m)
		}
	}
	for _, v := range w.views {
		if v.User == me {
			s.Modal = v.View
		}
	}
	return s
}

// serveEvents streams a "change" event whenever what the page shows
// changes (server-sent events); the page then reads the state again.
func (w *Workspace) serveEvents(rw http.ResponseWriter, r *http.Request) {
	c := w.subscribe()
	if c == nil {
		http.Error(rw, "Pacer is stopping", http.StatusServiceUnavailable)
		return
	}
	defer w.unsubscribe(c)
	rc := http.NewResponseController(rw)
	rw.Header().Set("Content-Type", "text/event-stream")
	rw.Header().Set("Cache-Control", "no-cache")
	send := func(format string, args ...any) bool {
		if _, err := fmt.Fprintf(rw, format, args...); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send("retry: 1000\n\nevent: change\ndata: %d\n\n", w.currentVersion()) {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case _, ok := <-c:
			if !ok || !send("event: change\ndata: %d\n\n", w.currentVersion()) {
				return
			}
		case <-tick.C:
			if !send(": still here\n\n") {
				return
			}
		}
	}
}

func (w *Workspace) currentVersion() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.version
}

func (w *Workspace) serveCommand(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		Channel string `json:"channel"`
		Text    string `json:"text"`
	}
	if !readPage(rw, r, &in) {
		return
	}
	if in.Channel == "" {
		writePage(rw, http.StatusBadRequest, map[string]any{"message": "Pick a channel first."})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), actTimeout)
	defer cancel()
	w.answer(rw, w.command(ctx, in.Channel, in.Text))
}

func (w *Workspace) serveAction(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		// Home is a click in the App Home tab; otherwise on the message at
		// Channel and TS.
		Home     bool   `json:"home"`
		Channel  string `json:"channel"`
		TS       string `json:"ts"`
		BlockID  string `json:"block_id"`
		ActionID string `json:"action_id"`
	}
	if !readPage(rw, r, &in) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), actTimeout)
	defer cancel()
	if in.Home {
		w.answer(rw, w.clickHome(ctx, in.BlockID, in.ActionID))
		return
	}
	w.answer(rw, w.click(ctx, in.Channel, in.TS, in.BlockID, in.ActionID))
}

func (w *Workspace) serveSubmit(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		ViewID string            `json:"view_id"`
		Values map[string]string `json:"values"`
	}
	if !readPage(rw, r, &in) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), actTimeout)
	defer cancel()
	res, err := w.submit(ctx, in.ViewID, in.Values)
	if err != nil {
		w.answer(rw, err)
		return
	}
	writePage(rw, http.StatusOK, res)
}

func (w *Workspace) serveClose(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		ViewID string `json:"view_id"`
	}
	if !readPage(rw, r, &in) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), actTimeout)
	defer cancel()
	w.answer(rw, w.closeView(ctx, in.ViewID))
}

func (w *Workspace) serveHome(rw http.ResponseWriter, r *http.Request) {
	var in struct{}
	if !readPage(rw, r, &in) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), actTimeout)
	defer cancel()
	w.answer(rw, w.openHome(ctx))
}

// answer tells the page how an act went.
func (w *Workspace) answer(rw http.ResponseWriter, err error) {
	switch {
	case err == nil:
		writePage(rw, http.StatusOK, map[string]any{"ok": true})
	case errors.Is(err, errStale):
		writePage(rw, http.StatusConflict, map[string]any{"message": "This changed meanwhile; the page now shows it as it is."})
	case errors.Is(err, errNotConnected):
		writePage(rw, http.StatusServiceUnavailable, map[string]any{"message": "Pacer is still starting; try again in a moment."})
	default:
		w.opts.Logger.Warn("console: an act did not reach Pacer", slog.String("error", err.Error()))
		writePage(rw, http.StatusBadGateway, map[string]any{"message": "Pacer did not answer in time; try again in a moment."})
	}
}

// readPage reads a JSON request of the page. A JSON body is required: a
// form posted by another site's page cannot send one without asking first.
func readPage(rw http.ResponseWriter, r *http.Request, v any) bool {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writePage(rw, http.StatusUnsupportedMediaType, map[string]any{"message": "The console's API takes JSON."})
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, maxPageBody))
	if err == nil {
		err = json.Unmarshal(body, v)
	}
	if err != nil {
		writePage(rw, http.StatusBadRequest, map[string]any{"message": "The console could not read that request."})
		return false
	}
	return true
}

func writePage(rw http.ResponseWriter, code int, v any) {
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-store")
	rw.WriteHeader(code)
	_ = json.NewEncoder(rw).Encode(v)
}
