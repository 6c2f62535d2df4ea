// Package pacertest runs the pacer binary as a process, the way users and
// CI run it, for the tests of cmd/pacer and e2e: it builds the binary once,
// gives it a clean environment, finds free ports and waits for endpoints.
package pacertest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Main builds ./cmd/pacer into a temporary directory, stores the binary's
// path in *bin, runs the tests and removes the binary. Call it from
// TestMain: os.Exit(pacertest.Main(m, &pacerBin)).
func Main(m *testing.M, bin *string) int {
	dir, err := os.MkdirTemp("", "pacer-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "pacertest:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	*bin = filepath.Join(dir, "pacer")
	build := exec.Command("go", "build", "-o", *bin, "github.com/pacerhq/pacer/cmd/pacer")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "pacertest: build pacer:", err)
		return 1
	}
	return m.Run()
}

// Env returns the test's environment without the variables that would
// change what pacer does (PACER_*, SLACK_*, HUBSPOT_*, HUNTER_*,
// DATABASE_URL), followed by extra.
func Env(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PACER_") || strings.HasPrefix(k, "SLACK_") || strings.HasPrefix(k, "HUBSPOT_") ||
			strings.HasPrefix(k, "HUNTER_") || k == "DATABASE_URL" {
			continue
		}
		out = append(out, kv)
	}
	return append(out, extra...)
}

// FreeAddr returns a loopback address whose port is free right now.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Answers polls url until it answers 200, and reports whether it did
// within the time given.
func Answers(url string, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// Buffer collects a process's output while the test reads it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Result is what a finished pacer command left.
type Result struct {
	Code           int
	Stdout, Stderr string
}

// Run runs the pacer binary bin with args to its end, within two minutes,
// from dir, with exactly env and stdin as its environment and standard
// input. A command that cannot run at all fails the test.
func Run(t testing.TB, bin, dir string, env []string, stdin string, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir, cmd.Env, cmd.Stdin = dir, env, strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("run pacer %v: %v", args, err)
	}
	return Result{code, stdout.String(), stderr.String()}
}
