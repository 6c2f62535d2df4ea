package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/cdp"
	"github.com/go-rod/rod/lib/launcher"
	"github.com/go-rod/rod/lib/launcher/flags"
	"github.com/go-rod/rod/lib/proto"
)

// EnvChromeBin names the environment variable that points at the Chromium
// binary.
const EnvChromeBin = "CHROME_BIN"

// ErrNoChrome is returned when no Chromium binary can be found.
var ErrNoChrome = errors.New("browser: no Chromium found: install it (Debian/Ubuntu: `apt-get install chromium`) or set CHROME_BIN to the path of a Chromium or Chrome binary; Pacer never downloads a browser by itself")

// ErrClosed is returned by calls on a closed Browser or Context.
var ErrClosed = errors.New("browser: closed")

// DefaultTimeout bounds a browser call whose context has no deadline.
const DefaultTimeout = 60 * time.Second

// quietFlags keep Chromium from calling home on a closed network and from
// doing anything a person did not ask for.
var quietFlags = []flags.Flag{
	"disable-background-networking",
	"disable-component-update",
	"disable-sync",
	"no-first-run",
	"disable-gpu",
	"disable-quic",
	"disable-default-apps",
	"no-default-browser-check",
}

// Options says which browser to use and how.
type Options struct {
	// Bin is the Chromium binary. Empty means $CHROME_BIN, then the usual
	// install locations (launcher.LookPath).
	Bin string
	// RemoteURL, when set, connects to a running browser instead of launching
	// one: a DevTools websocket URL (ws://host:9222/devtools/browser/<id>) or
	// its HTTP endpoint (http://host:9222).
	RemoteURL string
	// Visible shows a browser window, for a person to sign in. The default is
	// headless.
	Visible bool
	// UserDataDir is the profile directory of a launched browser. Empty means
	// a fresh temporary directory, removed on Close. Accounts never share
	// state through it: each acts in its own incognito context.
	UserDataDir string
	// WindowSize is the window's width and height; zero means 1280×900.
	WindowSize [2]int
	// Flags are extra Chromium flags, "name" or "name=value", without the
	// leading dashes.
	Flags []string
	// Logger receives the launcher's diagnostics; nil means slog.Default().
	// Chromium's own output is discarded.
	Logger *slog.Logger
}

// Browser is a launched or connected Chromium. It is safe for concurrent use:
// several accounts can act at once, each in its own Context.
type Browser struct {
	root   *rod.Browser
	cancel context.CancelFunc
	ws     *cdp.WebSocket
	wsURL  string
	log    *slog.Logger

	// Set for a launched browser only.
	launcher    *launcher.Launcher
	pid         int
	userDataDir string
	removeDir   bool

	mu       sync.Mutex
	closed   bool
	contexts map[*Context]struct{}
}

// FindChrome returns the Chromium binary to launch: $CHROME_BIN when set
// (which must then be an executable file), else the first browser found by
// launcher.LookPath. It returns ErrNoChrome when there is none.
func FindChrome() (string, error) {
	if bin := os.Getenv(EnvChromeBin); bin != "" {
		return checkBin(bin, EnvChromeBin)
	}
	if bin, ok := launcher.LookPath(); ok {
		return bin, nil
	}
	return "", ErrNoChrome
}

func checkBin(bin, source string) (string, error) {
	path, err := exec.LookPath(bin)
	if err != nil {
		return "", fmt.Errorf("browser: %s=%q is not an executable Chromium: %w; install chromium or fix %s", source, bin, err, source)
	}
	return path, nil
}

