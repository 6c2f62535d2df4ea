package delivery_test

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/integrations/delivery"
	"github.com/pacerhq/pacer/integrations/delivery/deliverytest"
	"github.com/pacerhq/pacer/integrations/webhook/webhooktest"
	"github.com/pacerhq/pacer/models/storetest"
)

// BenchmarkWebhooksThroughRiver records 5,000 invite.accepted events for
// one webhook endpoint on a local receiver and lets River deliver them with
// the production queue settings: signed deliveries per second, end to end.
//
//	go test ./integrations/delivery -run '^$' -bench WebhooksThroughRiver -benchtime 1x
func BenchmarkWebhooksThroughRiver(b *testing.B) {
	const events = 5_000
	for _, dialect := range deliverytest.Dialects {
		b.Run(dialect, func(b *testing.B) {
			var elapsed time.Duration
			for range b.N {
				b.StopTimer()
				r := webhooktest.New(deliverytest.Secret)
				cfg := &config.Config{Webhooks: []config.Webhook{{Name: "crm", URL: config.Secret(r.URL), Secret: deliverytest.Secret,
					Events: []string{"invite.accepted"}}}}
				w := &deliverytest.World{T: b, Cfg: cfg, Store: storetest.OpenConfig(b, dialect, cfg), Logs: &deliverytest.SyncBuffer{},
					Opts: delivery.Options{Logger: slog.New(slog.DiscardHandler)}}
				w.RecordAccepted(events)
				b.StartTimer()
				start := time.Now()
				stop := w.Start()
				deliverytest.WaitFor(b, 5*time.Minute, func() bool {
					return r.Stats().Delivered == events && deliverytest.Unfinished(b, w.Store, "delivery") == 0
				},
					func() string { return fmt.Sprintf("%+v", r.Stats()) })
				elapsed += time.Since(start)
				b.StopTimer()
				stop(false)
				if st := r.Stats(); st.Rejected != 0 || st.Duplicates != 0 {
					b.Errorf("receiver: %+v", st)
				}
				r.Close()
			}
			b.ReportMetric(events*float64(b.N)/elapsed.Seconds(), "deliveries/s")
		})
	}
}
