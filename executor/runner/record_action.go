package runner

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
)

// The recorder's action lifecycle: finished, retried, failed, skipped, and
// what a step's end means for the rest of its sequence.

// finish ends the action in state with its outcome and reason.
func (rec *recorder) finish(state string, outcome pacertype.Outcome, reason string) error {
	err := rec.tx.Table("actions").Where("id = ?", rec.j.act.ID).Updates(map[string]any{
		"state": state, "outcome": string(outcome), "reason": reason, "finished_at": rec.now,
		"lease_owner": "", "lease_until": nil, "updated_at": rec.now,
	}).Error
	if err != nil {
		return fmt.Errorf("runner: record action %d: %w", rec.j.act.ID, err)
	}
	return rec.afterStep(state)
}

// retry settles the attempt and puts the action back in the queue at at,
// for another attempt that reserves its own quota then. An attempt that may
// have acted leaves the action in doubt.
func (rec *recorder) retry(at time.Time, res result) error {
	if err := rec.settle(res); err != nil {
		return err
	}
	doubt := rec.j.doubt || res.mayHaveActed(rec.j.act.Kind)
	err := rec.tx.Table("actions").Where("id = ?", rec.j.act.ID).Updates(map[string]any{
		"state": stateScheduled, "scheduled_at": at, "in_doubt": doubt, "outcome": string(res.outcome), "reason": reasonFor(res),
		"lease_owner": "", "lease_until": nil, "updated_at": rec.now,
	}).Error
	if err != nil {
		return fmt.Errorf("runner: requeue action %d: %w", rec.j.act.ID, err)
	}
	return nil
}

// failed ends the action as failed: its quota counts what may have
// happened (nothing is clicked on a page the adapter did not recognize).
func (rec *recorder) failed(res result) error {
	if err := rec.settle(res); err != nil {
		return err
	}
	reason := reasonFor(res)
	if err := rec.finish(models.ActionFailed, res.outcome, reason); err != nil {
		return err
	}
	return rec.event(pacertype.EventActionFailed, true, models.EventData{Reason: reason})
}

// skipped ends the action as skipped: LinkedIn says it cannot or need not
// be done.
func (rec *recorder) skipped(res result) error {
	if err := rec.settle(res); err != nil {
		return err
	}
	if err := rec.prospectAfter(res.outcome); err != nil {
		return err
	}
	if res.outcome == pacertype.OutcomeNoteQuotaExhausted {
		if err := rec.w.r.quota.SetNotesLeftTx(rec.ctx, rec.tx, rec.j.acct.ID, 0); err != nil {
			return err
		}
	}
	reason := reasonFor(res)
	if err := rec.finish(models.ActionSkipped, res.outcome, reason); err != nil {
		return err
	}
	if res.outcome == pacertype.OutcomeNotFound && rec.j.act.Kind != models.ActionLike {
		if err := rec.cancelLater(reason); err != nil {
			return err
		}
	}
	return rec.event(pacertype.EventActionSkipped, true, models.EventData{Reason: reason})
}

// acceptedNotWithdrawn records a stale invitation found accepted when it was
// to be withdrawn: an acceptance the scans missed (LinkedIn lists the
// recent connections a page at a time). The prospect turns connected with
// its invite.accepted, so the CRM hears of it, and nothing is withdrawn.
func (rec *recorder) acceptedNotWithdrawn(res result) error {
	if err := rec.settle(res); err != nil {
		return err
	}
	if p := rec.j.prospect; p != nil {
		slug := strings.ToLower(p.Slug)
		rows, err := rec.invited([]string{slug})
		if err != nil {
			return err
		}
		if row, ok := rows[slug]; ok {
			accepted, err := rec.accept(row)
			if err != nil {
				return err
			}
			if accepted {
				if err := rec.acceptedCount(1); err != nil {
					return err
				}
			}
		}
	}
	// One the account did not invite through Pacer is connected too, as
	// LinkedIn says, without an acceptance of Pacer's.
	if err := rec.prospectAfter(res.outcome); err != nil {
		return err
	}
	const reason = "they accepted the invitation; nothing to withdraw"
	if err := rec.finish(models.ActionSkipped, res.outcome, reason); err != nil {
		return err
	}
	return rec.event(pacertype.EventActionSkipped, true, models.EventData{Reason: reason})
}

