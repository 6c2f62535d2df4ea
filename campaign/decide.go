package campaign

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
	"github.com/pacerhq/pacer/wording"
)

// Outcome is what a decision did.
type Outcome struct {
	// Batch is the proposal as it stands after the decision.
	Batch *Batch
	// Approved and Rejected count the items decided.
	Approved int
	Rejected int
	// Actions counts the actions scheduled by an approval.
	Actions int
	// LeftOut are items an approval did not send, and why: the prospect
	// became ineligible while the proposal waited (connected, suppressed,
	// taken by another campaign…), or the free account's notes ran out and
	// the campaign does not send without one. They go back to the queue.
	LeftOut []LeftOut
	// NotesDropped counts invitations approved without their note because
	// the free account's notes for the month ran out.
	NotesDropped int
}

// LeftOut is an item an approval did not send.
type LeftOut struct {
	ItemID   int64
	Position int
	Slug     string
	Reason   string
}

// errRace: a concurrent decision changed the proposal first; the caller
// reads what it became.
var errRace = errors.New("campaign: the proposal changed concurrently")

// Approve approves every item of the proposal that is not skipped, as
// userID saw it at version: each becomes its campaign sequence's actions,
// scheduled from the end of the campaign's undo window (the runner paces
// them within quota; Undo takes the approval back until then), and the event
// proposal.approved is recorded in the same transaction.
//
// Nothing changes and the error says why when: the proposal was already
// decided (*DecidedError, naming who decided first and when); it changed
// since version (*StaleError: show it again); an item's note has blocking
// findings (*BlockedError: edit or skip it first).
func (p *Proposer) Approve(ctx context.Context, proposalID int64, version int, userID string) (*Outcome, error) {
	return p.approve(ctx, proposalID, version, userID, nil)
}

// ApproveItems approves only the listed items; the proposal's other items
// are skipped, as if each had been skipped by userID. It is otherwise
// Approve.
func (p *Proposer) ApproveItems(ctx context.Context, proposalID int64, version int, userID string, itemIDs []int64) (*Outcome, error) {
	if itemIDs == nil {
		itemIDs = []int64{}
	}
	return p.approve(ctx, proposalID, version, userID, itemIDs)
}

func (p *Proposer) approve(ctx context.Context, proposalID int64, version int, userID string, only []int64) (*Outcome, error) {
	now := p.now().UTC()
	out := &Outcome{}
	err := p.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		pr, err := settle(tx, proposalID, version, models.ProposalApproved, userID, now)
		if err != nil {
			return err
		}
		s, err := p.setupOf(ctx, tx, pr)
		if err != nil {
			return err
		}
		// Nothing of the batch is due before its undo window closes.
		a := &approval{p: p, tx: tx, s: s, pr: pr, userID: userID, now: now, start: now.Add(s.cfg.Undo()), out: out}
		return a.run(ctx, only)
	})
	if err != nil {
		return nil, p.decisionError(ctx, proposalID, version, err)
	}
	if out.Batch, err = p.Load(ctx, proposalID); err != nil {
		return nil, err
	}
	return out, nil
}

// approval is an approval in progress, inside its transaction, once the
// proposal is settled as approved.
type approval struct {
	p      *Proposer
	tx     *gorm.DB
	s      *campaignSetup
	pr     *models.Proposal
	userID string
	now    time.Time
	// start is when the batch's first actions are due: the end of the
	// campaign's undo window.
	start time.Time
	out   *Outcome
}

// run approves the chosen open items (only nil: all), in the order an
// approval reads: the items, no blocking finding, which go and which are
// left out, their actions, their states, the undo window, the record.
func (a *approval) run(ctx context.Context, only []int64) error {
	items, err := a.chosenItems(only)
	if err != nil {
		return err
	}
	if err := checkBlocking(a.pr.ID, items); err != nil {
		return err
	}
	approved, actions, err := a.admit(ctx, items)
	if err != nil {
		return err
	}
	if err := a.schedule(actions); err != nil {
		return err
	}
	if err := setStates(a.tx, approved, models.ItemApproved, models.EnrollmentApproved, a.now); err != nil {
		return err
	}
	if err := a.openUndoWindow(); err != nil {
		return err
	}
	a.out.Approved = len(approved)
	return a.recordApproval(ctx, approved)
}

