package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
)

// ErrNoProposal is returned when a proposal (or item) named by a click no
// longer exists.
var ErrNoProposal = errors.New("bot: no such proposal")

// proposalRecord is a proposal as the bot reads it: the view, and where its
// messages are.
type proposalRecord struct {
	Proposal models.Proposal
	Account  models.Account
	View     ProposalView
	// Posts are the proposal's messages beyond the first (its thread), by
	// part number.
	Posts []slackPost
}

// loadProposal reads a proposal with its items, prospects and, once
// approved, its progress. The reads are not one snapshot, so the proposal's
// version and state are read again at the end: when a decision committed
// meanwhile, everything is read again. Otherwise a message could show an
// item's skip or edit with buttons carrying the version before it, or the
// reverse: buttons that approve a change the message does not show. After
// a few tries the last reading is used; the decision that keeps changing
// the proposal refreshes its messages itself once committed.
func (b *Bot) loadProposal(ctx context.Context, id int64) (proposalRecord, error) {
	const tries = 3
	for try := 1; ; try++ {
		rec, err := b.readProposal(ctx, id)
		if err != nil || try == tries {
			return rec, err
		}
		var now models.Proposal
		if err := b.store.DB.WithContext(ctx).Select("version", "state").Take(&now, id).Error; err != nil {
			return rec, fmt.Errorf("bot: read proposal #%d: %w", id, err)
		}
		if now.Version == rec.Proposal.Version && now.State == rec.Proposal.State {
			return rec, nil
		}
	}
}

// readProposal is one reading of loadProposal.
func (b *Bot) readProposal(ctx context.Context, id int64) (proposalRecord, error) {
	db := b.store.DB.WithContext(ctx)
	var rec proposalRecord
	if err := db.First(&rec.Proposal, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return rec, fmt.Errorf("%w #%d", ErrNoProposal, id)
		}
		return rec, fmt.Errorf("bot: read proposal #%d: %w", id, err)
	}
	p := rec.Proposal
	var camp models.Campaign
	if err := db.First(&camp, p.CampaignID).Error; err != nil {
		return rec, fmt.Errorf("bot: read the campaign of proposal #%d: %w", id, err)
	}
	if err := db.First(&rec.Account, p.AccountID).Error; err != nil {
		return rec, fmt.Errorf("bot: read the account of proposal #%d: %w", id, err)
	}
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
		Where("i.proposal_id = ?", id).Order("i.position").Scan(&rows).Error
	if err != nil {
		return rec, fmt.Errorf("bot: read the items of proposal #%d: %w", id, err)
	}
	v := ProposalView{
		ID: p.ID, Version: p.Version, Campaign: camp.Name, Account: rec.Account.Name, State: p.State,
		Forecast: p.Forecast, DecidedBy: p.DecidedBy, DecidedAt: p.DecidedAt,
	}
	for _, r := range rows {
		it := ItemView{
			ID: r.ID, Position: r.Position, Name: strings.TrimSpace(r.FirstName + " " + r.LastName),
			ProfileURL: r.ProfileURL, Title: r.Title, Company: r.Company, Note: r.Note,
			State: r.State, EditedBy: r.EditedBy,
		}
		if r.Lint != "" && r.Lint != "[]" {
			// A finding list that does not decode is shown without
			// findings rather than not at all.
			_ = json.Unmarshal([]byte(r.Lint), &it.Findings)
		}
		v.Items = append(v.Items, it)
	}
	if p.State == models.ProposalApproved {
		prog, outcomes, err := b.progress(ctx, id)
		if err != nil {
			return rec, err
		}
		prog.Stopped = stoppedBy(rec.Account, camp)
		v.Progress = &prog
		for i := range v.Items {
			v.Items[i].Outcome = outcomes[v.Items[i].ID]
		}
	}
	rec.View = v
	if err := db.Where("proposal_id = ?", id).Order("part").Find(&rec.Posts).Error; err != nil {
		return rec, fmt.Errorf("bot: read the messages of proposal #%d: %w", id, err)
	}
	return rec, nil
}

