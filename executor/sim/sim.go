package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pacerhq/pacer/executor/session"
)

// Defaults for the options `pacer sim` exposes as flags.
const (
	DefaultWeeklyLimit   = 100
	DefaultAcceptRate    = 0.35
	DefaultAcceptAfter   = 48 * time.Hour
	DefaultNotesPerMonth = 5
)

// Options configures a simulator. The zero value is a simulator where
// nobody accepts invitations by themselves, the weekly limit is
// DefaultWeeklyLimit and time runs at real speed.
type Options struct {
	// AcceptRate is the probability, 0 to 1, that an invitation is accepted
	// by itself. Which invitations are accepted is decided by a hash of the
	// account, the slug and Seed, so runs repeat.
	AcceptRate float64
	// AcceptRates set the probability per note variant, as a campaign
	// comparing notes needs: the first rule that matches an invitation's
	// note sets its probability; one matching none has AcceptRate.
	AcceptRates []NoteAcceptRate
	// AcceptAfter is how long, in simulated time, an accepted invitation
	// stays pending.
	AcceptAfter time.Duration
	// WeeklyLimit is how many invitations an account may send in 7 days of
	// simulated time before the weekly-limit alert shows. Zero means
	// DefaultWeeklyLimit; a negative value means no limit.
	WeeklyLimit int
	// NotesPerMonth is how many personalized invitations a free account may
	// send per calendar month. Zero means DefaultNotesPerMonth; a negative
	// value means no limit.
	NotesPerMonth int
	// Speed is how many simulated seconds pass per real second; zero means
	// 1. With 3600, a simulated day lasts 24 real seconds.
	Speed float64
	// Now is the real clock; nil means time.Now.
	Now func() time.Time
	// Start is the simulated time when the simulator starts; zero means
	// Now().
	Start time.Time
	// Seed varies which invitations are accepted.
	Seed string
	// PremiumSessions lists li_at values of premium accounts (300-character
	// notes, no notes quota). A session whose value contains "premium" is
	// premium too.
	PremiumSessions []string
	// SentPageSize is how many invitations the sent-invitations page lists,
	// newest first, as LinkedIn shows one page at a time; its "People (N)"
	// count still gives them all. Zero lists them all.
	SentPageSize int
	// BaseConnections is how many connections every account had before the
	// simulation began. The connections page counts them with the
	// simulation's own ("1,234 connections") but lists only the latter.
	// SetBaseConnections (POST /_sim/connections) sets it per account.
	BaseConnections int
	// RejectedSessions lists li_at values the simulator treats as expired:
	// their requests are sent to the login page.
	RejectedSessions []string
	// Logger receives one line per action; nil means slog.Default(). Cookie
	// values are never logged.
	Logger *slog.Logger
}

// NoteAcceptRate is the acceptance probability of the invitations whose
// note contains Contains; an empty Contains matches the invitations sent
// without a note.
type NoteAcceptRate struct {
	Contains string
	Rate     float64
}

// acceptRate is the probability that an invitation with note is accepted.
func (o Options) acceptRate(note string) float64 {
	for _, r := range o.AcceptRates {
		if (r.Contains == "" && note == "") || (r.Contains != "" && strings.Contains(note, r.Contains)) {
			return r.Rate
		}
	}
	return o.AcceptRate
}

// Server is a simulated LinkedIn. It implements http.Handler, keeps
// everything in memory for its lifetime and is safe for concurrent use.
type Server struct {
	opts Options
	log  *slog.Logger
	mux  *http.ServeMux

	mu        sync.Mutex
	realStart time.Time
	simStart  time.Time
	offset    time.Duration
	accounts  map[string]*account
	received  Received
	rejected  map[string]bool
	portalSeq int
	// urns maps the profile URN ids of the members pages have shown to
	// their slugs: Message links and conversation headers name members by
	// URN. Members never change, so a reset keeps it.
	urns map[string]string
}

