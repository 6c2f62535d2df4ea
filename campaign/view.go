package campaign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
)

// ProposalView is a proposal as people see it: open, with its items and
// their notes, or decided, with its progress. The bot renders it; campaign
// reads it, so that what a message shows is what a decision acts on.
type ProposalView struct {
	ID       int64
	Version  int
	Campaign string
	// Account is the sender the batch is for; Senders, when the caller
	// sets them from the configuration, are all the campaign's senders.
	Account string
	Senders []string
	// Kind is models.ProposalInvites or ProposalMessages (follow-ups).
	Kind string
	// State is models.ProposalOpen, Approved, Rejected or Expired.
	State     string
	Forecast  string
	DecidedBy string
	DecidedAt *time.Time
	// CreatedAt is when it was proposed: what an expired one waited is
	// DecidedAt − CreatedAt.
	CreatedAt time.Time
	// UndoUntil is when an approved batch starts sending; until then its
	// approval can be undone (Proposer.Undo). Nil without an undo window.
	UndoUntil *time.Time
	Items     []ItemView
	// Progress is set once the proposal is approved.
	Progress *Progress
	// History is the decisions made on the proposal, oldest first.
	History []HistoryEntry
}

// ItemView is one prospect of a proposal.
type ItemView struct {
	ID         int64
	Position   int
	Name       string
	ProfileURL string
	Title      string
	Company    string
	Note       string
	// Variant names the note variant the prospect was given (see
	// models.ProposalItem.Variant).
	Variant  string
	Findings []Finding
	// State is models.ItemProposed, Skipped, Approved or Rejected.
	State    string
	EditedBy string
	// Outcome is the item's progress once approved: ItemSent, ItemSkipped,
	// ItemFailed or "" (waiting).
	Outcome string
	// A follow-up's context: its step (1-based; 0 for an invitation), the
	// note the invitation went with, and when it was accepted.
	Step           int
	InvitationNote string
	AcceptedAt     *time.Time
}

// An approved item's outcome.
const (
	ItemSent    = "sent"
	ItemSkipped = "skipped"
	ItemFailed  = "failed"
)

// Progress is how far an approved batch has come.
type Progress struct {
	Total   int
	Sent    int
	Skipped int
	Failed  int
	// Accepted counts the invitations sent that were accepted so far.
	Accepted int
	// SkipReasons and FailReasons count the items that ended without an
	// invitation, by reason ("already connected").
	SkipReasons []ReasonCount
	FailReasons []ReasonCount
	// NextAt is when the next action is scheduled; nil when none is.
	NextAt *time.Time
	// Stopped says why nothing of the batch is sent for now (its account
	// restricted, waiting for a person or paused, its campaign paused);
	// nil while it runs.
	Stopped *Stopped
	// Done is true when nothing is left to do; FinishedAt is when the last
	// action ended.
	Done       bool
	FinishedAt *time.Time
}

// Stopped is why an approved batch is held: Account's State (restricted
// until Until, needs a person, paused by PausedBy) with Reason, or, when
// Campaign is set, its campaign paused by PausedBy.
type Stopped struct {
	Account  string
	Campaign string
	State    string
	Reason   string
	Until    *time.Time
	PausedBy string
}

// ReasonCount is how many items ended for one reason.
type ReasonCount struct {
	Reason string
	Count  int
}

// Reading is one consistent reading of a proposal: its row (with the
// columns its messages keep), its account and its view.
type Reading struct {
	Proposal models.Proposal
	Account  models.Account
	View     ProposalView
}

// ReadProposal reads a proposal with its items, prospects and, once
// approved, its progress. The reads are not one snapshot, so the proposal's
// version and state are read again at the end: when a decision committed
// meanwhile, everything is read again. Otherwise a message could show an
// item's skip or edit with buttons carrying the version before it, or the
// reverse: buttons that approve a change the message does not show. After
// a few tries the last reading is used; the decision that keeps changing
// the proposal refreshes its messages itself once committed.
//
// A proposal that does not exist is ErrNotFound.
func ReadProposal(ctx context.Context, store *models.Store, id int64) (Reading, error) {
	const tries = 3
	for try := 1; ; try++ {
		r, err := readProposal(store.DB.WithContext(ctx), id)
		if err != nil || try == tries {
			return r, err
		}
		var now models.Proposal
		if err := store.DB.WithContext(ctx).Select("version", "state").Take(&now, id).Error; err != nil {
			return r, fmt.Errorf("campaign: read proposal #%d: %w", id, err)
		}
		if now.Version == r.Proposal.Version && now.State == r.Proposal.State {
			return r, nil
		}
	}
}

