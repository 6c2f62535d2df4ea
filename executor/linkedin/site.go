package linkedin

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/js"
	"github.com/go-rod/rod/lib/proto"

	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/executor/browser"
	"github.com/pacerhq/pacer/executor/session"
	"github.com/pacerhq/pacer/pacertype"
)

// DefaultBaseURL is the real site; PACER_LINKEDIN_URL points the adapter
// elsewhere, such as at the simulator.
const DefaultBaseURL = "https://www.linkedin.com"

// Defaults for Options.
const (
	DefaultTimeout       = 90 * time.Second
	DefaultSettleTimeout = 20 * time.Second
	defaultPoll          = 25 * time.Millisecond
)

//go:embed probe.js
var probeSource string

// probeFunction returns the page script bound to a configuration. rod
// installs it once per document (keyed by its name, which hashes the
// configuration) so neither the script nor the configuration crosses the wire
// again on every read.
func probeFunction(cfg scriptConfig) (*js.Function, error) {
	data, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("linkedin: encode the selectors: %w", err)
	}
	h := fnv.New64a()
	h.Write(data)
	return &js.Function{
		Name: fmt.Sprintf("pacerLinkedIn%x", h.Sum64()),
		Definition: "(() => { const cfg = " + string(data) + "; const probe = " + stripLeadingComments(probeSource) +
			"; return function (target, op, arg) { return probe(cfg, target, op, arg) } })()",
	}, nil
}

func stripLeadingComments(src string) string {
	lines := strings.Split(src, "\n")
	for len(lines) > 0 && (strings.HasPrefix(strings.TrimSpace(lines[0]), "//") || strings.TrimSpace(lines[0]) == "") {
		lines = lines[1:]
	}
	return strings.Join(lines, "\n")
}

// Options configures the adapter.
type Options struct {
	// BaseURL is the site to act on, without a trailing slash; empty means
	// DefaultBaseURL.
	BaseURL string
	// Selectors overrides the embedded selectors (see LoadSelectors).
	Selectors *Selectors
	// Timeout bounds an action whose context has no deadline; zero means
	// DefaultTimeout.
	Timeout time.Duration
	// SettleTimeout bounds how long a page may take to render what the
	// adapter reads; zero means DefaultSettleTimeout.
	SettleTimeout time.Duration
	// Logger receives one line per action, never a cookie; nil means
	// slog.Default().
	Logger *slog.Logger
}

// Site is the LinkedIn adapter. It implements executor.Site and is safe for
// concurrent use: each account acts in its own Session.
type Site struct {
	b      *browser.Browser
	base   string
	sel    *Selectors
	script *js.Function
	log    *slog.Logger
	opTO   time.Duration
	settle time.Duration
}

var _ executor.Site = (*Site)(nil)

// New returns the adapter acting through b.
func New(b *browser.Browser, opts Options) (*Site, error) {
	base := strings.TrimRight(opts.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("linkedin: base URL %q: want http(s)://host (PACER_LINKEDIN_URL)", opts.BaseURL)
	}
	s := &Site{b: b, base: base, sel: opts.Selectors, log: opts.Logger, opTO: opts.Timeout, settle: opts.SettleTimeout}
	if s.sel == nil {
		s.sel = DefaultSelectors()
	}
	if s.script, err = probeFunction(s.sel.script()); err != nil {
		return nil, err
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.opTO <= 0 {
		s.opTO = DefaultTimeout
	}
	if s.settle <= 0 {
		s.settle = DefaultSettleTimeout
	}
	return s, nil
}

// BaseURL returns the site the adapter acts on.
func (s *Site) BaseURL() string { return s.base }

// Open gives acct its own incognito context holding its cookies.
func (s *Site) Open(ctx context.Context, acct executor.Account) (executor.Session, error) {
	return s.OpenSession(ctx, acct)
}

// OpenSession is Open with the concrete type.
func (s *Site) OpenSession(ctx context.Context, acct executor.Account) (*Session, error) {
	ctx, cancel := s.deadline(ctx)
	defer cancel()
	if !session.HasLiAt(acct.Cookies) {
		return nil, executor.NewError(pacertype.OutcomeSessionRejected, "open", acct.Name, errors.New("the account has no li_at cookie; sign in with `pacer account login` or `pacer account set-cookie`"))
	}
	bc, err := s.b.NewContext(ctx)
	if err != nil {
		return nil, executor.Transient("open", acct.Name, err)
	}
	if err := bc.SetCookies(ctx, s.base, acct.Cookies); err != nil {
		_ = bc.Close(ctx)
		return nil, executor.Transient("open", acct.Name, err)
	}
	return &Session{site: s, account: acct.Name, bc: bc}, nil
}

func (s *Site) deadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, s.opTO)
}

