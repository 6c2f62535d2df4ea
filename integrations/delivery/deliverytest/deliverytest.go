// Package deliverytest builds the delivery path for tests: a store of each
// kind, the delivery Service and HubSpot's sync on a real River client, a
// fake Slack, receivers that fail on purpose, and the events that flow
// through them. The tests of integrations/delivery and
// integrations/hubspot/hubspotsync share it.
package deliverytest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
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
	"github.com/pacerhq/pacer/integrations/httpclient"
	"github.com/pacerhq/pacer/integrations/hubspot"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspotsync"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspottest"
	"github.com/pacerhq/pacer/integrations/webhook"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
)

// Test secrets: none may appear in a log line, an error or a dead letter.
const (
	Secret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	Token     = "pat-na1-11111111-2222-3333-4444-555555555555"
	PathToken = "s3cret-p4th"
)

// TimeScale shrinks the retry schedule: an hour lasts 100 ms, the three
// days of retries 8 s.
const TimeScale = 36000

// ScaledDelay is webhook.RetryDelay, scaled.
func ScaledDelay(attempt int, retryAfter time.Duration) time.Duration {
	return webhook.RetryDelay(attempt, retryAfter) / TimeScale
}

// FastPolicy retries the jobs that use River's policy (Slack's) quickly.
type FastPolicy struct{}

// NextRetry waits 10 ms per attempt.
func (FastPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(time.Duration(job.Attempt) * 10 * time.Millisecond)
}

// SyncBuffer is a log sink safe for concurrent writes.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// FakeSlack is the Slack bot: it records the events it was given and
// fails a share of the calls.
type FakeSlack struct {
	mu       sync.Mutex
	rnd      *rand.Rand
	failRate float64
	seen     map[string]int
}

// NewFakeSlack returns a FakeSlack failing about failRate of the calls.
func NewFakeSlack(failRate float64) *FakeSlack {
	return &FakeSlack{rnd: rand.New(rand.NewPCG(7, 8)), failRate: failRate, seen: map[string]int{}}
}

// Deliver records eventID, or fails.
func (f *FakeSlack) Deliver(_ context.Context, eventID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rnd.Float64() < f.failRate {
		return fmt.Errorf("slack: chat.postMessage: internal_error")
	}
	f.seen[eventID]++
	return nil
}

// Count returns how often eventID was delivered.
func (f *FakeSlack) Count(eventID string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen[eventID]
}

// Outage answers 503 for d from its first request on, then hands requests
// to next: a receiver down for a while when deliveries start.
type Outage struct {
	next http.Handler
	d    time.Duration

	mu      sync.Mutex
	until   time.Time
	refused int
}

