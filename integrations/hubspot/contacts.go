package hubspot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MaxBatchSize is the most inputs HubSpot accepts in one batch call.
const MaxBatchSize = 100

// ContactUpdate is one pending change to a contact, from an accepted
// connection or a found email.
type ContactUpdate struct {
	// Ref is the caller's reference for the update (a delivery id);
	// SyncContacts reports an outcome per Ref.
	Ref string
	// Email is the contact's email, if known.
	Email string
	// ProfileURL is the LinkedIn profile URL.
	ProfileURL string
	// FirstName, LastName, Company and JobTitle fill the contact's
	// firstname, lastname, company and jobtitle properties. Empty values
	// never clear what HubSpot has.
	FirstName, LastName, Company, JobTitle string
}

// Contact is the coalesced state of one contact: the merge of one or more
// updates.
type Contact struct {
	// Refs are the updates merged into it, in order.
	Refs []string
	// ID is HubSpot's id of the contact, once SyncContacts knows it: a
	// contact whose email or profile URL already belongs to a contact is
	// updated by that contact's id.
	ID string
	// The properties, as in ContactUpdate; ProfileURL is normalized.
	Email, ProfileURL, FirstName, LastName, Company, JobTitle string
}

// Batch is one batch call's worth of contacts, all identified the same
// way: HubSpot's idProperty applies to the whole call.
type Batch struct {
	// ByEmail identifies the contacts by email; otherwise by the
	// profile-URL property.
	ByEmail bool
	// Contacts are at most MaxBatchSize contacts with distinct ids.
	Contacts []Contact

	// byID updates existing contacts by their Contact.ID (batch update)
	// instead of upserting them.
	byID bool
}

// key returns the value that identifies ct in the batch's call.
func (b Batch) key(ct Contact) string {
	switch {
	case b.byID:
		return ct.ID
	case b.ByEmail:
		return ct.Email
	}
	return ct.ProfileURL
}

// with returns a batch of contacts identified as b's are.
func (b Batch) with(contacts []Contact) Batch {
	return Batch{ByEmail: b.ByEmail, byID: b.byID, Contacts: contacts}
}

// NormalizeProfileURL returns the canonical form of a LinkedIn profile URL,
// "https://www.linkedin.com/in/<slug>/" in lower case without query or
// fragment, so that one person has one value of the unique property. Other
// URLs are returned trimmed.
func NormalizeProfileURL(raw string) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	host := strings.ToLower(u.Hostname())
	if host != "linkedin.com" && !strings.HasSuffix(host, ".linkedin.com") {
		return raw
	}
	path := strings.ToLower(strings.TrimRight(u.EscapedPath(), "/"))
	return "https://www.linkedin.com" + path + "/"
}

