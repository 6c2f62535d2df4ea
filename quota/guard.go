package quota

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
)

// Levels of the acceptance-rate guard (models.Account.Guard).
const (
	GuardNone   = ""
	GuardHalved = "halved"
	GuardPaused = "paused"
)

// Acceptance-rate guard thresholds. A level is left only when the rate is
// 5 points clear of the threshold that set it, so that one acceptance more
// or less does not flap the account between levels (and Slack with it).
const (
	// GuardWindow is how many decided invitations the guard looks at.
	GuardWindow = 50
	// GuardHalveBelow halves the daily invitation rate.
	GuardHalveBelow = 0.20
	// GuardPauseBelow pauses inviting.
	GuardPauseBelow = 0.10
	guardHysteresis = 0.05
)

// ErrRestricted is returned by Resume for an account LinkedIn restricted:
// it resumes by itself when the restriction ends.
var ErrRestricted = errors.New("quota: the account is restricted by LinkedIn")

// Pause stops every action of the account until a person resumes it. by,
// the person who paused it, is kept on the account and in the audit trail.
func (e *Engine) Pause(ctx context.Context, accountID int64, by, reason string) error {
	return e.inTx(ctx, func(tx *gorm.DB) error { return e.PauseTx(ctx, tx, accountID, by, reason) })
}

// PauseTx is Pause inside the caller's transaction tx.
func (e *Engine) PauseTx(ctx context.Context, tx *gorm.DB, accountID int64, by, reason string) error {
	acct, err := e.loadAccount(ctx, tx, accountID, true)
	if err != nil {
		return err
	}
	if err := e.updateAccount(ctx, tx, accountID, map[string]any{
		"state": models.AccountPaused, "paused_by": by, "state_reason": reason,
	}); err != nil {
		return err
	}
	return e.recordDecision(ctx, tx, acct.Name, models.DecisionPause, by)
}

// Resume makes a paused account, or one that needed a human, active again;
// by is the person who resumed it. An account restricted until a known time
// is not resumed before it (it resumes by itself then): Resume returns
// ErrRestricted. A restriction with no end given is lifted. A restriction
// LinkedIn set while the account was paused, and that still runs, takes
// over until its end. The resume is recorded in the audit trail.
func (e *Engine) Resume(ctx context.Context, accountID int64, by string) error {
	return e.inTx(ctx, func(tx *gorm.DB) error { return e.ResumeTx(ctx, tx, accountID, by) })
}

// ResumeTx is Resume inside the caller's transaction tx.
func (e *Engine) ResumeTx(ctx context.Context, tx *gorm.DB, accountID int64, by string) error {
	acct, err := e.loadAccount(ctx, tx, accountID, true)
	if err != nil {
		return err
	}
	if acct.State == models.AccountRestricted && acct.RestrictedUntil != nil && e.now().Before(*acct.RestrictedUntil) {
		return fmt.Errorf("%w: %s is restricted until %s; it resumes by itself then", ErrRestricted,
			acct.Name, acct.RestrictedUntil.UTC().Format(time.RFC3339))
	}
	if acct.State != models.AccountActive {
		e.opts.Logger.Info("quota: account resumed", slog.String("account", acct.Name),
			slog.String("was", acct.State), slog.String("by", by))
	}
	updates := map[string]any{"state": models.AccountActive, "paused_by": "", "state_reason": "", "restricted_until": nil}
	if acct.State != models.AccountRestricted && acct.RestrictedUntil != nil && e.now().Before(*acct.RestrictedUntil) {
		updates = map[string]any{"state": models.AccountRestricted, "paused_by": "", "state_reason": restrictedMeanwhile}
	}
	if err := e.updateAccount(ctx, tx, accountID, updates); err != nil {
		return err
	}
	return e.recordDecision(ctx, tx, acct.Name, models.DecisionResume, by)
}

// recordDecision writes a person's pause or resume of an account to the
// audit trail, in the transaction that changed the account.
func (e *Engine) recordDecision(ctx context.Context, tx *gorm.DB, account, kind, by string) error {
	d := models.Decision{UserID: by, Kind: kind, Detail: models.PauseDetail(models.PausedAccount, account), At: e.now()}
	if err := tx.WithContext(ctx).Create(&d).Error; err != nil {
		return fmt.Errorf("quota: record the %s of account %s: %w", kind, account, err)
	}
	return nil
}

