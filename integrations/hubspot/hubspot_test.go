package hubspot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pacerhq/pacer/integrations"
	"github.com/pacerhq/pacer/integrations/httpclient"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspottest"
)

const testToken = "pat-na1-7f3e-s3cr3t-t0k3n"

// bundle is what a test needs: a fake HubSpot, a client and its logs.
type bundle struct {
	srv    *hubspottest.Server
	client *Client
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func setup(t testing.TB, opts hubspottest.Options, modify func(*Settings)) *bundle {
	t.Helper()
	if opts.Token == "" {
		opts.Token = testToken
	}
	if opts.ProfileURLProperty == "" {
		opts.ProfileURLProperty = DefaultProfileURLProperty
	}
	srv := hubspottest.New(opts)
	t.Cleanup(srv.Close)
	logs := &syncBuffer{}
	s := Settings{
		Token: testToken, BaseURL: srv.URL,
		Window: 10 * time.Millisecond, // HubSpot's 10 s, scaled down
		Options: httpclient.Options{
			Version: "test", WaitMin: time.Millisecond, WaitMax: 5 * time.Millisecond,
			Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		},
	}
	if modify != nil {
		modify(&s)
	}
	c, err := NewClient(s)
	if err != nil {
		t.Fatal(err)
	}
	return &bundle{srv: srv, client: c, logs: logs}
}

func person(i int) ContactUpdate {
	return ContactUpdate{
		Ref:        fmt.Sprintf("acc-%d", i),
		ProfileURL: fmt.Sprintf("https://www.linkedin.com/in/person-%d/", i),
		FirstName:  "First", LastName: fmt.Sprintf("Last%d", i), Company: "Example", JobTitle: "CTO",
	}
}

func TestNewClientNeedsToken(t *testing.T) {
	t.Parallel()
	if _, err := NewClient(Settings{}); !errors.Is(err, ErrNoToken) {
		t.Errorf("NewClient() = %v, want ErrNoToken", err)
	}
	if _, err := NewClient(Settings{Token: "x", BaseURL: "api.hubapi.com"}); err == nil {
		t.Error("NewClient() accepted a base URL without scheme")
	}
}

func TestNormalizeProfileURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://www.linkedin.com/in/jane-doe/", "https://www.linkedin.com/in/jane-doe/"},
		{"http://linkedin.com/in/Jane-Doe", "https://www.linkedin.com/in/jane-doe/"},
		{"https://de.linkedin.com/in/jane-doe?trk=abc#x", "https://www.linkedin.com/in/jane-doe/"},
		{" https://www.linkedin.com/in/j%C3%A9r%C3%B4me/ ", "https://www.linkedin.com/in/j%c3%a9r%c3%b4me/"},
		{"https://example.com/Jane", "https://example.com/Jane"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeProfileURL(tt.in); got != tt.want {
			t.Errorf("NormalizeProfileURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCoalesce(t *testing.T) {
	t.Parallel()
	jane := "https://www.linkedin.com/in/jane/"
	tests := []struct {
		name    string
		updates []ContactUpdate
		want    []Batch
	}{
		{
			name: "later non-empty fields win",
			updates: []ContactUpdate{
				{Ref: "a", ProfileURL: jane, FirstName: "Jane", Company: "Old"},
				{Ref: "b", ProfileURL: "http://linkedin.com/in/Jane?trk=1", Company: "New", JobTitle: "CTO"},
			},
			want: []Batch{{ByEmail: false, Contacts: []Contact{{Refs: []string{"a", "b"}, ProfileURL: jane, FirstName: "Jane", Company: "New", JobTitle: "CTO"}}}},
		},
		{
			name: "an accepted connection and its found email make one contact, by email",
			updates: []ContactUpdate{
				{Ref: "accepted", ProfileURL: jane, FirstName: "Jane", LastName: "Doe"},
				{Ref: "found", ProfileURL: jane, Email: " Jane@Example.com "},
			},
			want: []Batch{{ByEmail: true, Contacts: []Contact{{Refs: []string{"accepted", "found"}, Email: "jane@example.com", ProfileURL: jane, FirstName: "Jane", LastName: "Doe"}}}},
		},
		{
			name: "email-only updates merge by email",
			updates: []ContactUpdate{
				{Ref: "a", Email: "x@example.com", FirstName: "X"},
				{Ref: "b", Email: "X@example.com", LastName: "Y"},
			},
			want: []Batch{{ByEmail: true, Contacts: []Contact{{Refs: []string{"a", "b"}, Email: "x@example.com", FirstName: "X", LastName: "Y"}}}},
		},
		{
			name:    "updates with neither email nor URL are skipped",
			updates: []ContactUpdate{{Ref: "a", FirstName: "Nobody"}},
			want:    nil,
		},
		{
			name: "two profiles with one email go to separate calls",
			updates: []ContactUpdate{
				{Ref: "a", ProfileURL: jane, Email: "shared@example.com"},
				{Ref: "b", ProfileURL: "https://www.linkedin.com/in/john/", Email: "shared@example.com"},
			},
			want: nil, // checked below: merged by email into one contact
		},
	}
	for _, tt := range tests[:4] {
		t.Run(tt.name, func(t *testing.T) {
			got := Coalesce(tt.updates)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("Coalesce() =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
	t.Run(tests[4].name, func(t *testing.T) {
		got := Coalesce(tests[4].updates)
		total := 0
		for _, b := range got {
			ids := map[string]bool{}
			for _, c := range b.Contacts {
				if ids[c.Email] {
					t.Errorf("batch has email %s twice", c.Email)
				}
				ids[c.Email] = true
				total += len(c.Refs)
			}
		}
		if total != 2 {
			t.Errorf("Coalesce() kept %d refs, want 2", total)
		}
	})
}

func TestCoalesceSplitsIntoBatchesOf100(t *testing.T) {
	t.Parallel()
	var updates []ContactUpdate
	for i := range 10_000 {
		updates = append(updates, person(i)) // accepted connections
	}
	for i := range 3_000 {
		u := person(i) // emails found for 3,000 of them
		u.Ref, u.Email = fmt.Sprintf("found-%d", i), fmt.Sprintf("p%d@example.com", i)
		updates = append(updates, u)
	}
	batches := Coalesce(updates)
	byEmail, byURL, refs := 0, 0, 0
	for _, b := range batches {
		if len(b.Contacts) == 0 || len(b.Contacts) > MaxBatchSize {
			t.Fatalf("batch of %d contacts", len(b.Contacts))
		}
		for _, c := range b.Contacts {
			refs += len(c.Refs)
			if b.ByEmail {
				byEmail++
			} else {
				byURL++
			}
		}
	}
	if len(batches) != 100 || byEmail != 3_000 || byURL != 7_000 || refs != 13_000 {
		t.Errorf("%d batches, %d by email, %d by URL, %d refs; want 100, 3000, 7000, 13000", len(batches), byEmail, byURL, refs)
	}
}

func TestBatchUpsertContacts(t *testing.T) {
	t.Parallel()
	b := setup(t, hubspottest.Options{}, nil)
	ctx := context.Background()
	batch := Batch{ByEmail: true, Contacts: []Contact{
		{Refs: []string{"1"}, Email: "jane@example.com", ProfileURL: "https://www.linkedin.com/in/jane/", FirstName: "Jane", LastName: "Doe", Company: "Example", JobTitle: "CTO"},
		{Refs: []string{"2"}, Email: "john@example.com", FirstName: "John"},
	}}
	res, err := b.client.BatchUpsertContacts(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Upserted) != 2 || len(res.Failed) != 0 || !res.Upserted[0].New {
		t.Fatalf("result = %+v, want 2 new contacts", res)
	}
	c, ok := b.srv.ContactBy("email", "jane@example.com")
	if !ok {
		t.Fatal("jane is not in HubSpot")
	}
	want := map[string]string{"firstname": "Jane", "lastname": "Doe", "company": "Example", "jobtitle": "CTO",
		DefaultProfileURLProperty: "https://www.linkedin.com/in/jane/"}
	for k, v := range want {
		if c.Properties[k] != v {
			t.Errorf("property %s = %q, want %q", k, c.Properties[k], v)
		}
	}
	// A second upsert updates, and empty fields clear nothing.
	res, err = b.client.BatchUpsertContacts(ctx, Batch{ByEmail: true, Contacts: []Contact{{Refs: []string{"3"}, Email: "JANE@example.com", JobTitle: "CEO"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Upserted) != 1 || res.Upserted[0].New || res.Upserted[0].ID != c.ID {
		t.Fatalf("result = %+v, want an update of %s", res, c.ID)
	}
	c, _ = b.srv.ContactBy("email", "jane@example.com")
	if c.Properties["jobtitle"] != "CEO" || c.Properties["firstname"] != "Jane" {
		t.Errorf("properties = %v, want jobtitle CEO and firstname kept", c.Properties)
	}
}

func TestBatchUpsertMultiStatus(t *testing.T) {
	t.Parallel()
	b := setup(t, hubspottest.Options{}, nil)
	batch := Batch{ByEmail: true, Contacts: []Contact{
		{Refs: []string{"ok"}, Email: "ok@example.com"},
		{Refs: []string{"hubspot-refuses"}, Email: "jane@localhost"},
		{Refs: []string{"never-sent"}, Email: "not an email"},
		{Refs: []string{"ok2"}, Email: "ok2@example.com"},
	}}
	res, err := b.client.BatchUpsertContacts(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Upserted) != 2 || len(res.Failed) != 2 {
		t.Fatalf("upserted %d, failed %d; want 2 and 2", len(res.Upserted), len(res.Failed))
	}
	for _, f := range res.Failed {
		var he *Error
		if !errors.As(f.Err, &he) || he.Code != "INVALID_EMAIL" || !errors.Is(f.Err, ErrRejected) {
			t.Errorf("%v: error %v, want a rejected INVALID_EMAIL *Error", f.Contact.Refs, f.Err)
		}
		if got := integrations.Classify(f.Err).Action; got != integrations.DeadLetter {
			t.Errorf("%v: Classify() = %s, want dead_letter", f.Contact.Refs, got)
		}
	}
	if !strings.Contains(res.Failed[len(res.Failed)-1].Err.Error()+res.Failed[0].Err.Error(), "Email address jane@localhost is invalid") {
		t.Errorf("errors %v, %v do not carry HubSpot's message", res.Failed[0].Err, res.Failed[1].Err)
	}
	if got := b.srv.CallsTo(hubspottest.RouteUpsertContacts); got != 1 {
		t.Errorf("%d calls, want 1", got)
	}
}

func TestUpsertWithoutTheProperty(t *testing.T) {
	t.Parallel()
	b := setup(t, hubspottest.Options{ProfileURLProperty: "something_else"}, nil)
	_, err := b.client.BatchUpsertContacts(context.Background(), Coalesce([]ContactUpdate{person(1)})[0])
	var he *Error
	if !errors.As(err, &he) || he.Code != "PROPERTY_DOESNT_EXIST" || he.StatusCode != 400 {
		t.Fatalf("BatchUpsertContacts() = %v, want a 400 PROPERTY_DOESNT_EXIST", err)
	}
	if got := integrations.Classify(err).Action; got != integrations.DeadLetter {
		t.Errorf("Classify() = %s, want dead_letter", got)
	}
	if !strings.Contains(err.Error(), `Property "pacer_linkedin_profile_url" does not exist`) || !strings.Contains(err.Error(), "correlation id") {
		t.Errorf("error %q does not carry HubSpot's message and correlation id", err)
	}
}

func TestSyncContactsFoundEmailLandsOnTheSameContact(t *testing.T) {
	t.Parallel()
	b := setup(t, hubspottest.Options{}, nil)
	ctx := context.Background()
	accepted := person(7)
	rep, err := b.client.SyncContacts(ctx, []ContactUpdate{accepted})
	if err != nil || rep.Results[accepted.Ref].Err != nil {
		t.Fatalf("first sync: %v, %+v", err, rep.Results)
	}
	id := rep.Results[accepted.Ref].ContactID
	found := ContactUpdate{Ref: "found-7", ProfileURL: accepted.ProfileURL, Email: "p7@example.com"}
	rep, err = b.client.SyncContacts(ctx, []ContactUpdate{found})
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Results[found.Ref]; got.Err != nil || got.ContactID != id {
		t.Fatalf("second sync result = %+v, want contact %s", got, id)
	}
	if n := len(b.srv.Contacts()); n != 1 {
		t.Errorf("HubSpot holds %d contacts, want 1", n)
	}
	if c, _ := b.srv.ContactBy("email", "p7@example.com"); c.ID != id || c.Properties["lastname"] != "Last7" {
		t.Errorf("contact = %+v, want %s with the email and the name", c, id)
	}
}

func TestSyncContactsReportsEveryRef(t *testing.T) {
	t.Parallel()
	b := setup(t, hubspottest.Options{}, nil)
	updates := []ContactUpdate{person(1), {Ref: "nothing"}, {Ref: "bad-email", Email: "nope"}, person(2)}
	rep, err := b.client.SyncContacts(context.Background(), updates)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range updates {
		r, ok := rep.Results[u.Ref]
		if !ok {
			t.Errorf("no result for %s", u.Ref)
			continue
		}
		wantErr := u.Ref == "nothing" || u.Ref == "bad-email"
		if (r.Err != nil) != wantErr || (r.Err != nil && !errors.Is(r.Err, ErrRejected)) {
			t.Errorf("%s: result %+v, want error: %v", u.Ref, r, wantErr)
		}
	}
}

func TestRateLimitWaits(t *testing.T) {
	t.Parallel()
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	now := time.Date(2025, 3, 4, 22, 30, 0, 0, time.UTC)
	tests := []struct {
		name     string
		policy   string
		window   time.Duration
		loc      *time.Location
		wantWait time.Duration
	}{
		{"ten-secondly waits the window", PolicyTenSecondly, 0, nil, 10 * time.Second},
		{"ten-secondly waits at least HubSpot's interval", PolicyTenSecondly, 2 * time.Second, nil, 10 * time.Second},
		{"daily waits for midnight UTC", PolicyDaily, 0, nil, 90 * time.Minute},
		{"daily waits for the portal's midnight", PolicyDaily, 0, newYork, 6*time.Hour + 30*time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, hubspottest.Options{RequestsPerWindow: 100}, func(s *Settings) {
				s.Now = func() time.Time { return now }
				s.Window = tt.window
				s.DailyResetLocation = tt.loc
			})
			b.srv.Storm(1, tt.policy)
			_, err := b.client.BatchUpsertContacts(context.Background(), Coalesce([]ContactUpdate{person(1)})[0])
			var rl *RateLimitError
			if !errors.As(err, &rl) {
				t.Fatalf("BatchUpsertContacts() = %v, want a *RateLimitError", err)
			}
			if rl.Policy != tt.policy || rl.Wait != tt.wantWait || !rl.At.Equal(now.Add(tt.wantWait)) {
				t.Errorf("policy %s, wait %v, at %v; want %s, %v, %v", rl.Policy, rl.Wait, rl.At, tt.policy, tt.wantWait, now.Add(tt.wantWait))
			}
			if rl.Interval != 10*time.Second || rl.Remaining < 0 {
				t.Errorf("headers: interval %v, remaining %d; want 10s and a count", rl.Interval, rl.Remaining)
			}
			v := integrations.Classify(err)
			if v.Action != integrations.RetryAt || !v.At.Equal(rl.At) || !errors.Is(err, integrations.ErrRateLimited) {
				t.Errorf("Classify() = %+v, want retry_at %v", v, rl.At)
			}
			if !strings.Contains(err.Error(), "You have reached your") {
				t.Errorf("error %q does not carry HubSpot's message", err)
			}
		})
	}
}

func TestSyncContactsWaitsThroughA429Storm(t *testing.T) {
	t.Parallel()
	window := 20 * time.Millisecond
	b := setup(t, hubspottest.Options{RequestsPerWindow: 100, Window: window}, func(s *Settings) { s.Window = window })
	b.srv.Storm(4, PolicyTenSecondly)
	var updates []ContactUpdate
	for i := range 250 {
		updates = append(updates, person(i))
	}
	start := time.Now()
	rep, err := b.client.SyncContacts(context.Background(), updates)
	if err != nil {
		t.Fatal(err)
	}
	for ref, r := range rep.Results {
		if r.Err != nil {
			t.Fatalf("%s: %v", ref, r.Err)
		}
	}
	if rep.Calls != 3+4 || b.srv.RateLimited() != 4 {
		t.Errorf("%d calls, %d rate limited; want 7 and 4", rep.Calls, b.srv.RateLimited())
	}
	if elapsed := time.Since(start); elapsed < 4*window {
		t.Errorf("sync took %v, less than the four waits of %v", elapsed, window)
	}
}

func TestSyncContactsStopsAtTheDailyLimit(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC)
	b := setup(t, hubspottest.Options{DailyLimit: 1}, func(s *Settings) { s.Now = func() time.Time { return now } })
	var updates []ContactUpdate
	for i := range 150 {
		updates = append(updates, person(i))
	}
	rep, err := b.client.SyncContacts(context.Background(), updates)
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.Policy != PolicyDaily {
		t.Fatalf("SyncContacts() = %v, want a DAILY *RateLimitError", err)
	}
	midnight := time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC)
	synced, waiting := 0, 0
	for _, r := range rep.Results {
		switch v := integrations.Classify(r.Err); {
		case r.Err == nil:
			synced++
		case v.Action == integrations.RetryAt && v.At.Equal(midnight):
			waiting++
		default:
			t.Errorf("result %+v, want synced or waiting for %v", r, midnight)
		}
	}
	if synced != 100 || waiting != 50 {
		t.Errorf("%d synced, %d waiting; want 100 and 50", synced, waiting)
	}
}

// syncUntilDone plays the delivery job: it syncs the updates whose last
// outcome was retryable until none is left, and returns the rounds taken.
func syncUntilDone(t *testing.T, c *Client, updates []ContactUpdate) map[string]SyncResult {
	t.Helper()
	final := make(map[string]SyncResult)
	pending := updates
	for round := 0; len(pending) > 0; round++ {
		if round == 20 {
			t.Fatalf("%d updates still pending after 20 rounds", len(pending))
		}
		rep, _ := c.SyncContacts(context.Background(), pending)
		var next []ContactUpdate
		for _, u := range pending {
			r := rep.Results[u.Ref]
			if v := integrations.Classify(r.Err); v.Action == integrations.Retry || v.Action == integrations.RetryAt {
				next = append(next, u)
				continue
			}
			final[u.Ref] = r
		}
		pending = next
	}
	return final
}

func TestSyncContactsUnderFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		faults func(*hubspottest.Server)
	}{
		{"30% 5xx", func(s *hubspottest.Server) { s.SetFailureRate(0.3) }},
		{"timeouts after processing", func(s *hubspottest.Server) { s.SetHangRate(0.3, time.Second, true) }},
		{"timeouts before processing", func(s *hubspottest.Server) { s.SetHangRate(0.3, time.Second, false) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, hubspottest.Options{Seed: 7}, func(s *Settings) { s.Timeout = 50 * time.Millisecond })
			tt.faults(b.srv)
			var updates []ContactUpdate
			for i := range 1_000 {
				updates = append(updates, person(i))
				if i%3 == 0 {
					u := person(i)
					u.Ref, u.Email = fmt.Sprintf("found-%d", i), fmt.Sprintf("p%d@example.com", i)
					updates = append(updates, u)
				}
			}
			final := syncUntilDone(t, b.client, updates)
			for _, u := range updates {
				if r := final[u.Ref]; r.Err != nil || r.ContactID == "" {
					t.Fatalf("%s: %+v", u.Ref, r)
				}
			}
			if n := len(b.srv.Contacts()); n != 1_000 {
				t.Errorf("HubSpot holds %d contacts, want 1000 (no duplicate)", n)
			}
			if b.srv.Calls() <= 10 {
				t.Errorf("%d calls: no fault was injected", b.srv.Calls())
			}
		})
	}
}

func TestTokenNeverInLogsOrErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		token  string // the client's
		faults func(*hubspottest.Server)
	}{
		{"401 quoting the token", "pat-na1-wrong-s3cr3t", func(s *hubspottest.Server) { s.SetEchoToken(true) }},
		{"5xx", testToken, func(s *hubspottest.Server) { s.SetFailureRate(1) }},
		{"timeout", testToken, func(s *hubspottest.Server) { s.SetHangRate(1, time.Second, false) }},
		{"429", testToken, func(s *hubspottest.Server) { s.Storm(10, PolicyDaily) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, hubspottest.Options{}, func(s *Settings) { s.Token = tt.token; s.Timeout = 30 * time.Millisecond })
			tt.faults(b.srv)
			ctx := context.Background()
			var errs []error
			_, err := b.client.SyncContacts(ctx, []ContactUpdate{person(1)})
			errs = append(errs, err)
			_, err = b.client.CreateNote(ctx, ConnectedNote("1", time.Now(), "c"))
			errs = append(errs, err)
			_, err = b.client.EnsureProfileURLProperty(ctx)
			errs = append(errs, err)
			for _, err := range errs {
				if err == nil {
					t.Fatal("a call succeeded; the test proves nothing")
				}
				if strings.Contains(err.Error(), tt.token) {
					t.Errorf("error %q contains the token", err)
				}
			}
			if strings.Contains(b.logs.String(), tt.token) {
				t.Errorf("logs contain the token:\n%s", b.logs.String())
			}
			if tt.token != testToken && !errors.Is(errs[0], ErrUnauthorized) {
				t.Errorf("error %v, want ErrUnauthorized", errs[0])
			}
		})
	}
}

