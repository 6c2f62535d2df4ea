package campaign

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
)

// Triggers of automatic proposals.
const (
	// TriggerSchedule: the campaign's propose_at time has come today.
	TriggerSchedule = "schedule"
	// TriggerLowQueue: the account's approved queue holds less than one day
	// of invitations.
	TriggerLowQueue = "low_queue"
	// TriggerFollowUps: follow-up messages of the campaign are due.
	TriggerFollowUps = "follow_ups"
)

// DueResult is what ProposeDue did for one campaign it found due.
type DueResult struct {
	Campaign string
	Trigger  string
	// Batch is the new proposal, for the bot to post; nil when Err is set.
	Batch *Batch
	// Err says why nothing was proposed: ErrNoCapacity, ErrQueueEmpty,
	// ErrQueueTidied, ErrNoNotesLeft and ErrOpenProposal are ordinary;
	// others are failures.
	Err error
}

// ProposeDue proposes a batch for every campaign that is due at now, and is
// meant to run every few minutes (a River periodic job on the elected
// leader), after Rehome, so that what a stopped sender's batch returned to
// the queue is proposed in the same pass. A campaign is due for one of its
// senders (each is asked apart) on a working day of that account when the
// account's approved queue (scheduled invitations) holds less than one day
// of its invitation quota, and:
//
//   - with propose_at set: at or after that time (account's timezone), once
//     a day — the first time the queue is short after it;
//   - without: during the account's working hours, when the campaign's last
//     proposal is older than Options.LowQueueInterval (so a rejected batch
//     is not followed by another at once).
//
// Paused campaigns, inactive accounts and a sender with an open proposal
// of the campaign are never due. Per-campaign failures are reported in the
// results; the error is for the context only.
func (p *Proposer) ProposeDue(ctx context.Context, now time.Time) ([]DueResult, error) {
	var out []DueResult
	for _, cc := range p.cfg.Campaigns {
		for _, sender := range cc.SenderNames() {
			if err := ctx.Err(); err != nil {
				return out, err
			}
			out = append(out, p.proposeDueFor(ctx, cc, sender, now)...)
		}
	}
	return out, nil
}

// proposeDueFor proposes what is due of the campaign for one of its
// senders: follow-ups to those it connected with, and invitations.
func (p *Proposer) proposeDueFor(ctx context.Context, cc config.Campaign, sender string, now time.Time) []DueResult {
	var out []DueResult
	if len(cc.FollowUps) > 0 {
		out = append(out, p.followUpsDue(ctx, cc.Name, sender, now)...)
	}
	log := p.logger.With(slog.String("campaign", cc.Name), slog.String("sender", sender))
	trigger, err := p.due(ctx, cc, sender, now)
	if err != nil {
		log.Warn("campaign: cannot tell whether a proposal is due", slog.Any("error", err))
		return append(out, DueResult{Campaign: cc.Name, Err: err})
	}
	if trigger == "" {
		return out
	}
	b, err := p.proposeDue(ctx, cc.Name, sender, now)
	switch {
	case err == nil:
		log.Info("campaign: proposed a batch", slog.String("trigger", trigger),
			slog.Int64("proposal", b.Proposal.ID), slog.Int("items", len(b.Items)))
	case errors.Is(err, ErrNoCapacity), errors.Is(err, ErrQueueEmpty), errors.Is(err, ErrQueueTidied), errors.Is(err, ErrNoNotesLeft), errors.Is(err, ErrOpenProposal):
		log.Debug("campaign: nothing to propose", slog.String("trigger", trigger), slog.Any("reason", err))
	default:
		log.Warn("campaign: proposal failed", slog.String("trigger", trigger), slog.Any("error", err))
	}
	return append(out, DueResult{Campaign: cc.Name, Trigger: trigger, Batch: b, Err: err})
}

