package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"time"

	"github.com/spf13/cobra"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/executor/browser"
	"github.com/pacerhq/pacer/executor/linkedin"
	"github.com/pacerhq/pacer/executor/runner"
	"github.com/pacerhq/pacer/executor/sim"
	"github.com/pacerhq/pacer/quota"
)

// executorFlags are serve's flags for the executor.
type executorFlags struct {
	sim        bool
	simURL     string
	pace       string
	browserURL string
	// demo is the try-out: --sim without a configuration file.
	demo bool
}

func (f *executorFlags) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.sim, "sim", false, "act on a simulated LinkedIn started inside serve on PACER_SIM_ADDR (default "+config.DefaultSimAddr+"), not on LinkedIn; without a configuration file, run the try-out: the sample set-up of examples/ at a fast pace; without Slack's credentials, people decide in the local console at /console")
	cmd.Flags().StringVar(&f.simURL, "sim-url", "", "act on a simulated LinkedIn already running at this URL (see pacer sim), not on LinkedIn")
	cmd.Flags().StringVar(&f.pace, "pace", string(quota.PaceNormal), "normal, or fast: actions about a second apart and waits between steps shrunk (a day to a minute), for demos and tests; only with --sim or --sim-url")
	cmd.Flags().StringVar(&f.browserURL, "browser-url", "", "use a running browser's DevTools endpoint (ws://… or http://host:9222) instead of launching Chromium; default PACER_BROWSER_URL")
}

// simulated reports whether the executor acts on the simulator.
func (f executorFlags) simulated() bool { return f.sim || f.simURL != "" }

// check refuses flags that do not go together, and returns the pace.
func (f executorFlags) check() (quota.Pace, error) {
	pace, err := quota.ParsePace(f.pace)
	if err != nil {
		return "", err
	}
	if f.sim && f.simURL != "" {
		return "", errors.New("--sim starts a simulator and --sim-url uses a running one: give one of them")
	}
	if f.simURL != "" {
		if u, err := url.Parse(f.simURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", fmt.Errorf("--sim-url %q: want the simulator's http://host:port", f.simURL)
		}
	}
	if pace == quota.PaceFast && !f.simulated() {
		return "", errors.New("--pace fast is for the simulator only: add --sim or --sim-url; on LinkedIn, Pacer keeps the normal pace that protects the accounts")
	}
	return pace, nil
}

// fastWaitScale shrinks a day of waiting between steps to a minute.
const fastWaitScale = 1.0 / 1440

// startExecutor plugs the executor into serve: the simulator when --sim
// asks for it, the runner that carries out the approved actions (Chromium
// is launched when the first action is due), and the periodic jobs that
// queue acceptance scans and stale withdrawals.
func startExecutor(ctx context.Context, env *serveEnv, ef executorFlags) error {
	cfg := env.cfg
	logger := env.logger.With(slog.String("part", "executor"))
	pace, err := ef.check()
	if err != nil {
		return err
	}
	base := cfg.LinkedIn.URL
	switch {
	case ef.sim:
		ln, err := net.Listen("tcp", cfg.SimAddr)
		if err != nil {
			return fmt.Errorf("sim: listen on %s (PACER_SIM_ADDR): %w", cfg.SimAddr, err)
		}
		opts := sim.Options{AcceptRate: sim.DefaultAcceptRate, AcceptAfter: sim.DefaultAcceptAfter,
			Logger: logger.With(slog.String("part", "sim"))}
		if pace == quota.PaceFast {
			// The simulated clock keeps up with the shrunk waits: a day a
			// minute, so acceptances and stale invitations come in a demo.
			opts.Speed = 1 / fastWaitScale
		}
		s := sim.New(opts)
		env.runners = append(env.runners, func(ctx context.Context) error { return s.Serve(ctx, ln) })
		base = "http://" + ln.Addr().String()
		logger.Info("the LinkedIn simulator is on", slog.String("url", base))
	case ef.simURL != "":
		base = ef.simURL
	}
	if len(cfg.Accounts) == 0 {
		logger.Info("executor: no account is configured; nothing to act for")
		return nil
	}
	lopts := linkedin.Options{BaseURL: base, Logger: logger}
	if cfg.LinkedIn.Selectors != "" {
		if lopts.Selectors, err = linkedin.LoadSelectors(cfg.LinkedIn.Selectors); err != nil {
			return err
		}
	}
	bopts := browser.Options{Bin: cfg.LinkedIn.ChromeBin, RemoteURL: cfg.LinkedIn.BrowserURL, Logger: logger}
	if ef.browserURL != "" {
		bopts.RemoteURL = ef.browserURL
	}
	site := linkedin.NewLazySite(bopts, lopts)
	ropts := runner.Options{Simulated: ef.simulated(), Logger: logger}
	if pace == quota.PaceFast {
		ropts.WaitScale = fastWaitScale
		ropts.PollInterval = time.Second
		ropts.Backoff = 2 * time.Second
		ropts.ScanEvery = time.Minute
		ropts.SweepEvery = 5 * time.Minute
	}
	r, err := runner.New(env.store, cfg, env.quota, site, ropts)
	if err != nil {
		return err
	}
	addWorker(env, r.SweepWorker())
	env.periodic = append(env.periodic, r.PeriodicJobs()...)
	env.runners = append(env.runners, func(ctx context.Context) error {
		err := r.Run(ctx)
		site.Close()
		return err
	})
	where := "LinkedIn"
	if ef.simulated() {
		where = "the simulator"
	}
	logger.Info("the executor is on", slog.String("acts_on", where), slog.String("url", config.RedactURL(base)),
		slog.Int("concurrency", cfg.LinkedIn.Concurrency), slog.String("pace", string(pace)))
	return nil
}
