package main

import (
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/pacerhq/pacer/integrations/delivery"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspotsync"
	"github.com/pacerhq/pacer/models"
)

// startIntegrations plugs the deliveries into serve: the one River worker
// of models.DeliveryArgs (HubSpot's outbox, webhooks, Hunter, and Slack
// through env.slack, the bot) and the webhook.test worker with their
// queues; when HubSpot is enabled, the hubspot.sync worker, its queue and
// the minutely sync.
func startIntegrations(env *serveEnv) error {
	logger := env.logger.With(slog.String("part", "integrations"))
	svc, err := delivery.New(env.cfg, env.store, delivery.Options{Slack: env.slack, Logger: logger, Version: version})
	if err != nil {
		return err
	}
	addWorker(env, svc.DeliveryWorker())
	addWorker(env, svc.TestWorker())
	addQueues(env, svc.Queues())
	if env.cfg.HubSpot.Enabled {
		hs, err := hubspotsync.New(env.cfg, env.store, svc, hubspotsync.Options{Logger: logger, Version: version})
		if err != nil {
			return err
		}
		addWorker(env, hs.Worker())
		addQueues(env, hs.Queues())
		env.periodic = append(env.periodic, hs.PeriodicJobs()...)
	}
	if env.slack == nil && env.cfg.Slack.BotToken.IsSet() {
		logger.Warn("no Slack bot is given to the deliveries: Slack's deliveries wait", slog.String("queue", models.DeliveryQueue(models.DestinationSlack)))
	}
	return nil
}

// addQueues adds a part's queues to serve's.
func addQueues(env *serveEnv, queues map[string]river.QueueConfig) {
	if env.queues == nil {
		env.queues = map[string]river.QueueConfig{}
	}
	for name, q := range queues {
		env.queues[name] = q
	}
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
