package hubspot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pacerhq/pacer/integrations"
	"github.com/pacerhq/pacer/integrations/httpclient"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspottest"
)

func TestExistingContactID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, message, want string
	}{
		{"HubSpot's whole-call conflict", "Contact already exists. Existing ID: 12345", "12345"},
		{"a long id", "Contact already exists. Existing ID: 37765128953", "37765128953"},
		{"a unique property's conflict", `A contact with the value "https://www.linkedin.com/in/jane/" for the unique property "pacer_linkedin_profile_url" already exists. Existing ID: 1001`, "1001"},
		{"followed by more text", "Contact already exists. Existing ID: 51 (merged)", "51"},
		{"in other case, without a space", "contact already exists. existing id:42", "42"},
		{"no id", "Contact already exists", ""},
		{"the marker without digits", "Contact already exists. Existing ID: unknown", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := existingContactID(tt.message); got != tt.want {
				t.Errorf("existingContactID(%q) = %q, want %q", tt.message, got, tt.want)
			}
		})
	}
}

// TestWholeCallConflictIsAnError: HubSpot's 409 for a whole batch upsert
// becomes an *Error that names the existing contact, is retried (not a dead
// letter), and leaves every input unwritten.
func TestWholeCallConflictIsAnError(t *testing.T) {
	t.Parallel()
	b := setup(t, hubspottest.Options{}, nil)
	held := b.srv.AddContact(map[string]string{DefaultProfileURLProperty: "https://www.linkedin.com/in/jane/"})
	batch := Batch{ByEmail: true, Contacts: []Contact{
		{Refs: []string{"new"}, Email: "john@example.com", ProfileURL: "https://www.linkedin.com/in/john/"},
		{Refs: []string{"held"}, Email: "jane@example.com", ProfileURL: "https://www.linkedin.com/in/jane/"},
	}}
	res, err := b.client.BatchUpsertContacts(context.Background(), batch)
	var he *Error
	if !errors.As(err, &he) || he.StatusCode != http.StatusConflict || he.ExistingID != held || !errors.Is(err, ErrConflict) {
		t.Fatalf("BatchUpsertContacts() = %v, want a 409 *Error naming contact %s", err, held)
	}
	if got := integrations.Classify(err).Action; got != integrations.Retry {
		t.Errorf("Classify() = %s, want retry", got)
	}
	if len(res.unwritten) != 2 || len(res.Upserted)+len(res.Failed) != 0 {
		t.Errorf("result %+v, want both inputs unwritten", res)
	}
	if n := len(b.srv.Contacts()); n != 1 {
		t.Errorf("HubSpot holds %d contacts, want 1: a refused batch writes nothing", n)
	}
}

var conflictAnswers = []struct {
	name   string
	answer hubspottest.ConflictAnswer
}{
	{"409 naming the existing contact", hubspottest.ConflictExistingID},
	{"409 naming the inputs", hubspottest.ConflictNamingInputs},
	{"409 naming nothing", hubspottest.ConflictBare},
	{"207 multi-status", hubspottest.ConflictMultiStatus},
}