// Launch starts Chromium, or connects to Options.RemoteURL. ctx bounds the
// start only; the browser lives until Close.
func Launch(ctx context.Context, opts Options) (*Browser, error) {
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if opts.RemoteURL != "" {
		return connect(ctx, opts.RemoteURL, log)
	}

	bin := opts.Bin
	var err error
	if bin != "" {
		bin, err = checkBin(bin, "the browser binary")
	} else {
		bin, err = FindChrome()
	}
	if err != nil {
		return nil, err
	}

	b := &Browser{log: log, contexts: map[*Context]struct{}{}}
	b.userDataDir = opts.UserDataDir
	if b.userDataDir == "" {
		b.userDataDir, err = os.MkdirTemp("", "pacer-chromium-")
		if err != nil {
			return nil, fmt.Errorf("browser: create a profile directory: %w", err)
		}
		b.removeDir = true
	}

	l := launcher.New().Context(ctx).
		Bin(bin).
		Headless(!opts.Visible).
		Leakless(true).
		UserDataDir(b.userDataDir).
		// Running as root needs --no-sandbox; anyone else keeps the sandbox.
		NoSandbox(os.Geteuid() == 0).
		Logger(io.Discard)
	for _, f := range quietFlags {
		l.Set(f)
	}
	w, h := opts.WindowSize[0], opts.WindowSize[1]
	if w == 0 || h == 0 {
		w, h = 1280, 900
	}
	l.Set("window-size", fmt.Sprintf("%d", w), fmt.Sprintf("%d", h))
	for _, f := range opts.Flags {
		name, value, hasValue := strings.Cut(strings.TrimLeft(f, "-"), "=")
		if hasValue {
			l.Set(flags.Flag(name), value)
		} else {
			l.Set(flags.Flag(name))
		}
	}

	u, err := l.Launch()
	if err != nil {
		if b.removeDir {
			_ = os.RemoveAll(b.userDataDir)
		}
		return nil, fmt.Errorf("browser: launch %s: %w", bin, err)
	}
	b.launcher = l
	b.pid = l.PID()
	if err := b.attach(ctx, u); err != nil {
		b.kill()
		return nil, err
	}
	log.Debug("browser: launched", slog.String("bin", bin), slog.Int("pid", b.pid), slog.Bool("headless", !opts.Visible))
	return b, nil
}

func connect(ctx context.Context, remote string, log *slog.Logger) (*Browser, error) {
	u, err := resolveWebSocketURL(ctx, remote)
	if err != nil {
		return nil, err
	}
	b := &Browser{log: log, contexts: map[*Context]struct{}{}}
	if err := b.attach(ctx, u); err != nil {
		return nil, err
	}
	log.Debug("browser: connected to a remote browser")
	return b, nil
}

// attach opens the DevTools connection. The dial is bounded by ctx; the
// connection itself lives until Close.
func (b *Browser) attach(ctx context.Context, wsURL string) error {
	ws := &cdp.WebSocket{}
	if err := ws.Connect(ctx, wsURL, nil); err != nil {
		return fmt.Errorf("browser: connect to DevTools: %w", err)
	}
	// rod ties its event hub to the context Connect runs with, so Connect
	// gets the connection's lifetime context, cut short only if ctx ends
	// before Connect returns.
	life, cancel := context.WithCancel(context.Background())
	stop := context.AfterFunc(ctx, cancel)
	// NoDefaultDevice: rod would otherwise emulate a laptop with another
	// user agent, and Pacer does not disguise its browser.
	root := rod.New().Context(life).Client(cdp.New().Start(ws)).NoDefaultDevice()
	err := root.Connect()
	if !stop() || err != nil {
		cancel()
		_ = ws.Close()
		if err == nil {
			err = ctx.Err()
		}
		return fmt.Errorf("browser: connect to DevTools: %w", err)
	}
	b.root, b.cancel, b.ws, b.wsURL = root, cancel, ws, wsURL
	return nil
}

