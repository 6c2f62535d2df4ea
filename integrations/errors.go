package integrations

import (
	"errors"
	"time"
)

// Error classes shared by every destination package. A destination's own
// errors match one of these with errors.Is, so a delivery job needs only
// [Classify] to decide what to do.
var (
	// ErrPermanent means retrying cannot help (invalid data, a missing CRM
	// property, a rejected request): keep the delivery as a dead letter with
	// the destination's message.
	ErrPermanent = errors.New("integrations: permanent failure")
	// ErrRateLimited means the destination asked us to slow down; retry at the
	// time the error carries (see [RetryAt]).
	ErrRateLimited = errors.New("integrations: rate limited")
	// ErrQuotaExhausted means a periodic quota is spent (an email finder's
	// monthly credits): pause the provider until the time the error carries
	// and alert.
	ErrQuotaExhausted = errors.New("integrations: quota exhausted")
	// ErrGone means the destination asked never to be called again (a
	// webhook answered 410 Gone): disable it and alert.
	ErrGone = errors.New("integrations: destination gone")
)

// Action is what a delivery job does with an outcome.
type Action int

// The actions, from the most to the least hopeful.
const (
	// Done means the delivery succeeded.
	Done Action = iota
	// Retry means retry on the job's own backoff schedule.
	Retry
	// RetryAt means retry not before Verdict.At.
	RetryAt
	// PauseUntil means stop using the destination until Verdict.At and alert.
	PauseUntil
	// DeadLetter means stop retrying and keep the delivery for a human
	// (`pacer deliveries list|retry`), with an alert.
	DeadLetter
	// Disable means disable the destination and alert; keep the delivery as a
	// dead letter.
	Disable
)

var actionNames = [...]string{"done", "retry", "retry_at", "pause_until", "dead_letter", "disable"}

// String returns the action's snake_case name.
func (a Action) String() string {
	if a < 0 || int(a) >= len(actionNames) {
		return "unknown"
	}
	return actionNames[a]
}

// Verdict is the classification of a delivery outcome.
type Verdict struct {
	// Action is what to do.
	Action Action
	// At is the earliest time to try again, for RetryAt and PauseUntil.
	At time.Time
}

// Delayed is implemented by errors that know when retrying makes sense.
type Delayed interface {
	// RetryAt returns the earliest time a retry may succeed.
	RetryAt() time.Time
}

// Classify returns what a delivery job should do with err, the result of a
// destination client call. Errors it does not recognise (network failures,
// 5xx answers, timeouts) are retried on the job's schedule.
func Classify(err error) Verdict {
	if err == nil {
		return Verdict{Action: Done}
	}
	at := retryAt(err)
	switch {
	case errors.Is(err, ErrGone):
		return Verdict{Action: Disable}
	case errors.Is(err, ErrPermanent):
		return Verdict{Action: DeadLetter}
	case errors.Is(err, ErrQuotaExhausted) && !at.IsZero():
		return Verdict{Action: PauseUntil, At: at}
	case !at.IsZero():
		return Verdict{Action: RetryAt, At: at}
	}
	return Verdict{Action: Retry}
}

// retryAt returns the first non-zero RetryAt in err's tree.
func retryAt(err error) time.Time {
	if err == nil {
		return time.Time{}
	}
	if d, ok := err.(Delayed); ok && !d.RetryAt().IsZero() {
		return d.RetryAt()
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return retryAt(u.Unwrap())
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if at := retryAt(e); !at.IsZero() {
				return at
			}
		}
	}
	return time.Time{}
}

// NewSentinel returns a sentinel error with the given text that also matches
// class (one of the Err… classes above) with errors.Is. Destination packages
// declare their sentinels with it, so that their text reads naturally and
// [Classify] still recognises them.
func NewSentinel(text string, class error) error {
	return &sentinel{text: text, class: class}
}

type sentinel struct {
	text  string
	class error
}

func (e *sentinel) Error() string { return e.text }
func (e *sentinel) Unwrap() error { return e.class }