func (s *Site) url(pathTmpl, slug string) string {
	return s.base + strings.ReplaceAll(pathTmpl, "{slug}", url.PathEscape(slug))
}

// Session acts as one account in its own incognito browser context. It
// implements executor.Session; its methods must not be called concurrently.
type Session struct {
	site    *Site
	account string
	bc      *browser.Context

	mu   sync.Mutex
	page *rod.Page
}

var _ executor.Session = (*Session)(nil)

// pageFor returns the session's tab, opening one if needed.
func (ss *Session) pageFor(ctx context.Context) (*rod.Page, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.page == nil {
		p, err := ss.bc.NewPage(ctx)
		if err != nil {
			return nil, err
		}
		ss.page = p
	}
	return ss.page.Context(ctx), nil
}

// dropPage closes the tab after a failure, so the next action starts from a
// fresh one (a crashed renderer cannot be reused).
func (ss *Session) dropPage() {
	ss.mu.Lock()
	p := ss.page
	ss.page = nil
	ss.mu.Unlock()
	if p != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, _ = proto.TargetCloseTarget{TargetID: p.TargetID}.Call(p.Context(ctx))
	}
}

// run runs one action with a deadline and a tab, and turns failures into
// *executor.Error values.
func (ss *Session) run(ctx context.Context, op, target string, fn func(ctx context.Context, p *rod.Page) error) error {
	ctx, cancel := ss.site.deadline(ctx)
	defer cancel()
	start := time.Now()
	p, err := ss.pageFor(ctx)
	if err == nil {
		err = fn(ctx, p)
	}
	err = executor.Transient(op, target, err)
	outcome := executor.OutcomeOf(err)
	if outcome == pacertype.OutcomeTransient {
		ss.dropPage()
	}
	lvl := slog.LevelInfo
	if err != nil {
		lvl = slog.LevelWarn
	}
	ss.site.log.Log(ctx, lvl, "linkedin: "+op,
		slog.String("account", ss.account), slog.String("target", target),
		slog.String("outcome", string(outcome)), slog.Duration("took", time.Since(start)))
	return err
}

// Cookies returns the context's cookies for the site, to store a refreshed
// session.
func (ss *Session) Cookies(ctx context.Context) ([]session.Cookie, error) {
	ctx, cancel := ss.site.deadline(ctx)
	defer cancel()
	u, _ := url.Parse(ss.site.base)
	c, err := ss.bc.CookiesFor(ctx, u.Hostname())
	if err != nil {
		return nil, fmt.Errorf("linkedin: %w", err)
	}
	return c, nil
}

// Close ends the session and its browser context.
func (ss *Session) Close(ctx context.Context) error {
	ctx, cancel := ss.site.deadline(ctx)
	defer cancel()
	ss.mu.Lock()
	ss.page = nil
	ss.mu.Unlock()
	if err := ss.bc.Close(ctx); err != nil {
		return fmt.Errorf("linkedin: close session: %w", err)
	}
	return nil
}

// --- page plumbing -----------------------------------------------------------

// probe runs the page script and decodes its JSON answer into out.
func (s *Site) probe(p *rod.Page, target, op string, out any) error {
	res, err := p.Evaluate(&rod.EvalOptions{
		ByValue: true,
		JS:      `function (f, ...args) { return f.apply(this, args) }`,
		JSArgs:  []any{s.script, target, op, ""},
	})
	if err != nil {
		return fmt.Errorf("read the page: %w", err)
	}
	if err := json.Unmarshal([]byte(res.Value.JSON("", "")), out); err != nil {
		return fmt.Errorf("read the page: %w", err)
	}
	return nil
}

