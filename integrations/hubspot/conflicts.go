package hubspot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// suspect is a contact HubSpot refused, or may have refused, because one
// of its unique values (its email, its profile URL) belongs to another
// contact.
type suspect struct {
	Contact
	// existingID is the contact HubSpot said it collides with, when it is
	// sure to be this contact's.
	existingID string
	// cause is HubSpot's refusal.
	cause error
}

// existingIDOf returns the contact a conflict error names, or "".
func existingIDOf(err error) string {
	var he *Error
	if errors.As(err, &he) {
		return he.ExistingID
	}
	return ""
}

// resolve writes contacts that HubSpot refused as duplicates to the
// contact that already holds their email or profile URL, updating it by its
// id, so that nothing is created twice and no email is lost.
//
// A suspect known to collide (sure) with a contact HubSpot named goes
// straight to it. The others are looked up: one search finds the contacts
// holding their profile URLs and emails, and a read the contact HubSpot
// named (existingID), which the search, lagging behind writes, may not show
// yet. When sure is false, the suspects are a batch refused as a whole
// without naming its culprit: those the lookup clears are sent again, and a
// batch refused again after a lookup is halved until its culprit stands
// alone. A suspect that collides with no contact the lookup shows, or whose
// email and profile URL belong to two contacts, fails with an ErrConflict,
// to be retried.
func (s *syncer) resolve(ctx context.Context, w write, suspects []suspect, sure bool, existingID string) error {
	if len(suspects) == 0 {
		return nil
	}
	if !sure && w.lookedUp {
		s.halve(write{Batch: w.with(contactsOf(suspects)), lookedUp: true}, suspects[0].cause)
		return nil
	}
	var moved []Contact
	var lookup []suspect
	for _, sp := range suspects {
		if !sure || sp.existingID == "" {
			lookup = append(lookup, sp)
			continue
		}
		addressed := ""
		if w.byID {
			addressed = sp.ID
		}
		if ct, ok := s.place(sp, addressed, others(addressed, sp.existingID)); ok {
			moved = append(moved, ct)
		}
	}
	s.move(ctx, moved)
	if len(lookup) == 0 {
		return nil
	}
	return s.lookUp(ctx, w, lookup, sure, existingID)
}

// lookUp resolves suspects from the contacts a lookup shows holding their
// profile URLs and emails; see resolve.
func (s *syncer) lookUp(ctx context.Context, w write, suspects []suspect, sure bool, existingID string) error {
	h, err := s.c.lookup(ctx, s.rep, contactsOf(suspects), existingID)
	if err != nil {
		s.rep.fail(contactsOf(suspects), err)
		if errors.Is(err, ErrRejected) {
			return nil
		}
		return err
	}
	var moved, again []Contact
	for _, sp := range suspects {
		addressed, byURL, byEmail := h.of(w.Batch, sp.Contact)
		holders := others(addressed, byURL, byEmail)
		if len(holders) == 0 && !sure {
			again = append(again, sp.Contact)
			continue
		}
		if ct, ok := s.place(sp, addressed, holders); ok {
			moved = append(moved, ct)
		}
	}
	s.move(ctx, moved)
	if len(again) > 0 {
		s.next(write{Batch: w.with(again), lookedUp: true})
	}
	return nil
}

// move queues the updates of contacts by the ids place gave them.
func (s *syncer) move(ctx context.Context, contacts []Contact) {
	if len(contacts) > 0 {
		s.c.log.LogAttrs(ctx, slog.LevelInfo, "hubspot contacts already held: updating them by id",
			slog.Int("contacts", len(contacts)))
	}
	for _, b := range (Batch{byID: true}).split(contacts) {
		s.next(write{Batch: b})
	}
}

// place decides where a colliding contact goes, from the contact its write
// addressed ("" when it would have created one) and the other contacts
// that hold its email or profile URL. With one such holder and none
// addressed, the contact goes to that holder, returned with its id set;
// otherwise it fails with an ErrConflict: no holder is visible yet, or two
// contacts hold the person's values.
func (s *syncer) place(sp suspect, addressed string, holders []string) (Contact, bool) {
	if addressed == "" && len(holders) == 1 {
		ct := sp.Contact
		ct.ID = holders[0]
		return ct, true
	}
	if addressed != "" {
		holders = append([]string{addressed}, holders...)
	}
	s.rep.fail([]Contact{sp.Contact}, unresolved(sp, holders))
	return Contact{}, false
}

