package runner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
	"github.com/pacerhq/pacer/quota"
)

// Public event types the runner records (pacertype.EventTypes).
const (
	eventInviteSent        = pacertype.EventInviteSent
	eventInviteAccepted    = pacertype.EventInviteAccepted
	eventInviteWithdrawn   = pacertype.EventInviteWithdrawn
	eventEmailFound        = pacertype.EventEmailFound
	eventAccountRestricted = pacertype.EventAccountRestricted
	eventAccountCheckpoint = pacertype.EventAccountCheckpoint
)

// Reasons of the account events, as docs/events.md lists them.
const (
	reasonWeeklyLimit     = pacertype.ReasonWeeklyInvitationLimit
	reasonCheckpoint      = pacertype.ReasonCheckpoint
	reasonSessionRejected = pacertype.ReasonSessionRejected
	withdrawStale         = "stale"
	sourceContactInfo     = pacertype.FinderContactInfo
)

// restrictionLength is how long an account stops inviting after LinkedIn's
// weekly-limit alert: its window is 7 days.
const restrictionLength = 7 * 24 * time.Hour

// outcomeSuppressed is the runner's own outcome for an action it did not
// carry out because its prospect went on the do-not-contact list after the
// approval.
const outcomeSuppressed = pacertype.OutcomeSuppressed

// reasons say, for people (Slack, the CLI), why an action did not go.
var reasons = map[executor.Outcome]string{
	outcomeSuppressed:                  "on the do-not-contact list",
	executor.OutcomeAlreadyPending:     "an invitation to them is already pending",
	executor.OutcomeAlreadyConnected:   "already connected",
	executor.OutcomeEmailRequired:      "LinkedIn asks for their email address to connect",
	executor.OutcomeNoteQuotaExhausted: "no personalized note is left this month, and the campaign does not send invitations without their note",
	executor.OutcomeNoteTooLong:        "the note is longer than LinkedIn allows",
	executor.OutcomeNotFound:           "the profile is not available",
	executor.OutcomeNotConnectable:     "the profile offers no Connect",
	executor.OutcomeUnrecognized:       "LinkedIn's page was not recognized (run pacer doctor linkedin on a saved copy)",
	executor.OutcomeCheckpoint:         "LinkedIn showed a security checkpoint",
	executor.OutcomeSessionRejected:    "LinkedIn signed the account out",
	executor.OutcomeWeeklyLimit:        "LinkedIn's weekly invitation limit is reached",
	executor.OutcomeUnexpectedNote:     "the invite dialog held a note nobody approved; nothing was sent",
}

// reasonFor words why an action ended as it did.
func reasonFor(res result) string {
	reason := reasons[res.outcome]
	var e *executor.Error
	if errors.As(res.err, &e) && e.Detail != "" {
		if reason == "" {
			return e.Detail
		}
		return reason + " (" + e.Detail + ")"
	}
	if reason == "" && res.err != nil {
		reason = strings.TrimPrefix(res.err.Error(), "executor: ")
	}
	return reason
}

// recorder writes an action's outcome, its consequences and its events in
// one transaction.
type recorder struct {
	ctx context.Context
	w   *worker
	tx  *gorm.DB
	j   *job
	now time.Time
}

// record writes the outcome of a claimed action. It reports whether the
// worker must stop (the account stopped). errLost means another runner
// took the action over; nothing was written.
func (w *worker) record(ctx context.Context, j *job, res result) (stop bool, err error) {
	r := w.r
	err = r.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("actions").Where("id = ? AND state = ? AND lease_owner = ?", j.act.ID, stateInFlight, r.owner).
			Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return errLost
		}
		rec := &recorder{ctx: ctx, w: w, tx: tx, j: j, now: r.now()}
		var err error
		if stop, err = rec.apply(res); err != nil {
			return err
		}
		switch {
		case res.notSentBefore:
			err = rec.uncountEarlier(false)
		case res.reconciled:
			err = rec.uncountEarlier(true)
		}
		if err != nil {
			return err
		}
		if res.outcome == outcomeSuppressed {
			return nil // no page was opened
		}
		return r.quota.ActedTx(ctx, tx, j.acct.ID, rec.now)
	})
	return stop, err
}

