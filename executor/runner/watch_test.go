package runner_test

import (
	"context"
	"sync"

	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/executor/session"
)

// watchSite wraps a site and records how many sessions are open at once
// for each account, and calls hooks before each invitation.
type watchSite struct {
	site executor.Site

	mu   sync.Mutex
	open map[string]int
	max  int
	by   map[string]int // sessions opened through each label
	// invite, when set, runs before each invitation; an error it returns
	// is the invitation's outcome, and nothing is sent.
	invite func(ctx context.Context, account, slug string) error
	// cookies, when set, replaces the cookies a session reports.
	cookies func(account string) []session.Cookie
}

func newWatchSite(site executor.Site) *watchSite {
	return &watchSite{site: site, open: map[string]int{}, by: map[string]int{}}
}

func (w *watchSite) Open(ctx context.Context, acct executor.Account) (executor.Session, error) {
	return w.openAs(ctx, "", acct)
}

func (w *watchSite) openAs(ctx context.Context, label string, acct executor.Account) (executor.Session, error) {
	s, err := w.site.Open(ctx, acct)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	w.open[acct.Name]++
	w.by[label]++
	w.max = max(w.max, w.open[acct.Name])
	w.mu.Unlock()
	return &watchSession{Session: s, w: w, account: acct.Name}, nil
}

// as is the site as one runner sees it: its sessions count under label.
func (w *watchSite) as(label string) executor.Site { return labeled{w, label} }

func (w *watchSite) opened(label string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.by[label]
}

type labeled struct {
	w     *watchSite
	label string
}

func (l labeled) Open(ctx context.Context, acct executor.Account) (executor.Session, error) {
	return l.w.openAs(ctx, l.label, acct)
}

func (w *watchSite) maxPerAccount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.max
}

type watchSession struct {
	executor.Session
	w       *watchSite
	account string
	once    sync.Once
}

func (s *watchSession) Invite(ctx context.Context, slug string, opts executor.InviteOptions) (executor.InviteResult, error) {
	s.w.mu.Lock()
	hook := s.w.invite
	s.w.mu.Unlock()
	if hook != nil {
		if err := hook(ctx, s.account, slug); err != nil {
			return executor.InviteResult{Outcome: executor.OutcomeOf(err), NotesRemaining: -1}, err
		}
	}
	return s.Session.Invite(ctx, slug, opts)
}

func (s *watchSession) Cookies(ctx context.Context) ([]session.Cookie, error) {
	s.w.mu.Lock()
	hook := s.w.cookies
	s.w.mu.Unlock()
	if hook != nil {
		return hook(s.account), nil
	}
	return s.Session.Cookies(ctx)
}

func (s *watchSession) Close(ctx context.Context) error {
	s.once.Do(func() {
		s.w.mu.Lock()
		s.w.open[s.account]--
		s.w.mu.Unlock()
	})
	return s.Session.Close(ctx)
}
