package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/examples"
	"github.com/pacerhq/pacer/models"
)

// errNoDemoChannel tells a newcomer who set Slack's credentials the one
// thing the try-out then needs from their workspace.
var errNoDemoChannel = errors.New("the try-out posts its proposals in a Slack channel of yours: " +
	"invite @pacer to a channel and set PACER_DEMO_CHANNEL to its ID (C…, at the bottom of the channel's details); " +
	"or unset the SLACK_* variables to try Pacer in the local console")

// demoConfig is the configuration of the try-out, `pacer serve --sim`
// without a configuration file: the sample of examples/, its campaign
// posting in PACER_DEMO_CHANNEL when Slack is used (in the console, in the
// sample's channel), HubSpot on when HUBSPOT_TOKEN is set (a HubSpot test
// portal shows the CRM sync). It is not validated here: serve's start
// check reports its problems with every other.
func demoConfig(env config.LookupEnv) (*config.Config, error) {
	cfg, err := config.Parse(examples.Config, examples.ConfigName, env)
	if err != nil {
		return nil, err
	}
	if channel, _ := env("PACER_DEMO_CHANNEL"); channel != "" {
		for i := range cfg.Campaigns {
			cfg.Campaigns[i].Channel = channel
		}
	}
	cfg.HubSpot.Enabled = cfg.HubSpot.Token.IsSet()
	return cfg, nil
}

// tryOutMarker is the file the try-out leaves in its data directory. The
// commands run where it is, without a configuration file, use the try-out's
// set-up: `pacer quota show` and `pacer import prospects FILE --campaign
// demo` work after the try-out as the README shows them.
const tryOutMarker = "try-out.txt"

const tryOutNote = `This directory holds the data of Pacer's try-out (pacer serve --sim without
a configuration file). While this file is here, the pacer commands run in
the directory above without --config or PACER_CONFIG use the try-out's
sample set-up (examples/pacer.yml in Pacer's repository), e.g.
  pacer quota show
  pacer import prospects people.csv --campaign demo
Remove this directory to start the try-out afresh.
`

// markTryOut leaves the try-out's marker in the data directory.
func markTryOut(dataDir string) error {
	path := filepath.Join(dataDir, tryOutMarker)
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := os.WriteFile(path, []byte(tryOutNote), 0o600); err != nil {
		return fmt.Errorf("demo: mark %s as the try-out's: %w", dataDir, err)
	}
	return nil
}

// tryOutHere reports whether the data directory the environment names (or
// the default one) is the try-out's.
func tryOutHere(env config.LookupEnv) bool {
	dir, ok := env("PACER_DATA_DIR")
	if !ok || dir == "" {
		dir = config.DefaultDataDir
	}
	_, err := os.Stat(filepath.Join(dir, tryOutMarker))
	return err == nil
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