// apply maps an outcome onto the action's state, the quota, the prospect,
// the account and events.
func (rec *recorder) apply(res result) (stop bool, err error) {
	j := rec.j
	switch res.outcome {
	case executor.OutcomeDone:
		return false, rec.done(res)
	case executor.OutcomeCheckpoint, executor.OutcomeSessionRejected:
		return true, rec.needsHuman(res)
	case executor.OutcomeWeeklyLimit:
		return true, rec.weeklyLimit(res)
	case executor.OutcomeTransient:
		if j.act.Attempts < rec.w.r.opts.Attempts {
			wait := rec.w.r.opts.Backoff << (j.act.Attempts - 1)
			return false, rec.retry(rec.now.Add(wait), res)
		}
		return false, rec.failed(res)
	case executor.OutcomeUnrecognized, executor.OutcomeUnexpectedNote:
		return false, rec.failed(res)
	case executor.OutcomeAlreadyConnected:
		if j.act.Kind == models.ActionWithdraw {
			return false, rec.acceptedNotWithdrawn(res)
		}
	}
	return false, rec.skipped(res)
}

// --- quota -------------------------------------------------------------------

func (rec *recorder) reservations() []int64 {
	var ids []int64
	for _, id := range []*int64{rec.j.inviteRes, rec.j.noteRes} {
		if id != nil {
			ids = append(ids, *id)
		}
	}
	return ids
}

func (rec *recorder) commit(ids ...int64) error {
	for _, id := range ids {
		if err := rec.w.r.quota.CommitTx(rec.ctx, rec.tx, id); err != nil {
			return err
		}
	}
	return nil
}

// settle settles the attempt's quota by what happened: counted in full when
// the attempt may have carried the action out, else counted as the page
// load it was (the action's own limits do not count it; see
// quota.Engine.PageLoadTx). What an earlier attempt counted stays counted.
func (rec *recorder) settle(res result) error {
	if res.mayHaveActed(rec.j.act.Kind) {
		return rec.commit(rec.reservations()...)
	}
	return rec.pageLoaded(rec.reservations()...)
}

// pageLoaded counts reservations as page loads only.
func (rec *recorder) pageLoaded(ids ...int64) error {
	for _, id := range ids {
		if err := rec.w.r.quota.PageLoadTx(rec.ctx, rec.tx, id); err != nil {
			return err
		}
	}
	return nil
}

