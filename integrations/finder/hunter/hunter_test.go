package hunter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pacerhq/pacer/integrations"
	"github.com/pacerhq/pacer/integrations/finder"
	"github.com/pacerhq/pacer/integrations/finder/hunter/huntertest"
	"github.com/pacerhq/pacer/integrations/httpclient"
)

const testKey = "hunt3r-k3y-0123456789abcdef"

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type bundle struct {
	srv    *huntertest.Server
	client *Client
	logs   *lockedBuffer
	now    time.Time
}

func setup(t *testing.T, modify func(*Settings)) *bundle {
	t.Helper()
	srv := huntertest.New(testKey)
	t.Cleanup(srv.Close)
	srv.AddPerson("example.com", "Jane", "Doe", "jane.doe@example.com", 94)
	srv.AddPerson("Example GmbH", "John", "Roe", "john@example.de", 40)
	b := &bundle{srv: srv, logs: &lockedBuffer{}, now: time.Date(2025, 3, 15, 10, 0, 0, 0, time.UTC)}
	s := Settings{APIKey: testKey, BaseURL: srv.URL, Options: httpclient.Options{WaitMin: time.Millisecond, WaitMax: 5 * time.Millisecond, Now: func() time.Time { return b.now }, Logger: slog.New(slog.NewJSONHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}}
	if modify != nil {
		modify(&s)
	}
	c, err := NewClient(s)
	if err != nil {
		t.Fatal(err)
	}
	b.client = c
	return b
}

var jane = finder.Person{FirstName: "Jane", LastName: "Doe", Domain: "example.com", Slug: "jane-doe"}

func TestFind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		person    finder.Person
		minScore  int
		want      string
		wantErr   error
		wantCalls int
	}{
		{"by domain", jane, 0, "jane.doe@example.com", nil, 1},
		{"by company name", finder.Person{FirstName: "John", LastName: "Roe", Company: "Example GmbH"}, 0, "john@example.de", nil, 1},
		{"score below the minimum", finder.Person{FirstName: "John", LastName: "Roe", Company: "Example GmbH"}, 50, "", finder.ErrNotFound, 1},
		{"unknown person", finder.Person{FirstName: "Max", LastName: "Mustermann", Domain: "example.com"}, 0, "", finder.ErrNotFound, 1},
		{"no domain nor company", finder.Person{FirstName: "Jane", LastName: "Doe"}, 0, "", finder.ErrRejected, 0},
		{"no last name", finder.Person{FirstName: "Jane", Domain: "example.com"}, 0, "", finder.ErrRejected, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(s *Settings) { s.MinScore = tt.minScore })
			got, err := b.client.FindEmail(context.Background(), tt.person)
			if got != tt.want || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("FindEmail() = %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
			if calls := b.srv.Calls(); calls != tt.wantCalls {
				t.Errorf("%d calls, want %d", calls, tt.wantCalls)
			}
		})
	}
}

func TestFindSendsHuntersParameters(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	r, err := b.client.Find(context.Background(), jane)
	if err != nil {
		t.Fatal(err)
	}
	if r.Score != 94 || r.Verification != "valid" {
		t.Errorf("result = %+v, want score 94, valid", r)
	}
	q := b.srv.Queries()[0]
	want := map[string]string{"domain": "example.com", "first_name": "Jane", "last_name": "Doe"}
	if fmt.Sprint(q) != fmt.Sprint(want) {
		t.Errorf("query = %v, want %v (and the api_key)", q, want)
	}
}

func TestErrorAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		faults     func(*huntertest.Server)
		key        string
		wantErr    error
		wantAction integrations.Action
		wantAt     time.Time
	}{
		{"403 is a rate limit: retry in a minute", func(s *huntertest.Server) { s.RateLimitNext(1) }, testKey,
			finder.ErrRateLimited, integrations.RetryAt, time.Date(2025, 3, 15, 10, 1, 0, 0, time.UTC)},
		{"429 is the monthly quota: pause until April", func(s *huntertest.Server) { s.SetQuota(0) }, testKey,
			finder.ErrQuotaExhausted, integrations.PauseUntil, time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)},
		{"401 is a bad key", func(*huntertest.Server) {}, "wrong-key", finder.ErrUnauthorized, integrations.Retry, time.Time{}},
		{"5xx is temporary", func(s *huntertest.Server) { s.SetFailureRate(1, 1) }, testKey, finder.ErrTemporary, integrations.Retry, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(s *Settings) { s.APIKey = tt.key })
			tt.faults(b.srv)
			_, err := b.client.FindEmail(context.Background(), jane)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("FindEmail() = %v, want %v", err, tt.wantErr)
			}
			v := integrations.Classify(err)
			if v.Action != tt.wantAction || !v.At.Equal(tt.wantAt) {
				t.Errorf("Classify() = %s at %v, want %s at %v", v.Action, v.At, tt.wantAction, tt.wantAt)
			}
		})
	}
}

