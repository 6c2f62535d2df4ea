package main

import (
	"os"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/pacerhq/pacer/config"
)

func newConfigCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Inspect the configuration"}
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Validate the configuration and print the effective one, secrets redacted",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Load(g.configFile(), os.LookupEnv)
			if err != nil {
				return err
			}
			if err := cfg.Validate(); err != nil {
				return err
			}
			// Secret's text form is redacted, so the YAML carries no secret.
			out, err := yaml.Marshal(cfg)
			if err != nil {
				return err
			}
			printf(cmd, "# effective configuration (secrets redacted)\n%s", out)
			for _, w := range cfg.Warnings() {
				printf(cmd, "# warning: %s\n", w)
			}
			printf(cmd, "# configuration OK\n")
			return nil
		},
	})
	return cmd
}
