package delivery_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/integrations/delivery"
	"github.com/pacerhq/pacer/integrations/hubspot"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspottest"
	"github.com/pacerhq/pacer/integrations/webhook"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
)

// Test secrets: none may appear in a log line, an error or a dead letter.
const (
	testSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	testToken     = "pat-na1-11111111-2222-3333-4444-555555555555"
	testPathToken = "s3cret-p4th"
)

// timeScale shrinks the retry schedule: an hour lasts 100 ms, the three
// days of retries 8 s.
const timeScale = 36000

// scaledDelay is webhook.RetryDelay, scaled.
func scaledDelay(attempt int, retryAfter time.Duration) time.Duration {
	return webhook.RetryDelay(attempt, retryAfter) / timeScale
}

// fastPolicy retries the jobs that use River's policy (Slack's) quickly.
type fastPolicy struct{}

func (fastPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(time.Duration(job.Attempt) * 10 * time.Millisecond)
}

// syncBuffer is a log sink safe for concurrent writes.
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

// fakeSlack is the Slack bot: it records the events it was given and
// fails a share of the calls.
type fakeSlack struct {
	mu       sync.Mutex
	rnd      *rand.Rand
	failRate float64
	seen     map[string]int
}

func newFakeSlack(failRate float64) *fakeSlack {
	return &fakeSlack{rnd: rand.New(rand.NewPCG(7, 8)), failRate: failRate, seen: map[string]int{}}
}

func (f *fakeSlack) Deliver(_ context.Context, eventID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rnd.Float64() < f.failRate {
		return fmt.Errorf("slack: chat.postMessage: internal_error")
	}
	f.seen[eventID]++
	return nil
}

func (f *fakeSlack) count(eventID string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen[eventID]
}

// outage answers 503 for d from its first request on, then hands requests
// to next: a receiver down for a while when deliveries start.
type outage struct {
	next http.Handler
	d    time.Duration

	mu      sync.Mutex
	until   time.Time
	refused int
}

