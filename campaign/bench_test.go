package campaign

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

// csvGen writes a CSV of n prospects as it is read, so that the benchmark
// holds no file in memory: what the import holds is what it measures.
type csvGen struct {
	prefix string
	n, i   int
	buf    bytes.Buffer
}

func (g *csvGen) Read(p []byte) (int, error) {
	for g.buf.Len() < len(p) && g.i <= g.n {
		if g.i == 0 {
			g.buf.WriteString("profile_url,first_name,last_name,company,title,email,talk\r\n")
		} else {
			fmt.Fprintf(&g.buf, "https://www.linkedin.com/in/%s-%d/,First%d,Last,\"Company %d, Inc.\",CTO,first%d@company%d.com,Talk %d\r\n",
				g.prefix, g.i, g.i, g.i%5000, g.i, g.i%5000, g.i)
		}
		g.i++
	}
	if g.buf.Len() == 0 {
		return 0, io.EOF
	}
	return g.buf.Read(p)
}

// BenchmarkImport imports files of 10,000 and 100,000 rows (and 1,000,000
// with PACER_BENCH_MILLION=1) on both stores. It reports rows per second and
// the peak heap in use during the import, sampled after every batch: the
// peak stays flat as the file grows.
func BenchmarkImport(b *testing.B) {
	sizes := []int{10_000, 100_000}
	if os.Getenv("PACER_BENCH_MILLION") != "" {
		sizes = append(sizes, 1_000_000)
	}
	for _, dialect := range []string{models.DialectSQLite, models.DialectPostgres} {
		for _, rows := range sizes {
			b.Run(dialect+"/rows="+strconv.Itoa(rows), func(b *testing.B) {
				s := storetest.Open(b, dialect)
				bd := setup(b, s, nil)
				_ = bd
				b.ReportAllocs()
				var peak uint64
				var ms runtime.MemStats
				sample := func(ImportProgress) {
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapInuse)
				}
				var elapsed, cpu time.Duration
				b.ResetTimer()
				for i := range b.N {
					runtime.GC()
					cpuStart := cpuTime()
					start := time.Now()
					sum, err := Import(context.Background(), s, "cto", &csvGen{prefix: "b" + strconv.Itoa(i), n: rows},
						ImportOptions{Progress: sample})
					elapsed += time.Since(start)
					cpu += cpuTime() - cpuStart
					if err != nil || sum.Imported != rows {
						b.Fatalf("import: %+v, %v", sum, err)
					}
				}
				b.ReportMetric(float64(rows*b.N)/elapsed.Seconds(), "rows/s")
				// This process's CPU time: on a shared machine, wall time
				// measures the neighbours as much as the import.
				b.ReportMetric(float64(rows*b.N)/cpu.Seconds(), "rows/cpu-s")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			})
		}
	}
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPropose proposes from a campaign of 1,000,000 prospects of which
// the first 100,000 in queue order were already contacted:
//
//   - contacted-here: by this campaign (their enrollments are done);
//   - contacted-elsewhere: by another account (their prospects are pending
//     or connected, their enrollments here still queued), one priority step
//     back, where the runner (models.DeferInOtherQueues) and the import
//     leave them;
//   - contacted-elsewhere-unmaintained: the same with their enrollments
//     still at the head of the queue, as only a database changed behind
//     Pacer's back has them: each proposal walks one window of them
//     (walkWindow) and passes it over, proposing nothing (ErrQueueTidied),
//     until the head is out of the way.
//
// Each layout runs with the campaign sent by one account and shared by
// three (senders=3: each batch is for the sender with the most room, and
// the walk also leaves out the team's connections and prospects another
// sender touched first). Each iteration proposes one batch of at most 25
// (sized by the real quota engine) and,
// untimed, rejects it. Every call is timed: p99-ms is the 99th percentile
// of them all, the first included, and the first is reported apart too
// (first-proposal-ms). In the last layout, calls-to-batch counts the calls,
// from the first, until one proposes a batch. It logs the candidate query's
// plan on each store.
func BenchmarkPropose(b *testing.B) {
	for _, dialect := range []string{models.DialectSQLite, models.DialectPostgres} {
		for _, senders := range []int{1, 3} {
			for _, layout := range []string{"contacted-here", "contacted-elsewhere", "contacted-elsewhere-unmaintained"} {
				b.Run(fmt.Sprintf("%s/senders=%d/%s", dialect, senders, layout), func(b *testing.B) {
					benchmarkPropose(b, dialect, senders, layout)
				})
			}
		}
	}
}

// benchConfig is the benchmark's configuration: cto proposes batches of 25,
// sent by anna alone or shared by anna, carl and dana.
func benchConfig(senders int) *config.Config {
	cfg := teamConfig()
	cto := &cfg.Campaigns[0]
	cto.BatchSize = 25
	if senders == 3 {
		cto.Account, cto.Senders = "", []string{"anna", "carl", "dana"}
	}
	return cfg
}

