package runner_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/executor/browser/browsertest"
	"github.com/pacerhq/pacer/executor/linkedin"
	"github.com/pacerhq/pacer/executor/runner"
	"github.com/pacerhq/pacer/executor/sim"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/quota"
)

// BenchmarkRunner measures approved invitations carried out per minute
// through the whole runner — claim, reservation, the adapter in Chromium
// against the simulator, the record and its events — with pacing out of
// the way (the fast pace with a gap of a nanosecond): one account acting
// alone, and four at once. One iteration is a batch of 32 invitations
// (split among the accounts, each under LinkedIn's daily ceiling of 40). It
// reports the peak memory of the test process (RSS) and of its Chromium
// (PSS, every process of the browser).
func BenchmarkRunner(b *testing.B) {
	for _, dialect := range []string{models.DialectSQLite, models.DialectPostgres} {
		for _, accounts := range []int{1, 4} {
			b.Run(fmt.Sprintf("%s/concurrency=%d", dialect, accounts), func(b *testing.B) {
				benchRunner(b, dialect, accounts)
			})
		}
	}
}

// benchBatch is how many invitations one iteration sends.
const benchBatch = 32

func benchRunner(b *testing.B, dialect string, accounts int) {
	s := storetest.Open(b, dialect)
	n := func(v int) *int { return &v }
	// Each iteration acts with accounts of its own, so that no account
	// passes the daily ceiling however many iterations run.
	cfg := &config.Config{Timezone: "UTC", LinkedIn: config.LinkedIn{Concurrency: accounts}}
	for it := range b.N {
		for i := range accounts {
			name := fmt.Sprintf("it%da%d", it, i)
			cfg.Accounts = append(cfg.Accounts, config.Account{Name: name, Plan: "premium", Timezone: "UTC",
				WorkingHours: config.WorkingHours{Days: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, Start: "00:00", End: "23:59"},
				Limits:       config.Limits{InvitesPerDay: n(40), InvitesPerWeek: n(200), ActionsPerDay: n(150)}})
			cfg.Campaigns = append(cfg.Campaigns, config.Campaign{Name: "c" + name, Account: name, Channel: "C0" + strings.ToUpper(name),
				Note: "Hi {{first_name|there}}, glad to connect.", Steps: []string{"invite"}, FindEmail: "none", UndoWindow: "0"})
		}
	}
	ctx := context.Background()
	if err := s.SyncConfig(ctx, cfg); err != nil {
		b.Fatal(err)
	}
	engine := quota.New(s, cfg, quota.Options{Pace: quota.PaceFast, MinGap: time.Nanosecond, Rand: rand.New(rand.NewPCG(1, 2))})
	proposer := campaign.New(s, cfg, campaign.FromQuota(engine), campaign.Options{})
	simulator := sim.New(sim.Options{WeeklyLimit: -1, Logger: testLogger()})
	srv := httptest.NewServer(simulator)
	defer srv.Close()
	br := browsertest.Launch(b, "")
	site, err := linkedin.New(br, linkedin.Options{BaseURL: srv.URL, Logger: testLogger()})
	if err != nil {
		b.Fatal(err)
	}

	var peak struct {
		sync.Mutex
		goRSS, chromePSS int64
	}
	sampleCtx, stopSampling := context.WithCancel(ctx)
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			rss := selfRSS()
			pss, _ := browsertest.PSS(br.UserDataDir())
			peak.Lock()
			peak.goRSS, peak.chromePSS = max(peak.goRSS, rss), max(peak.chromePSS, pss)
			peak.Unlock()
			select {
			case <-sampleCtx.Done():
				return
			case <-t.C:
			}
		}
	}()

	var elapsed time.Duration
	b.ResetTimer()
	for it := range b.N {
		b.StopTimer()
		for i := range accounts {
			name := fmt.Sprintf("it%da%d", it, i)
			per := benchBatch / accounts
			var csv strings.Builder
			csv.WriteString("profile_url,first_name\n")
			for j := range per {
				fmt.Fprintf(&csv, "https://www.linkedin.com/in/bench-%s-%d-more/,B%d\n", name, j, j)
			}
			if _, err := campaign.Import(ctx, s, "c"+name, strings.NewReader(csv.String()), campaign.ImportOptions{}); err != nil {
				b.Fatal(err)
			}
			batch, err := proposer.Propose(ctx, "c"+name, per)
			if err != nil || len(batch.Items) != per {
				b.Fatalf("propose: %v", err)
			}
			if _, err := proposer.Approve(ctx, batch.Proposal.ID, batch.Proposal.Version, "U0BENCH"); err != nil {
				b.Fatal(err)
			}
		}
		r, err := runner.New(s, cfg, engine, site, runner.Options{Simulated: true, PollInterval: 50 * time.Millisecond, Logger: testLogger()})
		if err != nil {
			b.Fatal(err)
		}
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		b.StartTimer()
		start := time.Now()
		go func() { done <- r.Run(runCtx) }()
		for {
			var open int64
			if err := s.DB.Model(&models.Action{}).Where("state IN ?", []string{models.ActionScheduled, models.ActionInFlight}).Count(&open).Error; err != nil {
				b.Fatal(err)
			}
			if open == 0 {
				break
			}
			if time.Since(start) > 10*time.Minute {
				b.Fatal("the batch did not finish within 10 minutes")
			}
			time.Sleep(20 * time.Millisecond)
		}
		elapsed += time.Since(start)
		b.StopTimer()
		stop()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	stopSampling()
	<-sampled
	if got, want := len(simulator.Received().Invitations), b.N*benchBatch; got != want {
		b.Fatalf("the simulator received %d invitations, want %d", got, want)
	}
	b.ReportMetric(float64(b.N*benchBatch)/elapsed.Minutes(), "actions/min")
	b.ReportMetric(float64(peak.goRSS)/(1<<20), "peak-go-RSS-MB")
	b.ReportMetric(float64(peak.chromePSS)/(1<<20), "peak-chromium-PSS-MB")
	b.ReportMetric(float64(peak.goRSS+peak.chromePSS)/(1<<20), "peak-total-MB")
}

// selfRSS returns the test process's resident set size, in bytes.
func selfRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}