// pick finds the element the page script names what, or nil.
func (s *Site) pick(p *rod.Page, target, what string) (*rod.Element, error) {
	res, err := p.Evaluate(&rod.EvalOptions{
		JS:     `function (f, ...args) { return f.apply(this, args) }`,
		JSArgs: []any{s.script, target, "pick", what},
	})
	if err != nil {
		return nil, fmt.Errorf("find %s: %w", what, err)
	}
	if res.ObjectID == "" || res.Subtype == proto.RuntimeRemoteObjectSubtypeNull {
		return nil, nil
	}
	return p.ElementFromObject(res)
}

// navigate opens u in the tab.
func navigate(p *rod.Page, u string) error {
	if err := p.Navigate(u); err != nil {
		return fmt.Errorf("open %s: %w", redactURL(u), err)
	}
	return nil
}

// redactURL keeps a URL's path only: query strings may carry tokens.
func redactURL(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[:i]
	}
	return u
}

// click clicks el like a person (the mouse moves over it and presses),
// after making sure it is not a control Pacer must never use.
func (s *Site) click(el *rod.Element) error {
	res, err := el.Eval(`function () { return [this.getAttribute('aria-label') || '', this.textContent || ''] }`)
	if err != nil {
		return fmt.Errorf("inspect a control: %w", err)
	}
	var texts []string
	_ = json.Unmarshal([]byte(res.Value.JSON("", "")), &texts)
	for _, t := range texts {
		for _, ai := range s.sel.merged.WriteWithAI {
			if strings.EqualFold(strings.Join(strings.Fields(t), " "), ai) {
				return fmt.Errorf("refusing to click %q: Pacer never uses Write with AI", ai)
			}
		}
	}
	if err := el.Click(proto.InputMouseButtonLeft, 1); err != nil {
		return fmt.Errorf("click: %w", err)
	}
	return nil
}

// clickPick finds and clicks the element the page script names what.
func (s *Site) clickPick(p *rod.Page, target, what string) error {
	el, err := s.pick(p, target, what)
	if err != nil {
		return err
	}
	if el == nil {
		return fmt.Errorf("the %s control is gone", what)
	}
	return s.click(el)
}

// openProfile loads a profile and waits until the top card (or a 404, a
// login page or a checkpoint) shows.
func (ss *Session) openProfile(ctx context.Context, p *rod.Page, op, slug string) (report, error) {
	if err := navigate(p, ss.site.url(ss.site.sel.Paths.Profile, slug)); err != nil {
		return report{}, err
	}
	r, ok, err := ss.site.wait(ctx, p, op, slug, func(r report) bool { return r.settled() && (!r.Topcard || r.More || r.Pending || r.ConnectDirect) })
	if err != nil {
		return r, err
	}
	if !ok && !r.Topcard {
		return r, executor.NewError(pacertype.OutcomeUnrecognized, op, slug, errors.New("no profile top card appeared"))
	}
	return r, nil
}

// readMenu opens the top card's More menu, if closed, and reads the page
// again. The menu exists only once opened.
func (ss *Session) readMenu(ctx context.Context, p *rod.Page, op, slug string, r report) (report, error) {
	if r.Menu || !r.More {
		return r, nil
	}
	// A page still hydrating may ignore the first click: try twice.
	for range 2 {
		if err := ss.site.clickPick(p, slug, "more"); err != nil {
			return r, err
		}
		nr, ok, err := ss.site.waitShort(ctx, p, op, slug, 3*time.Second, func(r report) bool { return r.Menu && r.MenuItems > 0 })
		if err != nil {
			return nr, err
		}
		r = nr
		if ok {
			return r, nil
		}
	}
	return r, nil
}

var slugRe = regexp.MustCompile(`^[\p{L}\p{N}_-]{3,100}$`)

func checkSlug(op, slug string) error {
	if !slugRe.MatchString(slug) {
		return executor.NewError(pacertype.OutcomeNotFound, op, slug, errors.New("not a LinkedIn vanity name"))
	}
	return nil
}
