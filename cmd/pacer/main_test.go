package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/pacerhq/pacer/cmd/pacer/pacertest"
)

// pacerBin is the pacer binary built once for the tests that run it as a
// process, the way users and CI do.
var pacerBin string

func TestMain(m *testing.M) {
	os.Exit(pacertest.Main(m, &pacerBin))
}

// pacerResult is what a finished pacer process left.
type pacerResult struct {
	code           int
	stdout, stderr string
}

// runPacer runs pacer with args and extra environment, from dir, with no
// inherited Pacer or Slack settings.
func runPacer(t *testing.T, dir string, env []string, args ...string) pacerResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, pacerBin, args...)
	cmd.Dir = dir
	cmd.Env = append(pacertest.Env(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("run pacer %v: %v", args, err)
	}
	return pacerResult{code, stdout.String(), stderr.String()}
}

// waitHTTP polls url until it answers 200 or the deadline passes.
func waitHTTP(t *testing.T, url string, within time.Duration) {
	t.Helper()
	if !pacertest.Answers(url, within) {
		t.Fatalf("%s did not answer 200 within %s", url, within)
	}
}

func writeConfig(t *testing.T, dir, body string) string {
	t.Helper()
	path := filepath.Join(dir, "pacer.yml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
