package main

import (
	"encoding/json"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/pacerhq/pacer/campaign"
)

func newCampaignCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "campaign", Short: "Look at a campaign"}
	cmd.AddCommand(newCampaignStatsCmd(g))
	return cmd
}

func newCampaignStatsCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats NAME [--json]",
		Short: "Show how the campaign's invitations are accepted, per note variant and per sender, and whether the best variant's lead is clear",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			s, err := openMigratedStore(ctx, cfg, g.loggerAtLeast(slog.LevelWarn))
			if err != nil {
				return err
			}
			defer s.Close()
			st, err := campaign.Stats(ctx, s, args[0], time.Now())
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(st)
			}
			return campaign.WriteStats(cmd.OutOrStdout(), st)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "write the statistics as one JSON object")
	return cmd
}