// TestSyncContactsResolvesConflicts: emails found for contacts HubSpot
// already holds under their profile URLs (created by Pacer at acceptance)
// land on those contacts, beside new contacts and an email another contact
// already holds, in every form HubSpot's refusal may take; no contact is
// created twice.
func TestSyncContactsResolvesConflicts(t *testing.T) {
	t.Parallel()
	for _, tt := range conflictAnswers {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, hubspottest.Options{}, nil)
			b.srv.SetConflictAnswer(tt.answer)
			ctx := context.Background()
			const held, fresh = 60, 20
			var accepted []ContactUpdate
			for i := range held {
				accepted = append(accepted, person(i))
			}
			rep, err := b.client.SyncContacts(ctx, accepted)
			if err != nil {
				t.Fatal(err)
			}
			ids := make(map[int]string) // person → contact id
			for i, u := range accepted {
				ids[i] = rep.Results[u.Ref].ContactID
			}
			known := b.srv.AddContact(map[string]string{"email": "known@example.com", "firstname": "Known"})
			var found []ContactUpdate
			for i := range held + fresh {
				u := person(i)
				u.Ref, u.Email = fmt.Sprintf("found-%d", i), fmt.Sprintf("p%d@example.com", i)
				found = append(found, u)
			}
			last := person(held + fresh) // an email another contact holds, without a URL
			last.Ref, last.Email = "found-known", "known@example.com"
			found = append(found, last)

			rep, err = b.client.SyncContacts(ctx, found)
			if err != nil {
				t.Fatal(err)
			}
			for i, u := range found {
				r := rep.Results[u.Ref]
				c, ok := b.srv.ContactBy(DefaultProfileURLProperty, NormalizeProfileURL(u.ProfileURL))
				switch {
				case r.Err != nil:
					t.Errorf("%s: %v", u.Ref, r.Err)
				case !ok || c.ID != r.ContactID || c.Properties["email"] != u.Email:
					t.Errorf("%s: landed on %s; HubSpot holds %s as %+v", u.Ref, r.ContactID, u.ProfileURL, c)
				case i < held && c.ID != ids[i]:
					t.Errorf("%s landed on %s, want the contact created at acceptance, %s", u.Ref, c.ID, ids[i])
				case u.Ref == "found-known" && c.ID != known:
					t.Errorf("%s landed on %s, want the contact holding the email, %s", u.Ref, c.ID, known)
				}
			}
			if n, want := len(b.srv.Contacts()), held+fresh+1; n != want {
				t.Errorf("HubSpot holds %d contacts, want %d: one per profile URL", n, want)
			}
			t.Logf("%s: %d calls (%d upserts, %d updates, %d searches, %d reads)", tt.name, rep.Calls,
				b.srv.CallsTo(hubspottest.RouteUpsertContacts), b.srv.CallsTo(hubspottest.RouteUpdateContacts),
				b.srv.CallsTo(hubspottest.RouteSearchContacts), b.srv.CallsTo(hubspottest.RouteGetContact))
			// Found without halving: a refusal, at most one search, the
			// update of the held contacts and the upsert of the others.
			if rep.Calls > 4 {
				t.Errorf("%d calls, want at most 4", rep.Calls)
			}
		})
	}
}

// TestSyncContactsConflictBetweenTwoContactsIsRetried: when the email
// belongs to one contact and the profile URL to another, nothing is written
// and the update carries a retryable ErrConflict that names both contacts
// and says to merge them; once merged, the retry lands on the merged contact.
func TestSyncContactsConflictBetweenTwoContactsIsRetried(t *testing.T) {
	t.Parallel()
	for _, tt := range conflictAnswers {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, hubspottest.Options{}, nil)
			b.srv.SetConflictAnswer(tt.answer)
			profile := "https://www.linkedin.com/in/jane/"
			byURL := b.srv.AddContact(map[string]string{DefaultProfileURLProperty: profile, "lastname": "Doe"})
			byEmail := b.srv.AddContact(map[string]string{"email": "jane@example.com"})
			update := ContactUpdate{Ref: "r", ProfileURL: profile, Email: "jane@example.com", JobTitle: "CTO"}
			rep, err := b.client.SyncContacts(context.Background(), []ContactUpdate{update})
			if err != nil {
				t.Fatal(err)
			}
			got := rep.Results["r"].Err
			if !errors.Is(got, ErrConflict) || integrations.Classify(got).Action != integrations.Retry {
				t.Fatalf("result error = %v, want a retryable ErrConflict", got)
			}
			for _, want := range []string{byURL, byEmail, "merge"} {
				if !strings.Contains(got.Error(), want) {
					t.Errorf("error %q does not name %q", got, want)
				}
			}
			if n := len(b.srv.Contacts()); n != 2 {
				t.Errorf("HubSpot holds %d contacts, want the 2 it had", n)
			}
			if rep.Calls > 3 {
				t.Errorf("%d calls, want at most 3", rep.Calls)
			}

			b.srv.Merge(byURL, byEmail) // a person merges them in HubSpot
			rep, err = b.client.SyncContacts(context.Background(), []ContactUpdate{update})
			if err != nil || rep.Results["r"].Err != nil || rep.Results["r"].ContactID != byURL {
				t.Fatalf("after the merge: %v, %+v; want the update on %s", err, rep.Results["r"], byURL)
			}
			if c, _ := b.srv.ContactBy("email", "jane@example.com"); c.ID != byURL || c.Properties["jobtitle"] != "CTO" {
				t.Errorf("contact %+v, want %s with the job title", c, byURL)
			}
		})
	}
}

