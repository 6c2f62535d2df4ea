package hunter

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/integrations/finder"
	"github.com/pacerhq/pacer/integrations/httpclient"
)

// roundTrip answers every request with the same response.
type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// FuzzAnswers gives the client arbitrary answers from Hunter: no panic; a
// result has an email; a failure is a *finder.Error that never holds the
// API key. `make fuzz` runs it for a few seconds; alone:
//
//	go test ./integrations/finder/hunter -run '^$' -fuzz '^FuzzAnswers$' -fuzztime 1m
func FuzzAnswers(f *testing.F) {
	f.Add(uint16(200), "", []byte(`{"data":{"email":"ada@engines.io","score":97,"verification":{"status":"valid"}}}`))
	f.Add(uint16(200), "", []byte(`{"data":{"email":null,"score":null}}`))
	f.Add(uint16(429), "", []byte(`{"errors":[{"id":"too_many_requests","code":429,"details":"You have reached your monthly quota"}]}`))
	f.Add(uint16(403), "7", []byte(`{"errors":[{"id":"restricted_account","details":"`+testKey+`"}]}`))
	f.Add(uint16(401), "", []byte(`not json`))
	f.Add(uint16(200), "", []byte(`{"data":[]}`))
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, status uint16, retryAfter string, body []byte) {
		code := 100 + int(status)%500
		transport := roundTrip(func(r *http.Request) (*http.Response, error) {
			h := http.Header{"Content-Type": {"application/json"}, "Retry-After": {retryAfter}}
			return &http.Response{StatusCode: code, Header: h, Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
		})
		c, err := NewClient(Settings{APIKey: testKey, BaseURL: "https://api.hunter.test", Options: httpclient.Options{Transport: transport, MaxAttempts: 1, Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r, err := c.Find(ctx, finder.Person{FirstName: "Ada", LastName: "Lovelace", Domain: "engines.io"})
		if err == nil {
			if r == nil || r.Email == "" || code != http.StatusOK {
				t.Fatalf("answer %d: result %+v", code, r)
			}
			return
		}
		var fe *finder.Error
		if !errors.As(err, &fe) {
			t.Fatalf("answer %d: %T %v is not a *finder.Error", code, err, err)
		}
		if strings.Contains(err.Error(), testKey) {
			t.Fatalf("answer %d: the error holds the key: %v", code, err)
		}
	})
}
