package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/pacerhq/pacer/bot"
	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/models"
)

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
	b, err := bot.New(ctx, env.cfg, env.store, bot.Options{
		Proposer: bot.CampaignProposer(proposer),
		Quota:    bot.QuotaEngine(env.quota),
		Logger:   logger,
	})
	if err != nil {
		return err
	}
	b.Mount(env.server)
	// River has one worker per job kind. "delivery" serves every
	// destination; the bot works the Slack ones (queue "slack"), so another
	// part registering "delivery" must hand those to it instead.
	if err := river.AddWorkerSafely(env.workers, b.DeliveryWorker()); err != nil {
		return fmt.Errorf("bot: cannot register the Slack delivery worker (%w); route deliveries to %q to bot.Bot.DeliveryWorker", err, models.DestinationSlack)
	}
	env.kinds++
	addWorker(env, b.ProgressWorker())
	addWorker(env, b.DigestWorker())
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
	if env.cfg.Slack.AppToken.IsSet() {
		mode = "Socket Mode"
		if env.cfg.Slack.SigningSecret.IsSet() {
			mode = "Socket Mode and HTTP"
		}
	}
	logger.Info("the Slack bot is on", slog.String("mode", mode), slog.String("team", b.TeamID()))
	if len(env.cfg.Slack.Approvers) == 0 {
		logger.Warn("PACER_APPROVERS is empty: nobody can approve proposals; list Slack user IDs (U…) or user-group IDs (S…)")
	}
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
