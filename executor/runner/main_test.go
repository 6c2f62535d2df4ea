package runner_test

import (
	"os"
	"testing"

	"github.com/pacerhq/pacer/executor/browser/browsertest"
)

// TestMain fails the run if any Chromium process the tests started
// outlives them (the tests share browsertest.Shared).
func TestMain(m *testing.M) {
	os.Exit(browsertest.Main(m))
}
