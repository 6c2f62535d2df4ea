package hubspot

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"
)

// SyncResult is the outcome of one ContactUpdate.
type SyncResult struct {
	// ContactID is HubSpot's id of the contact, when the update landed.
	ContactID string
	// Err is nil when the update landed. Otherwise integrations.Classify
	// says what to do: a dead letter for ErrRejected, a retry at RetryAt
	// for a *RateLimitError, a retry with backoff for the rest (ErrConflict
	// included).
	Err error
}

// SyncReport is the outcome of SyncContacts.
type SyncReport struct {
	// Results has one entry per ContactUpdate.Ref.
	Results map[string]SyncResult
	// Calls is the number of calls made, retries included: batch upserts
	// and updates, and the searches and reads that resolve conflicts.
	Calls int
	// Contacts is the number of distinct contacts after coalescing.
	Contacts int
}

// maxSplits bounds the halvings of batches HubSpot refused as a whole, in
// one sync: isolating one bad input among 100 takes about 14.
const maxSplits = 32

// maxRateLimitRetries bounds the rate-limit waits SyncContacts sleeps
// through for one call.
const maxRateLimitRetries = 5

// SyncContacts coalesces updates and upserts them, at most MaxBatchSize per
// call, pacing itself under the rate limit. It sleeps through short
// rate-limit waits (up to Settings.MaxInlineWait); a longer one (DAILY), a
// 5xx or a network failure stops the sync, and the updates not yet synced
// carry that error.
//
// A contact HubSpot refuses because its email or profile URL already
// belongs to another contact (the whole call answered 409 Conflict, as
// HubSpot does, or a conflict among a multi-status answer's errors) is
// written to that contact, by its id, as the package documentation tells.
// An update whose conflict cannot be resolved yet carries an ErrConflict,
// which is retried. Another error that refuses the whole call but names
// inputs fails those, and the others are sent again.
//
// The returned error is the one that stopped the sync, if any; the report
// always has a result for every update.
func (c *Client) SyncContacts(ctx context.Context, updates []ContactUpdate) (*SyncReport, error) {
	rep := &SyncReport{Results: make(map[string]SyncResult, len(updates))}
	valid := make([]ContactUpdate, 0, len(updates))
	for _, u := range updates {
		if NormalizeProfileURL(u.ProfileURL) == "" && normalizeEmail(u.Email) == "" {
			rep.Results[u.Ref] = SyncResult{Err: &Error{Op: "sync contacts", Message: "the update has neither an email nor a profile URL", kind: ErrRejected}}
			continue
		}
		valid = append(valid, u)
	}
	s := &syncer{c: c, rep: rep, splits: maxSplits}
	for _, b := range Coalesce(valid) {
		rep.Contacts += len(b.Contacts)
		s.queue = append(s.queue, write{Batch: b})
	}
	for len(s.queue) > 0 {
		w := s.queue[0]
		s.queue = s.queue[1:]
		if err := s.write(ctx, w); err != nil {
			for _, rest := range s.queue {
				rep.fail(rest.Contacts, err)
			}
			return rep, err
		}
	}
	return rep, nil
}

// syncer is one SyncContacts: the batch calls left to make, and the report.
type syncer struct {
	c      *Client
	rep    *SyncReport
	queue  []write
	splits int // halvings left
}

// write is one batch call of a sync.
type write struct {
	Batch
	// lookedUp means that this sync already looked up the contacts holding
	// these contacts' emails and profile URLs, and found none to blame for
	// a conflict: the next conflict halves the batch instead.
	lookedUp bool
}

// next queues writes ahead of the others, so that a batch's follow-ups come
// before the next batch.
func (s *syncer) next(ws ...write) { s.queue = append(ws, s.queue...) }

