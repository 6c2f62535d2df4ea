package runner

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
)

// SweepArgs is the periodic job that queues a scan of Target for every
// account it concerns: TargetConnections, for the accounts with invitations
// pending, finds acceptances; TargetSent (once a day) finds invitations to
// withdraw and proves the delivery of those sent, after a scan of the
// acceptances; TargetMessages, for the accounts with follow-up messages
// awaiting a reply, finds the prospects who replied. The scans are actions
// like any other: the runner carries them out under the account's lease,
// within its working hours and its all-actions limit.
type SweepArgs struct {
	// Target is TargetConnections, TargetSent or TargetMessages.
	Target string `json:"target"`
}

// Kind names the job.
func (SweepArgs) Kind() string { return "runner.sweep" }

// PeriodicJobs are the runner's periodic jobs, which River runs on its
// elected leader only: an acceptance scan and a reply scan every ScanEvery,
// and a sweep of stale invitations every SweepEvery.
func (r *Runner) PeriodicJobs() []*river.PeriodicJob {
	job := func(target string, every time.Duration) *river.PeriodicJob {
		return river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
			return SweepArgs{Target: target}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: every}}
		}, &river.PeriodicJobOpts{ID: "runner.sweep." + target, RunOnStart: true})
	}
	return []*river.PeriodicJob{job(TargetConnections, r.opts.ScanEvery), job(TargetSent, r.opts.SweepEvery),
		job(TargetMessages, r.opts.ScanEvery)}
}

// SweepWorker works SweepArgs jobs.
func (r *Runner) SweepWorker() river.Worker[SweepArgs] { return &sweepWorker{r: r} }

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	r *Runner
}

// Work queues the scans. The daily sweep of the Sent page comes after a
// scan of the acceptances (queued first, so taken first): its proof of
// delivery must not take an invitation accepted since the last scan for
// a missing one.
func (w *sweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) error {
	if job.Args.Target == TargetSent {
		if _, err := w.r.QueueScans(ctx, TargetConnections); err != nil {
			return err
		}
	}
	n, err := w.r.QueueScans(ctx, job.Args.Target)
	if err == nil && n > 0 {
		w.r.Wake()
	}
	return err
}

