package runner

import (
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
)

// The recorder's outcomes: an action done, an invitation sent (a message
// sent is in message.go).

// done records an action carried out.
func (rec *recorder) done(res result) error {
	j := rec.j
	switch j.act.Kind {
	case models.ActionInvite:
		return rec.inviteSent(res)
	case models.ActionMessage:
		return rec.messageSent()
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
		case TargetMessages:
			summary, err = rec.replies(res.conversations)
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
	if err := rec.finish(models.ActionDone, pacertype.OutcomeDone, reason); err != nil {
		return err
	}
	if err := rec.dropVariant(res); err != nil {
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
	if err := rec.event(pacertype.EventInviteSent, true, models.EventData{Note: res.noteSent, SentAt: &sentAt}); err != nil {
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
func (rec *recorder) prospectAfter(o pacertype.Outcome) error {
	p := rec.j.prospect
	if p == nil {
		return nil
	}
	q := rec.tx.Table("prospects").Where("id = ?", p.ID)
	var err error
	switch o {
	case pacertype.OutcomeAlreadyPending:
		if rec.j.act.Kind != models.ActionInvite {
			return nil
		}
		err = q.Where("state IN ?", []string{models.ProspectNew, models.ProspectWithdrawn}).
			Updates(map[string]any{"state": models.ProspectPending, "invited_at": gorm.Expr("COALESCE(invited_at, ?)", rec.now), "updated_at": rec.now}).Error
	case pacertype.OutcomeAlreadyConnected:
		err = q.Where("state <> ?", models.ProspectConnected).
			Updates(map[string]any{"state": models.ProspectConnected, "connected_at": gorm.Expr("COALESCE(connected_at, ?)", rec.now), "updated_at": rec.now}).Error
		if err == nil {
			// The account's own connection: no other sender of the team
			// invites them, in any campaign.
			err = rec.tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&models.AccountConnection{
				AccountID: rec.j.acct.ID, Slug: p.Slug, Source: models.ConnectionFromProfile, CreatedAt: rec.now}).Error
		}
	case pacertype.OutcomeNotFound:
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
	case pacertype.OutcomeAlreadyPending, pacertype.OutcomeAlreadyConnected, pacertype.OutcomeNotFound:
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

// dropVariant takes an invitation sent without its note out of its note
// variant (models.Action.Variant): the campaign's statistics compare what
// people received.
func (rec *recorder) dropVariant(res result) error {
	j := rec.j
	if j.act.Variant == "" || (!res.noteDropped && j.note == j.act.Note) {
		return nil
	}
	if err := rec.tx.Table("actions").Where("id = ?", j.act.ID).Update("variant", "").Error; err != nil {
		return fmt.Errorf("runner: record action %d sent without its note: %w", j.act.ID, err)
	}
	return nil
}
