package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/pacerhq/pacer/integrations"
	"github.com/pacerhq/pacer/integrations/webhook"
	"github.com/pacerhq/pacer/pacertype"
)

// TestArgs is a `pacer webhooks test` delivery: the sample event of Type,
// dated At, under the id EventID, to the endpoint Endpoint only. No events
// row is written, so the sample reaches no other destination, no progress
// card and no digest. It is queued, signed and retried like any delivery,
// on the same schedule; it never disables the endpoint (a 410 is reported)
// and never becomes a dead letter: River keeps the job when it gives up.
type TestArgs struct {
	Endpoint string    `json:"endpoint"`
	Type     string    `json:"type"`
	EventID  string    `json:"event_id"`
	At       time.Time `json:"at"`
}

// Kind names the job.
func (TestArgs) Kind() string { return "webhook.test" }

// event returns the sample event, the same on every attempt.
func (a TestArgs) event() (integrations.Event, error) {
	t, err := integrations.ParseType(a.Type)
	if err != nil {
		return integrations.Event{}, err
	}
	at := a.At.UTC().Truncate(time.Millisecond)
	data, err := integrations.Sample(t, at)
	if err != nil {
		return integrations.Event{}, err
	}
	return integrations.Event{ID: a.EventID, Type: t, Timestamp: at, Data: data}, nil
}

// TestOutput is what a delivered test records on its job.
type TestOutput struct {
	StatusCode int   `json:"status_code"`
	Millis     int64 `json:"duration_ms"`
}

// TestWorker works `pacer webhooks test` deliveries.
type TestWorker struct {
	river.WorkerDefaults[TestArgs]
	s *Service
}

// Work makes one attempt.
func (w *TestWorker) Work(ctx context.Context, job *river.Job[TestArgs]) error {
	c := w.s.webhooks[job.Args.Endpoint]
	if c == nil {
		return river.JobCancel(fmt.Errorf("%w: no webhook endpoint named %q is configured", ErrNotConfigured, job.Args.Endpoint))
	}
	e, err := job.Args.event()
	if err != nil {
		return river.JobCancel(err)
	}
	res, err := c.Deliver(ctx, e)
	if err == nil {
		return river.RecordOutput(ctx, TestOutput{StatusCode: res.StatusCode, Millis: res.Duration.Milliseconds()})
	}
	v := integrations.Classify(err)
	switch v.Action {
	case integrations.Retry:
		if job.Attempt >= min(w.s.maxAttempts, job.MaxAttempts) {
			return err // River keeps the job, discarded
		}
		var retryAfter time.Duration
		if de := deliveryError(err); de != nil {
			retryAfter = de.RetryAfter
		}
		if retryAfter > 0 {
			w.s.retryAfter.Store(job.ID, retryAfter)
		}
		return err
	case integrations.RetryAt:
		return river.JobSnooze(w.s.until(v.At))
	case integrations.Disable:
		return river.JobCancel(fmt.Errorf("%w (a real delivery would disable the endpoint)", err))
	}
	return river.JobCancel(err)
}

func deliveryError(err error) *webhook.DeliveryError {
	var de *webhook.DeliveryError
	if errors.As(err, &de) {
		return de
	}
	return nil
}

// NextRetry follows the webhook schedule, like real deliveries.
func (w *TestWorker) NextRetry(job *river.Job[TestArgs]) time.Time {
	return w.s.nextRetry(job.ID, job.Attempt)
}

// Timeout bounds one attempt.
func (w *TestWorker) Timeout(*river.Job[TestArgs]) time.Duration { return jobTimeout }

// TestRequest asks for a sample event of Type to Endpoint.
type TestRequest struct {
	Endpoint string
	Type     pacertype.EventType
}

// TestAttempt is a failed attempt of a test delivery.
type TestAttempt struct {
	Endpoint string    `json:"endpoint"`
	Attempt  int       `json:"attempt"`
	At       time.Time `json:"at"`
	Error    string    `json:"error"`
}

// TestResult is where a test delivery stands when SendTest returns.
type TestResult struct {
	Endpoint string              `json:"endpoint"`
	Type     pacertype.EventType `json:"type"`
	// EventID is the sample's id, the webhook-id the receiver saw.
	EventID string `json:"event_id"`
	// JobID is the River job, which goes on retrying after SendTest
	// returns when it is not finished (in `pacer serve`).
	JobID int64 `json:"job_id"`
	// Delivered reports a 2xx answer, StatusCode and Millis describe it.
	Delivered  bool  `json:"delivered"`
	StatusCode int   `json:"status_code,omitempty"`
	Millis     int64 `json:"duration_ms,omitempty"`
	// Final reports that no attempt will follow.
	Final bool `json:"final"`
	// Failures are the failed attempts, the last one last.
	Failures []TestAttempt `json:"failures,omitempty"`
	// NextAttemptAt is when the next attempt is due, when not final.
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
}

