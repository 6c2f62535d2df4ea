package quota

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/models"
)

// Reservation is quota set aside for one action: a ledger entry in state
// reserved. It counts against every limit from the moment it exists.
type Reservation struct {
	// ID is the ledger entry's id; Commit and Release take it.
	ID        int64
	AccountID int64
	Kind      string
	// At is when it was reserved: the time the limits count it at.
	At time.Time
	// ExpiresAt is when, without an outcome, it turns into used.
	ExpiresAt time.Time
}

// Request asks for a reservation with more than an account and a kind.
type Request struct {
	AccountID int64
	Kind      string
	// ActionID links the ledger entry to its action.
	ActionID *int64
	// ProspectID, for an invitation, makes the reservation check the
	// 21-day block after a withdrawal of that member.
	ProspectID *int64
}

// Reserve sets aside quota for one action of kind, in a transaction of its
// own. See ReserveForTx.
func (e *Engine) Reserve(ctx context.Context, accountID int64, kind string) (Reservation, error) {
	return e.ReserveFor(ctx, Request{AccountID: accountID, Kind: kind})
}

// ReserveTx is Reserve inside the caller's transaction tx.
func (e *Engine) ReserveTx(ctx context.Context, tx *gorm.DB, accountID int64, kind string) (Reservation, error) {
	return e.ReserveForTx(ctx, tx, Request{AccountID: accountID, Kind: kind})
}

// ReserveFor is ReserveForTx in a transaction of its own.
func (e *Engine) ReserveFor(ctx context.Context, req Request) (Reservation, error) {
	var r Reservation
	err := e.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		r, err = e.ReserveForTx(ctx, tx, req)
		return err
	})
	return r, err
}

// ReserveForTx checks every limit that applies to the request's kind and,
// when none refuses, records a reservation, inside the caller's transaction
// tx (the runner claims its action in the same one). It takes the account's
// row lock on Postgres; on SQLite every transaction holds the write lock:
// reservations for one account are serialized across processes.
//
// A refusal is a *LimitError (errors.Is ErrLimit, or ErrAccountNotActive
// when the account's state refuses) saying which limit and when it frees
// up. Nothing is written on a refusal, nor on any other error.
//
// Reserve checks the limits, not the pacing: it does not refuse outside
// the working hours or right after another action. The runner claims an
// action only once NextSlot has come.
func (e *Engine) ReserveForTx(ctx context.Context, tx *gorm.DB, req Request) (Reservation, error) {
	if err := CheckKind(req.Kind); err != nil {
		return Reservation{}, err
	}
	now := e.now()
	snap, err := e.loadSnapshot(ctx, tx, req.AccountID, now, true, req.Kind == KindNote)
	if err != nil {
		return Reservation{}, err
	}
	if snap.acct.State == models.AccountRestricted && snap.acct.RestrictedUntil != nil && !now.Before(*snap.acct.RestrictedUntil) {
		if err := e.endRestriction(ctx, tx, snap.acct.ID); err != nil {
			return Reservation{}, err
		}
		snap.acct.State = models.AccountActive
	}
	if refusal := snap.check(req.Kind, now); refusal != nil {
		return Reservation{}, refusal
	}
	if req.Kind == KindInvite && req.ProspectID != nil {
		if err := e.reinviteCheck(ctx, tx, *req.ProspectID, now); err != nil {
			var le *LimitError
			if errors.As(err, &le) {
				le.Account, le.AccountID = snap.acct.Name, snap.acct.ID
			}
			return Reservation{}, err
		}
	}
	entry := models.QuotaEntry{
		AccountID: req.AccountID, Kind: req.Kind, At: now, State: models.QuotaReserved,
		ExpiresAt: now.Add(e.opts.ReservationTTL), ActionID: req.ActionID, CreatedAt: now,
	}
	if err := tx.WithContext(ctx).Create(&entry).Error; err != nil {
		return Reservation{}, fmt.Errorf("quota: record the reservation: %w", err)
	}
	if req.Kind == KindInvite {
		if a := nextAnchor(snap.acct.InviteWindowStart, now); a != snap.acct.InviteWindowStart {
			if err := e.setAnchor(ctx, tx, req.AccountID, a); err != nil {
				return Reservation{}, err
			}
		}
	}
	return Reservation{ID: entry.ID, AccountID: req.AccountID, Kind: req.Kind, At: now, ExpiresAt: entry.ExpiresAt}, nil
}

