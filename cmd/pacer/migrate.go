package main

import (
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pacerhq/pacer/wording"
)

func newMigrateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply the database migrations (Pacer's and River's); running it again changes nothing",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			// River logs each migration at info level; the summary below says it once.
			s, err := openStore(cmd.Context(), cfg, g.loggerAtLeast(slog.LevelWarn))
			if err != nil {
				return err
			}
			defer s.Close()
			applied, err := s.Migrate(cmd.Context())
			if err != nil {
				return err
			}
			if len(applied) == 0 {
				printf(cmd, "The %s database is up to date; nothing to apply.\n", s.Dialect)
				return nil
			}
			printf(cmd, "Applied %s to the %s database: %s\n", wording.Count(len(applied), "migration", "migrations"), s.Dialect, strings.Join(applied, ", "))
			return nil
		},
	}
}
