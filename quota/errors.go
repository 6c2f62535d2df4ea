package quota

import (
	"errors"
	"fmt"
	"time"
)

// Errors a caller can match with errors.Is.
var (
	// ErrLimit is matched by every *LimitError that refuses because a limit
	// is reached (not because of the account's state).
	ErrLimit = errors.New("quota: limit reached")
	// ErrAccountNotActive is matched by a *LimitError refusing because the
	// account is paused, restricted or needs a human.
	ErrAccountNotActive = errors.New("quota: the account is not active")
	// ErrUnknownKind: the kind is not one of Kinds.
	ErrUnknownKind = errors.New("quota: unknown kind")
	// ErrUnknownAccount: no stored account has that id, or the account is
	// not in the configuration.
	ErrUnknownAccount = errors.New("quota: unknown account")
	// ErrSettings: the account's plan, timezone, working hours or limit
	// overrides cannot be used.
	ErrSettings = errors.New("quota: the account's settings cannot be used")
	// ErrNoReservation: no ledger entry has that id.
	ErrNoReservation = errors.New("quota: no such reservation")
	// ErrReservationSettled: Release of a reservation that is already used
	// (committed, or expired into used). Nothing is given back.
	ErrReservationSettled = errors.New("quota: the reservation is already counted as used and cannot be released")
	// ErrNoteTooLong: an invitation note is longer than the plan allows.
	ErrNoteTooLong = errors.New("quota: the note is too long")
)

// LimitError is a refusal: it names the limit that is reached and when it
// frees up. It matches ErrLimit, or ErrAccountNotActive when the account's
// state refuses, with errors.Is.
type LimitError struct {
	// Limit names the limit (LimitInvitesPerWeek, LimitAccountState, …).
	Limit string
	// Account is the account's name; AccountID its id.
	Account   string
	AccountID int64
	// Kind is the kind that was refused.
	Kind string
	// Used and Max are the counter's state; both are 0 for limits that
	// count nothing (the account's state, the acceptance guard).
	Used int
	Max  int
	// ResetAt is when the limit frees up, so that a job can snooze exactly
	// that long. A zero ResetAt means no time frees it: a person must act,
	// or new facts must come in (acceptances, fewer pending invitations).
	ResetAt time.Time
	// Reason says more, for people: the account's state and its reason,
	// the acceptance rate.
	Reason string
}

// Error reads like "quota: anna: invites_per_week reached (100 of 100);
// frees up at 2026-03-09T10:14:00Z".
func (e *LimitError) Error() string {
	msg := "quota: "
	if e.Account != "" {
		msg += e.Account + ": "
	}
	msg += e.Limit
	switch e.Limit {
	case LimitAccountState, LimitAcceptanceGuard, LimitReinvite:
		msg += ": " + e.Reason
	default:
		msg += fmt.Sprintf(" reached (%d of %d)", e.Used, e.Max)
		if e.Reason != "" {
			msg += ": " + e.Reason
		}
	}
	if !e.ResetAt.IsZero() {
		msg += "; frees up at " + e.ResetAt.UTC().Format(time.RFC3339)
	}
	return msg
}

// Explain says why, for people (Slack, forecasts): "the account is paused
// by U123", "invites_per_week reached (100 of 100) until Mon 9 Mar 10:14
// CET". Times are shown in loc.
func (e *LimitError) Explain(loc *time.Location) string {
	var msg string
	switch e.Limit {
	case LimitAccountState:
		msg = "the account is " + e.Reason
	case LimitAcceptanceGuard, LimitReinvite:
		msg = e.Reason
	default:
		msg = fmt.Sprintf("%s reached (%d of %d)", e.Limit, e.Used, e.Max)
		if e.Reason != "" {
			msg += ": " + e.Reason
		}
	}
	if !e.ResetAt.IsZero() {
		if loc == nil {
			loc = time.UTC
		}
		msg += " until " + e.ResetAt.In(loc).Format("Mon 2 Jan 15:04 MST")
	}
	return msg
}

// Is matches ErrLimit, or ErrAccountNotActive for a refusal by the
// account's state.
func (e *LimitError) Is(target error) bool {
	if e.Limit == LimitAccountState {
		return target == ErrAccountNotActive
	}
	return target == ErrLimit
}

// later picks, of two refusals, the one that frees up last: a job snoozing
// until its ResetAt is then not refused again by the other. A refusal that
// no time frees wins.
func later(a, b *LimitError) *LimitError {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case a.ResetAt.IsZero():
		return a
	case b.ResetAt.IsZero():
		return b
	case b.ResetAt.After(a.ResetAt):
		return b
	}
	return a
}
