package delivery_test

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/integrations/delivery"
	"github.com/pacerhq/pacer/integrations/delivery/deliverytest"
	"github.com/pacerhq/pacer/integrations/finder/hunter/huntertest"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspotsync"
	"github.com/pacerhq/pacer/integrations/webhook/webhooktest"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/pacertype"
)

// webhookWorld is a store with one webhook endpoint, "crm", receiving
// invite.accepted, and Slack, whose deliverytest.Alerts the test inspects.
func webhookWorld(t *testing.T, dialect string, opts delivery.Options) (*deliverytest.World, *webhooktest.Receiver) {
	t.Helper()
	r := webhooktest.New(deliverytest.Secret)
	t.Cleanup(r.Close)
	cfg := &config.Config{
		Slack: config.Slack{BotToken: "xoxb-test"},
		Webhooks: []config.Webhook{{Name: "crm", URL: config.Secret(r.URL + "/hook"), Secret: deliverytest.Secret,
			Events: []string{"invite.accepted"}}},
	}
	logs := &deliverytest.SyncBuffer{}
	slack := deliverytest.NewFakeSlack(0)
	opts.Slack, opts.RetryDelay = slack, deliverytest.ScaledDelay
	opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	w := &deliverytest.World{T: t, Cfg: cfg, Store: storetest.OpenConfig(t, dialect, cfg), Slack: slack, Logs: logs, Opts: opts}
	return w, r
}

func TestGoneDisablesTheEndpoint(t *testing.T) {
	t.Parallel()
	for _, dialect := range deliverytest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			w, r := webhookWorld(t, dialect, delivery.Options{})
			r.SetStatus(410)
			w.Start()
			ctx := t.Context()
			first := w.Record(deliverytest.Accepted(1))[0]
			deliverytest.WaitFor(t, 10*time.Second, func() bool { return len(deliverytest.DeadLetters(t, w.Store)) == 1 },
				func() string { return deliverytest.JSON(deliverytest.JobStates(t, w.Store, "delivery")) })
			second := w.Record(deliverytest.Accepted(2))[0]
			deliverytest.WaitFor(t, 10*time.Second, func() bool { return len(deliverytest.DeadLetters(t, w.Store)) == 2 },
				func() string { return deliverytest.JSON(deliverytest.JobStates(t, w.Store, "delivery")) })

			if got := r.Stats().Requests; got != 1 {
				t.Errorf("the receiver got %d requests, want 1: the second event is held, not sent", got)
			}
			disabled, err := delivery.DisabledEndpoints(ctx, w.Store)
			if err != nil || len(disabled) != 1 || disabled[0].Name != "crm" || !strings.Contains(disabled[0].Reason, "410") {
				t.Fatalf("DisabledEndpoints() = %s, %v; want crm, disabled for its 410", deliverytest.JSON(disabled), err)
			}
			dl := deliverytest.DeadLetters(t, w.Store)
			if dl[0].EventID != first.ID || dl[1].EventID != second.ID || dl[1].Attempts != 1 ||
				!strings.Contains(dl[1].LastError, "pacer webhooks enable crm") {
				t.Errorf("dead letters: %s", deliverytest.JSON(dl))
			}
			a := deliverytest.Alerts(t, w.Store, pacertype.EventDeadLettered)
			if len(a) != 1 || a[0].Destination != "webhook:crm" || !strings.Contains(a[0].Reason, "disabled") {
				t.Fatalf("alerts: %s, want one, for the disabling", deliverytest.JSON(a))
			}
			deliverytest.WaitFor(t, 10*time.Second, func() bool { return deliverytest.Unfinished(t, w.Store, "delivery") == 0 },
				func() string { return deliverytest.JSON(deliverytest.JobStates(t, w.Store, "delivery")) })

			r.SetStatus(0)
			res, err := delivery.Retry(ctx, w.Store, nil, true)
			if err != nil || len(res.Retried) != 0 || len(res.Skipped) != 2 || !strings.Contains(res.Skipped[0].Reason, "pacer webhooks enable crm") {
				t.Fatalf("Retry(--all) while disabled = %s, %v; want both skipped", deliverytest.JSON(res), err)
			}
			was, held, err := delivery.EnableEndpoint(ctx, w.Store, "crm")
			if err != nil || !was || held != 2 {
				t.Fatalf("EnableEndpoint() = %v, %d, %v; want true, 2 held", was, held, err)
			}
			if res, err = delivery.Retry(ctx, w.Store, nil, true); err != nil || len(res.Retried) != 2 {
				t.Fatalf("Retry(--all) = %s, %v; want 2 retried", deliverytest.JSON(res), err)
			}
			deliverytest.WaitFor(t, 10*time.Second, func() bool { return r.Stats().Delivered == 2 }, func() string { return deliverytest.JSON(r.Stats()) })
			deliverytest.WaitFor(t, 10*time.Second, func() bool {
				all, _ := delivery.ListDeadLetters(ctx, w.Store, true)
				return len(all) == 2 && all[0].ResolvedAt != nil && all[1].ResolvedAt != nil && all[0].RetriedAt != nil
			}, func() string { all, _ := delivery.ListDeadLetters(ctx, w.Store, true); return deliverytest.JSON(all) })
			if n, err := delivery.DeadLetterCount(ctx, w.Store); err != nil || n != 0 {
				t.Errorf("DeadLetterCount() = %d, %v; want 0", n, err)
			}
		})
	}
}

