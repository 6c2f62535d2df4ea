package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/models"
)

// action is a row of actions, with the column the runner added.
type action struct {
	models.Action
	// Target says what a chore works on (TargetConnections, TargetSent,
	// TargetStale); empty for the steps of a proposal.
	Target string
}

// TableName is the actions table.
func (action) TableName() string { return "actions" }

// claimable is the condition on "actions AS a" for an action that may be
// claimed once due: scheduled, its campaign not paused, and every earlier
// step of its prospect's sequence over (steps go in order).
const claimable = `a.state = 'scheduled'
	AND (a.campaign_id IS NULL OR NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.id = a.campaign_id AND c.state = 'paused'))
	AND (a.proposal_item_id IS NULL OR NOT EXISTS (SELECT 1 FROM actions e WHERE e.proposal_item_id = a.proposal_item_id
		AND e.step < a.step AND e.state IN ('scheduled', 'in_flight')))`

// nextDue returns when the account next has something to do: now when an
// action of it is in flight (it must be reconciled), else the time of its
// earliest claimable action of a kind not in except; ok is false when it
// has nothing.
func (r *Runner) nextDue(ctx context.Context, db *gorm.DB, accountID int64, now time.Time, except []string) (time.Time, bool, error) {
	var inFlight int64
	if err := db.WithContext(ctx).Table("actions").Where("account_id = ? AND state = ?", accountID, stateInFlight).
		Count(&inFlight).Error; err != nil {
		return time.Time{}, false, fmt.Errorf("runner: read the actions in flight: %w", err)
	}
	if inFlight > 0 {
		return now, true, nil
	}
	var at []time.Time
	q := db.WithContext(ctx).Table("actions AS a").Where("a.account_id = ?", accountID).Where(claimable)
	if len(except) > 0 {
		q = q.Where("a.kind NOT IN ?", except)
	}
	err := q.Order("a.scheduled_at").Limit(1).Pluck("a.scheduled_at", &at).Error
	if err != nil {
		return time.Time{}, false, fmt.Errorf("runner: read the next action: %w", err)
	}
	if len(at) == 0 {
		return time.Time{}, false, nil
	}
	return at[0], true, nil
}

// dueHeads returns, for each kind (and chore target), the account's
// earliest claimable action that is due at now, earliest first: the runner
// paces each kind on its own, so a scan is not held up by invitations
// waiting for their slot, nor a scan of the connections by one of the sent
// invitations.
func (r *Runner) dueHeads(ctx context.Context, accountID int64, now time.Time) ([]action, error) {
	var rows []action
	err := r.store.DB.WithContext(ctx).Table("actions AS a").Select("a.*").
		Where("a.account_id = ? AND a.scheduled_at <= ?", accountID, now).Where(claimable).
		Order("a.scheduled_at, a.id").Limit(500).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("runner: read the due actions: %w", err)
	}
	seen := map[string]bool{}
	var heads []action
	for _, a := range rows {
		if key := a.Kind + "/" + a.Target; !seen[key] {
			seen[key] = true
			heads = append(heads, a)
		}
	}
	return heads, nil
}

// orphan returns an action of the account left in flight, or nil. The
// caller holds the account's lease and has nothing in progress, so such an
// action was left by a runner that died or lost the lease (or by this one,
// when recording its outcome failed): whether it happened is unknown.
func (r *Runner) orphan(ctx context.Context, accountID int64) (*action, error) {
	var a action
	err := r.store.DB.WithContext(ctx).Where("account_id = ? AND state = ?", accountID, stateInFlight).
		Order("started_at, id").Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("runner: read the actions in flight: %w", err)
	}
	return &a, nil
}
