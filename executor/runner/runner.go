package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/quota"
)

// Action states, as the store keeps them.
const (
	stateScheduled = models.ActionScheduled
	stateInFlight  = models.ActionInFlight
)

// Chore targets (actions.target): what a scan reads, why a withdrawal is
// made.
const (
	// TargetConnections is a scan of the account's recent connections, to
	// find accepted invitations.
	TargetConnections = "connections"
	// TargetSent is a scan of the account's sent invitations, to find stale
	// ones.
	TargetSent = "sent"
	// TargetStale is the withdrawal of an invitation left pending for 21
	// days.
	TargetStale = "stale"
	// TargetMessages is a scan of the account's messaging list, to find
	// the prospects who replied.
	TargetMessages = "messages"
)

// Defaults of Options.
const (
	DefaultLeaseTTL     = time.Minute
	DefaultPollInterval = 30 * time.Second
	DefaultHoldFor      = 30 * time.Second
	DefaultAttempts     = 3
	DefaultBackoff      = time.Minute
	DefaultRecheckAfter = time.Hour
	DefaultDrainTimeout = 6 * time.Second // a slow invitation still finishes within serve's 9 s shutdown budget
	DefaultScanEvery    = 3 * time.Hour
	DefaultSweepEvery   = 24 * time.Hour
	// StaleAfter is how long an invitation stays pending before the runner
	// withdraws it (as the sent-invitations page states its age).
	StaleAfter = 21 * 24 * time.Hour
	// withdrawalsPerSweep bounds the withdrawals one sweep queues: LinkedIn's
	// advice (and the quota) is at most 20 a day.
	withdrawalsPerSweep = 20
)

// Options tune a Runner. The zero value is ready for production.
type Options struct {
	// Owner names the runner in the leases it takes; empty derives a name
	// from the host, the process and a random suffix.
	Owner string
	// Concurrency is how many accounts may act at once (browser contexts);
	// zero means the configuration's linkedin.concurrency.
	Concurrency int
	// LeaseTTL is how long an account's lease lasts unless renewed; the
	// runner renews it every third of it while it acts, and stops acting
	// before it lapses. Default DefaultLeaseTTL.
	LeaseTTL time.Duration
	// PollInterval caps how long the runner sleeps before it looks for due
	// actions again (new approvals come in between). Default
	// DefaultPollInterval.
	PollInterval time.Duration
	// HoldFor is how long an account keeps its lease and browser context
	// waiting for its next slot; a longer wait gives both back. Default
	// DefaultHoldFor.
	HoldFor time.Duration
	// Attempts is how many times an action that fails transiently is tried
	// before it fails for good. Default DefaultAttempts.
	Attempts int
	// Backoff is the wait before the second attempt; it doubles with each
	// one. Default DefaultBackoff.
	Backoff time.Duration
	// RecheckAfter is how long an action waits when a limit refuses it
	// without saying when it frees up (the acceptance guard, the pending
	// stop). Default DefaultRecheckAfter.
	RecheckAfter time.Duration
	// DrainTimeout is how long the action in progress may take to finish
	// once Run's context ends; it is then recorded. Default
	// DefaultDrainTimeout.
	DrainTimeout time.Duration
	// WaitScale shrinks the waits between a prospect's steps ("wait 1d"):
	// 1 (the default) keeps them; 1.0/1440 makes a day a minute, for
	// demos on the simulator.
	WaitScale float64
	// Simulated lets an account without a stored session act with a
	// session the simulator accepts (its name, plus "premium" for a paid
	// plan, so that the simulator shows the matching note counter).
	Simulated bool
	// ScanEvery and SweepEvery are the periods of the periodic jobs that
	// queue acceptance and reply scans (every ScanEvery) and
	// stale-invitation sweeps (every SweepEvery). Defaults DefaultScanEvery
	// and DefaultSweepEvery.
	ScanEvery  time.Duration
	SweepEvery time.Duration
	// Now is the clock; nil uses time.Now.
	Now func() time.Time
	// Logger receives one line per action, never a cookie; nil discards.
	Logger *slog.Logger
}

