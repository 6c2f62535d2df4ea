package runner_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/pacerhq/pacer/executor/browser"
	"github.com/pacerhq/pacer/executor/browser/browsertest"
)

// TestMain shares one Chromium between the tests and fails the run if any
// Chromium process they started outlives them.
func TestMain(m *testing.M) {
	browsertest.AtExit(func() {
		if shared.b != nil {
			_ = shared.b.Close()
		}
	})
	os.Exit(browsertest.Main(m))
}

var shared struct {
	once sync.Once
	b    *browser.Browser
	err  error
}

// sharedBrowser returns the Chromium shared by the tests, or skips (fails
// on CI) when there is none.
func sharedBrowser(t testing.TB) *browser.Browser {
	t.Helper()
	bin := browsertest.Chrome(t)
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		shared.b, shared.err = browser.Launch(ctx, browser.Options{Bin: bin})
	})
	if shared.err != nil {
		t.Fatalf("launch Chromium: %v", shared.err)
	}
	return shared.b
}
