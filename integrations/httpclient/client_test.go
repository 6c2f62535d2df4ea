package httpclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// script serves the statuses in order (the last one repeats) and counts
// the attempts.
type script struct {
	statuses []int
	headers  map[string]string
	calls    atomic.Int32
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.calls.Add(1))
	code := s.statuses[min(n, len(s.statuses))-1]
	for k, v := range s.headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(code)
	fmt.Fprintf(w, "answer %d", n)
}

func fastPolicy() Policy {
	return Policy{Name: "test", Options: Options{WaitMin: time.Millisecond, WaitMax: 5 * time.Millisecond, MaxAttempts: 3,
		Logger: slog.New(slog.DiscardHandler)}}
}

func TestRetryPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		method       string
		statuses     []int
		headers      map[string]string
		idempotent   bool
		idemKey      bool
		opts         func(*Policy)
		wantAttempts int32
		wantStatus   int
	}{
		{name: "GET 5xx then success", method: "GET", statuses: []int{500, 502, 200}, wantAttempts: 3, wantStatus: 200},
		{name: "GET exhausted keeps last response", method: "GET", statuses: []int{500, 500, 503}, wantAttempts: 3, wantStatus: 503},
		{name: "POST 5xx not retried", method: "POST", statuses: []int{500, 200}, wantAttempts: 1, wantStatus: 500},
		{name: "POST marked idempotent retried", method: "POST", statuses: []int{500, 200}, idempotent: true, wantAttempts: 2, wantStatus: 200},
		{name: "POST with Idempotency-Key retried", method: "POST", statuses: []int{502, 200}, idemKey: true, wantAttempts: 2, wantStatus: 200},
		{name: "POST retried everywhere when told", method: "POST", statuses: []int{500, 200}, opts: func(o *Policy) { o.RetryNonIdempotent = true }, wantAttempts: 2, wantStatus: 200},
		{name: "POST 429 retried: it was refused", method: "POST", statuses: []int{429, 200}, headers: map[string]string{"Retry-After": "0"}, wantAttempts: 2, wantStatus: 200},
		{name: "Retry-After over the cap ends the call", method: "GET", statuses: []int{429, 200}, headers: map[string]string{"Retry-After": "3600"}, wantAttempts: 1, wantStatus: 429},
		{name: "503 Retry-After over the cap ends the call", method: "GET", statuses: []int{503, 200}, headers: map[string]string{"Retry-After": "120"}, wantAttempts: 1, wantStatus: 503},
		{name: "429 returned when asked", method: "GET", statuses: []int{429, 200}, opts: func(o *Policy) { o.ReturnRateLimited = true }, wantAttempts: 1, wantStatus: 429},
		{name: "4xx not retried", method: "GET", statuses: []int{404, 200}, wantAttempts: 1, wantStatus: 404},
		{name: "501 not retried", method: "GET", statuses: []int{501, 200}, wantAttempts: 1, wantStatus: 501},
		{name: "one attempt only", method: "GET", statuses: []int{500, 200}, opts: func(o *Policy) { o.MaxAttempts = 1 }, wantAttempts: 1, wantStatus: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &script{statuses: tt.statuses, headers: tt.headers}
			srv := httptest.NewServer(s)
			defer srv.Close()
			opts := fastPolicy()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			c := New(opts)
			ctx := context.Background()
			if tt.idempotent {
				ctx = WithIdempotent(ctx)
			}
			req, _ := http.NewRequest(tt.method, srv.URL, strings.NewReader(`{"a":1}`))
			if tt.idemKey {
				req.Header.Set("Idempotency-Key", "k1")
			}
			resp, err := c.Do(ctx, req)
			if err != nil {
				t.Fatalf("Do() error = %v", err)
			}
			body, _ := ReadBody(resp, 1<<10)
			if got := s.calls.Load(); got != tt.wantAttempts {
				t.Errorf("attempts = %d, want %d", got, tt.wantAttempts)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if want := fmt.Sprintf("answer %d", tt.wantAttempts); string(body) != want {
				t.Errorf("body = %q, want the last answer %q", body, want)
			}
		})
	}
}

func TestRequestBodyIsResentOnRetry(t *testing.T) {
	t.Parallel()
	var bodies []string
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		if calls.Add(1) == 1 {
			w.WriteHeader(500)
		}
	}))
	defer srv.Close()
	req, _ := http.NewRequest("PUT", srv.URL, strings.NewReader("payload"))
	resp, err := New(fastPolicy()).Do(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(bodies) != 2 || bodies[0] != "payload" || bodies[1] != "payload" {
		t.Errorf("bodies = %q, want the payload twice", bodies)
	}
}

