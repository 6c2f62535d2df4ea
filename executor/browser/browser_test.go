package browser_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-rod/rod/lib/proto"

	"github.com/pacerhq/pacer/executor/browser"
	"github.com/pacerhq/pacer/executor/browser/browsertest"
	"github.com/pacerhq/pacer/executor/session"
)

func ctxT(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestFindChromeHonoursCHROME_BIN(t *testing.T) {
	real := browsertest.Chrome(t)
	tests := []struct {
		name    string
		env     string
		want    string
		wantErr string
	}{
		{"set to the real binary", real, real, ""},
		{"set to a missing file", "/nonexistent/chromium", "", `CHROME_BIN="/nonexistent/chromium" is not an executable Chromium`},
		{"set to a directory", t.TempDir(), "", "is not an executable Chromium"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(browser.EnvChromeBin, tt.env)
			got, err := browser.FindChrome()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("FindChrome() err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("FindChrome() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestErrNoChromeSaysWhatToDo(t *testing.T) {
	t.Parallel()
	for _, want := range []string{"apt-get install chromium", "CHROME_BIN", "never downloads"} {
		if !strings.Contains(browser.ErrNoChrome.Error(), want) {
			t.Errorf("ErrNoChrome = %q, want it to mention %q", browser.ErrNoChrome, want)
		}
	}
}

func TestLaunchRejectsAMissingBinary(t *testing.T) {
	t.Parallel()
	_, err := browser.Launch(ctxT(t, 10*time.Second), browser.Options{Bin: "/nonexistent/chrome"})
	if err == nil || !strings.Contains(err.Error(), "is not an executable Chromium") {
		t.Fatalf("Launch err = %v", err)
	}
}

func TestLaunchFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := browsertest.Launch(t, dir)
	cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", b.PID()))
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Split(string(cmd), "\x00")
	want := []string{"--headless", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--disable-gpu"}
	if os.Geteuid() == 0 {
		want = append(want, "--no-sandbox")
	}
	for _, w := range want {
		if !slices.Contains(args, w) {
			t.Errorf("Chromium was started without %s", w)
		}
	}
	if os.Geteuid() != 0 && slices.Contains(args, "--no-sandbox") {
		t.Error("--no-sandbox used while not root")
	}
	v, err := b.Version(ctxT(t, 10*time.Second))
	if err != nil || !strings.Contains(v, "Chrome") {
		t.Errorf("Version = %q, %v", v, err)
	}
}

// cookieEcho answers with the request's li_at cookie.
func cookieEcho() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("li_at")
		v := "none"
		if err == nil {
			v = c.Value
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<p id=v>%s</p>", v)
	}))
}

func TestContextsKeepAccountsApart(t *testing.T) {
	t.Parallel()
	srv := cookieEcho()
	defer srv.Close()
	b := browsertest.Launch(t, "")
	ctx := ctxT(t, 30*time.Second)

	seen := map[string]string{}
	for _, acct := range []string{"anna", "ben"} {
		c, err := b.NewContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		if err := c.SetCookies(ctx, srv.URL, session.LiAt("token-"+acct)); err != nil {
			t.Fatal(err)
		}
		p, err := c.NewPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p = p.Context(ctx)
		if err := p.Navigate(srv.URL); err != nil {
			t.Fatal(err)
		}
		el, err := p.Element("#v")
		if err != nil {
			t.Fatal(err)
		}
		seen[acct], _ = el.Text()

		got, err := c.Cookies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ck, ok := session.Find(got, "li_at")
		if !ok || ck.Value != "token-"+acct || ck.Domain != "127.0.0.1" || !ck.HTTPOnly {
			t.Errorf("%s: Cookies() li_at = %+v (found %v)", acct, ck, ok)
		}
	}
	if seen["anna"] != "token-anna" || seen["ben"] != "token-ben" {
		t.Errorf("pages saw %v, want each account its own cookie", seen)
	}
}

func TestSetCookiesWithExpiryAndDomain(t *testing.T) {
	t.Parallel()
	b := browsertest.Launch(t, "")
	ctx := ctxT(t, 20*time.Second)
	c, err := b.NewContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(48 * time.Hour).Truncate(time.Second).UTC()
	in := []session.Cookie{{Name: "li_at", Value: "x", Domain: ".www.linkedin.com", Path: "/", Secure: true, HTTPOnly: true, SameSite: "None", Expires: exp}}
	if err := c.SetCookies(ctx, "", in); err != nil {
		t.Fatal(err)
	}
	got, err := c.CookiesFor(ctx, "www.linkedin.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Domain != ".www.linkedin.com" || !got[0].Expires.Equal(exp) || !got[0].Secure || got[0].SameSite != "None" {
		t.Errorf("CookiesFor = %+v, want %+v", got, in)
	}
	if err := c.SetCookies(ctx, "", session.LiAt("y")); err == nil {
		t.Error("SetCookies without a domain or site URL succeeded")
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.NewPage(ctx); !errors.Is(err, browser.ErrClosed) {
		t.Errorf("NewPage on a closed context: err = %v, want ErrClosed", err)
	}
}

func TestCloseLeavesNoChromiumProcess(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := browsertest.Launch(t, dir)
	ctx := ctxT(t, 20*time.Second)
	for range 2 {
		c, err := b.NewContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.NewPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Context(ctx).Navigate("data:text/html,<p>hello</p>"); err != nil {
			t.Fatal(err)
		}
	}
	procs, err := browsertest.Survivors(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(procs) < 3 {
		t.Fatalf("found %d Chromium processes before Close, want the browser and its helpers: the scan does not see them", len(procs))
	}
	pid := b.PID()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := browsertest.WaitNoSurvivors(dir, 5*time.Second); len(left) > 0 {
		t.Fatalf("after Close, %d Chromium processes survive: %v", len(left), left)
	}
	if syscall.Kill(pid, 0) == nil {
		t.Errorf("the browser process %d still exists after Close", pid)
	}
	if _, err := b.NewContext(ctx); !errors.Is(err, browser.ErrClosed) {
		t.Errorf("NewContext after Close: err = %v, want ErrClosed", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestACrashedPageLeavesNoChromiumProcess(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := browsertest.Launch(t, dir)
	ctx := ctxT(t, 30*time.Second)
	c, err := b.NewContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.NewPage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Context(ctx).Navigate("data:text/html,<p>about to crash</p>"); err != nil {
		t.Fatal(err)
	}
	// Page.crash never answers: the renderer dies under it.
	crashCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	_ = proto.PageCrash{}.Call(p.Context(crashCtx))
	cancel()
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	_, err = p.Context(short).Eval(`() => 1`)
	cancel()
	if err == nil {
		t.Fatal("a crashed page still evaluates scripts")
	}
	// The context and the browser go on working after the crash.
	p2, err := c.NewPage(ctx)
	if err != nil {
		t.Fatalf("NewPage after a crash: %v", err)
	}
	if err := p2.Context(ctx).Navigate("data:text/html,<p id=ok>ok</p>"); err != nil {
		t.Fatalf("Navigate after a crash: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := browsertest.WaitNoSurvivors(dir, 5*time.Second); len(left) > 0 {
		t.Fatalf("after a page crash and Close, %d Chromium processes survive: %v", len(left), left)
	}
}

func TestRemoteBrowser(t *testing.T) {
	t.Parallel()
	host := browsertest.Launch(t, "")
	srv := cookieEcho()
	defer srv.Close()
	ctx := ctxT(t, 30*time.Second)
	wsURL := host.WebSocketURL()
	httpURL := "http://" + strings.Split(strings.TrimPrefix(wsURL, "ws://"), "/")[0]
	for _, remote := range []string{wsURL, httpURL} {
		r, err := browser.Launch(ctx, browser.Options{RemoteURL: remote})
		if err != nil {
			t.Fatalf("connect to %s: %v", remote, err)
		}
		if !r.Remote() || r.PID() != 0 {
			t.Errorf("Remote() = %v, PID() = %d; want true, 0", r.Remote(), r.PID())
		}
		c, err := r.NewContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.SetCookies(ctx, srv.URL, session.LiAt("remote")); err != nil {
			t.Fatal(err)
		}
		p, err := c.NewPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Context(ctx).Navigate(srv.URL); err != nil {
			t.Fatal(err)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// Closing a remote connection leaves the browser itself running.
	if _, err := host.Version(ctx); err != nil {
		t.Errorf("the remote browser died with its client: %v", err)
	}
	if _, err := browser.Launch(ctx, browser.Options{RemoteURL: "ftp://x"}); err == nil {
		t.Error("an ftp:// remote URL was accepted")
	}
}

func TestCallsHonourTheirDeadline(t *testing.T) {
	t.Parallel()
	b := browsertest.Launch(t, "")
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if _, err := b.NewContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("NewContext with an expired context: err = %v, want DeadlineExceeded", err)
	}
}

func TestUserDataDirIsRemovedOnlyWhenTemporary(t *testing.T) {
	t.Parallel()
	bin := browsertest.Chrome(t)
	ctx := ctxT(t, 30*time.Second)
	keep := filepath.Join(t.TempDir(), "profile")
	b, err := browser.Launch(ctx, browser.Options{Bin: bin, UserDataDir: keep})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("a profile directory the caller chose was removed: %v", err)
	}
	b, err = browser.Launch(ctx, browser.Options{Bin: bin})
	if err != nil {
		t.Fatal(err)
	}
	tmp := b.UserDataDir()
	b.Close()
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("the temporary profile %s was left behind (stat err %v)", tmp, err)
	}
}
