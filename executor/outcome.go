package executor

import (
	"context"
	"errors"
	"fmt"

	"github.com/pacerhq/pacer/pacertype"
)

// Outcome is how an action on LinkedIn ended. The runner decides what to do
// next from it alone: count the action, skip the prospect, pause the account,
// or ask a human. Its values are stored (actions.outcome) and read by the
// bot, so they are spelled once, in package pacertype; this file says what
// each means to the executor.
type Outcome = pacertype.Outcome

// The outcomes an adapter reports.
const (
	// OutcomeDone means the action was carried out and confirmed on the page
	// (for an invitation: the profile now shows Pending, or the connection
	// when the invitee accepted at once).
	OutcomeDone = pacertype.OutcomeDone
	// OutcomeAlreadyPending means an invitation to this person is already
	// pending; nothing was sent.
	OutcomeAlreadyPending = pacertype.OutcomeAlreadyPending
	// OutcomeAlreadyConnected means the person is already a 1st-degree
	// connection; nothing was sent.
	OutcomeAlreadyConnected = pacertype.OutcomeAlreadyConnected
	// OutcomeEmailRequired means LinkedIn asks for the person's email address
	// before it lets the account connect, and none was given.
	OutcomeEmailRequired = pacertype.OutcomeEmailRequired
	// OutcomeNoteQuotaExhausted means the account has no personalized
	// invitations left this month; the invitation was not sent without its
	// approved note.
	OutcomeNoteQuotaExhausted = pacertype.OutcomeNoteQuotaExhausted
	// OutcomeNoteTooLong means the note is longer than the limit the invite
	// dialog shows (200 or 300 characters); nothing was sent.
	OutcomeNoteTooLong = pacertype.OutcomeNoteTooLong
	// OutcomeUnexpectedNote means the invitation was approved without a note
	// but the invite dialog's note field held text (prefilled by LinkedIn or
	// left over): it was stopped before Send, and nothing was sent. Pacer
	// never sends words nobody approved.
	OutcomeUnexpectedNote = pacertype.OutcomeUnexpectedNote
	// OutcomeWeeklyLimit means LinkedIn showed its weekly invitation limit
	// alert, or a notice that it restricted the account (the error's Detail
	// quotes it): stop inviting from this account until the window resets.
	OutcomeWeeklyLimit = pacertype.OutcomeWeeklyLimit
	// OutcomeCheckpoint means LinkedIn showed a security checkpoint, a login
	// challenge or a CAPTCHA: stop the account and ask a human. Pacer never
	// tries to solve one.
	OutcomeCheckpoint = pacertype.OutcomeCheckpoint
	// OutcomeSessionRejected means LinkedIn sent the account to its login page:
	// the stored session is no longer valid and a person must sign in again.
	OutcomeSessionRejected = pacertype.OutcomeSessionRejected
	// OutcomeNotFound means the profile (or the invitation, post or row the
	// action needs) does not exist or is not available.
	OutcomeNotFound = pacertype.OutcomeNotFound
	// OutcomeNotConnectable means the profile offers no Connect at all (for
	// example a creator who can only be followed).
	OutcomeNotConnectable = pacertype.OutcomeNotConnectable
	// OutcomeUnrecognized means the page loaded but the adapter could not tell
	// its state: LinkedIn may have changed its markup (run `pacer doctor
	// linkedin`). Nothing was clicked.
	OutcomeUnrecognized = pacertype.OutcomeUnrecognized
	// OutcomeTransient means something failed that may work on a later try: a
	// timeout, an error toast, a crashed page, an unconfirmed send.
	OutcomeTransient = pacertype.OutcomeTransient
	// OutcomeNotConnected means a message was not sent because the person is
	// not a 1st-degree connection: the profile offers no Message, or Message
	// offers only InMail or a Premium upsell. Nothing was typed; Pacer never
	// sends InMail.
	OutcomeNotConnected = pacertype.OutcomeNotConnected
	// OutcomeUnexpectedDraft means the message composer held text nobody
	// approved (a draft LinkedIn kept for the conversation, or text it
	// prefilled): the message was stopped before anything was typed, the
	// draft was left as it was, and nothing was sent.
	OutcomeUnexpectedDraft = pacertype.OutcomeUnexpectedDraft
)

// Sentinel errors, one per outcome other than OutcomeDone, for errors.Is.
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
	ErrNotConnected       = errors.New("executor: not a 1st-degree connection; nothing was sent")
	ErrUnexpectedDraft    = errors.New("executor: the message composer holds text nobody approved; nothing was sent")
)

var sentinels = map[Outcome]error{
	OutcomeAlreadyPending:     ErrAlreadyPending,
	OutcomeAlreadyConnected:   ErrAlreadyConnected,
	OutcomeEmailRequired:      ErrEmailRequired,
	OutcomeNoteQuotaExhausted: ErrNoteQuotaExhausted,
	OutcomeNoteTooLong:        ErrNoteTooLong,
	OutcomeUnexpectedNote:     ErrUnexpectedNote,
	OutcomeWeeklyLimit:        ErrWeeklyLimit,
	OutcomeCheckpoint:         ErrCheckpoint,
	OutcomeSessionRejected:    ErrSessionRejected,
	OutcomeNotFound:           ErrNotFound,
	OutcomeNotConnectable:     ErrNotConnectable,
	OutcomeUnrecognized:       ErrUnrecognized,
	OutcomeTransient:          ErrTransient,
	OutcomeNotConnected:       ErrNotConnected,
	OutcomeUnexpectedDraft:    ErrUnexpectedDraft,
}

// Sentinel returns the sentinel error of an outcome, or nil for OutcomeDone
// and unknown outcomes.
func Sentinel(o Outcome) error { return sentinels[o] }

// Error is the error of an action that did not end in OutcomeDone. It matches
// its outcome's sentinel with errors.Is and unwraps to the underlying cause,
// if any.
type Error struct {
	// Outcome is how the action ended.
	Outcome Outcome
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
func NewError(outcome Outcome, op, target string, err error) *Error {
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

// OutcomeOf returns the outcome an error stands for: OutcomeDone for nil, the
// *Error's outcome, the outcome of a wrapped sentinel, and OutcomeTransient
// for everything else (timeouts, cancelled contexts, browser failures), since
// those may work on a later try.
func OutcomeOf(err error) Outcome {
	if err == nil {
		return OutcomeDone
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
	return OutcomeTransient
}

// Fail returns the outcome and error for an action that ended in outcome o.
// It exists so adapters can write `return executor.Fail(o, op, slug, err)`.
func Fail(o Outcome, op, target string, err error) (Outcome, error) {
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
		return NewError(OutcomeTransient, op, target, fmt.Errorf("timed out or cancelled: %w", err))
	}
	return NewError(OutcomeTransient, op, target, err)
}
