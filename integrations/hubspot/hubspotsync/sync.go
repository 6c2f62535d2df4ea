package hubspotsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"github.com/pacerhq/pacer/integrations"
	"github.com/pacerhq/pacer/integrations/delivery"
	"github.com/pacerhq/pacer/integrations/hubspot"
	"github.com/pacerhq/pacer/models"
)

// claimLimit is the most updates one sync round takes.
const claimLimit = 1000

// maxRounds bounds the rounds of one sync job; the job then snoozes for an
// instant, letting other jobs of the queue run.
const maxRounds = 20

// Args is the hubspot.sync job: it syncs the due HubSpot updates. It is
// unique per debounce period, so that the updates of a burst of events
// share one sync; the sync itself waits (Hold) for updates short of a full
// batch.
type Args struct{}

// Kind names the job.
func (Args) Kind() string { return "hubspot.sync" }

// syncUniqueStates are the states in which a hubspot.sync job absorbs a
// new one of its period: River requires these four, and a completed one
// must not absorb anything.
var syncUniqueStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateScheduled, rivertype.JobStateRetryable,
}

// syncInsertOpts makes a sync available at once (a job scheduled for later
// waits for River's scheduler, which runs every 5 s), unique per debounce
// period.
func (s *Service) syncInsertOpts() *river.InsertOpts {
	return &river.InsertOpts{
		Queue:      QueueName,
		UniqueOpts: river.UniqueOpts{ByPeriod: s.debounce, ByState: syncUniqueStates},
	}
}

// Worker works the hubspot.sync job.
type Worker struct {
	river.WorkerDefaults[Args]
	s *Service
}

// Work syncs the due HubSpot updates.
func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	return w.s.syncHubSpot(ctx, job.CreatedAt)
}

// Timeout bounds one sync.
func (w *Worker) Timeout(*river.Job[Args]) time.Duration { return syncTimeout }

// shortSnooze is the longest snooze that keeps a job available: River's
// scheduler, which runs every 5 s, wakes longer ones.
const shortSnooze = 5 * time.Second

// bucketMargin covers the gap between the time River computed a job's
// unique period from and the job's created_at.
const bucketMargin = 250 * time.Millisecond

// syncHubSpot runs sync rounds while updates are due. Due updates that fill
// no batch of 100 wait for more, up to Hold after the oldest became due.
//
// A job of the current debounce period absorbs the syncs that updates of
// the same period ask for, even while it runs: it must not end before its
// period does, or an update queued after its last look would wait for the
// minutely sync.
func (s *Service) syncHubSpot(ctx context.Context, createdAt time.Time) error {
	periodEnd := createdAt.UTC().Truncate(s.debounce).Add(s.debounce + bucketMargin)
	for range maxRounds {
		now := s.now().UTC()
		until, err := s.deliveries.PausedUntil(ctx, models.DestinationHubSpot, now)
		if err != nil {
			return err
		}
		if !until.IsZero() {
			return s.syncAgainAt(ctx, now, periodEnd, until)
		}
		due, oldest, next, err := s.dueUpdates(ctx, now)
		if err != nil {
			return err
		}
		if due == 0 {
			return s.syncAgainAt(ctx, now, periodEnd, next)
		}
		limit := min(due, claimLimit)
		if s.hold > 0 && now.Sub(oldest) < s.hold {
			limit -= limit % hubspot.MaxBatchSize
			if limit == 0 {
				return s.syncAgainAt(ctx, now, periodEnd, oldest.Add(s.hold))
			}
		}
		rows, token, err := s.claim(ctx, now, limit)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return s.syncAgainAt(ctx, now, periodEnd, time.Time{}) // another sync took them
		}
		if err := s.syncRound(ctx, rows, token); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return river.JobSnooze(0)
}

// syncAgainAt ends a sync that has nothing to do before at (zero: before
// new updates come): a short wait is a snooze; a longer one a sync
// scheduled for at (unique per period, so that many waiting syncs schedule
// one), once this job's period is over.
func (s *Service) syncAgainAt(ctx context.Context, now, periodEnd, at time.Time) error {
	if !at.IsZero() && at.Sub(now) <= shortSnooze {
		return river.JobSnooze(max(at.Sub(now), delivery.MinWait))
	}
	if now.Before(periodEnd) {
		return river.JobSnooze(periodEnd.Sub(now))
	}
	if at.IsZero() {
		return nil
	}
	opts := s.syncInsertOpts()
	opts.ScheduledAt = at
	return s.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return s.store.InsertJob(ctx, tx, Args{}, opts)
	})
}

