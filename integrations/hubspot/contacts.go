package hubspot

import (
	"context"
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
	// The properties, as in ContactUpdate; ProfileURL is normalized.
	Email, ProfileURL, FirstName, LastName, Company, JobTitle string
}

// Batch is one batch-upsert call's worth of contacts, all identified the
// same way: HubSpot's idProperty applies to the whole call.
type Batch struct {
	// ByEmail identifies the contacts by email; otherwise by the
	// profile-URL property.
	ByEmail bool
	// Contacts are at most MaxBatchSize contacts with distinct ids.
	Contacts []Contact
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
	return append(split(withEmail, true), split(withoutEmail, false)...)
}

func set(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// split cuts contacts into batches of MaxBatchSize with distinct ids (two
// contacts may share an email when their profiles differ: the second goes
// to a later batch, since HubSpot refuses duplicate ids in one call).
func split(contacts []Contact, byEmail bool) []Batch {
	var out []Batch
	for len(contacts) > 0 {
		var b Batch
		var rest []Contact
		seen := make(map[string]bool)
		for _, c := range contacts {
			id := c.id(byEmail)
			if len(b.Contacts) == MaxBatchSize || seen[id] {
				rest = append(rest, c)
				continue
			}
			seen[id] = true
			b.Contacts = append(b.Contacts, c)
		}
		b.ByEmail = byEmail
		out = append(out, b)
		contacts = rest
	}
	return out
}

func (c Contact) id(byEmail bool) string {
	if byEmail {
		return c.Email
	}
	return c.ProfileURL
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

// UpsertResult is the outcome of one batch-upsert call, input by input.
type UpsertResult struct {
	// Upserted are the inputs HubSpot accepted.
	Upserted []UpsertedContact
	// Failed are the inputs it refused.
	Failed []FailedContact
}

// Wire types of the batch upsert call.
type (
	upsertInput struct {
		IDProperty         string            `json:"idProperty"`
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
// *RateLimitError.
func (c *Client) BatchUpsertContacts(ctx context.Context, b Batch) (*UpsertResult, error) {
	const op = "batch upsert contacts"
	if len(b.Contacts) > MaxBatchSize {
		return nil, &Error{Op: op, Message: fmt.Sprintf("%d inputs, more than %d", len(b.Contacts), MaxBatchSize), kind: ErrRejected}
	}
	res := &UpsertResult{}
	idProperty := c.property
	if b.ByEmail {
		idProperty = "email"
	}
	var in batchInput[upsertInput]
	sent := make(map[string]Contact)
	for i, ct := range b.Contacts {
		id := ct.id(b.ByEmail)
		if id == "" {
			res.Failed = append(res.Failed, FailedContact{Contact: ct, Err: &Error{Op: op, Message: "no " + idProperty + " to identify the contact", kind: ErrRejected}})
			continue
		}
		if ct.Email != "" {
			if _, err := mail.ParseAddress(ct.Email); err != nil || strings.ContainsAny(ct.Email, " <>") {
				res.Failed = append(res.Failed, FailedContact{Contact: ct, Err: &Error{Op: op, Category: "VALIDATION_ERROR", Code: "INVALID_EMAIL",
					Message: fmt.Sprintf("email address %q is invalid", ct.Email), kind: ErrRejected}})
				continue
			}
		}
		trace := strconv.Itoa(i)
		sent[trace] = ct
		in.Inputs = append(in.Inputs, upsertInput{IDProperty: idProperty, ID: id, ObjectWriteTraceID: trace, Properties: c.properties(ct)})
	}
	if len(in.Inputs) == 0 {
		return res, nil
	}
	var out batchResponse
	status, err := c.do(ctx, call{op: op, method: http.MethodPost, path: "/crm/v3/objects/contacts/batch/upsert",
		in: in, out: &out, idempotent: true})
	if err != nil {
		return res, err
	}
	c.matchResults(op, status, idProperty, in.Inputs, sent, out, res)
	return res, nil
}

// matchResults maps a batch answer back to its inputs: by objectWriteTraceId
// when HubSpot echoes it, else by the id property's value.
func (c *Client) matchResults(op string, status int, idProperty string, inputs []upsertInput, sent map[string]Contact, out batchResponse, res *UpsertResult) {
	traceByID := make(map[string]string, len(inputs))
	for _, in := range inputs {
		traceByID[strings.ToLower(in.ID)] = in.ObjectWriteTraceID
	}
	traceOf := func(trace, id string) string {
		if _, ok := sent[trace]; ok {
			return trace
		}
		return traceByID[strings.ToLower(id)]
	}
	done := make(map[string]bool)
	for _, r := range out.Results {
		trace := traceOf(r.ObjectWriteTraceID, r.Properties[idProperty])
		if ct, ok := sent[trace]; ok && !done[trace] {
			done[trace] = true
			res.Upserted = append(res.Upserted, UpsertedContact{Contact: ct, ID: r.ID, New: r.New})
		}
	}
	var unmatched []batchError
	for _, be := range out.Errors {
		matched := false
		for _, trace := range errorTraces(be, traceOf) {
			if ct, ok := sent[trace]; ok && !done[trace] {
				done[trace] = true
				matched = true
				res.Failed = append(res.Failed, FailedContact{Contact: ct, Err: c.inputError(op, status, be)})
			}
		}
		if !matched {
			unmatched = append(unmatched, be)
		}
	}
	for _, in := range inputs {
		if done[in.ObjectWriteTraceID] {
			continue
		}
		err := &Error{Op: op, StatusCode: status, Message: "HubSpot returned no result for this input", kind: ErrTemporary}
		if len(unmatched) == 1 {
			err = c.inputError(op, status, unmatched[0])
		}
		res.Failed = append(res.Failed, FailedContact{Contact: sent[in.ObjectWriteTraceID], Err: err})
	}
}

// errorTraces returns the traces of the inputs a batch error names, from
// its context: objectWriteTraceId, else ids.
func errorTraces(be batchError, traceOf func(trace, id string) string) []string {
	var out []string
	for _, t := range be.Context["objectWriteTraceId"] {
		out = append(out, traceOf(t, ""))
	}
	if len(out) == 0 {
		for _, id := range append(be.Context["ids"], be.Context["id"]...) {
			out = append(out, traceOf("", id))
		}
	}
	return out
}

// inputError classifies one input's error: validation errors are permanent,
// conflicts on unique values too (after SyncContacts' fallback), anything
// else may pass on a retry.
func (c *Client) inputError(op string, status int, be batchError) *Error {
	e := &Error{Op: op, StatusCode: status, Category: be.Category, Message: c.scrub(be.Message), kind: ErrTemporary}
	if len(be.Errors) > 0 {
		e.Code = be.Errors[0].Code
	}
	switch be.Category {
	case "VALIDATION_ERROR", "INVALID_EMAIL", "PROPERTY_DOESNT_EXIST", "OBJECT_NOT_FOUND", "INVALID_INPUT":
		e.kind = ErrRejected
	case "CONFLICT", "OBJECT_ALREADY_EXISTS":
		e.kind = ErrConflict
	}
	return e
}
