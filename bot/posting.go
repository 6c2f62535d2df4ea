package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"gorm.io/gorm"

	"github.com/pacerhq/pacer/models"
)

// A proposal's messages: the first in the campaign's channel, the prospects
// that do not fit in it in its thread. What each message last showed is
// kept in proposals.shown (one digest per message, "" for a message Slack
// refused), so that an approval is taken only for what people could see
// (unshown), and a message Slack refused is posted again by the next
// refresh or minutely pass.

// postingMarker holds a proposal's message_ts, or a thread message's ts,
// while one replica posts it.
const postingMarker = "posting"

// postProposal posts a stored proposal in its campaign's channel, the
// prospects that do not fit in one message in its thread. A proposal is
// posted once: the first replica to claim it (message_ts from ” to a
// marker) posts, the others leave it. A thread message Slack refuses is
// posted again by the minutely pass (postPending); until then the batch
// cannot be approved.
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
	// The claim is stamped on the bot's clock, which releaseStaleClaims and
	// the expiry (counted from the last change) read.
	claim := b.store.DB.WithContext(ctx).Model(&models.Proposal{}).Where("id = ? AND message_ts = ''", id).
		Updates(map[string]any{"message_ts": postingMarker, "channel": channel, "updated_at": b.now().UTC()})
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
		b.store.DB.WithContext(context.WithoutCancel(ctx)).Model(&models.Proposal{}).Where("id = ? AND message_ts = ?", id, postingMarker).UpdateColumn("message_ts", "")
		return slackCall("chat.postMessage", err)
	}
	shown := msgs[0].digest()
	err = b.store.DB.WithContext(context.WithoutCancel(ctx)).Model(&models.Proposal{}).Where("id = ?", id).
		UpdateColumns(map[string]any{"message_ts": ts, "shown": shown}).Error
	if err != nil {
		return fmt.Errorf("bot: record the message of proposal #%d: %w", id, err)
	}
	rec.Proposal.Channel, rec.Proposal.MessageTS, rec.Proposal.Shown = channel, ts, shown
	return b.show(ctx, rec, msgs, false)
}

// refreshProposal renders a posted proposal from the database and updates
// its messages. It is what a person's click calls: their message may show
// something older than Pacer last sent (a stale click says so), so every
// message is sent again.
func (b *Bot) refreshProposal(ctx context.Context, id int64) error {
	return b.refresh(ctx, id, true)
}

// refreshChanged updates only the messages whose rendering changed since
// they were last sent, and posts those never posted. It is what events and
// the minutely pass call: after a batch ends, its last invitation's event,
// a deferred update and a found email would each send the same finished
// card again.
func (b *Bot) refreshChanged(ctx context.Context, id int64) error {
	return b.refresh(ctx, id, false)
}

// waitForRefresh returns once no refresh of the proposal's messages is in
// progress in this process.
func (b *Bot) waitForRefresh(id int64) {
	mu := &b.refreshLocks[uint64(id)%uint64(len(b.refreshLocks))]
	mu.Lock()
	mu.Unlock() //nolint:staticcheck // an empty critical section: only the wait matters
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
	if rec.Proposal.MessageTS == "" || rec.Proposal.MessageTS == postingMarker {
		return nil
	}
	return b.show(ctx, rec, b.renderer().proposalMessages(rec.View), always)
}

// show brings a posted proposal's messages in line with msgs: a thread
// message never posted is posted, one whose rendering changed since it was
// last sent is updated (every one when always). It stops at the first
// message Slack refuses and records what each message shows.
func (b *Bot) show(ctx context.Context, rec proposalRecord, msgs []message, always bool) error {
	p := rec.Proposal
	before := strings.Split(p.Shown, ",")
	shown := make([]string, len(msgs))
	copy(shown, before)
	var failed error
	for i, m := range msgs {
		digest := m.digest()
		if !always && digest != "" && shown[i] == digest {
			continue
		}
		if i == 0 {
			failed = b.update(ctx, p.Channel, p.MessageTS, m)
		} else if post, ok := threadPost(rec.Posts, i); ok && post.TS != postingMarker {
			failed = b.update(ctx, post.Channel, post.TS, m)
		} else if ok {
			continue // another replica is posting it
		} else if posted, err := b.postInThread(ctx, p, i, m); !posted {
			failed = err
			if failed == nil {
				continue // another replica claimed it meanwhile
			}
		}
		if failed != nil {
			break
		}
		shown[i] = digest
	}
	if joined := strings.Join(shown, ","); joined != p.Shown {
		err := b.store.DB.WithContext(context.WithoutCancel(ctx)).Model(&models.Proposal{}).Where("id = ?", p.ID).
			UpdateColumn("shown", joined).Error
		if err != nil {
			return errors.Join(failed, fmt.Errorf("bot: record what proposal #%d shows: %w", p.ID, err))
		}
	}
	return failed
}