func benchmarkPropose(b *testing.B, dialect string, senders int, layout string) {
	const total, contacted = 1_000_000, 100_000
	ctx := context.Background()
	s := storetest.Open(b, dialect)
	bd := setup(b, s, benchConfig(senders))
	bd.withEngine()
	campaignID := bd.campaigns["cto"]
	now := bd.clock.Now()
	start := time.Now()
	enrollmentState, priority := "CASE WHEN x <= ? THEN 'done' ELSE 'queued' END", "0"
	switch layout {
	case "contacted-elsewhere":
		enrollmentState, priority = "CASE WHEN x <= ? THEN 'queued' ELSE 'queued' END", "CASE WHEN x <= "+fmt.Sprint(contacted)+" THEN 1 ELSE 0 END"
	case "contacted-elsewhere-unmaintained":
		enrollmentState = "CASE WHEN x <= ? THEN 'queued' ELSE 'queued' END"
	}
	for _, q := range []string{
		`WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < ?)
					INSERT INTO prospects (slug, profile_url, first_name, last_name, company, title, email, email_domain, vars, state, created_at, updated_at)
					SELECT 'p' || x, 'https://www.linkedin.com/in/p' || x || '/', 'First' || x, 'Last', 'Co ' || (x % 5000), 'CTO',
						'p' || x || '@co' || (x % 5000) || '.com', 'co' || (x % 5000) || '.com', '{}',
						CASE WHEN x > ? THEN 'new' WHEN x % 2 = 0 THEN 'connected' ELSE 'pending' END, ?, ?
					FROM g`,
		`WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < ?)
					INSERT INTO enrollments (campaign_id, prospect_id, position, priority, state, created_at, updated_at)
					SELECT ?, x, x, ` + priority + `, ` + enrollmentState + `, ?, ? FROM g`,
	} {
		var err error
		if strings.Contains(q, "INTO prospects") {
			err = s.DB.Exec(q, total, contacted, now, now).Error
		} else {
			err = s.DB.Exec(q, total, campaignID, contacted, now, now).Error
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	if senders == 3 {
		// carl viewed every tenth of the next 20,000 (they stay his), and
		// dana is connected to every hundredth of them.
		err := s.DB.Exec(`WITH RECURSIVE g(x) AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT x + 10 FROM g WHERE x < ?)
			INSERT INTO actions (account_id, prospect_id, kind, state, scheduled_at, finished_at, created_at, updated_at)
			SELECT ?, x, 'view', 'done', ?, ?, ?, ? FROM g`, contacted+10, contacted+20_000, bd.accounts["carl"], now, now, now, now).Error
		if err == nil {
			err = s.DB.Exec(`WITH RECURSIVE g(x) AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT x + 100 FROM g WHERE x < ?)
				INSERT INTO account_connections (account_id, slug, source, created_at) SELECT ?, 'p' || x, 'export', ? FROM g`,
				contacted+7, contacted+20_000, bd.accounts["dana"], now).Error
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	// A few entries on the do-not-contact list, as a team has them.
	if _, err := Suppress(ctx, s, []string{"co7.com", "co11.com", "p100005@co5.com", "p100009"}, "", "U1", now); err != nil {
		b.Fatal(err)
	}
	if dialect == models.DialectPostgres {
		s.DB.Exec("ANALYZE") // autovacuum's job, done now
	}
	b.Logf("setup: %d prospects in %v", total, time.Since(start).Round(time.Second))
	b.Log(explainCandidates(b, s, campaignID, now))

	// propose proposes once and, untimed, rejects the batch: it
	// returns the call's time and the batch's size (0 when the
	// call only passed a window over).
	calls, toBatch := 0, 0
	propose := func() (time.Duration, int) {
		start := time.Now()
		bt, err := bd.p.Propose(ctx, "cto", 0)
		elapsed := time.Since(start)
		calls++
		if errors.Is(err, ErrQueueTidied) {
			return elapsed, 0
		}
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		defer b.StartTimer()
		if toBatch == 0 {
			toBatch = calls
		}
		if _, err := bd.p.Reject(ctx, bt.Proposal.ID, bt.Proposal.Version, "U1"); err != nil {
			b.Fatal(err)
		}
		return elapsed, len(bt.Items)
	}
	// The first proposal is where a head of contacted prospects
	// is met.
	firstTime, _ := propose()
	times := []time.Duration{firstTime}
	b.ResetTimer()
	var items int
	for range b.N {
		elapsed, n := propose()
		times = append(times, elapsed)
		items += n
	}
	b.StopTimer()
	b.ReportMetric(float64(items)/float64(b.N), "items/proposal")
	b.ReportMetric(float64(firstTime.Microseconds())/1000, "first-proposal-ms")
	b.ReportMetric(float64(percentile(times, 99).Microseconds())/1000, "p99-ms")
	if layout == "contacted-elsewhere-unmaintained" {
		for toBatch == 0 && calls < 1000 {
			propose()
		}
		b.StopTimer()
		b.ReportMetric(float64(toBatch), "calls-to-batch")
	}
}

// percentile returns the p-th percentile of the durations (nearest rank).
func percentile(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := (len(s)*p + 99) / 100
	return s[max(rank, 1)-1]
}

// explainCandidates returns the plan of the proposer's candidate query.
func explainCandidates(tb testing.TB, s *models.Store, campaignID int64, now time.Time) string {
	tb.Helper()
	prefix := "EXPLAIN QUERY PLAN "
	if s.Dialect == models.DialectPostgres {
		prefix = "EXPLAIN (ANALYZE, BUFFERS) "
	}
	var account int64
	s.DB.Raw("SELECT account_id FROM campaigns WHERE id = ?", campaignID).Scan(&account)
	rows, err := s.DB.Raw(prefix+candidateSQL, campaignID, walkWindow, now.Add(-reinviteAfter), []int64{campaignID}, []int64{account}, account, account, 60).Rows()
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out strings.Builder
	out.WriteString(s.Dialect + " plan:\n")
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			tb.Fatal(err)
		}
		out.WriteString(fmt.Sprint(vals[len(vals)-1]) + "\n")
	}
	return out.String()
}
