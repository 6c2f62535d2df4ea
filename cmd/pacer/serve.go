package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/riverqueue/river"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/pacerhq/pacer/bot/console"
	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/integrations/delivery"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/quota"
	"github.com/pacerhq/pacer/server"
)

// shutdownBudget is how long serve may take to stop after SIGTERM; the
// parts below share it (HTTP drain, then River finishing its jobs).
const shutdownBudget = 9 * time.Second

// serveEnv is what the parts of `pacer serve` (bot, executor,
// integrations) are given to plug themselves in.
type serveEnv struct {
	cfg    *config.Config
	store  *models.Store
	logger *slog.Logger
	server *server.Server
	// quota is the one quota engine of the process: the bot forecasts with
	// it and the executor reserves with it.
	quota *quota.Engine
	// workers and periodic are handed to the River client.
	workers  *river.Workers
	periodic []*river.PeriodicJob
	kinds    int
	queues   map[string]river.QueueConfig // the parts' queues, beside serveQueues()
	slack    delivery.Deliverer           // the Slack bot, for the deliveries to Slack
	// console, when set, stands in for Slack: the bot talks to it.
	console *console.Workspace
	// pace is the quota engine's: the fast pace of tests and demos also
	// runs the bot's pass more often.
	pace quota.Pace
	// runners run beside the HTTP server until the context ends.
	runners []func(ctx context.Context) error
}

// addWorker registers a River worker with the serve process.
func addWorker[T river.JobArgs](env *serveEnv, w river.Worker[T]) {
	river.AddWorker(env.workers, w)
	env.kinds++
}

func newServeCmd(g *globals) *cobra.Command {
	var ef executorFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run Pacer: the Slack bot, the executor, the integrations and the HTTP endpoints",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := ef.check(); err != nil {
				return err
			}
			cfg, tryOut, err := g.readConfig(ef.sim)
			if err != nil {
				return err
			}
			if tryOut {
				// The try-out: the sample set-up on the simulator, at a
				// demo's pace unless told otherwise.
				ef.demo = true
				if !cmd.Flags().Changed("pace") {
					ef.pace = string(quota.PaceFast)
				}
			}
			return serve(cmd.Context(), cfg, g.logger(), ef, cmd.OutOrStdout())
		},
	}
	ef.register(cmd)
	return cmd
}

// serve runs Pacer until ctx ends. Its start checks everything first and
// reports every problem at once; a start that fails leaves no database
// behind that it made. The console's address, when the console stands in
// for Slack, is printed on out.
func serve(ctx context.Context, cfg *config.Config, logger *slog.Logger, ef executorFlags, out io.Writer) error {
	pace, err := ef.check()
	if err != nil {
		return err
	}
	mode := startMode{sim: ef.simulated(), tryOut: ef.demo, demoChannel: os.Getenv("PACER_DEMO_CHANNEL")}
	if err := checkStart(cfg, mode); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	// The shutdown budget runs from the signal: the parts below share it.
	stopping := make(chan time.Time, 1)
	context.AfterFunc(ctx, func() { stopping <- time.Now() })
	for _, w := range startWarnings(cfg, mode) {
		logger.Warn(w)
	}
	var ws *console.Workspace
	if usesConsole(cfg, mode) {
		if ws, err = openConsole(cfg, mode, logger); err != nil {
			return err
		}
	}

	made := watchNewData(cfg)
	started := false
	defer func() {
		if !started {
			made.remove(logger)
		}
	}()
	store, err := openStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer store.Close()
	// The embedded database is migrated here; on Postgres too, which a
	// team may instead do once with `pacer migrate` before its replicas start.
	if _, err := store.Migrate(ctx); err != nil {
		return err
	}
	if err := store.SyncConfig(ctx, cfg); err != nil {
		return err
	}
	if ef.demo {
		if err := seedDemo(ctx, store, logger); err != nil {
			return err
		}
	}

	env := &serveEnv{
		cfg:     cfg,
		store:   store,
		logger:  logger,
		server:  server.New(store.Ready, logger),
		quota:   quota.New(store, cfg, quota.Options{Pace: pace, Logger: logger.With(slog.String("part", "quota"))}),
		workers: river.NewWorkers(),
		console: ws,
		pace:    pace,
	}
	if err := startBot(ctx, env); err != nil {
		return err
	}
	if err := startExecutor(ctx, env, ef); err != nil {
		return err
	}
	if err := startIntegrations(env); err != nil {
		return err
	}
	ln, err := env.server.Listen(cfg.HTTPAddr)
	if err != nil {
		return err
	}

	jobs, err := startJobs(ctx, env)
	if err != nil {
		_ = ln.Close()
		return err
	}
	started = true
	if ef.demo {
		if err := markTryOut(cfg.DataDir); err != nil {
			logger.Warn(err.Error())
		}
	}
	logger.Info("pacer is serving", slog.String("addr", ln.Addr().String()), slog.String("database", store.Dialect), slog.String("version", fullVersion()))
	if ws != nil {
		fmt.Fprintf(out, "Pacer's console: %s (Slack is not configured: the console stands in for it)\n", consoleURL(ln.Addr()))
	}

	group, groupCtx := errgroup.WithContext(ctx)
	group.Go(func() error { return env.server.Serve(groupCtx, ln, 3*time.Second) })
	for _, r := range env.runners {
		group.Go(func() error { return r(groupCtx) })
	}
	err = group.Wait()

	// River gets what is left of the budget once the HTTP server and the
	// runners (the executor finishing its last click) have stopped.
	deadline := time.Now().Add(shutdownBudget - 3*time.Second)
	select {
	case at := <-stopping:
		deadline = at.Add(shutdownBudget)
	default:
	}
	stopCtx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if jobs != nil {
		if stopErr := jobs.Stop(stopCtx); stopErr != nil {
			logger.Warn("jobs did not stop in time; cancelling them", slog.String("error", stopErr.Error()))
			_ = jobs.StopAndCancel(context.Background())
		}
	}
	if ws != nil {
		// What the bot and the jobs posted while stopping is saved too.
		ws.Close()
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	logger.Info("pacer stopped")
	return nil
}

// startJobs starts the River client that works the jobs the parts
// registered; with none registered there is nothing to work.
func startJobs(ctx context.Context, env *serveEnv) (*river.Client[*sql.Tx], error) {
	if env.kinds == 0 {
		return nil, nil
	}
	client, err := env.store.NewJobClient(&river.Config{
		Workers:      env.workers,
		PeriodicJobs: env.periodic,
		Queues:       withQueues(serveQueues(), env.queues),
	})
	if err != nil {
		return nil, err
	}
	// Jobs are stopped explicitly on shutdown, after the HTTP server, so
	// their context must outlive the signal.
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return nil, fmt.Errorf("start jobs: %w", err)
	}
	return client, nil
}
