package hubspotsync

import (
	"context"
	"errors"
	"fmt"

	"github.com/pacerhq/pacer/integrations/hubspot"
)

// addNotes creates the notes of the updates whose contact is known, 100 to
// a call.
func (s *Service) addNotes(ctx context.Context, rows []*Update, token string) {
	var notes []*Update
	for _, r := range rows {
		if r.State == updateNote && !r.failed {
			notes = append(notes, r)
		}
	}
	for len(notes) > 0 && ctx.Err() == nil {
		n := min(len(notes), hubspot.MaxBatchSize)
		if err := s.createNotes(ctx, notes[:n], token); err != nil {
			if !errors.Is(err, errLeaseLost) { // else the write-back skips the rows lost
				for _, r := range notes {
					s.fail(r, err)
				}
			}
			return
		}
		notes = notes[n:]
	}
}

// createNotes adds the notes of updates whose contact is known. A note whose
// earlier creation ended without an answer is looked up first; the others
// are marked sent, durably, before the call, so that a crash or an unknown
// outcome leads to a lookup rather than a second note.
func (s *Service) createNotes(ctx context.Context, rows []*Update, token string) error {
	var fresh []*Update
	for _, r := range rows {
		if r.NoteSentAt != nil {
			id, err := s.hubspot.FindNote(ctx, r.note())
			switch {
			case err == nil:
				r.noted(id)
				continue
			case !errors.Is(err, hubspot.ErrNotFound):
				s.fail(r, err)
				continue
			}
		}
		fresh = append(fresh, r)
	}
	if len(fresh) == 0 {
		return nil
	}
	ids := make([]int64, len(fresh))
	for i, r := range fresh {
		ids[i] = r.ID
	}
	sentAt := s.now().UTC()
	res := s.store.DB.WithContext(ctx).Model(&Update{}).Where("id IN ? AND lease_owner = ?", ids, token).
		Updates(map[string]any{"note_sent_at": sentAt, "lease_until": sentAt.Add(s.lease)})
	if res.Error != nil {
		return fmt.Errorf("hubspotsync: mark notes sent: %w", res.Error)
	}
	if int(res.RowsAffected) != len(fresh) {
		return errLeaseLost
	}
	for _, r := range fresh {
		r.NoteSentAt = &sentAt
	}
	s.createNoteBatch(ctx, fresh, 0)
	return nil
}

// createNoteBatch creates the notes in one call. A call HubSpot refused as
// a whole created nothing: it is halved until the note it refuses stands
// alone.
func (s *Service) createNoteBatch(ctx context.Context, rows []*Update, depth int) {
	notes := make([]hubspot.Note, len(rows))
	for i, r := range rows {
		notes[i] = r.note()
	}
	res, err := s.hubspot.CreateNotes(ctx, notes)
	if err != nil {
		if errors.Is(err, hubspot.ErrRejected) && len(rows) > 1 && depth < 8 {
			half := len(rows) / 2
			s.createNoteBatch(ctx, rows[:half], depth+1)
			s.createNoteBatch(ctx, rows[half:], depth+1)
			return
		}
		s.pauseOnRateLimit(ctx, err)
		unknown := errors.Is(err, hubspot.ErrOutcomeUnknown)
		for _, r := range rows {
			if !unknown {
				r.NoteSentAt = nil
			}
			s.fail(r, err)
		}
		return
	}
	for i, r := range rows {
		if id := res.IDs[i]; id != "" {
			r.noted(id)
			continue
		}
		if !errors.Is(res.Errs[i], hubspot.ErrOutcomeUnknown) {
			r.NoteSentAt = nil
		}
		s.fail(r, res.Errs[i])
	}
}
