package campaign

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
)

// A campaign's follow-ups are the messages it sends after an invitation of
// its was accepted (config.Campaign.FollowUps): the first one After its
// wait from the acceptance, each next one After its wait from the previous
// message, while the prospect has not replied. Each is proposed for
// approval like an invitation, in a proposal of kind models.ProposalMessages
// whose items carry their step; approved, it becomes an action of kind
// models.ActionMessage with the exact text approved.

// ErrNoFollowUps: the campaign has no follow_ups, or none is due.
var ErrNoFollowUps = errors.New("campaign: no follow-up message is due")

// ProposeFollowUps stores the campaign's due follow-up messages, at most n
// (n <= 0: as many as the account can send in its next two working days,
// and at most batch_size), as its open proposal of messages. Errors as for
// Propose; ErrNoFollowUps when nothing is due.
func (p *Proposer) ProposeFollowUps(ctx context.Context, campaign string, n int) (*Batch, error) {
	cc, ok := p.cfg.Campaign(campaign)
	if !ok || len(cc.SenderNames()) <= 1 {
		return p.proposeFollowUps(ctx, campaign, "", n, p.now())
	}
	// Each sender writes to those it connected with: the first with
	// messages due proposes them.
	var errs []error
	for _, sender := range cc.SenderNames() {
		b, err := p.proposeFollowUps(ctx, campaign, sender, n, p.now())
		if err == nil {
			return b, nil
		}
		errs = append(errs, err)
	}
	return nil, noSenderError(campaign, errs)
}

// maxMessageBatch bounds a proposal of messages, as Slack shows it.
const maxMessageBatch = 200

func (p *Proposer) proposeFollowUps(ctx context.Context, campaign, sender string, n int, now time.Time) (*Batch, error) {
	db := p.store.DB.WithContext(ctx)
	s, err := p.loadSetup(ctx, db, campaign, sender)
	if err != nil {
		return nil, err
	}
	if len(s.cfg.FollowUps) == 0 {
		return nil, fmt.Errorf("%w: %s has no follow_ups in the configuration", ErrNoFollowUps, s.campaign.Name)
	}
	if err := p.readyToPropose(ctx, db, s, models.ProposalMessages); err != nil {
		return nil, err
	}
	// What is due is read first: it is cheaper than the quota's forecast,
	// and the minutely pass asks every campaign.
	due, err := dueFollowUps(ctx, db, s, now, maxMessageBatch)
	if err != nil {
		return nil, err
	}
	if len(due) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoFollowUps, s.campaign.Name)
	}
	size, err := p.messageBatchSize(ctx, s, n, now)
	if err != nil {
		return nil, err
	}
	due = due[:min(len(due), size)]
	forecast, err := p.quota.Forecast(ctx, s.account.ID, KindMessage, len(due), sendsFrom(s, now))
	if err != nil {
		return nil, fmt.Errorf("campaign: forecast %s: %w", s.account.Name, err)
	}
	b := &Batch{Campaign: s.campaign.Name, Account: s.account.Name, Items: s.messageItems(due), Proposal: models.Proposal{
		CampaignID: s.campaign.ID, AccountID: s.account.ID, Kind: models.ProposalMessages, State: models.ProposalOpen,
		Version: 1, Channel: s.campaign.Channel, Forecast: forecast, CreatedAt: now.UTC(), UpdatedAt: now.UTC(),
	}}
	err = db.Transaction(func(tx *gorm.DB) error { return storeItems(tx, b, now) })
	if errors.Is(err, errOpenRace) {
		return nil, p.checkNoOpen(ctx, db, s, models.ProposalMessages)
	}
	if err != nil {
		return nil, err
	}
	return b, nil
}

// messageBatchSize is how many messages a proposal may hold: what the
// account can send in its next working days, at most n and batch_size.
func (p *Proposer) messageBatchSize(ctx context.Context, s *campaignSetup, n int, now time.Time) (int, error) {
	size, err := p.quota.Capacity(ctx, s.account.ID, KindMessage, proposalDays, sendsFrom(s, now))
	if err != nil {
		return 0, fmt.Errorf("campaign: quota of %s: %w", s.account.Name, err)
	}
	if n > 0 {
		size = min(size, n)
	}
	if s.cfg.BatchSize > 0 {
		size = min(size, s.cfg.BatchSize)
	}
	if size <= 0 {
		return 0, fmt.Errorf("%w: %s has no message left to send in its next working days", ErrNoCapacity, s.account.Name)
	}
	return size, nil
}

