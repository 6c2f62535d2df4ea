package bot

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/models"
)

// proposalRecord is a proposal as the bot reads it: campaign's reading, and
// where its messages are.
type proposalRecord struct {
	campaign.Reading
	// Posts are the proposal's messages beyond the first (its thread), by
	// part number.
	Posts []slackPost
}

// loadProposal reads a proposal (campaign.ReadProposal) and its messages.
func (b *Bot) loadProposal(ctx context.Context, id int64) (proposalRecord, error) {
	var rec proposalRecord
	var err error
	if rec.Reading, err = campaign.ReadProposal(ctx, b.store, id); err != nil {
		return rec, err
	}
	if c, ok := b.cfg.Campaign(rec.View.Campaign); ok {
		rec.View.Senders = c.SenderNames()
	}
	if err := b.store.DB.WithContext(ctx).Where("proposal_id = ?", id).Order("part").Find(&rec.Posts).Error; err != nil {
		return rec, fmt.Errorf("bot: read the messages of proposal #%d: %w", id, err)
	}
	return rec, nil
}

// accounts reads the configured accounts' rows, in the configuration's
// order. An account the store does not know yet (SyncConfig not run) is
// shown as active.
func (b *Bot) accounts(ctx context.Context) ([]models.Account, error) {
	var rows []models.Account
	if err := b.store.DB.WithContext(ctx).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("bot: read accounts: %w", err)
	}
	out := make([]models.Account, 0, len(b.cfg.Accounts))
	for _, a := range b.cfg.Accounts {
		i := slices.IndexFunc(rows, func(r models.Account) bool { return r.Name == a.Name })
		if i < 0 {
			out = append(out, models.Account{Name: a.Name, Plan: a.Plan, Timezone: a.Timezone, State: models.AccountActive})
			continue
		}
		out = append(out, rows[i])
	}
	return out, nil
}

// accountQuota reads one account's usage.
func (b *Bot) accountQuota(ctx context.Context, a models.Account) (AccountQuota, error) {
	q := AccountQuota{Name: a.Name, Plan: a.Plan, State: a.State, StateReason: a.StateReason, Until: a.RestrictedUntil}
	if a.ID == 0 {
		return q, nil
	}
	usage, err := b.quota.Usage(ctx, a, b.now())
	if err != nil {
		return q, fmt.Errorf("bot: read the quota of %s: %w", a.Name, err)
	}
	q.Usage = usage
	for _, u := range usage {
		if u.ResetAt != nil && u.Used > 0 && (q.NextReset == nil || u.ResetAt.Before(*q.NextReset)) {
			q.NextReset = u.ResetAt
		}
	}
	return q, nil
}

// openProposals lists the proposals waiting for a decision, oldest first.
func (b *Bot) openProposals(ctx context.Context) ([]OpenProposal, error) {
	var rows []struct {
		ID        int64
		Campaign  string
		Channel   string
		MessageTS string
		CreatedAt time.Time
		UpdatedAt time.Time
		Items     int
	}
	err := b.store.DB.WithContext(ctx).Table("proposals AS p").
		Select("p.id, c.name AS campaign, p.channel, p.message_ts, p.created_at, p.updated_at, (SELECT COUNT(*) FROM proposal_items AS i WHERE i.proposal_id = p.id AND i.state <> ?) AS items", models.ItemSkipped).
		Joins("JOIN campaigns AS c ON c.id = p.campaign_id").
		Where("p.state = ?", models.ProposalOpen).Order("p.created_at, p.id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("bot: read open proposals: %w", err)
	}
	out := make([]OpenProposal, len(rows))
	for i, r := range rows {
		out[i] = OpenProposal{ID: r.ID, Campaign: r.Campaign, Channel: r.Channel, MessageTS: r.MessageTS, Items: r.Items, CreatedAt: r.CreatedAt}
		if c, ok := b.cfg.Campaign(r.Campaign); ok {
			if ttl, expires := c.ExpiresAfter(); expires {
				at := r.UpdatedAt.Add(ttl)
				out[i].ExpiresAt = &at
			}
		}
	}
	return out, nil
}

