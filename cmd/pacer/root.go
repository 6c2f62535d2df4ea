package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/wording"
)

// globals are the flags every command shares.
type globals struct {
	configPath string
	logLevel   string
}

func newRootCmd() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:           "pacer",
		Short:         "Pacer proposes LinkedIn invitation batches in Slack and sends the approved ones within LinkedIn's limits",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.configPath, "config", "", "configuration file (YAML); default $PACER_CONFIG")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	root.AddCommand(
		newServeCmd(g),
		newMigrateCmd(g),
		newConfigCmd(g),
		newVersionCmd(),
		newQuotaCmd(g),
		newAccountCmd(g),
		newImportCmd(g), newSuppressCmd(g), newNoteCmd(),
		newSimCmd(g), newDoctorCmd(g),
		newDeliveriesCmd(g), newWebhooksCmd(g), newHubSpotCmd(g),
		newAuditCmd(g), newCampaignCmd(g),
	)
	return root
}

// configFile is the configuration file named by --config or PACER_CONFIG;
// empty when none is.
func (g *globals) configFile() string {
	if g.configPath != "" {
		return g.configPath
	}
	return os.Getenv("PACER_CONFIG")
}

// loadConfig reads and validates the configuration of a one-shot command:
// the file given, else, where the try-out ran, the try-out's set-up.
func (g *globals) loadConfig() (*config.Config, error) {
	cfg, _, err := g.readConfig(tryOutHere(os.LookupEnv))
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// readConfig reads the configuration without validating it: the file
// given (--config or PACER_CONFIG), else the try-out's sample set-up when
// tryOut allows it, else the environment alone. It reports whether it is
// the try-out's.
func (g *globals) readConfig(tryOut bool) (*config.Config, bool, error) {
	if file := g.configFile(); file != "" || !tryOut {
		cfg, err := config.Load(file, os.LookupEnv)
		return cfg, false, err
	}
	cfg, err := demoConfig(os.LookupEnv)
	return cfg, err == nil, err
}

// logger writes text on a terminal and JSON otherwise, to stderr.
func (g *globals) logger() *slog.Logger { return g.loggerAtLeast(slog.LevelDebug) }

// loggerAtLeast is logger with a floor under the level, for commands whose
// libraries are chattier than their user needs.
func (g *globals) loggerAtLeast(floor slog.Level) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: max(level, floor), ReplaceAttr: wording.ReplaceDurations}
	if isTerminal(os.Stderr) {
		return slog.New(slog.NewTextHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, opts))
}

func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// openStore opens the configured database.
func openStore(ctx context.Context, cfg *config.Config, logger *slog.Logger) (*models.Store, error) {
	return models.Open(ctx, cfg, models.Options{Logger: logger})
}

// openMigratedStore opens the database and refuses to go on when it is not
// migrated, for commands that read or write Pacer's tables.
func openMigratedStore(ctx context.Context, cfg *config.Config, logger *slog.Logger) (*models.Store, error) {
	s, err := openStore(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	if err := s.Ready(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	if err := s.SyncConfig(ctx, cfg); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func printf(cmd *cobra.Command, format string, args ...any) {
	fmt.Fprintf(cmd.OutOrStdout(), format, args...)
}