// New returns a simulator.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Speed <= 0 {
		opts.Speed = 1
	}
	if opts.WeeklyLimit == 0 {
		opts.WeeklyLimit = DefaultWeeklyLimit
	}
	if opts.NotesPerMonth == 0 {
		opts.NotesPerMonth = DefaultNotesPerMonth
	}
	s := &Server{opts: opts, log: opts.Logger, urns: map[string]string{}}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.realStart = opts.Now()
	s.simStart = opts.Start
	if s.simStart.IsZero() {
		s.simStart = s.realStart
	}
	s.reset()
	s.routes()
	return s
}

func (s *Server) reset() {
	s.offset = 0
	s.accounts = map[string]*account{}
	s.received = Received{}
	s.rejected = map[string]bool{}
	for _, v := range s.opts.RejectedSessions {
		s.rejected[v] = true
	}
}

// Now returns the simulated time.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

func (s *Server) now() time.Time {
	real := s.opts.Now().Sub(s.realStart)
	return s.simStart.Add(time.Duration(float64(real)*s.opts.Speed) + s.offset)
}

// Advance moves the simulated clock forward by d.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
}

// Received returns a copy of everything the simulator received.
func (s *Server) Received() Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.received.clone()
}

// Reset forgets every account and everything received.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reset()
}

func (s *Server) account(id string) *account {
	a, ok := s.accounts[id]
	if !ok {
		a = newAccount(id, isPremiumSession(id, s.opts.PremiumSessions))
		a.base = max(0, s.opts.BaseConnections)
		s.accounts[id] = a
	}
	a.settle(s.now())
	return a
}

// acceptAt decides whether and when an invitation will be accepted.
func (s *Server) acceptAt(acct, slug, note string, at time.Time) time.Time {
	if AcceptDraw(s.opts.Seed, acct, slug) >= s.opts.acceptRate(note) {
		return time.Time{}
	}
	return at.Add(s.opts.AcceptAfter)
}

// AcceptDraw is the number in [0, 1) that decides whether the invitation
// from the account acct (its li_at value) to slug is accepted by itself
// under Options.Seed seed: it is when the draw is below the acceptance
// rate of its note. Tests use it to know an invitation's fate in advance.
func AcceptDraw(seed, acct, slug string) float64 {
	// Mixed: FNV-1a's high bits, which fraction reads, hardly change
	// between slugs that differ only at their end (p1, p2, …), and an
	// imported list's acceptance rate came out far from the one set.
	return fraction(mix(hashOf("accept", seed, acct, slug)))
}

// ServeHTTP serves the simulated site and its admin API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// ListenAndServe serves the simulator on addr until ctx ends.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("sim: listen on %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves the simulator on ln until ctx ends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("sim: serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("sim: shut down: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("sim: serve: %w", err)
	}
	return nil
}

