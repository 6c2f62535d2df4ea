package bot

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

// BenchmarkAckLatency measures how long HTTP mode takes to acknowledge
// Slack when 50 interactions arrive at once, on each store: signed
// block_actions (Skip on 25 items) and slash commands (25 `/pacer quota`),
// over real HTTP, while the work each one starts after its ack (database
// writes, Web API calls to the fake Slack) runs beside them. It reports the
// 50th and 99th percentiles of the ack latency; the goal is a p99 well under
// 100 ms (Slack allows 3 s).
//
//	go test ./bot -run '^$' -bench AckLatency -benchtime 20x
//
// The "acks-only" variants switch the work after the ack off, to show what
// the ack itself costs and how much the work beside it takes from it.
func BenchmarkAckLatency(b *testing.B) {
	for _, dialect := range []string{models.DialectSQLite, models.DialectPostgres} {
		b.Run(dialect, func(b *testing.B) { benchmarkAckLatency(b, dialect, true) })
		b.Run(dialect+"/acks-only", func(b *testing.B) { benchmarkAckLatency(b, dialect, false) })
	}
}

func benchmarkAckLatency(b *testing.B, dialect string, withWork bool) {
	{
		{
			s := storetest.OpenConfig(b, dialect, &config.Config{Slack: config.Slack{BotToken: "xoxb-bench"}})
			w := setupWith(b, s, newFakeSlack(b), nil)
			w.importProspects(b, "cto-berlin", 1, 40)
			p := w.propose(b, "cto-berlin", 25)
			items := w.items(b, p.ID)
			if !withWork {
				_ = w.bot.Close(context.Background())
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}}
			const concurrent = 50
			var latencies []time.Duration
			var mu sync.Mutex
			b.ResetTimer()
			for range b.N {
				var wg sync.WaitGroup
				start := make(chan struct{})
				for i := range concurrent {
					var path, body string
					if i%2 == 0 {
						it := items[(i/2)%len(items)]
						value := buttonValue{ProposalID: p.ID, Version: p.Version, ItemID: it.ID}.String()
						path, body = PathInteractivity, w.blockActionBody(approver, p, ActionSkip, value)
					} else {
						path, body = PathCommands, w.commandBody(stranger, ctoChannel, "quota")
					}
					req, err := http.NewRequest(http.MethodPost, w.http.URL+path, strings.NewReader(body))
					if err != nil {
						b.Fatal(err)
					}
					req.Header = Sign(testSecret, w.clock.Now(), []byte(body))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					wg.Go(func() {
						<-start
						t0 := time.Now()
						resp, err := client.Do(req)
						d := time.Since(t0)
						if err != nil {
							b.Error(err)
							return
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != 200 {
							b.Errorf("status %d", resp.StatusCode)
						}
						mu.Lock()
						latencies = append(latencies, d)
						mu.Unlock()
					})
				}
				close(start)
				wg.Wait()
				// Let the round's work finish, so that rounds do not pile
				// up work no real team would send.
				b.StopTimer()
				w.bot.tasks.wait()
				b.StartTimer()
			}
			b.StopTimer()
			slices.Sort(latencies)
			b.ReportMetric(ms(percentile(latencies, 0.50)), "p50-ms")
			b.ReportMetric(ms(percentile(latencies, 0.99)), "p99-ms")
			b.ReportMetric(ms(latencies[len(latencies)-1]), "max-ms")
			b.ReportMetric(0, "ns/op") // the round's duration says nothing here
			if testing.Verbose() {
				fmt.Printf("%s (work after acks: %t): %d acks, p50 %.2f ms, p99 %.2f ms\n", dialect, withWork, len(latencies), ms(percentile(latencies, 0.5)), ms(percentile(latencies, 0.99)))
			}
		}
	}
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
