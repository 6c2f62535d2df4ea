package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/pacerhq/pacer/bot"
	"github.com/pacerhq/pacer/bot/console"
	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/integrations/delivery"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/quota"
)

// fastPassEvery runs the bot's pass four times a minute at the fast pace,
// where a day of waiting takes a minute.
const fastPassEvery = 15 * time.Second

// startBot plugs the Slack bot into serve: its HTTP endpoints (HTTP mode,
// SLACK_SIGNING_SECRET), its Socket Mode connection (SLACK_APP_TOKEN), its
// River workers and periodic jobs. Without Slack's credentials it returns
// the bot's error, which names the variables to set; serve exits 1 with it.
func startBot(ctx context.Context, env *serveEnv) error {
	if err := bot.CheckConfig(env.cfg); err != nil {
		return err
	}
	logger := env.logger.With(slog.String("part", "bot"))
	proposer := campaign.New(env.store, env.cfg, campaign.FromQuota(env.quota), campaign.Options{Logger: logger})
	opts := bot.Options{
		Proposer: bot.CampaignProposer(proposer),
		Quota:    bot.QuotaEngine(env.quota),
		Logger:   logger,
		DeadLetters: func(ctx context.Context) (int, error) {
			return delivery.DeadLetterCount(ctx, env.store)
		},
	}
	if env.console != nil {
		opts.HTTPClient = env.console.HTTPClient()
	}
	if env.pace == quota.PaceFast {
		opts.PassEvery = fastPassEvery
	}
	b, err := bot.New(ctx, env.cfg, env.store, opts)
	if err != nil {
		return err
	}
	if env.console != nil {
		// The console is the bot's Slack: it alone reaches the bot's
		// endpoints, and serve's server shows its page.
		env.console.Connect(slackEndpoints(b))
		env.server.Handle(console.Path, env.console.Handler())
		env.server.Handle(console.Path+"/", env.console.Handler())
		env.runners = append(env.runners, func(ctx context.Context) error {
			<-ctx.Done()
			env.console.Close()
			return nil
		})
	} else {
		b.Mount(env.server)
	}
	// Slack's deliveries are worked by the integrations' delivery worker,
	// which hands them to the bot (River has one worker per job kind).
	env.slack = b
	addWorker(env, b.ProgressWorker())
	addWorker(env, b.DigestWorker())
	addWorker(env, b.WeeklyDigestWorker())
	addWorker(env, b.PostProposalsWorker())
	env.periodic = append(env.periodic, b.PeriodicJobs()...)
	env.runners = append(env.runners, b.RunSocketMode, func(ctx context.Context) error {
		<-ctx.Done()
		// Answers already acknowledged get a moment to go out.
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
		defer cancel()
		if err := b.Close(closeCtx); err != nil {
			logger.Warn("bot: stopped before its last answers went out", slog.String("error", err.Error()))
		}
		return nil
	})
	mode := "HTTP"
	switch {
	case env.console != nil:
		mode = "the local console"
	case env.cfg.Slack.AppToken.IsSet() && env.cfg.Slack.SigningSecret.IsSet():
		mode = "Socket Mode and HTTP"
	case env.cfg.Slack.AppToken.IsSet():
		mode = "Socket Mode"
	}
	logger.Info("the Slack bot is on", slog.String("mode", mode), slog.String("team", b.TeamID()))
	return nil
}

// serveQueues are the River queues serve works: the default queue, and
// Slack's (the bot's jobs and the Slack deliveries), so that a slow CRM never
// delays a progress card or an alert.
func serveQueues() map[string]river.QueueConfig {
	return map[string]river.QueueConfig{
		river.QueueDefault: {MaxWorkers: 10},
		models.DeliveryQueue(models.DestinationSlack): {MaxWorkers: 5},
	}
}
