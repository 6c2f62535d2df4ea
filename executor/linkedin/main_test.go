package linkedin

import (
	"context"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/executor/browser/browsertest"
	"github.com/pacerhq/pacer/executor/session"
	"github.com/pacerhq/pacer/executor/sim"
)

// TestMain fails the run if any Chromium process the tests started
// outlives them (the tests share browsertest.Shared).
func TestMain(m *testing.M) {
	os.Exit(browsertest.Main(m))
}

// bundle is one test's simulator and adapter.
type bundle struct {
	sim  *sim.Server
	srv  *httptest.Server
	site *Site
}

func setup(t testing.TB, opts sim.Options) *bundle {
	t.Helper()
	b := browsertest.Shared(t)
	s := sim.New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	site, err := New(b, Options{BaseURL: srv.URL, SettleTimeout: 5 * time.Second, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	return &bundle{sim: s, srv: srv, site: site}
}

// session opens a session for the simulated account liAt.
func (b *bundle) session(t testing.TB, liAt string) *Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ss, err := b.site.OpenSession(ctx, executor.Account{Name: liAt, Cookies: session.LiAt(liAt)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ss.Close(context.Background()) })
	return ss
}

func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// simOptions are the simulator options most tests use.
func simOptions() sim.Options {
	return sim.Options{Logger: discardLogger()}
}