// closedURL returns a loopback URL nobody listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestConnectionRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		method string
	}{
		{"GET", "GET"},
		{"POST is retried: it never left", "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(tt.method, closedURL(t)+"/x", nil)
			_, err := New(fastPolicy()).Do(context.Background(), req)
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("Do() error = %v, want a *RequestError", err)
			}
			if re.Attempts != 3 {
				t.Errorf("Attempts = %d, want 3", re.Attempts)
			}
			var opErr *net.OpError
			if !errors.As(err, &opErr) {
				t.Errorf("error %v does not unwrap to *net.OpError", err)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	opts := fastPolicy()
	opts.Timeout = 50 * time.Millisecond
	opts.MaxAttempts = 2
	req, _ := http.NewRequest("POST", srv.URL, nil)
	_, err := New(opts).Do(context.Background(), req)
	var re *RequestError
	if !errors.As(err, &re) || !re.Timeout() {
		t.Fatalf("Do() error = %v, want a timeout *RequestError", err)
	}
	// A POST that timed out may have been processed: it is not repeated.
	if re.Attempts != 1 {
		t.Errorf("Attempts = %d, want 1", re.Attempts)
	}
}

func TestContextCanceledDuringBackoff(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(&script{statuses: []int{500}})
	defer srv.Close()
	opts := fastPolicy()
	opts.WaitMin, opts.WaitMax = time.Hour, time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	_, err := New(opts).Do(ctx, req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Do() error = %v, want context.DeadlineExceeded", err)
	}
}

func TestRedirects(t *testing.T) {
	t.Parallel()
	var targetHits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { targetHits.Add(1) }))
	defer target.Close()
	srv := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusFound))
	defer srv.Close()
	tests := []struct {
		name        string
		noRedirects bool
		wantStatus  int
		wantHits    int32
	}{
		{"followed by default", false, 200, 1},
		{"returned when asked", true, 302, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			targetHits.Store(0)
			opts := fastPolicy()
			opts.NoRedirects = tt.noRedirects
			req, _ := http.NewRequest("GET", srv.URL, nil)
			resp, err := New(opts).Do(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || targetHits.Load() != tt.wantHits {
				t.Errorf("status %d, target hit %d times; want %d, %d", resp.StatusCode, targetHits.Load(), tt.wantStatus, tt.wantHits)
			}
		})
	}
}

func TestUserAgent(t *testing.T) {
	t.Parallel()
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.UserAgent() }))
	defer srv.Close()
	opts := fastPolicy()
	opts.Version = "1.2.3"
	req, _ := http.NewRequest("GET", srv.URL, nil)
	resp, err := New(opts).Do(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got != "Pacer/1.2.3" {
		t.Errorf("User-Agent = %q, want Pacer/1.2.3", got)
	}
}

// TestSecretsNeverLogged sends calls whose URL holds secrets in the path and
// the query, through success, 5xx, refused connections and timeouts, and
// checks that neither the logs (at debug level) nor the errors show them.
func TestSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	const pathSecret, querySecret, headerSecret = "s3cr3tpath", "k3y-0f-hunt3r", "t0k3n-h3ad3r"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("mode") {
		case "slow":
			time.Sleep(100 * time.Millisecond)
		case "fail":
			w.WriteHeader(500)
		}
	}))
	defer srv.Close()
	var logs bytes.Buffer
	opts := fastPolicy()
	opts.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts.Timeout = 30 * time.Millisecond
	c := New(opts)
	var errs []string
	for _, base := range []string{srv.URL, closedURL(t)} {
		for _, mode := range []string{"ok", "fail", "slow"} {
			u := fmt.Sprintf("%s/hooks/%s?api_key=%s&mode=%s", base, pathSecret, querySecret, mode)
			req, _ := http.NewRequest("GET", u, nil)
			req.Header.Set("Authorization", "Bearer "+headerSecret)
			resp, err := c.Do(context.Background(), req)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			resp.Body.Close()
		}
	}
	if len(errs) == 0 {
		t.Fatal("no call failed; the test proves nothing")
	}
	if !strings.Contains(logs.String(), `"host":"127.0.0.1:`) {
		t.Errorf("logs do not name the host:\n%s", logs.String())
	}
	for _, secret := range []string{pathSecret, querySecret, headerSecret} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs.String())
		}
		for _, e := range errs {
			if strings.Contains(e, secret) {
				t.Errorf("error %q contains %q", e, secret)
			}
		}
	}
}

func TestBackoffDelay(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	resp := func(code int, retryAfter string) *http.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: code, Header: h}
	}
	tests := []struct {
		name    string
		attempt int
		resp    *http.Response
		jitter  float64
		want    time.Duration
	}{
		{"first, no jitter", 0, nil, 0, 50 * time.Millisecond},
		{"first, full jitter", 0, nil, 1, 100 * time.Millisecond},
		{"third doubles twice", 2, resp(500, ""), 0, 200 * time.Millisecond},
		{"capped at max", 10, nil, 1, time.Second},
		{"huge attempt", 100, nil, 0, 500 * time.Millisecond},
		{"429 Retry-After seconds", 0, resp(429, "7"), 0.5, 7 * time.Second},
		{"503 Retry-After date", 0, resp(503, now.Add(20*time.Second).Format(http.TimeFormat)), 0.5, 20 * time.Second},
		{"Retry-After capped", 0, resp(429, "86400"), 0.5, 30 * time.Second},
		{"Retry-After ignored on 500", 0, resp(500, "7"), 0, 50 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := backoffDelay(100*time.Millisecond, time.Second, 30*time.Second, tt.attempt, tt.resp, now, tt.jitter)
			if got != tt.want {
				t.Errorf("backoffDelay() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header string
		want   time.Duration
		wantOK bool
	}{
		{"absent", "", 0, false},
		{"seconds", "120", 2 * time.Minute, true},
		{"zero", "0", 0, true},
		{"negative", "-5", 0, false},
		{"date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"past date", now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"garbage", "soon", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.header != "" {
				h.Set("Retry-After", tt.header)
			}
			got, ok := RetryAfter(h, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("RetryAfter(%q) = %v, %v; want %v, %v", tt.header, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"https://hooks.example.com/pacer/s3cret", "https://hooks.example.com/…"},
		{"https://api.hunter.io/v2/email-finder?api_key=k", "https://api.hunter.io/…"},
		{"https://user:pw@example.com/", "https://example.com/"},
		{"https://example.com", "https://example.com/"},
		{"https://example.com/?token=x", "https://example.com/…"},
		{"http://127.0.0.1:8080/hook#frag", "http://127.0.0.1:8080/…"},
		{"://bad", "(invalid URL)"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