// dueUpdates counts the updates due at now that no sync holds, with the
// oldest time one became due, and the time the next one not yet due will be.
func (s *Service) dueUpdates(ctx context.Context, now time.Time) (due int, oldest, next time.Time, err error) {
	db := s.store.DB.WithContext(ctx).Model(&Update{}).
		Where("state IN ? AND (lease_until IS NULL OR lease_until < ?)", unfinished, now)
	var n int64
	if err := db.Session(&gorm.Session{}).Where("next_at <= ?", now).Count(&n).Error; err != nil {
		return 0, oldest, next, fmt.Errorf("hubspotsync: count due HubSpot updates: %w", err)
	}
	var first Update
	q := db.Session(&gorm.Session{}).Order("next_at").Limit(1)
	if n == 0 {
		q = q.Where("next_at > ?", now)
	}
	if err := q.Find(&first).Error; err != nil {
		return 0, oldest, next, fmt.Errorf("hubspotsync: read due HubSpot updates: %w", err)
	}
	if n == 0 {
		return 0, oldest, first.NextAt, nil
	}
	return int(n), first.NextAt, next, nil
}

// claim leases up to limit due updates, the oldest first, and reads them,
// in one transaction. It is not interrupted by a shutdown: a transaction
// cancelled while it commits may commit all the same, and the rows would
// stay leased unknown to anyone; once claimed, the round releases them
// whatever happens. Two syncs never hold the same row: the outer WHERE is
// checked again on the locked row.
func (s *Service) claim(ctx context.Context, now time.Time, limit int) ([]*Update, string, error) {
	ctx, cancel := delivery.Bookkeeping(ctx)
	defer cancel()
	token := uuid.NewString()
	states := unfinished
	var rows []*Update
	err := s.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Exec(`UPDATE hubspot_updates SET lease_owner = ?, lease_until = ?
WHERE id IN (SELECT id FROM hubspot_updates WHERE state IN ? AND next_at <= ? AND (lease_until IS NULL OR lease_until < ?) ORDER BY id LIMIT ?)
AND state IN ? AND (lease_until IS NULL OR lease_until < ?)`,
			token, now.Add(s.lease), states, now, now, limit, states, now).Error
		if err != nil {
			return err
		}
		return tx.Where("lease_owner = ?", token).Order("id").Find(&rows).Error
	})
	if err != nil {
		return nil, "", fmt.Errorf("hubspotsync: claim HubSpot updates: %w", err)
	}
	return rows, token, nil
}

// syncRound upserts the contacts of the claimed updates, creates their
// notes, sets their lifecycle stages and writes every outcome back.
func (s *Service) syncRound(ctx context.Context, rows []*Update, token string) error {
	s.upsertContacts(ctx, rows)
	s.addNotes(ctx, rows, token)
	s.setStages(ctx, rows)
	if s.log.Enabled(ctx, slog.LevelDebug) {
		counts := map[string]int{}
		failed := 0
		for _, r := range rows {
			counts[r.State]++
			if r.failed {
				failed++
			}
		}
		s.log.LogAttrs(ctx, slog.LevelDebug, "hubspot sync round", slog.Int("updates", len(rows)),
			slog.Int("done", counts[updateDone]), slog.Int("awaiting_note", counts[updateNote]),
			slog.Int("awaiting_stage", counts[updateStage]), slog.Int("awaiting_contact", counts[updatePending]),
			slog.Int("dead", counts[updateDead]), slog.Int("failed", failed))
	}
	return s.writeBack(ctx, rows, token)
}

