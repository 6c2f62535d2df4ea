package browsertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pacerhq/pacer/executor/browser"
)

// Find returns the Chromium binary tests should use: $CHROME_BIN or
// launcher.LookPath.
func Find() (string, error) { return browser.FindChrome() }

// Chrome returns the Chromium binary, or skips the test with a loud message
// when there is none, except on CI (CI=true), where a missing browser fails
// the test: CI must run the browser tests.
func Chrome(tb testing.TB) string {
	tb.Helper()
	bin, err := Find()
	if err == nil {
		return bin
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("CI=true but no Chromium is available, so the browser tests cannot run: %v", err)
	}
	tb.Skipf("SKIPPING A REAL-BROWSER TEST: %v", err)
	return ""
}

// Launch starts a headless Chromium for a test with its profile under dir
// (t.TempDir() when empty) and closes it when the test ends.
func Launch(tb testing.TB, dir string) *browser.Browser {
	tb.Helper()
	bin := Chrome(tb)
	if dir == "" {
		dir = tb.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := browser.Launch(ctx, browser.Options{Bin: bin, UserDataDir: filepath.Join(dir, "chromium-"+strconv.FormatInt(time.Now().UnixNano(), 36))})
	if err != nil {
		tb.Fatalf("launch Chromium: %v", err)
	}
	tb.Cleanup(func() { _ = b.Close() })
	return b
}

// Proc is a live process found by Survivors.
type Proc struct {
	// PID is the process id.
	PID int
	// State is the one-letter state from /proc/<pid>/stat, such as S or R.
	State string
	// Cmdline is the command line, arguments separated by spaces.
	Cmdline string
}

// String describes the process in one line.
func (p Proc) String() string {
	cmd := p.Cmdline
	if len(cmd) > 160 {
		cmd = cmd[:160] + "…"
	}
	return fmt.Sprintf("pid %d (%s) %s", p.PID, p.State, cmd)
}

// Survivors returns the live processes (zombies excluded: they have ended,
// and reaping orphans is init's job) whose command line mentions marker,
// typically the directory the tests' Chromium profiles live under: Chromium
// passes --user-data-dir to its helper processes, so this finds the browser
// and its renderers, zygotes and utilities alike.
func Survivors(marker string) ([]Proc, error) {
	if marker == "" {
		return nil, errors.New("browsertest: empty marker")
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("browsertest: read /proc: %w", err)
	}
	self := os.Getpid()
	var out []Proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(cmd, []byte(marker)) {
			continue
		}
		state := procState(pid)
		if state == "Z" || state == "X" || state == "" {
			continue
		}
		out = append(out, Proc{PID: pid, State: state, Cmdline: strings.ReplaceAll(string(bytes.TrimRight(cmd, "\x00")), "\x00", " ")})
	}
	return out, nil
}

// WaitNoSurvivors polls Survivors until none is left or d has passed, and
// returns the last survivors found.
func WaitNoSurvivors(marker string, d time.Duration) ([]Proc, error) {
	deadline := time.Now().Add(d)
	for {
		procs, err := Survivors(marker)
		if err != nil || len(procs) == 0 || time.Now().After(deadline) {
			return procs, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func procState(pid int) string {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return ""
	}
	// The state follows the parenthesised command name, which may itself
	// contain spaces or parentheses.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return ""
	}
	return string(stat[i+2])
}

// PSS returns the summed proportional set size, in bytes, of the live
// processes whose command line mentions marker, from
// /proc/<pid>/smaps_rollup.
func PSS(marker string) (int64, error) {
	procs, err := Survivors(marker)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, p := range procs {
		data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p.PID), "smaps_rollup"))
		if err != nil {
			continue // the process ended meanwhile
		}
		for line := range strings.SplitSeq(string(data), "\n") {
			if rest, ok := strings.CutPrefix(line, "Pss:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
				if err == nil {
					total += kb * 1024
				}
				break
			}
		}
	}
	return total, nil
}

// Main runs a test binary's tests with every temporary directory (and so
// every Chromium profile they launch) under one fresh root, then fails the
// run if any Chromium process started under that root is still alive. Call it
// from TestMain: os.Exit(browsertest.Main(m)).
func Main(m *testing.M) int {
	root, err := os.MkdirTemp("", "pacer-browsertest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "browsertest:", err)
		return 1
	}
	defer os.RemoveAll(root)
	// t.TempDir and os.MkdirTemp follow TMPDIR, so every profile lands here.
	old, had := os.LookupEnv("TMPDIR")
	os.Setenv("TMPDIR", root)
	code := m.Run()
	if had {
		os.Setenv("TMPDIR", old)
	} else {
		os.Unsetenv("TMPDIR")
	}
	for _, f := range atExit {
		f()
	}
	left, err := WaitNoSurvivors(root, 5*time.Second)
	if err != nil {
		fmt.Fprintln(os.Stderr, "browsertest:", err)
		return 1
	}
	if len(left) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d Chromium processes started by these tests survive them:\n", len(left))
		for _, p := range left {
			fmt.Fprintln(os.Stderr, "  ", p)
		}
		return 1
	}
	return code
}

var atExit []func()

var shared struct {
	once sync.Once
	b    *browser.Browser
	err  error
}

// Shared returns one headless Chromium shared by a test binary's tests,
// launched on first use and closed by Main before it looks for surviving
// processes; it skips (fails on CI) when there is no Chromium.
func Shared(tb testing.TB) *browser.Browser {
	tb.Helper()
	bin := Chrome(tb)
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		shared.b, shared.err = browser.Launch(ctx, browser.Options{Bin: bin})
		if shared.err == nil {
			atExit = append(atExit, func() { _ = shared.b.Close() })
		}
	})
	if shared.err != nil {
		tb.Fatalf("launch Chromium: %v", shared.err)
	}
	return shared.b
}