// resolveWebSocketURL turns http://host:port into the browser's websocket URL.
func resolveWebSocketURL(ctx context.Context, remote string) (string, error) {
	p, err := url.Parse(remote)
	if err != nil {
		return "", fmt.Errorf("browser: remote browser URL %q: %w", remote, err)
	}
	switch p.Scheme {
	case "ws", "wss":
		return remote, nil
	case "http", "https":
	default:
		return "", fmt.Errorf("browser: remote browser URL %q: want ws://, wss://, http:// or https://", remote)
	}
	p.Path = "/json/version"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.String(), nil)
	if err != nil {
		return "", fmt.Errorf("browser: remote browser: %w", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("browser: reach the remote browser: %w", err)
	}
	defer res.Body.Close()
	var v struct {
		WebSocketDebuggerURL string `json:"webSocketDebuggerUrl"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&v); err != nil || v.WebSocketDebuggerURL == "" {
		return "", fmt.Errorf("browser: the remote browser at %s gave no websocket URL (status %s)", p.Host, res.Status)
	}
	return v.WebSocketDebuggerURL, nil
}

// WebSocketURL returns the DevTools websocket URL of the browser, which
// another process can pass as Options.RemoteURL.
func (b *Browser) WebSocketURL() string { return b.wsURL }

// PID returns the process id of a launched Chromium, or 0 for a remote one.
func (b *Browser) PID() int { return b.pid }

// UserDataDir returns the profile directory of a launched Chromium, or "".
func (b *Browser) UserDataDir() string { return b.userDataDir }

// Remote reports whether the browser was connected to rather than launched.
func (b *Browser) Remote() bool { return b.launcher == nil }

// Rod returns the underlying go-rod browser, for tools and benchmarks that
// drive pages directly. Adapters should use contexts instead.
func (b *Browser) Rod() *rod.Browser { return b.root }

// Version returns the browser's product string, such as "Chrome/156.0…".
func (b *Browser) Version(ctx context.Context) (string, error) {
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	v, err := proto.BrowserGetVersion{}.Call(b.root.Context(ctx))
	if err != nil {
		return "", fmt.Errorf("browser: version: %w", err)
	}
	return v.Product, nil
}

// NewContext returns a new incognito browser context: its own cookies,
// storage and cache, shared with no other account. Close it when the account
// is done.
func (b *Browser) NewContext(ctx context.Context) (*Context, error) {
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	incognito, err := b.root.Context(ctx).Incognito()
	if err != nil {
		return nil, fmt.Errorf("browser: new incognito context: %w", err)
	}
	c := &Context{b: b, rod: incognito.Context(b.root.GetContext())}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrClosed
	}
	b.contexts[c] = struct{}{}
	return c, nil
}

// Close disposes every open context and ends the browser: a launched Chromium
// is asked to close, then its process group is killed and waited for, and its
// temporary profile removed; a remote browser is only disconnected from.
func (b *Browser) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	open := make([]*Context, 0, len(b.contexts))
	for c := range b.contexts {
		open = append(open, c)
	}
	b.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, c := range open {
		_ = c.dispose(ctx)
	}
	if b.launcher != nil {
		// A polite close first lets Chromium end and reap its own children:
		// killed all at once, they would be orphaned to init, which in a
		// container without a reaper leaves zombies. The kill below makes
		// sure of it either way.
		_ = proto.BrowserClose{}.Call(b.root.Context(ctx))
		b.waitExit(3 * time.Second)
	}
	b.cancel()
	_ = b.ws.Close()
	if b.launcher != nil {
		b.kill()
	}
	return nil
}

// kill ends the launched Chromium's whole process group (leakless starts it
// as a group leader) and waits until it is reaped, so no renderer, zygote or
// GPU process outlives the browser.
func (b *Browser) kill() {
	if b.pid > 0 {
		_ = syscall.Kill(-b.pid, syscall.SIGKILL)
		_ = syscall.Kill(b.pid, syscall.SIGKILL)
		if !b.waitExit(10 * time.Second) {
			b.log.Warn("browser: Chromium was not reaped within 10s of SIGKILL", slog.Int("pid", b.pid))
		}
	}
	if b.removeDir {
		_ = os.RemoveAll(b.userDataDir)
	}
}

// waitExit waits until the launched Chromium is reaped, which leakless does
// as soon as it dies. Signal 0 succeeds until then, even for a zombie.
func (b *Browser) waitExit(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for syscall.Kill(b.pid, 0) == nil {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// withDeadline applies DefaultTimeout to a context that has no deadline, so
// no browser call can hang forever.
func withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, DefaultTimeout)
}
