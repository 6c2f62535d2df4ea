package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"time"

	"github.com/riverqueue/river"
	"github.com/slack-go/slack"

	"github.com/pacerhq/pacer/campaign"
)

// The weekly campaign digest: every Monday at slack.digest_time (the
// team's timezone), each campaign that has sent invitations gets, in its
// channel, the acceptance of its note variants and senders (campaign.Stats)
// and, in the message's thread, a chart of each variant's acceptance over
// the last chartWeeks weeks (campaign.WeeklyStats).

// chartWeeks is how many weeks the weekly digest's chart shows.
const chartWeeks = 8

// WeeklyView is one campaign's weekly digest.
type WeeklyView struct {
	// Week is the ISO week the digest is for, "2026-W23"; Date is when it
	// was read.
	Week  string
	Date  time.Time
	Stats *campaign.CampaignStats
	// Weekly is the chart's data; nil when it could not be read.
	Weekly *campaign.WeeklyAcceptance
}

// WeeklyDigestArgs is the weekly campaign digest of one ISO week of the
// team's calendar ("2026-W23"): unique by week, so that it is inserted once
// even when the River leader changes at the wrong moment.
type WeeklyDigestArgs struct {
	Week string `json:"week"`
}

// Kind names the job.
func (WeeklyDigestArgs) Kind() string { return "bot.weekly_digest" }

// WeeklyDigestWorker posts the weekly campaign digests.
type WeeklyDigestWorker struct {
	river.WorkerDefaults[WeeklyDigestArgs]
	bot *Bot
}

// Work posts the week's digest of every campaign that has not had it, and
// its chart in its thread.
func (w *WeeklyDigestWorker) Work(ctx context.Context, job *river.Job[WeeklyDigestArgs]) error {
	return jobError(w.bot.postWeeklyDigests(ctx, job.Args.Week))
}

// Timeout bounds the digests.
func (w *WeeklyDigestWorker) Timeout(*river.Job[WeeklyDigestArgs]) time.Duration {
	return 5 * time.Minute
}

// WeeklyDigestWorker returns the worker of the weekly campaign digests.
func (b *Bot) WeeklyDigestWorker() *WeeklyDigestWorker { return &WeeklyDigestWorker{bot: b} }

// weeklyDigestJob schedules the weekly digest on Mondays at the daily
// digest's time. A failed week is tried again a few times (each part is
// posted once: postOnce), then given up rather than posted days late.
func (b *Bot) weeklyDigestJob(hour, minute int) *river.PeriodicJob {
	loc := b.loc
	return river.NewPeriodicJob(weeklyAt{day: time.Monday, hour: hour, minute: minute, loc: loc}, func() (river.JobArgs, *river.InsertOpts) {
		return WeeklyDigestArgs{Week: isoWeek(b.now().In(loc))},
			&river.InsertOpts{Queue: slackQueue, MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}}
	}, &river.PeriodicJobOpts{ID: "bot.weekly_digest"})
}

// isoWeek names t's ISO week, "2026-W23".
func isoWeek(t time.Time) string {
	year, week := t.ISOWeek()
	return fmt.Sprintf("%d-W%02d", year, week)
}

// weeklyAt is a River schedule: every week on day at hour:minute in loc.
type weeklyAt struct {
	day          time.Weekday
	hour, minute int
	loc          *time.Location
}

// Next returns the first time after t on the day at hour:minute in loc.
func (w weeklyAt) Next(t time.Time) time.Time {
	daily := dailyAt{hour: w.hour, minute: w.minute, loc: w.loc}
	next := daily.Next(t)
	for next.Weekday() != w.day {
		next = daily.Next(next)
	}
	return next
}

