package hubspot

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/pacerhq/pacer/integrations/hubspot/hubspottest"
)

func TestLimiterReserve(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(2, 10*time.Second, func() time.Time { return now })
	steps := []struct {
		name string
		do   func() time.Duration
		want time.Duration
	}{
		{"first", l.reserve, 0},
		{"second", l.reserve, 0},
		{"both in flight: poll", l.reserve, 100 * time.Millisecond},
		{"first done at t=0", func() time.Duration { l.done(); return 0 }, 0},
		{"second done at t=1s", func() time.Duration { now = now.Add(time.Second); l.done(); return 0 }, 0},
		{"full: wait for the oldest", l.reserve, 9 * time.Second},
		{"oldest expired at t=10s", func() time.Duration { now = now.Add(9 * time.Second); return l.reserve() }, 0},
		{"blocked by a 429", func() time.Duration { l.done(); l.block(now.Add(30*time.Second), nil); return l.reserve() }, 30 * time.Second},
	}
	for _, s := range steps {
		if got := s.do(); got != s.want {
			t.Fatalf("%s: got %v, want %v", s.name, got, s.want)
		}
	}
}

func TestLimiterObserveSharedBudget(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(100, 10*time.Second, func() time.Time { return now })
	h := http.Header{}
	h.Set(headerRemaining, "0")
	h.Set(headerInterval, "10000")
	l.observe(h) // this client made no call: other apps spent the budget
	if got := l.reserve(); got != 10*time.Second {
		t.Errorf("reserve() after a spent shared budget = %v, want 10s", got)
	}
}

func TestClientStaysUnderTheLimit(t *testing.T) {
	t.Parallel()
	window := 50 * time.Millisecond
	b := setup(t, hubspottest.Options{RequestsPerWindow: 10, Window: window},
		func(s *Settings) { s.RequestsPerWindow = 10; s.Window = window })
	start := time.Now()
	for range 45 {
		if _, err := b.client.EnsureProfileURLProperty(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := b.srv.RateLimited(); n != 0 {
		t.Errorf("the fake answered %d 429s, want none", n)
	}
	if elapsed := time.Since(start); elapsed < 4*window {
		t.Errorf("45 calls at 10 per %v took %v, less than the floor %v", window, elapsed, 4*window)
	}
}
