package runner

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
	"github.com/pacerhq/pacer/quota"
)

// Follow-up messages and their replies: a message sent (counted once,
// however many attempts it took) and the reply scan of the messaging list,
// which stops a prospect's follow-ups once they answer.

// replyWindow is how long after a follow-up message was sent the reply scan
// still looks for an answer to it. The scan goes on while a message of the
// account waits to be sent, or one was sent within this window.
const replyWindow = 30 * 24 * time.Hour

// awaitingReply is the condition on "actions AS a" joined with "prospects
// AS p" for a follow-up message whose prospect may yet reply, as of now: a
// message waiting to be sent, or sent within replyWindow, to a prospect who
// has not replied.
func awaitingReply(now time.Time) (string, []any) {
	return `a.kind = ? AND p.replied_at IS NULL AND (a.state IN ? OR (a.state = ? AND a.finished_at >= ?))`,
		[]any{models.ActionMessage, []string{stateScheduled, stateInFlight}, models.ActionDone, now.Add(-replyWindow)}
}

// readMessages reads the account's messaging list: the conversations whose
// last message may be newer than the start of the last reply scan (the
// first time, than the account's first follow-up message).
func (w *worker) readMessages(ctx context.Context) result {
	since, err := w.repliesSince(ctx)
	if err != nil {
		return outcomeOf(executor.Transient("conversations", "", err))
	}
	convs, err := w.sess.Conversations(ctx, since)
	res := outcomeOf(err)
	res.conversations = convs
	return res
}

// repliesSince is when the reply scan of the account last started, or,
// before its first, when its first follow-up message was approved: a
// conversation whose last message is older answers nothing Pacer sent.
func (w *worker) repliesSince(ctx context.Context) (time.Time, error) {
	db := w.r.store.DB.WithContext(ctx)
	var at []time.Time
	err := db.Table("actions").Where("account_id = ? AND kind = ? AND target = ? AND state = ?",
		w.id, models.ActionScan, TargetMessages, models.ActionDone).
		Order("started_at DESC").Limit(1).Pluck("started_at", &at).Error
	if err == nil && len(at) == 0 {
		err = db.Table("actions").Where("account_id = ? AND kind = ?", w.id, models.ActionMessage).
			Order("created_at").Limit(1).Pluck("created_at", &at).Error
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("runner: read when the replies were last read: %w", err)
	}
	if len(at) == 0 {
		return time.Time{}, nil
	}
	return at[0], nil
}

// messageSent records a follow-up message the conversation shows sent:
// done, with one message.sent carrying the text. A message counts once,
// however many attempts it took: this attempt, which saw it in the
// conversation, counts it, and what earlier attempts of it counted in doubt
// (a crash, an unconfirmed Send) counts as the profile views they were.
func (rec *recorder) messageSent() error {
	if err := rec.commit(rec.reservations()...); err != nil {
		return err
	}
	if err := rec.uncountEarlier(false, quota.KindMessage); err != nil {
		return err
	}
	var reason string
	if rec.j.doubt {
		reason = "an earlier attempt may have sent it; the conversation shows it once"
	}
	if err := rec.finish(models.ActionDone, pacertype.OutcomeDone, reason); err != nil {
		return err
	}
	return rec.event(pacertype.EventMessageSent, true, models.EventData{Text: rec.j.act.Note})
}

// awaiting is a prospect who may yet answer one of the account's follow-up
// messages, with the campaign and proposal of that message.
type awaiting struct {
	models.Prospect
	MessageState      string
	MessageActionID   int64
	MessageCampaignID *int64
	MessageProposalID *int64
}

// awaitingReplies returns the prospects who may yet answer the account's
// follow-up messages, each once, with the message they would answer: the
// latest sent, or else the latest waiting.
func (rec *recorder) awaitingReplies() ([]awaiting, error) {
	cond, args := awaitingReply(rec.now)
	var rows []awaiting
	err := rec.tx.Table("prospects AS p").
		Select("p.*, a.state AS message_state, a.id AS message_action_id, a.campaign_id AS message_campaign_id, i.proposal_id AS message_proposal_id").
		Joins("JOIN actions a ON a.prospect_id = p.id").
		Joins("LEFT JOIN proposal_items i ON i.id = a.proposal_item_id").
		Where("a.account_id = ?", rec.j.acct.ID).Where(cond, args...).
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("runner: read the prospects awaiting a reply: %w", err)
	}
	// Each prospect's rows together: the sent messages first, the latest
	// first.
	unsent := func(a awaiting) bool { return a.MessageState != models.ActionDone }
	slices.SortFunc(rows, func(a, b awaiting) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), compareBool(unsent(a), unsent(b)), cmp.Compare(b.MessageActionID, a.MessageActionID))
	})
	return slices.CompactFunc(rows, func(a, b awaiting) bool { return a.ID == b.ID }), nil
}