// skipUnclaimed skips an action the runner did not claim (nothing was
// reserved for it).
func (rec *recorder) skipUnclaimed(outcome pacertype.Outcome, reason string) error {
	res := rec.tx.Table("actions").Where("id = ? AND state = ?", rec.j.act.ID, stateScheduled).Updates(map[string]any{
		"state": models.ActionSkipped, "outcome": string(outcome), "reason": reason, "finished_at": rec.now, "updated_at": rec.now,
	})
	if res.Error != nil {
		return fmt.Errorf("runner: skip action %d: %w", rec.j.act.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil
	}
	if err := rec.afterStep(models.ActionSkipped); err != nil {
		return err
	}
	return rec.event(pacertype.EventActionSkipped, true, models.EventData{Reason: reason})
}

// afterStep moves the prospect's enrollment and later steps on once an
// action ended: an invitation (or a sequence's last step) settles the
// enrollment; the waits before later steps count from now. A follow-up
// message leaves the enrollment as its invitation settled it.
func (rec *recorder) afterStep(state string) error {
	j := rec.j
	if j.act.ProposalItemID == nil {
		return nil
	}
	var later []action
	if err := rec.tx.Where("proposal_item_id = ? AND step > ?", *j.act.ProposalItemID, j.act.Step).Order("step").Find(&later).Error; err != nil {
		return fmt.Errorf("runner: read the later steps: %w", err)
	}
	if j.act.Kind != models.ActionMessage && (j.act.Kind == models.ActionInvite || len(later) == 0) {
		enrollment := map[string]string{
			models.ActionDone: models.EnrollmentDone, models.ActionSkipped: models.EnrollmentSkipped,
			models.ActionFailed: models.EnrollmentFailed, models.ActionCanceled: models.EnrollmentSkipped,
		}[state]
		if enrollment != "" {
			err := rec.tx.Table("enrollments").
				Where("id = (SELECT enrollment_id FROM proposal_items WHERE id = ?)", *j.act.ProposalItemID).
				Updates(map[string]any{"state": enrollment, "updated_at": rec.now}).Error
			if err != nil {
				return fmt.Errorf("runner: update the enrollment: %w", err)
			}
		}
	}
	// The planned wait before the next step counts from when this one
	// ended (shrunk by WaitScale on the simulator); the steps after it move
	// with it, keeping their own waits for when their turn comes.
	i := slices.IndexFunc(later, func(a action) bool { return a.State == stateScheduled })
	if i < 0 {
		return nil
	}
	scale := rec.w.r.opts.WaitScale
	gap := max(later[i].ScheduledAt.Sub(j.act.ScheduledAt), 0)
	at := rec.now.Add(time.Duration(float64(gap) * scale))
	if scale >= 1 && at.Before(later[i].ScheduledAt) {
		at = later[i].ScheduledAt // never earlier than planned
	}
	delta := at.Sub(later[i].ScheduledAt)
	if delta == 0 {
		return nil
	}
	for _, l := range later[i:] {
		if l.State != stateScheduled {
			continue
		}
		if err := rec.tx.Table("actions").Where("id = ? AND state = ?", l.ID, stateScheduled).
			Updates(map[string]any{"scheduled_at": l.ScheduledAt.Add(delta), "updated_at": rec.now}).Error; err != nil {
			return fmt.Errorf("runner: move the later steps: %w", err)
		}
	}
	return nil
}

// cancelLater cancels the later steps of a prospect whose profile is gone.
func (rec *recorder) cancelLater(reason string) error {
	j := rec.j
	if j.act.ProposalItemID == nil {
		return nil
	}
	res := rec.tx.Table("actions").Where("proposal_item_id = ? AND step > ? AND state = ?", *j.act.ProposalItemID, j.act.Step, stateScheduled).
		Updates(map[string]any{"state": models.ActionCanceled, "outcome": string(pacertype.OutcomeNotFound), "reason": reason,
			"finished_at": rec.now, "updated_at": rec.now})
	if res.Error != nil {
		return fmt.Errorf("runner: cancel the later steps: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil
	}
	return rec.tx.Table("enrollments").
		Where("id = (SELECT enrollment_id FROM proposal_items WHERE id = ?)", *j.act.ProposalItemID).
		Updates(map[string]any{"state": models.EnrollmentSkipped, "updated_at": rec.now}).Error
}