// clock is a time a test moves forward.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestSyncContactsConflictWaitsForTheSearchIndex: when HubSpot does not name
// the contact an input collides with and its search does not show that
// contact yet, the update is retried (ErrConflict) without creating
// anything, and lands once the index has caught up. When HubSpot names the
// contact, the lag does not matter: a read by id does not lag.
func TestSyncContactsConflictWaitsForTheSearchIndex(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		answer     hubspottest.ConflictAnswer
		waitsIndex bool
	}{
		{"409 naming the inputs", hubspottest.ConflictNamingInputs, true},
		{"409 naming nothing", hubspottest.ConflictBare, true},
		{"409 naming the existing contact", hubspottest.ConflictExistingID, false},
		{"207 multi-status", hubspottest.ConflictMultiStatus, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := &clock{now: time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)}
			b := setup(t, hubspottest.Options{Now: clk.Now}, nil)
			b.srv.SetConflictAnswer(tt.answer)
			b.srv.SetSearchLag(time.Minute)
			ctx := context.Background()
			var accepted, found []ContactUpdate
			for i := range 8 {
				accepted = append(accepted, person(i))
				u := person(i)
				u.Ref, u.Email = fmt.Sprintf("found-%d", i), fmt.Sprintf("p%d@example.com", i)
				if i < 5 { // found for contacts just created; the others are new
					found = append(found, u)
				} else {
					found = append(found, ContactUpdate{Ref: u.Ref, Email: u.Email, ProfileURL: fmt.Sprintf("https://www.linkedin.com/in/new-%d/", i)})
				}
			}
			if _, err := b.client.SyncContacts(ctx, accepted[:5]); err != nil {
				t.Fatal(err)
			}
			clk.Add(10 * time.Second) // the index is 50 s behind

			pending := found
			for attempt := 1; len(pending) > 0; attempt++ {
				if attempt == 3 {
					t.Fatalf("%d updates pending after 2 syncs", len(pending))
				}
				rep, err := b.client.SyncContacts(ctx, pending)
				if err != nil {
					t.Fatal(err)
				}
				var next []ContactUpdate
				for _, u := range pending {
					if err := rep.Results[u.Ref].Err; err != nil {
						if !errors.Is(err, ErrConflict) || integrations.Classify(err).Action != integrations.Retry || !strings.Contains(err.Error(), "search") {
							t.Fatalf("%s: %v, want a retryable ErrConflict about the search", u.Ref, err)
						}
						next = append(next, u)
					}
				}
				if attempt == 1 && (len(next) > 0) != tt.waitsIndex {
					t.Fatalf("first sync left %d updates pending; want some: %v", len(next), tt.waitsIndex)
				}
				if n := len(b.srv.Contacts()); n != 8 {
					t.Fatalf("after sync %d HubSpot holds %d contacts, want 8", attempt, n)
				}
				pending = next
				clk.Add(time.Minute) // the next retry, once the index has caught up
			}
			for i, u := range found {
				c, ok := b.srv.ContactBy("email", u.Email)
				if !ok || (i < 5 && c.Properties[DefaultProfileURLProperty] != accepted[i].ProfileURL) {
					t.Errorf("%s: contact %+v, want the email on %s", u.Ref, c, u.ProfileURL)
				}
			}
		})
	}
}

