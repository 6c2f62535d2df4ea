package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/wording"
)

// action handles a click on one of a proposal's buttons. The click is
// acknowledged at once; who clicked is checked and the decision settled
// after.
func (b *Bot) action(req Request) Ack {
	if req.ActionID == ActionStopAll || req.ActionID == ActionResumeAll {
		b.later(req, "use the stop switch", b.switchAction)
		return Ack{}
	}
	withItem := req.ActionID == ActionSkip || req.ActionID == ActionEdit
	if !withItem && req.ActionID != ActionApprove && req.ActionID != ActionReject && req.ActionID != ActionUndo {
		return Ack{}
	}
	v, err := parseButtonValue(req.Value, withItem)
	if err != nil {
		b.logger.Warn("slack: a button carries a value Pacer did not write", slog.String("action", req.ActionID), slog.String("user", req.UserID))
		return Ack{}
	}
	b.later(req, "record your decision", func(ctx context.Context, req Request) error { return b.decide(ctx, req, v) })
	return Ack{}
}

// decide checks the clicker and relays the decision to the campaign
// package, which settles it once in the database. Whatever happened, the
// proposal's messages are then rendered from the database again, so that
// every replica and every click converge on what was decided.
func (b *Bot) decide(ctx context.Context, req Request, v buttonValue) error {
	if err := b.mayDecideProposal(ctx, req.UserID, v.ProposalID); err != nil {
		return b.refuse(ctx, req, err)
	}
	var err error
	switch req.ActionID {
	case ActionApprove:
		if refused, err := b.refuseUnshown(ctx, req, v); refused || err != nil {
			return err
		}
		err = b.proposer.Approve(ctx, v.ProposalID, v.Version, req.UserID)
	case ActionReject:
		err = b.proposer.Reject(ctx, v.ProposalID, v.Version, req.UserID)
	case ActionUndo:
		err = b.proposer.Undo(ctx, v.ProposalID, v.Version, req.UserID)
	case ActionSkip:
		err = b.proposer.SkipItem(ctx, v.ItemID, v.Version, req.UserID)
	case ActionEdit:
		return b.openNoteEditor(ctx, req, v)
	}
	if notice := b.decisionProblemFor(err, v.ProposalID, req.UserID); notice != nil {
		b.tell(ctx, req, notice)
	} else if err != nil {
		return err
	}
	if req.ActionID == ActionApprove && err == nil {
		// The card's first rendering counts as a progress update.
		b.markProgress(ctx, v.ProposalID)
	}
	return b.refreshProposal(ctx, v.ProposalID)
}

// refuseUnshown refuses an approval while some of the proposal's items are
// not shown in Slack as they are now (a thread message Slack refused, an
// update it refused): an approval covers only what people could see. Those
// messages are posted or updated at once, and again by the minutely pass.
func (b *Bot) refuseUnshown(ctx context.Context, req Request, v buttonValue) (bool, error) {
	rec, err := b.loadProposal(ctx, v.ProposalID)
	if err != nil || rec.Proposal.State != models.ProposalOpen || rec.Proposal.Version != v.Version {
		// The approval itself says what is wrong: a newer version than the
		// button's is refused as changed since the approver saw it.
		return false, nil
	}
	n := b.unshown(rec)
	if n == 0 {
		return false, nil
	}
	// A refresh in progress (an edit's, a skip's) records what the
	// messages show once it has updated them all: wait for it and look
	// again before calling anything unseen.
	b.waitForRefresh(v.ProposalID)
	if rec, err = b.loadProposal(ctx, v.ProposalID); err != nil {
		return false, nil // the approval itself says what is wrong
	}
	if n = b.unshown(rec); n == 0 {
		return false, nil
	}
	retry := b.refreshChanged(ctx, v.ProposalID)
	if retry == nil {
		if rec, err = b.loadProposal(ctx, v.ProposalID); err == nil && b.unshown(rec) == 0 {
			b.tell(ctx, req, NoticeView{Text: fmt.Sprintf("Until now, %d of the %d prospects of proposal #%d were missing from Slack or shown out of date (Slack had refused their message); they are shown now. Nothing was approved: check them, then approve.",
				n, len(rec.View.Items), v.ProposalID)})
			return true, nil
		}
	}
	b.tell(ctx, req, NoticeView{Text: fmt.Sprintf(":warning: %d of its %d prospects are not shown in Slack as they are now (Slack refused the message), so nothing was approved: nobody may approve what nobody saw. Pacer posts them again every minute; approve once they appear.",
		n, len(rec.View.Items))})
	return true, nil
}

// decisionProblem words the expected refusals of a decision; nil for
// success and for unexpected errors.
func (b *Bot) decisionProblem(err error, proposalID int64) View {
	return b.decisionProblemFor(err, proposalID, "")
}

