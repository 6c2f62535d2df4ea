package hubspotsync_test

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/integrations/delivery"
	"github.com/pacerhq/pacer/integrations/delivery/deliverytest"
	"github.com/pacerhq/pacer/integrations/hubspot"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspotsync"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspottest"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/pacertype"
)

func TestHubSpotRejectionIsADeadLetterWithHubSpotsMessage(t *testing.T) {
	t.Parallel()
	for _, dialect := range deliverytest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			hub, hc := deliverytest.NewHubSpot(t, slog.New(slog.DiscardHandler))
			cfg := &config.Config{HubSpot: config.HubSpot{Enabled: true, Token: deliverytest.Token}}
			w := &deliverytest.World{T: t, Cfg: cfg, Store: storetest.OpenConfig(t, dialect, cfg), Logs: &deliverytest.SyncBuffer{},
				Opts:    delivery.Options{RetryDelay: deliverytest.ScaledDelay, Logger: slog.New(slog.DiscardHandler)},
				HubSpot: &hubspotsync.Options{Client: hc, Debounce: time.Second, Hold: -1}}
			w.Start()
			bad := w.Record(deliverytest.Found(1, "jane@localhost"), deliverytest.Accepted(2))
			deliverytest.WaitFor(t, 10*time.Second, func() bool { return len(deliverytest.DeadLetters(t, w.Store)) == 1 && hub.NoteCount() == 1 },
				func() string {
					return fmt.Sprintf("dead letters %s, notes %d", deliverytest.JSON(deliverytest.DeadLetters(t, w.Store)), hub.NoteCount())
				})
			dl := deliverytest.DeadLetters(t, w.Store)[0]
			if dl.EventID != bad[0].ID || dl.Destination != "hubspot" || !strings.Contains(dl.LastError, "Email address jane@localhost is invalid") ||
				strings.Contains(dl.LastError, deliverytest.Token) {
				t.Errorf("dead letter: %s, want HubSpot's message", deliverytest.JSON(dl))
			}
			if a := deliverytest.Alerts(t, w.Store, pacertype.EventDeadLettered); len(a) != 1 || a[0].Destination != "hubspot" {
				t.Errorf("alerts: %s", deliverytest.JSON(a))
			}
			c, ok := hub.ContactBy(hubspot.DefaultProfileURLProperty, deliverytest.Person(2).ProfileURL)
			if !ok || len(hub.NotesFor(c.ID)) != 1 {
				t.Errorf("the deliverytest.Accepted connection's contact %v and its note are missing", ok)
			}
			notes := hub.NotesFor(c.ID)
			if body := notes[0].Properties["hs_note_body"]; !strings.Contains(body, "via campaign cto") {
				t.Errorf("note body %q", body)
			}
			// Sent again, it fails again: a new dead letter, the first one marked retried.
			if _, err := delivery.Retry(t.Context(), w.Store, nil, true); err != nil {
				t.Fatal(err)
			}
			deliverytest.WaitFor(t, 10*time.Second, func() bool {
				all, _ := delivery.ListDeadLetters(t.Context(), w.Store, true)
				return len(all) == 2 && all[0].RetriedAt != nil && all[1].Open()
			}, func() string {
				all, _ := delivery.ListDeadLetters(t.Context(), w.Store, true)
				return deliverytest.JSON(all)
			})
			if got := hub.CallsTo(hubspottest.RouteCreateNotes); got != 1 {
				t.Errorf("note batches: %d, want 1", got)
			}
		})
	}
}