// chosenItems reads the proposal's open items, in order. With only, the
// others are skipped, as if userID had skipped each, and an id in only
// that is not an open item of the proposal is refused (ErrNotFound).
func (a *approval) chosenItems(only []int64) ([]models.ProposalItem, error) {
	var items []models.ProposalItem
	if err := a.tx.Where("proposal_id = ? AND state = ?", a.pr.ID, models.ItemProposed).Order("position").Find(&items).Error; err != nil {
		return nil, fmt.Errorf("campaign: read proposal #%d: %w", a.pr.ID, err)
	}
	if only == nil {
		return items, nil
	}
	var chosen []models.ProposalItem
	for _, it := range items {
		if slices.Contains(only, it.ID) {
			chosen = append(chosen, it)
			continue
		}
		if err := skipItem(a.tx, it, a.userID, "not chosen when the batch was approved", a.now); err != nil {
			return nil, err
		}
	}
	if len(chosen) != len(only) {
		return nil, fmt.Errorf("%w: some of the items to approve are not open items of proposal #%d", ErrNotFound, a.pr.ID)
	}
	return chosen, nil
}

// checkBlocking returns a *BlockedError naming every item whose note has
// blocking findings.
func checkBlocking(proposalID int64, items []models.ProposalItem) error {
	blocked := &BlockedError{ProposalID: proposalID}
	for _, it := range items {
		if f := decodeFindings(it.Lint); Blocking(f) {
			blocked.Items = append(blocked.Items, ItemFindings{ItemID: it.ID, Position: it.Position, Findings: blockingOnly(f)})
		}
	}
	if len(blocked.Items) > 0 {
		return blocked
	}
	return nil
}

// admit decides what becomes of each item: it goes, with its note or
// (the month's notes spent, the campaign sends without) without; or it is
// left out, back to the queue, because its prospect became ineligible
// while the proposal waited or no note is left. It returns the items that
// go and their actions.
func (a *approval) admit(ctx context.Context, items []models.ProposalItem) ([]models.ProposalItem, []models.Action, error) {
	enrollmentIDs := make([]int64, len(items))
	for i, it := range items {
		enrollmentIDs[i] = it.EnrollmentID
	}
	check := ineligible
	if a.pr.Kind == models.ProposalMessages {
		check = notToMessage
	}
	reasons, slugs, err := check(ctx, a.tx, enrollmentIDs, a.now)
	if err != nil {
		return nil, nil, err
	}
	notes := noteBudget{left: -1}
	if a.s.notesPerMonth() != config.Unlimited && a.s.seq.Invites() && a.pr.Kind != models.ProposalMessages {
		if notes.left, notes.month, err = a.p.notesLeft(ctx, a.tx, a.s, a.now, a.pr.ID, false); err != nil {
			return nil, nil, err
		}
	}
	var approved []models.ProposalItem
	var actions []models.Action
	for _, it := range items {
		reason := reasons[it.EnrollmentID]
		note := it.Note
		if reason == "" && note != "" {
			var dropped bool
			if dropped, reason = a.takeNote(&notes); dropped {
				note, it.Variant = "", "" // sent as no variant was
				a.out.NotesDropped++
			}
		}
		if reason != "" {
			a.out.LeftOut = append(a.out.LeftOut, LeftOut{ItemID: it.ID, Position: it.Position, Slug: slugs[it.EnrollmentID], Reason: reason})
			if err := leaveOut(a.tx, it, a.userID, reason, a.now); err != nil {
				return nil, nil, err
			}
			continue
		}
		approved = append(approved, it)
		actions = append(actions, a.p.plan(a.s, a.pr, it, note, a.start, a.now)...)
	}
	return approved, actions, nil
}