// decisionProblemFor is decisionProblem for user, who is told "you" when
// the first decision was theirs (a double click).
func (b *Bot) decisionProblemFor(err error, proposalID int64, user string) View {
	if err == nil {
		return nil
	}
	var decided *campaign.DecidedError
	var stale *campaign.StaleError
	var blocked *campaign.BlockedError
	var undoClosed *campaign.UndoClosedError
	r := b.renderer()
	switch {
	case errors.As(err, &undoClosed) && undoClosed.Started > 0:
		return NoticeView{Text: fmt.Sprintf("Proposal #%d can no longer be undone: %s already started. Nothing changed; `/pacer pause` stops what is left.",
			proposalID, wording.Count(undoClosed.Started, "of its actions has", "of its actions have"))}
	case errors.As(err, &undoClosed) && undoClosed.Until.IsZero():
		return NoticeView{Text: fmt.Sprintf("Proposal #%d was approved without an undo window; nothing changed. `/pacer pause` stops what is left.", proposalID)}
	case errors.As(err, &undoClosed):
		return NoticeView{Text: fmt.Sprintf("Proposal #%d can no longer be undone: its undo window closed %s and it is sending. Nothing changed; `/pacer pause` stops what is left.",
			proposalID, r.when(undoClosed.Until))}
	case errors.As(err, &decided) && decided.Kind == models.ProposalExpired:
		return NoticeView{Text: fmt.Sprintf("Proposal #%d expired without a decision %s; nothing changed. Its prospects went back to the queue: `/pacer propose` proposes them again with today's forecast.",
			proposalID, r.when(decided.DecidedAt))}
	case errors.As(err, &decided):
		verb := "approved"
		if decided.Kind == models.DecisionReject || decided.Kind == models.ProposalRejected {
			verb = "rejected"
		}
		who := "<@" + decided.DecidedBy + ">"
		if decided.DecidedBy == user {
			who = "You"
		}
		return NoticeView{Text: fmt.Sprintf("%s already %s proposal #%d %s; nothing changed.", who, verb, proposalID, r.when(decided.DecidedAt))}
	case errors.As(err, &stale):
		return NoticeView{Text: fmt.Sprintf("Proposal #%d changed since you saw it (a prospect was skipped or a note edited); the message now shows the current version. Check it and decide again.", proposalID)}
	case errors.As(err, &blocked):
		var lines []string
		for _, it := range blocked.Items {
			var msgs []string
			for _, f := range it.Findings {
				msgs = append(msgs, esc(f.Message))
			}
			lines = append(lines, fmt.Sprintf("• prospect %d: %s", it.Position+1, strings.Join(msgs, "; ")))
		}
		return NoticeView{Text: fmt.Sprintf("Proposal #%d cannot be approved as it is; edit or skip these prospects first:\n%s", proposalID, strings.Join(lines, "\n"))}
	case errors.Is(err, campaign.ErrNotFound):
		return NoticeView{Text: fmt.Sprintf("Proposal #%d no longer exists; nothing changed.", proposalID)}
	}
	return nil
}

// openNoteEditor opens the Edit note modal on the item's current note. It
// must happen within three seconds of the click (the trigger_id's life), so
// it reads one proposal and calls views.open, nothing more.
func (b *Bot) openNoteEditor(ctx context.Context, req Request, v buttonValue) error {
	rec, err := b.loadProposal(ctx, v.ProposalID)
	if err != nil {
		if notice := b.decisionProblem(err, v.ProposalID); notice != nil {
			b.tell(ctx, req, notice)
			return nil
		}
		return err
	}
	if rec.Proposal.State != models.ProposalOpen {
		b.tell(ctx, req, NoticeView{Text: fmt.Sprintf("Proposal #%d is already %s; its notes can no longer change.", v.ProposalID, rec.Proposal.State)})
		return b.refreshProposal(ctx, v.ProposalID)
	}
	var item *campaign.ItemView
	for i := range rec.View.Items {
		if rec.View.Items[i].ID == v.ItemID {
			item = &rec.View.Items[i]
		}
	}
	if item == nil || item.State == models.ItemSkipped {
		b.tell(ctx, req, NoticeView{Text: "This prospect is no longer part of the proposal."})
		return nil
	}
	// The modal carries the version it was opened on: an edit made on it
	// after someone else changed the proposal is refused as stale.
	meta := noteMeta{ProposalID: v.ProposalID, ItemID: v.ItemID, Version: rec.Proposal.Version, Account: rec.Account.Name, Channel: orText(rec.Proposal.Channel, req.ChannelID)}
	modal := b.renderer().noteModal(*item, meta, b.noteLength(rec.Account.Name))
	if _, err := b.api.OpenViewContext(ctx, req.TriggerID, modal); err != nil {
		return slackCall("views.open", err)
	}
	return nil
}