func TestDeadLetterAfterTheLastAttemptThenRetry(t *testing.T) {
	t.Parallel()
	for _, dialect := range deliverytest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			w, r := webhookWorld(t, dialect, delivery.Options{MaxAttempts: 3})
			r.SetStatus(503)
			w.Start()
			ctx := t.Context()
			ev := w.Record(deliverytest.Accepted(1))[0]
			deliverytest.WaitFor(t, 10*time.Second, func() bool { return len(deliverytest.DeadLetters(t, w.Store)) == 1 },
				func() string { return deliverytest.JSON(deliverytest.JobStates(t, w.Store, "delivery")) })
			dl := deliverytest.DeadLetters(t, w.Store)[0]
			if dl.EventID != ev.ID || dl.EventType != "invite.accepted" || dl.Destination != "webhook:crm" || dl.Attempts != 3 ||
				!strings.Contains(dl.LastError, "503") || strings.Contains(dl.LastError, "/hook") {
				t.Errorf("dead letter: %s", deliverytest.JSON(dl))
			}
			if got := r.Stats().Requests; got != 3 {
				t.Errorf("the receiver got %d requests, want 3 attempts", got)
			}
			a := deliverytest.Alerts(t, w.Store, pacertype.EventDeadLettered)
			if len(a) != 1 || a[0].Destination != "webhook:crm" || a[0].Campaign != "cto" || !strings.Contains(a[0].Reason, "503") {
				t.Fatalf("alerts: %s", deliverytest.JSON(a))
			}
			// The alert goes to Slack, and only there.
			deliverytest.WaitFor(t, 10*time.Second, func() bool { return w.Slack.Count(alertID(t, w.Store)) == 1 }, func() string { return "no alert in Slack" })
			if n, _ := delivery.DeadLetterCount(ctx, w.Store); n != 1 {
				t.Errorf("DeadLetterCount() = %d, want 1", n)
			}
			backlog, err := delivery.Backlogs(ctx, w.Store)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("backlog %s", deliverytest.JSON(backlog))

			r.SetStatus(0)
			res, err := delivery.Retry(ctx, w.Store, []int64{dl.ID}, false)
			if err != nil || len(res.Retried) != 1 {
				t.Fatalf("Retry(%d) = %s, %v", dl.ID, deliverytest.JSON(res), err)
			}
			if _, err := delivery.Retry(ctx, w.Store, []int64{dl.ID}, false); !errors.Is(err, delivery.ErrNoDeadLetter) {
				t.Errorf("Retry(%d) again = %v, want ErrNoDeadLetter", dl.ID, err)
			}
			deliverytest.WaitFor(t, 10*time.Second, func() bool { return r.Stats().Delivered == 1 }, func() string { return deliverytest.JSON(r.Stats()) })
			if d := r.Deliveries()[0]; d.ID != ev.ID {
				t.Errorf("delivered webhook-id %s, want the event's id %s", d.ID, ev.ID)
			}
		})
	}
}

// alertID returns the id of the (one) dead-letter alert event.
func alertID(t *testing.T, s *models.Store) string {
	var ev models.Event
	s.DB.Where("type = ?", pacertype.EventDeadLettered).Limit(1).Find(&ev)
	return ev.ID
}