// restrictedMeanwhile is the state reason of an account resumed while a
// restriction LinkedIn set during its pause still runs.
const restrictedMeanwhile = "LinkedIn restricted the account while it was paused; it resumes by itself when the restriction ends"

// Restrict stops the account until until: LinkedIn showed its weekly-limit
// alert or a restriction. A longer restriction already in place is kept;
// an account that needs a human keeps needing one, and one a person paused
// stays paused: a human's stop outlasts a restriction, which its end never
// lifts (Resume hands over to the restriction if it still runs). The
// caller records the account.restricted event in the same transaction
// (RestrictTx).
func (e *Engine) Restrict(ctx context.Context, accountID int64, until time.Time, reason string) error {
	return e.inTx(ctx, func(tx *gorm.DB) error { return e.RestrictTx(ctx, tx, accountID, until, reason) })
}

// RestrictTx is Restrict inside the caller's transaction tx.
func (e *Engine) RestrictTx(ctx context.Context, tx *gorm.DB, accountID int64, until time.Time, reason string) error {
	acct, err := e.loadAccount(ctx, tx, accountID, true)
	if err != nil {
		return err
	}
	until = until.UTC().Truncate(time.Microsecond)
	if acct.RestrictedUntil != nil && acct.RestrictedUntil.After(until) && acct.State != models.AccountActive {
		until = *acct.RestrictedUntil
	}
	updates := map[string]any{"restricted_until": until}
	if acct.State != models.AccountNeedsHuman && acct.State != models.AccountPaused {
		updates["state"] = models.AccountRestricted
		updates["state_reason"] = reason
	}
	return e.updateAccount(ctx, tx, accountID, updates)
}

// SetNeedsHuman stops the account entirely until a person resumes it: a
// security checkpoint, a CAPTCHA or a login challenge. Pacer never tries
// to get past one. The caller records the account.checkpoint event in the
// same transaction (SetNeedsHumanTx).
func (e *Engine) SetNeedsHuman(ctx context.Context, accountID int64, reason string) error {
	return e.inTx(ctx, func(tx *gorm.DB) error { return e.SetNeedsHumanTx(ctx, tx, accountID, reason) })
}

// SetNeedsHumanTx is SetNeedsHuman inside the caller's transaction tx.
func (e *Engine) SetNeedsHumanTx(ctx context.Context, tx *gorm.DB, accountID int64, reason string) error {
	if _, err := e.loadAccount(ctx, tx, accountID, true); err != nil {
		return err
	}
	return e.updateAccount(ctx, tx, accountID, map[string]any{"state": models.AccountNeedsHuman, "state_reason": reason})
}

// SetNotesLeft records what LinkedIn says is left of this month's
// personalized notes. Notes counted after this moment come off it; it caps
// the notes per month further, for this local month only. (A NotesLeft
// written without this call has no time: every note of the month then
// comes off it, which may undercount what is left but never overcounts.)
func (e *Engine) SetNotesLeft(ctx context.Context, accountID int64, left int) error {
	return e.inTx(ctx, func(tx *gorm.DB) error { return e.SetNotesLeftTx(ctx, tx, accountID, left) })
}

// SetNotesLeftTx is SetNotesLeft inside the caller's transaction tx.
func (e *Engine) SetNotesLeftTx(ctx context.Context, tx *gorm.DB, accountID int64, left int) error {
	acct, err := e.loadAccount(ctx, tx, accountID, true)
	if err != nil {
		return err
	}
	set, err := e.settingsFor(acct.Name, accountID)
	if err != nil {
		return err
	}
	now := e.now()
	return e.updateAccount(ctx, tx, accountID, map[string]any{
		"notes_left": max(left, 0), "notes_left_month": set.month(now), "notes_left_at": now,
	})
}

// SetNetwork records the account's connections and pending invitations as
// last read on LinkedIn (or kept by the runner). Crossing the pending
// alert threshold (500 by default), or the stop threshold, records a
// pacertype.EventPendingAlert event for Slack, once per crossing.
func (e *Engine) SetNetwork(ctx context.Context, accountID int64, connections, pending int) error {
	return e.inTx(ctx, func(tx *gorm.DB) error { return e.SetNetworkTx(ctx, tx, accountID, connections, pending) })
}

