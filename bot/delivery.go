package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/slack-go/slack"
	"gorm.io/gorm"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
	"github.com/pacerhq/pacer/wording"
)

// ErrNoEvent is returned when a delivery names an event that does not
// exist: there is nothing to deliver, ever.
var ErrNoEvent = errors.New("bot: no such event")

// Deliver handles one event delivered to Slack: an alert for the events
// that need people, a progress card update for those that move a batch
// forward; other events are ignored. It is what a dispatcher of "delivery"
// jobs (integrations/delivery's Deliverer) calls for the Slack destination,
// so its errors speak River: a Web API rate limit is a river.JobSnooze for
// as long as Slack asks, a missing event a river.JobCancel; anything else is
// retried on River's schedule.
func (b *Bot) Deliver(ctx context.Context, eventID string) error {
	return jobError(b.deliver(ctx, eventID))
}

func (b *Bot) deliver(ctx context.Context, eventID string) error {
	var e models.Event
	err := b.store.DB.WithContext(ctx).Where("id = ?", eventID).First(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("%w: %s", ErrNoEvent, eventID)
	}
	if err != nil {
		return fmt.Errorf("bot: read event %s: %w", eventID, err)
	}
	data, err := models.DecodeEventData(e)
	if err != nil {
		// A payload that does not decode still says what happened.
		b.logger.Warn("slack: an event's data does not decode", slog.String("event", e.ID), slog.String("error", err.Error()))
	}
	if alert, ok := b.alertFor(ctx, e, data); ok {
		if err := b.postAlert(ctx, e, alert); err != nil {
			return err
		}
		if (e.Type == string(pacertype.EventAccountRestricted) || e.Type == string(pacertype.EventAccountCheckpoint)) && e.AccountID != nil {
			// The account's running batches now say why they stopped.
			return b.tickRunningCards(ctx, "account_id = ?", *e.AccountID)
		}
		return nil
	}
	if isReply(e) {
		if err := b.tellReply(ctx, e, data); err != nil {
			return err
		}
	}
	id, err := b.proposalOf(ctx, e, data)
	if err != nil || id == 0 {
		return err
	}
	return b.progressTick(ctx, id)
}

// alertFor words the alert an event raises, if it raises one.
func (b *Bot) alertFor(ctx context.Context, e models.Event, d models.EventData) (AlertView, bool) {
	account := d.Account
	if account == "" && e.AccountID != nil {
		var a models.Account
		if b.store.DB.WithContext(ctx).Limit(1).Find(&a, *e.AccountID).Error == nil {
			account = a.Name
		}
	}
	who := orText(account, "an account")
	v := AlertView{Event: e.Type, Account: account, Until: d.Until}
	switch pacertype.EventType(e.Type) {
	case pacertype.EventAccountRestricted:
		v.Serious = true
		v.Title = fmt.Sprintf(":no_entry: %s reached a LinkedIn limit or restriction", who)
		v.Body = fmt.Sprintf("%s. Pacer stopped inviting from *%s* until the reset; its approved invitations wait in the queue and resume by themselves. Nothing to do unless LinkedIn asks for more.",
			upperFirst(esc(reasonText(d.Reason, "LinkedIn's weekly invitation limit is reached"))), esc(who))
	case pacertype.EventAccountCheckpoint:
		v.Serious = true
		v.Title = fmt.Sprintf(":sos: %s needs a person: LinkedIn asks for a check", who)
		v.Body = fmt.Sprintf("%s. Pacer stopped every action of *%s* and never tries to solve a checkpoint. Sign in to LinkedIn as this account in a browser and complete the check, store the new session with `pacer account login %s`, then run `/pacer resume %s`.",
			upperFirst(esc(reasonText(d.Reason, "LinkedIn showed a security checkpoint or a login challenge"))), esc(who), esc(orText(account, "NAME")), esc(orText(account, "NAME")))
	case pacertype.EventGuardTripped:
		v.Serious = true
		v.Title = fmt.Sprintf(":chart_with_downwards_trend: Few invitations from %s are accepted", who)
		v.Body = esc(orText(d.Reason, "the acceptance rate over the last 50 decided invitations fell below 20%")) +
			". Pacer slows this account down (below 20%: half the daily invitations; below 10%: none) until acceptances recover. Check who the campaign targets and what its note says."
	case pacertype.EventPendingAlert:
		v.Title = fmt.Sprintf(":warning: %s has %d pending invitations", who, d.Count)
		v.Body = "LinkedIn may restrict accounts with many unanswered invitations. Pacer withdraws those older than 21 days (up to 20 a day) and stops inviting at 700."
	case pacertype.EventDeadLettered:
		dest := orText(d.Destination, "an integration")
		v.Title = fmt.Sprintf(":warning: A delivery to %s failed for good", dest)
		v.Body = fmt.Sprintf("After every retry, an event could not be delivered to *%s*: %s. See it with `pacer deliveries list` and send it again with `pacer deliveries retry --all` once the cause is fixed.",
			esc(dest), esc(orText(d.Reason, "no reason given")))
	case pacertype.EventIntegrationPaused:
		dest := orText(d.Destination, "an integration")
		v.Title = fmt.Sprintf(":double_vertical_bar: %s is paused", dest)
		v.Body = fmt.Sprintf("%s. Pacer stopped calling *%s* and resumes by itself at the time below; what it should have done waits in the queue, nothing is lost.",
			upperFirst(esc(orText(d.Reason, "its quota is spent"))), esc(dest))
	case pacertype.EventDeliveryMissing:
		v.Serious = true
		v.Title = fmt.Sprintf(":mag: %s not on LinkedIn's Sent page", wording.Count(d.Count, "invitation from "+who+" is", "invitations from "+who+" are"))
		v.Body = fmt.Sprintf("Pacer recorded %s as sent, but LinkedIn's Sent invitations page, which would list %s, does not, and %s not accepted: %s. LinkedIn may not have delivered %s. Pacer does not send %s again by itself: check *%s*'s Sent invitations on LinkedIn, and if they are not there, import and approve them again.",
			wording.Noun(d.Count, "it", "them"), wording.Noun(d.Count, "it", "them"), wording.Noun(d.Count, "it was", "they were"),
			esc(namesList(d.Names, 20)), wording.Noun(d.Count, "it", "them"), wording.Noun(d.Count, "it", "them"), esc(who))
	default:
		return AlertView{}, false
	}
	return v, true
}

