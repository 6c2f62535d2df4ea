package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/pacerhq/pacer/integrations/delivery"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspotsync"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/wording"
)

func newDeliveriesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "deliveries",
		Short: "See and send again the deliveries to HubSpot, webhooks, Hunter and Slack that gave up",
		Long: `A delivery that exhausts its retries (about three days) or meets an error
retrying cannot fix (HubSpot refusing an email, an endpoint answering 410) is
kept as a dead letter and raises a Slack alert. List them, fix the cause, then
send them again: each keeps its event id, so receivers that saw it already
deduplicate it.`,
	}
	cmd.AddCommand(newDeliveriesListCmd(g), newDeliveriesRetryCmd(g))
	return cmd
}

func newDeliveriesListCmd(g *globals) *cobra.Command {
	var all, asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the dead letters, the disabled endpoints and the deliveries still queued or retrying",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCampaignStore(cmd, g, func(s *models.Store) error {
				ctx := cmd.Context()
				letters, err := delivery.ListDeadLetters(ctx, s, all)
				if err != nil {
					return err
				}
				backlog, err := delivery.Backlogs(ctx, s)
				if err != nil {
					return err
				}
				sync, err := hubspotsync.CountBacklog(ctx, s)
				if err != nil {
					return err
				}
				disabled, err := delivery.DisabledEndpoints(ctx, s)
				if err != nil {
					return err
				}
				if asJSON {
					b, err := json.Marshal(struct {
						DeadLetters []delivery.DeadLetter       `json:"dead_letters"`
						Disabled    []delivery.DisabledEndpoint `json:"disabled_endpoints"`
						Backlog     []delivery.Backlog          `json:"backlog"`
						HubSpotSync hubspotsync.Backlog         `json:"hubspot_sync"`
					}{nonNil(letters), nonNil(disabled), nonNil(backlog), sync})
					if err != nil {
						return err
					}
					printf(cmd, "%s\n", b)
					return nil
				}
				printDeliveries(cmd, letters, disabled, backlog, sync, all)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "also list the dead letters already sent again or resolved")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func printDeliveries(cmd *cobra.Command, letters []delivery.DeadLetter, disabled []delivery.DisabledEndpoint,
	backlog []delivery.Backlog, sync hubspotsync.Backlog, all bool) {
	open := 0
	for _, d := range letters {
		if d.Open() {
			open++
		}
	}
	switch {
	case len(letters) == 0:
		printf(cmd, "No dead letters.\n")
	default:
		printf(cmd, "Dead letters: %d waiting", open)
		if all {
			printf(cmd, ", %d sent again or resolved", len(letters)-open)
		}
		printf(cmd, "\n")
		tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  ID\tSINCE\tDESTINATION\tEVENT\tATTEMPTS\tSTATE")
		for _, d := range letters {
			state := "waiting"
			switch {
			case d.ResolvedAt != nil:
				state = "resolved " + d.ResolvedAt.Local().Format("2006-01-02 15:04")
			case d.RetriedAt != nil:
				state = "sent again " + d.RetriedAt.Local().Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s %s\t%d\t%s\n", d.ID, d.CreatedAt.Local().Format("2006-01-02 15:04"),
				d.Destination, d.EventType, d.EventID, d.Attempts, state)
			fmt.Fprintf(tw, "  \t%s\n", oneLine(d.LastError, 160))
		}
		_ = tw.Flush()
	}
	for _, d := range disabled {
		printf(cmd, "Endpoint %s is disabled since %s: %s\n  Enable it with `pacer webhooks enable %s`.\n",
			d.Name, d.Since.Local().Format("2006-01-02 15:04"), oneLine(d.Reason, 160), d.Name)
	}
	if len(backlog) > 0 {
		printf(cmd, "Queued deliveries:\n")
		tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  DESTINATION\tPENDING\tRETRYING\tRUNNING\tDISCARDED")
		for _, b := range backlog {
			fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%d\n", b.Destination, b.Pending, b.Retrying, b.Running, b.Discarded)
		}
		_ = tw.Flush()
	}
	if sync.Contacts+sync.Notes+sync.Stages > 0 {
		printf(cmd, "HubSpot sync: %s, %s and %s waiting (%d after a failure).\n",
			wording.Count(sync.Contacts, "contact update", "contact updates"), wording.Count(sync.Notes, "note", "notes"),
			wording.Count(sync.Stages, "lifecycle stage", "lifecycle stages"), sync.Retrying)
	}
	if open > 0 {
		printf(cmd, "Send them again with `pacer deliveries retry ID` or `pacer deliveries retry --all` once the cause is fixed.\n")
	}
}

// oneLine flattens and shortens a message for a table.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len([]rune(s)) > n {
		s = string([]rune(s)[:n-1]) + "…"
	}
	return s
}

func newDeliveriesRetryCmd(g *globals) *cobra.Command {
	var all, asJSON bool
	cmd := &cobra.Command{
		Use:   "retry ID...|--all",
		Short: "Send dead letters again, by ID or all of them",
		Long: `Send dead letters again: each gets a new delivery job, worked by ` + "`pacer serve`" + `,
and is marked sent again. A new failure makes a new dead letter. Dead letters
of a disabled webhook endpoint are skipped: enable it first with
` + "`pacer webhooks enable NAME`" + `. Exits 1 when one was skipped.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if all == (len(args) > 0) {
				return fmt.Errorf("give dead letter IDs (see `pacer deliveries list`) or --all, not both")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ids := make([]int64, 0, len(args))
			for _, a := range args {
				id, err := strconv.ParseInt(strings.TrimPrefix(a, "#"), 10, 64)
				if err != nil || id <= 0 {
					return fmt.Errorf("%q is not a dead letter ID; see `pacer deliveries list`", a)
				}
				ids = append(ids, id)
			}
			var res *delivery.RetryResult
			err := withCampaignStore(cmd, g, func(s *models.Store) error {
				var err error
				res, err = delivery.Retry(cmd.Context(), s, ids, all)
				return err
			})
			if err != nil {
				return err
			}
			if asJSON {
				b, err := json.Marshal(struct {
					Retried []delivery.DeadLetter `json:"retried"`
					Skipped []delivery.Skipped    `json:"skipped"`
				}{nonNil(res.Retried), nonNil(res.Skipped)})
				if err != nil {
					return err
				}
				printf(cmd, "%s\n", b)
			} else {
				for _, d := range res.Retried {
					printf(cmd, "Sent again: #%d, %s %s to %s.\n", d.ID, d.EventType, d.EventID, d.Destination)
				}
				for _, s := range res.Skipped {
					printf(cmd, "Skipped: #%d to %s: %s.\n", s.ID, s.Destination, s.Reason)
				}
				switch n := len(res.Retried); {
				case n == 0 && len(res.Skipped) == 0:
					printf(cmd, "No dead letters to send again.\n")
				case n > 0:
					printf(cmd, "%d %s queued; `pacer serve` delivers %s.\n", n, wording.Noun(n, "delivery", "deliveries"), wording.Noun(n, "it", "them"))
				}
			}
			if n := len(res.Skipped); n > 0 {
				return &exitError{code: 1, err: fmt.Errorf("%d %s skipped: enable %s endpoint first", n,
					wording.Noun(n, "dead letter was", "dead letters were"), wording.Noun(n, "its", "their"))}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "send every waiting dead letter again")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}
