package campaign

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/models"
)

// Expire ends the open proposals nobody decided or edited within their
// campaign's expire_after (config.Campaign.ExpiresAfter): each becomes
// expired, and its prospects not skipped go back to the front of the queue
// (their place is kept), so that the next proposal, automatic or asked for,
// can come with a fresh forecast. Nobody decided, so no decision and no
// event is recorded. A decision racing the expiry is settled once: the
// loser is told the proposal was decided or expired.
//
// It returns the ids of the proposals it expired, for their Slack messages
// to show it. Like ProposeDue it is meant to run every few minutes.
func (p *Proposer) Expire(ctx context.Context, now time.Time) ([]int64, error) {
	now = now.UTC()
	var expired []int64
	var errs []error
	for _, cc := range p.cfg.Campaigns {
		ttl, ok := cc.ExpiresAfter()
		if !ok {
			continue
		}
		var ids []int64
		err := p.store.DB.WithContext(ctx).Table("proposals AS pr").
			Joins("JOIN campaigns c ON c.id = pr.campaign_id").
			Where("c.name = ? AND pr.state = ? AND pr.updated_at <= ?", cc.Name, models.ProposalOpen, now.Add(-ttl)).
			Order("pr.id").Pluck("pr.id", &ids).Error
		if err != nil {
			errs = append(errs, fmt.Errorf("campaign: read the open proposals of %s: %w", cc.Name, err))
			continue
		}
		for _, id := range ids {
			done, err := p.expire(ctx, id, now.Add(-ttl), now)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if done {
				expired = append(expired, id)
				p.logger.Info("campaign: a proposal expired without a decision", slog.String("campaign", cc.Name),
					slog.Int64("proposal", id), slog.Duration("expire_after", ttl))
			}
		}
	}
	return expired, errors.Join(errs...)
}

// expire ends one proposal if it is still open and untouched since before.
func (p *Proposer) expire(ctx context.Context, id int64, before, now time.Time) (bool, error) {
	done := false
	err := p.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.Proposal{}).Where("id = ? AND state = ? AND updated_at <= ?", id, models.ProposalOpen, before).
			Updates(map[string]any{"state": models.ProposalExpired, "decided_at": now, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil // decided, or edited, meanwhile
		}
		var items []models.ProposalItem
		if err := tx.Where("proposal_id = ? AND state = ?", id, models.ItemProposed).Find(&items).Error; err != nil {
			return err
		}
		done = true
		return setStates(tx, items, models.ItemProposed, models.EnrollmentQueued, now)
	})
	if err != nil {
		return false, fmt.Errorf("campaign: expire proposal #%d: %w", id, err)
	}
	return done, nil
}