// front puts a server in front of the fake: intercept answers a request
// itself and reports true, or lets the fake answer. It returns a client of
// the front server.
func front(t *testing.T, srv *hubspottest.Server, intercept func(http.ResponseWriter, *http.Request) bool) *Client {
	t.Helper()
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	f := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !intercept(w, r) {
			proxy.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(f.Close)
	c, err := NewClient(Settings{Token: testToken, BaseURL: f.URL, Window: 10 * time.Millisecond,
		Options: httpclient.Options{Logger: slog.New(slog.DiscardHandler)}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSyncContactsWholeCallErrorNamingAnInput: a batch refused as a whole
// for one input it names fails that input only; the others are sent again
// at once, without halving the batch.
func TestSyncContactsWholeCallErrorNamingAnInput(t *testing.T) {
	t.Parallel()
	b := setup(t, hubspottest.Options{}, nil)
	var once sync.Once
	c := front(t, b.srv, func(w http.ResponseWriter, r *http.Request) bool {
		refuse := false
		if r.URL.Path == "/crm/v3/objects/contacts/batch/upsert" {
			once.Do(func() { refuse = true })
		}
		if refuse {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"status":"error","message":"Property values were not valid: [{\"isValid\":false,\"message\":\"blocked domain\",\"error\":\"INVALID_EMAIL\",\"name\":\"email\"}]","correlationId":"aeb5b8a5-1f4f-4e4e-9a4f-1b2c3d4e5f60","category":"VALIDATION_ERROR","context":{"ids":["p3@example.com"]}}`)
		}
		return refuse
	})
	var updates []ContactUpdate
	for i := range 10 {
		u := person(i)
		u.Email = fmt.Sprintf("p%d@example.com", i)
		updates = append(updates, u)
	}
	rep, err := c.SyncContacts(context.Background(), updates)
	if err != nil {
		t.Fatal(err)
	}
	for i, u := range updates {
		r := rep.Results[u.Ref]
		if i == 3 {
			if !errors.Is(r.Err, ErrRejected) || !strings.Contains(r.Err.Error(), "blocked domain") {
				t.Errorf("%s: %v, want HubSpot's rejection", u.Ref, r.Err)
			}
			continue
		}
		if r.Err != nil || r.ContactID == "" {
			t.Errorf("%s: %+v, want it upserted", u.Ref, r)
		}
	}
	if rep.Calls != 2 {
		t.Errorf("%d calls, want 2: the refusal, then the nine others", rep.Calls)
	}
}

// TestSyncContactsHolderGoneBeforeItsUpdateIsRetried: the contact HubSpot
// named as holding the profile URL is merged away before Pacer updates it
// by id; the update is retried, not a dead letter, and the retry lands on
// the surviving contact.
func TestSyncContactsHolderGoneBeforeItsUpdateIsRetried(t *testing.T) {
	t.Parallel()
	b := setup(t, hubspottest.Options{}, nil)
	profile := "https://www.linkedin.com/in/jane/"
	held := b.srv.AddContact(map[string]string{DefaultProfileURLProperty: profile})
	survivor := b.srv.AddContact(map[string]string{"firstname": "Jane"})
	var once sync.Once
	c := front(t, b.srv, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/crm/v3/objects/contacts/batch/update" {
			once.Do(func() { b.srv.Merge(survivor, held) }) // by a person, meanwhile
		}
		return false
	})
	update := ContactUpdate{Ref: "r", ProfileURL: profile, Email: "jane@example.com"}
	rep, err := c.SyncContacts(context.Background(), []ContactUpdate{update})
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Results["r"].Err; got == nil || integrations.Classify(got).Action != integrations.Retry || !strings.Contains(got.Error(), "gone") {
		t.Fatalf("result error = %v, want a retry because the contact is gone", got)
	}
	rep, err = c.SyncContacts(context.Background(), []ContactUpdate{update})
	if err != nil || rep.Results["r"].Err != nil || rep.Results["r"].ContactID != survivor {
		t.Fatalf("retry: %v, %+v; want the update on %s", err, rep.Results["r"], survivor)
	}
	if n := len(b.srv.Contacts()); n != 1 {
		t.Errorf("HubSpot holds %d contacts, want 1", n)
	}
}
