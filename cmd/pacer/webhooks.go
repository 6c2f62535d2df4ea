package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/integrations"
	"github.com/pacerhq/pacer/integrations/delivery"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
	"github.com/pacerhq/pacer/wording"
)

func newWebhooksCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "webhooks",
		Short: "Try the webhook endpoints, and enable one disabled after a 410",
	}
	cmd.AddCommand(newWebhooksTestCmd(g), newWebhooksEnableCmd(g), newWebhooksListCmd(g))
	return cmd
}

// errNoWebhooks is returned when a webhooks command finds no endpoint.
var errNoWebhooks = errors.New("no webhook endpoints are configured: add one under webhooks in the configuration file (name, url, secret, events)")

func newWebhooksTestCmd(g *globals) *cobra.Command {
	var endpoint, typ string
	var wait time.Duration
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "test",
		Short: "Send a sample event to an endpoint through the real delivery path, and wait for the outcome",
		Long: `Send the sample event of a type (see docs/events.md) to one endpoint, or to
each, as Pacer delivers real events: a queued job, signed with the endpoint's
secret, retried on the same schedule. The sample is not stored as an event:
it reaches no other endpoint, nor HubSpot or Slack.

The command works the job itself and waits up to --wait for it. A test still
retrying then goes on in ` + "`pacer serve`" + `. A 410 answer is reported but does
not disable the endpoint. Exits 1 unless every test was delivered.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			if len(cfg.Webhooks) == 0 {
				return errNoWebhooks
			}
			var t pacertype.EventType
			if typ != "" {
				if t, err = integrations.ParseType(typ); err != nil {
					return err
				}
			}
			logger := g.loggerAtLeast(slog.LevelWarn)
			s, err := openMigratedStore(cmd.Context(), cfg, logger)
			if err != nil {
				return err
			}
			defer s.Close()
			svc, err := delivery.New(cfg, s, delivery.Options{Logger: logger, Version: version})
			if err != nil {
				return err
			}
			reqs, err := testRequests(svc, endpoint, t)
			if err != nil {
				return err
			}
			if !asJSON {
				for _, r := range reqs {
					printf(cmd, "%s: sending a sample %s…\n", r.Endpoint, r.Type)
				}
			}
			results, err := svc.SendTest(cmd.Context(), reqs, wait, func(a delivery.TestAttempt) {
				if !asJSON {
					printf(cmd, "%s: attempt %d failed: %s\n", a.Endpoint, a.Attempt, oneLine(a.Error, 300))
				}
			})
			if err != nil {
				return err
			}
			failed := 0
			for _, r := range results {
				if !r.Delivered {
					failed++
				}
				if asJSON {
					continue
				}
				switch {
				case r.Delivered:
					printf(cmd, "%s: delivered %s (webhook-id %s): answered %d in %d ms.\n", r.Endpoint, r.Type, r.EventID, r.StatusCode, r.Millis)
				case r.Final:
					printf(cmd, "%s: not delivered after %d %s; no more attempts.\n", r.Endpoint, len(r.Failures), wording.Noun(len(r.Failures), "attempt", "attempts"))
				default:
					next := "soon"
					if r.NextAttemptAt != nil {
						next = "at " + r.NextAttemptAt.Local().Format("15:04:05")
					}
					printf(cmd, "%s: not delivered yet; the next attempt is due %s and `pacer serve` makes it.\n", r.Endpoint, next)
				}
			}
			if asJSON {
				b, err := json.Marshal(struct {
					Results []delivery.TestResult `json:"results"`
				}{results})
				if err != nil {
					return err
				}
				printf(cmd, "%s\n", b)
			}
			if failed > 0 {
				return &exitError{code: 1, err: fmt.Errorf("%d of %d test %s not delivered", failed, len(results), wording.Noun(len(results), "delivery was", "deliveries were"))}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&endpoint, "endpoint", "", "the endpoint's name (default: every endpoint)")
	cmd.Flags().StringVar(&typ, "type", "", "the event type (default: the first type the endpoint receives)")
	cmd.Flags().DurationVar(&wait, "wait", 30*time.Second, "how long to wait for the outcome")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

// testRequests are the tests asked for: one endpoint or each, with the
// type given or the first one each receives.
func testRequests(svc *delivery.Service, endpoint string, t pacertype.EventType) ([]delivery.TestRequest, error) {
	names := svc.EndpointNames()
	if endpoint != "" {
		names = []string{endpoint}
	}
	reqs := make([]delivery.TestRequest, 0, len(names))
	for _, n := range names {
		typ := t
		if typ == "" {
			typ = pacertype.EventInviteAccepted
			if types := svc.EndpointTypes(n); len(types) > 0 {
				typ = types[0]
			}
		}
		reqs = append(reqs, delivery.TestRequest{Endpoint: n, Type: typ})
	}
	return reqs, nil
}

func newWebhooksEnableCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "enable NAME",
		Short: "Enable an endpoint disabled after it answered 410 Gone",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			if !hasWebhook(cfg, name) {
				return fmt.Errorf("no webhook endpoint is named %q; the configured endpoints are: %s", name, webhookNames(cfg))
			}
			return withCampaignStore(cmd, g, func(s *models.Store) error {
				was, held, err := delivery.EnableEndpoint(cmd.Context(), s, name)
				if err != nil {
					return err
				}
				if !was {
					printf(cmd, "%s is not disabled: nothing to do.\n", name)
				} else {
					printf(cmd, "%s is enabled again: new events go to it.\n", name)
				}
				if held > 0 {
					printf(cmd, "%d %s kept as dead letters: send %s with `pacer deliveries retry --all`.\n",
						held, wording.Noun(held, "delivery to it is", "deliveries to it are"), wording.Noun(held, "it", "them"))
				}
				return nil
			})
		},
	}
}

func newWebhooksListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the endpoints: redacted URL, events, and whether one is disabled",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			if len(cfg.Webhooks) == 0 {
				return errNoWebhooks
			}
			return withCampaignStore(cmd, g, func(s *models.Store) error {
				disabled, err := delivery.DisabledEndpoints(cmd.Context(), s)
				if err != nil {
					return err
				}
				for _, w := range cfg.Webhooks {
					state := "enabled"
					for _, d := range disabled {
						if d.Name == w.Name {
							state = "disabled since " + d.Since.Local().Format("2006-01-02 15:04") + " (410 Gone)"
						}
					}
					printf(cmd, "%s\t%s\t%s\t%s\n", w.Name, config.RedactURL(w.URL.Value()), strings.Join(w.Events, ","), state)
				}
				return nil
			})
		},
	}
}

func hasWebhook(cfg *config.Config, name string) bool {
	for _, w := range cfg.Webhooks {
		if w.Name == name {
			return true
		}
	}
	return false
}

func webhookNames(cfg *config.Config) string {
	names := make([]string, len(cfg.Webhooks))
	for i, w := range cfg.Webhooks {
		names[i] = w.Name
	}
	if len(names) == 0 {
		return "(none)"
	}
	return strings.Join(names, ", ")
}
