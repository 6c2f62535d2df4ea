package hubspot

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pacerhq/pacer/integrations"
	"github.com/pacerhq/pacer/wording"
)

// Sentinel errors, for errors.Is.
var (
	// ErrRejected means HubSpot refused the request or an input, and
	// retrying cannot help (VALIDATION_ERROR, an invalid email, a missing
	// property). It matches integrations.ErrPermanent: keep the delivery as a
	// dead letter with HubSpot's message.
	ErrRejected = integrations.NewSentinel("hubspot: rejected", integrations.ErrPermanent)
	// ErrRateLimited means HubSpot answered 429; the error is a
	// *RateLimitError that says when to retry. It matches
	// integrations.ErrRateLimited.
	ErrRateLimited = integrations.NewSentinel("hubspot: rate limited", integrations.ErrRateLimited)
	// ErrUnauthorized means the token was refused (401) or lacks a scope
	// (403): check HUBSPOT_TOKEN and the private app's scopes. Retried with
	// backoff, so that fixing the token lets the backlog through.
	ErrUnauthorized = errors.New("hubspot: token refused: check HUBSPOT_TOKEN and the private app's scopes (crm.objects.contacts.read/write, crm.schemas.contacts.read/write)")
	// ErrTemporary means a 5xx answer or a network failure: retry with
	// backoff.
	ErrTemporary = errors.New("hubspot: temporary failure")
	// ErrOutcomeUnknown means a non-idempotent call (note creation) may
	// have reached HubSpot but no answer came back: look for the object
	// (FindNote) before creating it again. It also matches ErrTemporary.
	ErrOutcomeUnknown = integrations.NewSentinel("hubspot: outcome unknown", ErrTemporary)
	// ErrConflict means an input collides with another contact on a unique
	// value: its email, or its profile URL (a property with unique values),
	// belongs to another contact. SyncContacts resolves the conflicts it can
	// by updating that contact by its id; the error reports one it cannot
	// resolve yet: HubSpot's search does not show the other contact yet (its
	// index lags behind writes), or the email and the profile URL belong to
	// two contacts that someone must merge in HubSpot. It matches
	// ErrTemporary: retried with backoff, so that the index catches up or the
	// merge is made; a delivery that runs out of retries becomes a dead
	// letter.
	ErrConflict = integrations.NewSentinel("hubspot: conflict with another contact", ErrTemporary)
	// ErrNotFound means the object does not exist.
	ErrNotFound = integrations.NewSentinel("hubspot: not found", ErrRejected)
)

// Error is an error answer from HubSpot, or a call that got none.
type Error struct {
	// Op names the operation, for example "batch upsert contacts".
	Op string
	// StatusCode is HubSpot's status, 0 when there was no answer.
	StatusCode int
	// Category is HubSpot's error category (VALIDATION_ERROR, CONFLICT, …).
	Category string
	// Code is the first detailed error code, when given (INVALID_EMAIL,
	// PROPERTY_DOESNT_EXIST, …).
	Code string
	// Message is HubSpot's message.
	Message string
	// CorrelationID identifies the request for HubSpot support.
	CorrelationID string
	// ExistingID is the contact HubSpot names in a conflict's message
	// ("Contact already exists. Existing ID: 12345"), if it does.
	ExistingID string
	// Err is the transport error when there was no answer.
	Err error

	kind error
	// named is HubSpot's context of the error: for a batch call refused as
	// a whole, the inputs it names ("ids", "objectWriteTraceId").
	named map[string][]string
}

// existingContactID returns the contact id a conflict's message names after
// "Existing ID:", or "" when it names none.
func existingContactID(message string) string {
	const marker = "existing id:"
	i := strings.Index(strings.ToLower(message), marker)
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(message[i+len(marker):], " ")
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(rest)
	}
	return rest[:end]
}

// contextLists returns HubSpot's error context as lists of strings, the
// shape it uses for the inputs an error names; other values are skipped.
func contextLists(ctx map[string]any) map[string][]string {
	out := make(map[string][]string, len(ctx))
	for k, v := range ctx {
		switch v := v.(type) {
		case string:
			out[k] = []string{v}
		case []any:
			for _, e := range v {
				if s, ok := e.(string); ok {
					out[k] = append(out[k], s)
				}
			}
		}
	}
	return out
}

// Error returns a one-line description with HubSpot's message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("hubspot: ")
	b.WriteString(e.Op)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": %d", e.StatusCode)
	}
	if e.Category != "" {
		b.WriteString(" " + e.Category)
	}
	if e.Code != "" && e.Code != e.Category {
		b.WriteString("/" + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.CorrelationID != "" {
		b.WriteString(" (correlation id " + e.CorrelationID + ")")
	}
	return b.String()
}

// Unwrap returns the error's sentinel and its transport cause.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.kind, e.Err}
	}
	return []error{e.kind}
}

// Rate-limit policies named in HubSpot's 429 answers.
const (
	PolicyTenSecondly = "TEN_SECONDLY_ROLLING"
	PolicySecondly    = "SECONDLY"
	PolicyDaily       = "DAILY"
)

// RateLimitError is a 429 answer.
type RateLimitError struct {
	// Op names the operation.
	Op string
	// Policy is HubSpot's policyName (PolicyTenSecondly, PolicyDaily, …).
	Policy string
	// Message is HubSpot's message.
	Message string
	// Wait is how long to wait before the next call.
	Wait time.Duration
	// At is when the next call may be made.
	At time.Time
	// Remaining and DailyRemaining are the X-HubSpot-RateLimit-Remaining
	// and -Daily-Remaining headers, -1 when absent.
	Remaining, DailyRemaining int
	// Interval is the X-HubSpot-RateLimit-Interval-Milliseconds header, 0
	// when absent.
	Interval time.Duration
}

// Error describes the limit and the wait.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("hubspot: %s: rate limited (%s): %s; retry after %s, at %s",
		e.Op, e.Policy, e.Message, wording.Duration(e.Wait), e.At.UTC().Format(time.RFC3339))
}

// Unwrap returns ErrRateLimited.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// RetryAt returns when the next call may be made.
func (e *RateLimitError) RetryAt() time.Time { return e.At }

// Rate-limit headers.
const (
	headerRemaining      = "X-HubSpot-RateLimit-Remaining"
	headerInterval       = "X-HubSpot-RateLimit-Interval-Milliseconds"
	headerDailyRemaining = "X-HubSpot-RateLimit-Daily-Remaining"
)

func headerInt(h http.Header, name string) int {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get(name)))
	if err != nil {
		return -1
	}
	return n
}

// rateLimitWait computes the wait a 429 imposes. TEN_SECONDLY_ROLLING (and
// any short-window policy) waits at least window and the interval HubSpot
// announces; DAILY, or a spent daily budget, waits until the next midnight in
// loc. A Retry-After, when HubSpot sends one, is a floor.
func rateLimitWait(policy string, h http.Header, retryAfter time.Duration, now time.Time, window time.Duration, loc *time.Location) time.Duration {
	if policy == PolicyDaily || (policy == "" && headerInt(h, headerDailyRemaining) == 0) {
		return max(untilMidnight(now, loc), retryAfter)
	}
	interval := time.Duration(max(headerInt(h, headerInterval), 0)) * time.Millisecond
	return max(window, interval, retryAfter)
}

// untilMidnight returns the time from now to the next midnight in loc.
func untilMidnight(now time.Time, loc *time.Location) time.Duration {
	t := now.In(loc)
	next := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
	return next.Sub(now)
}
