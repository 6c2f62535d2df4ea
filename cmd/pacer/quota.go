package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/quota"
	"github.com/pacerhq/pacer/wording"
)

func newQuotaCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "quota", Short: "Show the accounts' LinkedIn quota, or simulate the pacer"}
	cmd.AddCommand(newQuotaShowCmd(g), newQuotaSimulateCmd())
	return cmd
}

func newQuotaShowCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show [ACCOUNT]",
		Short: "Show each account's usage against every limit, the next reset and the account's state",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			names := make([]string, len(cfg.Accounts))
			for i, a := range cfg.Accounts {
				names[i] = a.Name
			}
			if len(names) == 0 {
				return fmt.Errorf("no accounts are configured; add one under accounts in the configuration file")
			}
			if len(args) == 1 {
				if _, ok := cfg.Account(args[0]); !ok {
					return fmt.Errorf("no account is named %q; the configured accounts are: %s", args[0], strings.Join(names, ", "))
				}
				names = args
			}
			ctx := cmd.Context()
			s, err := openMigratedStore(ctx, cfg, g.loggerAtLeast(slog.LevelWarn))
			if err != nil {
				return err
			}
			defer s.Close()
			engine := quota.New(s, cfg, quota.Options{})
			now := time.Now()
			usages := make([]quota.Usage, 0, len(names))
			for _, name := range names {
				u, err := accountUsage(ctx, s, engine, name, now)
				if err != nil {
					return err
				}
				usages = append(usages, u)
			}
			if asJSON {
				out, err := json.Marshal(struct {
					Accounts []quota.Usage `json:"accounts"`
				}{usages})
				if err != nil {
					return err
				}
				printf(cmd, "%s\n", out)
				return nil
			}
			for i, u := range usages {
				if i > 0 {
					printf(cmd, "\n")
				}
				printUsage(cmd, u)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

func accountUsage(ctx context.Context, s *models.Store, engine *quota.Engine, name string, now time.Time) (quota.Usage, error) {
	var ids []int64
	if err := s.DB.WithContext(ctx).Table("accounts").Where("name = ?", name).Pluck("id", &ids).Error; err != nil {
		return quota.Usage{}, fmt.Errorf("read account %s: %w", name, err)
	}
	if len(ids) == 0 {
		return quota.Usage{}, fmt.Errorf("account %s is not in the database; run `pacer migrate`", name)
	}
	return engine.Usage(ctx, ids[0], now)
}

// printUsage writes one account's usage as a table a person reads.
func printUsage(cmd *cobra.Command, u quota.Usage) {
	loc, err := time.LoadLocation(u.Timezone)
	if err != nil {
		loc = time.UTC
	}
	when := func(t time.Time) string { return t.In(loc).Format("Mon 2 Jan 15:04 MST") }
	state := u.State
	switch {
	case u.State == models.AccountRestricted && u.RestrictedUntil != nil:
		state += " until " + when(*u.RestrictedUntil)
	case u.State == models.AccountPaused && u.PausedBy != "":
		state += " by " + u.PausedBy
	}
	if u.StateReason != "" {
		state += " (" + u.StateReason + ")"
	}
	if u.Guard != "" {
		state += "; acceptance guard: " + u.Guard
	}
	printf(cmd, "%s: %s plan, %s, %s, weekly window %s\n", u.Account, u.Plan, u.Timezone, u.WorkingHours, u.WeeklyWindow)
	printf(cmd, "  state: %s\n", state)
	printf(cmd, "  %-24s %11s  %-16s %s\n", "limit", "used", "window", "next reset")
	for _, l := range u.Limits {
		max := fmt.Sprint(l.Max)
		if l.Max == config.Unlimited {
			max = "∞"
		}
		reset := "—"
		if !l.ResetAt.IsZero() {
			reset = when(l.ResetAt)
		}
		printf(cmd, "  %-24s %5d / %-4s %-16s %s\n", l.Limit, l.Used, max, l.Window, reset)
	}
	printf(cmd, "  pending invitations: %d (alert at %d, inviting stops at %d)\n", u.PendingInvites, u.PendingAlert, u.PendingStop)
	printf(cmd, "  connections: %d (inviting stops at %d with pending ones)\n", u.Connections, u.MaxConnections)
	if u.NotesLeft != nil {
		printf(cmd, "  notes left this month, as LinkedIn says: %d\n", *u.NotesLeft)
	}
	if u.NextInvite.IsZero() {
		printf(cmd, "  next invitation: not before something changes: %s\n", u.NextInviteBlocked)
	} else {
		printf(cmd, "  next invitation: %s\n", when(u.NextInvite))
	}
}

func newQuotaSimulateCmd() *cobra.Command {
	var (
		sc     quota.SimConfig
		start  string
		days   string
		hours  string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "simulate --plan PLAN --weeks W --demand N [--window rolling|anchored] [--timezone TZ] [--seed S] [--latency D] [--skip F] [--fail F] [--fail-after-send F] [--json]",
		Short: "Run the real quota engine and pacer on a simulated clock against a steady weekly demand",
		Long: `Simulate one account of a plan over a number of weeks, on a simulated clock,
against a throwaway database: every Monday at 00:00 (local) N more invitations
are asked for, and the real engine and pacer send them. It prints the
invitations sent per day and a summary; with --json the last line is one JSON
object (weekly_limit, daily_limit, max_rolling_7d, max_day, sent_total,
utilization, outside_working_hours, min_gap_seconds, page_loads,
views_counted, days_over_limit, …).

The faults make the simulated runner meet what the real one meets:
--latency (it wakes up late for its slots, by up to that long), --skip (the
share of attempts that open a profile and find nothing to send), --fail (the
share that fail before Send and are retried) and --fail-after-send (the share
that click Send and see no confirmation: retried in doubt). Every attempt
and retry is counted against the daily limits.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := simFlags(&sc, start, days, hours); err != nil {
				return err
			}
			if err := sc.Check(); err != nil {
				return err
			}
			ctx := cmd.Context()
			dir, err := os.MkdirTemp("", "pacer-simulate-")
			if err != nil {
				return fmt.Errorf("create a temporary directory: %w", err)
			}
			defer os.RemoveAll(dir)
			s, err := models.Open(ctx, &config.Config{DataDir: dir}, models.Options{SQLitePath: filepath.Join(dir, "simulate.db")})
			if err != nil {
				return err
			}
			defer s.Close()
			if _, err := s.Migrate(ctx); err != nil {
				return err
			}
			res, err := quota.Simulate(ctx, s, sc)
			if err != nil {
				return err
			}
			printSimulation(cmd, res)
			if asJSON {
				out, err := json.Marshal(res)
				if err != nil {
					return err
				}
				printf(cmd, "%s\n", out)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&sc.Plan, "plan", "", "the account's plan: "+strings.Join(config.Plans, ", ")+" (required)")
	f.IntVar(&sc.Weeks, "weeks", 12, "how many weeks to simulate")
	f.IntVar(&sc.Demand, "demand", 400, "invitations asked for every week")
	f.StringVar(&sc.Window, "window", config.WindowRolling, "weekly window: rolling or anchored")
	f.StringVar(&sc.Timezone, "timezone", "UTC", "the account's timezone (IANA name)")
	f.Uint64Var(&sc.Seed, "seed", 1, "seed of the pacer's jitter")
	f.StringVar(&start, "start", quota.SimStart.Format("2006-01-02"), "a day of the first week (its Monday starts the simulation)")
	f.StringVar(&days, "days", "mon,tue,wed,thu,fri", "working days")
	f.StringVar(&hours, "hours", "09:00-18:00", "working hours, start-end")
	f.DurationVar(&sc.Faults.Latency, "latency", 0, "how late the runner may wake up for a slot")
	f.Float64Var(&sc.Faults.Skip, "skip", 0, "share of attempts that find nothing to send (0–1)")
	f.Float64Var(&sc.Faults.Fail, "fail", 0, "share of attempts that fail before Send and are retried (0–1)")
	f.Float64Var(&sc.Faults.FailAfterSend, "fail-after-send", 0, "share of attempts that click Send unconfirmed and are retried (0–1)")
	f.BoolVar(&asJSON, "json", false, "end with one JSON object")
	_ = cmd.MarkFlagRequired("plan")
	return cmd
}

// simFlags reads the flags that need parsing into the simulation.
func simFlags(sc *quota.SimConfig, start, days, hours string) error {
	if !slices.Contains(config.Plans, sc.Plan) {
		return fmt.Errorf("--plan is %q; use one of %s", sc.Plan, strings.Join(config.Plans, ", "))
	}
	day, err := time.Parse("2006-01-02", start)
	if err != nil {
		return fmt.Errorf("--start is %q; use a date such as 2026-03-02", start)
	}
	sc.Start = day
	begin, end, ok := strings.Cut(hours, "-")
	if !ok {
		return fmt.Errorf("--hours is %q; use start-end, such as 09:00-18:00", hours)
	}
	sc.WorkingHours = config.WorkingHours{Start: strings.TrimSpace(begin), End: strings.TrimSpace(end)}
	for _, d := range strings.Split(days, ",") {
		if d = strings.TrimSpace(d); d != "" {
			sc.WorkingHours.Days = append(sc.WorkingHours.Days, d)
		}
	}
	return nil
}

// printSimulation writes one line per week with the invitations sent each
// day, then a summary.
func printSimulation(cmd *cobra.Command, r quota.SimResult) {
	printf(cmd, "Simulated %s of a %s account (%s window, %s, seed %d), asking for %s every Monday.\n",
		wording.Count(r.Weeks, "week", "weeks"), r.Plan, r.Window, r.Timezone, r.Seed, wording.Count(r.Demand, "invitation", "invitations"))
	printf(cmd, "%-10s", "week of")
	for i := 0; i < 7 && i < len(r.Days); i++ {
		printf(cmd, " %3s", r.Days[i].Weekday)
	}
	printf(cmd, "  %5s %7s\n", "sent", "waiting")
	asked, sent := 0, 0
	for w := 0; w*7 < len(r.Days); w++ {
		week := r.Days[w*7 : min(len(r.Days), w*7+7)]
		printf(cmd, "%-10s", week[0].Date)
		n := 0
		for _, d := range week {
			printf(cmd, " %3d", d.Sent)
			n += d.Sent
		}
		asked += r.Demand
		sent += n
		printf(cmd, "  %5d %7d\n", n, asked-sent)
	}
	printf(cmd, "Sent %d of the %d asked for; utilization %.3f of what %d a week allowed.\n",
		r.SentTotal, r.Demanded, r.Utilization, r.WeeklyLimit)
	printf(cmd, "Most in any 7 days: %d (limit %d); most in a day: %d (limit %d); outside working hours: %d; shortest gap: %.0f s.\n",
		r.MaxRolling7d, r.WeeklyLimit, r.MaxDay, r.DailyLimit, r.OutsideWorkingHours, r.MinGapSeconds)
	printf(cmd, "Sent after the week they were asked in: %d; still waiting at the end: %d.\n", r.SentLate, r.Backlog)
	printf(cmd, "Page loads: %d, profile views counted: %d; %d skipped, %d retried, %d failed; days over a daily limit: %d.\n",
		r.PageLoads, r.ViewsCounted, r.Skipped, r.Retried, r.Failed, r.DaysOverLimit)
}