// others returns the distinct contact ids among ids, but addressed and "".
func others(addressed string, ids ...string) []string {
	var out []string
	for _, id := range ids {
		if id != "" && id != addressed && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// gone is the error of a contact updated by the id of the contact holding
// its email or profile URL, which the update did not find: deleted or merged
// away since. It is retried: the next upsert no longer collides with it.
func gone(cause error) error {
	e := &Error{Op: "sync contacts", Message: "the contact holding this one's email or profile URL is gone since HubSpot named it; retried", kind: ErrTemporary}
	var he *Error
	if errors.As(cause, &he) {
		e.StatusCode, e.Category, e.CorrelationID = he.StatusCode, he.Category, he.CorrelationID
	}
	return e
}

// unresolved is the error of a conflict SyncContacts cannot resolve now.
func unresolved(sp suspect, holders []string) error {
	e := &Error{Op: "sync contacts", Category: "CONFLICT", kind: ErrConflict}
	var he *Error
	if errors.As(sp.cause, &he) {
		e.StatusCode, e.CorrelationID = he.StatusCode, he.CorrelationID
	}
	who := sp.ProfileURL
	if who == "" {
		who = sp.Email
	}
	if len(holders) < 2 {
		e.Message = fmt.Sprintf("HubSpot refused %s as a duplicate, and its search does not show yet which contact holds its email or profile URL (the index lags behind writes); retried later", who)
		return e
	}
	e.Message = fmt.Sprintf("the email %s and the profile URL %s belong to two HubSpot contacts, %s: merge them in HubSpot; the update is retried and lands once they are one",
		sp.Email, sp.ProfileURL, strings.Join(holders, " and "))
	return e
}

func contactsOf(suspects []suspect) []Contact {
	out := make([]Contact, len(suspects))
	for i, sp := range suspects {
		out[i] = sp.Contact
	}
	return out
}

// holders tells which contacts hold which profile URLs and emails, both
// lower-cased.
type holders struct {
	byURL, byEmail map[string]string // value → contact id
}

func (h holders) add(id, profileURL, email string) {
	if profileURL != "" {
		h.byURL[strings.ToLower(profileURL)] = id
	}
	if email != "" {
		h.byEmail[strings.ToLower(email)] = id
	}
}

// of returns the contact b's call addressed for ct ("" when it would have
// created one), and those holding ct's profile URL and email.
func (h holders) of(b Batch, ct Contact) (addressed, byURL, byEmail string) {
	byURL = h.byURL[strings.ToLower(ct.ProfileURL)]
	if ct.Email != "" {
		byEmail = h.byEmail[strings.ToLower(ct.Email)]
	}
	switch {
	case b.byID:
		return ct.ID, byURL, byEmail
	case b.ByEmail:
		return byEmail, byURL, byEmail
	}
	return byURL, byURL, byEmail
}

// lookup finds the contacts that hold the contacts' profile URLs and
// emails: one search (a batch has at most 100 of each, and each value
// belongs to one contact at most, so one page of 200 holds them all), and a
// read of the contact HubSpot named (existingID) when the search does not
// show it.
func (c *Client) lookup(ctx context.Context, rep *SyncReport, contacts []Contact, existingID string) (holders, error) {
	h := holders{byURL: make(map[string]string), byEmail: make(map[string]string)}
	var urls, emails []string
	for _, ct := range contacts {
		if u := strings.ToLower(ct.ProfileURL); u != "" && !slices.Contains(urls, u) {
			urls = append(urls, u)
		}
		if e := strings.ToLower(ct.Email); e != "" && !slices.Contains(emails, e) {
			emails = append(emails, e)
		}
	}
	req := searchRequest{Properties: []string{"email", c.property}, Limit: maxSearchLimit}
	if len(urls) > 0 {
		req.FilterGroups = append(req.FilterGroups, filterGroup{Filters: []searchFilter{{PropertyName: c.property, Operator: "IN", Values: urls}}})
	}
	if len(emails) > 0 {
		req.FilterGroups = append(req.FilterGroups, filterGroup{Filters: []searchFilter{{PropertyName: "email", Operator: "IN", Values: emails}}})
	}
	var found []objectResult
	err := c.sleepThroughLimits(ctx, rep, len(contacts), func() (err error) {
		found, err = c.search(ctx, "search contacts by profile URL and email", "contacts", req)
		return err
	})
	if err != nil {
		return h, err
	}
	if existingID != "" && !slices.ContainsFunc(found, func(r objectResult) bool { return r.ID == existingID }) {
		var r objectResult
		err := c.sleepThroughLimits(ctx, rep, 1, func() (err error) {
			r, err = c.readContact(ctx, existingID)
			return err
		})
		switch {
		case err == nil:
			found = append(found, r)
		case !errors.Is(err, ErrNotFound): // gone since: nothing to learn from it
			return h, err
		}
	}
	for _, r := range found {
		h.add(r.ID, r.Properties[c.property], r.Properties["email"])
	}
	return h, nil
}

// readContact reads a contact's email and profile URL by its id (GET
// /crm/v3/objects/contacts/<id>), as it is now: reads by id do not lag.
func (c *Client) readContact(ctx context.Context, id string) (objectResult, error) {
	var out objectResult
	q := url.Values{"properties": {"email," + c.property}}
	_, err := c.do(ctx, call{op: "read contact " + id, method: http.MethodGet,
		path: "/crm/v3/objects/contacts/" + url.PathEscape(id) + "?" + q.Encode(), out: &out})
	return out, err
}
