package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/slack-go/slack"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/models"
)

// slackQueue is the River queue of everything the bot sends: Slack's
// deliveries and the bot's own jobs, so that a slow CRM never delays them.
var slackQueue = models.DeliveryQueue(models.DestinationSlack)

// jobTimeout bounds one job's work: a few Web API calls and queries.
const jobTimeout = time.Minute

// ProgressArgs is a progress card update deferred to the end of its
// interval. Slot (Unix seconds) makes one job per card and interval.
type ProgressArgs struct {
	ProposalID int64 `json:"proposal_id"`
	Slot       int64 `json:"slot"`
}

// Kind names the job.
func (ProgressArgs) Kind() string { return "bot.progress" }

// ProgressWorker works deferred progress card updates.
type ProgressWorker struct {
	river.WorkerDefaults[ProgressArgs]
	bot *Bot
}

// Work updates the card, or defers again when another update came first.
func (w *ProgressWorker) Work(ctx context.Context, job *river.Job[ProgressArgs]) error {
	return jobError(w.bot.progressTick(ctx, job.Args.ProposalID))
}

// Timeout bounds one update.
func (w *ProgressWorker) Timeout(*river.Job[ProgressArgs]) time.Duration { return jobTimeout }

// DigestArgs is the daily digest of one day (the team's local date,
// 2006-01-02): unique by day, so that it is inserted once even when the
// River leader changes at the wrong moment.
type DigestArgs struct {
	Day string `json:"day"`
}

// Kind names the job.
func (DigestArgs) Kind() string { return "bot.digest" }

// DigestWorker posts the daily digests.
type DigestWorker struct {
	river.WorkerDefaults[DigestArgs]
	bot *Bot
}

// Work posts the day's digest in every campaign channel that has not had it.
func (w *DigestWorker) Work(ctx context.Context, job *river.Job[DigestArgs]) error {
	return jobError(w.bot.postDigests(ctx, job.Args.Day))
}

// Timeout bounds the digests.
func (w *DigestWorker) Timeout(*river.Job[DigestArgs]) time.Duration { return 5 * time.Minute }

// PostProposalsArgs posts the proposals stored but not yet in Slack: those
// the campaign package made by itself, and those whose first post failed.
type PostProposalsArgs struct{}

// Kind names the job.
func (PostProposalsArgs) Kind() string { return "bot.post_proposals" }

// PostProposalsWorker posts pending proposals.
type PostProposalsWorker struct {
	river.WorkerDefaults[PostProposalsArgs]
	bot *Bot
}

// Work posts every open proposal that has no message.
func (w *PostProposalsWorker) Work(ctx context.Context, _ *river.Job[PostProposalsArgs]) error {
	return jobError(w.bot.postPending(ctx))
}

// Timeout bounds one pass.
func (w *PostProposalsWorker) Timeout(*river.Job[PostProposalsArgs]) time.Duration {
	return 5 * time.Minute
}

// ProgressWorker returns the worker of deferred progress card updates.
func (b *Bot) ProgressWorker() *ProgressWorker { return &ProgressWorker{bot: b} }

// DigestWorker returns the worker of the daily digests.
func (b *Bot) DigestWorker() *DigestWorker { return &DigestWorker{bot: b} }

// PostProposalsWorker returns the worker that posts pending proposals.
func (b *Bot) PostProposalsWorker() *PostProposalsWorker { return &PostProposalsWorker{bot: b} }

// Queues are the River queues the bot's jobs run on, for the River client's
// configuration.
func (b *Bot) Queues() map[string]river.QueueConfig {
	return map[string]river.QueueConfig{slackQueue: {MaxWorkers: 5}}
}

// PeriodicJobs are the bot's periodic jobs: the daily digest at
// slack.digest_time in the team's timezone, the weekly campaign digest on
// Mondays at the same time, and a minutely pass that posts
// proposals not yet in Slack, expires and reminds. River runs them on its elected leader only.
func (b *Bot) PeriodicJobs() []*river.PeriodicJob {
	hour, minute := parseClock(b.cfg.Slack.DigestTime)
	loc := b.loc
	return []*river.PeriodicJob{
		river.NewPeriodicJob(dailyAt{hour: hour, minute: minute, loc: loc}, func() (river.JobArgs, *river.InsertOpts) {
			return DigestArgs{Day: b.now().In(loc).Format(time.DateOnly)},
				&river.InsertOpts{Queue: slackQueue, UniqueOpts: river.UniqueOpts{ByArgs: true}}
		}, &river.PeriodicJobOpts{ID: "bot.digest"}),
		b.weeklyDigestJob(hour, minute),
		river.NewPeriodicJob(river.PeriodicInterval(b.passEvery), func() (river.JobArgs, *river.InsertOpts) {
			return PostProposalsArgs{}, &river.InsertOpts{Queue: slackQueue, UniqueOpts: river.UniqueOpts{ByPeriod: b.passEvery}}
		}, &river.PeriodicJobOpts{ID: "bot.post_proposals", RunOnStart: true}),
	}
}