// progress reads how far an approved proposal's actions have come, and
// each item's outcome. An item is sent when its last step is done, skipped
// or failed when any of its actions was, and waiting otherwise.
func (b *Bot) progress(ctx context.Context, proposalID int64) (Progress, map[int64]string, error) {
	var items []models.ProposalItem
	db := b.store.DB.WithContext(ctx)
	if err := db.Where("proposal_id = ? AND state <> ?", proposalID, models.ItemSkipped).Find(&items).Error; err != nil {
		return Progress{}, nil, fmt.Errorf("bot: read the items of proposal #%d: %w", proposalID, err)
	}
	var actions []models.Action
	err := db.Table("actions").Joins("JOIN proposal_items AS i ON i.id = actions.proposal_item_id").
		Where("i.proposal_id = ?", proposalID).Select("actions.*").Order("actions.step").Scan(&actions).Error
	if err != nil {
		return Progress{}, nil, fmt.Errorf("bot: read the actions of proposal #%d: %w", proposalID, err)
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
	for _, it := range items {
		acts := byItem[it.ID]
		outcome, reason, next, finished := itemOutcome(acts)
		outcomes[it.ID] = outcome
		switch outcome {
		case "sent":
			p.Sent++
		case "skipped":
			p.Skipped++
			skipReasons[reason]++
		case "failed":
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
	var sent []int64
	for _, it := range items {
		if outcomes[it.ID] == "sent" {
			sent = append(sent, it.ProspectID)
		}
	}
	if len(sent) > 0 {
		// An invited prospect now connected accepted this invitation: one
		// connected before it would have been skipped as already connected.
		var accepted int64
		err := db.Model(&models.Prospect{}).Where("id IN ? AND state = ?", sent, models.ProspectConnected).Count(&accepted).Error
		if err != nil {
			return Progress{}, nil, fmt.Errorf("bot: count the acceptances of proposal #%d: %w", proposalID, err)
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

// stoppedBy says why a batch of the account and campaign is held, or nil
// when both may act.
func stoppedBy(a models.Account, c models.Campaign) *Stopped {
	if a.State != models.AccountActive {
		return &Stopped{Account: a.Name, State: a.State, Reason: a.StateReason, Until: a.RestrictedUntil, PausedBy: a.PausedBy}
	}
	if c.State == models.CampaignPaused {
		return &Stopped{Account: a.Name, Campaign: c.Name, State: c.State, PausedBy: c.PausedBy}
	}
	return nil
}

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
			return "skipped", outcomeReason(a), nil, finished
		case models.ActionFailed:
			return "failed", outcomeReason(a), nil, finished
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
		return "sent", "", nil, finished
	}
	return "", "", next, finished
}

// outcomeReason words an action's outcome for people: already_connected →
// "already connected".
func outcomeReason(a models.Action) string {
	known := map[pacertype.Outcome]string{
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
	if r, ok := known[pacertype.Outcome(a.Outcome)]; ok {
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

func countReasons(m map[string]int) []ReasonCount {
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
	if len(out) == 0 {
		return nil
	}
	return out
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

// openProposals lists the proposals waiting for a decision.
func (b *Bot) openProposals(ctx context.Context) ([]OpenProposal, error) {
	var rows []struct {
		ID        int64
		Campaign  string
		Channel   string
		CreatedAt time.Time
		Items     int
	}
	err := b.store.DB.WithContext(ctx).Table("proposals AS p").
		Select("p.id, c.name AS campaign, p.channel, p.created_at, (SELECT COUNT(*) FROM proposal_items AS i WHERE i.proposal_id = p.id AND i.state <> ?) AS items", models.ItemSkipped).
		Joins("JOIN campaigns AS c ON c.id = p.campaign_id").
		Where("p.state = ?", models.ProposalOpen).Order("p.id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("bot: read open proposals: %w", err)
	}
	out := make([]OpenProposal, len(rows))
	for i, r := range rows {
		out[i] = OpenProposal{ID: r.ID, Campaign: r.Campaign, Channel: r.Channel, Items: r.Items, CreatedAt: r.CreatedAt}
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
		st := CampaignStatus{Name: c.Name, Account: c.Account, Channel: c.Channel, State: models.CampaignActive}
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
		}
		out = append(out, st)
	}
	return out, nil
}

// slackPost is a message the bot posted that it must find again: a
// proposal's follow-up messages (by part), and alerts and digests (by the
// event or day they belong to, so that a retried job posts nothing twice).
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

// posted reports whether key (an event id, "digest:2006-01-02") was already
// posted in channel.
func (b *Bot) posted(ctx context.Context, key, channel string) (bool, error) {
	var n int64
	err := b.store.DB.WithContext(ctx).Model(&slackPost{}).Where("event_id = ? AND channel = ?", key, channel).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("bot: read posted messages: %w", err)
	}
	return n > 0, nil
}

// recordPost remembers that key was posted in channel. A second record of
// the same post (two workers racing) is not an error.
func (b *Bot) recordPost(ctx context.Context, key, channel, ts string) error {
	post := slackPost{EventID: key, Channel: channel, TS: ts, CreatedAt: b.now().UTC()}
	err := b.store.DB.WithContext(ctx).Create(&post).Error
	if err != nil && !errors.Is(err, gorm.ErrDuplicatedKey) {
		return fmt.Errorf("bot: record a posted message: %w", err)
	}
	return nil
}

// setCampaignState pauses or resumes a campaign and records who did it in
// the audit trail, in one transaction.
func (b *Bot) setCampaignState(ctx context.Context, name string, pause bool, user string) error {
	state, kind, by := models.CampaignActive, models.DecisionResume, ""
	if pause {
		state, kind, by = models.CampaignPaused, models.DecisionPause, user
	}
	return b.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.Campaign{}).Where("name = ?", name).Updates(map[string]any{"state": state, "paused_by": by, "updated_at": b.now().UTC()})
		if res.Error != nil {
			return fmt.Errorf("bot: %s campaign %s: %w", kind, name, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("bot: campaign %s is not in the database yet; restart `pacer serve` to sync the configuration", name)
		}
		d := models.Decision{UserID: user, Kind: kind, Detail: "campaign " + name, At: b.now().UTC()}
		if err := tx.Create(&d).Error; err != nil {
			return fmt.Errorf("bot: record the %s of campaign %s: %w", kind, name, err)
		}
		return nil
	})
}