// readProposal is one reading of ReadProposal.
func readProposal(db *gorm.DB, id int64) (Reading, error) {
	var r Reading
	if err := db.First(&r.Proposal, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return r, fmt.Errorf("%w: proposal #%d", ErrNotFound, id)
		}
		return r, fmt.Errorf("campaign: read proposal #%d: %w", id, err)
	}
	p := r.Proposal
	var camp models.Campaign
	if err := db.First(&camp, p.CampaignID).Error; err != nil {
		return r, fmt.Errorf("campaign: read the campaign of proposal #%d: %w", id, err)
	}
	if err := db.First(&r.Account, p.AccountID).Error; err != nil {
		return r, fmt.Errorf("campaign: read the account of proposal #%d: %w", id, err)
	}
	items, err := readItemViews(db, id)
	if err != nil {
		return r, err
	}
	r.View = ProposalView{
		ID: p.ID, Version: p.Version, Campaign: camp.Name, Account: r.Account.Name, Kind: p.Kind, State: p.State,
		Forecast: p.Forecast, DecidedBy: p.DecidedBy, DecidedAt: p.DecidedAt, CreatedAt: p.CreatedAt, UndoUntil: p.UndoUntil, Items: items,
	}
	if r.View.History, err = readHistory(db, id, r.View.Items); err != nil {
		return r, err
	}
	if p.Kind == models.ProposalMessages {
		if err := readFollowUpContext(db, p.CampaignID, r.View.Items); err != nil {
			return r, err
		}
	}
	if p.State == models.ProposalApproved {
		prog, outcomes, err := readProgress(db, id)
		if err != nil {
			return r, err
		}
		prog.Stopped = StoppedBy(r.Account, camp)
		if prog.Stopped != nil && prog.Stopped.Campaign == "" {
			// A stopped sender's items may have moved to another sender
			// (Rehome): the batch is held only by what it still has to do.
			var held int64
			err := db.Table("actions AS a").Joins("JOIN proposal_items AS i ON i.id = a.proposal_item_id").
				Where("i.proposal_id = ? AND a.account_id = ? AND a.state IN ?", id, r.Account.ID, []string{models.ActionScheduled, models.ActionInFlight}).
				Count(&held).Error
			if err != nil {
				return r, fmt.Errorf("campaign: read the held actions of proposal #%d: %w", id, err)
			}
			if held == 0 {
				prog.Stopped = nil
			}
		}
		r.View.Progress = &prog
		for i := range r.View.Items {
			r.View.Items[i].Outcome = outcomes[r.View.Items[i].ID]
		}
	}
	return r, nil
}

// readItemViews reads a proposal's items with their prospects, in order.
func readItemViews(db *gorm.DB, proposalID int64) ([]ItemView, error) {
	var rows []struct {
		models.ProposalItem
		FirstName  string
		LastName   string
		ProfileURL string
		Title      string
		Company    string
	}
	err := db.Table("proposal_items AS i").
		Select("i.*, p.first_name, p.last_name, p.profile_url, p.title, p.company").
		Joins("JOIN prospects AS p ON p.id = i.prospect_id").
		Where("i.proposal_id = ?", proposalID).Order("i.position").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("campaign: read the items of proposal #%d: %w", proposalID, err)
	}
	items := make([]ItemView, 0, len(rows))
	for _, r := range rows {
		it := ItemView{
			ID: r.ID, Position: r.Position, Name: strings.TrimSpace(r.FirstName + " " + r.LastName),
			ProfileURL: r.ProfileURL, Title: r.Title, Company: r.Company, Note: r.Note, Variant: r.Variant,
			State: r.State, EditedBy: r.EditedBy, Step: r.Step,
		}
		if r.Lint != "" && r.Lint != "[]" {
			// A finding list that does not decode is shown without
			// findings rather than not at all.
			_ = json.Unmarshal([]byte(r.Lint), &it.Findings)
		}
		items = append(items, it)
	}
	return items, nil
}