// noteLength is the account's note length limit (0: unknown, unchecked).
func (b *Bot) noteLength(account string) int {
	a, ok := b.cfg.Account(account)
	if !ok {
		return 0
	}
	if l := a.EffectiveLimits().NoteLength; l != nil {
		return *l
	}
	return 0
}

// submitBudget is how long a note edit may take inside its ack: the edit
// is saved (and linted by the campaign package, placeholders filled in)
// while Slack waits, so that its problems show under the field and the modal
// stays open. Slack waits 3 seconds; past the budget the modal closes and
// the outcome comes as an ephemeral message instead.
const submitBudget = 2 * time.Second

// submit handles the Edit note modal's submission.
func (b *Bot) submit(req Request) Ack {
	if req.CallbackID != CallbackEditNote {
		return Ack{}
	}
	meta, err := parseNoteMeta(req.Metadata)
	if err != nil {
		return Ack{FieldErrors: map[string]string{noteBlockID: "This form is out of date; close it and click Edit note again."}}
	}
	note := strings.TrimSpace(req.Inputs[noteBlockID])
	// A note without placeholders lints the same before and after
	// rendering: its blocking problems need no database.
	if !strings.Contains(note, "{{") {
		if findings := campaign.Lint(note, b.noteLength(meta.Account)); campaign.Blocking(findings) {
			return Ack{FieldErrors: (&campaign.LintError{Findings: findings}).FieldErrors(noteBlockID)}
		}
	}
	req.ChannelID = meta.Channel
	var (
		mu     sync.Mutex
		late   bool
		result = make(chan error, 1)
	)
	started := b.tasks.goLater(func(ctx context.Context) {
		err := b.saveNote(ctx, req, meta, note)
		mu.Lock()
		tooLate := late
		if !tooLate {
			result <- err
		}
		mu.Unlock()
		if tooLate && err != nil {
			b.tell(ctx, req, NoticeView{Text: ":warning: " + noteProblem(err) + " Your note was not saved; here it is:\n>" + esc(note)})
		}
		if err == nil || errors.Is(err, campaign.ErrDecided) {
			if err := b.refreshProposal(ctx, meta.ProposalID); err != nil {
				b.logger.Warn("slack: update a proposal after a note edit", slog.Int64("proposal", meta.ProposalID), slog.String("error", err.Error()))
			}
		}
	})
	if !started {
		return Ack{}
	}
	timer := time.NewTimer(submitBudget)
	defer timer.Stop()
	select {
	case err := <-result:
		return noteAck(err)
	case <-timer.C:
		mu.Lock()
		late = true
		mu.Unlock()
		select {
		case err := <-result:
			return noteAck(err)
		default:
			return Ack{}
		}
	}
}

// saveNote checks the editor and saves the note through the campaign
// package, which renders its placeholders and lints it.
func (b *Bot) saveNote(ctx context.Context, req Request, meta noteMeta, note string) error {
	if err := b.mayDecideProposal(ctx, req.UserID, meta.ProposalID); err != nil {
		return err
	}
	return b.proposer.EditNote(ctx, meta.ItemID, meta.Version, req.UserID, note)
}

// noteAck answers a submitted note: an empty ack closes the modal, field
// errors keep it open.
func noteAck(err error) Ack {
	var lint *campaign.LintError
	switch {
	case err == nil:
		return Ack{}
	case errors.As(err, &lint):
		return Ack{FieldErrors: lint.FieldErrors(noteBlockID)}
	}
	return Ack{FieldErrors: map[string]string{noteBlockID: noteProblem(err)}}
}

// noteProblem words why a note was not saved, in plain text (modal errors
// render no mentions or links).
func noteProblem(err error) string {
	var lint *campaign.LintError
	var decided *campaign.DecidedError
	var refused *refusedError
	switch {
	case errors.As(err, &lint):
		return "The note cannot be sent: " + strings.TrimPrefix(lint.Error(), "campaign: the note cannot be sent: ") + "."
	case errors.As(err, &refused):
		return refused.noteText()
	case errors.As(err, &decided) && decided.Kind == models.ProposalExpired:
		return "This proposal expired without a decision; its notes can no longer change."
	case errors.As(err, &decided):
		verb := "approved"
		if decided.Kind == models.DecisionReject || decided.Kind == models.ProposalRejected {
			verb = "rejected"
		}
		return fmt.Sprintf("This proposal was already %s; its notes can no longer change.", verb)
	case errors.As(err, new(*campaign.StaleError)):
		return "Someone changed this proposal after you opened this editor; nothing was saved. Close it and edit the note as it is now."
	case errors.Is(err, campaign.ErrNotFound):
		return "This prospect is no longer part of the proposal."
	}
	return "Pacer could not save the note; try again in a minute."
}