// QueueScans queues a scan of target (TargetConnections, TargetSent or
// TargetMessages) for every account that may act and that the scan
// concerns (scanFor), unless one is already waiting. It returns how many
// accounts it considered.
func (r *Runner) QueueScans(ctx context.Context, target string) (int, error) {
	now := r.now()
	cond, args, err := scanFor(target, now)
	if err != nil {
		return 0, err
	}
	var accounts []models.Account
	err = r.store.DB.WithContext(ctx).
		Where("state = ? OR (state = ? AND restricted_until IS NOT NULL)", models.AccountActive, models.AccountRestricted).
		Where(`EXISTS (SELECT 1 FROM actions a JOIN prospects p ON p.id = a.prospect_id
			WHERE a.account_id = accounts.id AND `+cond+`)`, args...).
		Find(&accounts).Error
	if err != nil {
		return 0, fmt.Errorf("runner: read the accounts to scan: %w", err)
	}
	n := 0
	for _, a := range accounts {
		if _, ok := r.cfg.Account(a.Name); !ok {
			continue
		}
		chore := action{Action: models.Action{AccountID: a.ID, Kind: models.ActionScan, ScheduledAt: now,
			State: stateScheduled, CreatedAt: now, UpdatedAt: now}, Target: target}
		if err := insertChore(ctx, r.store.DB, chore); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// scanFor is the condition on "actions AS a" joined with "prospects AS p"
// for an action that makes a scan of target worth its page load: an
// invitation still pending (the connections, the sent invitations), or a
// follow-up message awaiting a reply (the messaging list).
func scanFor(target string, now time.Time) (string, []any, error) {
	switch target {
	case TargetConnections, TargetSent:
		return "a.kind = ? AND a.state = ? AND p.state = ?", []any{models.ActionInvite, models.ActionDone, models.ProspectPending}, nil
	case TargetMessages:
		cond, args := awaitingReply(now)
		return cond, args, nil
	}
	return "", nil, fmt.Errorf("runner: no scan of %q; scan %s, %s or %s", target, TargetConnections, TargetSent, TargetMessages)
}

// countEvery is how often the runner reads an account's connection count
// from LinkedIn, for the connection ceiling.
const countEvery = 24 * time.Hour

// queueCountRead queues a scan of the account's connections when its count
// was never read from LinkedIn (a new account, a new sign-in) or was read a
// day ago or more: the scan is an action like any other, paced and counted.
func (w *worker) queueCountRead(ctx context.Context) error {
	r := w.r
	now := r.now()
	var stale int64
	err := r.store.DB.WithContext(ctx).Table("accounts").
		Where("id = ? AND (connections_read_at IS NULL OR connections_read_at <= ?)", w.id, now.Add(-countEvery)).Count(&stale).Error
	if err != nil || stale == 0 {
		return err
	}
	return insertChore(ctx, r.store.DB, action{Action: models.Action{AccountID: w.id, Kind: models.ActionScan, ScheduledAt: now,
		State: stateScheduled, CreatedAt: now, UpdatedAt: now}, Target: TargetConnections})
}

// invitedRow is a pending prospect with the invitation the account sent
// them.
type invitedRow struct {
	models.Prospect
	InviteCampaignID *int64
	SentAt           *time.Time
}

// invited returns, by slug, the account's pending prospects among slugs,
// each with the latest invitation the account sent them.
func (rec *recorder) invited(slugs []string) (map[string]invitedRow, error) {
	out := map[string]invitedRow{}
	for chunk := range slices.Chunk(slugs, 500) {
		var rows []invitedRow
		err := rec.tx.Table("prospects AS p").
			Select("p.*, a.campaign_id AS invite_campaign_id, a.finished_at AS sent_at").
			Joins("JOIN actions a ON a.prospect_id = p.id").
			Where("a.account_id = ? AND a.kind = ? AND a.state = ?", rec.j.acct.ID, models.ActionInvite, models.ActionDone).
			Where("p.state = ? AND p.slug IN ?", models.ProspectPending, chunk).
			Order("a.finished_at DESC, a.id DESC").Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("runner: read the invited prospects: %w", err)
		}
		for _, row := range rows {
			if _, seen := out[row.Slug]; !seen {
				out[row.Slug] = row
			}
		}
	}
	return out, nil
}

// campaignOf reads a campaign, or nil.
func (rec *recorder) campaignOf(id *int64) (*models.Campaign, error) {
	if id == nil {
		return nil, nil
	}
	var c models.Campaign
	if err := rec.tx.Take(&c, *id).Error; err != nil {
		return nil, fmt.Errorf("runner: read campaign %d: %w", *id, err)
	}
	return &c, nil
}

// acceptances records the account's invitations that the connections page
// shows accepted (a prospect already connected records nothing, so a
// second scan adds nothing), and the page's count of all the account's
// connections, which the connection ceiling counts from.
func (rec *recorder) acceptances(list executor.ConnectionList) (string, error) {
	conns := list.Connections
	slugs := make([]string, 0, len(conns))
	for _, c := range conns {
		if c.Slug != "" {
			slugs = append(slugs, strings.ToLower(c.Slug))
		}
	}
	invited, err := rec.invited(slugs)
	if err != nil {
		return "", err
	}
	accepted := 0
	for _, slug := range slugs {
		row, ok := invited[slug]
		if !ok {
			continue
		}
		delete(invited, slug)
		ok, err := rec.accept(row)
		if err != nil {
			return "", err
		}
		if ok {
			accepted++
		}
	}
	if err := rec.acceptedCount(accepted); err != nil {
		return "", err
	}
	summary := fmt.Sprintf("%d of %d connections listed are new acceptances", accepted, len(conns))
	if list.Total < 0 {
		return summary + "; the page shows no count of all the connections", nil
	}
	if err := rec.w.r.quota.ConnectionsReadTx(rec.ctx, rec.tx, rec.j.acct.ID, list.Total, rec.now); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s; %d connections in all", summary, list.Total), nil
}

// accept records that a pending prospect accepted the account's invitation:
// connected, one invite.accepted, and a contact-info read queued for the
// campaigns that find emails that way. It reports false when the prospect
// is no longer pending (the acceptance was recorded before).
func (rec *recorder) accept(row invitedRow) (bool, error) {
	res := rec.tx.Table("prospects").Where("id = ? AND state = ?", row.ID, models.ProspectPending).
		Updates(map[string]any{"state": models.ProspectConnected, "connected_at": rec.now, "updated_at": rec.now})
	if res.Error != nil {
		return false, fmt.Errorf("runner: record the acceptance of %s: %w", row.Slug, res.Error)
	}
	if res.RowsAffected == 0 {
		return false, nil
	}
	// An acceptance proves the invitation was delivered.
	if err := rec.tx.Table("actions").Where("account_id = ? AND prospect_id = ? AND kind = ? AND state = ? AND delivery <> ?",
		rec.j.acct.ID, row.ID, models.ActionInvite, models.ActionDone, models.DeliveryConfirmed).
		Updates(map[string]any{"delivery": models.DeliveryConfirmed, "delivery_checked_at": rec.now}).Error; err != nil {
		return false, fmt.Errorf("runner: record the delivery of %s: %w", row.Slug, err)
	}
	p := row.Prospect
	p.State, p.ConnectedAt = models.ProspectConnected, &rec.now
	c, err := rec.campaignOf(row.InviteCampaignID)
	if err != nil {
		return false, err
	}
	if err := rec.eventAbout(pacertype.EventInviteAccepted, &p, c, nil, models.EventData{SentAt: row.SentAt}); err != nil {
		return false, err
	}
	if c == nil || p.Email != "" {
		return true, nil
	}
	if cc, ok := rec.w.r.cfg.Campaign(c.Name); ok && cc.FindEmail == pacertype.FinderContactInfo {
		read := action{Action: models.Action{AccountID: rec.j.acct.ID, CampaignID: &c.ID, ProspectID: &p.ID,
			Kind: models.ActionReadInfo, ScheduledAt: rec.now, State: stateScheduled, CreatedAt: rec.now, UpdatedAt: rec.now}}
		if err := insertChore(rec.ctx, rec.tx, read); err != nil {
			return false, err
		}
	}
	return true, nil
}

// acceptedCount moves n recorded acceptances from the account's pending
// invitations to its connections, and has the acceptance guard judge the
// account again.
func (rec *recorder) acceptedCount(n int) error {
	if n == 0 {
		return nil
	}
	if err := rec.network(n, -n); err != nil {
		return err
	}
	_, err := rec.w.r.quota.EvaluateGuardTx(rec.ctx, rec.tx, rec.j.acct.ID)
	return err
}

// stale records the account's pending invitations as the sent-invitations
// page shows them, and queues the withdrawal of those pending for 21 days
// or more (at most 20 a sweep, the oldest first), never of one whose age
// is unknown.
//
// LinkedIn lists that page newest first, a page at a time. The invitations
// Pacer sent that it does not list are either on a later page or accepted
// since the last acceptance scan (or withdrawn outside Pacer): they are
// kept in the count (the acceptance scan takes each off when it records
// it; dropped here as well, it would be taken off twice), and those sent
// 21 days ago or more, by Pacer's own record, are stale too.
func (rec *recorder) stale(list executor.SentList) (string, error) {
	sent := list.Invitations
	var acct models.Account
	if err := rec.tx.Take(&acct, rec.j.acct.ID).Error; err != nil {
		return "", fmt.Errorf("runner: read the account: %w", err)
	}
	listed := make(map[string]bool, len(sent))
	for _, s := range sent {
		listed[strings.ToLower(s.Slug)] = true
	}
	pending, err := rec.sentByPacer()
	if err != nil {
		return "", err
	}
	var old, unlisted []executor.SentInvitation
	for _, s := range sent {
		if s.AgeKnown && s.Age >= StaleAfter && s.Slug != "" {
			old = append(old, s)
		}
	}
	for _, p := range pending {
		if listed[p.Slug] {
			continue
		}
		unlisted = append(unlisted, p)
		if p.AgeKnown && p.Age >= StaleAfter {
			old = append(old, p)
		}
	}
	// The page's own count covers its later pages, invitations sent by hand
	// included; the larger figure is the safe one for the pending
	// thresholds.
	count := max(len(sent)+len(unlisted), list.Total)
	if err := rec.w.r.quota.SetNetworkTx(rec.ctx, rec.tx, acct.ID, acct.Connections, count); err != nil {
		return "", err
	}
	slices.SortStableFunc(old, func(a, b executor.SentInvitation) int { return cmp.Compare(b.Age, a.Age) })
	slugs := make([]string, len(old))
	for i, s := range old {
		slugs[i] = strings.ToLower(s.Slug)
	}
	invited, err := rec.invitedOrKnown(slugs)
	if err != nil {
		return "", err
	}
	queued := 0
	for _, slug := range slugs {
		row, ok := invited[slug]
		if !ok || queued >= withdrawalsPerSweep {
			continue
		}
		w := action{Action: models.Action{AccountID: acct.ID, CampaignID: row.InviteCampaignID, ProspectID: &row.ID,
			Kind: models.ActionWithdraw, ScheduledAt: rec.now, State: stateScheduled, CreatedAt: rec.now, UpdatedAt: rec.now}, Target: TargetStale}
		if err := insertChore(rec.ctx, rec.tx, w); err != nil {
			return "", err
		}
		queued++
	}
	return fmt.Sprintf("%d invitations listed of %d; %d pending 21 days or older; %d withdrawals queued",
		len(sent), count, len(old), queued), nil
}

// sentByPacer returns the prospects the account invited through Pacer that
// are still pending in the store, each with the age of its latest
// invitation (a prospect invited again after a withdrawal counts once).
func (rec *recorder) sentByPacer() ([]executor.SentInvitation, error) {
	var rows []struct {
		Slug   string
		SentAt *time.Time
	}
	err := rec.tx.Table("prospects AS p").Select("p.slug, a.finished_at AS sent_at").
		Joins("JOIN actions a ON a.prospect_id = p.id").
		Where("a.account_id = ? AND a.kind = ? AND a.state = ?", rec.j.acct.ID, models.ActionInvite, models.ActionDone).
		Where("p.state = ?", models.ProspectPending).
		Order("a.finished_at DESC, a.id DESC").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("runner: read the pending prospects: %w", err)
	}
	seen := make(map[string]bool, len(rows))
	var out []executor.SentInvitation
	for _, r := range rows {
		if seen[r.Slug] {
			continue
		}
		seen[r.Slug] = true
		inv := executor.SentInvitation{Slug: r.Slug}
		if r.SentAt != nil {
			inv.Age, inv.AgeKnown = rec.now.Sub(*r.SentAt), true
		}
		out = append(out, inv)
	}
	return out, nil
}