func (e *Engine) setAnchor(ctx context.Context, tx *gorm.DB, accountID int64, anchor *time.Time) error {
	err := tx.WithContext(ctx).Table("accounts").Where("id = ?", accountID).
		Update("invite_window_start", anchor).Error
	if err != nil {
		return fmt.Errorf("quota: move the invitation window: %w", err)
	}
	return nil
}

func (e *Engine) endRestriction(ctx context.Context, tx *gorm.DB, accountID int64) error {
	err := tx.WithContext(ctx).Table("accounts").Where("id = ? AND state = ?", accountID, models.AccountRestricted).
		Updates(map[string]any{"state": models.AccountActive, "state_reason": "", "restricted_until": nil, "updated_at": e.now()}).Error
	if err != nil {
		return fmt.Errorf("quota: end the restriction of account %d: %w", accountID, err)
	}
	return nil
}

// Commit marks a reservation used: the action happened. It is idempotent.
// A reservation released by mistake and committed after all is counted
// again (the action happened; the ledger says so), with a warning logged.
func (e *Engine) Commit(ctx context.Context, reservationID int64) error {
	return e.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return e.CommitTx(ctx, tx, reservationID)
	})
}

// CommitTx is Commit inside the caller's transaction tx.
func (e *Engine) CommitTx(ctx context.Context, tx *gorm.DB, reservationID int64) error {
	entry, err := e.entry(ctx, tx, reservationID)
	if err != nil {
		return err
	}
	switch entry.State {
	case models.QuotaUsed:
		return nil
	case models.QuotaReleased:
		// Lock the account as Reserve does: the entry may move its window.
		acct, err := e.loadAccount(ctx, tx, entry.AccountID, true)
		if err != nil {
			return err
		}
		e.opts.Logger.Warn("quota: a released reservation is committed after all; counting it",
			slog.Int64("reservation", entry.ID), slog.String("account", acct.Name), slog.String("kind", entry.Kind))
		if entry.Kind == KindInvite && acct.InviteWindowStart != nil && entry.At.Before(*acct.InviteWindowStart) &&
			entry.At.Add(Week).After(*acct.InviteWindowStart) {
			if err := e.setAnchor(ctx, tx, acct.ID, &entry.At); err != nil {
				return err
			}
		}
	}
	err = tx.WithContext(ctx).Model(&models.QuotaEntry{}).Where("id = ?", entry.ID).Update("state", models.QuotaUsed).Error
	if err != nil {
		return fmt.Errorf("quota: commit reservation %d: %w", entry.ID, err)
	}
	return nil
}

// Release gives a reservation back to free quota. Call it only when the
// action certainly did not happen. A reservation that is already used —
// committed, or expired into used because its outcome never came — is not
// given back: Release returns ErrReservationSettled. Releasing twice is
// harmless.
func (e *Engine) Release(ctx context.Context, reservationID int64) error {
	return e.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return e.ReleaseTx(ctx, tx, reservationID)
	})
}

