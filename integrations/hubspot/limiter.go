package hubspot

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// limiter paces calls under a burst limit of n calls per rolling window. A
// slot is held from the call's start and dated at its end: HubSpot counts
// the call somewhere in between, so dating it at the end never undercounts.
type limiter struct {
	n      int
	window time.Duration
	now    func() time.Time

	mu        sync.Mutex
	inFlight  int
	ends      []time.Time     // ends of recent calls, oldest first
	blocked   time.Time       // no call before this time
	blockedBy *RateLimitError // the 429 that set blocked, if any
}

func newLimiter(n int, window time.Duration, now func() time.Time) *limiter {
	if n <= 0 {
		return nil
	}
	return &limiter{n: n, window: window, now: now}
}

// wait blocks until a call may start, and reserves a slot for it. When a
// 429 blocks calls for longer than maxWait (a DAILY limit), it returns a
// *RateLimitError at once instead of holding the caller for hours.
func (l *limiter) wait(ctx context.Context, maxWait time.Duration) error {
	if l == nil {
		return nil
	}
	for {
		d := l.reserve()
		if d <= 0 {
			return nil
		}
		if e := l.blockedFor(d, maxWait); e != nil {
			return e
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// reserve takes a slot and returns 0, or returns how long to wait.
func (l *limiter) reserve() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Before(l.blocked) {
		return l.blocked.Sub(now)
	}
	for len(l.ends) > 0 && now.Sub(l.ends[0]) >= l.window {
		l.ends = l.ends[1:]
	}
	if l.inFlight+len(l.ends) < l.n {
		l.inFlight++
		return 0
	}
	if len(l.ends) == 0 {
		return l.window / 100 // all slots in flight: poll
	}
	return l.ends[0].Add(l.window).Sub(now)
}

// blockedFor returns the 429 that blocks calls when the wait d exceeds
// maxWait, updated to the present.
func (l *limiter) blockedFor(d, maxWait time.Duration) *RateLimitError {
	l.mu.Lock()
	defer l.mu.Unlock()
	if d <= maxWait || l.blockedBy == nil || !l.now().Before(l.blocked) {
		return nil
	}
	e := *l.blockedBy
	e.Wait, e.At = l.blocked.Sub(l.now()), l.blocked
	return &e
}

// done releases the slot of a finished call, dating it now.
func (l *limiter) done() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inFlight--
	l.ends = append(l.ends, l.now())
}

// block stops calls until t, because of cause when it is a 429.
func (l *limiter) block(t time.Time, cause *RateLimitError) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.After(l.blocked) {
		l.blocked, l.blockedBy = t, cause
	}
}

// observe reads HubSpot's rate-limit headers: when the window's budget is
// spent although this client has not spent it (other apps of the portal
// share it), wait for the interval.
func (l *limiter) observe(h http.Header) {
	if l == nil || headerInt(h, headerRemaining) != 0 {
		return
	}
	l.mu.Lock()
	own := l.inFlight + len(l.ends)
	l.mu.Unlock()
	if own >= l.n {
		return // reserve already waits for this client's oldest call
	}
	interval := time.Duration(max(headerInt(h, headerInterval), 0)) * time.Millisecond
	if interval <= 0 || interval > l.window {
		interval = l.window
	}
	l.block(l.now().Add(interval), nil)
}
