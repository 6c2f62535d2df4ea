package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pacerhq/pacer/integrations"
	"github.com/pacerhq/pacer/integrations/httpclient"
	"github.com/pacerhq/pacer/integrations/webhook/webhooktest"
	"github.com/pacerhq/pacer/pacertype"
)

// clock is a manual clock shared by a client and a receiver.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type setup struct {
	clock    *clock
	receiver *webhooktest.Receiver
	client   *Client
	logs     *bytes.Buffer
}

func newSetup(t testing.TB, modify func(*Settings)) *setup {
	t.Helper()
	clk := newClock()
	r := webhooktest.New(vectorSecret)
	t.Cleanup(r.Close)
	r.SetClock(clk.Now)
	logs := &bytes.Buffer{}
	s := Settings{Name: "crm", URL: r.URL + "/pacer", Secret: vectorSecret, Options: httpclient.Options{Version: "test", Now: clk.Now, Logger: slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))}}
	if modify != nil {
		modify(&s)
	}
	c, err := NewClient(s)
	if err != nil {
		t.Fatal(err)
	}
	return &setup{clock: clk, receiver: r, client: c, logs: logs}
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func sampleEvent(t testing.TB, typ pacertype.EventType, at time.Time) integrations.Event {
	t.Helper()
	data, err := integrations.Sample(typ, at)
	if err != nil {
		t.Fatal(err)
	}
	return integrations.New(at, data)
}

func TestDeliverSignedMessage(t *testing.T) {
	t.Parallel()
	s := newSetup(t, nil)
	e := sampleEvent(t, pacertype.EventInviteAccepted, s.clock.Now())
	res, err := s.client.Deliver(context.Background(), e)
	if err != nil {
		t.Fatalf("Deliver() = %v", err)
	}
	if res.StatusCode != http.StatusOK {
		t.Errorf("StatusCode = %d, want 200", res.StatusCode)
	}
	got := s.receiver.Deliveries()
	if len(got) != 1 {
		t.Fatalf("receiver accepted %d deliveries, want 1 (stats %+v)", len(got), s.receiver.Stats())
	}
	d := got[0]
	if d.ID != e.ID || d.Type != string(e.Type) {
		t.Errorf("delivery id/type = %s/%s, want %s/%s", d.ID, d.Type, e.ID, e.Type)
	}
	if ct := d.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if ua := d.Header.Get("User-Agent"); ua != "Pacer/test" {
		t.Errorf("User-Agent = %q", ua)
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(d.Body, &body); err != nil {
		t.Fatal(err)
	}
	if len(body) != 3 || body["type"] == nil || body["timestamp"] == nil || body["data"] == nil {
		t.Errorf("body keys = %v, want type, timestamp, data", keys(body))
	}
	// The package's own Verify agrees with the receiver's.
	if err := Verify(vectorSecret, d.Header, d.Body, s.clock.Now(), 0); err != nil {
		t.Errorf("Verify() = %v", err)
	}
}

func keys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestDeliverStatuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		wantErr    error
		wantAction integrations.Action
	}{
		{"200 delivered", 200, nil, integrations.Done},
		{"204 delivered", 204, nil, integrations.Done},
		{"302 is a failure, not followed", 302, ErrNotDelivered, integrations.Retry},
		{"400 retried like Svix", 400, ErrNotDelivered, integrations.Retry},
		{"410 disables", 410, ErrGone, integrations.Disable},
		{"429 retried", 429, ErrNotDelivered, integrations.Retry},
		{"500 retried", 500, ErrNotDelivered, integrations.Retry},
		{"503 retried", 503, ErrNotDelivered, integrations.Retry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSetup(t, nil)
			s.receiver.SetStatus(tt.status)
			_, err := s.client.Deliver(context.Background(), sampleEvent(t, pacertype.EventEmailFound, s.clock.Now()))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Deliver() = %v, want %v", err, tt.wantErr)
			}
			if got := integrations.Classify(err).Action; got != tt.wantAction {
				t.Errorf("Classify() = %s, want %s", got, tt.wantAction)
			}
			if got := s.receiver.Stats().Requests; got != 1 {
				t.Errorf("receiver got %d requests, want 1 (no retry, no redirect followed)", got)
			}
			var de *DeliveryError
			if err != nil && (!errors.As(err, &de) || de.StatusCode != tt.status) {
				t.Errorf("error %v is not a *DeliveryError with status %d", err, tt.status)
			}
		})
	}
}

func TestDeliverRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		retryAfter string
		attempt    int
		want       time.Duration
	}{
		{"shorter than the schedule", "2", 1, 5 * time.Second},
		{"longer than the schedule", "60", 1, time.Minute},
		{"capped", "86400", 2, time.Hour},
		{"schedule wins late", "60", 5, 5 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", tt.retryAfter)
				w.WriteHeader(429)
			})
			s := newSetup(t, func(st *Settings) { st.Transport = handlerTransport{srv} })
			_, err := s.client.Deliver(context.Background(), sampleEvent(t, pacertype.EventEmailFound, s.clock.Now()))
			var de *DeliveryError
			if !errors.As(err, &de) {
				t.Fatalf("Deliver() = %v, want a *DeliveryError", err)
			}
			if got := RetryDelay(tt.attempt, de.RetryAfter); got != tt.want {
				t.Errorf("RetryDelay(%d, %v) = %v, want %v", tt.attempt, de.RetryAfter, got, tt.want)
			}
		})
	}
}

// handlerTransport serves requests with a handler, in process.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := &responseRecorder{header: http.Header{}, code: 200}
	t.h.ServeHTTP(rec, req)
	return &http.Response{StatusCode: rec.code, Header: rec.header, Body: http.NoBody, Request: req}, nil
}

type responseRecorder struct {
	header http.Header
	code   int
}

func (r *responseRecorder) Header() http.Header         { return r.header }
func (r *responseRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *responseRecorder) WriteHeader(code int)        { r.code = code }

func TestDeliverTimeout(t *testing.T) {
	t.Parallel()
	s := newSetup(t, func(st *Settings) { st.Timeout = 50 * time.Millisecond })
	s.receiver.SetLatency(time.Second)
	_, err := s.client.Deliver(context.Background(), sampleEvent(t, pacertype.EventInviteSent, s.clock.Now()))
	var re *httpclient.RequestError
	if !errors.Is(err, ErrNotDelivered) || !errors.As(err, &re) || !re.Timeout() {
		t.Fatalf("Deliver() = %v, want a timed-out ErrNotDelivered", err)
	}
	if got := integrations.Classify(err).Action; got != integrations.Retry {
		t.Errorf("Classify() = %s, want retry", got)
	}
}

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{0, 5 * time.Second}, {1, 5 * time.Second}, {2, 5 * time.Minute}, {3, 30 * time.Minute},
		{4, 2 * time.Hour}, {5, 5 * time.Hour}, {6, 10 * time.Hour}, {7, 14 * time.Hour},
		{8, 20 * time.Hour}, {9, 24 * time.Hour}, {10, 24 * time.Hour},
	}
	for _, tt := range tests {
		if got := RetryDelay(tt.attempt, 0); got != tt.want {
			t.Errorf("RetryDelay(%d, 0) = %v, want %v", tt.attempt, got, tt.want)
		}
	}
	var total time.Duration
	for a := 1; a < MaxAttempts; a++ {
		total += RetryDelay(a, 0)
	}
	if total < 72*time.Hour || total > 80*time.Hour {
		t.Errorf("the schedule spans %v, want about three days", total)
	}
}

// deliverWithRetries plays a delivery job: it attempts, and on failure
// advances the clock by RetryDelay, until delivered, disabled or out of
// attempts. It returns the attempts made and the last error.
func deliverWithRetries(t testing.TB, s *setup, e integrations.Event) (int, error) {
	t.Helper()
	var err error
	for attempt := 1; attempt <= MaxAttempts; attempt++ {
		_, err = s.client.Deliver(context.Background(), e)
		v := integrations.Classify(err)
		if v.Action != integrations.Retry {
			return attempt, err
		}
		var de *DeliveryError
		errors.As(err, &de)
		s.clock.Advance(RetryDelay(attempt, de.RetryAfter))
	}
	return MaxAttempts, err
}

func TestReceiverDownForAnHour(t *testing.T) {
	t.Parallel()
	s := newSetup(t, nil)
	start := s.clock.Now()
	s.receiver.SetDownUntil(start.Add(time.Hour))
	e := sampleEvent(t, pacertype.EventInviteAccepted, start)
	attempts, err := deliverWithRetries(t, s, e)
	if err != nil {
		t.Fatalf("not delivered after %d attempts: %v", attempts, err)
	}
	// 0, +5 s, +5 min, +30 min fail; +2 h (2h35m05s after the start) succeeds.
	if attempts != 5 {
		t.Errorf("delivered at attempt %d, want 5", attempts)
	}
	if got, want := s.clock.Now().Sub(start), 2*time.Hour+35*time.Minute+5*time.Second; got != want {
		t.Errorf("delivered %v after the start, want %v", got, want)
	}
	st := s.receiver.Stats()
	if st.Delivered != 1 || st.Duplicates != 0 || st.Requests != 5 {
		t.Errorf("receiver stats = %+v, want 1 delivered in 5 requests, no duplicate", st)
	}
}