// dueFollowUp is one prospect whose next follow-up is due.
type dueFollowUp struct {
	EnrollmentID int64
	Prospect     models.Prospect
	Step         int // 1-based, in the campaign's follow_ups
	DueAt        time.Time
}

// dueFollowUps finds, oldest due first, up to limit prospects of the
// campaign who accepted its invitation, have not replied, and whose next
// follow-up's wait has passed since the acceptance or their last message.
// A step already proposed (open, approved, rejected or skipped) is not
// proposed again; a step of an expired proposal is.
func dueFollowUps(ctx context.Context, db *gorm.DB, s *campaignSetup, now time.Time, limit int) ([]dueFollowUp, error) {
	var rows []struct {
		EnrollmentID int64
		models.Prospect
	}
	err := db.WithContext(ctx).Table("enrollments AS e").
		Select("e.id AS enrollment_id, p.*").
		Joins("JOIN prospects AS p ON p.id = e.prospect_id").
		Where("e.campaign_id = ? AND p.connected_at IS NOT NULL AND p.replied_at IS NULL", s.campaign.ID).
		Where("EXISTS (SELECT 1 FROM actions AS a WHERE a.campaign_id = e.campaign_id AND a.prospect_id = e.prospect_id AND a.account_id = ? AND a.kind = ? AND a.state = ?)",
			s.account.ID, models.ActionInvite, models.ActionDone).
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("campaign: read the connections of %s: %w", s.campaign.Name, err)
	}
	sent, err := lastMessages(ctx, db, s.campaign.ID)
	if err != nil {
		return nil, err
	}
	taken, err := proposedSteps(ctx, db, s.campaign.ID)
	if err != nil {
		return nil, err
	}
	var due []dueFollowUp
	for _, r := range rows {
		last := sent[r.Prospect.ID]
		step := last.step + 1
		if step > len(s.cfg.FollowUps) || taken[stepKey{r.EnrollmentID, step}] {
			continue
		}
		from := *r.Prospect.ConnectedAt
		if last.step > 0 {
			from = last.at
		}
		at := from.Add(s.cfg.FollowUps[step-1].Wait())
		if at.After(now) {
			continue
		}
		due = append(due, dueFollowUp{EnrollmentID: r.EnrollmentID, Prospect: r.Prospect, Step: step, DueAt: at})
	}
	slices.SortFunc(due, func(a, b dueFollowUp) int {
		if c := a.DueAt.Compare(b.DueAt); c != 0 {
			return c
		}
		return int(a.Prospect.ID - b.Prospect.ID)
	})
	return due[:min(len(due), limit)], nil
}

type sentMessage struct {
	step int
	at   time.Time
}

// lastMessages reads, per prospect, the last follow-up step the campaign
// sent and when.
func lastMessages(ctx context.Context, db *gorm.DB, campaignID int64) (map[int64]sentMessage, error) {
	var rows []struct {
		ProspectID int64
		Step       int
		FinishedAt time.Time
	}
	err := db.WithContext(ctx).Model(&models.Action{}).Select("prospect_id, step, finished_at").
		Where("campaign_id = ? AND kind = ? AND state = ? AND finished_at IS NOT NULL", campaignID, models.ActionMessage, models.ActionDone).
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("campaign: read the messages sent: %w", err)
	}
	out := map[int64]sentMessage{}
	for _, r := range rows {
		if r.Step > out[r.ProspectID].step {
			out[r.ProspectID] = sentMessage{step: r.Step, at: r.FinishedAt}
		}
	}
	return out, nil
}

type stepKey struct {
	enrollmentID int64
	step         int
}