// ErrUnknownEndpoint is returned by SendTest for an endpoint the
// configuration does not have.
var ErrUnknownEndpoint = errors.New("delivery: unknown webhook endpoint")

// SendTest sends sample events through the delivery path: one webhook.test
// job per request, worked by a River client of its own that works nothing
// but those jobs (it never leads: `pacer serve`, when running, keeps its
// periodic jobs). It waits up to wait for each to be delivered or to fail
// for good, reporting each failed attempt to progress as it happens. A test
// still retrying when SendTest returns goes on in `pacer serve`.
func (s *Service) SendTest(ctx context.Context, reqs []TestRequest, wait time.Duration, progress func(TestAttempt)) ([]TestResult, error) {
	for _, r := range reqs {
		if s.webhooks[r.Endpoint] == nil {
			return nil, fmt.Errorf("%w %q: the configured endpoints are %v", ErrUnknownEndpoint, r.Endpoint, s.EndpointNames())
		}
		if !r.Type.Public() {
			_, err := integrations.ParseType(string(r.Type))
			return nil, err
		}
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, s.TestWorker())
	client, err := s.store.NewJobClient(&river.Config{
		Workers:                workers,
		Queues:                 map[string]river.QueueConfig{QueueWebhookTest: {MaxWorkers: 2}},
		LeaderElectionDisabled: true,
		FetchOnlyKnownKinds:    true,
		FetchPollInterval:      100 * time.Millisecond,
		FetchCooldown:          10 * time.Millisecond,
		Logger:                 s.log,
	})
	if err != nil {
		return nil, err
	}
	results := make([]TestResult, len(reqs))
	now := s.now().UTC()
	for i, r := range reqs {
		args := TestArgs{Endpoint: r.Endpoint, Type: string(r.Type), EventID: integrations.NewID(), At: now}
		res, err := client.Insert(ctx, args, &river.InsertOpts{Queue: QueueWebhookTest, MaxAttempts: s.maxAttempts})
		if err != nil {
			return nil, fmt.Errorf("delivery: queue the test of %s: %w", r.Endpoint, err)
		}
		results[i] = TestResult{Endpoint: r.Endpoint, Type: r.Type, EventID: args.EventID, JobID: res.Job.ID}
	}
	runCtx, cancelRun := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRun()
	if err := client.Start(runCtx); err != nil {
		return nil, fmt.Errorf("delivery: start the test deliveries: %w", err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if client.Stop(stopCtx) != nil {
			_ = client.StopAndCancel(context.Background())
		}
	}()
	deadline := time.Now().Add(wait)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		pending := 0
		for i := range results {
			r := &results[i]
			if r.Final {
				continue
			}
			job, err := client.JobGet(ctx, r.JobID)
			if err != nil {
				return results, fmt.Errorf("delivery: read the test of %s: %w", r.Endpoint, err)
			}
			for _, e := range job.Errors[len(r.Failures):] {
				a := TestAttempt{Endpoint: r.Endpoint, Attempt: e.Attempt, At: e.At, Error: e.Error}
				r.Failures = append(r.Failures, a)
				if progress != nil {
					progress(a)
				}
			}
			switch job.State {
			case rivertype.JobStateCompleted:
				var out TestOutput
				_ = json.Unmarshal(job.Output(), &out)
				r.Delivered, r.Final, r.StatusCode, r.Millis = true, true, out.StatusCode, out.Millis
			case rivertype.JobStateCancelled, rivertype.JobStateDiscarded:
				r.Final = true
			default:
				at := job.ScheduledAt
				r.NextAttemptAt = &at
				pending++
			}
			if r.Final {
				r.NextAttemptAt = nil
			}
		}
		if pending == 0 || time.Now().After(deadline) {
			return results, nil
		}
		select {
		case <-ctx.Done():
			return results, ctx.Err()
		case <-tick.C:
		}
	}
}

// EndpointNames returns the configured webhook endpoints, sorted.
func (s *Service) EndpointNames() []string {
	names := make([]string, 0, len(s.webhooks))
	for n := range s.webhooks {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// EndpointTypes returns the event types an endpoint subscribes to, in
// configuration order.
func (s *Service) EndpointTypes(name string) []pacertype.EventType {
	for _, w := range s.cfg.Webhooks {
		if w.Name == name {
			out := make([]pacertype.EventType, 0, len(w.Events))
			for _, e := range w.Events {
				if t := pacertype.EventType(e); t.Public() {
					out = append(out, t)
				}
			}
			return out
		}
	}
	return nil
}
