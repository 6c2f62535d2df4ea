package linkedin

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/pacerhq/pacer/executor/browser"
	"github.com/pacerhq/pacer/executor/session"
)

// Login opens the site's login page in b (launch it with Visible for a
// person to use) and waits until they have signed in, that is until an li_at
// cookie appears, or ctx ends. It returns the site's cookies: the session to
// seal and store. Pacer never types credentials itself.
func (s *Site) Login(ctx context.Context) ([]session.Cookie, error) {
	u, _ := url.Parse(s.base)
	bc, err := s.b.NewContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("linkedin: login: %w", err)
	}
	defer bc.Close(context.WithoutCancel(ctx))
	p, err := bc.NewPage(ctx)
	if err != nil {
		return nil, loginError(ctx, err)
	}
	if err := navigate(p.Context(ctx), s.base+s.sel.Paths.Login); err != nil {
		return nil, loginError(ctx, err)
	}
	s.log.Info("linkedin: waiting for a person to sign in", "site", u.Host)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		cookies, err := bc.CookiesFor(ctx, u.Hostname())
		if err == nil && session.HasLiAt(cookies) {
			return cookies, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("linkedin: login: nobody signed in before the wait ended: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// loginError wraps a failure to open the login page. When the wait ended
// meanwhile, the browser may only say "context canceled"; the error then
// carries ctx's own reason (a deadline), as the wait for a person does.
func loginError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("linkedin: login: nobody signed in before the wait ended: %w", context.Cause(ctx))
	}
	return fmt.Errorf("linkedin: login: %w", err)
}

// Login opens a browser window at the login page of baseURL and returns the
// session once a person has signed in. b should have been launched with
// browser.Options{Visible: true}.
func Login(ctx context.Context, b *browser.Browser, baseURL string) ([]session.Cookie, error) {
	s, err := New(b, Options{BaseURL: baseURL})
	if err != nil {
		return nil, err
	}
	return s.Login(ctx)
}
