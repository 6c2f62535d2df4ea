package quota

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/models"
)

// StopReason is the state reason StopAll gives the accounts it pauses.
// ResumeAll resumes the accounts paused with it, and no other.
const StopReason = "every account was stopped at once (stop all)"

// StopResult is what StopAll or ResumeAll did.
type StopResult struct {
	// Changed names the accounts it paused or resumed.
	Changed []string
	// Left are the accounts it left as they were, and why.
	Left []LeftAccount
}

// LeftAccount is an account StopAll or ResumeAll did not change.
type LeftAccount struct {
	Name, State, Reason, PausedBy string
}

// StopAll pauses every account that may act, at once, for by: each is
// paused with StopReason and the pause recorded as a decision (PauseTx),
// in one transaction. Nothing is claimed after it commits (a claim reserves its
// quota under the account's lock and is refused while the account is
// paused); an action already claimed finishes its click and is recorded.
// An account already paused by hand, or waiting for a person, is left as
// it is: resume all must not lift a pause it did not set, nor a checkpoint.
// An account LinkedIn restricted is paused too, and its restriction kept:
// a person's pause outlasts it (see RestrictTx and ResumeTx).
func (e *Engine) StopAll(ctx context.Context, by string) (StopResult, error) {
	return e.eachAccount(ctx, func(tx *gorm.DB, a accountRow, res *StopResult) error {
		switch a.State {
		case models.AccountPaused, models.AccountNeedsHuman:
			res.Left = append(res.Left, LeftAccount{Name: a.Name, State: a.State, Reason: a.StateReason, PausedBy: a.PausedBy})
			return nil
		}
		res.Changed = append(res.Changed, a.Name)
		return e.PauseTx(ctx, tx, a.ID, by, StopReason)
	})
}

// ResumeAll undoes StopAll: it resumes, for by, every account StopAll
// paused (a restriction still running takes over until its end) and
// records each resume as a decision (ResumeTx), in one transaction. Accounts paused
// by hand or waiting for a person stay as they are.
func (e *Engine) ResumeAll(ctx context.Context, by string) (StopResult, error) {
	return e.eachAccount(ctx, func(tx *gorm.DB, a accountRow, res *StopResult) error {
		if a.State == models.AccountActive {
			return nil
		}
		if a.State != models.AccountPaused || a.StateReason != StopReason {
			res.Left = append(res.Left, LeftAccount{Name: a.Name, State: a.State, Reason: a.StateReason, PausedBy: a.PausedBy})
			return nil
		}
		res.Changed = append(res.Changed, a.Name)
		return e.ResumeTx(ctx, tx, a.ID, by)
	})
}

// eachAccount runs fn on every account, in the order of their ids (the
// order of the row locks), under its row lock, in
// one transaction.
func (e *Engine) eachAccount(ctx context.Context, fn func(tx *gorm.DB, a accountRow, res *StopResult) error) (StopResult, error) {
	var res StopResult
	err := e.inTx(ctx, func(tx *gorm.DB) error {
		res = StopResult{}
		var ids []int64
		if err := tx.WithContext(ctx).Table("accounts").Order("id").Pluck("id", &ids).Error; err != nil {
			return fmt.Errorf("quota: list the accounts: %w", err)
		}
		for _, id := range ids {
			a, err := e.loadAccount(ctx, tx, id, true)
			if err != nil {
				return err
			}
			if err := fn(tx, a, &res); err != nil {
				return err
			}
		}
		return nil
	})
	return res, err
}
