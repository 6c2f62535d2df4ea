package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/quota"
)

// txDB is a gorm transaction.
type txDB = *gorm.DB

// job is a claimed action with everything needed to carry it out and
// record it.
type job struct {
	act      action
	acct     models.Account
	prospect *models.Prospect
	campaign *models.Campaign
	// ccfg is the campaign's configuration (zero when the campaign is no
	// longer configured).
	ccfg       config.Campaign
	proposalID *int64
	// inviteRes is the action's reservation (of its own kind); noteRes the
	// note's, for an invitation with a note.
	inviteRes *int64
	noteRes   *int64
	// note is the note to send: the approved one, or none when the notes
	// ran out and the campaign sends without.
	note string
	// doubt is set when an earlier attempt may have acted: the action was
	// left in flight, or went back to the queue with its quota kept. Its
	// page is read before anything is clicked, and its quota is never given
	// back.
	doubt bool
	// suppressed is set when the action would reach a prospect on the
	// do-not-contact list, added since the approval: it is skipped without
	// opening their page, and nothing new is reserved for it.
	suppressed bool
}

// refusal is a reservation the quota refused; note says it was the note's.
type refusal struct {
	le   *quota.LimitError
	note bool
}

// errGone: the action changed since it was read (another runner, a
// cancellation); the worker looks again.
var errGone = errors.New("runner: the action changed meanwhile")

// errRefused rolls a claim back when the quota refuses.
var errRefused = errors.New("runner: refused")

// accountRow is an account with its lease.
type accountRow struct {
	models.Account
	LeaseOwner string
	LeaseUntil *time.Time
}

// TableName is the accounts table.
func (accountRow) TableName() string { return "accounts" }

// claim takes the action for the runner in one transaction: it checks the
// account's lease is still the runner's, reserves the action's quota (and
// its note's) unless an earlier attempt's reservation is kept, and marks
// the action in flight under the lease. A quota refusal returns a refusal
// and changes nothing.
func (w *worker) claim(ctx context.Context, a action, takeover bool) (*job, *refusal, error) {
	r := w.r
	var j *job
	var ref *refusal
	now := r.now()
	until, _ := w.lease()
	err := r.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Where("id = ?", w.id)
		if r.store.Dialect == models.DialectPostgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var acct accountRow
		if err := q.Take(&acct).Error; err != nil {
			return fmt.Errorf("runner: read the account: %w", err)
		}
		if acct.LeaseOwner != r.owner {
			return errLost
		}
		want := stateScheduled
		if takeover {
			want = stateInFlight
		}
		var cur action
		err := tx.Where("id = ? AND state = ?", a.ID, want).Take(&cur).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return errGone
		}
		if err != nil {
			return fmt.Errorf("runner: read action %d: %w", a.ID, err)
		}
		if j, err = w.load(ctx, tx, cur); err != nil {
			return err
		}
		j.acct = acct.Account
		j.doubt = takeover || cur.ReservationID != nil
		if j.suppressed, err = reachesSuppressed(tx, cur); err != nil {
			return err
		}
		switch {
		case cur.ReservationID != nil:
			j.inviteRes = cur.ReservationID
		case !j.suppressed:
			req := quota.Request{AccountID: w.id, Kind: quotaKind(cur), ActionID: &cur.ID}
			if cur.Kind == models.ActionInvite {
				req.ProspectID = cur.ProspectID
			}
			res, err := r.quota.ReserveForTx(ctx, tx, req)
			var le *quota.LimitError
			if errors.As(err, &le) {
				ref = &refusal{le: le}
				return errRefused
			}
			if err != nil {
				return err
			}
			j.inviteRes = &res.ID
		}
		if cur.Kind == models.ActionInvite && cur.Note != "" {
			var kept []int64
			if err := tx.Model(&models.QuotaEntry{}).Where("action_id = ? AND kind = ? AND state <> ?", cur.ID, quota.KindNote, models.QuotaReleased).
				Order("id").Pluck("id", &kept).Error; err != nil {
				return fmt.Errorf("runner: read the note's reservation: %w", err)
			}
			switch {
			case len(kept) > 0:
				j.noteRes = &kept[0]
			case j.suppressed:
				// Nothing new for an action that will not go.
			default:
				res, err := r.quota.ReserveForTx(ctx, tx, quota.Request{AccountID: w.id, Kind: quota.KindNote, ActionID: &cur.ID})
				var le *quota.LimitError
				switch {
				case errors.As(err, &le) && le.Limit != quota.LimitAccountState && j.ccfg.SendWithoutNote:
					j.note = "" // the campaign sends without its note when none is left
				case errors.As(err, &le):
					ref = &refusal{le: le, note: le.Limit != quota.LimitAccountState}
					return errRefused
				case err != nil:
					return err
				default:
					j.noteRes = &res.ID
				}
			}
		}
		upd := tx.Table("actions").Where("id = ? AND state = ?", cur.ID, want).Updates(map[string]any{
			"state": stateInFlight, "attempts": gorm.Expr("attempts + 1"), "started_at": now,
			"reservation_id": j.inviteRes, "lease_owner": r.owner, "lease_until": until, "updated_at": now,
		})
		if upd.Error != nil {
			return fmt.Errorf("runner: claim action %d: %w", cur.ID, upd.Error)
		}
		if upd.RowsAffected != 1 {
			return errGone
		}
		j.act.State = stateInFlight
		j.act.Attempts++
		return nil
	})
	if errors.Is(err, errRefused) {
		return nil, ref, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return j, nil, nil
}