// invitedOrKnown is invited, extended to pending prospects the account did
// not invite through Pacer (an invitation found already pending).
func (rec *recorder) invitedOrKnown(slugs []string) (map[string]invitedRow, error) {
	out, err := rec.invited(slugs)
	if err != nil {
		return nil, err
	}
	for chunk := range slices.Chunk(slugs, 500) {
		var rows []models.Prospect
		if err := rec.tx.Where("state = ? AND slug IN ?", models.ProspectPending, chunk).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("runner: read the pending prospects: %w", err)
		}
		for _, p := range rows {
			if _, ok := out[p.Slug]; !ok {
				out[p.Slug] = invitedRow{Prospect: p}
			}
		}
	}
	return out, nil
}

// withdrawn records a stale invitation withdrawn: the prospect is
// withdrawn (LinkedIn blocks a new invitation for 21 days, and so does the
// quota), once.
func (rec *recorder) withdrawn() error {
	j := rec.j
	p := j.prospect
	res := rec.tx.Table("prospects").Where("id = ? AND state = ?", p.ID, models.ProspectPending).
		Updates(map[string]any{"state": models.ProspectWithdrawn, "withdrawn_at": rec.now, "updated_at": rec.now})
	if res.Error != nil {
		return fmt.Errorf("runner: record the withdrawal from %s: %w", p.Slug, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil
	}
	sentAt := p.InvitedAt
	p.State, p.WithdrawnAt = models.ProspectWithdrawn, &rec.now
	if err := rec.event(pacertype.EventInviteWithdrawn, true, models.EventData{Reason: withdrawStale, SentAt: sentAt}); err != nil {
		return err
	}
	if err := rec.network(0, -1); err != nil {
		return err
	}
	_, err := rec.w.r.quota.EvaluateGuardTx(rec.ctx, rec.tx, j.acct.ID)
	return err
}

// emailFound stores the email a contact-info read found, with one
// email.found, unless the prospect already has one.
func (rec *recorder) emailFound(email string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	at := strings.LastIndexByte(email, '@')
	if at <= 0 {
		return nil
	}
	p := rec.j.prospect
	res := rec.tx.Table("prospects").Where("id = ? AND email = ?", p.ID, "").
		Updates(map[string]any{"email": email, "email_domain": email[at+1:], "updated_at": rec.now})
	if res.Error != nil {
		return fmt.Errorf("runner: store the email of %s: %w", p.Slug, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil
	}
	p.Email, p.EmailDomain = email, email[at+1:]
	return rec.event(pacertype.EventEmailFound, true, models.EventData{Source: pacertype.FinderContactInfo})
}

// eventAbout records an event about a prospect other than the action's,
// naming the proposal (nil for none) whose Slack thread it concerns.
func (rec *recorder) eventAbout(typ pacertype.EventType, p *models.Prospect, c *models.Campaign, proposalID *int64, data models.EventData) error {
	refs := models.EventRefs{AccountID: &rec.j.acct.ID, ProspectID: &p.ID, ProposalID: proposalID}
	data.Account = rec.j.acct.Name
	data.Prospect = models.ProspectForEvent(*p)
	if c != nil {
		refs.CampaignID = &c.ID
		data.Campaign = c.Name
	}
	_, err := rec.w.r.store.RecordEvent(rec.ctx, rec.tx, typ, refs, data)
	return err
}

// proofWindow is how far back the daily reconcile looks: older invitations
// are withdrawn as stale (StaleAfter) by then.
const proofWindow = StaleAfter

// proveDelivery reconciles the invitations the account sent through Pacer
// with the Sent invitations page: each one listed there, or accepted since,
// is confirmed; each one the page would list (it lists newest first, so it
// reaches back to its oldest row, or to every invitation when it shows them
// all) and does not is missing, and the newly missing raise one alert that
// names them. "Sent" must mean delivered: a missing invitation is never
// sent again by itself, a person looks first.
func (rec *recorder) proveDelivery(list executor.SentList) (string, error) {
	var rows []struct {
		ID         int64
		ProspectID int64
		Slug       string
		FirstName  string
		LastName   string
		State      string
		Delivery   string
		FinishedAt time.Time
	}
	err := rec.tx.Table("actions AS a").
		Select("a.id, a.prospect_id, p.slug, p.first_name, p.last_name, p.state, a.delivery, a.finished_at").
		Joins("JOIN prospects p ON p.id = a.prospect_id").
		Where("a.account_id = ? AND a.kind = ? AND a.state = ? AND a.finished_at >= ?",
			rec.j.acct.ID, models.ActionInvite, models.ActionDone, rec.now.Add(-proofWindow)).
		Order("a.finished_at DESC, a.id DESC").Scan(&rows).Error
	if err != nil {
		return "", fmt.Errorf("runner: read the invitations to reconcile: %w", err)
	}
	listed := make(map[string]bool, len(list.Invitations))
	for _, s := range list.Invitations {
		listed[strings.ToLower(s.Slug)] = true
	}
	reaches := sentPageReach(list)
	var confirmed, missing []int64
	var names []string
	seen := map[int64]bool{}
	for _, r := range rows {
		// Only a prospect's latest invitation can be pending (an earlier
		// one was withdrawn).
		if seen[r.ProspectID] || r.Delivery == models.DeliveryConfirmed {
			seen[r.ProspectID] = true
			continue
		}
		seen[r.ProspectID] = true
		switch {
		case listed[r.Slug] || r.State == models.ProspectConnected || r.State == models.ProspectWithdrawn:
			confirmed = append(confirmed, r.ID)
		case r.State == models.ProspectPending && reaches(rec.now.Sub(r.FinishedAt)):
			missing = append(missing, r.ID)
			if r.Delivery != models.DeliveryMissing {
				names = append(names, strings.TrimSpace(r.FirstName+" "+r.LastName+" ("+r.Slug+")"))
			}
		}
	}
	for state, ids := range map[string][]int64{models.DeliveryConfirmed: confirmed, models.DeliveryMissing: missing} {
		for chunk := range slices.Chunk(ids, 500) {
			if err := rec.tx.Table("actions").Where("id IN ?", chunk).
				Updates(map[string]any{"delivery": state, "delivery_checked_at": rec.now}).Error; err != nil {
				return "", fmt.Errorf("runner: record the delivery of %d invitations: %w", len(chunk), err)
			}
		}
	}
	if len(names) > 0 {
		if err := rec.event(pacertype.EventDeliveryMissing, false, models.EventData{Names: names, Count: len(names)}); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("%d invitations confirmed on LinkedIn, %d missing from the Sent page", len(confirmed), len(missing)), nil
}

// sentPageReach tells whether the Sent page, as read, would list an
// invitation sent age ago: every one when it shows them all, else those
// younger than its oldest row (whose age it words coarsely, "3 days ago",
// so a younger one is surely above it). An unreadable page reaches none.
func sentPageReach(list executor.SentList) func(age time.Duration) bool {
	if list.Total == 0 || (list.Total > 0 && len(list.Invitations) >= list.Total) {
		return func(time.Duration) bool { return true }
	}
	oldest, known := time.Duration(0), false
	for _, s := range list.Invitations {
		if s.AgeKnown && s.Age >= oldest {
			oldest, known = s.Age, true
		}
	}
	return func(age time.Duration) bool { return known && age < oldest }
}