// readProgress reads how far an approved proposal's actions have come, and
// each item's outcome. An item is sent when its last step is done, skipped
// or failed when any of its actions was, and waiting otherwise.
func readProgress(db *gorm.DB, proposalID int64) (Progress, map[int64]string, error) {
	var items []models.ProposalItem
	if err := db.Where("proposal_id = ? AND state <> ?", proposalID, models.ItemSkipped).Find(&items).Error; err != nil {
		return Progress{}, nil, fmt.Errorf("campaign: read the items of proposal #%d: %w", proposalID, err)
	}
	var actions []models.Action
	err := db.Table("actions").Joins("JOIN proposal_items AS i ON i.id = actions.proposal_item_id").
		Where("i.proposal_id = ?", proposalID).Select("actions.*").Order("actions.step").Scan(&actions).Error
	if err != nil {
		return Progress{}, nil, fmt.Errorf("campaign: read the actions of proposal #%d: %w", proposalID, err)
	}
	byItem := map[int64][]models.Action{}
	for _, a := range actions {
		if a.ProposalItemID != nil {
			byItem[*a.ProposalItemID] = append(byItem[*a.ProposalItemID], a)
		}
	}
	p := Progress{Total: len(items)}
	outcomes := map[int64]string{}
	skipReasons, failReasons := map[string]int{}, map[string]int{}
	var sent []int64
	for _, it := range items {
		outcome, reason, next, finished := itemOutcome(byItem[it.ID])
		outcomes[it.ID] = outcome
		switch outcome {
		case ItemSent:
			p.Sent++
			sent = append(sent, it.ProspectID)
		case ItemSkipped:
			p.Skipped++
			skipReasons[reason]++
		case ItemFailed:
			p.Failed++
			failReasons[reason]++
		default:
			if next != nil && (p.NextAt == nil || next.Before(*p.NextAt)) {
				p.NextAt = next
			}
		}
		if finished != nil && (p.FinishedAt == nil || finished.After(*p.FinishedAt)) {
			p.FinishedAt = finished
		}
	}
	p.SkipReasons, p.FailReasons = countReasons(skipReasons), countReasons(failReasons)
	if len(sent) > 0 {
		// An invited prospect now connected accepted this invitation: one
		// connected before it would have been skipped as already connected.
		var accepted int64
		err := db.Model(&models.Prospect{}).Where("id IN ? AND state = ?", sent, models.ProspectConnected).Count(&accepted).Error
		if err != nil {
			return Progress{}, nil, fmt.Errorf("campaign: count the acceptances of proposal #%d: %w", proposalID, err)
		}
		p.Accepted = int(accepted)
	}
	// An approved batch whose actions are not scheduled yet is not done:
	// Done needs every item to have ended.
	p.Done = p.Total > 0 && p.Sent+p.Skipped+p.Failed == p.Total
	if !p.Done {
		p.FinishedAt = nil
	}
	return p, outcomes, nil
}

// StoppedBy says why a batch of the account and campaign is held, or nil
// when both may act.
func StoppedBy(a models.Account, c models.Campaign) *Stopped {
	if a.State != models.AccountActive {
		return &Stopped{Account: a.Name, State: a.State, Reason: a.StateReason, Until: a.RestrictedUntil, PausedBy: a.PausedBy}
	}
	if c.State == models.CampaignPaused {
		return &Stopped{Account: a.Name, Campaign: c.Name, State: c.State, PausedBy: c.PausedBy}
	}
	return nil
}

// itemOutcome is an approved item's outcome from its actions, ordered by
// step: the reason of a skip or failure, when the next action is due while
// it waits, and when its last action ended.
func itemOutcome(acts []models.Action) (outcome, reason string, next, finished *time.Time) {
	if len(acts) == 0 {
		return "", "", nil, nil
	}
	last := acts[0]
	for _, a := range acts {
		if a.FinishedAt != nil && (finished == nil || a.FinishedAt.After(*finished)) {
			finished = a.FinishedAt
		}
		switch a.State {
		case models.ActionSkipped, models.ActionCanceled:
			return ItemSkipped, outcomeReason(a), nil, finished
		case models.ActionFailed:
			return ItemFailed, outcomeReason(a), nil, finished
		case models.ActionScheduled, models.ActionInFlight:
			if next == nil || a.ScheduledAt.Before(*next) {
				t := a.ScheduledAt
				next = &t
			}
		}
		if a.Step >= last.Step {
			last = a
		}
	}
	if last.State == models.ActionDone {
		return ItemSent, "", nil, finished
	}
	return "", "", next, finished
}

// outcomeReasons word action outcomes for people.
var outcomeReasons = map[pacertype.Outcome]string{
	pacertype.OutcomeAlreadyConnected:   "already connected",
	pacertype.OutcomeAlreadyPending:     "invitation already pending",
	pacertype.OutcomeEmailRequired:      "LinkedIn asks for their email",
	pacertype.OutcomeNoteQuotaExhausted: "no notes left this month",
	pacertype.OutcomeNoteTooLong:        "note too long",
	pacertype.OutcomeNotFound:           "profile not found",
	pacertype.OutcomeNotConnectable:     "no Connect button",
	pacertype.OutcomeWeeklyLimit:        "weekly limit reached",
	pacertype.OutcomeCheckpoint:         "security checkpoint",
	pacertype.OutcomeSessionRejected:    "signed out of LinkedIn",
	pacertype.OutcomeUnrecognized:       "page not recognized",
}

// outcomeReason words an action's outcome for people: already_connected →
// "already connected".
func outcomeReason(a models.Action) string {
	if r, ok := outcomeReasons[pacertype.Outcome(a.Outcome)]; ok {
		return r
	}
	if a.Reason != "" {
		return a.Reason
	}
	if a.Outcome != "" {
		return strings.ReplaceAll(a.Outcome, "_", " ")
	}
	return "no reason given"
}

// countReasons lists reason counts, the most frequent first.
func countReasons(m map[string]int) []ReasonCount {
	if len(m) == 0 {
		return nil
	}
	out := make([]ReasonCount, 0, len(m))
	for r, n := range m {
		out = append(out, ReasonCount{Reason: r, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Reason < out[j].Reason
	})
	return out
}