// reachesSuppressed reports whether the action would reach a prospect on
// the do-not-contact list: an invitation, a visit, a follow or a like.
// Withdrawing an invitation and reading a connection's contact info reach
// nobody.
func reachesSuppressed(tx txDB, a action) (bool, error) {
	switch a.Kind {
	case models.ActionInvite, models.ActionView, models.ActionFollow, models.ActionLike:
	default:
		return false, nil
	}
	if a.ProspectID == nil {
		return false, nil
	}
	var n int64
	err := tx.Table("prospects AS p").Where("p.id = ? AND "+models.SuppressedSQL, *a.ProspectID).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("runner: check the do-not-contact list: %w", err)
	}
	return n > 0, nil
}

// load reads what an action concerns: its account, prospect, campaign (and
// the campaign's configuration) and proposal.
func (w *worker) load(ctx context.Context, db *gorm.DB, a action) (*job, error) {
	j := &job{act: a, note: a.Note}
	if err := db.WithContext(ctx).Take(&j.acct, a.AccountID).Error; err != nil {
		return nil, fmt.Errorf("runner: read account %d: %w", a.AccountID, err)
	}
	if a.ProspectID != nil {
		var p models.Prospect
		if err := db.WithContext(ctx).Take(&p, *a.ProspectID).Error; err != nil {
			return nil, fmt.Errorf("runner: read prospect %d: %w", *a.ProspectID, err)
		}
		j.prospect = &p
	}
	if a.CampaignID != nil {
		var c models.Campaign
		if err := db.WithContext(ctx).Take(&c, *a.CampaignID).Error; err != nil {
			return nil, fmt.Errorf("runner: read campaign %d: %w", *a.CampaignID, err)
		}
		j.campaign = &c
		j.ccfg, _ = w.r.cfg.Campaign(c.Name)
	}
	if a.ProposalItemID != nil {
		var ids []int64
		if err := db.WithContext(ctx).Table("proposal_items").Where("id = ?", *a.ProposalItemID).Pluck("proposal_id", &ids).Error; err != nil {
			return nil, fmt.Errorf("runner: read the proposal of action %d: %w", a.ID, err)
		}
		if len(ids) > 0 {
			j.proposalID = &ids[0]
		}
	}
	return j, nil
}