func TestEnsureProfileURLProperty(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		existing    *hubspottest.Property
		wantCreated bool
		wantErr     error
	}{
		{"missing: created", nil, true, nil},
		{"present and unique", &hubspottest.Property{Name: DefaultProfileURLProperty, Label: "x", Type: "string", FieldType: "text", GroupName: "contactinformation", HasUniqueValue: true}, false, nil},
		{"present but not unique", &hubspottest.Property{Name: DefaultProfileURLProperty, Label: "x", Type: "string", FieldType: "text", GroupName: "contactinformation"}, false, ErrPropertyNotUnique},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, hubspottest.Options{ProfileURLProperty: "unrelated"}, nil)
			if tt.existing != nil {
				b.srv.SetProperty(*tt.existing)
			}
			created, err := b.client.EnsureProfileURLProperty(context.Background())
			if created != tt.wantCreated || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("EnsureProfileURLProperty() = %v, %v; want %v, %v", created, err, tt.wantCreated, tt.wantErr)
			}
			p, ok := b.srv.Property(DefaultProfileURLProperty)
			if tt.wantErr == nil && (!ok || !p.HasUniqueValue || p.Type != "string" || p.FieldType != "text" || p.GroupName == "") {
				t.Errorf("property = %+v, want a unique single-line text in a group", p)
			}
			// Idempotent: a second run creates nothing.
			if created, err := b.client.EnsureProfileURLProperty(context.Background()); created || (tt.wantErr == nil && err != nil) {
				t.Errorf("second run = %v, %v", created, err)
			}
		})
	}
}