// ConnectionsReadTx records the account's connection count as LinkedIn's
// connections page showed it at t, inside the caller's transaction tx. The
// 30,000-connection ceiling counts from it (with the pending invitations);
// acceptances recorded later add to it until the next reading.
func (e *Engine) ConnectionsReadTx(ctx context.Context, tx *gorm.DB, accountID int64, count int, at time.Time) error {
	return e.updateAccount(ctx, tx, accountID, map[string]any{"connections": count, "connections_read_at": at.UTC()})
}

// SetNetworkTx is SetNetwork inside the caller's transaction tx.
func (e *Engine) SetNetworkTx(ctx context.Context, tx *gorm.DB, accountID int64, connections, pending int) error {
	acct, err := e.loadAccount(ctx, tx, accountID, true)
	if err != nil {
		return err
	}
	set, err := e.settingsFor(acct.Name, accountID)
	if err != nil {
		return err
	}
	if err := e.updateAccount(ctx, tx, accountID, map[string]any{"connections": connections, "pending_invites": pending}); err != nil {
		return err
	}
	var reason string
	switch {
	case acct.PendingInvites < set.pendingStop && pending >= set.pendingStop:
		reason = fmt.Sprintf("%d invitations are pending: inviting stops at %d until old ones are withdrawn or accepted", pending, set.pendingStop)
	case acct.PendingInvites < set.pendingAlert && pending >= set.pendingAlert:
		reason = fmt.Sprintf("%d invitations are pending (inviting stops at %d); withdraw old ones", pending, set.pendingStop)
	default:
		return nil
	}
	_, err = e.store.RecordEvent(ctx, tx, pacertype.EventPendingAlert, models.EventRefs{AccountID: &acct.ID},
		models.EventData{Account: acct.Name, Reason: reason, Count: pending})
	return err
}

// GuardStatus is the acceptance-rate guard's judgement of an account.
type GuardStatus struct {
	// Level is the guard's level after the evaluation; Previous before it.
	Level    string
	Previous string
	// Decided and Accepted count the last GuardWindow decided invitations.
	Decided  int
	Accepted int
	// Rate is Accepted ÷ Decided (0 when nothing is decided).
	Rate float64
	// Judged is false while fewer than Options.GuardMinDecided invitations
	// are decided: the level is then left as it was.
	Judged bool
}

// EvaluateGuard judges the account's acceptance rate over its last 50
// decided invitations and moves the guard's level: under 20% the daily
// invitation rate halves, under 10% inviting pauses; each change records a
// pacertype.EventGuardTripped event for Slack in the same transaction.
//
// An invitation is one of the account's invite actions in state done. It
// is decided once its member connected at or after it was sent (accepted),
// or the invitation was withdrawn at or after it was sent (declined or
// ignored: LinkedIn does not tell a decline from silence, and Pacer
// withdraws invitations left pending for 21 days). When both happened, the
// earlier decides. "The last 50" are the 50 most recently sent of the
// decided ones. Call it after recording acceptances or withdrawals.
func (e *Engine) EvaluateGuard(ctx context.Context, accountID int64) (GuardStatus, error) {
	var st GuardStatus
	err := e.inTx(ctx, func(tx *gorm.DB) error {
		var err error
		st, err = e.EvaluateGuardTx(ctx, tx, accountID)
		return err
	})
	return st, err
}

