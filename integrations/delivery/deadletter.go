package delivery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/pacerhq/pacer/models"
)

// ListDeadLetters returns the open dead letters, oldest first; with all,
// also those retried or resolved.
func ListDeadLetters(ctx context.Context, store *models.Store, all bool) ([]DeadLetter, error) {
	q := store.DB.WithContext(ctx).Order("id")
	if !all {
		q = q.Where("retried_at IS NULL AND resolved_at IS NULL")
	}
	var out []DeadLetter
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("delivery: list dead letters: %w", err)
	}
	return out, nil
}

// DeadLetterCount returns the number of open dead letters, for the Slack
// digest.
func DeadLetterCount(ctx context.Context, store *models.Store) (int, error) {
	var n int64
	err := store.DB.WithContext(ctx).Model(&DeadLetter{}).Where("retried_at IS NULL AND resolved_at IS NULL").Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("delivery: count dead letters: %w", err)
	}
	return int(n), nil
}

// Backlog counts the deliveries of one destination that are not done.
type Backlog struct {
	Destination string `json:"destination"`
	// Pending deliveries were not attempted yet.
	Pending int `json:"pending"`
	// Retrying deliveries failed at least once and will be tried again.
	Retrying int `json:"retrying"`
	// Running deliveries are being attempted now.
	Running int `json:"running"`
	// Discarded deliveries are jobs River gave up on without a dead letter
	// (a crash or a panic on the last attempt); River keeps them.
	Discarded int `json:"discarded"`
}

// Backlogs counts the delivery jobs not done, per destination (from
// River's river_job table). An outbox's own backlog is its own to count
// (hubspotsync.CountBacklog).
func Backlogs(ctx context.Context, store *models.Store) ([]Backlog, error) {
	dest := "args->>'destination'"
	if store.Dialect == models.DialectSQLite {
		dest = "json_extract(args, '$.destination')"
	}
	var rows []struct {
		Dest   string
		State  string
		Failed int
		N      int
	}
	err := store.DB.WithContext(ctx).Raw(`SELECT `+dest+` AS dest, state, CASE WHEN attempt > 0 THEN 1 ELSE 0 END AS failed, COUNT(*) AS n
FROM river_job WHERE kind = ? AND state IN ? GROUP BY 1, 2, 3`,
		models.DeliveryArgs{}.Kind(), []string{"available", "scheduled", "pending", "retryable", "running", "discarded"}).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("delivery: count deliveries: %w", err)
	}
	byDest := map[string]*Backlog{}
	for _, r := range rows {
		b := byDest[r.Dest]
		if b == nil {
			b = &Backlog{Destination: r.Dest}
			byDest[r.Dest] = b
		}
		switch {
		case r.State == "running":
			b.Running += r.N
		case r.State == "discarded":
			b.Discarded += r.N
		case r.State == "retryable" || r.Failed == 1:
			b.Retrying += r.N
		default:
			b.Pending += r.N
		}
	}
	out := make([]Backlog, 0, len(byDest))
	for _, b := range byDest {
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b Backlog) int { return strings.Compare(a.Destination, b.Destination) })
	return out, nil
}

// ErrNoDeadLetter is returned by Retry for an id that names no open dead
// letter.
var ErrNoDeadLetter = errors.New("delivery: no open dead letter")

// Skipped is a dead letter Retry left alone, and why.
type Skipped struct {
	DeadLetter
	Reason string `json:"reason"`
}

// RetryResult says what Retry did.
type RetryResult struct {
	// Retried dead letters were queued again.
	Retried []DeadLetter `json:"retried"`
	// Skipped dead letters belong to a disabled endpoint.
	Skipped []Skipped `json:"skipped,omitempty"`
}

