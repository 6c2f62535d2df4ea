package linkedin

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/executor/browser"
	"github.com/pacerhq/pacer/pacertype"
)

// NewLazySite returns a LazySite that launches a browser with bopts and
// drives it with opts.
func NewLazySite(bopts browser.Options, opts Options) *LazySite {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &LazySite{browser: bopts, linkedin: opts, log: log}
}

// LazySite is the LinkedIn adapter over a Chromium launched (or connected
// to) when the first account opens a session, and launched again should
// it die: what `pacer serve` acts through, so that a server with nothing
// to do starts no browser.
type LazySite struct {
	browser  browser.Options
	linkedin Options
	log      *slog.Logger

	mu   sync.Mutex
	b    *browser.Browser
	site *Site
}

// Open opens a session for acct, starting the browser if needed.
func (l *LazySite) Open(ctx context.Context, acct executor.Account) (executor.Session, error) {
	site, err := l.get(ctx)
	if err != nil {
		return nil, executor.Transient("open", acct.Name, err)
	}
	s, err := site.Open(ctx, acct)
	if err != nil && executor.OutcomeOf(err) == pacertype.OutcomeTransient {
		l.checkAlive(ctx)
	}
	return s, err
}

func (l *LazySite) get(ctx context.Context) (*Site, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.site != nil {
		return l.site, nil
	}
	b, err := browser.Launch(ctx, l.browser)
	if err != nil {
		return nil, err
	}
	site, err := New(b, l.linkedin)
	if err != nil {
		_ = b.Close()
		return nil, err
	}
	if v, err := b.Version(ctx); err == nil {
		l.log.Info("executor: the browser is up", slog.String("version", v), slog.Bool("remote", b.Remote()))
	}
	l.b, l.site = b, site
	return site, nil
}

// checkAlive drops a browser that no longer answers, so that the next
// session starts a new one.
func (l *LazySite) checkAlive(ctx context.Context) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b == nil {
		return
	}
	vctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := l.b.Version(vctx); err != nil {
		l.log.Warn("executor: the browser does not answer; starting a new one", slog.String("error", err.Error()))
		_ = l.b.Close()
		l.b, l.site = nil, nil
	}
}

// Close ends the browser, if one was started.
func (l *LazySite) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b != nil {
		_ = l.b.Close()
		l.b, l.site = nil, nil
	}
}