// EvaluateGuardTx is EvaluateGuard inside the caller's transaction tx.
func (e *Engine) EvaluateGuardTx(ctx context.Context, tx *gorm.DB, accountID int64) (GuardStatus, error) {
	acct, err := e.loadAccount(ctx, tx, accountID, true)
	if err != nil {
		return GuardStatus{}, err
	}
	var rows []struct {
		ID          int64
		ScheduledAt time.Time
		StartedAt   *time.Time
		FinishedAt  *time.Time
		ConnectedAt *time.Time
		WithdrawnAt *time.Time
	}
	// The most recent invitations are pending more often than not; 500
	// reach far enough back to find 50 decided ones.
	err = tx.WithContext(ctx).Table("actions AS a").
		Select("a.id, a.scheduled_at, a.started_at, a.finished_at, p.connected_at, p.withdrawn_at").
		Joins("JOIN prospects p ON p.id = a.prospect_id").
		Where("a.account_id = ? AND a.kind = ? AND a.state = ?", accountID, models.ActionInvite, models.ActionDone).
		Order("a.scheduled_at DESC, a.id DESC").Limit(500).Scan(&rows).Error
	if err != nil {
		return GuardStatus{}, fmt.Errorf("quota: read the decided invitations of %s: %w", acct.Name, err)
	}
	type decided struct {
		sent     time.Time
		accepted bool
	}
	var ds []decided
	for _, r := range rows {
		sent := r.ScheduledAt
		if r.StartedAt != nil {
			sent = *r.StartedAt
		}
		if r.FinishedAt != nil {
			sent = *r.FinishedAt
		}
		accepted := r.ConnectedAt != nil && !r.ConnectedAt.Before(sent)
		declined := r.WithdrawnAt != nil && !r.WithdrawnAt.Before(sent)
		if accepted && declined {
			accepted = r.ConnectedAt.Before(*r.WithdrawnAt)
		}
		if accepted || declined {
			ds = append(ds, decided{sent, accepted})
		}
	}
	slices.SortStableFunc(ds, func(a, b decided) int { return cmp.Compare(b.sent.UnixNano(), a.sent.UnixNano()) })
	ds = ds[:min(len(ds), GuardWindow)]
	st := GuardStatus{Previous: acct.Guard, Level: acct.Guard, Decided: len(ds)}
	for _, d := range ds {
		if d.accepted {
			st.Accepted++
		}
	}
	if st.Decided > 0 {
		st.Rate = float64(st.Accepted) / float64(st.Decided)
	}
	if st.Decided < e.opts.GuardMinDecided {
		return st, nil
	}
	st.Judged = true
	st.Level = guardLevel(acct.Guard, st.Rate)
	if st.Level == st.Previous {
		return st, nil
	}
	if err := e.updateAccount(ctx, tx, accountID, map[string]any{"guard": st.Level}); err != nil {
		return st, err
	}
	_, err = e.store.RecordEvent(ctx, tx, pacertype.EventGuardTripped, models.EventRefs{AccountID: &acct.ID},
		models.EventData{Account: acct.Name, Reason: guardReason(st), Count: st.Decided})
	return st, err
}

// guardLevel is the guard's next level from its current one and the rate.
// Tightening is immediate; relaxing needs the rate 5 points clear of the
// threshold.
func guardLevel(current string, rate float64) string {
	target := GuardNone
	switch {
	case rate < GuardPauseBelow:
		target = GuardPaused
	case rate < GuardHalveBelow:
		target = GuardHalved
	}
	rank := map[string]int{GuardNone: 0, GuardHalved: 1, GuardPaused: 2}
	if rank[target] >= rank[current] {
		return target
	}
	switch {
	case current == GuardPaused && rate < GuardPauseBelow+guardHysteresis:
		return GuardPaused
	case rate < GuardHalveBelow+guardHysteresis:
		return GuardHalved
	}
	return GuardNone
}

func guardReason(st GuardStatus) string {
	facts := fmt.Sprintf("%.0f%% of the last %d decided invitations were accepted (%d)", st.Rate*100, st.Decided, st.Accepted)
	switch st.Level {
	case GuardPaused:
		return facts + ": inviting is paused until the rate recovers to 15%"
	case GuardHalved:
		return facts + ": the daily invitation rate is halved until the rate recovers to 25%"
	}
	return facts + ": back to the full daily invitation rate"
}

func (e *Engine) inTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return e.store.DB.WithContext(ctx).Transaction(fn)
}

func (e *Engine) updateAccount(ctx context.Context, tx *gorm.DB, accountID int64, updates map[string]any) error {
	updates["updated_at"] = e.now()
	if err := tx.WithContext(ctx).Table("accounts").Where("id = ?", accountID).Updates(updates).Error; err != nil {
		return fmt.Errorf("quota: update account %d: %w", accountID, err)
	}
	return nil
}