// ServeHTTP answers 503 while the outage lasts.
func (o *Outage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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

// DownFor starts a server in front of r that is down for d from its first
// request, and returns its URL.
func DownFor(t testing.TB, r http.Handler, d time.Duration) (*Outage, string) {
	o := &Outage{next: r, d: d}
	srv := httptest.NewServer(o)
	t.Cleanup(srv.Close)
	return o, srv.URL
}

// Stats returns when the outage ends and how many requests it refused.
func (o *Outage) Stats() (until time.Time, refused int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.until, o.refused
}

// FailFirst answers 503 to the first N requests, then hands them to Next.
type FailFirst struct {
	Next http.Handler
	mu   sync.Mutex
	N    int
}

// ServeHTTP answers 503 while N > 0.
func (f *FailFirst) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	fail := f.N > 0
	f.N--
	f.mu.Unlock()
	if fail {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	f.Next.ServeHTTP(w, r)
}

// Dialects are the stores every test runs on.
var Dialects = []string{models.DialectSQLite, models.DialectPostgres}

// World is a store with its fakes, for one test.
type World struct {
	T     testing.TB
	Cfg   *config.Config
	Store *models.Store
	Hub   *hubspottest.Server
	Slack *FakeSlack
	Logs  *SyncBuffer
	// Opts are the delivery Service's options.
	Opts delivery.Options
	// HubSpot, when not nil, are the options of HubSpot's sync, which then
	// runs beside the deliveries, as in `pacer serve`. Its Logger defaults
	// to Opts'.
	HubSpot *hubspotsync.Options
}

// NewHubSpot returns a fake HubSpot enforcing a scaled burst limit of 100
// requests per 100 ms, and a client paced under it.
func NewHubSpot(t testing.TB, logger *slog.Logger) (*hubspottest.Server, *hubspot.Client) {
	t.Helper()
	srv := hubspottest.New(hubspottest.Options{Token: Token, RequestsPerWindow: 100, Window: 100 * time.Millisecond,
		ProfileURLProperty: hubspot.DefaultProfileURLProperty, Seed: 3})
	t.Cleanup(srv.Close)
	c, err := hubspot.NewClient(hubspot.Settings{Token: Token, BaseURL: srv.URL, RequestsPerWindow: 100,
		Window: 100 * time.Millisecond, MaxInlineWait: time.Second,
		Options: httpclient.Options{Timeout: 300 * time.Millisecond, WaitMin: 5 * time.Millisecond, WaitMax: 20 * time.Millisecond, Logger: logger}})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// Part is what a service gives River: its workers and queues, and its
// periodic jobs when it has some (periodic).
type Part interface {
	Register(*river.Workers)
	Queues() map[string]river.QueueConfig
}

type periodic interface {
	PeriodicJobs() []*river.PeriodicJob
}

// NewParts builds the delivery Service and, with w.HubSpot, HubSpot's sync,
// as a new process would.
func (w *World) NewParts() []Part {
	w.T.Helper()
	svc, err := delivery.New(w.Cfg, w.Store, w.Opts)
	if err != nil {
		w.T.Fatal(err)
	}
	parts := []Part{svc}
	if w.HubSpot != nil {
		opts := *w.HubSpot
		if opts.Logger == nil {
			opts.Logger = w.Opts.Logger
		}
		hs, err := hubspotsync.New(w.Cfg, w.Store, svc, opts)
		if err != nil {
			w.T.Fatal(err)
		}
		parts = append(parts, hs)
	}
	return parts
}

// Start runs a River client working the jobs of new parts (NewParts) until
// the test ends or the returned stop is called.
func (w *World) Start() (stop func(cancel bool)) {
	w.T.Helper()
	workers := river.NewWorkers()
	queues := map[string]river.QueueConfig{}
	var jobs []*river.PeriodicJob
	for _, p := range w.NewParts() {
		p.Register(workers)
		for name, q := range p.Queues() {
			queues[name] = q
		}
		if pj, ok := p.(periodic); ok {
			jobs = append(jobs, pj.PeriodicJobs()...)
		}
	}
	client, err := w.Store.NewJobClient(&river.Config{
		Workers:           workers,
		Queues:            queues,
		PeriodicJobs:      jobs,
		FetchPollInterval: 20 * time.Millisecond,
		FetchCooldown:     5 * time.Millisecond,
		RetryPolicy:       FastPolicy{},
		TestOnly:          true,
		Logger:            slog.New(slog.NewTextHandler(w.Logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		w.T.Fatal(err)
	}
	if err := client.Start(context.Background()); err != nil {
		w.T.Fatal(err)
	}
	var once sync.Once
	stop = func(cancel bool) {
		once.Do(func() { stopClient(w.T, client, cancel) })
	}
	w.T.Cleanup(func() { stop(true) })
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

// Record stores events in one transaction, as the runner does.
func (w *World) Record(events ...Pending) []models.Event {
	w.T.Helper()
	var out []models.Event
	err := w.Store.DB.Transaction(func(tx *gorm.DB) error {
		for _, e := range events {
			ev, err := w.Store.RecordEvent(context.Background(), tx, e.Type, e.Refs, e.Data)
			if err != nil {
				return err
			}
			out = append(out, ev)
		}
		return nil
	})
	if err != nil {
		w.T.Fatal(err)
	}
	return out
}

// RecordAccepted records n invite.accepted events, of persons 0 to n-1, in
// transactions of 500.
func (w *World) RecordAccepted(n int) {
	w.T.Helper()
	for i := 0; i < n; i += 500 {
		batch := make([]Pending, 0, 500)
		for j := i; j < min(i+500, n); j++ {
			batch = append(batch, Accepted(j))
		}
		w.Record(batch...)
	}
}

// Pending is an event to record.
type Pending struct {
	Type pacertype.EventType
	Refs models.EventRefs
	Data models.EventData
}

// Person is the prospect snapshot of person i.
func Person(i int) *models.EventProspect {
	return &models.EventProspect{
		Slug: fmt.Sprintf("person-%d", i), ProfileURL: fmt.Sprintf("https://www.linkedin.com/in/person-%d/", i),
		FirstName: "First" + fmt.Sprint(i), LastName: "Last" + fmt.Sprint(i), Company: "Acme", Title: "CTO",
	}
}

// Accepted is person i's accepted invitation.
func Accepted(i int) Pending {
	sent := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	return Pending{Type: pacertype.EventInviteAccepted, Data: models.EventData{Prospect: Person(i), Account: "anna", Campaign: "cto", SentAt: &sent}}
}

// Found is person i's email, found.
func Found(i int, email string) Pending {
	p := Person(i)
	p.Email = email
	return Pending{Type: pacertype.EventEmailFound, Data: models.EventData{Prospect: p, Account: "anna", Campaign: "cto", Source: string(pacertype.FinderContactInfo)}}
}

// Sent is a follow-up message sent to person i.
func Sent(i int, text string) Pending {
	return Pending{Type: pacertype.EventMessageSent, Data: models.EventData{Prospect: Person(i), Account: "anna", Campaign: "cto", ProposalID: 57, Text: text}}
}

// Replied is person i's reply: its excerpt, and its conversation's URL
// ("" when the messaging list links none).
func Replied(i int, excerpt, url string) Pending {
	return Pending{Type: pacertype.EventMessageReplied, Data: models.EventData{Prospect: Person(i), Account: "anna", Campaign: "cto", ProposalID: 57, Text: excerpt, URL: url}}
}

// Approved is proposal i, approved.
func Approved(i int) Pending {
	id := int64(i)
	return Pending{Type: pacertype.EventProposalApproved, Refs: models.EventRefs{ProposalID: &id},
		Data: models.EventData{Account: "anna", Campaign: "cto", ProposalID: id, DecidedBy: "U012ABCDEF", Count: 25}}
}

// WaitFor polls cond until it holds, failing the test with what describe
// says after within.
func WaitFor(t testing.TB, within time.Duration, cond func() bool, describe func() string) {
	t.Helper()
	deadline := time.Now().Add(within * RaceSlowdown)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not done after %s: %s", within*RaceSlowdown, describe())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// JobStates counts the River jobs of a kind by state.
func JobStates(t testing.TB, s *models.Store, kind string) map[string]int {
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

// Unfinished counts the jobs of a kind that are not finalized.
func Unfinished(t testing.TB, s *models.Store, kind string) int {
	n := 0
	for state, c := range JobStates(t, s, kind) {
		switch state {
		case "completed", "cancelled", "discarded":
		default:
			n += c
		}
	}
	return n
}

// EventCount counts the stored events of a type.
func EventCount(t testing.TB, s *models.Store, typ pacertype.EventType) int {
	t.Helper()
	var n int64
	if err := s.DB.Model(&models.Event{}).Where("type = ?", string(typ)).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// Alerts returns the data of the events of a type (the alerts Slack gets),
// oldest first.
func Alerts(t testing.TB, s *models.Store, typ pacertype.EventType) []models.EventData {
	t.Helper()
	var evs []models.Event
	if err := s.DB.Where("type = ?", string(typ)).Order("occurred_at").Find(&evs).Error; err != nil {
		t.Fatal(err)
	}
	out := make([]models.EventData, len(evs))
	for i, e := range evs {
		d, err := models.DecodeEventData(e)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = d
	}
	return out
}

// PendingUpdates counts the HubSpot updates not done.
func PendingUpdates(t testing.TB, s *models.Store) int {
	t.Helper()
	var n int64
	if err := s.DB.Model(&hubspotsync.Update{}).Where("state IN ?", []string{"pending", "note", "stage"}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// DeadLetters returns the open dead letters.
func DeadLetters(t testing.TB, s *models.Store) []delivery.DeadLetter {
	t.Helper()
	dl, err := delivery.ListDeadLetters(t.Context(), s, false)
	if err != nil {
		t.Fatal(err)
	}
	return dl
}

// JSON returns v in JSON, for a failure message.
func JSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// DebugSync describes the HubSpot updates and sync jobs, for a failure.
func DebugSync(s *models.Store) string {
	var rows []hubspotsync.Update
	s.DB.Where("state IN ?", []string{"pending", "note", "stage"}).Limit(3).Find(&rows)
	var jobs []struct {
		ID          int64
		State       string
		ScheduledAt time.Time
		Attempt     int
	}
	s.DB.Raw("SELECT id, state, scheduled_at, attempt FROM river_job WHERE kind = 'hubspot.sync' ORDER BY id DESC LIMIT 5").Scan(&jobs)
	return fmt.Sprintf("\nnow %s, updates %s\nsync jobs %s", time.Now().UTC(), JSON(rows), JSON(jobs))
}
