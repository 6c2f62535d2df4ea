package hubspot

import (
	"bytes"
	"context"
	"errors"
	"github.com/pacerhq/pacer/integrations/httpclient"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// roundTrip answers every request with the same response.
type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// FuzzAnswers gives the client arbitrary answers from HubSpot (status,
// Retry-After and rate-limit headers, body): no panic; a success is a 2xx;
// a failure is an *Error or a *RateLimitError with a wait of zero or more;
// no error text holds the token; a sync, whose conflicts lead to searches,
// reads and updates answered alike, ends with a result for every update.
// `make fuzz` runs it for a few seconds; alone:
//
//	go test ./integrations/hubspot -run '^$' -fuzz '^FuzzAnswers$' -fuzztime 1m
func FuzzAnswers(f *testing.F) {
	f.Add(uint16(200), "", "", []byte(`{"status":"COMPLETE","results":[{"id":"1","properties":{"linkedin_profile_url":"https://www.linkedin.com/in/person-1/"},"new":true}]}`))
	f.Add(uint16(207), "", "", []byte(`{"status":"COMPLETE","results":[],"errors":[{"status":"error","category":"VALIDATION_ERROR","message":"x","context":{"ids":["a"]}}]}`))
	f.Add(uint16(429), "2", "0", []byte(`{"status":"error","message":"You have reached your secondly limit.","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}`))
	f.Add(uint16(429), "Wed, 21 Oct 2015 07:28:00 GMT", "", []byte(`{"policyName":"DAILY"}`))
	f.Add(uint16(400), "", "", []byte(`{"status":"error","message":"Property values were not valid: `+testToken+`","category":"VALIDATION_ERROR","errors":[{"code":"INVALID"}]}`))
	f.Add(uint16(502), "", "", []byte(`<html>bad gateway</html>`))
	f.Add(uint16(200), "", "", []byte(`{"results":[{"id":null}]`))
	f.Add(uint16(409), "", "", []byte(`{"status":"error","message":"Contact already exists. Existing ID: 12345","correlationId":"x","category":"CONFLICT","context":{"ids":["p@example.com"],"n":3}}`))
	f.Add(uint16(207), "", "", []byte(`{"status":"COMPLETE","results":[],"errors":[{"status":"error","category":"CONFLICT","message":"Existing ID: 7","context":{"objectWriteTraceId":["0"]}}]}`))
	f.Add(uint16(200), "", "", []byte(`{"total":1,"results":[{"id":"7","properties":{"email":"p@example.com","pacer_linkedin_profile_url":"https://www.linkedin.com/in/person-1/"}}]}`))
	f.Fuzz(func(t *testing.T, status uint16, retryAfter, daily string, body []byte) {
		code := 100 + int(status)%500
		transport := roundTrip(func(r *http.Request) (*http.Response, error) {
			h := http.Header{"Content-Type": {"application/json"}}
			h.Set("Retry-After", retryAfter)
			h.Set(headerDailyRemaining, daily)
			h.Set(headerInterval, strconv.Itoa(int(status)))
			return &http.Response{StatusCode: code, Header: h, Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
		})
		c, err := NewClient(Settings{Token: testToken, BaseURL: "https://api.hubapi.test", RequestsPerWindow: -1, MaxInlineWait: time.Nanosecond, Options: httpclient.Options{Transport: transport, MaxAttempts: 1, Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) }}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		check := func(op string, err error) {
			if err == nil {
				if code < 200 || code > 299 {
					t.Fatalf("%s: an answer %d is a success", op, code)
				}
				return
			}
			var he *Error
			var rl *RateLimitError
			switch {
			case errors.As(err, &rl):
				if rl.Wait < 0 {
					t.Fatalf("%s: a negative wait: %v", op, rl)
				}
			case errors.As(err, &he):
			default:
				t.Fatalf("%s: %T %v is neither an *Error nor a *RateLimitError", op, err, err)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Fatalf("%s: the error holds the token: %v", op, err)
			}
		}
		_, err = c.BatchUpsertContacts(ctx, Batch{Contacts: []Contact{{Refs: []string{"a"}, ProfileURL: "https://www.linkedin.com/in/person-1/"}}})
		check("upsert", err)
		_, err = c.CreateNotes(ctx, []Note{ConnectedNote("1", time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC), "cto")})
		check("notes", err)
		updates := []ContactUpdate{
			{Ref: "a", ProfileURL: "https://www.linkedin.com/in/person-1/", Email: "p@example.com"},
			{Ref: "b", ProfileURL: "https://www.linkedin.com/in/person-2/", Email: "q@example.com"},
		}
		rep, err := c.SyncContacts(ctx, updates)
		if err != nil {
			check("sync", err)
		}
		for _, u := range updates {
			r, ok := rep.Results[u.Ref]
			if !ok {
				t.Fatalf("sync: no result for %s", u.Ref)
			}
			if r.Err != nil && strings.Contains(r.Err.Error(), testToken) {
				t.Fatalf("sync: %s's error holds the token: %v", u.Ref, r.Err)
			}
		}
	})
}