// compareBool orders false before true.
func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// replies records the prospects the messaging list shows replied: a
// conversation whose last message is theirs, with a prospect awaiting a
// reply from the account, named by the card's profile link or, when it
// links none, by a name that is exactly one such prospect's. Each reply is
// recorded once (replied), however many scans see it.
func (rec *recorder) replies(convs []executor.Conversation) (string, error) {
	rows, err := rec.awaitingReplies()
	if err != nil {
		return "", err
	}
	find := replier(rows)
	n := 0
	for _, c := range convs {
		if c.LastSender != executor.SenderThem {
			continue
		}
		p := find(c)
		if p == nil {
			continue
		}
		ok, err := rec.replied(*p, c)
		if err != nil {
			return "", err
		}
		if ok {
			n++
		}
	}
	return fmt.Sprintf("%d of %d conversations listed are new replies", n, len(convs)), nil
}

// replier returns who among rows a conversation is with, or nil: by the
// slug its card links, else by the name it shows when that is exactly one
// prospect's full name (names are not unique; a second match is nobody).
func replier(rows []awaiting) func(executor.Conversation) *awaiting {
	bySlug := map[string]*awaiting{}
	byName := map[string][]*awaiting{}
	for i := range rows {
		p := &rows[i]
		bySlug[strings.ToLower(p.Slug)] = p
		name := fold(p.FirstName + " " + p.LastName)
		byName[name] = append(byName[name], p)
	}
	return func(c executor.Conversation) *awaiting {
		if c.Slug != "" {
			return bySlug[strings.ToLower(c.Slug)]
		}
		if ps := byName[fold(c.Name)]; len(ps) == 1 && c.Name != "" {
			return ps[0]
		}
		return nil
	}
}

// fold is a name as compared: lower case, single spaces.
func fold(name string) string { return strings.ToLower(strings.Join(strings.Fields(name), " ")) }

// replied records that p answered, unless that was recorded before: their
// replied_at (when the card says the reply came), their follow-ups still
// to be sent canceled (from every account: their sequence stops), and one
// message.replied with the reply's start and the conversation's address. It
// reports whether the reply is new.
func (rec *recorder) replied(p awaiting, c executor.Conversation) (bool, error) {
	at := rec.now
	if !c.LastAt.IsZero() && c.LastAt.Before(at) {
		at = c.LastAt.UTC()
	}
	res := rec.tx.Table("prospects").Where("id = ? AND replied_at IS NULL", p.ID).
		Updates(map[string]any{"replied_at": at, "updated_at": rec.now})
	if res.Error != nil {
		return false, fmt.Errorf("runner: record the reply of %s: %w", p.Slug, res.Error)
	}
	if res.RowsAffected == 0 {
		return false, nil
	}
	if err := rec.tx.Table("actions").Where("prospect_id = ? AND kind = ? AND state = ?", p.ID, models.ActionMessage, stateScheduled).
		Updates(map[string]any{"state": models.ActionCanceled, "outcome": string(pacertype.OutcomeReplied),
			"reason": reasons[pacertype.OutcomeReplied], "finished_at": rec.now, "updated_at": rec.now}).Error; err != nil {
		return false, fmt.Errorf("runner: stop the follow-ups of %s: %w", p.Slug, err)
	}
	camp, err := rec.campaignOf(p.MessageCampaignID)
	if err != nil {
		return false, err
	}
	prospect := p.Prospect
	prospect.RepliedAt = &at
	return true, rec.eventAbout(pacertype.EventMessageReplied, &prospect, camp, p.MessageProposalID,
		models.EventData{Text: c.Excerpt, URL: c.URL})
}