// write makes one batch call and sorts its contacts out: landed, failed,
// in conflict (resolved), or to send again. It returns the error that stops
// the sync.
func (s *syncer) write(ctx context.Context, w write) error {
	var res *UpsertResult
	err := s.c.sleepThroughLimits(ctx, s.rep, len(w.Contacts), func() (err error) {
		res, err = s.c.writeContacts(ctx, w.Batch)
		return err
	})
	if res == nil {
		res = &UpsertResult{unwritten: w.Contacts}
	}
	for _, u := range res.Upserted {
		for _, ref := range u.Contact.Refs {
			s.rep.Results[ref] = SyncResult{ContactID: u.ID}
		}
	}
	var conflicts []suspect
	for _, f := range res.Failed {
		if w.byID && errors.Is(f.Err, ErrNotFound) {
			s.rep.fail([]Contact{f.Contact}, gone(f.Err))
			continue
		}
		if !errors.Is(f.Err, ErrConflict) {
			s.rep.fail([]Contact{f.Contact}, f.Err)
			continue
		}
		conflicts = append(conflicts, suspect{Contact: f.Contact, existingID: existingIDOf(f.Err), cause: f.Err})
	}
	if err == nil {
		return s.resolve(ctx, w, conflicts, true, "")
	}
	return s.refused(ctx, w, res, conflicts, err)
}

// refused handles a call refused as a whole. A conflict is resolved: the
// inputs it names, else any of the batch. Another error that names inputs
// has failed them, and the others are sent again; one that names none, and
// that retrying cannot help, is narrowed down by halving the batch. Any
// other error stops the sync.
func (s *syncer) refused(ctx context.Context, w write, res *UpsertResult, conflicts []suspect, err error) error {
	named := slices.ContainsFunc(res.Failed, func(f FailedContact) bool { return f.Err == err })
	var he *Error
	switch {
	case errors.Is(err, ErrConflict) && !named:
		sure := len(res.unwritten) == 1
		suspects := make([]suspect, len(res.unwritten))
		for i, ct := range res.unwritten {
			suspects[i] = suspect{Contact: ct, cause: err}
			if sure {
				suspects[i].existingID = existingIDOf(err)
			}
		}
		return s.resolve(ctx, w, suspects, sure, existingIDOf(err))
	case named && (errors.Is(err, ErrConflict) || errors.Is(err, ErrRejected)):
		if len(conflicts) > 1 { // the contact named in the message is one of theirs, but whose?
			for i := range conflicts {
				conflicts[i].existingID = ""
			}
		}
		if len(res.unwritten) > 0 {
			s.next(write{Batch: w.with(res.unwritten), lookedUp: w.lookedUp})
		}
		return s.resolve(ctx, w, conflicts, true, existingIDOf(err))
	case errors.Is(err, ErrRejected) && !(errors.As(err, &he) && he.Code == "PROPERTY_DOESNT_EXIST"):
		s.halve(write{Batch: w.with(res.unwritten), lookedUp: w.lookedUp}, err)
		return nil
	case errors.Is(err, ErrRejected):
		s.rep.fail(res.unwritten, err) // every input would fail alike
		return nil
	}
	s.rep.fail(res.unwritten, err)
	return err
}

// halve sends a batch that HubSpot refused as a whole, for an input it did
// not name, again in two halves, until that input stands alone. Past the
// sync's budget of halvings, or alone, the contacts fail with err.
func (s *syncer) halve(w write, err error) {
	if len(w.Contacts) < 2 || s.splits == 0 {
		s.rep.fail(w.Contacts, err)
		return
	}
	s.splits--
	half := len(w.Contacts) / 2
	s.next(write{Batch: w.with(w.Contacts[:half]), lookedUp: w.lookedUp},
		write{Batch: w.with(w.Contacts[half:]), lookedUp: w.lookedUp})
}

func (r *SyncReport) fail(contacts []Contact, err error) {
	for _, ct := range contacts {
		for _, ref := range ct.Refs {
			r.Results[ref] = SyncResult{Err: err}
		}
	}
}

// sleepThroughLimits makes a call (call), sleeping through short rate-limit
// waits, and counts the calls in rep. contacts is for the log.
func (c *Client) sleepThroughLimits(ctx context.Context, rep *SyncReport, contacts int, call func() error) error {
	for i := 0; ; i++ {
		rep.Calls++
		err := call()
		var rl *RateLimitError
		if !errors.As(err, &rl) || rl.Wait > c.maxWait || i == maxRateLimitRetries {
			return err
		}
		c.log.LogAttrs(ctx, slog.LevelInfo, "hubspot sync waiting for the rate limit",
			slog.String("policy", rl.Policy), slog.Duration("wait", rl.Wait), slog.Int("contacts", contacts))
		t := time.NewTimer(rl.Wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return &Error{Op: "sync contacts", Err: ctx.Err(), kind: ErrTemporary}
		case <-t.C:
		}
	}
}
