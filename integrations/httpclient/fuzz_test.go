package httpclient

import (
	"net/http"
	"testing"
	"time"
)

// FuzzRetryAfter reads arbitrary Retry-After headers: a wait understood is
// never negative, and the backoff built on it never exceeds its cap. `make
// fuzz` runs it for a few seconds; alone:
//
//	go test ./integrations/httpclient -run '^$' -fuzz '^FuzzRetryAfter$' -fuzztime 1m
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "0", "-1", "9223372036854775807", "Wed, 21 Oct 2015 07:28:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", " 7 ", "1.5"} {
		f.Add(s)
	}
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{"Retry-After": {v}}
		d, ok := RetryAfter(h, now)
		if d < 0 || (!ok && d != 0) {
			t.Fatalf("RetryAfter(%q) = %v, %v", v, d, ok)
		}
		resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: h}
		if got := backoffDelay(time.Second, time.Minute, time.Hour, 3, resp, now, 0.5); got < 0 || got > time.Hour {
			t.Fatalf("backoff after Retry-After %q = %v, want 0 to 1h", v, got)
		}
	})
}