func (s *Server) routes() {
	m := http.NewServeMux()
	// Pages a member sees.
	m.HandleFunc("GET /{$}", s.authed(func(w http.ResponseWriter, r *http.Request, _ *account) {
		http.Redirect(w, r, "/feed/", http.StatusFound)
	}))
	m.HandleFunc("GET /feed/{$}", s.authed(s.feed))
	m.HandleFunc("GET /in/{slug}/{$}", s.authed(s.profile))
	m.HandleFunc("GET /in/{slug}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/in/"+r.PathValue("slug")+"/", http.StatusMovedPermanently)
	})
	m.HandleFunc("GET /in/{slug}/overlay/contact-info/{$}", s.authed(s.contactInfo))
	m.HandleFunc("GET /in/{slug}/recent-activity/all/{$}", s.authed(s.activity))
	m.HandleFunc("GET /preload/custom-invite/{$}", s.authed(s.blank))
	m.HandleFunc("GET /mynetwork/invitation-manager/sent/{$}", s.authed(s.sentPage))
	m.HandleFunc("GET /mynetwork/invite-connect/connections/{$}", s.authed(s.connectionsPage))
	m.HandleFunc("GET /checkpoint/challenge/{id}", s.checkpoint)
	m.HandleFunc("GET /checkpoint/challenge/frame/{$}", s.captchaFrame)
	m.HandleFunc("GET /login", s.loginPage)
	m.HandleFunc("GET /uas/login", s.loginPage)
	m.HandleFunc("POST /checkpoint/lg/login-submit", s.loginSubmit)
	m.HandleFunc("GET /static/sim.js", s.static("sim.js", "text/javascript; charset=utf-8"))
	m.HandleFunc("GET /static/sim.css", s.static("sim.css", "text/css; charset=utf-8"))
	m.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })

	// What the pages' script calls, as LinkedIn's web app calls its API.
	m.HandleFunc("POST /voyager/api/invite/start", s.apiAuthed(s.apiInviteStart))
	m.HandleFunc("POST /voyager/api/invite/send", s.apiAuthed(s.apiInviteSend))
	m.HandleFunc("POST /voyager/api/invite/withdraw", s.apiAuthed(s.apiWithdraw))
	m.HandleFunc("POST /voyager/api/follow", s.apiAuthed(s.apiFollow))
	m.HandleFunc("POST /voyager/api/like", s.apiAuthed(s.apiLike))
	m.HandleFunc("POST /voyager/api/ai-draft", s.apiAuthed(s.apiAIDraft))

	// The admin API for tests and demos.
	m.HandleFunc("GET /_sim/received", s.adminReceived)
	m.HandleFunc("GET /_sim/now", s.adminNow)
	m.HandleFunc("POST /_sim/reset", s.adminReset)
	m.HandleFunc("POST /_sim/accept", s.adminAccept)
	m.HandleFunc("POST /_sim/advance", s.adminAdvance)
	m.HandleFunc("POST /_sim/reject", s.adminReject)
	m.HandleFunc("POST /_sim/seed", s.adminSeed)
	m.HandleFunc("POST /_sim/connect", s.adminConnect)
	m.HandleFunc("POST /_sim/connections", s.adminConnections)
	m.HandleFunc("POST /_sim/lose", s.adminLose)
	s.messagingRoutes(m)
	m.HandleFunc("/", s.notFound)
	s.mux = m
}

// sessionOf returns the li_at value of a request, or "" when it has none or
// the session is rejected.
func (s *Server) sessionOf(r *http.Request) (id string, rejected bool) {
	c, err := r.Cookie(session.CookieLiAt)
	if err != nil || c.Value == "" {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rejected[c.Value] {
		return "", true
	}
	return c.Value, false
}

// authed wraps a page handler: without a valid session the member is sent to
// the login page, as LinkedIn does; an account whose session marks it for a
// checkpoint is sent there.
func (s *Server) authed(h func(http.ResponseWriter, *http.Request, *account)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, rejected := s.sessionOf(r)
		if id == "" {
			if rejected {
				http.SetCookie(w, &http.Cookie{Name: session.CookieLiAt, Value: "", Path: "/", MaxAge: -1})
			}
			http.Redirect(w, r, "/login?session_redirect="+urlQueryEscape(r.URL.RequestURI()), http.StatusFound)
			return
		}
		s.mu.Lock()
		a := s.account(id)
		checkpointed := a.checkpointed
		s.recordLoad(r, a)
		s.mu.Unlock()
		if checkpointed || strings.Contains(strings.ToLower(id), markerCheckpoint) {
			http.Redirect(w, r, checkpointPath(id), http.StatusFound)
			return
		}
		h(w, r, a)
	}
}

// recordLoad records a page load. The page re-rendering itself after an
// action (X-Sim-Refresh) is not one.
func (s *Server) recordLoad(r *http.Request, a *account) {
	if r.Header.Get("X-Sim-Refresh") != "" {
		return
	}
	s.received.PageLoads = append(s.received.PageLoads, PageLoad{
		Account: a.id, Path: r.URL.Path, Slug: r.PathValue("slug"), At: s.now(), RealAt: s.opts.Now(),
	})
}

// checkpointPath is where an account's checkpoint is.
func checkpointPath(id string) string {
	return "/checkpoint/challenge/" + shortHash(id, 0) + "?ut=sim"
}

