package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/integrations"
	"github.com/pacerhq/pacer/integrations/finder"
	"github.com/pacerhq/pacer/integrations/finder/hunter"
	"github.com/pacerhq/pacer/integrations/httpclient"
	"github.com/pacerhq/pacer/integrations/webhook"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
)

// Deliverer delivers a stored event to a destination implemented outside
// this package: the Slack bot's (*bot.Bot).Deliver. Its errors are returned
// to River unchanged, so a river.JobSnooze or river.JobCancel it returns
// keeps its meaning.
type Deliverer interface {
	Deliver(ctx context.Context, eventID string) error
}

// Outbox takes over the deliveries of a destination that sends them in a
// job of its own, batched (HubSpot's sync, integrations/hubspot/hubspotsync):
// Queue keeps the event for that job, in the store, and calls no one. An
// error matching integrations.ErrPermanent makes the delivery a dead
// letter; any other is retried on River's policy.
type Outbox interface {
	Queue(ctx context.Context, ev models.Event) error
}

// River queues of this package's jobs.
const (
	// QueueDeliveries is the queue of every delivery but Slack's
	// (models.DeliveryQueue).
	QueueDeliveries = "deliveries"
	// QueueWebhookTest is the queue of `pacer webhooks test` deliveries, so
	// that the command's own River client works nothing else.
	QueueWebhookTest = "webhook_test"
)

// jobTimeout bounds one delivery job: a webhook attempt takes at most
// webhook.DefaultTimeout; a Hunter search up to 30 s with retries.
const jobTimeout = 2 * time.Minute

// Errors of this package, for errors.Is.
var (
	// ErrNotConfigured means a delivery names a destination the
	// configuration no longer has (a removed webhook endpoint, HubSpot
	// disabled, no HUNTER_API_KEY). It matches integrations.ErrPermanent:
	// the delivery becomes a dead letter, to retry once configured again.
	ErrNotConfigured = integrations.NewSentinel("delivery: destination not configured", integrations.ErrPermanent)
	// ErrDisabled means the webhook endpoint was disabled after answering
	// 410 Gone; `pacer webhooks enable NAME` enables it again.
	ErrDisabled = integrations.NewSentinel("delivery: endpoint disabled", integrations.ErrPermanent)
	// ErrNoEvent means a delivery names an event that does not exist.
	ErrNoEvent = errors.New("delivery: no such event")
)

// Options tune a Service. The zero value is production's.
type Options struct {
	// Slack delivers the events of the "slack" destination; nil leaves them
	// waiting (snoozed) until a process with a Slack bot works them.
	Slack Deliverer
	// Logger receives the log lines (slog.Default() when nil).
	Logger *slog.Logger
	// Version is Pacer's version, for User-Agents.
	Version string
	// Finder replaces the Hunter client built from the configuration
	// (tests).
	Finder finder.Provider
	// WebhookTimeout bounds one webhook attempt (webhook.DefaultTimeout
	// when zero).
	WebhookTimeout time.Duration
	// RetryDelay is the wait after a failed attempt, from the number of
	// failed attempts and the receiver's Retry-After (webhook.RetryDelay when
	// nil). Tests scale it down.
	RetryDelay func(attempt int, retryAfter time.Duration) time.Duration
	// MaxAttempts is the number of attempts of a webhook delivery or a
	// Hunter lookup before it becomes a dead letter (webhook.MaxAttempts
	// when zero).
	MaxAttempts int
	// Now returns the current time (time.Now when nil).
	Now func() time.Time
}

// Service works Pacer's deliveries. Build it with New, register its workers
// with River and give River its queues and periodic jobs.
type Service struct {
	cfg   *config.Config
	store *models.Store
	log   *slog.Logger
	now   func() time.Time
	slack Deliverer

	webhooks map[string]*webhook.Client
	finder   finder.Provider
	outboxes map[string]Outbox

	retryDelay  func(int, time.Duration) time.Duration
	maxAttempts int

	// retryAfter carries a receiver's Retry-After from Work to NextRetry,
	// which River calls right after Work, in the same process, and which
	// sees the job but not its error.
	retryAfter sync.Map // job id → time.Duration
}

