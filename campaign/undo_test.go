package campaign

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

func TestUndoWithinTheWindowProposesTheBatchAgain(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, nil)
		bt := b.proposed(t, 3)
		if _, err := b.p.Approve(ctx, bt.Proposal.ID, bt.Proposal.Version, "U1"); err != nil {
			t.Fatal(err)
		}
		b.clock.Set(monday09.Add(9 * time.Minute))
		undone, err := b.p.Undo(ctx, bt.Proposal.ID, bt.Proposal.Version, "U2")
		if err != nil {
			t.Fatal(err)
		}
		pr := undone.Proposal
		if pr.State != models.ProposalOpen || pr.Version != bt.Proposal.Version+1 || pr.UndoUntil != nil || pr.DecidedBy != "" {
			t.Errorf("proposal after undo: got %+v, want open at the next version", pr)
		}
		if n := count(t, s, &models.Action{}, "1 = 1"); n != 0 {
			t.Errorf("actions after undo: got %d, want none", n)
		}
		if n := count(t, s, &models.ProposalItem{}, "proposal_id = ? AND state = ?", pr.ID, models.ItemProposed); n != 3 {
			t.Errorf("items proposed again: got %d, want 3", n)
		}
		if n := count(t, s, &models.Enrollment{}, "state = ?", models.EnrollmentProposed); n != 3 {
			t.Errorf("prospects proposed again: got %d, want 3", n)
		}
		if n := count(t, s, &models.Decision{}, "kind = ? AND undone_at IS NOT NULL", models.DecisionApprove); n != 1 {
			t.Errorf("approvals marked undone: got %d, want 1", n)
		}
		if n := count(t, s, &models.Decision{}, "kind = ? AND user_id = ?", models.DecisionUndo, "U2"); n != 1 {
			t.Errorf("undo decisions: got %d, want 1", n)
		}
		// The stale card's Undo is refused; the batch may be approved anew.
		if _, err := b.p.Undo(ctx, pr.ID, bt.Proposal.Version, "U2"); !errors.Is(err, ErrStale) {
			t.Errorf("a second undo: got %v, want ErrStale", err)
		}
		out, err := b.p.Approve(ctx, pr.ID, pr.Version, "U1")
		if err != nil {
			t.Fatal(err)
		}
		if out.Approved != 3 || count(t, s, &models.Action{}, "state = ?", models.ActionScheduled) != 3 {
			t.Errorf("approved again: got %+v, want 3 items and 3 actions", out)
		}
	})
}

func TestUndoAfterTheWindowChangesNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, nil)
		bt := b.proposed(t, 2)
		if _, err := b.p.Approve(ctx, bt.Proposal.ID, bt.Proposal.Version, "U1"); err != nil {
			t.Fatal(err)
		}
		b.clock.Set(monday09.Add(10 * time.Minute))
		_, err := b.p.Undo(ctx, bt.Proposal.ID, bt.Proposal.Version, "U1")
		var closed *UndoClosedError
		if !errors.As(err, &closed) || !closed.Until.Equal(monday09.Add(10*time.Minute)) {
			t.Fatalf("undo at the window's close: got %v, want UndoClosedError until 10 minutes after approval", err)
		}
		if n := count(t, s, &models.Action{}, "state = ?", models.ActionScheduled); n != 2 {
			t.Errorf("actions: got %d, want the 2 approved still scheduled", n)
		}
		if n := count(t, s, &models.Decision{}, "kind = ?", models.DecisionUndo); n != 0 {
			t.Errorf("undo decisions: got %d, want none", n)
		}
	})
}

func TestUndoRefusedOnceAnActionStarted(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, nil)
		bt := b.proposed(t, 2)
		if _, err := b.p.Approve(ctx, bt.Proposal.ID, bt.Proposal.Version, "U1"); err != nil {
			t.Fatal(err)
		}
		// A runner that claimed an action early (its clock ahead) has started it.
		var a models.Action
		s.DB.Order("id").First(&a)
		s.DB.Model(&a).Update("state", models.ActionInFlight)
		_, err := b.p.Undo(ctx, bt.Proposal.ID, bt.Proposal.Version, "U1")
		var closed *UndoClosedError
		if !errors.As(err, &closed) || closed.Started != 1 {
			t.Fatalf("undo with an action in flight: got %v, want UndoClosedError naming 1 started", err)
		}
		var pr models.Proposal
		s.DB.Take(&pr, bt.Proposal.ID)
		if pr.State != models.ProposalApproved || count(t, s, &models.Action{}, "1 = 1") != 2 {
			t.Errorf("after the refused undo: proposal %s, want approved with its 2 actions", pr.State)
		}
	})
}

func TestNoUndoWindowSendsAtOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		cfg := testConfig()
		cfg.Campaigns[0].UndoWindow = "0"
		b := setup(t, s, cfg)
		bt := b.proposed(t, 1)
		out, err := b.p.Approve(ctx, bt.Proposal.ID, bt.Proposal.Version, "U1")
		if err != nil {
			t.Fatal(err)
		}
		var a models.Action
		s.DB.First(&a)
		if out.Batch.Proposal.UndoUntil != nil || !a.ScheduledAt.Equal(monday09) {
			t.Errorf("undo_window 0: undo until %v, action at %v; want none and at approval", out.Batch.Proposal.UndoUntil, a.ScheduledAt)
		}
		if _, err := b.p.Undo(ctx, bt.Proposal.ID, bt.Proposal.Version, "U1"); !errors.Is(err, ErrUndoClosed) {
			t.Errorf("undo without a window: got %v, want ErrUndoClosed", err)
		}
	})
}