// apiAuthed wraps an API handler: it answers 401 without a session.
func (s *Server) apiAuthed(h func(*http.Request, *account, map[string]string) (any, int)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, _ := s.sessionOf(r)
		if id == "" {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"status": "login"})
			return
		}
		var body map[string]string
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&body); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"status": "error", "message": "bad request"})
			return
		}
		s.mu.Lock()
		a := s.account(id)
		res, code := h(r, a, body)
		s.mu.Unlock()
		writeJSON(w, code, res)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func urlQueryEscape(s string) string {
	r := strings.NewReplacer("%", "%25", "&", "%26", "?", "%3F", "=", "%3D", "#", "%23", " ", "%20", "+", "%2B")
	return r.Replace(s)
}

// logAction logs one action without any session value.
func (s *Server) logAction(a *account, what, slug string) {
	s.log.Info("sim: "+what, slog.String("account", shortHash(a.id, 9)), slog.String("slug", slug))
}

func (s *Server) weeklyLimitReached(a *account, now time.Time) bool {
	return s.opts.WeeklyLimit > 0 && a.sentSince(now.Add(-7*24*time.Hour)) >= s.opts.WeeklyLimit
}

func (s *Server) noteLimit(a *account) int {
	if a.premium {
		return 300
	}
	return 200
}

// notesLeft returns the personalized invitations a free account has left
// this month, or -1 for unlimited.
func (s *Server) notesLeft(a *account, now time.Time) int {
	if a.premium || s.opts.NotesPerMonth < 0 {
		return -1
	}
	return max(0, s.opts.NotesPerMonth-a.notes[monthKey(now)])
}

func (s *Server) apiInviteStart(_ *http.Request, a *account, body map[string]string) (any, int) {
	slug := body["slug"]
	if !validSlug(slug) {
		return map[string]any{"status": "error", "message": "Unknown member"}, http.StatusBadRequest
	}
	now := s.now()
	if a.restricted {
		return map[string]any{"status": "restricted"}, http.StatusOK
	}
	if s.weeklyLimitReached(a, now) {
		return map[string]any{"status": "weekly_limit"}, http.StatusOK
	}
	p := NewPersona(slug)
	return map[string]any{
		"status":          "ok",
		"name":            p.Name,
		"first":           p.First,
		"email_required":  p.EmailRequired,
		"email_prefill":   p.EmailPrefill,
		"note_prefill":    p.NotePrefill,
		"note_limit":      s.noteLimit(a),
		"notes_remaining": s.notesLeft(a, now),
		"ai":              true,
	}, http.StatusOK
}

func (s *Server) apiInviteSend(_ *http.Request, a *account, body map[string]string) (any, int) {
	slug, note, email := body["slug"], body["note"], strings.TrimSpace(body["email"])
	if !validSlug(slug) {
		return map[string]any{"status": "error", "message": "Unknown member"}, http.StatusBadRequest
	}
	now := s.now()
	p := NewPersona(slug)
	if res, code, stopped := s.stopAtSend(a, p); stopped {
		return res, code
	}
	switch {
	case s.weeklyLimitReached(a, now):
		return map[string]any{"status": "weekly_limit"}, http.StatusOK
	case a.pending[slug] != nil:
		return map[string]any{"status": "error", "message": "You’ve already invited this member."}, http.StatusOK
	case a.degree(p) == 1:
		return map[string]any{"status": "error", "message": "You’re already connected."}, http.StatusOK
	case p.EmailRequired && body["direct"] != "true" && !strings.Contains(email, "@"):
		return map[string]any{"status": "email_required"}, http.StatusOK
	case note != "" && s.notesLeft(a, now) == 0:
		return map[string]any{"status": "out_of_notes"}, http.StatusOK
	case len([]rune(note)) > s.noteLimit(a):
		return map[string]any{"status": "error", "message": "Your note is too long."}, http.StatusOK
	case p.Toast && !a.toasted[slug]:
		a.toasted[slug] = true
		return map[string]any{"status": "error", "message": "Something went wrong. Please try again later."}, http.StatusOK
	}
	a.pending[slug] = &pending{slug: slug, note: note, at: now, acceptAt: s.acceptAt(a.id, slug, note, now)}
	a.sent = append(a.sent, now)
	if note != "" {
		a.notes[monthKey(now)]++
	}
	s.received.Invitations = append(s.received.Invitations, Invitation{Slug: slug, Note: note, Email: email, At: now, Account: a.id})
	s.logAction(a, "invitation", slug)
	return map[string]any{"status": "ok", "name": p.Name}, http.StatusOK
}