// takeNote spends one of the notes left on an item's note. When none is
// left, the item goes without its note if the campaign sends without one
// (dropped), or is left out, for the reason it returns.
func (a *approval) takeNote(notes *noteBudget) (dropped bool, reason string) {
	switch {
	case notes.left < 0: // no monthly limit
		return false, ""
	case notes.left > 0:
		notes.left--
		return false, ""
	case a.s.cfg.SendWithoutNote:
		return true, ""
	default:
		return false, fmt.Sprintf("no personalized note left for %s and the campaign does not send without one", notes.month)
	}
}

// schedule stores the approved items' actions. An action already there
// (the unique index on item and step) is kept as it is.
func (a *approval) schedule(actions []models.Action) error {
	if len(actions) == 0 {
		return nil
	}
	res := a.tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(&actions, 500)
	if res.Error != nil {
		return fmt.Errorf("campaign: schedule the actions of proposal #%d: %w", a.pr.ID, res.Error)
	}
	a.out.Actions = int(res.RowsAffected)
	return nil
}

// openUndoWindow sets until when Undo may take the approval back: start,
// when the campaign has an undo window.
func (a *approval) openUndoWindow() error {
	if !a.start.After(a.now) {
		return nil
	}
	if err := a.tx.Model(&models.Proposal{}).Where("id = ?", a.pr.ID).Update("undo_until", a.start).Error; err != nil {
		return fmt.Errorf("campaign: open the undo window of proposal #%d: %w", a.pr.ID, err)
	}
	return nil
}

// recordApproval writes the approval to the audit trail, with one
// approve_item decision per approved item (recordApproved), and records
// the event proposal.approved.
func (a *approval) recordApproval(ctx context.Context, approved []models.ProposalItem) error {
	out, pr := a.out, a.pr
	detail := fmt.Sprintf("approved %s (%s)", wording.Count(out.Approved, "item", "items"), wording.Count(out.Actions, "action", "actions"))
	if len(out.LeftOut) > 0 || out.NotesDropped > 0 {
		detail += fmt.Sprintf("; %d left out, %d without their note", len(out.LeftOut), out.NotesDropped)
	}
	if err := record(a.tx, pr.ID, nil, a.userID, models.DecisionApprove, detail, a.now); err != nil {
		return err
	}
	if err := recordApproved(a.tx, approved, a.userID, a.now); err != nil {
		return err
	}
	_, err := a.p.store.RecordEvent(ctx, a.tx, pacertype.EventProposalApproved,
		models.EventRefs{AccountID: &pr.AccountID, CampaignID: &pr.CampaignID, ProposalID: &pr.ID},
		models.EventData{Account: a.s.account.Name, Campaign: a.s.campaign.Name, ProposalID: pr.ID, DecidedBy: a.userID, Count: out.Approved})
	return err
}

// plan turns an approved item into its sequence's actions, the first due
// at start.
func (p *Proposer) plan(s *campaignSetup, pr *models.Proposal, it models.ProposalItem, note string, start, now time.Time) []models.Action {
	if it.Step > 0 { // a follow-up: one message, exactly as approved
		return []models.Action{{
			AccountID: pr.AccountID, CampaignID: &pr.CampaignID, ProspectID: &it.ProspectID, ProposalItemID: &it.ID,
			Kind: models.ActionMessage, Step: it.Step, Note: note, ScheduledAt: start.UTC(), State: models.ActionScheduled,
			CreatedAt: now, UpdatedAt: now,
		}}
	}
	p.mu.Lock()
	steps := s.seq.Plan(start, p.rnd)
	p.mu.Unlock()
	actions := make([]models.Action, len(steps))
	for i, st := range steps {
		a := models.Action{
			AccountID: pr.AccountID, CampaignID: &pr.CampaignID, ProspectID: &it.ProspectID, ProposalItemID: &it.ID,
			Kind: st.Kind, Step: st.Index, ScheduledAt: st.At.UTC(), State: models.ActionScheduled,
			CreatedAt: now, UpdatedAt: now,
		}
		if st.Kind == models.ActionInvite {
			a.Note, a.Variant = note, it.Variant
		}
		actions[i] = a
	}
	return actions
}