// followUpsDue proposes the campaign's due follow-up messages, if any and
// none are waiting for a decision.
func (p *Proposer) followUpsDue(ctx context.Context, name, sender string, now time.Time) []DueResult {
	b, err := p.proposeFollowUps(ctx, name, sender, 0, now)
	switch {
	case err == nil:
		p.logger.Info("campaign: proposed follow-up messages", slog.String("campaign", name),
			slog.Int64("proposal", b.Proposal.ID), slog.Int("items", len(b.Items)))
	case errors.Is(err, ErrNoFollowUps), errors.Is(err, ErrOpenProposal), errors.Is(err, ErrNoCapacity),
		errors.Is(err, ErrCampaignPaused), errors.Is(err, ErrAccountUnavailable):
		return nil
	default:
		p.logger.Warn("campaign: proposing follow-up messages failed", slog.String("campaign", name), slog.Any("error", err))
	}
	return []DueResult{{Campaign: name, Trigger: TriggerFollowUps, Batch: b, Err: err}}
}

// due returns the trigger that makes the campaign due now for the sender,
// or "".
func (p *Proposer) due(ctx context.Context, cc config.Campaign, sender string, now time.Time) (string, error) {
	db := p.store.DB.WithContext(ctx)
	s, err := p.loadSetup(ctx, db, cc.Name, sender)
	if err != nil {
		return "", err
	}
	if s.campaign.State != models.CampaignActive || s.account.State != models.AccountActive {
		return "", nil
	}
	var open int64
	if err := db.Model(&models.Proposal{}).Where("campaign_id = ? AND kind = ? AND account_id = ? AND state = ?", s.campaign.ID, models.ProposalInvites, s.account.ID, models.ProposalOpen).Count(&open).Error; err != nil {
		return "", fmt.Errorf("campaign: read open proposals: %w", err)
	}
	if open > 0 {
		return "", nil
	}
	loc := s.acct.Location()
	local := now.In(loc)
	if !workingDay(s.acct.WorkingHours, local) {
		return "", nil
	}
	var last models.Proposal
	lastAt := time.Time{}
	if err := db.Where("campaign_id = ? AND account_id = ?", s.campaign.ID, s.account.ID).Order("created_at DESC").Limit(1).Find(&last).Error; err != nil {
		return "", fmt.Errorf("campaign: read the last proposal: %w", err)
	}
	if last.ID != 0 {
		lastAt = last.CreatedAt
	}
	var queued int64
	err = db.Model(&models.Action{}).Where("account_id = ? AND kind = ? AND state IN ?",
		s.account.ID, models.ActionInvite, []string{models.ActionScheduled, models.ActionInFlight}).Count(&queued).Error
	if err != nil {
		return "", fmt.Errorf("campaign: count the approved queue: %w", err)
	}
	if int(queued) >= deref(s.limits.InvitesPerDay) {
		return "", nil // a day of approved invitations is waiting: no hurry
	}
	if at, ok := clockOn(local, cc.ProposeAt); ok {
		if !local.Before(at) && lastAt.Before(at) {
			return TriggerSchedule, nil
		}
		return "", nil
	}
	start, okStart := clockOn(local, s.acct.WorkingHours.Start)
	end, okEnd := clockOn(local, s.acct.WorkingHours.End)
	if !okStart || !okEnd || local.Before(start) || !local.Before(end) {
		return "", nil
	}
	if !lastAt.IsZero() && now.Sub(lastAt) < p.interval {
		return "", nil
	}
	return TriggerLowQueue, nil
}

// workingDay reports whether local falls on one of the working days.
func workingDay(wh config.WorkingHours, local time.Time) bool {
	days := wh.Days
	if len(days) == 0 {
		days = []string{"mon", "tue", "wed", "thu", "fri"}
	}
	day := strings.ToLower(local.Weekday().String()[:3])
	return slices.ContainsFunc(days, func(d string) bool { return strings.EqualFold(d, day) })
}

// clockOn returns the instant of "HH:MM" on local's day, in local's zone.
func clockOn(local time.Time, hhmm string) (time.Time, bool) {
	if hhmm == "" {
		return time.Time{}, false
	}
	t, err := time.Parse("15:04", hhmm)
	if err != nil {
		return time.Time{}, false
	}
	return time.Date(local.Year(), local.Month(), local.Day(), t.Hour(), t.Minute(), 0, 0, local.Location()), true
}