// upsertContacts upserts the contacts of the updates that wait for theirs,
// coalesced, and moves each update on to its next step.
func (s *Service) upsertContacts(ctx context.Context, rows []*Update) {
	var updates []hubspot.ContactUpdate
	for _, r := range rows {
		if r.State == updatePending {
			updates = append(updates, r.update())
		}
	}
	if len(updates) == 0 {
		return
	}
	rep, err := s.hubspot.SyncContacts(ctx, updates)
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "hubspot sync stopped", slog.Int("updates", len(updates)), slog.String("error", err.Error()))
		s.pauseOnRateLimit(ctx, err)
	}
	for _, r := range rows {
		if r.State != updatePending {
			continue
		}
		res, ok := rep.Results[r.ref()]
		switch {
		case !ok:
			s.fail(r, fmt.Errorf("hubspotsync: HubSpot sync gave no result for update %d", r.ID))
		case res.Err != nil:
			s.fail(r, res.Err)
		default:
			r.ContactID = res.ContactID
			r.State = r.stateAfter(updatePending)
		}
	}
}

// fail records a failed attempt of an update, after integrations.Classify:
// a retry on the schedule, a wait for a rate limit (not counted as an
// attempt), or a dead letter.
func (s *Service) fail(r *Update, err error) {
	now := s.now().UTC()
	r.failed = true
	r.LastError = delivery.Reason(err)
	if errors.Is(err, context.Canceled) {
		r.NextAt = now // stopped by a shutdown: not an attempt
		return
	}
	v := integrations.Classify(err)
	switch v.Action {
	case integrations.Retry:
		r.Attempts++
		if r.Attempts >= s.maxAttempts {
			r.State = updateDead
			return
		}
		if r.NoteSentAt != nil && r.NoteID == "" {
			// The note may exist: the retry looks for it, once HubSpot's
			// search index, a few seconds behind writes, has caught up.
			r.NextAt = now.Add(s.retryDelay(max(r.Attempts, 2), 0))
			return
		}
		r.NextAt = now.Add(s.retryDelay(r.Attempts, 0))
	case integrations.RetryAt, integrations.PauseUntil:
		// Never at once: a row due again at once would spin.
		r.NextAt = v.At.UTC()
		if r.NextAt.Before(now.Add(delivery.MinWait)) {
			r.NextAt = now.Add(delivery.MinWait)
		}
	default:
		r.State = updateDead
	}
}

// pauseOnRateLimit pauses the sync until a rate limit that stopped it
// lifts (HubSpot's daily limit, or a burst the client would not wait out),
// so that no sync calls HubSpot in vain meanwhile, across restarts too.
func (s *Service) pauseOnRateLimit(ctx context.Context, err error) {
	var rl *hubspot.RateLimitError
	if !errors.As(err, &rl) || !rl.At.After(s.now()) {
		return
	}
	if err := s.deliveries.Pause(ctx, models.DestinationHubSpot, rl.At, rl.Error()); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "cannot record the HubSpot pause", slog.String("error", err.Error()))
	}
}

// writeBack stores the outcome of a round and releases the rows: one
// transaction, with the dead letters and one alert for all of them.
func (s *Service) writeBack(ctx context.Context, rows []*Update, token string) error {
	ctx, cancel := delivery.Bookkeeping(ctx)
	defer cancel()
	now := s.now().UTC()
	var done []string
	err := s.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var dead []delivery.Letter
		for _, r := range rows {
			res := tx.Model(&Update{}).Where("id = ? AND lease_owner = ?", r.ID, token).Updates(map[string]any{
				"state": r.State, "contact_id": r.ContactID, "note_id": r.NoteID, "note_sent_at": r.NoteSentAt,
				"attempts": r.Attempts, "next_at": r.NextAt, "last_error": r.LastError,
				"lease_owner": "", "lease_until": nil, "updated_at": now,
			})
			if res.Error != nil {
				return fmt.Errorf("hubspotsync: write back HubSpot update %d: %w", r.ID, res.Error)
			}
			if res.RowsAffected == 0 {
				continue // another sync took it over
			}
			switch r.State {
			case updateDead:
				dead = append(dead, delivery.Letter{EventID: r.EventID, Attempts: r.Attempts, Reason: r.LastError})
			case updateDone:
				done = append(done, r.EventID)
			}
		}
		return s.deliveries.KeepDeadLetters(ctx, tx, models.DestinationHubSpot, "HubSpot updates", dead)
	})
	if err != nil {
		return err
	}
	return s.deliveries.Resolved(ctx, models.DestinationHubSpot, done...)
}

// errLeaseLost means another sync took the rows over.
var errLeaseLost = errors.New("hubspotsync: the rows' lease was lost")
