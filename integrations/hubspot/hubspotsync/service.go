package hubspotsync

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/integrations/delivery"
	"github.com/pacerhq/pacer/integrations/httpclient"
	"github.com/pacerhq/pacer/integrations/hubspot"
	"github.com/pacerhq/pacer/models"
)

// QueueName is the River queue of the hubspot.sync job. One worker per
// process: syncs share HubSpot's rate limit.
const QueueName = "hubspot"

// Defaults of Options.
const (
	// DefaultDebounce is the period within which new HubSpot updates share
	// one hubspot.sync job.
	DefaultDebounce = 2 * time.Second
	// DefaultHold is how long due HubSpot updates that do not fill a batch of
	// 100 wait for more before they are sent anyway: a lone update reaches
	// HubSpot after it, a burst in batches of 100.
	DefaultHold = 5 * time.Second
	// DefaultLease is how long a sync owns the rows it took; a sync that
	// died gives them back when it expires.
	DefaultLease = 15 * time.Minute
	// syncTimeout bounds one hubspot.sync job.
	syncTimeout = 10 * time.Minute
)

// Options tune a Service. The zero value is production's. The clock, the
// retry schedule and the attempts before a dead letter are the deliveries'
// (delivery.Options).
type Options struct {
	// Logger receives the log lines (slog.Default() when nil).
	Logger *slog.Logger
	// Version is Pacer's version, for the User-Agent.
	Version string
	// Client replaces the client built from the configuration (tests).
	Client *hubspot.Client
	// Debounce is the period within which HubSpot updates share one
	// hubspot.sync job (DefaultDebounce when zero; at least 1 s, River's
	// smallest unique period).
	Debounce time.Duration
	// Hold is how long due HubSpot updates short of a full batch wait for
	// more (DefaultHold when zero; negative: never).
	Hold time.Duration
	// Lease is how long a sync owns the rows it took (DefaultLease when
	// zero).
	Lease time.Duration
}

// Service syncs the HubSpot updates. Build it with New, register its worker
// with River and give River its queue and periodic job.
type Service struct {
	store      *models.Store
	deliveries *delivery.Service
	hubspot    *hubspot.Client
	log        *slog.Logger
	now        func() time.Time
	replyStage string // hubspot.reply_lifecycle_stage

	retryDelay  func(int, time.Duration) time.Duration
	maxAttempts int
	debounce    time.Duration
	hold        time.Duration
	lease       time.Duration
}

// New returns the Service for a configuration with hubspot.enabled, and
// makes it the outbox of deliveries' "hubspot" destination. Its dead
// letters, pauses and alerts are deliveries'. Its error names what to fix
// in the configuration.
func New(cfg *config.Config, store *models.Store, deliveries *delivery.Service, opts Options) (*Service, error) {
	s := &Service{
		store: store, deliveries: deliveries, hubspot: opts.Client, log: opts.Logger, now: deliveries.Now,
		replyStage: cfg.HubSpot.ReplyLifecycleStage,
		retryDelay: deliveries.RetryDelay, maxAttempts: deliveries.MaxAttempts(),
		debounce: opts.Debounce, hold: opts.Hold, lease: opts.Lease,
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.debounce <= 0 {
		s.debounce = DefaultDebounce
	}
	s.debounce = max(s.debounce, time.Second)
	if s.hold == 0 {
		s.hold = DefaultHold
	}
	if s.lease <= 0 {
		s.lease = DefaultLease
	}
	if s.hubspot == nil {
		c, err := NewClient(cfg, opts.Version, s.log)
		if err != nil {
			return nil, err
		}
		s.hubspot = c
	}
	deliveries.SetOutbox(models.DestinationHubSpot, s)
	return s, nil
}

// NewClient returns the HubSpot client the configuration describes
// (HUBSPOT_TOKEN, HUBSPOT_API_URL), for the Service and `pacer hubspot setup`.
func NewClient(cfg *config.Config, version string, logger *slog.Logger) (*hubspot.Client, error) {
	c, err := hubspot.NewClient(hubspot.Settings{Token: cfg.HubSpot.Token.Value(), BaseURL: cfg.HubSpot.APIURL,
		Options: httpclient.Options{Version: version, Logger: logger}})
	if err != nil {
		return nil, fmt.Errorf("hubspotsync: %w", err)
	}
	return c, nil
}

// Worker returns the worker of the hubspot.sync job.
func (s *Service) Worker() *Worker { return &Worker{s: s} }

// Register adds the worker to workers.
func (s *Service) Register(workers *river.Workers) {
	river.AddWorker(workers, s.Worker())
}

// Queues returns the River queue of the sync.
func (s *Service) Queues() map[string]river.QueueConfig {
	return map[string]river.QueueConfig{QueueName: {MaxWorkers: 1}}
}

// PeriodicJobs returns a minutely hubspot.sync: the safety net that picks up
// updates whose own sync was merged into one that had already started, and
// rows a dead process left leased. River runs it on its leader only.
func (s *Service) PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Minute), func() (river.JobArgs, *river.InsertOpts) {
			return Args{}, s.syncInsertOpts()
		}, &river.PeriodicJobOpts{ID: Args{}.Kind(), RunOnStart: true}),
	}
}

// Backlog counts the HubSpot updates that are not done.
type Backlog struct {
	// Contacts wait for their contact upsert, Notes for their note, Stages
	// for their contact's lifecycle stage.
	Contacts int `json:"contacts"`
	Notes    int `json:"notes"`
	Stages   int `json:"lifecycle_stages"`
	// Retrying is how many of them failed at least once.
	Retrying int `json:"retrying"`
}

// CountBacklog counts the HubSpot updates waiting for a sync, for `pacer
// deliveries list`.
func CountBacklog(ctx context.Context, store *models.Store) (Backlog, error) {
	var rows []struct {
		State    string
		Retrying int
		N        int
	}
	err := store.DB.WithContext(ctx).Raw(`SELECT state, CASE WHEN attempts > 0 THEN 1 ELSE 0 END AS retrying, COUNT(*) AS n
FROM hubspot_updates WHERE state IN ? GROUP BY 1, 2`, unfinished).Scan(&rows).Error
	if err != nil {
		return Backlog{}, fmt.Errorf("hubspotsync: count HubSpot updates: %w", err)
	}
	var b Backlog
	for _, r := range rows {
		switch r.State {
		case updatePending:
			b.Contacts += r.N
		case updateNote:
			b.Notes += r.N
		case updateStage:
			b.Stages += r.N
		}
		if r.Retrying == 1 {
			b.Retrying += r.N
		}
	}
	return b, nil
}
