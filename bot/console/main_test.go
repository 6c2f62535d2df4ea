package console

import (
	"os"
	"testing"

	"github.com/pacerhq/pacer/executor/browser/browsertest"
)

// TestMain fails the run if any Chromium process these tests started
// survives them.
func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }
