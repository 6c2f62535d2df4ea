package sim

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pacerhq/pacer/executor/session"
)

//go:embed assets
var assets embed.FS

// pairOf carries the profile and one item into a sub-template.
type pairOf struct {
	P Persona
	A any
}

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"pair":  func(p Persona, a any) pairOf { return pairOf{p, a} },
	"lines": func(s string) []string { return strings.Split(s, "\n") },
}).ParseFS(assets, "assets/pages.gohtml", "assets/messaging.gohtml"))

func (s *Server) render(w http.ResponseWriter, code int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("sim: render "+name, "err", err)
		http.Error(w, "sim: render failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) static(name, contentType string) http.HandlerFunc {
	body, err := assets.ReadFile("assets/" + name)
	if err != nil {
		panic("sim: missing asset " + name) // a build error, caught by any test
	}
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(body)
	}
}

// item is a button in the top card or the toolbar, or an entry of the More
// menu.
type item struct {
	Kind    string
	Primary bool
}

type railEntry struct {
	Stranger
	Pending bool
}

type profileView struct {
	P           Persona
	Degree      int
	Creator     bool
	NameHref    string
	Actions     []item
	Toolbar     []item
	Menu        []item
	RailA       []railEntry
	RailB       []railEntry
	Overlay     bool
	Email       string
	ConnectedOn string
	ToolbarKey  string
	ColumnKey   string
	JSON        map[string]any
}

// profileView lays out a profile page as this account sees it now: the
// buttons follow what the real 2026 pages show for each state.
func (s *Server) profileView(a *account, p Persona) profileView {
	s.rememberURN(p)
	v := profileView{P: p, Degree: a.degree(p), Creator: p.Layout == LayoutCreator}
	v.NameHref = "/in/" + p.Slug + "/"
	if v.Degree == 3 {
		// 3rd-degree cards link the name to the home page, as in the
		// fixtures.
		v.NameHref = "/"
	}
	follow := item{Kind: "follow"}
	menuFollow := item{Kind: "follow"}
	if a.following[p.Slug] {
		follow.Kind, menuFollow.Kind = "following", "following"
	}
	_, isPending := a.pending[p.Slug]
	switch {
	case v.Degree == 1:
		v.Actions = []item{{Kind: "message", Primary: true}, {Kind: "more"}}
		v.Menu = []item{{Kind: "share"}, {Kind: "pdf"}, menuFollow, {Kind: "remove"}, {Kind: "report"}, {Kind: "verifications"}}
	case isPending:
		v.Actions = []item{{Kind: "message", Primary: true}, {Kind: "pending"}, {Kind: "more"}}
		v.Menu = []item{{Kind: "share"}, {Kind: "pdf"}, menuFollow, {Kind: "report"}, {Kind: "verifications"}}
	case p.Layout == LayoutDirect:
		v.Actions = []item{{Kind: "connect", Primary: true}, {Kind: "message"}, {Kind: "more"}}
		v.Menu = []item{{Kind: "share"}, {Kind: "pdf"}, menuFollow, {Kind: "report"}, {Kind: "verifications"}}
	case p.Layout == LayoutFollowOnly:
		f := follow
		f.Primary = true
		v.Actions = []item{f, {Kind: "message"}, {Kind: "more"}}
		v.Menu = []item{{Kind: "share"}, {Kind: "pdf"}, {Kind: "report"}, {Kind: "verifications"}}
	default: // LayoutMore, LayoutCreator
		f := follow
		if v.Degree == 3 && p.Layout == LayoutMore {
			// Like the more-closed fixture: Message primary, then Follow.
			v.Actions = []item{{Kind: "message", Primary: true}, f, {Kind: "more"}}
		} else {
			f.Primary = true
			v.Actions = []item{f, {Kind: "message"}, {Kind: "more"}}
		}
		v.Menu = []item{{Kind: "share"}, {Kind: "pdf"}, {Kind: "connect"}, {Kind: "report"}, {Kind: "verifications"}}
	}
	// The sticky header repeats More and the other buttons.
	v.Toolbar = []item{{Kind: "more"}}
	for _, it := range v.Actions {
		if it.Kind != "more" {
			it.Primary = false
			v.Toolbar = append(v.Toolbar, it)
		}
	}
	for i, st := range p.SideRail() {
		e := railEntry{Stranger: st, Pending: a.pending[st.Slug] != nil}
		if i < 3 {
			v.RailA = append(v.RailA, e)
		} else {
			v.RailB = append(v.RailB, e)
		}
	}
	h := hashOf("keys", p.Slug)
	v.ToolbarKey = uuidish(h)
	v.ColumnKey = uuidish(h >> 3)
	v.JSON = map[string]any{"slug": p.Slug, "name": p.Name}
	return v
}

