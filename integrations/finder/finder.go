package finder

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pacerhq/pacer/integrations"
)

// Person is who to find an email for.
type Person struct {
	// Slug is the LinkedIn public identifier.
	Slug string
	// ProfileURL is the LinkedIn profile URL.
	ProfileURL string
	// FirstName and LastName are the person's names.
	FirstName, LastName string
	// Company is the current company's name.
	Company string
	// Domain is the company's web domain, when known (Hunter finds more
	// with it than with the company's name).
	Domain string
}

// Provider finds email addresses.
type Provider interface {
	// Name returns the provider's name, the "source" of email.found
	// (pacertype.FinderHunter).
	Name() string
	// FindEmail returns p's email address, or an error matching one of the
	// package's sentinels.
	FindEmail(ctx context.Context, p Person) (string, error)
}

// Sentinel errors, for errors.Is.
var (
	// ErrNotFound means the provider has no email for the person: not a
	// failure.
	ErrNotFound = errors.New("finder: no email found")
	// ErrRateLimited means the provider asked to slow down; the error's
	// RetryAt says when to try again. It matches integrations.ErrRateLimited.
	ErrRateLimited = integrations.NewSentinel("finder: rate limited", integrations.ErrRateLimited)
	// ErrQuotaExhausted means the provider's periodic quota is spent; pause
	// it until RetryAt and alert. It matches integrations.ErrQuotaExhausted.
	ErrQuotaExhausted = integrations.NewSentinel("finder: quota exhausted", integrations.ErrQuotaExhausted)
	// ErrRejected means the request cannot succeed as it is (missing names
	// or domain, bad parameters). It matches integrations.ErrPermanent.
	ErrRejected = integrations.NewSentinel("finder: request rejected", integrations.ErrPermanent)
	// ErrUnauthorized means the provider refused the API key: check it.
	// Retried with backoff, so that fixing the key lets the backlog through.
	ErrUnauthorized = errors.New("finder: API key refused")
	// ErrTemporary means a 5xx answer, a timeout or a network failure.
	ErrTemporary = errors.New("finder: temporary failure")
)

// Error is a provider's failure.
type Error struct {
	// Provider is the provider's name.
	Provider string
	// StatusCode is the provider's HTTP status, 0 when not applicable.
	StatusCode int
	// Code is the provider's error id, when it gives one.
	Code string
	// Message is the provider's message, or ours.
	Message string
	// At is when to try again, for ErrRateLimited and ErrQuotaExhausted.
	At time.Time
	// Err is the cause, when there is one.
	Err error

	kind error
}

// NewError returns an error of the given kind (one of the sentinels) for a
// provider, for providers outside this package.
func NewError(provider string, kind error, message string, at time.Time, cause error) *Error {
	return &Error{Provider: provider, Message: message, At: at, Err: cause, kind: kind}
}

// Error describes the failure.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "finder: %s", e.Provider)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": %d", e.StatusCode)
	}
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if !e.At.IsZero() {
		b.WriteString("; retry at " + e.At.UTC().Format(time.RFC3339))
	}
	return b.String()
}

// Unwrap returns the error's sentinel and its cause.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.kind, e.Err}
	}
	return []error{e.kind}
}

// RetryAt returns when to try again; zero when the error does not say.
func (e *Error) RetryAt() time.Time { return e.At }

// NextMonth returns the first instant of the month after t's, in UTC: when a
// monthly quota renews.
func NextMonth(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
}
