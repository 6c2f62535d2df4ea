package main

import (
	"encoding/json"
	"log/slog"
	"os/user"
	"time"

	"github.com/spf13/cobra"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/models"
)

func newSuppressCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "suppress",
		Short: "Keep the do-not-contact list: people and email domains Pacer never proposes",
		Long: `Keep the do-not-contact list. Whoever is on it is never proposed, by any
campaign or account, and an invitation, visit, follow or like approved
before they were added is skipped when its turn comes. Each value is one of:

  a profile URL or slug   https://www.linkedin.com/in/ada-lovelace/, ada-lovelace
  an email address        ada@acme.com
  an email domain         @acme.com or acme.com (its subdomains too)`,
	}
	var reason string
	add := &cobra.Command{
		Use:   "add VALUE...",
		Short: "Add profile URLs, slugs, email addresses or email domains to the list",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCampaignStore(cmd, g, func(s *models.Store) error {
				res, err := campaign.Suppress(cmd.Context(), s, args, reason, cliUser(), time.Now())
				if err != nil {
					return err
				}
				for _, r := range res {
					if r.Added {
						printf(cmd, "added %s %s\n", r.Entry.Kind, r.Entry.Value)
					} else {
						printf(cmd, "already listed: %s %s\n", r.Entry.Kind, r.Entry.Value)
					}
				}
				return nil
			})
		},
	}
	add.Flags().StringVar(&reason, "reason", "", "why, kept with each entry (e.g. \"asked not to be contacted\")")
	remove := &cobra.Command{
		Use:   "remove VALUE...",
		Short: "Remove values from the list",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCampaignStore(cmd, g, func(s *models.Store) error {
				removed, err := campaign.Unsuppress(cmd.Context(), s, args)
				if err != nil {
					return err
				}
				for _, e := range removed {
					printf(cmd, "removed %s %s\n", e.Kind, e.Value)
				}
				if n := len(args) - len(removed); n > 0 {
					printf(cmd, "not on the list: %d of the values\n", n)
				}
				return nil
			})
		},
	}
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the do-not-contact list",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCampaignStore(cmd, g, func(s *models.Store) error {
				entries, err := campaign.Suppressions(cmd.Context(), s)
				if err != nil {
					return err
				}
				if asJSON {
					type entry struct {
						Kind      string    `json:"kind"`
						Value     string    `json:"value"`
						Reason    string    `json:"reason,omitempty"`
						CreatedBy string    `json:"created_by,omitempty"`
						CreatedAt time.Time `json:"created_at"`
					}
					out := struct {
						Entries []entry `json:"entries"`
					}{Entries: []entry{}}
					for _, e := range entries {
						out.Entries = append(out.Entries, entry{e.Kind, e.Value, e.Reason, e.CreatedBy, e.CreatedAt})
					}
					b, _ := json.Marshal(out)
					printf(cmd, "%s\n", b)
					return nil
				}
				if len(entries) == 0 {
					printf(cmd, "The do-not-contact list is empty.\n")
					return nil
				}
				for _, e := range entries {
					line := e.Kind + "\t" + e.Value
					if e.Reason != "" {
						line += "\t" + e.Reason
					}
					if e.CreatedBy != "" {
						line += "\t(by " + e.CreatedBy + ", " + e.CreatedAt.Format("2006-01-02") + ")"
					}
					printf(cmd, "%s\n", line)
				}
				return nil
			})
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print the list as one JSON object")
	cmd.AddCommand(add, remove, list)
	return cmd
}

// withCampaignStore runs fn on the configured, migrated store.
func withCampaignStore(cmd *cobra.Command, g *globals, fn func(s *models.Store) error) error {
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	s, err := openMigratedStore(cmd.Context(), cfg, g.loggerAtLeast(slog.LevelWarn))
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(s)
}

// cliUser names the person at the terminal in the audit columns.
func cliUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli"
}
