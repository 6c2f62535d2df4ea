package hubspot

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// SyncResult is the outcome of one ContactUpdate.
type SyncResult struct {
	// ContactID is HubSpot's id of the contact, when the update landed.
	ContactID string
	// Err is nil when the update landed. Otherwise integrations.Classify
	// says what to do: a dead letter for ErrRejected, a retry at RetryAt
	// for a *RateLimitError, a retry with backoff for the rest.
	Err error
}

// SyncReport is the outcome of SyncContacts.
type SyncReport struct {
	// Results has one entry per ContactUpdate.Ref.
	Results map[string]SyncResult
	// Calls is the number of batch-upsert calls made, retries included.
	Calls int
	// Contacts is the number of distinct contacts after coalescing.
	Contacts int
}

// maxSplits bounds the halvings of batches HubSpot refused as a whole, in
// one sync: isolating one bad input among 100 takes about 14.
const maxSplits = 32

// maxRateLimitRetries bounds the rate-limit waits SyncContacts sleeps
// through for one batch.
const maxRateLimitRetries = 5

// SyncContacts coalesces updates and upserts them, at most MaxBatchSize per
// call, pacing itself under the rate limit. It sleeps through short
// rate-limit waits (up to Settings.MaxInlineWait); a longer one (DAILY), a
// 5xx or a network failure stops the sync, and the updates not yet synced
// carry that error. A contact refused by email because its profile URL
// already belongs to a contact (created earlier without an email) is sent
// again by profile URL, which sets the email on that contact.
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
	queue := Coalesce(valid)
	for _, b := range queue {
		rep.Contacts += len(b.Contacts)
	}
	var fallback []Contact
	fellBack := false
	splits := maxSplits
	for len(queue) > 0 || (!fellBack && len(fallback) > 0) {
		if len(queue) == 0 {
			fellBack = true
			queue = split(fallback, false)
		}
		b := queue[0]
		queue = queue[1:]
		res, err := c.upsertWithWaits(ctx, b, rep)
		if err != nil {
			var he *Error
			if errors.As(err, &he) && errors.Is(err, ErrRejected) && he.Code != "PROPERTY_DOESNT_EXIST" && len(b.Contacts) > 1 && splits > 0 {
				// The whole call was refused, perhaps for one bad input:
				// halve the batch until the bad input stands alone.
				splits--
				half := len(b.Contacts) / 2
				queue = append([]Batch{{ByEmail: b.ByEmail, Contacts: b.Contacts[:half]}, {ByEmail: b.ByEmail, Contacts: b.Contacts[half:]}}, queue...)
				continue
			}
			rep.fail(b.Contacts, err)
			if res != nil {
				for _, f := range res.Failed { // refused before the call: a more precise error
					rep.fail([]Contact{f.Contact}, f.Err)
				}
			}
			if errors.Is(err, ErrRejected) {
				continue
			}
			for _, rest := range queue {
				rep.fail(rest.Contacts, err)
			}
			if !fellBack {
				rep.fail(fallback, err)
			}
			return rep, err
		}
		for _, u := range res.Upserted {
			for _, ref := range u.Contact.Refs {
				rep.Results[ref] = SyncResult{ContactID: u.ID}
			}
		}
		for _, f := range res.Failed {
			var he *Error
			byURLMayHelp := b.ByEmail && !fellBack && f.Contact.ProfileURL != "" &&
				errors.As(f.Err, &he) && he.Code != "INVALID_EMAIL" && !errors.Is(f.Err, ErrUnauthorized)
			if byURLMayHelp {
				fallback = append(fallback, f.Contact)
				continue
			}
			rep.fail([]Contact{f.Contact}, f.Err)
		}
	}
	return rep, nil
}

func (r *SyncReport) fail(contacts []Contact, err error) {
	for _, ct := range contacts {
		for _, ref := range ct.Refs {
			r.Results[ref] = SyncResult{Err: err}
		}
	}
}

// upsertWithWaits calls BatchUpsertContacts, sleeping through short
// rate-limit waits.
func (c *Client) upsertWithWaits(ctx context.Context, b Batch, rep *SyncReport) (*UpsertResult, error) {
	for i := 0; ; i++ {
		rep.Calls++
		res, err := c.BatchUpsertContacts(ctx, b)
		var rl *RateLimitError
		if !errors.As(err, &rl) || rl.Wait > c.maxWait || i == maxRateLimitRetries {
			return res, err
		}
		c.log.LogAttrs(ctx, slog.LevelInfo, "hubspot sync waiting for the rate limit",
			slog.String("policy", rl.Policy), slog.Duration("wait", rl.Wait), slog.Int("contacts", len(b.Contacts)))
		t := time.NewTimer(rl.Wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return res, &Error{Op: "sync contacts", Err: ctx.Err(), kind: ErrTemporary}
		case <-t.C:
		}
	}
}