func TestQuotaPausesTheProviderUntilTheMonthTurns(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.srv.SetQuota(1)
	ctx := context.Background()
	if _, err := b.client.FindEmail(ctx, jane); err != nil {
		t.Fatalf("first search: %v", err)
	}
	if _, err := b.client.FindEmail(ctx, jane); !errors.Is(err, finder.ErrQuotaExhausted) {
		t.Fatalf("second search = %v, want ErrQuotaExhausted", err)
	}
	calls := b.srv.Calls()
	for range 5 {
		if _, err := b.client.FindEmail(ctx, jane); !errors.Is(err, finder.ErrQuotaExhausted) {
			t.Fatalf("paused search = %v, want ErrQuotaExhausted", err)
		}
	}
	if got := b.srv.Calls(); got != calls {
		t.Errorf("%d calls while paused, want none", got-calls)
	}
	b.now = time.Date(2025, 4, 1, 0, 0, 1, 0, time.UTC)
	b.srv.SetQuota(500)
	if _, err := b.client.FindEmail(ctx, jane); err != nil {
		t.Errorf("search in April = %v, want success", err)
	}
}

// TestFaultInjection plays the finder job for 200 people while Hunter
// fails 30% of requests: every email is found.
func TestFaultInjection(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	for i := range 200 {
		b.srv.AddPerson("example.com", "P", fmt.Sprint(i), fmt.Sprintf("p%d@example.com", i), 90)
	}
	b.srv.SetFailureRate(0.3, 9)
	for i := range 200 {
		p := finder.Person{FirstName: "P", LastName: fmt.Sprint(i), Domain: "example.com"}
		var got string
		var err error
		for attempt := 0; attempt < 10; attempt++ {
			if got, err = b.client.FindEmail(context.Background(), p); integrations.Classify(err).Action != integrations.Retry {
				break
			}
		}
		if want := fmt.Sprintf("p%d@example.com", i); got != want || err != nil {
			t.Fatalf("person %d: %q, %v; want %q", i, got, err, want)
		}
	}
}

func TestKeyNeverInLogsOrErrors(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	tests := []struct {
		name   string
		faults func(*huntertest.Server, *Settings)
	}{
		{"5xx", func(s *huntertest.Server, _ *Settings) { s.SetFailureRate(1, 1) }},
		{"timeout", func(s *huntertest.Server, st *Settings) {
			s.SetLatency(time.Second)
			st.Timeout = 30 * time.Millisecond
		}},
		{"refused", func(_ *huntertest.Server, st *Settings) { st.BaseURL = closed }},
		{"quota", func(s *huntertest.Server, _ *Settings) { s.SetQuota(0) }},
		{"found", func(*huntertest.Server, *Settings) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var srv *huntertest.Server
			b := setup(t, func(s *Settings) {
				srv = huntertest.New(testKey)
				srv.AddPerson("example.com", "Jane", "Doe", "jane.doe@example.com", 94)
				s.BaseURL = srv.URL
				tt.faults(srv, s)
			})
			defer srv.Close()
			_, err := b.client.FindEmail(context.Background(), jane)
			text := b.logs.String()
			if err != nil {
				text += err.Error()
			}
			if strings.Contains(text, testKey) {
				t.Errorf("logs or error contain the API key:\n%s", text)
			}
			if tt.name != "found" && err == nil {
				t.Error("the call succeeded; the test proves nothing")
			}
		})
	}
}

func TestNewClientNeedsAKey(t *testing.T) {
	t.Parallel()
	if _, err := NewClient(Settings{}); !errors.Is(err, ErrNoAPIKey) {
		t.Errorf("NewClient() = %v, want ErrNoAPIKey", err)
	}
}
