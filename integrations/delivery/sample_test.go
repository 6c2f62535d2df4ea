package delivery_test

import (
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/integrations/delivery"
	"github.com/pacerhq/pacer/integrations/delivery/deliverytest"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspotsync"
	"github.com/pacerhq/pacer/integrations/webhook/webhooktest"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/pacertype"
)

func TestSendTestGoesThroughTheDeliveryPathToOneEndpointOnly(t *testing.T) {
	t.Parallel()
	for _, dialect := range deliverytest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			crm, other := webhooktest.New(deliverytest.Secret), webhooktest.New(deliverytest.Secret)
			t.Cleanup(crm.Close)
			t.Cleanup(other.Close)
			// The first attempt fails: the test retries on the schedule.
			flaky := httptest.NewServer(&deliverytest.FailFirst{Next: crm, N: 1})
			t.Cleanup(flaky.Close)
			hub, hc := deliverytest.NewHubSpot(t, slog.New(slog.DiscardHandler))
			cfg := &config.Config{
				HubSpot: config.HubSpot{Enabled: true, Token: deliverytest.Token},
				Webhooks: []config.Webhook{
					{Name: "crm", URL: config.Secret(flaky.URL + "/hook"), Secret: deliverytest.Secret, Events: []string{"invite.accepted"}},
					{Name: "other", URL: config.Secret(other.URL), Secret: deliverytest.Secret, Events: []string{"invite.accepted"}},
				},
			}
			s := storetest.OpenConfig(t, dialect, cfg)
			svc, err := delivery.New(cfg, s, delivery.Options{RetryDelay: deliverytest.ScaledDelay, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			// HubSpot's sync is there, as in `pacer serve`: a test reaches it no more than any other destination.
			if _, err := hubspotsync.New(cfg, s, svc, hubspotsync.Options{Client: hc, Logger: slog.New(slog.DiscardHandler)}); err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()

			var failures []delivery.TestAttempt
			res, err := svc.SendTest(ctx, []delivery.TestRequest{{Endpoint: "crm", Type: pacertype.EventInviteAccepted}}, 10*time.Second,
				func(a delivery.TestAttempt) { failures = append(failures, a) })
			if err != nil {
				t.Fatal(err)
			}
			r := res[0]
			if !r.Delivered || !r.Final || r.StatusCode != 200 || len(r.Failures) != 1 || len(failures) != 1 ||
				!strings.Contains(failures[0].Error, "503") {
				t.Fatalf("SendTest() = %s, want delivered at the second attempt", deliverytest.JSON(res))
			}
			ds := crm.Deliveries()
			if len(ds) != 1 || ds[0].ID != r.EventID || ds[0].Type != "invite.accepted" || !strings.Contains(string(ds[0].Body), "jane-doe-0a1b2c") {
				t.Fatalf("the receiver got %s, want the sample under the webhook-id %s", deliverytest.JSON(ds), r.EventID)
			}
			if n := other.Stats().Requests; n != 0 {
				t.Errorf("the other endpoint got %d requests", n)
			}
			if hub.Calls() != 0 {
				t.Errorf("HubSpot got %d calls", hub.Calls())
			}
			var events int64
			s.DB.Model(&models.Event{}).Count(&events)
			if events != 0 {
				t.Errorf("the test stored %d events, want none", events)
			}

			// A 410 is reported, and does not disable the endpoint.
			crm.SetStatus(410)
			res, err = svc.SendTest(ctx, []delivery.TestRequest{{Endpoint: "crm", Type: pacertype.EventEmailFound}}, 10*time.Second, nil)
			if err != nil || res[0].Delivered || !res[0].Final || !strings.Contains(res[0].Failures[0].Error, "410") {
				t.Fatalf("SendTest() to a 410 = %s, %v", deliverytest.JSON(res), err)
			}
			if d, _ := delivery.DisabledEndpoints(ctx, s); len(d) != 0 {
				t.Errorf("a test disabled %s", deliverytest.JSON(d))
			}
			if dl := deliverytest.DeadLetters(t, s); len(dl) != 0 {
				t.Errorf("a test made dead letters: %s", deliverytest.JSON(dl))
			}

			if _, err := svc.SendTest(ctx, []delivery.TestRequest{{Endpoint: "nope", Type: pacertype.EventInviteSent}}, time.Second, nil); !errors.Is(err, delivery.ErrUnknownEndpoint) ||
				!strings.Contains(err.Error(), "[crm other]") {
				t.Errorf("SendTest(nope) = %v, want ErrUnknownEndpoint naming the endpoints", err)
			}
			if got := svc.EndpointTypes("crm"); len(got) != 1 || got[0] != pacertype.EventInviteAccepted {
				t.Errorf("EndpointTypes(crm) = %v", got)
			}
		})
	}
}