// namesList joins names, the first limit of them and how many more.
func namesList(names []string, limit int) string {
	if len(names) <= limit {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:limit], ", ") + fmt.Sprintf(" and %d more", len(names)-limit)
}

// reasonText words the reason codes the executor records in events; other
// reasons are shown as they are.
func reasonText(reason, fallback string) string {
	known := map[string]string{
		pacertype.ReasonWeeklyInvitationLimit: "LinkedIn's weekly invitation limit is reached",
		string(pacertype.OutcomeWeeklyLimit):  "LinkedIn's weekly invitation limit is reached",
		pacertype.ReasonCheckpoint:            "LinkedIn showed a security checkpoint",
		pacertype.ReasonCaptcha:               "LinkedIn showed a CAPTCHA",
		pacertype.ReasonSessionRejected:       "LinkedIn sent the account to its login page: the stored session is no longer valid",
		pacertype.ReasonSessionMissing:        "Pacer has no LinkedIn session for this account yet",
	}
	if reason == "" {
		return fallback
	}
	if t, ok := known[reason]; ok {
		return t
	}
	return reason
}

// alertChannels are the channels an alert goes to: the event's campaign's,
// else those of the account's campaigns, else every campaign channel.
func (b *Bot) alertChannels(ctx context.Context, e models.Event, v AlertView) []string {
	var out []string
	add := func(ch string) {
		if ch != "" && !slices.Contains(out, ch) {
			out = append(out, ch)
		}
	}
	if e.CampaignID != nil {
		var c models.Campaign
		if b.store.DB.WithContext(ctx).Limit(1).Find(&c, *e.CampaignID).Error == nil {
			add(c.Channel)
		}
	}
	if len(out) == 0 && v.Account != "" {
		for _, c := range b.cfg.Campaigns {
			if c.HasSender(v.Account) {
				add(c.Channel)
			}
		}
	}
	if len(out) == 0 {
		for _, c := range b.cfg.Campaigns {
			add(c.Channel)
		}
	}
	return out
}

