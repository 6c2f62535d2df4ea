package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/executor/sim"
)

func newSimCmd(g *globals) *cobra.Command {
	var (
		addr        string
		acceptRate  float64
		acceptAfter time.Duration
		weeklyLimit int
		noteRates   []string
	)
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run a simulated LinkedIn for demos and tests, until stopped",
		Long: "Serves a simulated LinkedIn (profiles for any slug, the invite dialog, limits, checkpoints,\n" +
			"acceptances over time) that `pacer serve --sim-url URL` acts on instead of LinkedIn. It keeps\n" +
			"what it received for its whole lifetime: GET /_sim/received lists it.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("addr") {
				if v := os.Getenv("PACER_SIM_ADDR"); v != "" {
					addr = v
				}
			}
			if acceptRate < 0 || acceptRate > 1 {
				return fmt.Errorf("--accept-rate %g: give a probability from 0 to 1", acceptRate)
			}
			if acceptAfter < 0 {
				return fmt.Errorf("--accept-after %s: give a duration such as 48h", acceptAfter)
			}
			rates, err := parseNoteRates(noteRates)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("sim: listen on %s: %w; choose another with --addr", addr, err)
			}
			s := sim.New(sim.Options{AcceptRate: acceptRate, AcceptRates: rates, AcceptAfter: acceptAfter, WeeklyLimit: weeklyLimit, Logger: g.logger()})
			url := "http://" + ln.Addr().String()
			printf(cmd, "The LinkedIn simulator is serving on %s (what it received: %s/_sim/received)\n", url, url)
			return s.Serve(ctx, ln)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", config.DefaultSimAddr, "address to listen on; default $PACER_SIM_ADDR, else "+config.DefaultSimAddr)
	cmd.Flags().Float64Var(&acceptRate, "accept-rate", sim.DefaultAcceptRate, "probability that an invitation is accepted by itself, 0 to 1")
	cmd.Flags().StringArrayVar(&noteRates, "accept-rate-note", nil, "TEXT=RATE: invitations whose note contains TEXT are accepted with probability RATE (=RATE alone: those without a note); repeat it, the first match wins")
	cmd.Flags().DurationVar(&acceptAfter, "accept-after", sim.DefaultAcceptAfter, "how long an accepted invitation stays pending first")
	cmd.Flags().IntVar(&weeklyLimit, "weekly-limit", sim.DefaultWeeklyLimit, "invitations an account may send in 7 days before LinkedIn's weekly-limit alert (negative: none)")
	return cmd
}

// parseNoteRates reads the --accept-rate-note flags, TEXT=RATE each.
func parseNoteRates(flags []string) ([]sim.NoteAcceptRate, error) {
	out := make([]sim.NoteAcceptRate, len(flags))
	for i, f := range flags {
		at := strings.LastIndex(f, "=") // the note's text may hold "=" too
		r, err := strconv.ParseFloat(f[at+1:], 64)
		if at < 0 || err != nil || r < 0 || r > 1 {
			return nil, fmt.Errorf("--accept-rate-note %q: give TEXT=RATE, a piece of the note's text and a probability from 0 to 1 (=0.2 for invitations without a note)", f)
		}
		out[i] = sim.NoteAcceptRate{Contains: f[:at], Rate: r}
	}
	return out, nil
}