// New returns the Service for the configuration: a client per webhook
// endpoint, Hunter's when a campaign finds emails with it. HubSpot's
// deliveries need an Outbox (SetOutbox). Its error names what to fix in the
// configuration.
func New(cfg *config.Config, store *models.Store, opts Options) (*Service, error) {
	s := &Service{
		cfg: cfg, store: store, log: opts.Logger, now: opts.Now, slack: opts.Slack,
		webhooks: make(map[string]*webhook.Client), finder: opts.Finder, outboxes: make(map[string]Outbox),
		retryDelay: opts.RetryDelay, maxAttempts: opts.MaxAttempts,
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.retryDelay == nil {
		s.retryDelay = webhook.RetryDelay
	}
	if s.maxAttempts <= 0 {
		s.maxAttempts = webhook.MaxAttempts
	}
	for _, w := range cfg.Webhooks {
		c, err := webhook.NewClient(webhook.Settings{
			Name: w.Name, URL: w.URL.Value(), Secret: w.Secret.Value(),
			Options: httpclient.Options{Version: opts.Version, Timeout: opts.WebhookTimeout, Logger: s.log, Now: s.now},
		})
		if err != nil {
			return nil, fmt.Errorf("delivery: %w", err)
		}
		s.webhooks[w.Name] = c
	}
	if s.finder == nil && usesHunter(cfg) && cfg.Hunter.APIKey.IsSet() {
		c, err := hunter.NewClient(hunter.Settings{APIKey: cfg.Hunter.APIKey.Value(), BaseURL: cfg.Hunter.APIURL,
			Options: httpclient.Options{Version: opts.Version, Logger: s.log, Now: s.now}})
		if err != nil {
			return nil, fmt.Errorf("delivery: %w", err)
		}
		s.finder = c
	}
	return s, nil
}

// RetryDelay is the wait after a failed attempt (Options.RetryDelay): an
// outbox's rows retry on the deliveries' schedule.
func (s *Service) RetryDelay(attempt int, retryAfter time.Duration) time.Duration {
	return s.retryDelay(attempt, retryAfter)
}

// MaxAttempts is the number of attempts after which a delivery, or an
// outbox's row, becomes a dead letter (Options.MaxAttempts).
func (s *Service) MaxAttempts() int { return s.maxAttempts }

// Now returns the current time on the Service's clock (Options.Now).
func (s *Service) Now() time.Time { return s.now() }

// SetOutbox hands the deliveries to dest to o. Call it before River
// starts working the Service's jobs.
func (s *Service) SetOutbox(dest string, o Outbox) { s.outboxes[dest] = o }

func usesHunter(cfg *config.Config) bool {
	for _, c := range cfg.Campaigns {
		if c.FindEmail == pacertype.FinderHunter {
			return true
		}
	}
	return false
}

// DeliveryWorker returns the worker of models.DeliveryArgs: River's one
// worker for the kind "delivery", whatever the destination.
func (s *Service) DeliveryWorker() *DeliveryWorker { return &DeliveryWorker{s: s} }

// TestWorker returns the worker of `pacer webhooks test` deliveries.
func (s *Service) TestWorker() *TestWorker { return &TestWorker{s: s} }

// Register adds the two workers to workers. River panics when a kind is
// registered twice: register no other worker of models.DeliveryArgs.
func (s *Service) Register(workers *river.Workers) {
	river.AddWorker(workers, s.DeliveryWorker())
	river.AddWorker(workers, s.TestWorker())
}

// Queues returns the River queues the Service's jobs run on. "slack" is
// included only when a Slack Deliverer is set; the bot's own queue settings
// may replace it.
func (s *Service) Queues() map[string]river.QueueConfig {
	q := map[string]river.QueueConfig{
		// Many workers, because a slow receiver holds one for up to 15 s; a
		// short cooldown, because River fetches at most once per cooldown
		// and a backlog would otherwise drain at MaxWorkers per 100 ms.
		QueueDeliveries:  {MaxWorkers: 50, FetchCooldown: 20 * time.Millisecond},
		QueueWebhookTest: {MaxWorkers: 2},
	}
	if s.slack != nil {
		q[models.DeliveryQueue(models.DestinationSlack)] = river.QueueConfig{MaxWorkers: 5}
	}
	return q
}

// DeliveryWorker works models.DeliveryArgs, routing each job by its
// destination.
type DeliveryWorker struct {
	river.WorkerDefaults[models.DeliveryArgs]
	s *Service
}

// Work delivers one event to one destination.
func (w *DeliveryWorker) Work(ctx context.Context, job *river.Job[models.DeliveryArgs]) error {
	return w.s.deliver(ctx, job)
}

// NextRetry schedules the next attempt of a webhook delivery or a Hunter
// lookup on the retry schedule (about three days), or later when the
// receiver's Retry-After asks for more. Other destinations use River's
// policy.
func (w *DeliveryWorker) NextRetry(job *river.Job[models.DeliveryArgs]) time.Time {
	if !scheduled(job.Args.Destination) {
		w.s.retryAfter.Delete(job.ID)
		return time.Time{}
	}
	return w.s.nextRetry(job.ID, job.Attempt)
}

// Timeout bounds one delivery.
func (w *DeliveryWorker) Timeout(*river.Job[models.DeliveryArgs]) time.Duration { return jobTimeout }

// scheduled reports whether a destination's retries follow the webhook
// schedule.
func scheduled(dest string) bool {
	return strings.HasPrefix(dest, webhookPrefix) || dest == models.DestinationHunter
}

const webhookPrefix = "webhook:"

func (s *Service) nextRetry(jobID int64, attempt int) time.Time {
	var retryAfter time.Duration
	if v, ok := s.retryAfter.LoadAndDelete(jobID); ok {
		retryAfter = v.(time.Duration)
	}
	return time.Now().Add(s.retryDelay(attempt, retryAfter))
}

// deliver routes a delivery.
func (s *Service) deliver(ctx context.Context, job *river.Job[models.DeliveryArgs]) error {
	dest := job.Args.Destination
	if dest == models.DestinationSlack {
		return s.deliverSlack(ctx, job)
	}
	ev, err := s.event(ctx, job.Args.EventID)
	if errors.Is(err, ErrNoEvent) {
		s.log.LogAttrs(ctx, slog.LevelWarn, "delivery of a missing event cancelled",
			slog.String("event_id", job.Args.EventID), slog.String("destination", dest))
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if o := s.outboxes[dest]; o != nil {
		return s.queue(ctx, job, ev, o)
	}
	switch {
	case dest == models.DestinationHubSpot:
		return s.giveUp(ctx, job.Attempt, ev, dest,
			fmt.Errorf("%w: HubSpot is not enabled (hubspot.enabled, HUBSPOT_TOKEN); enable it, then run `pacer deliveries retry`", ErrNotConfigured), true)
	case dest == models.DestinationHunter:
		return s.findEmail(ctx, job, ev)
	case strings.HasPrefix(dest, webhookPrefix):
		return s.deliverWebhook(ctx, job, ev, strings.TrimPrefix(dest, webhookPrefix))
	}
	return s.giveUp(ctx, job.Attempt, ev, dest, fmt.Errorf("%w: unknown destination %q", ErrNotConfigured, dest), true)
}

// queue hands a delivery to its destination's outbox.
func (s *Service) queue(ctx context.Context, job *river.Job[models.DeliveryArgs], ev models.Event, o Outbox) error {
	err := o.Queue(ctx, ev)
	if errors.Is(err, integrations.ErrPermanent) {
		return s.giveUp(ctx, job.Attempt, ev, job.Args.Destination, err, true)
	}
	return err
}

// event reads a stored event.
func (s *Service) event(ctx context.Context, id string) (models.Event, error) {
	var ev models.Event
	if err := s.store.DB.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&ev).Error; err != nil {
		return ev, fmt.Errorf("delivery: read event %s: %w", id, err)
	}
	if ev.ID == "" {
		return ev, fmt.Errorf("%w: %s", ErrNoEvent, id)
	}
	return ev, nil
}

// deliverWebhook makes one delivery attempt to a webhook endpoint.
func (s *Service) deliverWebhook(ctx context.Context, job *river.Job[models.DeliveryArgs], ev models.Event, name string) error {
	dest := models.WebhookDestination(name)
	c := s.webhooks[name]
	if c == nil {
		return s.giveUp(ctx, job.Attempt, ev, dest,
			fmt.Errorf("%w: no webhook endpoint named %q is configured; add it back, then run `pacer deliveries retry`", ErrNotConfigured, name), true)
	}
	st, err := s.destinationState(ctx, dest)
	if err != nil {
		return err
	}
	if st.disabled() {
		// Held, not alerted: disabling the endpoint alerted once.
		return s.giveUp(ctx, job.Attempt, ev, dest, fmt.Errorf("%w: %q answered 410 Gone on %s; run `pacer webhooks enable %s`, then `pacer deliveries retry --all`",
			ErrDisabled, name, st.UpdatedAt.UTC().Format(time.RFC3339), name), false)
	}
	e, err := integrations.FromStored(ev)
	if err != nil {
		return s.giveUp(ctx, job.Attempt, ev, dest, fmt.Errorf("%w: %w", integrations.ErrPermanent, err), true)
	}
	res, err := c.Deliver(ctx, e)
	if err != nil {
		var retryAfter time.Duration
		if de := deliveryError(err); de != nil {
			retryAfter = de.RetryAfter
		}
		return s.failed(ctx, job.ID, job.Attempt, job.MaxAttempts, ev, dest, err, retryAfter)
	}
	s.log.LogAttrs(ctx, slog.LevelDebug, "delivered",
		slog.String("destination", dest), slog.String("event_id", ev.ID), slog.Int("status", res.StatusCode), slog.Int("attempt", job.Attempt))
	return s.Resolved(ctx, dest, ev.ID)
}

// deliverSlack hands a delivery to the Slack bot.
func (s *Service) deliverSlack(ctx context.Context, job *river.Job[models.DeliveryArgs]) error {
	if s.slack == nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "no Slack bot in this process: the delivery waits",
			slog.String("event_id", job.Args.EventID))
		return river.JobSnooze(5 * time.Minute)
	}
	err := s.slack.Deliver(ctx, job.Args.EventID)
	if err == nil {
		return s.Resolved(ctx, models.DestinationSlack, job.Args.EventID)
	}
	var snooze *river.JobSnoozeError
	var cancel *river.JobCancelError
	if errors.As(err, &snooze) || errors.As(err, &cancel) || job.Attempt < job.MaxAttempts {
		return err
	}
	// The last attempt: kept as a dead letter, but not alerted in Slack, which
	// is what failed.
	s.log.LogAttrs(ctx, slog.LevelError, "a Slack delivery gave up after every retry",
		slog.String("event_id", job.Args.EventID), slog.Int("attempts", job.Attempt), slog.String("error", err.Error()))
	ev, evErr := s.event(ctx, job.Args.EventID)
	if evErr != nil {
		ev = models.Event{ID: job.Args.EventID}
	}
	if dlErr := s.deadLetter(ctx, letter{event: ev, dest: models.DestinationSlack, attempts: job.Attempt, reason: err.Error()}); dlErr != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "cannot keep the dead letter", slog.String("error", dlErr.Error()))
	}
	return err
}

