package hubspotsync_test

import (
	"fmt"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/integrations/delivery"
	"github.com/pacerhq/pacer/integrations/delivery/deliverytest"
	"github.com/pacerhq/pacer/integrations/httpclient"
	"github.com/pacerhq/pacer/integrations/hubspot"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspotsync"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspottest"
	"github.com/pacerhq/pacer/models/storetest"
)

// BenchmarkAcceptedThroughRiver records 10,000 invite.accepted events and
// lets River work them with the production settings (queues, debounce,
// hold), against a fake HubSpot that enforces 100 requests per 10 s scaled
// down 100 times (100 per 100 ms). It reports the calls (contact upserts,
// note batches), the rate at which River works the delivery jobs (not
// scaled: it dominates the time), the time from the last delivery job to the
// last note, and the rate-limit floor. Run it once:
//
//	go test ./integrations/hubspot/hubspotsync -run '^$' -bench AcceptedThroughRiver -benchtime 1x
func BenchmarkAcceptedThroughRiver(b *testing.B) {
	const events = 10_000
	const scale = 100 // HubSpot's 10 s window lasts 100 ms
	for _, dialect := range deliverytest.Dialects {
		b.Run(dialect, func(b *testing.B) {
			var upserts, notes, calls, limited int
			var elapsed, ingest time.Duration
			for range b.N {
				b.StopTimer()
				hub := hubspottest.New(hubspottest.Options{Token: deliverytest.Token, RequestsPerWindow: 100, Window: 10 * time.Second / scale,
					ProfileURLProperty: hubspot.DefaultProfileURLProperty})
				b.Cleanup(hub.Close)
				hc, err := hubspot.NewClient(hubspot.Settings{Token: deliverytest.Token, BaseURL: hub.URL, RequestsPerWindow: 100, Window: 10 * time.Second / scale, Options: httpclient.Options{Logger: slog.New(slog.DiscardHandler)}})
				if err != nil {
					b.Fatal(err)
				}
				cfg := &config.Config{HubSpot: config.HubSpot{Enabled: true, Token: deliverytest.Token}}
				w := &deliverytest.World{T: b, Cfg: cfg, Store: storetest.OpenConfig(b, dialect, cfg), Logs: &deliverytest.SyncBuffer{},
					Opts: delivery.Options{Logger: slog.New(slog.DiscardHandler)}, HubSpot: &hubspotsync.Options{Client: hc}}
				w.RecordAccepted(events)
				b.StartTimer()
				start := time.Now()
				stop := w.Start()
				deliverytest.WaitFor(b, 5*time.Minute, func() bool { return deliverytest.Unfinished(b, w.Store, "delivery") == 0 }, func() string { return "" })
				ingest += time.Since(start)
				deliverytest.WaitFor(b, 5*time.Minute, func() bool { return hub.NoteCount() == events && deliverytest.PendingUpdates(b, w.Store) == 0 },
					func() string {
						return fmt.Sprintf("notes %d, pending %d", hub.NoteCount(), deliverytest.PendingUpdates(b, w.Store))
					})
				elapsed += time.Since(start)
				b.StopTimer()
				stop(false)
				if got := len(hub.Contacts()); got != events {
					b.Fatalf("contacts: %d, want %d", got, events)
				}
				upserts += hub.CallsTo(hubspottest.RouteUpsertContacts)
				notes += hub.CallsTo(hubspottest.RouteCreateNotes)
				calls += hub.Calls()
				limited += hub.RateLimited()
			}
			n := float64(b.N)
			floorWindows := math.Ceil(float64(calls)/n/100) - 1
			b.ReportMetric(float64(upserts)/n, "upsert-calls/op")
			b.ReportMetric(float64(notes)/n, "note-calls/op")
			b.ReportMetric(float64(calls)/n, "calls/op")
			b.ReportMetric(float64(limited)/n, "429s/op")
			b.ReportMetric(float64(elapsed.Milliseconds())/n, "ms/op")
			b.ReportMetric(events*n/ingest.Seconds(), "deliveries/s")
			b.ReportMetric(float64((elapsed-ingest).Milliseconds())/n, "sync-tail-ms/op")
			b.ReportMetric(floorWindows*10_000/scale, "floor-ms(scaled)")
			b.ReportMetric(floorWindows*10, "floor-s(real)")
		})
	}
}