// Reject rejects the proposal as userID saw it at version: its items'
// prospects are not proposed again by this campaign, and the event
// proposal.rejected is recorded. Errors as for Approve (*DecidedError,
// *StaleError).
func (p *Proposer) Reject(ctx context.Context, proposalID int64, version int, userID string) (*Outcome, error) {
	now := p.now().UTC()
	out := &Outcome{}
	err := p.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		pr, err := settle(tx, proposalID, version, models.ProposalRejected, userID, now)
		if err != nil {
			return err
		}
		var items []models.ProposalItem
		if err := tx.Where("proposal_id = ? AND state = ?", pr.ID, models.ItemProposed).Find(&items).Error; err != nil {
			return fmt.Errorf("campaign: read proposal #%d: %w", pr.ID, err)
		}
		if err := setStates(tx, items, models.ItemRejected, models.EnrollmentRejected, now); err != nil {
			return err
		}
		out.Rejected = len(items)
		if err := record(tx, pr.ID, nil, userID, models.DecisionReject, "rejected "+wording.Count(len(items), "item", "items"), now); err != nil {
			return err
		}
		var names struct{ Campaign, Account string }
		if err := tx.Raw(`SELECT c.name AS campaign, a.name AS account FROM campaigns c JOIN accounts a ON a.id = ? WHERE c.id = ?`,
			pr.AccountID, pr.CampaignID).Scan(&names).Error; err != nil {
			return fmt.Errorf("campaign: read proposal #%d: %w", pr.ID, err)
		}
		_, err = p.store.RecordEvent(ctx, tx, pacertype.EventProposalRejected,
			models.EventRefs{AccountID: &pr.AccountID, CampaignID: &pr.CampaignID, ProposalID: &pr.ID},
			models.EventData{Account: names.Account, Campaign: names.Campaign, ProposalID: pr.ID, DecidedBy: userID, Count: out.Rejected})
		return err
	})
	if err != nil {
		return nil, p.decisionError(ctx, proposalID, version, err)
	}
	if out.Batch, err = p.Load(ctx, proposalID); err != nil {
		return nil, err
	}
	return out, nil
}

// SkipItem takes one prospect out of an open proposal: they are not proposed
// again by this campaign. version is the proposal's version the approver
// saw: an older one is refused with a *StaleError. The proposal's version
// grows, so an approval carrying the older version is refused as stale.
// Skipping a skipped item changes nothing. A decided proposal gives a
// *DecidedError.
func (p *Proposer) SkipItem(ctx context.Context, itemID int64, version int, userID string) (*Batch, error) {
	now := p.now().UTC()
	var proposalID int64
	err := p.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		it, err := readItem(tx, itemID)
		if err != nil {
			return err
		}
		proposalID = it.ProposalID
		if it.State == models.ItemSkipped {
			return nil
		}
		if err := bump(tx, it.ProposalID, version, now); err != nil {
			return err
		}
		return skipItem(tx, *it, userID, "", now)
	})
	if err != nil {
		return nil, p.decisionError(ctx, proposalID, version, err)
	}
	return p.Load(ctx, proposalID)
}