func (b *Bot) update(ctx context.Context, channel, ts string, m message) error {
	if _, _, _, err := b.api.UpdateMessageContext(ctx, channel, ts, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...)); err != nil {
		return slackCall("chat.update", err)
	}
	return nil
}

// postInThread posts part of proposal p in its thread. The part is claimed
// first (slack_posts holds one row per part), so that two replicas never
// post it twice; a refused post gives the claim back. It reports whether it
// posted: not when another replica holds the claim.
func (b *Bot) postInThread(ctx context.Context, p models.Proposal, part int, m message) (bool, error) {
	db := b.store.DB.WithContext(context.WithoutCancel(ctx))
	claim := slackPost{ProposalID: &p.ID, Part: part, Channel: p.Channel, TS: postingMarker, CreatedAt: b.now().UTC()}
	if err := db.Create(&claim).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return false, nil
		}
		return false, fmt.Errorf("bot: claim a message of proposal #%d: %w", p.ID, err)
	}
	_, ts, err := b.api.PostMessageContext(ctx, p.Channel, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...), slack.MsgOptionTS(p.MessageTS))
	if err != nil {
		db.Delete(&claim)
		return false, slackCall("chat.postMessage", err)
	}
	if err := db.Model(&claim).Update("ts", ts).Error; err != nil {
		return true, fmt.Errorf("bot: record a message of proposal #%d: %w", p.ID, err)
	}
	return true, nil
}

// postOnce posts a message under key (an event id, "digest:2006-01-02",
// "reminder:12") in place (a channel, or the user a direct message is for)
// unless it went there already. The place is claimed first (slack_posts
// holds one row per key and place), so that two replicas, or a retried
// job, never post it twice; a post that fails gives the claim back, for
// the next attempt. post returns the ts of the message it posted.
func (b *Bot) postOnce(ctx context.Context, key, place string, post func() (string, error)) error {
	if done, err := b.posted(ctx, key, place); err != nil || done {
		return err
	}
	db := b.store.DB.WithContext(context.WithoutCancel(ctx))
	claim := slackPost{EventID: key, Channel: place, TS: postingMarker, CreatedAt: b.now().UTC()}
	if err := db.Create(&claim).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return nil // another replica holds it
		}
		return fmt.Errorf("bot: claim the post %s in %s: %w", key, place, err)
	}
	ts, err := post()
	if err != nil {
		db.Delete(&claim)
		return err
	}
	if err := db.Model(&claim).Update("ts", ts).Error; err != nil {
		return fmt.Errorf("bot: record the post %s in %s: %w", key, place, err)
	}
	return nil
}

func threadPost(posts []slackPost, part int) (slackPost, bool) {
	for _, post := range posts {
		if post.Part == part {
			return post, true
		}
	}
	return slackPost{}, false
}

// unshown counts the items of an open proposal that its messages do not
// show as they are now: in a thread message Slack refused, or in one whose
// last update failed. Such items cannot be approved: nobody saw them, or
// saw another text.
func (b *Bot) unshown(rec proposalRecord) int {
	msgs := b.renderer().proposalMessages(rec.View)
	shown := strings.Split(rec.Proposal.Shown, ",")
	n := 0
	for i, part := range proposalParts(len(rec.View.Items)) {
		if i >= len(shown) || shown[i] != msgs[i].digest() {
			n += part[1] - part[0]
		}
	}
	return n
}

// releaseStaleClaims gives back the claims of posts that died half-way (a
// crash between the claim and the post), so that the next pass posts them.
func (b *Bot) releaseStaleClaims(ctx context.Context) error {
	stale := b.now().UTC().Add(-5 * time.Minute)
	db := b.store.DB.WithContext(ctx)
	if err := db.Model(&models.Proposal{}).
		Where("state = ? AND message_ts = ? AND updated_at < ?", models.ProposalOpen, postingMarker, stale).
		UpdateColumn("message_ts", "").Error; err != nil {
		return fmt.Errorf("bot: release stale proposal claims: %w", err)
	}
	if err := db.Where("ts = ? AND created_at < ?", postingMarker, stale).Delete(&slackPost{}).Error; err != nil {
		return fmt.Errorf("bot: release stale message claims: %w", err)
	}
	return nil
}
