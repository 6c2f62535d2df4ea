package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/config"
)

func newNoteCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "note", Short: "Work on invitation notes"}
	var plan string
	var vars []string
	var asJSON bool
	lint := &cobra.Command{
		Use:   "lint --plan PLAN [--var k=v]... TEXT",
		Short: "Check a note or a template against LinkedIn's rules; exit 1 if it cannot be sent",
		Long: `Check a note the way Pacer checks each note it proposes: its length against the
plan's limit (200 characters on a free account, 300 on paid plans), links
(LinkedIn flags invitations with links as spam), placeholders left without a
value, and an empty note. Each finding is printed on its own line.

TEXT may be a template. Without --var it is checked for a sample prospect
(Ada Lovelace, Head of Engineering at Analytical Engines; other columns get a
sample value), and each placeholder without a fallback is pointed out. With
--var, exactly the values given are used: --var first_name=Ada fills
{{first_name}}, and a placeholder left without a value is blocking, as it
would be for such a prospect. Exit status 1 when a finding is blocking.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(config.Plans, plan) {
				return fmt.Errorf("--plan is %q; use one of %s", plan, strings.Join(config.Plans, ", "))
			}
			values := map[string]string{}
			for _, kv := range vars {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || campaign.ColumnName(k) == "" {
					return fmt.Errorf("--var %q is not name=value (e.g. --var first_name=Ada)", kv)
				}
				values[campaign.ColumnName(k)] = v
			}
			maxLength := *config.DefaultLimits(plan, 5).NoteLength
			var note string
			var sample map[string]string
			var findings []campaign.Finding
			if len(vars) == 0 {
				note, sample, findings = campaign.LintTemplate(args[0], maxLength)
			} else {
				note, _ = campaign.ParseTemplate(args[0]).Render(values)
				findings = campaign.Lint(note, maxLength)
			}
			blocking := campaign.Blocking(findings)
			if asJSON {
				out := struct {
					Note      string             `json:"note"`
					Length    int                `json:"length"`
					MaxLength int                `json:"max_length"`
					Plan      string             `json:"plan"`
					Sample    map[string]string  `json:"sample,omitempty"`
					Findings  []campaign.Finding `json:"findings"`
					Blocking  bool               `json:"blocking"`
				}{note, campaign.NoteLength(note), maxLength, plan, sample, findings, blocking}
				if out.Findings == nil {
					out.Findings = []campaign.Finding{}
				}
				b, _ := json.Marshal(out)
				printf(cmd, "%s\n", b)
			} else {
				printNoteLint(cmd, note, plan, maxLength, sample, findings)
			}
			if blocking {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	lint.Flags().StringVar(&plan, "plan", "", "the sending account's plan: "+strings.Join(config.Plans, ", ")+" (required)")
	lint.Flags().StringArrayVar(&vars, "var", nil, "a template value, name=value (repeatable)")
	lint.Flags().BoolVar(&asJSON, "json", false, "print the result as one JSON object")
	_ = lint.MarkFlagRequired("plan")
	cmd.AddCommand(lint)
	return cmd
}

// printNoteLint prints a linted note, the sample values it was rendered
// with (if any), and each finding on its own line.
func printNoteLint(cmd *cobra.Command, note, plan string, maxLength int, sample map[string]string, findings []campaign.Finding) {
	if len(sample) > 0 {
		names := slices.Sorted(maps.Keys(sample))
		pairs := make([]string, len(names))
		for i, n := range names {
			pairs[i] = n + "=" + sample[n]
		}
		printf(cmd, "For a sample prospect (give --var name=value to use your own): %s\n", strings.Join(pairs, ", "))
	}
	printf(cmd, "Note (%d of %d characters on the %s plan):\n  %s\n", campaign.NoteLength(note), maxLength, plan,
		strings.ReplaceAll(note, "\n", "\n  "))
	if len(findings) == 0 {
		printf(cmd, "No findings: the note can be sent.\n")
	}
	for _, f := range findings {
		level := "note"
		if f.Blocking {
			level = "BLOCKING"
		}
		printf(cmd, "%s (%s): %s\n", level, f.Rule, f.Message)
	}
}
