package runner

import (
	"fmt"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
)

// The recorder's quota: what each attempt's reservations become.

// reservations are the ledger entries this attempt reserved: its action's
// (the invitation, for an invite) and its note's.
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
// counted as kinds (an invitation and its note, a message), once the page
// told: none of them sent it (keepOne false), or one of them did (keepOne
// true). One invitation is one invitation, however many attempts it took:
// only the latest earlier attempt that counted one keeps it (the one that
// sent it, since every attempt in doubt reads the profile before it
// clicks, and none clicks once it shows Pending); the others count as the
// page loads they were.
func (rec *recorder) uncountEarlier(keepOne bool, kinds ...string) error {
	for _, kind := range kinds {
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
	case res.outcome == pacertype.OutcomeDone:
		return true
	case kind == models.ActionInvite:
		return res.sendClicked
	}
	switch res.outcome {
	case pacertype.OutcomeTransient, pacertype.OutcomeCheckpoint, pacertype.OutcomeSessionRejected:
		return true
	}
	return false
}
