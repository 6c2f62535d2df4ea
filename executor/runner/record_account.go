package runner

import (
	"fmt"
	"strings"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
)

// The recorder's account outcomes: a person needed, LinkedIn's weekly
// limit, the network's counts.

// needsHuman stops the account for a person: a checkpoint, or a session
// LinkedIn rejected. The action goes back to the queue, in doubt when its
// click may have landed before the checkpoint; its next attempt, once a
// person has cleared the account, reserves its own quota.
func (rec *recorder) needsHuman(res result) error {
	r := rec.w.r
	state, event := "LinkedIn showed a security checkpoint: a person must look at this account", pacertype.ReasonCheckpoint
	if res.outcome == pacertype.OutcomeSessionRejected {
		state, event = models.ReasonSessionRejected, pacertype.ReasonSessionRejected
	} else if res.err != nil && strings.Contains(strings.ToLower(res.err.Error()), pacertype.ReasonCaptcha) {
		event = pacertype.ReasonCaptcha
	}
	if err := r.quota.SetNeedsHumanTx(rec.ctx, rec.tx, rec.j.acct.ID, state); err != nil {
		return err
	}
	if err := rec.retry(rec.now, res); err != nil {
		return err
	}
	return rec.event(pacertype.EventAccountCheckpoint, false, models.EventData{Reason: event})
}

// weeklyLimit stops the account's invitations until LinkedIn's week ends:
// the account is restricted, every queued invitation of it waits for the
// end, and account.restricted is recorded.
func (rec *recorder) weeklyLimit(res result) error {
	r := rec.w.r
	j := rec.j
	until := rec.now.Add(restrictionLength)
	if err := r.quota.RestrictTx(rec.ctx, rec.tx, j.acct.ID, until, pacertype.ReasonWeeklyInvitationLimit); err != nil {
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
	return rec.event(pacertype.EventAccountRestricted, false, models.EventData{Reason: pacertype.ReasonWeeklyInvitationLimit, Until: &until})
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