// dailyAt is a River schedule: every day at hour:minute in loc. Days that
// skip the time (a DST change) run at the normalized time instead.
type dailyAt struct {
	hour, minute int
	loc          *time.Location
}

// Next returns the first time after t at hour:minute in loc.
func (d dailyAt) Next(t time.Time) time.Time {
	lt := t.In(d.loc)
	next := time.Date(lt.Year(), lt.Month(), lt.Day(), d.hour, d.minute, 0, 0, d.loc)
	if !next.After(t) {
		next = time.Date(lt.Year(), lt.Month(), lt.Day()+1, d.hour, d.minute, 0, 0, d.loc)
	}
	return next
}

// parseClock reads "HH:MM" (validated by config); anything else is 09:00.
func parseClock(s string) (hour, minute int) {
	h, m, ok := strings.Cut(s, ":")
	hour, err1 := strconv.Atoi(h)
	minute, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hour < 0 || hour > 23 || minute < 0 || minute > 59 {
		return 9, 0
	}
	return hour, minute
}

// postPending lets the campaign package expire the proposals nobody decided
// in time (their messages say so), move a stopped sender's approved
// invitations (their cards and threads say where each went) and propose
// for the campaigns that are due, then posts the open proposals that are
// not in Slack yet, gives back the claims of posts that died half-way (a
// crash between the claim and the post), brings the open proposals'
// messages in line with them, and reminds the approvers of those that have
// waited (remind).
func (b *Bot) postPending(ctx context.Context) error {
	if due, ok := b.proposer.(DueProposer); ok {
		expired, err := due.Expire(ctx, b.now())
		if err != nil {
			b.logger.Warn("slack: expiring undecided proposals failed", slog.String("error", err.Error()))
		}
		for _, id := range expired {
			if err := b.refreshProposal(ctx, id); err != nil {
				b.logger.Warn("slack: show a proposal expired", slog.Int64("proposal", id), slog.String("error", err.Error()))
			}
		}
		rehomed, err := due.Rehome(ctx, b.now())
		if err != nil {
			b.logger.Warn("slack: moving a stopped sender's invitations failed", slog.String("error", err.Error()))
		}
		for _, id := range rehomed {
			if err := b.refreshProposal(ctx, id); err != nil {
				b.logger.Warn("slack: show a stopped sender's invitations moved", slog.Int64("proposal", id), slog.String("error", err.Error()))
			}
		}
		// Per-campaign failures are the campaign package's to log; a
		// failure here must not keep the stored proposals from Slack.
		if err := due.ProposeDue(ctx, b.now()); err != nil {
			b.logger.Warn("slack: proposing for due campaigns failed", slog.String("error", err.Error()))
		}
	}
	if err := b.releaseStaleClaims(ctx); err != nil {
		return err
	}
	var ids []int64
	if err := b.store.DB.WithContext(ctx).Model(&models.Proposal{}).
		Where("state = ? AND message_ts = ''", models.ProposalOpen).Order("id").Pluck("id", &ids).Error; err != nil {
		return fmt.Errorf("bot: read proposals to post: %w", err)
	}
	var errs []error
	for _, id := range ids {
		if err := b.postProposal(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	// Post again the thread messages Slack refused, and update the
	// messages whose last update it refused: until they show the proposal
	// as it is, it cannot be approved.
	// An approved card in its undo window shows the time left: it is
	// rendered again each minute, and once more when the window closes.
	var posted []int64
	if err := b.store.DB.WithContext(ctx).Model(&models.Proposal{}).
		Where("message_ts NOT IN ? AND (state = ? OR (state = ? AND undo_until > ?))", []string{"", postingMarker},
			models.ProposalOpen, models.ProposalApproved, b.now().Add(-2*time.Minute)).Order("id").Pluck("id", &posted).Error; err != nil {
		return errors.Join(append(errs, fmt.Errorf("bot: read the posted proposals: %w", err))...)
	}
	for _, id := range posted {
		if err := b.refreshChanged(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	// A reminder that failed goes at the next pass; failing the job would
	// only run the whole pass again sooner.
	if err := b.remind(ctx); err != nil {
		b.logger.Warn("slack: reminding the approvers failed", slog.String("error", err.Error()))
	}
	return errors.Join(errs...)
}

// jobError turns a Web API rate limit into a snooze (it is not a failure:
// the job waits as long as Slack asks, without spending an attempt) and a
// missing event into a cancellation.
func jobError(err error) error {
	var rl *slack.RateLimitedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &rl):
		return river.JobSnooze(max(rl.RetryAfter, time.Second))
	case errors.Is(err, ErrNoEvent), errors.Is(err, campaign.ErrNotFound):
		return river.JobCancel(err)
	}
	return err
}