// proposedSteps reads the follow-up steps already proposed and not given
// back by an expiry.
func proposedSteps(ctx context.Context, db *gorm.DB, campaignID int64) (map[stepKey]bool, error) {
	var rows []struct {
		EnrollmentID int64
		Step         int
	}
	err := db.WithContext(ctx).Table("proposal_items AS i").Select("i.enrollment_id, i.step").
		Joins("JOIN proposals AS pr ON pr.id = i.proposal_id").
		Where("pr.campaign_id = ? AND i.step > 0 AND (pr.state <> ? OR i.state = ?)", campaignID, models.ProposalExpired, models.ItemSkipped).
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("campaign: read the follow-ups proposed: %w", err)
	}
	out := make(map[stepKey]bool, len(rows))
	for _, r := range rows {
		out[stepKey{r.EnrollmentID, r.Step}] = true
	}
	return out, nil
}

// messageItems renders and lints each due follow-up's message.
func (s *campaignSetup) messageItems(due []dueFollowUp) []Item {
	items := make([]Item, len(due))
	for i, d := range due {
		fu := s.cfg.FollowUps[d.Step-1]
		msg, _ := ParseTemplate(fu.Message).Render(s.vars(d.Prospect))
		findings := LintMessage(msg, fu.Links)
		items[i] = Item{
			ProposalItem: models.ProposalItem{
				EnrollmentID: d.EnrollmentID, ProspectID: d.Prospect.ID, Position: i + 1, Step: d.Step,
				Note: msg, Lint: encodeFindings(findings), State: models.ItemProposed,
			},
			Prospect: d.Prospect,
			Findings: findings,
		}
	}
	return items
}

// followUpOf is the follow-up an item of a proposal of messages sends.
func (s *campaignSetup) followUpOf(it models.ProposalItem) (config.FollowUp, bool) {
	if it.Step < 1 || it.Step > len(s.cfg.FollowUps) {
		return config.FollowUp{}, false
	}
	return s.cfg.FollowUps[it.Step-1], true
}

// notToMessage is ineligible for follow-ups: the prospects who replied
// since the message was proposed (their sequence stopped) or who are on
// the do-not-contact list are left out.
func notToMessage(ctx context.Context, tx *gorm.DB, enrollmentIDs []int64, now time.Time) (map[int64]string, map[int64]string, error) {
	reasons, slugs := map[int64]string{}, map[int64]string{}
	for chunk := range slices.Chunk(enrollmentIDs, 500) {
		var rows []struct {
			ID         int64
			Slug       string
			Replied    int
			Suppressed int
		}
		err := tx.WithContext(ctx).Raw(`SELECT e.id, p.slug,
	CASE WHEN p.replied_at IS NOT NULL THEN 1 ELSE 0 END AS replied,
	CASE WHEN `+models.SuppressedSQL+` THEN 1 ELSE 0 END AS suppressed
FROM enrollments e JOIN prospects p ON p.id = e.prospect_id
WHERE e.id IN ?`, chunk).Scan(&rows).Error
		if err != nil {
			return nil, nil, fmt.Errorf("campaign: read the prospects to message: %w", err)
		}
		for _, r := range rows {
			slugs[r.ID] = r.Slug
			switch {
			case r.Suppressed == 1:
				reasons[r.ID] = "on the do-not-contact list"
			case r.Replied == 1:
				reasons[r.ID] = "replied since the message was proposed; the conversation is theirs now"
			}
		}
	}
	return reasons, slugs, nil
}

// readFollowUpContext gives each follow-up item what the approver needs to
// judge it: the note its invitation went with, and when it was accepted.
func readFollowUpContext(db *gorm.DB, campaignID int64, items []ItemView) error {
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	var rows []struct {
		ItemID      int64
		Note        string
		ConnectedAt *time.Time
	}
	err := db.Table("proposal_items AS i").
		Select("i.id AS item_id, p.connected_at, COALESCE((SELECT a.note FROM actions AS a WHERE a.campaign_id = ? AND a.prospect_id = i.prospect_id AND a.kind = ? AND a.state = ? ORDER BY a.id DESC LIMIT 1), '') AS note",
			campaignID, models.ActionInvite, models.ActionDone).
		Joins("JOIN prospects AS p ON p.id = i.prospect_id").
		Where("i.id IN ?", ids).Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("campaign: read the invitations of the follow-ups: %w", err)
	}
	byID := make(map[int64]int, len(items))
	for i, it := range items {
		byID[it.ID] = i
	}
	for _, r := range rows {
		it := &items[byID[r.ItemID]]
		it.InvitationNote, it.AcceptedAt = r.Note, r.ConnectedAt
	}
	return nil
}
