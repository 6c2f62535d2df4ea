package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/models"
)

// action handles a click on one of a proposal's buttons. The click is
// acknowledged at once; who clicked is checked and the decision settled
// after.
func (b *Bot) action(req Request) Ack {
	withItem := req.ActionID == ActionSkip || req.ActionID == ActionEdit
	if !withItem && req.ActionID != ActionApprove && req.ActionID != ActionReject {
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
	ok, err := b.approvers.allowed(ctx, req.UserID)
	if err != nil {
		b.tell(ctx, req, NoticeView{Text: ":warning: Pacer could not check that you are an approver (" + esc(err.Error()) + "); nothing changed. Try again in a minute."})
		return nil
	}
	if !ok {
		b.tell(ctx, req, NoticeView{Text: fmt.Sprintf("Only %s can approve, reject, skip or edit proposals; nothing changed.", b.approvers.mentions())})
		return nil
	}
	switch req.ActionID {
	case ActionApprove:
		err = b.proposer.Approve(ctx, v.ProposalID, v.Version, req.UserID)
	case ActionReject:
		err = b.proposer.Reject(ctx, v.ProposalID, v.Version, req.UserID)
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
	r := b.renderer()
	switch {
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

// errNotApprover refuses an edit by someone who may not decide.
var errNotApprover = errors.New("bot: only approvers can edit notes")

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
	ok, err := b.approvers.allowed(ctx, req.UserID)
	if err != nil {
		return err
	}
	if !ok {
		return errNotApprover
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
	switch {
	case errors.As(err, &lint):
		return "The note cannot be sent: " + strings.TrimPrefix(lint.Error(), "campaign: the note cannot be sent: ") + "."
	case errors.Is(err, errNotApprover):
		return "Only approvers can edit notes."
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
	case errors.Is(err, errSlackCall):
		return "Pacer could not check that you are an approver; try again in a minute."
	}
	return "Pacer could not save the note; try again in a minute."
}

// postProposal posts a stored proposal in its campaign's channel, the
// prospects that do not fit in one message in its thread. A proposal is
// posted once: the first replica to claim it (message_ts from ” to a
// marker) posts, the others leave it.
func (b *Bot) postProposal(ctx context.Context, id int64) error {
	rec, err := b.loadProposal(ctx, id)
	if err != nil {
		return err
	}
	if rec.Proposal.MessageTS != "" {
		return nil
	}
	channel := rec.Proposal.Channel
	if channel == "" {
		if c, ok := b.cfg.Campaign(rec.View.Campaign); ok {
			channel = c.Channel
		}
	}
	if channel == "" {
		return fmt.Errorf("bot: campaign %s has no channel; set campaigns[].channel", rec.View.Campaign)
	}
	claim := b.store.DB.WithContext(ctx).Model(&models.Proposal{}).
		Where("id = ? AND message_ts = ''", id).Updates(map[string]any{"message_ts": postingMarker, "channel": channel})
	if claim.Error != nil {
		return fmt.Errorf("bot: claim proposal #%d for posting: %w", id, claim.Error)
	}
	if claim.RowsAffected == 0 {
		return nil
	}
	msgs := b.renderer().proposalMessages(rec.View)
	_, ts, err := b.api.PostMessageContext(ctx, channel, slack.MsgOptionText(msgs[0].Text, false), slack.MsgOptionBlocks(msgs[0].Blocks...))
	if err != nil {
		// Give the claim back so that the next attempt posts it.
		b.store.DB.WithContext(context.WithoutCancel(ctx)).Model(&models.Proposal{}).Where("id = ? AND message_ts = ?", id, postingMarker).Update("message_ts", "")
		return slackCall("chat.postMessage", err)
	}
	if err := b.store.DB.WithContext(ctx).Model(&models.Proposal{}).Where("id = ?", id).Update("message_ts", ts).Error; err != nil {
		return fmt.Errorf("bot: record the message of proposal #%d: %w", id, err)
	}
	for i, m := range msgs[1:] {
		_, threadTS, err := b.api.PostMessageContext(ctx, channel, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...), slack.MsgOptionTS(ts))
		if err != nil {
			return slackCall("chat.postMessage", err)
		}
		post := slackPost{ProposalID: &id, Part: i + 1, Channel: channel, TS: threadTS, CreatedAt: b.now().UTC()}
		if err := b.store.DB.WithContext(ctx).Create(&post).Error; err != nil {
			return fmt.Errorf("bot: record a message of proposal #%d: %w", id, err)
		}
	}
	return nil
}

// postingMarker holds a proposal's message_ts while one replica posts it.
const postingMarker = "posting"

// refreshProposal renders a posted proposal from the database and updates
// its messages. It is what a person's click calls: their message may show
// something older than Pacer last sent (a stale click says so), so every
// message is sent again.
func (b *Bot) refreshProposal(ctx context.Context, id int64) error {
	return b.refresh(ctx, id, true)
}

// refreshChanged updates only the messages whose rendering changed since
// they were last sent. It is what events call: after a batch ends, its last
// invitation's event, a deferred update and a found email would each send
// the same finished card again.
func (b *Bot) refreshChanged(ctx context.Context, id int64) error {
	return b.refresh(ctx, id, false)
}

func (b *Bot) refresh(ctx context.Context, id int64, always bool) error {
	// Read and update under the proposal's lock: two refreshes racing in
	// one process (a skip's and the approval's) then reach Slack in the
	// order they read the database, so the message never goes back to a
	// state older than the one shown. Across replicas the next progress
	// update corrects such a race.
	mu := &b.refreshLocks[uint64(id)%uint64(len(b.refreshLocks))]
	mu.Lock()
	defer mu.Unlock()
	rec, err := b.loadProposal(ctx, id)
	if err != nil {
		return err
	}
	p := rec.Proposal
	if p.MessageTS == "" || p.MessageTS == postingMarker {
		return nil
	}
	msgs := b.renderer().proposalMessages(rec.View)
	before := strings.Split(p.Shown, ",")
	shown := make([]string, len(msgs))
	save := func() error {
		err := b.store.DB.WithContext(context.WithoutCancel(ctx)).Model(&models.Proposal{}).Where("id = ?", id).
			UpdateColumn("shown", strings.Join(shown, ",")).Error
		if err != nil {
			return fmt.Errorf("bot: record what proposal #%d shows: %w", id, err)
		}
		return nil
	}
	for i, m := range msgs {
		channel, ts := p.Channel, p.MessageTS
		if i > 0 {
			found := false
			for _, post := range rec.Posts {
				if post.Part == i {
					channel, ts, found = post.Channel, post.TS, true
				}
			}
			if !found {
				continue
			}
		}
		digest := m.digest()
		if !always && digest != "" && i < len(before) && before[i] == digest {
			shown[i] = digest
			continue
		}
		if _, _, _, err := b.api.UpdateMessageContext(ctx, channel, ts, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...)); err != nil {
			// Keep what the messages updated so far show.
			copy(shown[i:], before[min(i, len(before)):])
			_ = save()
			return slackCall("chat.update", err)
		}
		shown[i] = digest
	}
	if strings.Join(shown, ",") == p.Shown {
		return nil
	}
	return save()
}