func (o *outage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	if o.until.IsZero() {
		o.until = time.Now().Add(o.d)
	}
	down := time.Now().Before(o.until)
	if down {
		o.refused++
	}
	o.mu.Unlock()
	if down {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	o.next.ServeHTTP(w, r)
}

// downFor starts a server in front of r that is down for d from its first
// request, and returns its URL.
func downFor(t testing.TB, r http.Handler, d time.Duration) (*outage, string) {
	o := &outage{next: r, d: d}
	srv := httptest.NewServer(o)
	t.Cleanup(srv.Close)
	return o, srv.URL
}

func (o *outage) stats() (until time.Time, refused int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.until, o.refused
}

// failFirst answers 503 to the first n requests, then hands them to next.
type failFirst struct {
	next http.Handler
	mu   sync.Mutex
	n    int
}

func (f *failFirst) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	fail := f.n > 0
	f.n--
	f.mu.Unlock()
	if fail {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	f.next.ServeHTTP(w, r)
}

// world is a store with its fakes, for one test.
type world struct {
	t     testing.TB
	cfg   *config.Config
	store *models.Store
	hub   *hubspottest.Server
	slack *fakeSlack
	logs  *syncBuffer
	opts  delivery.Options
}

// newHubSpot returns a fake HubSpot enforcing a scaled burst limit of 100
// requests per 100 ms, and a client paced under it.
func newHubSpot(t testing.TB, logger *slog.Logger) (*hubspottest.Server, *hubspot.Client) {
	t.Helper()
	srv := hubspottest.New(hubspottest.Options{Token: testToken, RequestsPerWindow: 100, Window: 100 * time.Millisecond,
		ProfileURLProperty: hubspot.DefaultProfileURLProperty, Seed: 3})
	t.Cleanup(srv.Close)
	c, err := hubspot.NewClient(hubspot.Settings{Token: testToken, BaseURL: srv.URL, RequestsPerWindow: 100,
		Window: 100 * time.Millisecond, Timeout: 300 * time.Millisecond, RetryWaitMin: 5 * time.Millisecond,
		RetryWaitMax: 20 * time.Millisecond, MaxInlineWait: time.Second, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// newService builds a Service for the world, as a new process would.
func (w *world) newService() *delivery.Service {
	w.t.Helper()
	svc, err := delivery.New(w.cfg, w.store, w.opts)
	if err != nil {
		w.t.Fatal(err)
	}
	return svc
}

// start runs a River client working the Service's jobs until the test ends
// or the returned stop is called.
func (w *world) start(svc *delivery.Service) (stop func(cancel bool)) {
	w.t.Helper()
	workers := river.NewWorkers()
	svc.Register(workers)
	client, err := w.store.NewJobClient(&river.Config{
		Workers:           workers,
		Queues:            svc.Queues(),
		PeriodicJobs:      svc.PeriodicJobs(),
		FetchPollInterval: 20 * time.Millisecond,
		FetchCooldown:     5 * time.Millisecond,
		RetryPolicy:       fastPolicy{},
		TestOnly:          true,
		Logger:            slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		w.t.Fatal(err)
	}
	if err := client.Start(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	var once sync.Once
	stop = func(cancel bool) {
		once.Do(func() { stopClient(w.t, client, cancel) })
	}
	w.t.Cleanup(func() { stop(true) })
	return stop
}

func stopClient(t testing.TB, client *river.Client[*sql.Tx], cancel bool) {
	ctx, done := context.WithTimeout(context.Background(), 20*time.Second)
	defer done()
	var err error
	if cancel {
		err = client.StopAndCancel(ctx)
	} else {
		err = client.Stop(ctx)
	}
	if err != nil {
		t.Errorf("stop the River client: %v", err)
	}
}

// record stores events in one transaction, as the runner does.
func (w *world) record(events ...pendingEvent) []models.Event {
	w.t.Helper()
	var out []models.Event
	err := w.store.DB.Transaction(func(tx *gorm.DB) error {
		for _, e := range events {
			ev, err := w.store.RecordEvent(context.Background(), tx, e.typ, e.refs, e.data)
			if err != nil {
				return err
			}
			out = append(out, ev)
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

type pendingEvent struct {
	typ  pacertype.EventType
	refs models.EventRefs
	data models.EventData
}

func person(i int) *models.EventProspect {
	return &models.EventProspect{
		Slug: fmt.Sprintf("person-%d", i), ProfileURL: fmt.Sprintf("https://www.linkedin.com/in/person-%d/", i),
		FirstName: "First" + fmt.Sprint(i), LastName: "Last" + fmt.Sprint(i), Company: "Acme", Title: "CTO",
	}
}

func accepted(i int) pendingEvent {
	sent := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	return pendingEvent{typ: "invite.accepted", data: models.EventData{Prospect: person(i), Account: "anna", Campaign: "cto", SentAt: &sent}}
}

func found(i int, email string) pendingEvent {
	p := person(i)
	p.Email = email
	return pendingEvent{typ: "email.found", data: models.EventData{Prospect: p, Account: "anna", Campaign: "cto", Source: "contact_info"}}
}

func approved(i int) pendingEvent {
	id := int64(i)
	return pendingEvent{typ: "proposal.approved", refs: models.EventRefs{ProposalID: &id},
		data: models.EventData{Account: "anna", Campaign: "cto", ProposalID: id, DecidedBy: "U012ABCDEF", Count: 25}}
}

// waitFor polls cond until it holds, failing the test with what describe
// says after within.
func waitFor(t testing.TB, within time.Duration, cond func() bool, describe func() string) {
	t.Helper()
	deadline := time.Now().Add(within * raceSlowdown)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not done after %s: %s", within*raceSlowdown, describe())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// jobStates counts the River jobs of a kind by state.
func jobStates(t testing.TB, s *models.Store, kind string) map[string]int {
	t.Helper()
	var rows []struct {
		State string
		N     int
	}
	if err := s.DB.Raw("SELECT state, COUNT(*) AS n FROM river_job WHERE kind = ? GROUP BY state", kind).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out
}

// unfinished counts the jobs of a kind that are not finalized.
func unfinished(t testing.TB, s *models.Store, kind string) int {
	n := 0
	for state, c := range jobStates(t, s, kind) {
		switch state {
		case "completed", "cancelled", "discarded":
		default:
			n += c
		}
	}
	return n
}

func eventCount(t testing.TB, s *models.Store, typ pacertype.EventType) int {
	t.Helper()
	var n int64
	if err := s.DB.Model(&models.Event{}).Where("type = ?", string(typ)).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return int(n)
}