// stopAtSend stops an invitation the way LinkedIn may at Send, before it
// is received: a security checkpoint (every page leads there from then
// on), a sign-in wall (the session ends) or a restriction notice (every
// invitation is refused from then on).
func (s *Server) stopAtSend(a *account, p Persona) (res any, code int, stopped bool) {
	if a.restricted {
		return map[string]any{"status": "restricted"}, http.StatusOK, true
	}
	switch p.AfterSend {
	case stopCheckpoint:
		a.checkpointed = true
		s.logAction(a, "checkpoint at Send", p.Slug)
		return map[string]any{"status": "checkpoint", "location": checkpointPath(a.id)}, http.StatusOK, true
	case stopSignIn:
		s.rejected[a.id] = true
		s.logAction(a, "sign-in wall at Send", p.Slug)
		return map[string]any{"status": "login"}, http.StatusUnauthorized, true
	case stopRestricted:
		a.restricted = true
		s.logAction(a, "restriction at Send", p.Slug)
		return map[string]any{"status": "restricted"}, http.StatusOK, true
	}
	return nil, 0, false
}

func (s *Server) apiWithdraw(_ *http.Request, a *account, body map[string]string) (any, int) {
	slug := body["slug"]
	if a.pending[slug] == nil {
		return map[string]any{"status": "error", "message": "This invitation no longer exists."}, http.StatusOK
	}
	delete(a.pending, slug)
	s.received.Withdrawals = append(s.received.Withdrawals, Action{Slug: slug, At: s.now(), Account: a.id})
	s.logAction(a, "withdrawal", slug)
	return map[string]any{"status": "ok"}, http.StatusOK
}

func (s *Server) apiFollow(_ *http.Request, a *account, body map[string]string) (any, int) {
	slug := body["slug"]
	if !validSlug(slug) {
		return map[string]any{"status": "error"}, http.StatusBadRequest
	}
	if !a.following[slug] {
		a.following[slug] = true
		s.received.Follows = append(s.received.Follows, Action{Slug: slug, At: s.now(), Account: a.id})
		s.logAction(a, "follow", slug)
	}
	return map[string]any{"status": "ok"}, http.StatusOK
}

// apiLike toggles a like, as LinkedIn's button does: a second click removes
// it.
func (s *Server) apiLike(_ *http.Request, a *account, body map[string]string) (any, int) {
	slug, post := body["slug"], body["post"]
	key := slug + "/" + post
	act := Action{Slug: slug, Post: post, At: s.now(), Account: a.id}
	if a.liked[key] {
		delete(a.liked, key)
		s.received.Unlikes = append(s.received.Unlikes, act)
		s.logAction(a, "unlike", slug)
		return map[string]any{"status": "ok", "liked": false}, http.StatusOK
	}
	a.liked[key] = true
	s.received.Likes = append(s.received.Likes, act)
	s.logAction(a, "like", slug)
	return map[string]any{"status": "ok", "liked": true}, http.StatusOK
}

// apiAIDraft records a click on "Write with AI", which Pacer must never make.
func (s *Server) apiAIDraft(_ *http.Request, a *account, body map[string]string) (any, int) {
	s.received.AIClicks++
	s.log.Warn("sim: Write with AI was clicked", slog.String("slug", body["slug"]))
	p := NewPersona(body["slug"])
	return map[string]any{"status": "ok", "draft": "Hi " + p.First + ", I’d love to connect and learn more about your work at " + p.Company + "!"}, http.StatusOK
}