// Retry queues the open dead letters with the given ids again (all of them
// with all): each gets a new delivery job for its event and destination and
// is marked retried, in one transaction. A new failure makes a new dead
// letter; a success marks this one resolved. Dead letters of a disabled
// webhook endpoint are skipped: enable it first.
func Retry(ctx context.Context, store *models.Store, ids []int64, all bool) (*RetryResult, error) {
	var letters []DeadLetter
	q := store.DB.WithContext(ctx).Where("retried_at IS NULL AND resolved_at IS NULL").Order("id")
	if !all {
		q = q.Where("id IN ?", ids)
	}
	if err := q.Find(&letters).Error; err != nil {
		return nil, fmt.Errorf("delivery: read dead letters: %w", err)
	}
	if !all {
		for _, id := range ids {
			if !slices.ContainsFunc(letters, func(d DeadLetter) bool { return d.ID == id }) {
				return nil, fmt.Errorf("%w with id %d: see `pacer deliveries list`", ErrNoDeadLetter, id)
			}
		}
	}
	var disabled []string
	if err := store.DB.WithContext(ctx).Model(&destinationState{}).Where("state = ?", stateDisabled).
		Pluck("destination", &disabled).Error; err != nil {
		return nil, fmt.Errorf("delivery: read disabled endpoints: %w", err)
	}
	res := &RetryResult{}
	now := time.Now().UTC()
	for _, d := range letters {
		if slices.Contains(disabled, d.Destination) {
			name := strings.TrimPrefix(d.Destination, webhookPrefix)
			res.Skipped = append(res.Skipped, Skipped{DeadLetter: d,
				Reason: fmt.Sprintf("the endpoint %q is disabled: run `pacer webhooks enable %s` first", name, name)})
			continue
		}
		err := store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			upd := tx.Model(&DeadLetter{}).Where("id = ? AND retried_at IS NULL AND resolved_at IS NULL", d.ID).Update("retried_at", now)
			if upd.Error != nil {
				return fmt.Errorf("delivery: mark dead letter %d retried: %w", d.ID, upd.Error)
			}
			if upd.RowsAffected == 0 {
				return nil // retried meanwhile
			}
			d.RetriedAt = &now
			res.Retried = append(res.Retried, d)
			return store.InsertJob(ctx, tx, models.DeliveryArgs{EventID: d.EventID, Destination: d.Destination},
				&river.InsertOpts{Queue: models.DeliveryQueue(d.Destination)})
		})
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// DisabledEndpoint is a webhook endpoint disabled after a 410.
type DisabledEndpoint struct {
	Name   string    `json:"name"`
	Reason string    `json:"reason"`
	Since  time.Time `json:"since"`
}

// DisabledEndpoints lists the disabled webhook endpoints.
func DisabledEndpoints(ctx context.Context, store *models.Store) ([]DisabledEndpoint, error) {
	var rows []destinationState
	if err := store.DB.WithContext(ctx).Where("state = ? AND destination LIKE ?", stateDisabled, webhookPrefix+"%").
		Order("destination").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("delivery: read disabled endpoints: %w", err)
	}
	out := make([]DisabledEndpoint, len(rows))
	for i, r := range rows {
		out[i] = DisabledEndpoint{Name: strings.TrimPrefix(r.Destination, webhookPrefix), Reason: r.Reason, Since: r.UpdatedAt}
	}
	return out, nil
}

// EnableEndpoint enables a webhook endpoint disabled after a 410. It
// reports whether it was disabled, and how many of its dead letters are
// open (`pacer deliveries retry --all` sends them).
func EnableEndpoint(ctx context.Context, store *models.Store, name string) (wasDisabled bool, held int, err error) {
	dest := models.WebhookDestination(name)
	res := store.DB.WithContext(ctx).Where("destination = ? AND state = ?", dest, stateDisabled).Delete(&destinationState{})
	if res.Error != nil {
		return false, 0, fmt.Errorf("delivery: enable %s: %w", name, res.Error)
	}
	var n int64
	if err := store.DB.WithContext(ctx).Model(&DeadLetter{}).
		Where("destination = ? AND retried_at IS NULL AND resolved_at IS NULL", dest).Count(&n).Error; err != nil {
		return res.RowsAffected > 0, 0, fmt.Errorf("delivery: count dead letters: %w", err)
	}
	return res.RowsAffected > 0, int(n), nil
}
