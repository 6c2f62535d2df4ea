package campaign

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Errors a caller can match with errors.Is. Several come wrapped in a typed
// error that carries the details (see each type).
var (
	// ErrUnknownCampaign: no campaign has that name.
	ErrUnknownCampaign = errors.New("campaign: no such campaign")
	// ErrNotFound: the proposal or item does not exist.
	ErrNotFound = errors.New("campaign: no such proposal or item")
	// ErrNotCSV: the file is not a CSV file Pacer can read; nothing was written.
	ErrNotCSV = errors.New("campaign: the file is not a CSV file")
	// ErrNoProfileColumn: the header names no profile URL column; nothing was written.
	ErrNoProfileColumn = errors.New("campaign: the file has no profile URL column")
	// ErrOpenProposal: the campaign already has an open proposal (*OpenProposalError).
	ErrOpenProposal = errors.New("campaign: the campaign already has an open proposal")
	// ErrNoCapacity: the account can send nothing more in the next two working days.
	ErrNoCapacity = errors.New("campaign: the account has no invitations left to plan in the next two working days")
	// ErrQueueEmpty: no eligible prospect is left in the campaign.
	ErrQueueEmpty = errors.New("campaign: no prospect is left to propose in this campaign")
	// ErrQueueTidied: the proposal walked as far as one proposal walks
	// without finding anyone to propose, passed those it walked over, and
	// left more queued behind them; proposing again goes on from there
	// (*TidiedError).
	ErrQueueTidied = errors.New("campaign: the head of the queue held nobody to propose and was moved out of the way")
	// ErrNoNotesLeft: the free account has no personalized note left this
	// month and the campaign does not send without one.
	ErrNoNotesLeft = errors.New("campaign: no personalized note left this month and send_without_note is off")
	// ErrCampaignPaused: the campaign is paused.
	ErrCampaignPaused = errors.New("campaign: the campaign is paused")
	// ErrAccountUnavailable: the sending account is paused, restricted or needs a human.
	ErrAccountUnavailable = errors.New("campaign: the sending account is not active")
	// ErrDecided: the proposal was already approved or rejected (*DecidedError).
	ErrDecided = errors.New("campaign: the proposal is already decided")
	// ErrStale: the decision carries an older version of the proposal (*StaleError).
	ErrStale = errors.New("campaign: the proposal changed since it was shown")
	// ErrUndoClosed: the approval's undo window closed or its sending
	// started (*UndoClosedError).
	ErrUndoClosed = errors.New("campaign: the approval can no longer be undone")
	// ErrBlocked: an item to approve has blocking lint findings (*BlockedError).
	ErrBlocked = errors.New("campaign: some notes have blocking findings")
	// ErrLint: an edited note has blocking lint findings (*LintError).
	ErrLint = errors.New("campaign: the note has blocking findings")
	// ErrNotAProfile: the value is not a LinkedIn member profile (*ProfileError).
	ErrNotAProfile = errors.New("campaign: not a LinkedIn member profile URL")
)

// ProfileError says why a value is not a member's profile URL.
type ProfileError struct {
	// Reason is a sentence a person can act on, without the value itself.
	Reason string
}

func (e *ProfileError) Error() string { return "campaign: " + e.Reason }

// Is makes errors.Is(err, ErrNotAProfile) true.
func (e *ProfileError) Is(target error) bool { return target == ErrNotAProfile }

// OpenProposalError names the campaign's open proposal, which must be decided
// before another is proposed.
type OpenProposalError struct {
	Campaign string
	// Account is the sender the proposal is for, in a campaign of several.
	Account    string
	ProposalID int64
	CreatedAt  time.Time
}