// Runner takes approved actions when they are due, reserves their quota,
// drives the site adapter and records what happened. Any number of
// runners, in any number of processes, may share one store: each account
// is acted for by one runner at a time.
type Runner struct {
	store *models.Store
	cfg   *config.Config
	quota *quota.Engine
	site  executor.Site
	opts  Options
	key   []byte
	log   *slog.Logger
	owner string

	mu   sync.Mutex
	busy map[int64]bool
	// notBefore holds accounts back after a failure (a browser that does
	// not start, a database error).
	notBefore map[int64]time.Time
	// waits holds, per account, the kinds of action waiting for their slot
	// and when it comes; other kinds are not held back by them.
	waits map[int64]map[string]time.Time
	wake  chan struct{}
}

// New returns a runner acting through site for the accounts of cfg, with
// their quota counted by engine (which must use the same store).
func New(store *models.Store, cfg *config.Config, engine *quota.Engine, site executor.Site, opts Options) (*Runner, error) {
	key, err := cfg.SecretKeyBytes()
	if err != nil {
		return nil, err
	}
	if opts.Owner == "" {
		opts.Owner = newOwner()
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = cfg.LinkedIn.Concurrency
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = config.DefaultConcurrency
	}
	setDefault(&opts.LeaseTTL, DefaultLeaseTTL)
	setDefault(&opts.PollInterval, DefaultPollInterval)
	setDefault(&opts.HoldFor, DefaultHoldFor)
	setDefault(&opts.Backoff, DefaultBackoff)
	setDefault(&opts.RecheckAfter, DefaultRecheckAfter)
	setDefault(&opts.DrainTimeout, DefaultDrainTimeout)
	setDefault(&opts.ScanEvery, DefaultScanEvery)
	setDefault(&opts.SweepEvery, DefaultSweepEvery)
	if opts.Attempts <= 0 {
		opts.Attempts = DefaultAttempts
	}
	if opts.WaitScale <= 0 {
		opts.WaitScale = 1
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Runner{
		store: store, cfg: cfg, quota: engine, site: site, opts: opts, key: key,
		log: opts.Logger, owner: opts.Owner,
		busy: map[int64]bool{}, notBefore: map[int64]time.Time{}, waits: map[int64]map[string]time.Time{},
		wake: make(chan struct{}, 1),
	}, nil
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d <= 0 {
		*d = v
	}
}

// Owner returns the name the runner takes leases under.
func (r *Runner) Owner() string { return r.owner }

// now reads the clock in UTC, to the microsecond both stores keep.
func (r *Runner) now() time.Time { return r.opts.Now().UTC().Truncate(time.Microsecond) }

// Wake makes the runner look for due actions now rather than at its next
// planned time, for callers that just scheduled some.
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run claims and carries out due actions until ctx ends. It then stops
// claiming, lets each action in progress finish (for at most DrainTimeout)
// and records it, gives the leases back and returns nil.
func (r *Runner) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	var lastExpiry time.Time
	for {
		if ctx.Err() != nil {
			return nil
		}
		now := r.now()
		if now.Sub(lastExpiry) >= time.Minute {
			// Reservations whose outcome never came count as used; settle
			// them so that nothing can give them back later.
			if _, err := r.quota.ExpireReservations(ctx); err != nil && ctx.Err() == nil {
				r.log.Warn("runner: settle expired reservations", slog.String("error", err.Error()))
			}
			lastExpiry = now
		}
		next, err := r.dispatch(ctx, &wg, now)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			r.log.Warn("runner: look for due actions", slog.String("error", err.Error()))
		}
		wait := min(next.Sub(r.now()), r.opts.PollInterval)
		wait = max(wait, 20*time.Millisecond)
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		case <-r.wake:
			timer.Stop()
		}
	}
}

// dispatch starts a worker for each account with due work whose lease is
// free, up to the concurrency, and returns when it should look again.
func (r *Runner) dispatch(ctx context.Context, wg *sync.WaitGroup, now time.Time) (time.Time, error) {
	next := now.Add(r.opts.PollInterval)
	accounts, err := r.accountsWithWork(ctx)
	if err != nil || len(accounts) == 0 {
		return next, err
	}
	// Leases end on the database's clock, whichever node took them.
	dbNow, err := r.store.Now(ctx)
	if err != nil {
		return next, err
	}
	due, next, err := r.dueAccounts(ctx, accounts, now, dbNow, next)
	if err != nil {
		return next, err
	}
	return next, r.startWorkers(ctx, wg, due)
}

// dueAccount is an account whose work is due and whose lease is free.
type dueAccount struct {
	lease leaseRow
	due   time.Time
}

