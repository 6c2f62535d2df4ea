package executor

import (
	"context"
	"errors"
	"fmt"

	"github.com/pacerhq/pacer/pacertype"
)

// Sentinel errors, one per outcome other than pacertype.OutcomeDone, for
// errors.Is. The outcomes themselves, and what each means, are in package
// pacertype: the runner stores them and the bot words them too.
var (
	ErrAlreadyPending     = errors.New("executor: an invitation is already pending")
	ErrAlreadyConnected   = errors.New("executor: already connected")
	ErrEmailRequired      = errors.New("executor: LinkedIn asks for the member's email address to connect")
	ErrNoteQuotaExhausted = errors.New("executor: no personalized invitations left this month")
	ErrNoteTooLong        = errors.New("executor: the note is longer than LinkedIn allows")
	ErrUnexpectedNote     = errors.New("executor: the note field holds text nobody approved; nothing was sent")
	ErrWeeklyLimit        = errors.New("executor: LinkedIn's weekly invitation limit is reached")
	ErrCheckpoint         = errors.New("executor: LinkedIn shows a security checkpoint; a person must look at this account")
	ErrSessionRejected    = errors.New("executor: LinkedIn rejected the session; sign in again with `pacer account login`")
	ErrNotFound           = errors.New("executor: not found")
	ErrNotConnectable     = errors.New("executor: this profile offers no Connect")
	ErrUnrecognized       = errors.New("executor: the page was not recognized; run `pacer doctor linkedin` on a saved copy")
	ErrTransient          = errors.New("executor: transient failure")
)

var sentinels = map[pacertype.Outcome]error{
	pacertype.OutcomeAlreadyPending:     ErrAlreadyPending,
	pacertype.OutcomeAlreadyConnected:   ErrAlreadyConnected,
	pacertype.OutcomeEmailRequired:      ErrEmailRequired,
	pacertype.OutcomeNoteQuotaExhausted: ErrNoteQuotaExhausted,
	pacertype.OutcomeNoteTooLong:        ErrNoteTooLong,
	pacertype.OutcomeUnexpectedNote:     ErrUnexpectedNote,
	pacertype.OutcomeWeeklyLimit:        ErrWeeklyLimit,
	pacertype.OutcomeCheckpoint:         ErrCheckpoint,
	pacertype.OutcomeSessionRejected:    ErrSessionRejected,
	pacertype.OutcomeNotFound:           ErrNotFound,
	pacertype.OutcomeNotConnectable:     ErrNotConnectable,
	pacertype.OutcomeUnrecognized:       ErrUnrecognized,
	pacertype.OutcomeTransient:          ErrTransient,
}

// Sentinel returns the sentinel error of an outcome, or nil for pacertype.OutcomeDone
// and unknown outcomes.
func Sentinel(o pacertype.Outcome) error { return sentinels[o] }

// Error is the error of an action that did not end in pacertype.OutcomeDone. It matches
// its outcome's sentinel with errors.Is and unwraps to the underlying cause,
// if any.
type Error struct {
	// Outcome is how the action ended.
	Outcome pacertype.Outcome
	// Op names the action ("invite", "follow", …).
	Op string
	// Target is the profile slug or other object the action was about.
	Target string
	// Detail is what the page said, when that helps a person (a toast's
	// text, the note limit).
	Detail string
	// NotesRemaining is the number of personalized invitations the page said
	// were left this month, or -1 when it did not say.
	NotesRemaining int
	// Err is the underlying cause, such as a browser error.
	Err error
}

// NewError returns an *Error for an outcome. Err may be nil.
func NewError(outcome pacertype.Outcome, op, target string, err error) *Error {
	return &Error{Outcome: outcome, Op: op, Target: target, NotesRemaining: -1, Err: err}
}

// Error reads like "executor: invite jane-doe: weekly_limit: <detail>: <cause>".
func (e *Error) Error() string {
	msg := "executor: " + e.Op
	if e.Target != "" {
		msg += " " + e.Target
	}
	if s := Sentinel(e.Outcome); s != nil {
		msg += ": " + trimPrefix(s.Error())
	} else {
		msg += ": " + string(e.Outcome)
	}
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func trimPrefix(s string) string {
	const p = "executor: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// Is matches the sentinel of the error's outcome.
func (e *Error) Is(target error) bool {
	s := Sentinel(e.Outcome)
	return s != nil && target == s
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// OutcomeOf returns the outcome an error stands for: pacertype.OutcomeDone for nil, the
// *Error's outcome, the outcome of a wrapped sentinel, and pacertype.OutcomeTransient
// for everything else (timeouts, cancelled contexts, browser failures), since
// those may work on a later try.
func OutcomeOf(err error) pacertype.Outcome {
	if err == nil {
		return pacertype.OutcomeDone
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Outcome
	}
	for o, s := range sentinels {
		if errors.Is(err, s) {
			return o
		}
	}
	return pacertype.OutcomeTransient
}

// Fail returns the outcome and error for an action that ended in outcome o.
// It exists so adapters can write `return executor.Fail(o, op, slug, err)`.
func Fail(o pacertype.Outcome, op, target string, err error) (pacertype.Outcome, error) {
	return o, NewError(o, op, target, err)
}

// Transient wraps a browser or network failure as a transient *Error, unless
// it already carries an outcome.
func Transient(op, target string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return NewError(pacertype.OutcomeTransient, op, target, fmt.Errorf("timed out or cancelled: %w", err))
	}
	return NewError(pacertype.OutcomeTransient, op, target, err)
}
