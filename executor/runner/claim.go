package runner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
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
	// doubt is set when an earlier attempt may have acted (the action is
	// in doubt): its page is read before anything is clicked.
	doubt bool
	// heldBack is set when the action must no longer reach its prospect
	// (heldBack): it is skipped with this outcome without opening their
	// page, and nothing new is reserved for it.
	heldBack pacertype.Outcome
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
// account's lease is still the runner's, reserves the attempt's quota (and
// its note's) against the limits of this moment, and marks the action in
// flight under the lease. Every attempt reserves its own: a retry counts on
// the day it is made, and what an earlier attempt counted stays counted. A
// quota refusal returns a refusal and changes nothing.
func (w *worker) claim(ctx context.Context, a action) (*job, *refusal, error) {
	now := w.r.now()
	until, _ := w.lease()
	var j *job
	var ref *refusal
	err := w.r.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		j, ref, err = w.claimTx(ctx, tx, a, now, until)
		return err
	})
	if errors.Is(err, errRefused) {
		return nil, ref, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return j, nil, nil
}

// claimTx is claim's transaction. A quota refusal returns the refusal with
// errRefused, so that the transaction rolls back what was reserved before.
func (w *worker) claimTx(ctx context.Context, tx *gorm.DB, a action, now time.Time, until leaseEnd) (*job, *refusal, error) {
	acct, err := w.leasedAccount(tx)
	if err != nil {
		return nil, nil, err
	}
	cur, err := scheduledAction(tx, a.ID)
	if err != nil {
		return nil, nil, err
	}
	j, err := w.load(ctx, tx, cur)
	if err != nil {
		return nil, nil, err
	}
	j.acct = acct.Account
	j.doubt = cur.InDoubt
	if j.heldBack, err = heldBack(tx, cur); err != nil {
		return nil, nil, err
	}
	if j.heldBack == "" {
		if ref, err := w.reserve(ctx, tx, j); ref != nil || err != nil {
			return nil, ref, cmp.Or(err, errRefused)
		}
	}
	if err := w.markInFlight(tx, j, now, until); err != nil {
		return nil, nil, err
	}
	return j, nil, nil
}

// scheduledAction reads the action again inside the claim's transaction:
// errGone when it is no longer scheduled.
func scheduledAction(tx *gorm.DB, id int64) (action, error) {
	var cur action
	err := tx.Where("id = ? AND state = ?", id, stateScheduled).Take(&cur).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return cur, errGone
	}
	if err != nil {
		return cur, fmt.Errorf("runner: read action %d: %w", id, err)
	}
	return cur, nil
}

// markInFlight marks the job's action in flight under the runner's lease,
// counting the attempt. It changes the row only while it is still
// scheduled, so a cancellation or another runner in between gives errGone.
func (w *worker) markInFlight(tx *gorm.DB, j *job, now time.Time, until leaseEnd) error {
	upd := tx.Table("actions").Where("id = ? AND state = ?", j.act.ID, stateScheduled).Updates(map[string]any{
		"state": stateInFlight, "attempts": gorm.Expr("attempts + 1"), "started_at": now,
		"reservation_id": j.inviteRes, "lease_owner": w.r.owner, "lease_until": until.db, "updated_at": now,
	})
	if upd.Error != nil {
		return fmt.Errorf("runner: claim action %d: %w", j.act.ID, upd.Error)
	}
	if upd.RowsAffected != 1 {
		return errGone
	}
	j.act.State = stateInFlight
	j.act.Attempts++
	return nil
}

// leasedAccount reads the worker's account under its row lock (Postgres;
// SQLite's immediate transactions hold the write lock) and checks that its
// lease is still the runner's.
func (w *worker) leasedAccount(tx *gorm.DB) (accountRow, error) {
	q := tx.Where("id = ?", w.id)
	if w.r.store.Dialect == models.DialectPostgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var acct accountRow
	if err := q.Take(&acct).Error; err != nil {
		return acct, fmt.Errorf("runner: read the account: %w", err)
	}
	if acct.LeaseOwner != w.r.owner {
		return acct, errLost
	}
	return acct, nil
}