func TestFaultInjection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		failRate       float64
		ackThenFail    float64
		wantDuplicates bool
	}{
		{"30% 5xx before processing", 0.3, 0, false},
		{"30% processed then 5xx", 0, 0.3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSetup(t, nil)
			s.receiver.SetFailureRate(tt.failRate, 42)
			s.receiver.SetAckThenFailRate(tt.ackThenFail)
			const events = 200
			for range events {
				e := sampleEvent(t, pacertype.EventEmailFound, s.clock.Now())
				if n, err := deliverWithRetries(t, s, e); err != nil {
					t.Fatalf("event %s not delivered after %d attempts: %v", e.ID, n, err)
				}
			}
			st := s.receiver.Stats()
			if st.Delivered != events {
				t.Errorf("delivered %d distinct events, want %d", st.Delivered, events)
			}
			if st.Requests <= events {
				t.Errorf("%d requests for %d events: no fault was injected", st.Requests, events)
			}
			if got := st.Duplicates > 0; got != tt.wantDuplicates {
				t.Errorf("duplicates = %d, want some: %v", st.Duplicates, tt.wantDuplicates)
			}
			if st.Mismatched != 0 || st.Rejected != 0 {
				t.Errorf("stats = %+v: a duplicate differed from its first delivery, or a signature failed", st)
			}
		})
	}
}

func TestSecretsNeverInLogsOrErrors(t *testing.T) {
	t.Parallel()
	const pathSecret, querySecret = "p4th-s3cret", "qu3ry-s3cret"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	targets := map[string]func(s *setup) string{
		"receiver down": func(s *setup) string { s.receiver.SetStatus(503); return s.receiver.URL },
		"redirect":      func(s *setup) string { s.receiver.SetStatus(307); return s.receiver.URL },
		"gone":          func(s *setup) string { s.receiver.SetStatus(410); return s.receiver.URL },
		"refused":       func(s *setup) string { return closed },
		"delivered":     func(s *setup) string { return s.receiver.URL },
	}
	for name, target := range targets {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var s *setup
			s = newSetup(t, func(st *Settings) {})
			base := target(s)
			c, err := NewClient(Settings{Name: "crm", URL: fmt.Sprintf("%s/%s?token=%s", base, pathSecret, querySecret), Secret: vectorSecret, Options: httpclient.Options{Now: s.clock.Now, Logger: slog.New(slog.NewJSONHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Deliver(context.Background(), sampleEvent(t, pacertype.EventInviteAccepted, s.clock.Now()))
			text := s.logs.String()
			if err != nil {
				text += err.Error()
			}
			for _, secret := range []string{pathSecret, querySecret, strings.TrimPrefix(vectorSecret, "whsec_")} {
				if strings.Contains(text, secret) {
					t.Errorf("logs or error contain %q:\n%s", secret, text)
				}
			}
			if !strings.Contains(s.logs.String(), `"host":"127.0.0.1:`) {
				t.Errorf("logs do not name the host:\n%s", s.logs.String())
			}
		})
	}
}

func BenchmarkDeliver(b *testing.B) {
	for _, parallel := range []bool{false, true} {
		name := "sequential"
		if parallel {
			name = "parallel"
		}
		b.Run(name, func(b *testing.B) {
			r := webhooktest.New(vectorSecret)
			defer r.Close()
			c, err := NewClient(Settings{Name: "bench", URL: r.URL, Secret: vectorSecret, Options: httpclient.Options{Logger: slog.New(slog.DiscardHandler)}})
			if err != nil {
				b.Fatal(err)
			}
			data, _ := integrations.Sample(pacertype.EventInviteAccepted, time.Now())
			// A batch per op, so that one op (make bench runs one) still
			// measures many deliveries.
			const perOp = 500
			deliver := func() error {
				for range perOp {
					if _, err := c.Deliver(context.Background(), integrations.New(time.Now(), data)); err != nil {
						return err
					}
				}
				return nil
			}
			b.ResetTimer()
			start := time.Now()
			if parallel {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := deliver(); err != nil {
							b.Error(err)
						}
					}
				})
			} else {
				for b.Loop() {
					if err := deliver(); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N*perOp)/time.Since(start).Seconds(), "deliveries/s")
			if st := r.Stats(); st.Delivered != b.N*perOp || st.Rejected != 0 {
				b.Errorf("receiver stats %+v after %d deliveries", st, b.N*perOp)
			}
		})
	}
}
