package campaign

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

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