// reserve reserves the attempt's quota: its own kind's, and for an
// invitation with a note the note's. A note the month has no room for is
// dropped when the campaign sends without notes.
func (w *worker) reserve(ctx context.Context, tx *gorm.DB, j *job) (*refusal, error) {
	cur := j.act
	req := quota.Request{AccountID: w.id, Kind: quotaKind(cur), ActionID: &cur.ID}
	if cur.Kind == models.ActionInvite {
		req.ProspectID = cur.ProspectID
	}
	res, err := w.r.quota.ReserveForTx(ctx, tx, req)
	var le *quota.LimitError
	if errors.As(err, &le) {
		return &refusal{le: le}, nil
	}
	if err != nil {
		return nil, err
	}
	j.inviteRes = &res.ID
	if cur.Kind != models.ActionInvite || cur.Note == "" {
		return nil, nil
	}
	note, err := w.r.quota.ReserveForTx(ctx, tx, quota.Request{AccountID: w.id, Kind: quota.KindNote, ActionID: &cur.ID})
	switch {
	case errors.As(err, &le) && le.Limit != quota.LimitAccountState && j.ccfg.SendWithoutNote:
		j.note = "" // the campaign sends without its note when none is left
	case errors.As(err, &le):
		return &refusal{le: le, note: le.Limit != quota.LimitAccountState}, nil
	case err != nil:
		return nil, err
	default:
		j.noteRes = &note.ID
	}
	return nil, nil
}

// settleOrphan puts back in the queue an action found in flight when the
// runner took the account's lease: a runner that died (or lost its lease)
// left it, and whether it acted is unknown. What it reserved counts (when in
// doubt, count it), and the action is in doubt: its next attempt, paced and
// counted as any, reads the page before it clicks anything.
func (w *worker) settleOrphan(ctx context.Context, a action) error {
	r := w.r
	return r.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := w.leasedAccount(tx); err != nil {
			return err
		}
		var open []int64
		if err := tx.Model(&models.QuotaEntry{}).Where("action_id = ? AND state = ?", a.ID, models.QuotaReserved).
			Pluck("id", &open).Error; err != nil {
			return fmt.Errorf("runner: read the reservations of action %d: %w", a.ID, err)
		}
		for _, id := range open {
			if err := r.quota.CommitTx(ctx, tx, id); err != nil {
				return err
			}
		}
		now := r.now()
		res := tx.Table("actions").Where("id = ? AND state = ?", a.ID, stateInFlight).Updates(map[string]any{
			"state": stateScheduled, "in_doubt": true, "lease_owner": "", "lease_until": nil, "updated_at": now,
		})
		if res.Error != nil {
			return fmt.Errorf("runner: put action %d back in the queue: %w", a.ID, res.Error)
		}
		return nil
	})
}

// heldBack tells whether the action must no longer reach its prospect,
// and why: an invitation, a visit, a follow, a like or a message to a
// prospect put on the do-not-contact list since the approval
// (pacertype.OutcomeSuppressed), or a follow-up message to a prospect who
// has replied since (pacertype.OutcomeReplied): their sequence stopped.
// Withdrawing an invitation and reading a connection's contact info reach
// nobody. It returns "" when the action may go.
func heldBack(tx txDB, a action) (pacertype.Outcome, error) {
	switch a.Kind {
	case models.ActionInvite, models.ActionView, models.ActionFollow, models.ActionLike, models.ActionMessage:
	default:
		return "", nil
	}
	if a.ProspectID == nil {
		return "", nil
	}
	var p struct {
		Suppressed bool
		Replied    bool
	}
	err := tx.Table("prospects AS p").Select("("+models.SuppressedSQL+") AS suppressed, p.replied_at IS NOT NULL AS replied").
		Where("p.id = ?", *a.ProspectID).Take(&p).Error
	switch {
	case err != nil:
		return "", fmt.Errorf("runner: check the do-not-contact list and the replies: %w", err)
	case p.Suppressed:
		return pacertype.OutcomeSuppressed, nil
	case p.Replied && a.Kind == models.ActionMessage:
		return pacertype.OutcomeReplied, nil
	}
	return "", nil
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