// dueAccounts returns the accounts whose work is due now and whose lease
// is free, earliest due first, and next brought forward to when the first
// of the others is due or its lease ends.
func (r *Runner) dueAccounts(ctx context.Context, accounts []leaseRow, now, dbNow, next time.Time) ([]dueAccount, time.Time, error) {
	var due []dueAccount
	for _, a := range accounts {
		at, ok, err := r.dueAt(ctx, a, now)
		if err != nil {
			return nil, next, err
		}
		if !ok {
			continue
		}
		if at.After(now) {
			next = minTime(next, at)
			continue
		}
		if !a.free(dbNow) {
			if a.LeaseUntil != nil {
				next = minTime(next, now.Add(a.LeaseUntil.Sub(dbNow)))
			}
			continue
		}
		due = append(due, dueAccount{a, at})
	}
	slices.SortStableFunc(due, func(a, b dueAccount) int { return a.due.Compare(b.due) })
	return due, next, nil
}

// dueAt returns when the account's next work is due: its next due action,
// or the slot a kind it waits for comes, and not before a restriction ends
// or the time its last worker said to come back. It reports false for an
// account with nothing to do, a worker already on it, or no configuration
// (the quota engine cannot count for it).
func (r *Runner) dueAt(ctx context.Context, a leaseRow, now time.Time) (time.Time, bool, error) {
	if _, ok := r.cfg.Account(a.Name); !ok {
		return time.Time{}, false, nil
	}
	r.mu.Lock()
	busy, nb, waits := r.busy[a.ID], r.notBefore[a.ID], r.waits[a.ID]
	r.mu.Unlock()
	if busy {
		return time.Time{}, false, nil
	}
	waiting := make([]string, 0, len(waits))
	for kind := range waits {
		waiting = append(waiting, kind)
	}
	at, ok, err := r.nextDue(ctx, r.store.DB, a.ID, now, waiting)
	if err != nil {
		return time.Time{}, false, err
	}
	for _, t := range waits {
		if !ok || t.Before(at) {
			at, ok = t, true
		}
	}
	if !ok {
		return time.Time{}, false, nil
	}
	if a.State == models.AccountRestricted && a.RestrictedUntil != nil && a.RestrictedUntil.After(at) {
		at = *a.RestrictedUntil
	}
	if nb.After(at) {
		at = nb
	}
	return at, true, nil
}

// startWorkers takes the lease of each due account and starts its worker,
// until the runner is at its concurrency.
func (r *Runner) startWorkers(ctx context.Context, wg *sync.WaitGroup, due []dueAccount) error {
	for _, c := range due {
		r.mu.Lock()
		full := len(r.busy) >= r.opts.Concurrency
		r.mu.Unlock()
		if full {
			break // a worker that ends wakes the loop
		}
		until, ok, err := r.acquire(ctx, c.lease)
		if err != nil {
			return err
		}
		if !ok {
			continue // another runner took it first
		}
		r.mu.Lock()
		r.busy[c.lease.ID] = true
		delete(r.notBefore, c.lease.ID)
		delete(r.waits, c.lease.ID)
		r.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.work(ctx, c.lease, until)
		}()
	}
	return nil
}

// finished marks an account's worker done: the account is not looked at
// again before notBefore (zero: at once), nor for the kinds in waits
// before their slots.
func (r *Runner) finished(accountID int64, notBefore time.Time, waits map[string]time.Time) {
	r.mu.Lock()
	delete(r.busy, accountID)
	if !notBefore.IsZero() {
		r.notBefore[accountID] = notBefore
	}
	if len(waits) > 0 {
		r.waits[accountID] = waits
	}
	r.mu.Unlock()
	r.Wake()
}

// accountsWithWork lists the accounts that may act (active, or restricted
// with an end) and have actions scheduled or in flight.
func (r *Runner) accountsWithWork(ctx context.Context) ([]leaseRow, error) {
	var rows []leaseRow
	err := r.store.DB.WithContext(ctx).Table("accounts").
		Select("id, name, plan, state, restricted_until, lease_owner, lease_until").
		Where("state = ? OR (state = ? AND restricted_until IS NOT NULL)", models.AccountActive, models.AccountRestricted).
		Where("id IN (SELECT account_id FROM actions WHERE state IN ?)", []string{stateScheduled, stateInFlight}).
		Order("id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("runner: read the accounts with work: %w", err)
	}
	return rows, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// errLost is returned when an action or a lease is no longer the runner's:
// another runner took it over after this one's lease lapsed.
var errLost = errors.New("runner: the lease was lost")