// ReleaseTx is Release inside the caller's transaction tx.
func (e *Engine) ReleaseTx(ctx context.Context, tx *gorm.DB, reservationID int64) error {
	entry, err := e.entry(ctx, tx, reservationID)
	if err != nil {
		return err
	}
	if entry.State == models.QuotaReleased {
		return nil
	}
	// Lock the account first, as Reserve does: the window may move.
	acct, err := e.loadAccount(ctx, tx, entry.AccountID, true)
	if err != nil {
		return err
	}
	now := e.now()
	res := tx.WithContext(ctx).Model(&models.QuotaEntry{}).
		Where("id = ? AND state = ? AND expires_at > ?", entry.ID, models.QuotaReserved, now).
		Update("state", models.QuotaReleased)
	if res.Error != nil {
		return fmt.Errorf("quota: release reservation %d: %w", entry.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		entry, err = e.entry(ctx, tx, reservationID)
		if err != nil {
			return err
		}
		if entry.State == models.QuotaReleased {
			return nil
		}
		if entry.State == models.QuotaReserved {
			// Expired: settle it as used now, as ExpireReservations would.
			if err := tx.WithContext(ctx).Model(&models.QuotaEntry{}).Where("id = ?", entry.ID).
				Update("state", models.QuotaUsed).Error; err != nil {
				return fmt.Errorf("quota: expire reservation %d: %w", entry.ID, err)
			}
		}
		return fmt.Errorf("%w (reservation %d of %s, %s, reserved at %s)", ErrReservationSettled,
			entry.ID, acct.Name, entry.Kind, entry.At.UTC().Format(time.RFC3339))
	}
	return e.inviteUncounted(ctx, tx, acct, entry)
}

// inviteUncounted moves the anchored window when the invitation that opened
// it turns out not to have happened: the window starts with the next one
// that did, as LinkedIn's does.
func (e *Engine) inviteUncounted(ctx context.Context, tx *gorm.DB, acct accountRow, entry models.QuotaEntry) error {
	if entry.Kind != KindInvite || acct.InviteWindowStart == nil || !acct.InviteWindowStart.Equal(entry.At) {
		return nil
	}
	var next []time.Time
	err := tx.WithContext(ctx).Model(&models.QuotaEntry{}).
		Where("account_id = ? AND kind = ? AND state <> ? AND at >= ?", acct.ID, KindInvite, models.QuotaReleased, entry.At).
		Order("at").Limit(1).Pluck("at", &next).Error
	if err != nil {
		return fmt.Errorf("quota: move the invitation window: %w", err)
	}
	var anchor *time.Time
	if len(next) > 0 {
		anchor = &next[0]
	}
	return e.setAnchor(ctx, tx, acct.ID, anchor)
}

// PageLoad is PageLoadTx in a transaction of its own.
func (e *Engine) PageLoad(ctx context.Context, reservationID int64) error {
	return e.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return e.PageLoadTx(ctx, tx, reservationID)
	})
}

// PageLoadTx settles a reservation whose page was opened but whose action
// did not happen: LinkedIn said it need not or cannot be done (already
// connected, already pending, not found, an email asked for…), or the
// attempt failed before its click. The page load happened, and quota a
// page load used is never given back: the entry turns into a used profile
// view (a page read, for an action that opens no profile) at the time it
// was reserved, so the minimum gap and the profile views go on counting it,
// while what the action itself would have counted (an invitation, a
// withdrawal) is not counted. A note's reservation is released: a note
// rides on its invitation and loads no page.
//
// A reservation already settled (committed, or expired into used) stays as
// it is: it counts already, and counting more is the safe side.
func (e *Engine) PageLoadTx(ctx context.Context, tx *gorm.DB, reservationID int64) error {
	entry, err := e.entry(ctx, tx, reservationID)
	if err != nil {
		return err
	}
	if entry.Kind == KindNote {
		if err := e.ReleaseTx(ctx, tx, reservationID); err != nil && !errors.Is(err, ErrReservationSettled) {
			return err
		}
		return nil
	}
	if entry.State != models.QuotaReserved {
		return nil
	}
	acct, err := e.loadAccount(ctx, tx, entry.AccountID, true)
	if err != nil {
		return err
	}
	err = tx.WithContext(ctx).Model(&models.QuotaEntry{}).Where("id = ? AND state = ?", entry.ID, models.QuotaReserved).
		Updates(map[string]any{"kind": pageLoadKind(entry.Kind), "state": models.QuotaUsed}).Error
	if err != nil {
		return fmt.Errorf("quota: count reservation %d as a page load: %w", entry.ID, err)
	}
	return e.inviteUncounted(ctx, tx, acct, entry)
}