func uuidish(h uint64) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	for i := range 32 {
		if i == 8 || i == 12 || i == 16 || i == 20 {
			b.WriteByte('-')
		}
		b.WriteByte(hex[(h>>(uint(i*2)%64))&15^uint64(i&15)])
	}
	return b.String()
}

// personaFor reads the slug of a profile URL and handles the markers that
// replace the page: unavailable profiles and checkpoints.
func (s *Server) personaFor(w http.ResponseWriter, r *http.Request) (Persona, bool) {
	slug := r.PathValue("slug")
	s.mu.Lock()
	vanity, isURN := s.urns[slug]
	s.mu.Unlock()
	if isURN {
		// A profile named by its URN id, as conversation headers link it,
		// redirects to its vanity URL, as LinkedIn does.
		http.Redirect(w, r, "/in/"+vanity+"/", http.StatusFound)
		return Persona{}, false
	}
	if !validSlug(slug) {
		s.render(w, http.StatusNotFound, "notfound", nil)
		return Persona{}, false
	}
	p := NewPersona(slug)
	if p.Unavailable {
		s.render(w, http.StatusNotFound, "notfound", nil)
		return Persona{}, false
	}
	if p.Captcha {
		// A challenge shown in place, at the profile's own URL.
		s.render(w, http.StatusOK, "checkpoint", nil)
		return Persona{}, false
	}
	if p.Checkpoint {
		http.Redirect(w, r, "/checkpoint/challenge/"+shortHash(slug, 1)+"?ut=sim", http.StatusFound)
		return Persona{}, false
	}
	return p, true
}

func (s *Server) recordView(r *http.Request, a *account, slug string) {
	if r.Header.Get("X-Sim-Refresh") != "" {
		return // the page re-rendering itself is not a new view
	}
	s.received.Views = append(s.received.Views, Action{Slug: slug, At: s.now(), Account: a.id})
}