// postAlert posts an alert in its channels and, when it is serious, to
// each approver directly. A retried job skips the places it already posted
// to.
func (b *Bot) postAlert(ctx context.Context, e models.Event, v AlertView) error {
	m := b.renderer().alert(v)
	targets := b.alertChannels(ctx, e, v)
	if v.Serious {
		for _, u := range b.accountApprovers(ctx, v.Account) {
			if !slices.Contains(targets, u) {
				targets = append(targets, u)
			}
		}
	}
	if len(targets) == 0 {
		b.logger.Warn("slack: an alert has nowhere to go: no campaign channel and no approver", slog.String("event", e.Type))
		return nil
	}
	for _, target := range targets {
		err := b.postOnce(ctx, e.ID, target, func() (string, error) {
			_, ts, err := b.api.PostMessageContext(ctx, target, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...))
			return ts, slackCall("chat.postMessage", err)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// proposalOf finds the approved proposal an event moves forward: the
// event's own, else the latest approved proposal of its campaign holding
// its prospect. Zero: none.
func (b *Bot) proposalOf(ctx context.Context, e models.Event, d models.EventData) (int64, error) {
	if e.ProposalID != nil {
		return *e.ProposalID, nil
	}
	if d.ProposalID != 0 {
		return d.ProposalID, nil
	}
	if e.ProspectID == nil {
		return 0, nil
	}
	q := b.store.DB.WithContext(ctx).Table("proposal_items AS i").Select("i.proposal_id").
		Joins("JOIN proposals AS p ON p.id = i.proposal_id").
		Where("i.prospect_id = ? AND p.state = ?", *e.ProspectID, models.ProposalApproved)
	if e.CampaignID != nil {
		q = q.Where("p.campaign_id = ?", *e.CampaignID)
	}
	var ids []int64
	if err := q.Order("p.id DESC").Limit(1).Pluck("i.proposal_id", &ids).Error; err != nil {
		return 0, fmt.Errorf("bot: find the proposal of event %s: %w", e.ID, err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return ids[0], nil
}

// progressTick updates a proposal's progress card, at most once per
// ProgressInterval per message. The right to update is claimed in the
// database (progress_updated_at moves forward only for the claimer), so
// replicas coalesce too; an event that comes too soon schedules one update
// for the end of the interval instead, which then shows everything that
// happened meanwhile.
func (b *Bot) progressTick(ctx context.Context, proposalID int64) error {
	now := b.now().UTC()
	res := b.store.DB.WithContext(ctx).Model(&models.Proposal{}).
		Where("id = ? AND state = ? AND message_ts NOT IN ('', ?)", proposalID, models.ProposalApproved, postingMarker).
		Where("progress_updated_at IS NULL OR progress_updated_at <= ?", now.Add(-ProgressInterval)).
		UpdateColumn("progress_updated_at", now)
	if res.Error != nil {
		return fmt.Errorf("bot: claim the progress card of proposal #%d: %w", proposalID, res.Error)
	}
	if res.RowsAffected == 1 {
		return b.refreshChanged(ctx, proposalID)
	}
	var p models.Proposal
	if err := b.store.DB.WithContext(ctx).Limit(1).Find(&p, proposalID).Error; err != nil {
		return fmt.Errorf("bot: read proposal #%d: %w", proposalID, err)
	}
	if p.ID == 0 || p.State != models.ProposalApproved || p.ProgressUpdatedAt == nil {
		return nil // not a live card (yet): nothing to coalesce
	}
	slot := p.ProgressUpdatedAt.Add(ProgressInterval).Truncate(time.Second).Add(time.Second)
	return b.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return b.store.InsertJob(ctx, tx, ProgressArgs{ProposalID: proposalID, Slot: slot.Unix()}, &river.InsertOpts{
			Queue:       slackQueue,
			ScheduledAt: slot,
			UniqueOpts:  river.UniqueOpts{ByArgs: true},
		})
	})
}

// tickRunningCards updates the progress cards of the approved proposals
// the condition selects whose batch has actions left to do.
func (b *Bot) tickRunningCards(ctx context.Context, cond string, args ...any) error {
	var ids []int64
	err := b.store.DB.WithContext(ctx).Model(&models.Proposal{}).Where(cond, args...).
		Where("state = ? AND EXISTS (SELECT 1 FROM proposal_items i JOIN actions a ON a.proposal_item_id = i.id WHERE i.proposal_id = proposals.id AND a.state IN ?)",
			models.ProposalApproved, []string{models.ActionScheduled, models.ActionInFlight}).
		Pluck("id", &ids).Error
	if err != nil {
		return fmt.Errorf("bot: read the running batches: %w", err)
	}
	for _, id := range ids {
		if err := b.progressTick(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// markProgress records that the card was just rendered (after a decision),
// so that the next update waits its interval.
func (b *Bot) markProgress(ctx context.Context, proposalID int64) {
	err := b.store.DB.WithContext(ctx).Model(&models.Proposal{}).Where("id = ?", proposalID).
		UpdateColumn("progress_updated_at", b.now().UTC()).Error
	if err != nil {
		b.logger.Warn("slack: mark a progress card", slog.Int64("proposal", proposalID), slog.String("error", err.Error()))
	}
}
