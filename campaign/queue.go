package campaign

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/models"
)

// walkWindow is how many queued enrollments, from the head of a campaign's
// queue, one proposal walks at most. Walking an enrollment and, when it
// cannot be proposed, passing it over costs about 15 µs on SQLite and
// 30–100 µs on Postgres (measured with BenchmarkPropose on 2 shared cores,
// most of it in the UPDATEs that pass over), so a window keeps the slowest
// proposal well under 200 ms whatever the queue's head holds, and is still
// far more than a batch.
const walkWindow = 1000

// dueTidyCalls is how many windows ProposeDue passes over, at most, for one
// campaign in one run (about a second) before it leaves the rest to the
// next run.
const dueTidyCalls = 20

// walkWindow is the walk window of this proposer (tests set a small one).
func (p *Proposer) walkWindow() int {
	if p.window > 0 {
		return p.window
	}
	return walkWindow
}

// selectCandidates returns the next prospects of the campaign's queue that
// may be proposed, at most limit, in queue order, from the first
// walkWindow enrollments of the queue. When the window is walked without
// filling the batch and more is queued behind it, everyone in the window
// but the candidates found is passed over at once (in its own
// transaction), so that the next proposal walks the next window; with no
// candidate at all, the result is a *TidiedError (errors.Is
// ErrQueueTidied). When the window holds the whole queue, nothing but the
// candidates is returned: a queue left with none reads as empty.
func (p *Proposer) selectCandidates(ctx context.Context, db *gorm.DB, q queueWalk, now time.Time, limit int) ([]candidate, error) {
	campaignID := q.campaignID
	window := p.walkWindow()
	cands, err := walkCandidates(ctx, db, q, now, window, limit)
	if err != nil || len(cands) >= limit {
		return cands, err
	}
	end, more, err := windowEnd(ctx, db, campaignID, window)
	if err != nil || !more {
		return cands, err
	}
	keep := make([]int64, len(cands))
	for i, c := range cands {
		keep[i] = c.EnrollmentID
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return moveBack(tx, p.store.Dialect, campaignID, end.Priority, end.Position, true, keep, now)
	})
	if err != nil {
		return nil, err
	}
	if len(cands) == 0 {
		return nil, &TidiedError{Window: window}
	}
	return cands, nil
}

// queueSpot is an enrollment's place in its campaign's queue.
type queueSpot struct {
	Priority int
	Position int64
}

// windowEnd returns the place of the window's last enrollment (the
// window-th queued) and whether anything is queued behind it. The walk
// reads the index enrollments_next alone.
func windowEnd(ctx context.Context, db *gorm.DB, campaignID int64, window int) (queueSpot, bool, error) {
	var spots []queueSpot
	err := db.WithContext(ctx).Raw(`SELECT priority, position FROM enrollments
		WHERE campaign_id = ? AND state = 'queued' ORDER BY priority, position LIMIT 2 OFFSET ?`,
		campaignID, window-1).Scan(&spots).Error
	if err != nil {
		return queueSpot{}, false, fmt.Errorf("campaign: read the queue: %w", err)
	}
	if len(spots) < 2 {
		return queueSpot{}, false, nil
	}
	return spots[0], true, nil
}

// moveBack passes over the queued enrollments of the campaign ahead of
// (priority, position), or up to it when through, but those of keep (at
// most a batch): those whose prospect is connected or unavailable leave the
// queue (skipped), the others move one priority step back.
func moveBack(tx *gorm.DB, dialect string, campaignID int64, priority int, position int64, through bool, keep []int64, now time.Time) error {
	// "Ahead of (priority, position)". SQLite bounds its index range with
	// the row value; Postgres 15 would read the campaign's whole queue for
	// it (it does not stop a B-tree scan at a row comparison), so it gets
	// the same bound spelled out as two ranges.
	cmp := "<"
	if through {
		cmp = "<="
	}
	ahead, args := "(priority, position) "+cmp+" (?, ?)", []any{priority, position}
	if dialect == models.DialectPostgres {
		ahead, args = "(priority < ? OR (priority = ? AND position "+cmp+" ?))", []any{priority, priority, position}
	}
	if len(keep) > 0 {
		ahead += " AND id NOT IN ?"
		args = append(args, keep)
	}
	err := tx.Exec(`UPDATE enrollments SET state = ?, updated_at = ?
		WHERE campaign_id = ? AND state = ? AND `+ahead+`
			AND EXISTS (SELECT 1 FROM prospects p WHERE p.id = enrollments.prospect_id AND p.state IN ?)`,
		slices.Concat([]any{models.EnrollmentSkipped, now.UTC(), campaignID, models.EnrollmentQueued}, args,
			[]any{[]string{models.ProspectConnected, models.ProspectUnavailable}})...).Error
	if err != nil {
		return fmt.Errorf("campaign: retire connected prospects: %w", err)
	}
	err = tx.Exec(`UPDATE enrollments SET priority = priority + 1, updated_at = ?
		WHERE campaign_id = ? AND state = ? AND `+ahead,
		slices.Concat([]any{now.UTC(), campaignID, models.EnrollmentQueued}, args)...).Error
	if err != nil {
		return fmt.Errorf("campaign: move passed-over prospects back: %w", err)
	}
	return nil
}

// TidiedError says that a proposal found nobody to propose in the window
// of the queue it walked, passed the window over, and left more queued
// behind it: the next proposal goes on from there.
type TidiedError struct {
	// Window is how many queued prospects were walked.
	Window int
}

func (e *TidiedError) Error() string {
	return fmt.Sprintf("campaign: the next %d prospects in the queue were all contacted already or are left out; "+
		"they moved out of the way, and the next proposal goes on from there (ProposeDue does so within a minute)", e.Window)
}

// Is makes errors.Is(err, ErrQueueTidied) true.
func (e *TidiedError) Is(target error) bool { return target == ErrQueueTidied }

// proposeDue is propose for ProposeDue: a proposal that finds only people
// to pass over (ErrQueueTidied) is tried again, up to dueTidyCalls times,
// each call bounded as any proposal is, so that a head of the queue left
// full of people contacted elsewhere is out of the way in a few runs.
func (p *Proposer) proposeDue(ctx context.Context, name, sender string, now time.Time) (*Batch, error) {
	for calls := 1; ; calls++ {
		b, err := p.propose(ctx, name, sender, 0, now)
		if !errors.Is(err, ErrQueueTidied) || calls >= dueTidyCalls || ctx.Err() != nil {
			return b, err
		}
	}
}
