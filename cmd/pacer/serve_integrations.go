package main

import (
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/pacerhq/pacer/integrations/delivery"
	"github.com/pacerhq/pacer/models"
)

// startIntegrations plugs the deliveries into serve: the one River worker
// of models.DeliveryArgs (HubSpot, webhooks, Hunter, and Slack through
// env.slack, the bot), the hubspot.sync and webhook.test workers, their
// queues and the minutely HubSpot sync.
func startIntegrations(env *serveEnv) error {
	logger := env.logger.With(slog.String("part", "integrations"))
	svc, err := delivery.New(env.cfg, env.store, delivery.Options{Slack: env.slack, Logger: logger, Version: version})
	if err != nil {
		return err
	}
	addWorker(env, svc.DeliveryWorker())
	addWorker(env, svc.SyncWorker())
	addWorker(env, svc.TestWorker())
	env.periodic = append(env.periodic, svc.PeriodicJobs()...)
	if env.queues == nil {
		env.queues = map[string]river.QueueConfig{}
	}
	for name, q := range svc.Queues() {
		env.queues[name] = q
	}
	if env.slack == nil && env.cfg.Slack.BotToken.IsSet() {
		logger.Warn("no Slack bot is given to the deliveries: Slack's deliveries wait", slog.String("queue", models.DeliveryQueue(models.DestinationSlack)))
	}
	return nil
}

// withQueues adds the parts' queues to base; base's settings win.
func withQueues(base, more map[string]river.QueueConfig) map[string]river.QueueConfig {
	for name, q := range more {
		if _, ok := base[name]; !ok {
			base[name] = q
		}
	}
	return base
}
