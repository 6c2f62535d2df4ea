package browser

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"

	"github.com/pacerhq/pacer/executor/session"
)

// Context is one incognito browser context: the cookies, storage and pages of
// one account while it acts. It is safe for concurrent use, though an account
// normally does one thing at a time.
type Context struct {
	b   *Browser
	rod *rod.Browser

	mu      sync.Mutex
	closed  bool
	cancels []context.CancelFunc // the lifetimes of the context's pages
}

// NewPage opens a blank tab in the context.
func (c *Context) NewPage(ctx context.Context) (*rod.Page, error) {
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	if c.isClosed() {
		return nil, ErrClosed
	}
	// rod ties a page's lifetime (its event stream, its mouse) to the
	// context it is created with, so the page gets the browser's lifetime
	// context, cut short only if ctx ends before the page exists. Later calls
	// pass their own deadline with p.Context.
	life, cancelLife := context.WithCancel(c.b.root.GetContext())
	stop := context.AfterFunc(ctx, cancelLife)
	p, err := c.rod.Context(life).Page(proto.TargetCreateTarget{})
	if !stop() || err != nil {
		cancelLife()
		if err == nil {
			err = ctx.Err()
		}
		return nil, fmt.Errorf("browser: new page: %w", err)
	}
	c.mu.Lock()
	c.cancels = append(c.cancels, cancelLife)
	c.mu.Unlock()
	return p, nil
}

// SetCookies puts a session's cookies into the context. A cookie without a
// domain is set for siteURL (the site the adapter talks to), as a host-only
// cookie; siteURL may be empty when every cookie has a domain.
func (c *Context) SetCookies(ctx context.Context, siteURL string, cookies []session.Cookie) error {
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	if c.isClosed() {
		return ErrClosed
	}
	var secureSite bool
	if siteURL != "" {
		u, err := url.Parse(siteURL)
		if err != nil {
			return fmt.Errorf("browser: set cookies: site URL: %w", err)
		}
		secureSite = u.Scheme == "https"
	}
	params := make([]*proto.NetworkCookieParam, 0, len(cookies))
	for _, ck := range cookies {
		p := &proto.NetworkCookieParam{
			Name:     ck.Name,
			Value:    ck.Value,
			Domain:   ck.Domain,
			Path:     ck.Path,
			HTTPOnly: ck.HTTPOnly,
			Secure:   ck.Secure,
			SameSite: proto.NetworkCookieSameSite(ck.SameSite),
		}
		if p.Path == "" {
			p.Path = "/"
		}
		if ck.Domain == "" {
			if siteURL == "" {
				return fmt.Errorf("browser: set cookies: cookie %q has no domain and no site URL was given", ck.Name)
			}
			p.URL = siteURL
			// Chromium refuses a Secure cookie for a plain-http site other
			// than localhost; the flag follows the site's scheme.
			p.Secure = secureSite
		}
		if !ck.Expires.IsZero() {
			p.Expires = proto.TimeSinceEpoch(float64(ck.Expires.Unix()))
		}
		if p.SameSite == proto.NetworkCookieSameSiteNone && !p.Secure {
			p.SameSite = ""
		}
		params = append(params, p)
	}
	if len(params) == 0 {
		return nil
	}
	if err := c.rod.Context(ctx).SetCookies(params); err != nil {
		return fmt.Errorf("browser: set cookies: %w", err)
	}
	return nil
}

// Cookies returns every cookie the context holds.
func (c *Context) Cookies(ctx context.Context) ([]session.Cookie, error) {
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	if c.isClosed() {
		return nil, ErrClosed
	}
	raw, err := c.rod.Context(ctx).GetCookies()
	if err != nil {
		return nil, fmt.Errorf("browser: read cookies: %w", err)
	}
	out := make([]session.Cookie, 0, len(raw))
	for _, ck := range raw {
		sc := session.Cookie{
			Name:     ck.Name,
			Value:    ck.Value,
			Domain:   ck.Domain,
			Path:     ck.Path,
			HTTPOnly: ck.HTTPOnly,
			Secure:   ck.Secure,
			SameSite: string(ck.SameSite),
		}
		if !ck.Session && ck.Expires > 0 {
			sc.Expires = time.Unix(int64(ck.Expires), 0).UTC()
		}
		out = append(out, sc)
	}
	return out, nil
}

// CookiesFor returns the context's cookies whose domain matches host (a
// cookie for ".linkedin.com" matches "www.linkedin.com").
func (c *Context) CookiesFor(ctx context.Context, host string) ([]session.Cookie, error) {
	all, err := c.Cookies(ctx)
	if err != nil {
		return nil, err
	}
	var out []session.Cookie
	for _, ck := range all {
		d := strings.TrimPrefix(ck.Domain, ".")
		if d == host || strings.HasSuffix(host, "."+d) {
			out = append(out, ck)
		}
	}
	return out, nil
}

// Close disposes the context and every page in it.
func (c *Context) Close(ctx context.Context) error {
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	c.b.mu.Lock()
	delete(c.b.contexts, c)
	c.b.mu.Unlock()
	return c.dispose(ctx)
}

func (c *Context) dispose(ctx context.Context) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	cancels := c.cancels
	c.cancels = nil
	c.mu.Unlock()
	defer func() {
		for _, cancel := range cancels {
			cancel()
		}
	}()
	if err := c.rod.Context(ctx).Close(); err != nil {
		return fmt.Errorf("browser: close context: %w", err)
	}
	return nil
}

func (c *Context) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}
