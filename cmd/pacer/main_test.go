package main

import (
	"os"
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

// runPacer runs pacer with args and extra environment, from dir, with no
// inherited Pacer or Slack settings.
func runPacer(t *testing.T, dir string, env []string, args ...string) pacertest.Result {
	t.Helper()
	return pacertest.Run(t, pacerBin, dir, pacertest.Env(env...), "", args...)
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
