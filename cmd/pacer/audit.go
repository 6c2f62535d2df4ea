package main

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/pacerhq/pacer/campaign"
)

func newAuditCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Export the audit trail: every decision people made, and what was sent"}
	cmd.AddCommand(newAuditExportCmd(g))
	return cmd
}

// auditWriters are the formats of `audit export`.
var auditWriters = map[string]func(io.Writer, []campaign.AuditRow) error{
	"csv":  campaign.WriteAuditCSV,
	"json": campaign.WriteAuditJSON,
}

func newAuditExportCmd(g *globals) *cobra.Command {
	var since, format string
	cmd := &cobra.Command{
		Use:   "export --since DATE [--format csv|json]",
		Short: "Write every decision made since DATE to stdout: who, when, the exact text approved, what was sent and when",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			write, ok := auditWriters[format]
			if !ok {
				return fmt.Errorf("--format %q is not a format of the export; use csv or json", format)
			}
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			loc, err := time.LoadLocation(cfg.Timezone)
			if err != nil {
				return fmt.Errorf("timezone %q: %w", cfg.Timezone, err)
			}
			from, err := parseSince(since, loc)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			s, err := openMigratedStore(ctx, cfg, g.loggerAtLeast(slog.LevelWarn))
			if err != nil {
				return err
			}
			defer s.Close()
			rows, err := campaign.Audit(ctx, s, from)
			if err != nil {
				return err
			}
			return write(cmd.OutOrStdout(), rows)
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "the first day exported, YYYY-MM-DD in the configured timezone, or an RFC 3339 time (required)")
	cmd.Flags().StringVar(&format, "format", "csv", "csv (a header, then one row per decision) or json (one object)")
	return cmd
}

// parseSince reads --since: a date, from its midnight in loc, or an RFC
// 3339 time.
func parseSince(text string, loc *time.Location) (time.Time, error) {
	if text == "" {
		return time.Time{}, fmt.Errorf("--since is required: give the first day to export as YYYY-MM-DD (from midnight in %s, the configured timezone) or an RFC 3339 time such as 2026-06-01T09:00:00Z", loc)
	}
	if t, err := time.ParseInLocation(time.DateOnly, text, loc); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, text); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--since %q is not a date: give YYYY-MM-DD (from midnight in %s, the configured timezone) or an RFC 3339 time such as 2026-06-01T09:00:00Z", text, loc)
}
