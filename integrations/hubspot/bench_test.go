package hubspot

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/pacerhq/pacer/integrations/httpclient"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspottest"
)

// benchWindow scales HubSpot's 10-second window down 100 times, so that the
// benchmark runs in seconds; the report converts back.
const (
	benchWindow = 100 * time.Millisecond
	realWindow  = 10 * time.Second
	benchLimit  = 100
)

// floorWindows is the number of whole windows n calls need at benchLimit
// per window: the first benchLimit go at once.
func floorWindows(calls int) int {
	return max(int(math.Ceil(float64(calls)/benchLimit))-1, 0)
}

// BenchmarkSync syncs 10,000 accepted connections to a fake HubSpot that
// enforces 100 requests per (scaled) 10 s window, and reports the calls made
// and the time against the rate-limit floor. With found emails synced later,
// as in production (the email is found after the connection is in HubSpot),
// HubSpot refuses every batch of them with 409 and the sync resolves the
// conflicts; only that second sync is measured. Run it once:
//
//	go test ./integrations/hubspot -run '^$' -bench Sync -benchtime 1x
func BenchmarkSync(b *testing.B) {
	cases := []struct {
		name  string
		found int  // email.found updates for the same people
		later bool // the found emails are synced after the accepted connections
		notes bool // also add a note per accepted connection, 100 per call
	}{
		{"accepted=10000", 0, false, false},
		{"accepted=10000+found=10000", 10_000, false, false},
		{"found=10000-after-accepted", 10_000, true, false},
		{"accepted=10000+notes", 0, false, true},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			var calls, limited, contacts int
			var elapsed time.Duration
			for range b.N {
				b.StopTimer()
				srv := hubspottest.New(hubspottest.Options{Token: testToken, RequestsPerWindow: benchLimit, Window: benchWindow,
					ProfileURLProperty: DefaultProfileURLProperty})
				c, err := NewClient(Settings{Token: testToken, BaseURL: srv.URL, RequestsPerWindow: benchLimit, Window: benchWindow, Options: httpclient.Options{Logger: slog.New(slog.DiscardHandler)}})
				if err != nil {
					b.Fatal(err)
				}
				var updates []ContactUpdate
				for i := range 10_000 {
					updates = append(updates, person(i))
				}
				before := 0
				if bc.later {
					if _, err := c.SyncContacts(context.Background(), updates); err != nil {
						b.Fatal(err)
					}
					updates, before = nil, srv.Calls()
				}
				for i := range bc.found {
					u := person(i)
					u.Ref, u.Email = fmt.Sprintf("found-%d", i), fmt.Sprintf("p%d@example.com", i)
					updates = append(updates, u)
				}
				b.StartTimer()
				start := time.Now()
				rep, err := c.SyncContacts(context.Background(), updates)
				if err != nil {
					b.Fatal(err)
				}
				if bc.notes {
					var batch []Note
					at := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
					flush := func() {
						res, err := c.CreateNotes(context.Background(), batch)
						if err != nil {
							b.Fatal(err)
						}
						for _, e := range res.Errs {
							if e != nil {
								b.Fatal(e)
							}
						}
						batch = batch[:0]
					}
					for i := range 10_000 {
						batch = append(batch, ConnectedNote(rep.Results[fmt.Sprintf("acc-%d", i)].ContactID, at, "cto-berlin"))
						if len(batch) == MaxBatchSize {
							flush()
						}
					}
				}
				elapsed += time.Since(start)
				b.StopTimer()
				for ref, r := range rep.Results {
					if r.Err != nil {
						b.Fatalf("%s: %v", ref, r.Err)
					}
				}
				calls += srv.Calls() - before
				limited += srv.RateLimited()
				contacts += len(srv.Contacts())
				srv.Close()
			}
			n := float64(b.N)
			perRun := calls / b.N
			floor := time.Duration(floorWindows(perRun)) * benchWindow
			b.ReportMetric(float64(calls)/n, "calls/op")
			b.ReportMetric(float64(contacts)/n, "contacts/op")
			b.ReportMetric(float64(limited)/n, "429s/op")
			b.ReportMetric(float64(elapsed.Milliseconds())/n, "ms/op(scaled)")
			b.ReportMetric(float64(floor.Milliseconds()), "floor-ms(scaled)")
			b.ReportMetric(float64(floorWindows(perRun))*realWindow.Seconds(), "floor-s(real)")
			// Without coalescing and batching: one call per update and per note.
			single := 10_000 + bc.found
			if bc.later {
				single = bc.found
			}
			if bc.notes {
				single += 10_000
			}
			b.ReportMetric(float64(single), "uncoalesced-calls")
			b.ReportMetric(float64(floorWindows(single))*realWindow.Seconds(), "uncoalesced-floor-s(real)")
		})
	}
}