func (e *OpenProposalError) Error() string {
	whose := e.Campaign
	if e.Account != "" {
		whose += " (sent by " + e.Account + ")"
	}
	return fmt.Sprintf("campaign: %s already has an open proposal (#%d, proposed %s); approve or reject it first",
		whose, e.ProposalID, e.CreatedAt.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrOpenProposal) true.
func (e *OpenProposalError) Is(target error) bool { return target == ErrOpenProposal }

// DecidedError says who settled the proposal first, and when. The decision
// that returned it changed nothing.
type DecidedError struct {
	ProposalID int64
	// Kind is models.DecisionApprove or models.DecisionReject (or the
	// proposal's state, such as "expired", when no person decided it).
	Kind      string
	DecidedBy string
	DecidedAt time.Time
}

func (e *DecidedError) Error() string {
	switch e.Kind {
	case "reject", "rejected":
		return fmt.Sprintf("campaign: proposal #%d was already rejected by %s at %s; nothing changed",
			e.ProposalID, e.DecidedBy, e.DecidedAt.UTC().Format(time.RFC3339))
	case "expired":
		return fmt.Sprintf("campaign: proposal #%d has expired; nothing changed", e.ProposalID)
	}
	return fmt.Sprintf("campaign: proposal #%d was already approved by %s at %s; nothing changed",
		e.ProposalID, e.DecidedBy, e.DecidedAt.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrDecided) true.
func (e *DecidedError) Is(target error) bool { return target == ErrDecided }

// StaleError says the approver saw an older version of the proposal: an item
// was skipped or a note edited since. Nothing changed; the bot should show
// the current version and let the approver decide again.
type StaleError struct {
	ProposalID int64
	Version    int
	Current    int
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("campaign: proposal #%d changed since it was shown (version %d, now %d); review it again before deciding",
		e.ProposalID, e.Version, e.Current)
}

// Is makes errors.Is(err, ErrStale) true.
func (e *StaleError) Is(target error) bool { return target == ErrStale }

// UndoClosedError says an approval can no longer be taken back: its undo
// window closed at Until (zero when the batch had none), or some of its
// actions have started. Nothing changed.
type UndoClosedError struct {
	ProposalID int64
	Until      time.Time
	Started    int
}

func (e *UndoClosedError) Error() string {
	if e.Started > 0 {
		return fmt.Sprintf("campaign: proposal #%d can no longer be undone: %d of its actions have started", e.ProposalID, e.Started)
	}
	if e.Until.IsZero() {
		return fmt.Sprintf("campaign: proposal #%d was approved without an undo window", e.ProposalID)
	}
	return fmt.Sprintf("campaign: proposal #%d can no longer be undone: its undo window closed at %s", e.ProposalID, e.Until.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrUndoClosed) true.
func (e *UndoClosedError) Is(target error) bool { return target == ErrUndoClosed }

// ItemFindings are the blocking findings of one proposal item.
type ItemFindings struct {
	ItemID   int64
	Position int
	Findings []Finding
}

// BlockedError lists the items whose notes cannot be sent as they are.
// Nothing was approved: edit or skip those items, then approve again.
type BlockedError struct {
	ProposalID int64
	Items      []ItemFindings
}

func (e *BlockedError) Error() string {
	var parts []string
	for _, it := range e.Items {
		var msgs []string
		for _, f := range it.Findings {
			msgs = append(msgs, f.Message)
		}
		parts = append(parts, fmt.Sprintf("item %d: %s", it.Position, strings.Join(msgs, "; ")))
	}
	return fmt.Sprintf("campaign: proposal #%d cannot be approved: %s; edit or skip these items first",
		e.ProposalID, strings.Join(parts, " | "))
}

// Is makes errors.Is(err, ErrBlocked) true.
func (e *BlockedError) Is(target error) bool { return target == ErrBlocked }

// LintError holds the blocking findings that refused a note edit. The edit
// modal shows them under the note field.
type LintError struct {
	Findings []Finding
}

func (e *LintError) Error() string {
	var msgs []string
	for _, f := range e.Findings {
		if f.Blocking {
			msgs = append(msgs, f.Message)
		}
	}
	return "campaign: the note cannot be sent: " + strings.Join(msgs, "; ")
}

// Is makes errors.Is(err, ErrLint) true.
func (e *LintError) Is(target error) bool { return target == ErrLint }

// FieldErrors maps the modal's note field to the findings, one per line, in
// the shape Slack's response_action "errors" expects.
func (e *LintError) FieldErrors(field string) map[string]string {
	var msgs []string
	for _, f := range e.Findings {
		if f.Blocking {
			msgs = append(msgs, f.Message)
		}
	}
	return map[string]string{field: strings.Join(msgs, "\n")}
}

// errRecordNotFound is gorm's "no row", matched without importing gorm in
// every file.
var errRecordNotFound = gorm.ErrRecordNotFound
