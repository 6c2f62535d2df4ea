package main

import (
	"os"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/pacerhq/pacer/config"
)

func newConfigCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Inspect the configuration"}
	var sim bool
	check := &cobra.Command{
		Use:   "check [--sim]",
		Short: "Run every check `pacer serve` runs, report every problem at once, and print the effective configuration, secrets redacted",
		Long: `Run every check pacer serve runs before it starts, and report every problem at
once (exit 1): the configuration's rules (limits and their ceilings, timezones,
working hours, webhook URLs and secrets, …), the Slack settings when Slack is
used or the console's when it is not, and each campaign's note template filled
in for a sample prospect. With --sim, check as pacer serve --sim runs: on the
simulator, with the local console when Slack is not configured. Without a
configuration file, with --sim or where the try-out ran, check the try-out's
sample set-up.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, tryOut, err := g.readConfig(sim || tryOutHere(os.LookupEnv))
			if err != nil {
				return err
			}
			mode := startMode{sim: sim || tryOut, tryOut: tryOut, demoChannel: os.Getenv("PACER_DEMO_CHANNEL")}
			if err := checkStart(cfg, mode); err != nil {
				return err
			}
			// Secret's text form is redacted, so the YAML carries no secret.
			out, err := yaml.Marshal(cfg)
			if err != nil {
				return err
			}
			if tryOut {
				printf(cmd, "# the try-out's sample set-up (examples/pacer.yml): no configuration file is given\n")
			}
			printf(cmd, "# effective configuration (secrets redacted)\n%s", out)
			for _, w := range startWarnings(cfg, mode) {
				printf(cmd, "# warning: %s\n", w)
			}
			printf(cmd, "# people decide in %s\n", chatName(cfg, mode))
			for _, line := range cfg.RolesReport() {
				printf(cmd, "# roles: %s\n", line)
			}
			printf(cmd, "# configuration OK\n")
			return nil
		},
	}
	check.Flags().BoolVar(&sim, "sim", false, "check as `pacer serve --sim` runs: on the simulator, with the local console when Slack is not configured")
	cmd.AddCommand(check)
	return cmd
}

// chatName says where the bot meets people.
func chatName(cfg *config.Config, m startMode) string {
	switch {
	case usesConsole(cfg, m):
		return "the local console, at http://" + cfg.HTTPAddr + "/console"
	case cfg.Slack.AppToken.IsSet() && cfg.Slack.SigningSecret.IsSet():
		return "Slack, over Socket Mode and HTTP"
	case cfg.Slack.AppToken.IsSet():
		return "Slack, over Socket Mode"
	}
	return "Slack, over HTTP (/slack/commands, /slack/interactivity, /slack/events)"
}