// failed decides what a failed attempt leads to, after integrations.Classify:
// a retry on the job's schedule (or a dead letter after the last attempt), a
// snooze until a rate limit lifts, a pause with an alert, a dead letter, or a
// disabled endpoint.
func (s *Service) failed(ctx context.Context, jobID int64, attempt, maxAttempts int, ev models.Event, dest string, err error, retryAfter time.Duration) error {
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return err // a shutdown: River makes the job available again, not counted
	}
	v := integrations.Classify(err)
	switch v.Action {
	case integrations.Done:
		return nil
	case integrations.Retry:
		if attempt >= min(s.maxAttempts, maxAttempts) {
			return s.giveUp(ctx, attempt, ev, dest, err, true)
		}
		if retryAfter > 0 {
			s.retryAfter.Store(jobID, retryAfter)
		}
		s.log.LogAttrs(ctx, slog.LevelInfo, "delivery failed; will retry",
			slog.String("destination", dest), slog.String("event_id", ev.ID), slog.Int("attempt", attempt), slog.String("error", err.Error()))
		return err
	case integrations.RetryAt:
		return river.JobSnooze(s.until(v.At))
	case integrations.PauseUntil:
		if perr := s.pauseAndAlert(ctx, ev, dest, v.At, err); perr != nil {
			return perr
		}
		return river.JobSnooze(s.until(v.At))
	case integrations.Disable:
		if derr := s.deadLetter(ctx, letter{event: ev, dest: dest, attempts: attempt, reason: err.Error(), alert: true, disable: true}); derr != nil {
			return derr
		}
		return river.JobCancel(err)
	}
	return s.giveUp(ctx, attempt, ev, dest, err, true)
}

// giveUp keeps the delivery as a dead letter and cancels its job.
func (s *Service) giveUp(ctx context.Context, attempts int, ev models.Event, dest string, err error, alert bool) error {
	if dlErr := s.deadLetter(ctx, letter{event: ev, dest: dest, attempts: attempts, reason: err.Error(), alert: alert}); dlErr != nil {
		return dlErr // retried: the dead letter must not be lost
	}
	s.log.LogAttrs(ctx, slog.LevelWarn, "delivery kept as a dead letter",
		slog.String("destination", dest), slog.String("event_id", ev.ID), slog.Int("attempts", attempts), slog.String("error", err.Error()))
	return river.JobCancel(err)
}

// MinWait is the shortest wait for a time a destination named: a wait that
// ends at once would spin.
const MinWait = 100 * time.Millisecond

// until is the snooze that lasts until t, at least MinWait.
func (s *Service) until(t time.Time) time.Duration {
	return max(t.Sub(s.now()), MinWait)
}

// Bookkeeping returns a context for the writes that record an outcome: they
// must happen even when the job's context just ran out.
func Bookkeeping(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}