// uncountEarlier settles what the earlier attempts of an action in doubt
// counted as an invitation (and its note), once the profile told: none of
// them sent it (keepOne false), or one of them did (keepOne true). One
// invitation is one invitation, however many attempts it took: only the
// latest earlier attempt that counted one keeps it (the one that sent it,
// since every attempt in doubt reads the profile before it clicks, and none
// clicks once it shows Pending); the others count as the page loads they
// were.
func (rec *recorder) uncountEarlier(keepOne bool) error {
	for _, kind := range []string{quota.KindInvite, quota.KindNote} {
		var ids []int64
		q := rec.tx.Model(&models.QuotaEntry{}).Where("action_id = ? AND kind = ? AND state <> ?", rec.j.act.ID, kind, models.QuotaReleased)
		if current := rec.reservations(); len(current) > 0 {
			q = q.Where("id NOT IN ?", current)
		}
		if err := q.Order("id DESC").Pluck("id", &ids).Error; err != nil {
			return fmt.Errorf("runner: read the earlier attempts' quota: %w", err)
		}
		if keepOne && len(ids) > 0 {
			ids = ids[1:]
		}
		for _, id := range ids {
			if err := rec.w.r.quota.NotSentTx(rec.ctx, rec.tx, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// mayHaveActed reports whether an attempt may have carried its action out:
// done, an invitation whose Send was clicked (whatever came after), or
// another kind that failed halfway, after which its click may have landed.
func (res result) mayHaveActed(kind string) bool {
	switch {
	case res.outcome == executor.OutcomeDone:
		return true
	case kind == models.ActionInvite:
		return res.sendClicked
	}
	switch res.outcome {
	case executor.OutcomeTransient, executor.OutcomeCheckpoint, executor.OutcomeSessionRejected:
		return true
	}
	return false
}

// --- the action --------------------------------------------------------------

// finish ends the action in state with its outcome and reason.
func (rec *recorder) finish(state string, outcome executor.Outcome, reason string) error {
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
	if res.outcome == executor.OutcomeNoteQuotaExhausted {
		if err := rec.w.r.quota.SetNotesLeftTx(rec.ctx, rec.tx, rec.j.acct.ID, 0); err != nil {
			return err
		}
	}
	reason := reasonFor(res)
	if err := rec.finish(models.ActionSkipped, res.outcome, reason); err != nil {
		return err
	}
	if res.outcome == executor.OutcomeNotFound && rec.j.act.Kind != models.ActionLike {
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
func (rec *recorder) skipUnclaimed(outcome executor.Outcome, reason string) error {
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
// enrollment; the waits before later steps count from now.
func (rec *recorder) afterStep(state string) error {
	j := rec.j
	if j.act.ProposalItemID == nil {
		return nil
	}
	var later []action
	if err := rec.tx.Where("proposal_item_id = ? AND step > ?", *j.act.ProposalItemID, j.act.Step).Order("step").Find(&later).Error; err != nil {
		return fmt.Errorf("runner: read the later steps: %w", err)
	}
	if j.act.Kind == models.ActionInvite || len(later) == 0 {
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
		Updates(map[string]any{"state": models.ActionCanceled, "outcome": string(executor.OutcomeNotFound), "reason": reason,
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

// --- outcomes ----------------------------------------------------------------

// done records an action carried out.
func (rec *recorder) done(res result) error {
	j := rec.j
	switch j.act.Kind {
	case models.ActionInvite:
		return rec.inviteSent(res)
	case models.ActionWithdraw:
		if err := rec.commit(rec.reservations()...); err != nil {
			return err
		}
		if err := rec.finish(models.ActionDone, res.outcome, ""); err != nil {
			return err
		}
		return rec.withdrawn()
	case models.ActionReadInfo:
		if err := rec.commit(rec.reservations()...); err != nil {
			return err
		}
		reason := ""
		if res.email == "" {
			reason = "they share no email address"
		}
		if err := rec.finish(models.ActionDone, res.outcome, reason); err != nil {
			return err
		}
		return rec.emailFound(res.email)
	case models.ActionScan:
		if err := rec.commit(rec.reservations()...); err != nil {
			return err
		}
		var summary string
		var err error
		switch j.act.Target {
		case TargetConnections:
			summary, err = rec.acceptances(res.connections)
		case TargetSent:
			summary, err = rec.stale(res.sent)
			if err == nil {
				var proof string
				proof, err = rec.proveDelivery(res.sent)
				summary += "; " + proof
			}
		}
		if err != nil {
			return err
		}
		return rec.finish(models.ActionDone, res.outcome, summary)
	}
	if err := rec.commit(rec.reservations()...); err != nil {
		return err
	}
	return rec.finish(models.ActionDone, res.outcome, "")
}

// inviteSent records an invitation the profile confirms (Pending). Found
// sent by an earlier attempt, it was counted then: this attempt counts as
// the page load it was.
func (rec *recorder) inviteSent(res result) error {
	j := rec.j
	if err := rec.settleInvite(res); err != nil {
		return err
	}
	var reason string
	switch {
	case res.accepted:
		reason = "found sent and accepted when its attempt was reconciled"
	case res.reconciled:
		reason = "found sent when its attempt was reconciled"
	case res.noteDropped:
		reason = "sent without its note: no personalized note is left this month"
	case j.note != j.act.Note:
		reason = "sent without its note: the month's notes are used up"
	}
	if err := rec.finish(models.ActionDone, executor.OutcomeDone, reason); err != nil {
		return err
	}
	if res.notesLeft >= 0 {
		if err := rec.w.r.quota.SetNotesLeftTx(rec.ctx, rec.tx, j.acct.ID, res.notesLeft); err != nil {
			return err
		}
	}
	p := j.prospect
	if err := rec.tx.Table("prospects").Where("id = ? AND state <> ?", p.ID, models.ProspectConnected).
		Updates(map[string]any{"state": models.ProspectPending, "invited_at": rec.now, "updated_at": rec.now}).Error; err != nil {
		return fmt.Errorf("runner: update prospect %s: %w", p.Slug, err)
	}
	p.State, p.InvitedAt = models.ProspectPending, &rec.now
	if err := rec.deferElsewhere(); err != nil {
		return err
	}
	if err := rec.network(0, 1); err != nil {
		return err
	}
	sentAt := rec.now
	if err := rec.event(eventInviteSent, true, models.EventData{Note: res.noteSent, SentAt: &sentAt}); err != nil {
		return err
	}
	if !res.accepted {
		return nil
	}
	accepted, err := rec.accept(invitedRow{Prospect: *p, InviteCampaignID: j.act.CampaignID, SentAt: &sentAt})
	if err != nil || !accepted {
		return err
	}
	return rec.acceptedCount(1)
}

// settleInvite settles the quota of an invitation found sent: its
// invitation counted, its note counted when it carried one (a note LinkedIn
// had no room for was dropped); found sent by an earlier attempt, which
// counted both, only this attempt's page load counts.
func (rec *recorder) settleInvite(res result) error {
	j := rec.j
	if res.reconciled && !res.sendClicked {
		return rec.pageLoaded(rec.reservations()...)
	}
	if j.inviteRes != nil {
		if err := rec.commit(*j.inviteRes); err != nil {
			return err
		}
	}
	if j.noteRes == nil {
		return nil
	}
	if res.noteSent != "" {
		return rec.commit(*j.noteRes)
	}
	return rec.pageLoaded(*j.noteRes)
}

// prospectAfter updates the prospect with what an action that did not go
// learned of them.
func (rec *recorder) prospectAfter(o executor.Outcome) error {
	p := rec.j.prospect
	if p == nil {
		return nil
	}
	q := rec.tx.Table("prospects").Where("id = ?", p.ID)
	var err error
	switch o {
	case executor.OutcomeAlreadyPending:
		if rec.j.act.Kind != models.ActionInvite {
			return nil
		}
		err = q.Where("state IN ?", []string{models.ProspectNew, models.ProspectWithdrawn}).
			Updates(map[string]any{"state": models.ProspectPending, "invited_at": gorm.Expr("COALESCE(invited_at, ?)", rec.now), "updated_at": rec.now}).Error
	case executor.OutcomeAlreadyConnected:
		err = q.Where("state <> ?", models.ProspectConnected).
			Updates(map[string]any{"state": models.ProspectConnected, "connected_at": gorm.Expr("COALESCE(connected_at, ?)", rec.now), "updated_at": rec.now}).Error
	case executor.OutcomeNotFound:
		if rec.j.act.Kind == models.ActionLike || rec.j.act.Kind == models.ActionWithdraw {
			return nil // no post to like, no invitation to withdraw: the profile may be fine
		}
		err = q.Where("state <> ?", models.ProspectConnected).
			Updates(map[string]any{"state": models.ProspectUnavailable, "updated_at": rec.now}).Error
	}
	if err != nil {
		return fmt.Errorf("runner: update prospect %s: %w", p.Slug, err)
	}
	switch o {
	case executor.OutcomeAlreadyPending, executor.OutcomeAlreadyConnected, executor.OutcomeNotFound:
		return rec.deferElsewhere()
	}
	return nil
}

// deferElsewhere moves the prospect, now contacted (or gone), back in the
// other campaigns' queues, so that their proposers do not walk past them.
func (rec *recorder) deferElsewhere() error {
	p := rec.j.prospect
	if p == nil {
		return nil
	}
	var campaignID int64
	if rec.j.campaign != nil {
		campaignID = rec.j.campaign.ID
	}
	return models.DeferInOtherQueues(rec.tx, p.ID, campaignID, rec.now)
}

// needsHuman stops the account for a person: a checkpoint, or a session
// LinkedIn rejected. The action goes back to the queue, in doubt when its
// click may have landed before the checkpoint; its next attempt, once a
// person has cleared the account, reserves its own quota.
func (rec *recorder) needsHuman(res result) error {
	r := rec.w.r
	state, event := "LinkedIn showed a security checkpoint: a person must look at this account", reasonCheckpoint
	if res.outcome == executor.OutcomeSessionRejected {
		state, event = models.ReasonSessionRejected, reasonSessionRejected
	} else if res.err != nil && strings.Contains(strings.ToLower(res.err.Error()), pacertype.ReasonCaptcha) {
		event = pacertype.ReasonCaptcha
	}
	if err := r.quota.SetNeedsHumanTx(rec.ctx, rec.tx, rec.j.acct.ID, state); err != nil {
		return err
	}
	if err := rec.retry(rec.now, res); err != nil {
		return err
	}
	return rec.event(eventAccountCheckpoint, false, models.EventData{Reason: event})
}

// weeklyLimit stops the account's invitations until LinkedIn's week ends:
// the account is restricted, every queued invitation of it waits for the
// end, and account.restricted is recorded.
func (rec *recorder) weeklyLimit(res result) error {
	r := rec.w.r
	j := rec.j
	until := rec.now.Add(restrictionLength)
	if err := r.quota.RestrictTx(rec.ctx, rec.tx, j.acct.ID, until, reasonWeeklyLimit); err != nil {
		return err
	}
	// RestrictTx keeps a longer restriction already in place.
	var acct models.Account
	if err := rec.tx.Take(&acct, j.acct.ID).Error; err != nil {
		return fmt.Errorf("runner: read the account: %w", err)
	}
	if acct.RestrictedUntil != nil && acct.RestrictedUntil.After(until) {
		until = *acct.RestrictedUntil
	}
	// LinkedIn refused the invitation at Connect: only the page load
	// counts, and it waits for the week's end.
	if err := rec.retry(until, res); err != nil {
		return err
	}
	if err := rec.tx.Table("actions").
		Where("account_id = ? AND kind = ? AND state = ? AND scheduled_at < ?", j.acct.ID, models.ActionInvite, stateScheduled, until).
		Updates(map[string]any{"scheduled_at": until, "updated_at": rec.now}).Error; err != nil {
		return fmt.Errorf("runner: reschedule the queued invitations: %w", err)
	}
	return rec.event(eventAccountRestricted, false, models.EventData{Reason: reasonWeeklyLimit, Until: &until})
}

// network records an account's change of connections and pending
// invitations (raising the pending alert when it crosses its threshold).
func (rec *recorder) network(connections, pending int) error {
	var acct models.Account
	if err := rec.tx.Take(&acct, rec.j.acct.ID).Error; err != nil {
		return fmt.Errorf("runner: read the account: %w", err)
	}
	return rec.w.r.quota.SetNetworkTx(rec.ctx, rec.tx, acct.ID, max(acct.Connections+connections, 0), max(acct.PendingInvites+pending, 0))
}

// event records an event about the job's action. An event about its
// prospect names the action's proposal too, whose Slack progress card it
// moves on.
func (rec *recorder) event(typ pacertype.EventType, aboutProspect bool, data models.EventData) error {
	j := rec.j
	refs := models.EventRefs{AccountID: &j.acct.ID}
	data.Account = j.acct.Name
	if j.campaign != nil {
		refs.CampaignID = &j.campaign.ID
		data.Campaign = j.campaign.Name
	}
	if aboutProspect && j.prospect != nil {
		refs.ProspectID = &j.prospect.ID
		data.Prospect = models.ProspectForEvent(*j.prospect)
	}
	if aboutProspect && j.proposalID != nil {
		refs.ProposalID = j.proposalID
	}
	_, err := rec.w.r.store.RecordEvent(rec.ctx, rec.tx, typ, refs, data)
	return err
}

// insertChore queues an action no proposal asked for, unless the same one
// is already waiting.
func insertChore(ctx context.Context, tx *gorm.DB, a action) error {
	err := tx.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&a).Error
	if err != nil {
		return fmt.Errorf("runner: queue a %s: %w", a.Kind, err)
	}
	return nil
}