// queues counts each account's scheduled actions and finds the next one.
func (b *Bot) queues(ctx context.Context) (map[int64]AccountStatus, error) {
	var rows []struct {
		AccountID int64
		Queued    int
		NextAt    *string
	}
	// MIN over a time column comes back as text on SQLite: read it as text
	// and parse it below.
	err := b.store.DB.WithContext(ctx).Table("actions").
		Select("account_id, COUNT(*) AS queued").
		Where("state = ?", models.ActionScheduled).Group("account_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("bot: read queues: %w", err)
	}
	out := map[int64]AccountStatus{}
	for _, r := range rows {
		st := AccountStatus{Queued: r.Queued}
		var next models.Action
		err := b.store.DB.WithContext(ctx).Where("account_id = ? AND state = ?", r.AccountID, models.ActionScheduled).
			Order("scheduled_at").Limit(1).Find(&next).Error
		if err != nil {
			return nil, fmt.Errorf("bot: read queues: %w", err)
		}
		if next.ID != 0 {
			t := next.ScheduledAt
			st.NextAt = &t
		}
		out[r.AccountID] = st
	}
	return out, nil
}

// queuedInvites counts an account's scheduled invitations.
func (b *Bot) queuedInvites(ctx context.Context, accountID int64) (int, error) {
	var n int64
	err := b.store.DB.WithContext(ctx).Model(&models.Action{}).
		Where("account_id = ? AND state = ? AND kind = ?", accountID, models.ActionScheduled, models.ActionInvite).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("bot: count queued invitations: %w", err)
	}
	return int(n), nil
}

// acceptance counts, over the invitations an account sent in the 30 days
// before now, those accepted and those decided (accepted or withdrawn).
// Invitations still pending are not decided, so they do not pull the rate
// down before their prospect had time to answer.
func (b *Bot) acceptance(ctx context.Context, accountID int64, now time.Time) (accepted, decided int, err error) {
	var rows []struct {
		State string
		N     int
	}
	err = b.store.DB.WithContext(ctx).Table("actions AS a").
		Select("p.state AS state, COUNT(DISTINCT p.id) AS n").
		Joins("JOIN prospects AS p ON p.id = a.prospect_id").
		Where("a.account_id = ? AND a.kind = ? AND a.state = ? AND a.finished_at >= ?", accountID, models.ActionInvite, models.ActionDone, now.Add(-30*24*time.Hour)).
		Group("p.state").Scan(&rows).Error
	if err != nil {
		return 0, 0, fmt.Errorf("bot: read the acceptance rate: %w", err)
	}
	for _, r := range rows {
		switch r.State {
		case models.ProspectConnected:
			accepted += r.N
			decided += r.N
		case models.ProspectWithdrawn:
			decided += r.N
		}
	}
	return accepted, decided, nil
}

// deliveryProof counts the account's invitations sent over the 7 days
// before now by what the reconcile with LinkedIn's Sent page found.
func (b *Bot) deliveryProof(ctx context.Context, accountID int64, now time.Time) (DeliveryProof, error) {
	var rows []struct {
		Delivery string
		N        int
	}
	err := b.store.DB.WithContext(ctx).Table("actions").Select("delivery, COUNT(*) AS n").
		Where("account_id = ? AND kind = ? AND state = ? AND finished_at >= ?", accountID, models.ActionInvite, models.ActionDone, now.Add(-7*24*time.Hour)).
		Group("delivery").Scan(&rows).Error
	if err != nil {
		return DeliveryProof{}, fmt.Errorf("bot: read the proof of delivery: %w", err)
	}
	var p DeliveryProof
	for _, r := range rows {
		p.Sent += r.N
		switch r.Delivery {
		case models.DeliveryConfirmed:
			p.Confirmed += r.N
		case models.DeliveryMissing:
			p.Missing += r.N
		}
	}
	return p, nil
}

