package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/pacerhq/pacer/integrations/hubspot"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspotsync"
)

func newHubSpotCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "hubspot", Short: "Set up HubSpot for Pacer"}
	cmd.AddCommand(&cobra.Command{
		Use:   "setup",
		Short: "Create the contact property that holds the LinkedIn profile URL, if missing",
		Long: `Create the contact property ` + hubspot.DefaultProfileURLProperty + ` (single-line text,
unique values) when HubSpot does not have it. Pacer upserts the contacts it
knows no email for by this property. Running it again changes nothing. It
needs HUBSPOT_TOKEN, a private app token with the crm.schemas.contacts.read
and crm.schemas.contacts.write scopes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			c, err := hubspotsync.NewClient(cfg, version, g.loggerAtLeast(slog.LevelWarn))
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
			defer cancel()
			created, err := c.EnsureProfileURLProperty(ctx)
			if err != nil {
				return err
			}
			if created {
				printf(cmd, "Created the contact property %s (LinkedIn profile URL, unique values).\n", c.ProfileURLProperty())
			} else {
				printf(cmd, "The contact property %s exists with unique values: nothing to do.\n", c.ProfileURLProperty())
			}
			if !cfg.HubSpot.Enabled {
				printf(cmd, "HubSpot is not enabled yet: set hubspot.enabled: true in the configuration file.\n")
			}
			return nil
		},
	})
	return cmd
}