func (s *Server) profile(w http.ResponseWriter, r *http.Request, a *account) {
	p, ok := s.personaFor(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	s.recordView(r, a, p.Slug)
	v := s.profileView(a, p)
	s.mu.Unlock()
	s.render(w, http.StatusOK, "profile", v)
}

func (s *Server) contactInfo(w http.ResponseWriter, r *http.Request, a *account) {
	p, ok := s.personaFor(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	s.recordView(r, a, p.Slug)
	v := s.profileView(a, p)
	v.Overlay = true
	if at, ok := a.connectedAt(p, s.simStart); ok {
		v.ConnectedOn = at.Format("January 2, 2006")
		if p.SharesEmail {
			v.Email = p.Email
		}
	}
	s.mu.Unlock()
	s.render(w, http.StatusOK, "profile", v)
}

type post struct {
	ID    string
	Text  string
	Liked bool
}

func (s *Server) activity(w http.ResponseWriter, r *http.Request, a *account) {
	p, ok := s.personaFor(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	posts := make([]post, 0, p.Posts)
	for i, id := range postIDs(p) {
		posts = append(posts, post{ID: id, Text: postTexts[(hashOf(p.Slug)+uint64(i))%uint64(len(postTexts))], Liked: a.liked[p.Slug+"/"+id]})
	}
	s.mu.Unlock()
	s.render(w, http.StatusOK, "activity", map[string]any{"P": p, "Posts": posts, "Old": p.OldPosts, "JSON": map[string]any{"slug": p.Slug, "name": p.Name}})
}

// postIDs returns the ids of a member's posts, the latest first.
func postIDs(p Persona) []string {
	ids := make([]string, 0, p.Posts)
	for i := range p.Posts {
		ids = append(ids, itoa64(7000000000000000000+hashOf("post", p.Slug, string(rune('0'+i)))%1000000000000000000))
	}
	return ids
}

// Like makes acct like slug's latest post, as if liked before the
// simulation: the activity page shows it liked, and Received does not list
// it. It does nothing for a member without posts.
func (s *Server) Like(acct, slug string) {
	ids := postIDs(NewPersona(slug))
	if len(ids) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.account(acct).liked[slug+"/"+ids[0]] = true
}

var postTexts = []string{
	"Thrilled to share that our team shipped the new release today.",
	"Three lessons from a year of hiring engineers remotely.",
	"We are hiring! Come build with us.",
	"What I learned from speaking at my first conference.",
}

// thousands writes n with comma thousands separators, as LinkedIn's English
// pages do ("1,234").
func thousands(n int) string {
	d := strconv.Itoa(n)
	var b strings.Builder
	for i, r := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func itoa64(n uint64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

func (s *Server) sentPage(w http.ResponseWriter, _ *http.Request, a *account) {
	s.mu.Lock()
	rows := a.sentRows(s.now())
	s.mu.Unlock()
	total := len(rows)
	if n := s.opts.SentPageSize; n > 0 && len(rows) > n {
		rows = rows[:n]
	}
	s.render(w, http.StatusOK, "sent", map[string]any{"Rows": rows, "Total": total})
}

func (s *Server) connectionsPage(w http.ResponseWriter, _ *http.Request, a *account) {
	s.mu.Lock()
	rows := a.connRows()
	total := a.base + len(rows)
	s.mu.Unlock()
	count := thousands(total) + " connections"
	if total == 1 {
		count = "1 connection"
	}
	s.render(w, http.StatusOK, "connections", map[string]any{"Rows": rows, "Count": count})
}

func (s *Server) feed(w http.ResponseWriter, _ *http.Request, _ *account) {
	s.render(w, http.StatusOK, "feed", nil)
}

func (s *Server) blank(w http.ResponseWriter, _ *http.Request, _ *account) {
	// Opening the custom-invite URL directly renders a blank page on
	// LinkedIn: the invitation needs the click.
	s.render(w, http.StatusOK, "blank", nil)
}

func (s *Server) checkpoint(w http.ResponseWriter, _ *http.Request) {
	s.render(w, http.StatusOK, "checkpoint", nil)
}

func (s *Server) captchaFrame(w http.ResponseWriter, _ *http.Request) {
	s.render(w, http.StatusOK, "captcha", nil)
}

func (s *Server) notFound(w http.ResponseWriter, _ *http.Request) {
	s.render(w, http.StatusNotFound, "notfound", nil)
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "login", r.URL.Query().Get("session_redirect"))
}

// loginSubmit signs anyone in: the simulated account is named after the
// email given, so signing in twice as the same person reaches the same
// account.
func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "sim: bad form", http.StatusBadRequest)
		return
	}
	user := strings.TrimSpace(r.PostForm.Get("session_key"))
	if user == "" {
		s.render(w, http.StatusOK, "login", r.PostForm.Get("session_redirect"))
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: session.CookieLiAt, Value: "sim-" + shortHash(user, 7) + "-" + url.QueryEscape(strings.ToLower(user)),
		Path: "/", HttpOnly: true, Expires: time.Now().Add(365 * 24 * time.Hour), SameSite: http.SameSiteLaxMode,
	})
	next := r.PostForm.Get("session_redirect")
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		next = "/feed/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
