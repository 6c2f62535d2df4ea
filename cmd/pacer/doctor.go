package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pacerhq/pacer/executor/browser"
	"github.com/pacerhq/pacer/executor/linkedin"
)

func newDoctorCmd(g *globals) *cobra.Command {
	doctor := &cobra.Command{Use: "doctor", Short: "Check that Pacer still understands the sites it acts on"}
	var (
		page, target string
		asJSON       bool
	)
	li := &cobra.Command{
		Use:   "linkedin --page FILE.html [--target SLUG] [--json]",
		Short: "Read a saved LinkedIn profile page as the executor would, offline, and say what it finds",
		Long: "Loads a profile page saved from the browser into a headless Chromium with the network\n" +
			"blocked and the page's scripts off, and reads it with the adapter's selectors: the profile's\n" +
			"state, which anchors matched, and the Invite controls that belong to someone else (which\n" +
			"Pacer never clicks). Exit status 0 when the state is recognised, 2 when it is unknown:\n" +
			"then LinkedIn's markup changed, or the page cannot tell (a closed More menu).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if page == "" {
				return errors.New("--page FILE.html is required: save a LinkedIn profile page from the browser (Save page as…)")
			}
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			opts := linkedin.Options{Logger: g.loggerAtLeast(slog.LevelWarn)}
			if cfg.LinkedIn.Selectors != "" {
				if opts.Selectors, err = linkedin.LoadSelectors(cfg.LinkedIn.Selectors); err != nil {
					return err
				}
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			b, err := browser.Launch(ctx, browser.Options{Bin: cfg.LinkedIn.ChromeBin, Logger: g.loggerAtLeast(slog.LevelWarn)})
			if err != nil {
				return err
			}
			defer b.Close()
			site, err := linkedin.New(b, opts)
			if err != nil {
				return err
			}
			d, err := site.Diagnose(ctx, page, target)
			if err != nil {
				return err
			}
			printf(cmd, "State:    %s\n", d.State)
			printf(cmd, "Target:   %s\n", orNone(d.Target))
			printf(cmd, "Anchors:  %s\n", orNone(strings.Join(d.Anchors, ", ")))
			printf(cmd, "Foreign Invite controls: %d (other people's, never clicked)\n", d.ForeignInvites)
			if d.ExitCode() != 0 {
				printf(cmd, "The adapter cannot tell this page's state: LinkedIn may have changed its markup, or the saved page hides it (a closed More menu).\n")
			}
			if asJSON {
				out, err := json.Marshal(d)
				if err != nil {
					return fmt.Errorf("doctor: %w", err)
				}
				printf(cmd, "%s\n", out)
			}
			if code := d.ExitCode(); code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
	li.Flags().StringVar(&page, "page", "", "the saved LinkedIn profile page (HTML)")
	li.Flags().StringVar(&target, "target", "", "the profile's slug (linkedin.com/in/SLUG); default: the one the page names")
	li.Flags().BoolVar(&asJSON, "json", false, "print the diagnosis as one JSON object on the last line")
	doctor.AddCommand(li)
	return doctor
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