// EditNote replaces an item's note with text, which may use the template's
// placeholders ({{first_name}}, {{company|your team}}) with the prospect's
// values. The note is linted again: blocking findings refuse the edit with
// a *LintError the edit modal shows under the note field. version is the
// proposal's version the modal was opened on: an older one (someone changed
// the proposal meanwhile) is refused with a *StaleError rather than
// overwrite a newer decision. The proposal's version grows. A decided
// proposal gives a *DecidedError.
func (p *Proposer) EditNote(ctx context.Context, itemID int64, version int, userID, text string) (*Batch, error) {
	now := p.now().UTC()
	var proposalID int64
	err := p.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		it, err := readItem(tx, itemID)
		if err != nil {
			return err
		}
		proposalID = it.ProposalID
		var pr models.Proposal
		if err := tx.Take(&pr, it.ProposalID).Error; err != nil {
			return fmt.Errorf("campaign: read proposal #%d: %w", it.ProposalID, err)
		}
		if pr.State != models.ProposalOpen {
			return errRace
		}
		s, err := p.setupOf(ctx, tx, &pr)
		if err != nil {
			return err
		}
		var prospect models.Prospect
		if err := tx.Take(&prospect, it.ProspectID).Error; err != nil {
			return fmt.Errorf("campaign: read prospect %d: %w", it.ProspectID, err)
		}
		note, _ := ParseTemplate(text).Render(s.vars(prospect))
		findings := Lint(note, s.noteLimit())
		if fu, ok := s.followUpOf(*it); ok {
			findings = LintMessage(note, fu.Links)
		}
		if Blocking(findings) {
			return &LintError{Findings: blockingOnly(findings)}
		}
		for _, f := range decodeFindings(it.Lint) {
			if f.Rule == RuleNotesPerMonth && note != "" {
				findings = append(findings, f) // the month's notes are still used up
			}
		}
		if err := bump(tx, it.ProposalID, version, now); err != nil {
			return err
		}
		err = tx.Model(&models.ProposalItem{}).Where("id = ?", it.ID).Updates(map[string]any{
			"note": note, "lint": encodeFindings(findings), "edited_by": userID, "edited_at": now, "updated_at": now,
		}).Error
		if err != nil {
			return fmt.Errorf("campaign: edit item %d: %w", it.ID, err)
		}
		return record(tx, it.ProposalID, &it.ID, userID, models.DecisionEdit, note, now)
	})
	if err != nil {
		return nil, p.decisionError(ctx, proposalID, version, err)
	}
	return p.Load(ctx, proposalID)
}

// settle marks an open proposal decided, if it is still open at version. The
// conditional update takes the row's lock on Postgres, so a concurrent
// decision waits and then finds nothing to update; the decision's unique
// index settles whatever slips past.
func settle(tx *gorm.DB, proposalID int64, version int, state, userID string, now time.Time) (*models.Proposal, error) {
	res := tx.Model(&models.Proposal{}).Where("id = ? AND state = ? AND version = ?", proposalID, models.ProposalOpen, version).
		Updates(map[string]any{"state": state, "decided_by": userID, "decided_at": now, "updated_at": now})
	if res.Error != nil {
		return nil, fmt.Errorf("campaign: decide proposal #%d: %w", proposalID, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, errRace
	}
	var pr models.Proposal
	if err := tx.Take(&pr, proposalID).Error; err != nil {
		return nil, fmt.Errorf("campaign: read proposal #%d: %w", proposalID, err)
	}
	return &pr, nil
}

// bump grows an open proposal's version from the version the decider saw,
// so that a decision on what was shown before is refused as stale.
func bump(tx *gorm.DB, proposalID int64, version int, now time.Time) error {
	res := tx.Model(&models.Proposal{}).Where("id = ? AND state = ? AND version = ?", proposalID, models.ProposalOpen, version).
		Updates(map[string]any{"version": gorm.Expr("version + 1"), "updated_at": now})
	if res.Error != nil {
		return fmt.Errorf("campaign: update proposal #%d: %w", proposalID, res.Error)
	}
	if res.RowsAffected == 0 {
		return errRace
	}
	return nil
}

// decisionError turns a failed decision into what the caller should see: a
// lost race becomes *DecidedError or *StaleError, read after the winner
// committed.
func (p *Proposer) decisionError(ctx context.Context, proposalID int64, version int, err error) error {
	if !errors.Is(err, errRace) && !errors.Is(err, gorm.ErrDuplicatedKey) {
		return err
	}
	db := p.store.DB.WithContext(ctx)
	var pr models.Proposal
	if err := db.Take(&pr, proposalID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return fmt.Errorf("%w: proposal #%d", ErrNotFound, proposalID)
		}
		return fmt.Errorf("campaign: read proposal #%d: %w", proposalID, err)
	}
	if pr.State == models.ProposalOpen {
		if version != 0 && version != pr.Version {
			return &StaleError{ProposalID: pr.ID, Version: version, Current: pr.Version}
		}
		return fmt.Errorf("campaign: proposal #%d changed while deciding; try again", pr.ID)
	}
	de := &DecidedError{ProposalID: pr.ID, Kind: pr.State, DecidedBy: pr.DecidedBy}
	if pr.DecidedAt != nil {
		de.DecidedAt = *pr.DecidedAt
	}
	var d models.Decision
	err = db.Where("proposal_id = ? AND kind IN ? AND undone_at IS NULL", pr.ID, []string{models.DecisionApprove, models.DecisionReject}).Take(&d).Error
	if err == nil {
		de.Kind, de.DecidedBy, de.DecidedAt = d.Kind, d.UserID, d.At
	}
	return de
}