// deadLetters counts the deliveries to the CRM and webhooks that exhausted
// their retries, as the integrations record them (Options.DeadLetters);
// without that record there is nothing to count.
func (b *Bot) deadLetters(ctx context.Context) (int, error) {
	if b.deadLetterCount == nil {
		return 0, nil
	}
	return b.deadLetterCount(ctx)
}

// campaignStatuses reads the configured campaigns with what is left to
// propose.
func (b *Bot) campaignStatuses(ctx context.Context) ([]CampaignStatus, error) {
	var out []CampaignStatus
	for _, c := range b.cfg.Campaigns {
		st := CampaignStatus{Name: c.Name, Senders: c.SenderNames(), Channel: c.Channel, State: models.CampaignActive}
		var row models.Campaign
		err := b.store.DB.WithContext(ctx).Where("name = ?", c.Name).Limit(1).Find(&row).Error
		if err != nil {
			return nil, fmt.Errorf("bot: read campaign %s: %w", c.Name, err)
		}
		if row.ID != 0 {
			st.State, st.PausedBy = row.State, row.PausedBy
			var n int64
			if err := b.store.DB.WithContext(ctx).Model(&models.Enrollment{}).
				Where("campaign_id = ? AND state = ?", row.ID, models.EnrollmentQueued).Count(&n).Error; err != nil {
				return nil, fmt.Errorf("bot: count the queue of %s: %w", c.Name, err)
			}
			st.Waiting = int(n)
			if st.Parts, err = b.senderParts(ctx, row.ID); err != nil {
				return nil, err
			}
			f, err := b.proposer.Finish(ctx, c.Name, b.now())
			if err != nil {
				return nil, err
			}
			if !f.At.IsZero() {
				st.FinishAt, st.PerWeek = &f.At, f.PerWeek
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// senderParts reads what each sender of the campaign has sent and has
// waiting in it.
func (b *Bot) senderParts(ctx context.Context, campaignID int64) ([]SenderPart, error) {
	var parts []SenderPart
	err := b.store.DB.WithContext(ctx).Raw(`SELECT a.name AS account,
			SUM(CASE WHEN x.state = ? THEN 1 ELSE 0 END) AS sent,
			SUM(CASE WHEN x.state IN ? THEN 1 ELSE 0 END) AS waiting
		FROM actions x JOIN accounts a ON a.id = x.account_id
		WHERE x.campaign_id = ? AND x.kind = ?
		GROUP BY a.name ORDER BY a.name`,
		models.ActionDone, []string{models.ActionScheduled, models.ActionInFlight}, campaignID, models.ActionInvite).Scan(&parts).Error
	if err != nil {
		return nil, fmt.Errorf("bot: read the senders' parts of campaign %d: %w", campaignID, err)
	}
	return parts, nil
}

// slackPost is a message the bot posted that it must find again: a
// proposal's follow-up messages (by part), and alerts, digests and
// reminders (by the event, day or proposal they belong to, and where they
// went, so that nothing is posted twice: postOnce).
type slackPost struct {
	ID         int64
	EventID    string
	ProposalID *int64
	Part       int
	Channel    string
	TS         string `gorm:"column:ts"`
	CreatedAt  time.Time
}

// TableName is the table of migration 50.
func (slackPost) TableName() string { return "slack_posts" }

// posted reports whether key (an event id, "digest:2006-01-02",
// "reminder:12") was already posted, or is being posted, in channel.
func (b *Bot) posted(ctx context.Context, key, channel string) (bool, error) {
	var n int64
	err := b.store.DB.WithContext(ctx).Model(&slackPost{}).Where("event_id = ? AND channel = ?", key, channel).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("bot: read posted messages: %w", err)
	}
	return n > 0, nil
}
