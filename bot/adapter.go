package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/quota"
)

// CampaignProposer adapts the campaign package's Proposer to what the bot
// needs.
func CampaignProposer(p *campaign.Proposer) Proposer { return campaignProposer{p} }

type campaignProposer struct{ p *campaign.Proposer }

func (c campaignProposer) Propose(ctx context.Context, name string, n int) (int64, error) {
	b, err := c.p.Propose(ctx, name, n)
	if err != nil {
		return 0, err
	}
	return b.Proposal.ID, nil
}

func (c campaignProposer) Approve(ctx context.Context, id int64, version int, by string) error {
	_, err := c.p.Approve(ctx, id, version, by)
	return err
}

func (c campaignProposer) Reject(ctx context.Context, id int64, version int, by string) error {
	_, err := c.p.Reject(ctx, id, version, by)
	return err
}

func (c campaignProposer) Undo(ctx context.Context, id int64, version int, by string) error {
	_, err := c.p.Undo(ctx, id, version, by)
	return err
}

// SkipItem and EditNote carry the proposal's version the approver saw, as
// Approve and Reject do: a stale modal or button never overwrites a newer
// decision.
func (c campaignProposer) SkipItem(ctx context.Context, itemID int64, version int, by string) error {
	_, err := c.p.SkipItem(ctx, itemID, version, by)
	return err
}

func (c campaignProposer) EditNote(ctx context.Context, itemID int64, version int, by, note string) error {
	_, err := c.p.EditNote(ctx, itemID, version, by, note)
	return err
}

func (c campaignProposer) Finish(ctx context.Context, name string, now time.Time) (campaign.Finish, error) {
	return c.p.Finish(ctx, name, now)
}

func (c campaignProposer) Rehome(ctx context.Context, now time.Time) ([]int64, error) {
	res, err := c.p.Rehome(ctx, now)
	var ids []int64
	for _, r := range res {
		ids = append(ids, r.Proposals...)
	}
	return ids, err
}

// ProposeDue proposes for the campaigns due at now (see DueProposer).
func (c campaignProposer) ProposeDue(ctx context.Context, now time.Time) error {
	_, err := c.p.ProposeDue(ctx, now)
	return err
}

// Expire ends the proposals left undecided too long (see DueProposer).
func (c campaignProposer) Expire(ctx context.Context, now time.Time) ([]int64, error) {
	return c.p.Expire(ctx, now)
}

// DueProposer is a Proposer that also proposes by itself, on each
// campaign's schedule, and ends the proposals nobody decided in time; the
// bot's minutely job calls it before posting the proposals not yet in
// Slack.
type DueProposer interface {
	ProposeDue(ctx context.Context, now time.Time) error
	// Rehome moves the approved invitations of stopped senders of shared
	// campaigns (campaign.Proposer.Rehome) and returns the proposals whose
	// items moved or returned, whose messages the bot then updates.
	Rehome(ctx context.Context, now time.Time) ([]int64, error)
	// Expire returns the ids of the proposals it expired, whose messages
	// the bot then updates.
	Expire(ctx context.Context, now time.Time) ([]int64, error)
}

// QuotaEngine adapts the quota engine to what the bot needs.
func QuotaEngine(e *quota.Engine) Quota { return quotaEngine{e} }

type quotaEngine struct{ e *quota.Engine }

func (q quotaEngine) Usage(ctx context.Context, a models.Account, now time.Time) ([]Usage, error) {
	u, err := q.e.Usage(ctx, a.ID, now)
	if err != nil {
		return nil, err
	}
	out := make([]Usage, 0, len(u.Limits))
	for _, l := range u.Limits {
		v := Usage{Limit: l.Limit, Label: limitLabel(l), Used: l.Used, Max: l.Max}
		if !l.ResetAt.IsZero() {
			t := l.ResetAt
			v.ResetAt = &t
		}
		out = append(out, v)
	}
	// The network's ceilings: every pending invitation may still become a
	// connection, so the 30,000 counts them with the connections.
	connections := "Connections (read from LinkedIn)"
	if u.ConnectionsReadAt.IsZero() {
		connections = "Connections (not read from LinkedIn yet)"
	}
	out = append(out,
		Usage{Limit: LimitConnections, Label: connections + " and pending invitations", Used: u.Connections + u.PendingInvites, Max: u.MaxConnections},
		Usage{Limit: LimitPending, Label: "Pending invitations", Used: u.PendingInvites, Max: u.PendingStop})
	return out, nil
}

func (q quotaEngine) Forecast(ctx context.Context, a models.Account, n int, now time.Time) (string, error) {
	f, err := q.e.Forecast(ctx, a.ID, quota.KindInvite, n, now)
	if err != nil {
		return "", err
	}
	return f.Summary(), nil
}

func (q quotaEngine) Pause(ctx context.Context, a models.Account, by string) error {
	return q.e.Pause(ctx, a.ID, by, "paused in Slack")
}

func (q quotaEngine) Resume(ctx context.Context, a models.Account, by string) error {
	err := q.e.Resume(ctx, a.ID, by)
	if errors.Is(err, quota.ErrRestricted) {
		return &userError{msg: fmt.Sprintf("%s is restricted by LinkedIn until its reset and resumes by itself then; nothing changed", a.Name), err: err}
	}
	return err
}

func (q quotaEngine) StopAll(ctx context.Context, by string) (Switched, error) {
	res, err := q.e.StopAll(ctx, by)
	return switched(res), err
}

func (q quotaEngine) ResumeAll(ctx context.Context, by string) (Switched, error) {
	res, err := q.e.ResumeAll(ctx, by)
	return switched(res), err
}

func switched(res quota.StopResult) Switched {
	s := Switched{Changed: res.Changed}
	for _, a := range res.Left {
		s.Left = append(s.Left, AccountStatus{Name: a.Name, State: a.State, StateReason: a.Reason, PausedBy: a.PausedBy})
	}
	return s
}

// limitLabel names a limit for people.
func limitLabel(l quota.LimitUsage) string {
	switch l.Limit {
	case quota.LimitInvitesPerWeek:
		if l.Window == quota.WindowAnchored {
			return "Invitations (this week)"
		}
		return "Invitations (7 days)"
	case quota.LimitInvitesPerDay:
		return "Invitations today"
	case quota.LimitNotesPerMonth:
		return "Notes this month"
	case quota.LimitProfileViewsPerDay:
		return "Profile views today"
	case quota.LimitActionsPerDay:
		return "Actions today"
	case quota.LimitEventInvitesPerWeek:
		return "Event invitations (7 days)"
	case quota.LimitWithdrawalsPerDay:
		return "Withdrawals today"
	case quota.LimitMessagesPerDay:
		return "Messages today"
	}
	return l.Limit + " (" + l.Window + ")"
}

// userError is an error whose message is written for the person in Slack.
type userError struct {
	msg string
	err error
}

func (e *userError) Error() string { return e.msg }
func (e *userError) Unwrap() error { return e.err }