func readItem(tx *gorm.DB, itemID int64) (*models.ProposalItem, error) {
	var it models.ProposalItem
	if err := tx.Take(&it, itemID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, fmt.Errorf("%w: item %d", ErrNotFound, itemID)
		}
		return nil, fmt.Errorf("campaign: read item %d: %w", itemID, err)
	}
	return &it, nil
}

// skipItem marks an item skipped by a person: its prospect leaves the
// campaign's queue.
func skipItem(tx *gorm.DB, it models.ProposalItem, userID, detail string, now time.Time) error {
	if err := setStates(tx, []models.ProposalItem{it}, models.ItemSkipped, models.EnrollmentSkipped, now); err != nil {
		return err
	}
	return record(tx, it.ProposalID, &it.ID, userID, models.DecisionSkip, detail, now)
}

// leaveOut marks an item skipped by an approval that could not send it: its
// prospect goes back to the queue, where the proposer's filters decide
// whether they are proposed again.
func leaveOut(tx *gorm.DB, it models.ProposalItem, userID, reason string, now time.Time) error {
	if err := setStates(tx, []models.ProposalItem{it}, models.ItemSkipped, models.EnrollmentQueued, now); err != nil {
		return err
	}
	return record(tx, it.ProposalID, &it.ID, userID, models.DecisionSkip, "left out when approved: "+reason, now)
}

// setStates moves items, and their enrollments still proposed, to new states.
func setStates(tx *gorm.DB, items []models.ProposalItem, itemState, enrollmentState string, now time.Time) error {
	if len(items) == 0 {
		return nil
	}
	itemIDs := make([]int64, len(items))
	var enrollmentIDs []int64
	for i, it := range items {
		itemIDs[i] = it.ID
		// A follow-up's prospect is past its invitation: their
		// enrollment stays as it is.
		if it.Step == 0 {
			enrollmentIDs = append(enrollmentIDs, it.EnrollmentID)
		}
	}
	for chunk := range slices.Chunk(itemIDs, 500) {
		if err := tx.Model(&models.ProposalItem{}).Where("id IN ?", chunk).
			Updates(map[string]any{"state": itemState, "updated_at": now}).Error; err != nil {
			return fmt.Errorf("campaign: update items: %w", err)
		}
	}
	for chunk := range slices.Chunk(enrollmentIDs, 500) {
		if err := tx.Model(&models.Enrollment{}).Where("id IN ? AND state = ?", chunk, models.EnrollmentProposed).
			Updates(map[string]any{"state": enrollmentState, "updated_at": now}).Error; err != nil {
			return fmt.Errorf("campaign: update enrollments: %w", err)
		}
	}
	return nil
}