func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Coalesce merges updates to the same contact (same profile URL, or same
// email) into one, later non-empty fields winning, and splits the contacts
// into batches of at most MaxBatchSize: those with an email identified by
// email, the others by the profile-URL property. Updates with neither are
// skipped (SyncContacts reports them as rejected). Order is preserved.
func Coalesce(updates []ContactUpdate) []Batch {
	var contacts []*Contact
	byURL := make(map[string]*Contact)
	byEmail := make(map[string]*Contact)
	for _, u := range updates {
		profile, email := NormalizeProfileURL(u.ProfileURL), normalizeEmail(u.Email)
		if profile == "" && email == "" {
			continue
		}
		c := byURL[profile]
		if c == nil || profile == "" {
			c = byEmail[email]
		}
		if c == nil {
			c = &Contact{}
			contacts = append(contacts, c)
		}
		c.Refs = append(c.Refs, u.Ref)
		set(&c.Email, email)
		set(&c.ProfileURL, profile)
		set(&c.FirstName, strings.TrimSpace(u.FirstName))
		set(&c.LastName, strings.TrimSpace(u.LastName))
		set(&c.Company, strings.TrimSpace(u.Company))
		set(&c.JobTitle, strings.TrimSpace(u.JobTitle))
		if c.ProfileURL != "" {
			byURL[c.ProfileURL] = c
		}
		if c.Email != "" {
			byEmail[c.Email] = c
		}
	}
	var withEmail, withoutEmail []Contact
	for _, c := range contacts {
		if c.Email != "" {
			withEmail = append(withEmail, *c)
		} else {
			withoutEmail = append(withoutEmail, *c)
		}
	}
	return append(Batch{ByEmail: true}.split(withEmail), Batch{}.split(withoutEmail)...)
}

func set(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// split cuts contacts into batches like b of MaxBatchSize with distinct
// ids (two contacts may share an email when their profiles differ, or be
// updated by one contact id: the second goes to a later batch, since
// HubSpot refuses duplicate ids in one call).
func (b Batch) split(contacts []Contact) []Batch {
	var out []Batch
	for len(contacts) > 0 {
		next := b.with(nil)
		var rest []Contact
		seen := make(map[string]bool)
		for _, c := range contacts {
			id := b.key(c)
			if len(next.Contacts) == MaxBatchSize || seen[id] {
				rest = append(rest, c)
				continue
			}
			seen[id] = true
			next.Contacts = append(next.Contacts, c)
		}
		out = append(out, next)
		contacts = rest
	}
	return out
}

// UpsertedContact is a contact HubSpot created or updated.
type UpsertedContact struct {
	// Contact is the input.
	Contact Contact
	// ID is HubSpot's contact id (hs_object_id).
	ID string
	// New reports whether HubSpot created the contact.
	New bool
}

// FailedContact is an input HubSpot refused in a multi-status answer, or
// one the client did not send.
type FailedContact struct {
	// Contact is the input.
	Contact Contact
	// Err is an *Error matching ErrRejected (dead letter), ErrConflict or
	// ErrTemporary (retry this input only).
	Err error
}

// UpsertResult is the outcome of one batch call, input by input.
type UpsertResult struct {
	// Upserted are the inputs HubSpot accepted.
	Upserted []UpsertedContact
	// Failed are the inputs it refused.
	Failed []FailedContact

	// unwritten are the inputs of a call refused as a whole that its error
	// does not name: they were not written, and may be sent again.
	unwritten []Contact
}

// Wire types of the batch upsert call.
type (
	upsertInput struct {
		IDProperty         string            `json:"idProperty,omitempty"` // none to update by contact id
		ID                 string            `json:"id"`
		ObjectWriteTraceID string            `json:"objectWriteTraceId"`
		Properties         map[string]string `json:"properties"`
	}
	batchInput[T any] struct {
		Inputs []T `json:"inputs"`
	}
	objectResult struct {
		ID                 string            `json:"id"`
		Properties         map[string]string `json:"properties"`
		CreatedAt          time.Time         `json:"createdAt"`
		UpdatedAt          time.Time         `json:"updatedAt"`
		Archived           bool              `json:"archived"`
		New                bool              `json:"new"`
		ObjectWriteTraceID string            `json:"objectWriteTraceId,omitempty"`
	}
	batchError struct {
		Status      string              `json:"status"`
		Category    string              `json:"category"`
		SubCategory any                 `json:"subCategory,omitempty"`
		Message     string              `json:"message"`
		Context     map[string][]string `json:"context"`
		Errors      []apiErrorDetail    `json:"errors"`
	}
	batchResponse struct {
		Status    string         `json:"status"`
		Results   []objectResult `json:"results"`
		NumErrors int            `json:"numErrors"`
		Errors    []batchError   `json:"errors"`
	}
)

func (c *Client) properties(ct Contact) map[string]string {
	p := make(map[string]string, 6)
	for k, v := range map[string]string{
		"email": ct.Email, c.property: ct.ProfileURL, "firstname": ct.FirstName,
		"lastname": ct.LastName, "company": ct.Company, "jobtitle": ct.JobTitle,
	} {
		if v != "" {
			p[k] = v
		}
	}
	return p
}

// BatchUpsertContacts creates or updates the batch's contacts in one call
// (POST /crm/v3/objects/contacts/batch/upsert). A multi-status (207) answer
// is not an error: the result says which inputs failed, so that only those
// are retried. Inputs with an email HubSpot would refuse are failed without
// being sent. The error, when the whole call failed, is an *Error or a
// *RateLimitError; the result then holds the inputs refused before the call
// and those the error names (HubSpot's context), which carry it; the others
// were not written.
func (c *Client) BatchUpsertContacts(ctx context.Context, b Batch) (*UpsertResult, error) {
	return c.writeContacts(ctx, b)
}

// writeContacts upserts the batch's contacts or, for a batch by id, updates
// them by their Contact.ID (POST /crm/v3/objects/contacts/batch/update),
// answered as BatchUpsertContacts.
func (c *Client) writeContacts(ctx context.Context, b Batch) (*UpsertResult, error) {
	op, path, idProperty := "batch upsert contacts", "/crm/v3/objects/contacts/batch/upsert", c.property
	switch {
	case b.byID:
		op, path, idProperty = "batch update contacts", "/crm/v3/objects/contacts/batch/update", ""
	case b.ByEmail:
		idProperty = "email"
	}
	if len(b.Contacts) > MaxBatchSize {
		return nil, &Error{Op: op, Message: fmt.Sprintf("%d inputs, more than %d", len(b.Contacts), MaxBatchSize), kind: ErrRejected}
	}
	res := &UpsertResult{}
	var in batchInput[upsertInput]
	sent := make(map[string]Contact)
	for i, ct := range b.Contacts {
		if err := c.checkInput(op, b, ct); err != nil {
			res.Failed = append(res.Failed, FailedContact{Contact: ct, Err: err})
			continue
		}
		trace := strconv.Itoa(i)
		sent[trace] = ct
		in.Inputs = append(in.Inputs, upsertInput{IDProperty: idProperty, ID: b.key(ct), ObjectWriteTraceID: trace, Properties: c.properties(ct)})
	}
	if len(in.Inputs) == 0 {
		return res, nil
	}
	var out batchResponse
	status, err := c.do(ctx, call{op: op, method: http.MethodPost, path: path, in: in, out: &out, idempotent: true})
	t := newTraces(idProperty, in.Inputs, sent)
	if err != nil {
		t.refused(err, res)
		return res, err
	}
	c.matchResults(op, status, t, out, res)
	return res, nil
}

// checkInput refuses, before the call, an input HubSpot would refuse.
func (c *Client) checkInput(op string, b Batch, ct Contact) error {
	if b.key(ct) == "" {
		what := c.property
		switch {
		case b.byID:
			what = "contact id"
		case b.ByEmail:
			what = "email"
		}
		return &Error{Op: op, Message: "no " + what + " to identify the contact", kind: ErrRejected}
	}
	if ct.Email != "" {
		if _, err := mail.ParseAddress(ct.Email); err != nil || strings.ContainsAny(ct.Email, " <>") {
			return &Error{Op: op, Category: "VALIDATION_ERROR", Code: "INVALID_EMAIL",
				Message: fmt.Sprintf("email address %q is invalid", ct.Email), kind: ErrRejected}
		}
	}
	return nil
}

// traces maps HubSpot's references to the inputs of one call (their
// objectWriteTraceId, or the value of the id property) back to the inputs.
type traces struct {
	idProperty string // "" when the inputs are contact ids
	inputs     []upsertInput
	sent       map[string]Contact // objectWriteTraceId → input
	byID       map[string]string  // lower-cased id → objectWriteTraceId
}

func newTraces(idProperty string, inputs []upsertInput, sent map[string]Contact) traces {
	t := traces{idProperty: idProperty, inputs: inputs, sent: sent, byID: make(map[string]string, len(inputs))}
	for _, in := range inputs {
		t.byID[strings.ToLower(in.ID)] = in.ObjectWriteTraceID
	}
	return t
}

// of returns the trace of the input HubSpot refers to by trace or id.
func (t traces) of(trace, id string) string {
	if _, ok := t.sent[trace]; ok {
		return trace
	}
	return t.byID[strings.ToLower(id)]
}

// named returns the traces of the inputs an error's context names:
// objectWriteTraceId, else ids.
func (t traces) named(ctx map[string][]string) []string {
	var out []string
	for _, trace := range ctx["objectWriteTraceId"] {
		out = append(out, t.of(trace, ""))
	}
	if len(out) == 0 {
		for _, id := range append(ctx["ids"], ctx["id"]...) {
			out = append(out, t.of("", id))
		}
	}
	return out
}

// resultID returns the value by which a result names its input.
func (t traces) resultID(r objectResult) string {
	if t.idProperty == "" {
		return r.ID
	}
	return r.Properties[t.idProperty]
}

// refused records a call refused as a whole: the inputs its error names
// fail with it, the others are unwritten.
func (t traces) refused(err error, res *UpsertResult) {
	var he *Error
	named := make(map[string]bool)
	if errors.As(err, &he) {
		for _, trace := range t.named(he.named) {
			if ct, ok := t.sent[trace]; ok && !named[trace] {
				named[trace] = true
				res.Failed = append(res.Failed, FailedContact{Contact: ct, Err: err})
			}
		}
	}
	for _, in := range t.inputs {
		if !named[in.ObjectWriteTraceID] {
			res.unwritten = append(res.unwritten, t.sent[in.ObjectWriteTraceID])
		}
	}
}

// matchResults maps a batch answer back to its inputs: by objectWriteTraceId
// when HubSpot echoes it, else by the id property's value.
func (c *Client) matchResults(op string, status int, t traces, out batchResponse, res *UpsertResult) {
	done := make(map[string]bool)
	for _, r := range out.Results {
		trace := t.of(r.ObjectWriteTraceID, t.resultID(r))
		if ct, ok := t.sent[trace]; ok && !done[trace] {
			done[trace] = true
			res.Upserted = append(res.Upserted, UpsertedContact{Contact: ct, ID: r.ID, New: r.New})
		}
	}
	var unmatched []batchError
	for _, be := range out.Errors {
		matched := false
		for _, trace := range t.named(be.Context) {
			if ct, ok := t.sent[trace]; ok && !done[trace] {
				done[trace] = true
				matched = true
				res.Failed = append(res.Failed, FailedContact{Contact: ct, Err: c.inputError(op, status, be)})
			}
		}
		if !matched {
			unmatched = append(unmatched, be)
		}
	}
	for _, in := range t.inputs {
		if done[in.ObjectWriteTraceID] {
			continue
		}
		err := &Error{Op: op, StatusCode: status, Message: "HubSpot returned no result for this input", kind: ErrTemporary}
		if len(unmatched) == 1 {
			err = c.inputError(op, status, unmatched[0])
		}
		res.Failed = append(res.Failed, FailedContact{Contact: t.sent[in.ObjectWriteTraceID], Err: err})
	}
}

// inputError classifies one input's error: validation errors are permanent,
// conflicts on unique values are for SyncContacts to resolve, anything else
// may pass on a retry.
func (c *Client) inputError(op string, status int, be batchError) *Error {
	msg := c.scrub(be.Message)
	e := &Error{Op: op, StatusCode: status, Category: be.Category, Message: msg, ExistingID: existingContactID(msg), kind: ErrTemporary}
	if len(be.Errors) > 0 {
		e.Code = be.Errors[0].Code
	}
	switch be.Category {
	case "VALIDATION_ERROR", "INVALID_EMAIL", "PROPERTY_DOESNT_EXIST", "INVALID_INPUT":
		e.kind = ErrRejected
	case "OBJECT_NOT_FOUND":
		e.kind = ErrNotFound
	case "CONFLICT", "OBJECT_ALREADY_EXISTS":
		e.kind = ErrConflict
	}
	return e
}
