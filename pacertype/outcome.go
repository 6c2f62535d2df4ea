package pacertype

import "slices"

// Outcome is how an action on LinkedIn ended. A site adapter reports it
// (package executor gives each outcome but OutcomeDone a sentinel error),
// and the runner decides what to do next from it alone: count the action,
// skip the prospect, pause the account, or ask a person. The runner stores
// it in actions.outcome; the bot words it for people.
type Outcome string

// The outcomes of an action.
const (
	// OutcomeDone means the action was carried out and confirmed on the page
	// (for an invitation: the profile now shows Pending, or the connection
	// when the invitee accepted at once).
	OutcomeDone Outcome = "done"
	// OutcomeAlreadyPending means an invitation to this person is already
	// pending; nothing was sent.
	OutcomeAlreadyPending Outcome = "already_pending"
	// OutcomeAlreadyConnected means the person is already a 1st-degree
	// connection; nothing was sent.
	OutcomeAlreadyConnected Outcome = "already_connected"
	// OutcomeEmailRequired means LinkedIn asks for the person's email address
	// before it lets the account connect, and none was given.
	OutcomeEmailRequired Outcome = "email_required"
	// OutcomeNoteQuotaExhausted means the account has no personalized
	// invitations left this month; the invitation was not sent without its
	// approved note.
	OutcomeNoteQuotaExhausted Outcome = "note_quota_exhausted"
	// OutcomeNoteTooLong means the note is longer than the limit the invite
	// dialog shows (200 or 300 characters); nothing was sent.
	OutcomeNoteTooLong Outcome = "note_too_long"
	// OutcomeUnexpectedNote means the invitation was approved without a note
	// but the invite dialog's note field held text (prefilled by LinkedIn or
	// left over): it was stopped before Send, and nothing was sent. Pacer
	// never sends words nobody approved.
	OutcomeUnexpectedNote Outcome = "unexpected_note"
	// OutcomeWeeklyLimit means LinkedIn showed its weekly invitation limit
	// alert, or a notice that it restricted the account (the executor error's
	// Detail quotes it): stop inviting from this account until the window
	// resets.
	OutcomeWeeklyLimit Outcome = "weekly_limit"
	// OutcomeCheckpoint means LinkedIn showed a security checkpoint, a login
	// challenge or a CAPTCHA: stop the account and ask a person. Pacer never
	// tries to solve one.
	OutcomeCheckpoint Outcome = "checkpoint"
	// OutcomeSessionRejected means LinkedIn sent the account to its login
	// page: the stored session is no longer valid and a person must sign in
	// again.
	OutcomeSessionRejected Outcome = "session_rejected"
	// OutcomeNotFound means the profile (or the invitation, post or row the
	// action needs) does not exist or is not available.
	OutcomeNotFound Outcome = "not_found"
	// OutcomeNotConnectable means the profile offers no Connect at all (for
	// example a creator who can only be followed).
	OutcomeNotConnectable Outcome = "not_connectable"
	// OutcomeUnrecognized means the page loaded but the adapter could not
	// tell its state: LinkedIn may have changed its markup (run `pacer doctor
	// linkedin`). Nothing was clicked.
	OutcomeUnrecognized Outcome = "unrecognized"
	// OutcomeTransient means something failed that may work on a later try: a
	// timeout, an error toast, a crashed page, an unconfirmed send.
	OutcomeTransient Outcome = "transient"
	// OutcomeNotConnected means a message was not sent because the person
	// is not a 1st-degree connection: the profile offers no Message, or
	// Message offers only InMail or a Premium upsell. Nothing was typed.
	OutcomeNotConnected Outcome = "not_connected"
	// OutcomeUnexpectedDraft means the message composer held text nobody
	// approved (a draft LinkedIn kept, or text it prefilled): the message
	// was stopped before anything was typed, and nothing was sent.
	OutcomeUnexpectedDraft Outcome = "unexpected_draft"
	// OutcomeSuppressed means the runner did not carry the action out because
	// its prospect went on the do-not-contact list after the approval; no
	// page was opened.
	OutcomeSuppressed Outcome = "suppressed"
	// OutcomeReplied means the runner did not send a follow-up message
	// because its prospect replied since it was approved: their follow-ups
	// stop. No page was opened. A message the reply scan stopped before it
	// was due is canceled with this outcome too.
	OutcomeReplied Outcome = "replied"
)

var outcomes = []Outcome{
	OutcomeDone, OutcomeAlreadyPending, OutcomeAlreadyConnected, OutcomeEmailRequired,
	OutcomeNoteQuotaExhausted, OutcomeNoteTooLong, OutcomeUnexpectedNote, OutcomeWeeklyLimit,
	OutcomeCheckpoint, OutcomeSessionRejected, OutcomeNotFound, OutcomeNotConnectable,
	OutcomeUnrecognized, OutcomeTransient, OutcomeSuppressed, OutcomeNotConnected, OutcomeUnexpectedDraft,
	OutcomeReplied,
}

// Outcomes returns every outcome.
func Outcomes() []Outcome { return slices.Clone(outcomes) }