// NotSentTx settles an invitation (or its note) or a message that an
// attempt counted in doubt (Send clicked and not confirmed, a crash
// mid-action) once the page proved it was not that attempt that sent it:
// the invitation or message counts as the page load it was, a profile view
// at its time; the note is given back. Anything else, and an entry already
// given back, stays as it is.
func (e *Engine) NotSentTx(ctx context.Context, tx *gorm.DB, reservationID int64) error {
	entry, err := e.entry(ctx, tx, reservationID)
	if err != nil {
		return err
	}
	if entry.State == models.QuotaReleased || !slices.Contains([]string{KindInvite, KindNote, KindMessage}, entry.Kind) {
		return nil
	}
	acct, err := e.loadAccount(ctx, tx, entry.AccountID, true)
	if err != nil {
		return err
	}
	updates := map[string]any{"kind": pageLoadKind(entry.Kind), "state": models.QuotaUsed}
	if entry.Kind == KindNote {
		updates = map[string]any{"state": models.QuotaReleased}
	}
	if err := tx.WithContext(ctx).Model(&models.QuotaEntry{}).Where("id = ?", entry.ID).Updates(updates).Error; err != nil {
		return fmt.Errorf("quota: count reservation %d as not sent: %w", entry.ID, err)
	}
	return e.inviteUncounted(ctx, tx, acct, entry)
}

// ActedTx records that the account's action ended at t, after its last page
// load: the minimum gap before the next action counts from the later of t
// and the action's reservation.
func (e *Engine) ActedTx(ctx context.Context, tx *gorm.DB, accountID int64, t time.Time) error {
	err := tx.WithContext(ctx).Table("accounts").
		Where("id = ? AND (last_acted_at IS NULL OR last_acted_at < ?)", accountID, t).
		Update("last_acted_at", t.UTC()).Error
	if err != nil {
		return fmt.Errorf("quota: record the end of account %d's action: %w", accountID, err)
	}
	return nil
}

func (e *Engine) entry(ctx context.Context, tx *gorm.DB, id int64) (models.QuotaEntry, error) {
	var entry models.QuotaEntry
	err := tx.WithContext(ctx).Take(&entry, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return entry, fmt.Errorf("%w: %d", ErrNoReservation, id)
	}
	if err != nil {
		return entry, fmt.Errorf("quota: read reservation %d: %w", id, err)
	}
	return entry, nil
}

// ExpireReservations turns every reservation whose outcome did not come in
// time into used, and returns how many. Reserved entries count against the
// limits already, so this changes no count: it settles them, so that a late
// Release cannot give them back. Run it periodically.
func (e *Engine) ExpireReservations(ctx context.Context) (int64, error) {
	res := e.store.DB.WithContext(ctx).Model(&models.QuotaEntry{}).
		Where("state = ? AND expires_at <= ?", models.QuotaReserved, e.now()).
		Update("state", models.QuotaUsed)
	if res.Error != nil {
		return 0, fmt.Errorf("quota: expire reservations: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// CanInvite returns nil when the member may be invited now, or a
// *LimitError (LimitReinvite) with the time the 21-day block after a
// withdrawal ends. The block is team-wide: whichever account withdrew.
func (e *Engine) CanInvite(ctx context.Context, prospectID int64) error {
	return e.reinviteCheck(ctx, e.store.DB, prospectID, e.now())
}

func (e *Engine) reinviteCheck(ctx context.Context, tx *gorm.DB, prospectID int64, now time.Time) error {
	var p struct {
		Slug        string
		WithdrawnAt *time.Time
	}
	err := tx.WithContext(ctx).Table("prospects").Select("slug, withdrawn_at").Where("id = ?", prospectID).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("quota: no prospect has the id %d", prospectID)
	}
	if err != nil {
		return fmt.Errorf("quota: read prospect %d: %w", prospectID, err)
	}
	if p.WithdrawnAt != nil && now.Before(p.WithdrawnAt.Add(ReinviteBlock)) {
		return &LimitError{
			Limit: LimitReinvite, Kind: KindInvite, ResetAt: p.WithdrawnAt.Add(ReinviteBlock),
			Reason: fmt.Sprintf("the invitation to %s was withdrawn on %s; LinkedIn blocks a new one for 21 days",
				p.Slug, p.WithdrawnAt.UTC().Format("2006-01-02")),
		}
	}
	return nil
}