// postWeeklyDigests posts the week's digest of every campaign with a
// channel that has sent invitations, once per campaign and week however
// often it runs (postOnce), each followed by its chart in its thread. A
// campaign whose digest fails does not keep the others from theirs; the
// job is retried for what failed.
func (b *Bot) postWeeklyDigests(ctx context.Context, week string) error {
	var errs []error
	for _, c := range b.cfg.Campaigns {
		if c.Channel == "" {
			continue
		}
		if err := b.postWeeklyDigest(ctx, c.Name, c.Channel, week); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// postWeeklyDigest posts one campaign's weekly digest and its chart.
func (b *Bot) postWeeklyDigest(ctx context.Context, name, channel, week string) error {
	v, err := b.weeklyView(ctx, name, week)
	switch {
	case errors.Is(err, campaign.ErrUnknownCampaign):
		return nil // not in the store yet: nothing sent
	case err != nil:
		return err
	case len(v.Stats.Variants) == 0:
		return nil // nothing sent: nothing to say
	}
	key := "weekly:" + name + ":" + week
	err = b.postOnce(ctx, key, channel, func() (string, error) {
		m := b.renderer().weekly(v)
		_, ts, err := b.api.PostMessageContext(ctx, channel, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...))
		if err != nil {
			return "", slackCall("chat.postMessage", err)
		}
		b.logger.Info("slack: posted the weekly digest", slog.String("campaign", name), slog.String("channel", channel), slog.String("week", week))
		return ts, nil
	})
	if err != nil {
		return err
	}
	if v.Weekly == nil || len(v.Weekly.Variants) == 0 {
		return nil // no variant to draw (every invitation went without a note)
	}
	// The chart goes in the digest's thread, once: its own key, so that a
	// failed upload is tried again by the job's retry without the text.
	thread, err := b.postedTS(ctx, key, channel)
	if err != nil || thread == "" || thread == postingMarker {
		return err // another replica is posting the digest, and its chart
	}
	return b.postOnce(ctx, "weekly-chart:"+name+":"+week, channel, func() (string, error) {
		return b.uploadChart(ctx, v, channel, thread)
	})
}

// weeklyView reads one campaign's weekly digest as of now.
func (b *Bot) weeklyView(ctx context.Context, name, week string) (WeeklyView, error) {
	now := b.now()
	v := WeeklyView{Week: week, Date: now}
	var err error
	if v.Stats, err = campaign.Stats(ctx, b.store, name, now); err != nil {
		return v, err
	}
	if v.Weekly, err = campaign.WeeklyStats(ctx, b.store, name, now, chartWeeks); err != nil {
		return v, err
	}
	return v, nil
}

// uploadChart draws the campaign's chart and uploads it into the digest's
// thread with Slack's upload flow (files.getUploadURLExternal, the bytes
// to its upload_url, files.completeUploadExternal), the legend as the
// file's comment. It returns the file's id. A Slack that takes no files
// (the local console, an app without files:write) gets none: that is
// logged and recorded as done, and the digest's text stands alone; any
// other failure is returned, for the job's retry.
func (b *Bot) uploadChart(ctx context.Context, v WeeklyView, channel, thread string) (string, error) {
	series := chartData(v.Weekly)
	data, scale, err := drawChart(series, len(v.Weekly.Ends))
	if err != nil {
		return "", err
	}
	r := b.renderer()
	file, err := b.api.UploadFileContext(ctx, slack.UploadFileParameters{
		Reader:          bytes.NewReader(data),
		FileSize:        len(data),
		Filename:        fmt.Sprintf("acceptance-%s-%s.png", v.Stats.Campaign, v.Week),
		Title:           fmt.Sprintf("%s: acceptance per variant, last %d weeks", v.Stats.Campaign, len(v.Weekly.Ends)),
		AltTxt:          r.chartAltText(v.Weekly),
		InitialComment:  r.chartLegend(v.Weekly, scale, len(series)),
		Channel:         channel,
		ThreadTimestamp: thread,
	})
	if err != nil {
		err = slackCall("files.upload", withoutURL(err))
		if code, ok := filesRefused(err); ok {
			b.logger.Warn("slack: the weekly digest goes without its chart: Slack takes no files here",
				slog.String("campaign", v.Stats.Campaign), slog.String("channel", channel), slog.String("code", code),
				slog.String("fix", "give the app the files:write scope (app-manifest.yml) and reinstall it"))
			return "", nil
		}
		b.logger.Warn("slack: uploading the weekly digest's chart failed; the job tries again",
			slog.String("campaign", v.Stats.Campaign), slog.String("channel", channel), slog.String("error", err.Error()))
		return "", err
	}
	b.logger.Info("slack: uploaded the weekly digest's chart", slog.String("campaign", v.Stats.Campaign),
		slog.String("channel", channel), slog.String("file", file.ID))
	return file.ID, nil
}

// chartData turns the weekly figures into the chart's series: each
// variant's rate at the end of each week, none before it was first sent.
// Variants beyond the palette are left out (the legend says so).
func chartData(w *campaign.WeeklyAcceptance) []chartSeries {
	var out []chartSeries
	for _, v := range w.Variants[:min(len(w.Variants), len(chartPalette))] {
		s := chartSeries{Name: v.Name, Values: make([]float64, len(v.Weeks))}
		for i, wk := range v.Weeks {
			s.Values[i] = wk.Rate
			if wk.Sent == 0 {
				s.Values[i] = math.NaN()
			}
		}
		out = append(out, s)
	}
	return out
}

// filesRefused reports whether Slack refused the upload for good: a
// workspace or token that takes no files. Trying again would not help.
func filesRefused(err error) (string, bool) {
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) {
		return "", false
	}
	switch se.Err {
	case "unknown_method", "missing_scope", "not_allowed_token_type", "no_permission", "method_deprecated":
		return se.Err, true
	}
	return "", false
}

// withoutURL drops the URL from a transport error: the upload_url Slack
// hands out lets anyone who holds it upload, so it is kept out of logs.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s to Slack's upload URL: %w", ue.Op, ue.Err)
	}
	return err
}

// postedTS returns the ts recorded for key in channel, "" when none.
func (b *Bot) postedTS(ctx context.Context, key, channel string) (string, error) {
	var ts []string
	err := b.store.DB.WithContext(ctx).Model(&slackPost{}).Where("event_id = ? AND channel = ?", key, channel).Pluck("ts", &ts).Error
	if err != nil {
		return "", fmt.Errorf("bot: read the post %s in %s: %w", key, channel, err)
	}
	if len(ts) == 0 {
		return "", nil
	}
	return ts[0], nil
}
