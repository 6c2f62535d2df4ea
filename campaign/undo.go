package campaign

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/models"
)

// Undo takes back the approval of a proposal within its undo window
// (config.Campaign.UndoWindow): its actions, none of which may have started,
// are removed, its approved items and their prospects are proposed again,
// and the proposal is open once more at a new version, to be approved,
// edited, skipped or rejected as before. The approval and each of its
// approved items stay in the audit trail, marked undone, next to the undo.
//
// version is the proposal's version the person saw on the approved card. A
// window closed, or an action started, is *UndoClosedError; a proposal not
// approved is *DecidedError (rejected, expired) or *StaleError (undone
// already, so open again).
func (p *Proposer) Undo(ctx context.Context, proposalID int64, version int, userID string) (*Batch, error) {
	now := p.now().UTC()
	err := p.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		pr, err := reopen(tx, proposalID, version, now)
		if err != nil {
			return err
		}
		var items []models.ProposalItem
		if err := tx.Where("proposal_id = ? AND state = ?", pr.ID, models.ItemApproved).Find(&items).Error; err != nil {
			return fmt.Errorf("campaign: read the items of proposal #%d: %w", pr.ID, err)
		}
		if err := unschedule(tx, pr, items); err != nil {
			return err
		}
		if err := propose(tx, items, now); err != nil {
			return err
		}
		res := tx.Model(&models.Decision{}).Where("proposal_id = ? AND kind IN ? AND undone_at IS NULL", pr.ID,
			[]string{models.DecisionApprove, models.DecisionApproveItem}).Update("undone_at", now)
		if res.Error != nil {
			return fmt.Errorf("campaign: mark the approval of proposal #%d undone: %w", pr.ID, res.Error)
		}
		return record(tx, pr.ID, nil, userID, models.DecisionUndo, fmt.Sprintf("approval undone; %d items proposed again", len(items)), now)
	})
	if err != nil {
		var closed *UndoClosedError
		if errors.As(err, &closed) {
			return nil, err
		}
		return nil, p.undoError(ctx, proposalID, version, err)
	}
	return p.Load(ctx, proposalID)
}

// reopen turns an approved proposal, still within its undo window and at
// version, back into an open one at the next version.
func reopen(tx *gorm.DB, proposalID int64, version int, now time.Time) (*models.Proposal, error) {
	var pr models.Proposal
	if err := tx.Take(&pr, proposalID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, fmt.Errorf("%w: proposal #%d", ErrNotFound, proposalID)
		}
		return nil, fmt.Errorf("campaign: read proposal #%d: %w", proposalID, err)
	}
	if pr.State == models.ProposalApproved && (pr.UndoUntil == nil || !now.Before(*pr.UndoUntil)) {
		closed := &UndoClosedError{ProposalID: pr.ID}
		if pr.UndoUntil != nil {
			closed.Until = *pr.UndoUntil
		}
		return nil, closed
	}
	res := tx.Model(&models.Proposal{}).
		Where("id = ? AND state = ? AND version = ? AND undo_until > ?", proposalID, models.ProposalApproved, version, now).
		Updates(map[string]any{"state": models.ProposalOpen, "decided_by": "", "decided_at": nil, "undo_until": nil,
			"version": gorm.Expr("version + 1"), "updated_at": now})
	if res.Error != nil {
		return nil, fmt.Errorf("campaign: reopen proposal #%d: %w", proposalID, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, errRace
	}
	return &pr, nil
}

// unschedule removes the actions of the items, refusing when any has left
// the schedule: an action started is not taken back.
func unschedule(tx *gorm.DB, pr *models.Proposal, items []models.ProposalItem) error {
	if len(items) == 0 {
		return nil
	}
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	var started int64
	if err := tx.Model(&models.Action{}).Where("proposal_item_id IN ? AND state <> ?", ids, models.ActionScheduled).
		Count(&started).Error; err != nil {
		return fmt.Errorf("campaign: read the actions of proposal #%d: %w", pr.ID, err)
	}
	if started > 0 {
		closed := &UndoClosedError{ProposalID: pr.ID, Started: int(started)}
		if pr.UndoUntil != nil {
			closed.Until = *pr.UndoUntil
		}
		return closed
	}
	if err := tx.Where("proposal_item_id IN ?", ids).Delete(&models.Action{}).Error; err != nil {
		return fmt.Errorf("campaign: remove the actions of proposal #%d: %w", pr.ID, err)
	}
	return nil
}

// propose moves approved items, and their approved enrollments, back to
// proposed.
func propose(tx *gorm.DB, items []models.ProposalItem, now time.Time) error {
	if len(items) == 0 {
		return nil
	}
	itemIDs := make([]int64, len(items))
	enrollmentIDs := make([]int64, len(items))
	for i, it := range items {
		itemIDs[i], enrollmentIDs[i] = it.ID, it.EnrollmentID
	}
	if err := tx.Model(&models.ProposalItem{}).Where("id IN ?", itemIDs).
		Updates(map[string]any{"state": models.ItemProposed, "updated_at": now}).Error; err != nil {
		return fmt.Errorf("campaign: propose items again: %w", err)
	}
	if err := tx.Model(&models.Enrollment{}).Where("id IN ? AND state = ?", enrollmentIDs, models.EnrollmentApproved).
		Updates(map[string]any{"state": models.EnrollmentProposed, "updated_at": now}).Error; err != nil {
		return fmt.Errorf("campaign: propose prospects again: %w", err)
	}
	return nil
}

// undoError turns a lost race into what the person should see: the
// proposal was undone already (it is open: stale), or it is not approved.
func (p *Proposer) undoError(ctx context.Context, proposalID int64, version int, err error) error {
	if !errors.Is(err, errRace) {
		return err
	}
	var pr models.Proposal
	if err := p.store.DB.WithContext(ctx).Take(&pr, proposalID).Error; err != nil {
		return fmt.Errorf("campaign: read proposal #%d: %w", proposalID, err)
	}
	switch pr.State {
	case models.ProposalOpen:
		return &StaleError{ProposalID: pr.ID, Version: version, Current: pr.Version}
	case models.ProposalApproved:
		if pr.Version != version {
			return &StaleError{ProposalID: pr.ID, Version: version, Current: pr.Version}
		}
		closed := &UndoClosedError{ProposalID: pr.ID}
		if pr.UndoUntil != nil {
			closed.Until = *pr.UndoUntil
		}
		return closed
	}
	de := &DecidedError{ProposalID: pr.ID, Kind: pr.State, DecidedBy: pr.DecidedBy}
	if pr.DecidedAt != nil {
		de.DecidedAt = *pr.DecidedAt
	}
	return de
}
