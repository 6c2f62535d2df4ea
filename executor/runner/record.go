package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
	"github.com/pacerhq/pacer/quota"
)

// withdrawStale is the reason invite.withdrawn gives when the runner
// withdrew an invitation left pending too long.
const withdrawStale = "stale"

// restrictionLength is how long an account stops inviting after LinkedIn's
// weekly-limit alert: its window is 7 days.
const restrictionLength = 7 * 24 * time.Hour

// reasons say, for people (Slack, the CLI), why an action did not go.
var reasons = map[pacertype.Outcome]string{
	pacertype.OutcomeSuppressed:         "on the do-not-contact list",
	pacertype.OutcomeAlreadyPending:     "an invitation to them is already pending",
	pacertype.OutcomeAlreadyConnected:   "already connected",
	pacertype.OutcomeEmailRequired:      "LinkedIn asks for their email address to connect",
	pacertype.OutcomeNoteQuotaExhausted: "no personalized note is left this month, and the campaign does not send invitations without their note",
	pacertype.OutcomeNoteTooLong:        "the note is longer than LinkedIn allows",
	pacertype.OutcomeNotFound:           "the profile is not available",
	pacertype.OutcomeNotConnectable:     "the profile offers no Connect",
	pacertype.OutcomeUnrecognized:       "LinkedIn's page was not recognized (run pacer doctor linkedin on a saved copy)",
	pacertype.OutcomeCheckpoint:         "LinkedIn showed a security checkpoint",
	pacertype.OutcomeSessionRejected:    "LinkedIn signed the account out",
	pacertype.OutcomeWeeklyLimit:        "LinkedIn's weekly invitation limit is reached",
	pacertype.OutcomeUnexpectedNote:     "the invite dialog held a note nobody approved; nothing was sent",
	pacertype.OutcomeReplied:            "they replied; their follow-ups stopped",
	pacertype.OutcomeNotConnected:       "not a 1st-degree connection (any more); nothing was sent",
	pacertype.OutcomeUnexpectedDraft:    "the message composer held a draft nobody approved; nothing was sent, a person should look",
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
			err = rec.uncountEarlier(false, quota.KindInvite, quota.KindNote)
		case res.reconciled:
			err = rec.uncountEarlier(true, quota.KindInvite, quota.KindNote)
		}
		if err != nil {
			return err
		}
		if j.heldBack != "" {
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
	case pacertype.OutcomeDone:
		return false, rec.done(res)
	case pacertype.OutcomeCheckpoint, pacertype.OutcomeSessionRejected:
		return true, rec.needsHuman(res)
	case pacertype.OutcomeWeeklyLimit:
		return true, rec.weeklyLimit(res)
	case pacertype.OutcomeTransient:
		if j.act.Attempts < rec.w.r.opts.Attempts {
			wait := rec.w.r.opts.Backoff << (j.act.Attempts - 1)
			return false, rec.retry(rec.now.Add(wait), res)
		}
		return false, rec.failed(res)
	case pacertype.OutcomeUnrecognized, pacertype.OutcomeUnexpectedNote, pacertype.OutcomeUnexpectedDraft:
		return false, rec.failed(res)
	case pacertype.OutcomeAlreadyConnected:
		if j.act.Kind == models.ActionWithdraw {
			return false, rec.acceptedNotWithdrawn(res)
		}
	}
	return false, rec.skipped(res)
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