func TestHunterFindsEmailsAndPausesWhenTheQuotaIsSpent(t *testing.T) {
	t.Parallel()
	for _, dialect := range deliverytest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			const key = "hunter-s3cret-key"
			hsrv := huntertest.New(key)
			t.Cleanup(hsrv.Close)
			for i := range 4 {
				p := deliverytest.Person(i)
				hsrv.AddPerson(p.Company, p.FirstName, p.LastName, fmt.Sprintf("first%d@acme.com", i), 90)
			}
			hub, hc := deliverytest.NewHubSpot(t, slog.New(slog.DiscardHandler))
			r := webhooktest.New(deliverytest.Secret)
			t.Cleanup(r.Close)
			cfg := &config.Config{
				HubSpot:   config.HubSpot{Enabled: true, Token: deliverytest.Token},
				Hunter:    config.Hunter{APIKey: key, APIURL: hsrv.URL},
				Campaigns: []config.Campaign{{Name: "cto", Account: "anna", FindEmail: "hunter"}},
				Webhooks:  []config.Webhook{{Name: "crm", URL: config.Secret(r.URL), Secret: deliverytest.Secret, Events: []string{"email.found"}}},
			}
			logs := &deliverytest.SyncBuffer{}
			w := &deliverytest.World{T: t, Cfg: cfg, Store: storetest.OpenConfig(t, dialect, cfg), Logs: logs,
				HubSpot: &hubspotsync.Options{Client: hc, Debounce: time.Second, Hold: -1},
				Opts: delivery.Options{RetryDelay: deliverytest.ScaledDelay,
					Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}}
			w.Start()

			w.Record(deliverytest.Accepted(0))
			deliverytest.WaitFor(t, 10*time.Second, func() bool {
				c, ok := hub.ContactBy("email", "first0@acme.com")
				return ok && len(hub.NotesFor(c.ID)) == 1 && r.Stats().Delivered == 1
			}, func() string {
				return fmt.Sprintf("contacts %s, receiver %+v", deliverytest.JSON(hub.Contacts()), r.Stats())
			})
			if d := r.Deliveries()[0]; d.Type != "email.found" || !strings.Contains(string(d.Body), `"source":"hunter","score":90`) {
				t.Errorf("delivered %s: %s", d.Type, d.Body)
			}
			if n := deliverytest.EventCount(t, w.Store, "email.found"); n != 1 {
				t.Errorf("email.found events: %d, want 1", n)
			}
			if got := len(hub.Contacts()); got != 1 {
				t.Errorf("contacts: %d, want 1 (the acceptance and the email are the same deliverytest.Person)", got)
			}

			hsrv.SetQuota(0)
			w.Record(deliverytest.Accepted(1))
			deliverytest.WaitFor(t, 10*time.Second, func() bool { return deliverytest.EventCount(t, w.Store, pacertype.EventIntegrationPaused) == 1 },
				func() string { return deliverytest.JSON(deliverytest.JobStates(t, w.Store, "delivery")) })
			calls := hsrv.Calls()
			w.Record(deliverytest.Accepted(2))
			deliverytest.WaitFor(t, 10*time.Second, func() bool { return deliverytest.JobStates(t, w.Store, "delivery")["scheduled"] == 2 },
				func() string { return deliverytest.JSON(deliverytest.JobStates(t, w.Store, "delivery")) })
			if got := hsrv.Calls(); got != calls {
				t.Errorf("Hunter got %d calls while paused, want none", got-calls)
			}
			a := deliverytest.Alerts(t, w.Store, pacertype.EventIntegrationPaused)
			if a[0].Destination != "finder:hunter" || a[0].Until == nil || a[0].Until.Day() != 1 {
				t.Errorf("pause alert: %s, want finder:hunter until the 1st of next month", deliverytest.JSON(a))
			}
			// A restart keeps the pause: a new Service (and Hunter client) calls nobody.
			w.Start()
			w.Record(deliverytest.Accepted(3))
			time.Sleep(300 * time.Millisecond)
			if got := hsrv.Calls(); got != calls {
				t.Errorf("Hunter got %d calls after a restart, while paused, want none", got-calls)
			}
			if deliverytest.EventCount(t, w.Store, pacertype.EventIntegrationPaused) != 1 {
				t.Errorf("the pause alerted more than once")
			}
			if strings.Contains(logs.String(), key) {
				t.Errorf("the logs contain Hunter's key")
			}
		})
	}
}

// TestHubSpotWithoutItsSyncIsADeadLetter: a delivery to HubSpot that no
// outbox takes (a process wired without hubspotsync, or HubSpot disabled
// since the event was recorded) is kept as a dead letter that says what to
// enable, not dropped.
func TestHubSpotWithoutItsSyncIsADeadLetter(t *testing.T) {
	t.Parallel()
	for _, dialect := range deliverytest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			cfg := &config.Config{HubSpot: config.HubSpot{Enabled: true, Token: deliverytest.Token}}
			w := &deliverytest.World{T: t, Cfg: cfg, Store: storetest.OpenConfig(t, dialect, cfg), Logs: &deliverytest.SyncBuffer{},
				Opts: delivery.Options{Logger: slog.New(slog.DiscardHandler)}}
			w.Start()
			ev := w.Record(deliverytest.Accepted(1))[0]
			deliverytest.WaitFor(t, 10*time.Second, func() bool { return len(deliverytest.DeadLetters(t, w.Store)) == 1 },
				func() string { return deliverytest.JSON(deliverytest.JobStates(t, w.Store, "delivery")) })
			dl := deliverytest.DeadLetters(t, w.Store)[0]
			if dl.EventID != ev.ID || dl.Destination != "hubspot" || !strings.Contains(dl.LastError, "hubspot.enabled") {
				t.Errorf("dead letter: %s, want one for HubSpot naming hubspot.enabled", deliverytest.JSON(dl))
			}
		})
	}
}
