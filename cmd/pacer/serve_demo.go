package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/examples"
	"github.com/pacerhq/pacer/models"
)

// errNoDemoChannel tells a newcomer the one thing the try-out needs from
// their workspace.
var errNoDemoChannel = errors.New("the try-out posts its proposals in a Slack channel of yours: " +
	"invite @pacer to a channel and set PACER_DEMO_CHANNEL to its ID (C…, at the bottom of the channel's details)")

// demoConfig is the configuration of the try-out, `pacer serve --sim`
// without a configuration file: the sample of examples/, its campaign
// posting in PACER_DEMO_CHANNEL, HubSpot on when HUBSPOT_TOKEN is set (a
// HubSpot test portal shows the CRM sync).
func demoConfig(env config.LookupEnv) (*config.Config, error) {
	cfg, err := config.Parse(examples.Config, examples.ConfigName, env)
	if err != nil {
		return nil, err
	}
	channel, _ := env("PACER_DEMO_CHANNEL")
	if channel == "" {
		return nil, errNoDemoChannel
	}
	for i := range cfg.Campaigns {
		cfg.Campaigns[i].Channel = channel
	}
	cfg.HubSpot.Enabled = cfg.HubSpot.Token.IsSet()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// seedDemo imports the sample prospects into the try-out's campaigns the
// first time it runs, so that `/pacer propose` has people to propose.
func seedDemo(ctx context.Context, store *models.Store, logger *slog.Logger) error {
	var enrolled int64
	if err := store.DB.WithContext(ctx).Model(&models.Enrollment{}).Count(&enrolled).Error; err != nil {
		return fmt.Errorf("demo: count prospects: %w", err)
	}
	if enrolled > 0 {
		return nil
	}
	var names []string
	if err := store.DB.WithContext(ctx).Model(&models.Campaign{}).Order("id").Pluck("name", &names).Error; err != nil {
		return fmt.Errorf("demo: read campaigns: %w", err)
	}
	for _, name := range names {
		sum, err := campaign.Import(ctx, store, name, bytes.NewReader(examples.Prospects), campaign.ImportOptions{})
		if err != nil {
			return fmt.Errorf("demo: import the sample prospects: %w", err)
		}
		logger.Info("demo: imported the sample prospects", slog.String("campaign", name),
			slog.Int("imported", sum.Imported), slog.Int("invalid", sum.Invalid))
	}
	return nil
}