// record writes a decision to the audit trail.
func record(tx *gorm.DB, proposalID int64, itemID *int64, userID, kind, detail string, now time.Time) error {
	d := models.Decision{ProposalID: &proposalID, ItemID: itemID, UserID: userID, Kind: kind, Detail: detail, At: now}
	if err := tx.Create(&d).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return errRace
		}
		return fmt.Errorf("campaign: record the %s decision: %w", kind, err)
	}
	return nil
}

// recordApproved writes one approve_item decision per approved item, with
// the exact note approved: the approve decision counts, these say what.
func recordApproved(tx *gorm.DB, items []models.ProposalItem, userID string, now time.Time) error {
	if len(items) == 0 {
		return nil
	}
	ds := make([]models.Decision, len(items))
	for i, it := range items {
		ds[i] = models.Decision{ProposalID: &it.ProposalID, ItemID: &it.ID, UserID: userID, Kind: models.DecisionApproveItem, Detail: it.Note, At: now}
	}
	if err := tx.CreateInBatches(&ds, 500).Error; err != nil {
		return fmt.Errorf("campaign: record the approved items: %w", err)
	}
	return nil
}

func blockingOnly(f []Finding) []Finding {
	var out []Finding
	for _, x := range f {
		if x.Blocking {
			out = append(out, x)
		}
	}
	return out
}

// ineligibleSQL says, per enrollment, why its prospect may no longer be
// contacted. At approval only an approval elsewhere takes a prospect away:
// between two open proposals holding the same person, the first approved
// wins.
const ineligibleSQL = `SELECT e.id, p.slug, p.state,
	CASE WHEN p.state = 'withdrawn' AND (p.withdrawn_at IS NULL OR p.withdrawn_at > ?) THEN 1 ELSE 0 END AS recent,
	CASE WHEN EXISTS (SELECT 1 FROM enrollments o WHERE o.prospect_id = e.prospect_id AND o.campaign_id <> e.campaign_id AND o.state = 'approved') THEN 1 ELSE 0 END AS taken,
	CASE WHEN ` + models.SuppressedSQL + ` THEN 1 ELSE 0 END AS suppressed
FROM enrollments e JOIN prospects p ON p.id = e.prospect_id
WHERE e.id IN ?`

// ineligible returns, by enrollment, why a prospect may no longer be
// contacted (no entry: they may), and every enrollment's slug.
func ineligible(ctx context.Context, tx *gorm.DB, enrollmentIDs []int64, now time.Time) (map[int64]string, map[int64]string, error) {
	reasons := map[int64]string{}
	slugs := map[int64]string{}
	for chunk := range slices.Chunk(enrollmentIDs, 500) {
		rows, err := tx.WithContext(ctx).Raw(ineligibleSQL, now.Add(-reinviteAfter).UTC(), chunk).Rows()
		if err != nil {
			return nil, nil, fmt.Errorf("campaign: check the prospects again: %w", err)
		}
		for rows.Next() {
			var id int64
			var slug, state string
			var recent, taken, suppressed int
			if err := rows.Scan(&id, &slug, &state, &recent, &taken, &suppressed); err != nil {
				_ = rows.Close()
				return nil, nil, fmt.Errorf("campaign: check the prospects again: %w", err)
			}
			slugs[id] = slug
			switch {
			case suppressed == 1:
				reasons[id] = "on the do-not-contact list"
			case state == models.ProspectConnected:
				reasons[id] = "already connected"
			case state == models.ProspectPending:
				reasons[id] = "an invitation is already pending"
			case state == models.ProspectUnavailable:
				reasons[id] = "the profile is unavailable"
			case recent == 1:
				reasons[id] = "invitation withdrawn less than 21 days ago"
			case taken == 1:
				reasons[id] = "approved in another campaign meanwhile"
			}
		}
		if err := rows.Close(); err != nil {
			return nil, nil, fmt.Errorf("campaign: check the prospects again: %w", err)
		}
	}
	return reasons, slugs, nil
}
