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
	"github.com/pacerhq/pacer/integrations/finder/hunter/huntertest"
	"github.com/pacerhq/pacer/integrations/hubspot"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspottest"
	"github.com/pacerhq/pacer/integrations/webhook/webhooktest"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/pacertype"
)

// webhookWorld is a store with one webhook endpoint, "crm", receiving
// invite.accepted, and Slack, whose alerts the test inspects.
func webhookWorld(t *testing.T, dialect string, opts delivery.Options) (*world, *webhooktest.Receiver) {
	t.Helper()
	r := webhooktest.New(testSecret)
	t.Cleanup(r.Close)
	cfg := &config.Config{
		Slack: config.Slack{BotToken: "xoxb-test"},
		Webhooks: []config.Webhook{{Name: "crm", URL: config.Secret(r.URL + "/hook"), Secret: testSecret,
			Events: []string{"invite.accepted"}}},
	}
	logs := &syncBuffer{}
	slack := newFakeSlack(0)
	opts.Slack, opts.RetryDelay = slack, scaledDelay
	opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	w := &world{t: t, cfg: cfg, store: storetest.OpenConfig(t, dialect, cfg), slack: slack, logs: logs, opts: opts}
	return w, r
}

// alerts returns the dead-letter alerts recorded.
func alerts(t *testing.T, s *models.Store, typ pacertype.EventType) []models.EventData {
	t.Helper()
	var evs []models.Event
	if err := s.DB.Where("type = ?", string(typ)).Order("occurred_at").Find(&evs).Error; err != nil {
		t.Fatal(err)
	}
	out := make([]models.EventData, len(evs))
	for i, e := range evs {
		d, err := models.DecodeEventData(e)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = d
	}
	return out
}

func TestGoneDisablesTheEndpoint(t *testing.T) {
	t.Parallel()
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			w, r := webhookWorld(t, dialect, delivery.Options{})
			r.SetStatus(410)
			w.start(w.newService())
			ctx := t.Context()
			first := w.record(accepted(1))[0]
			waitFor(t, 10*time.Second, func() bool { return len(deadLetters(t, w.store)) == 1 },
				func() string { return mustJSON(jobStates(t, w.store, "delivery")) })
			second := w.record(accepted(2))[0]
			waitFor(t, 10*time.Second, func() bool { return len(deadLetters(t, w.store)) == 2 },
				func() string { return mustJSON(jobStates(t, w.store, "delivery")) })

			if got := r.Stats().Requests; got != 1 {
				t.Errorf("the receiver got %d requests, want 1: the second event is held, not sent", got)
			}
			disabled, err := delivery.DisabledEndpoints(ctx, w.store)
			if err != nil || len(disabled) != 1 || disabled[0].Name != "crm" || !strings.Contains(disabled[0].Reason, "410") {
				t.Fatalf("DisabledEndpoints() = %s, %v; want crm, disabled for its 410", mustJSON(disabled), err)
			}
			dl := deadLetters(t, w.store)
			if dl[0].EventID != first.ID || dl[1].EventID != second.ID || dl[1].Attempts != 1 ||
				!strings.Contains(dl[1].LastError, "pacer webhooks enable crm") {
				t.Errorf("dead letters: %s", mustJSON(dl))
			}
			a := alerts(t, w.store, pacertype.EventDeadLettered)
			if len(a) != 1 || a[0].Destination != "webhook:crm" || !strings.Contains(a[0].Reason, "disabled") {
				t.Fatalf("alerts: %s, want one, for the disabling", mustJSON(a))
			}
			waitFor(t, 10*time.Second, func() bool { return unfinished(t, w.store, "delivery") == 0 },
				func() string { return mustJSON(jobStates(t, w.store, "delivery")) })

			r.SetStatus(0)
			res, err := delivery.Retry(ctx, w.store, nil, true)
			if err != nil || len(res.Retried) != 0 || len(res.Skipped) != 2 || !strings.Contains(res.Skipped[0].Reason, "pacer webhooks enable crm") {
				t.Fatalf("Retry(--all) while disabled = %s, %v; want both skipped", mustJSON(res), err)
			}
			was, held, err := delivery.EnableEndpoint(ctx, w.store, "crm")
			if err != nil || !was || held != 2 {
				t.Fatalf("EnableEndpoint() = %v, %d, %v; want true, 2 held", was, held, err)
			}
			if res, err = delivery.Retry(ctx, w.store, nil, true); err != nil || len(res.Retried) != 2 {
				t.Fatalf("Retry(--all) = %s, %v; want 2 retried", mustJSON(res), err)
			}
			waitFor(t, 10*time.Second, func() bool { return r.Stats().Delivered == 2 }, func() string { return mustJSON(r.Stats()) })
			waitFor(t, 10*time.Second, func() bool {
				all, _ := delivery.ListDeadLetters(ctx, w.store, true)
				return len(all) == 2 && all[0].ResolvedAt != nil && all[1].ResolvedAt != nil && all[0].RetriedAt != nil
			}, func() string { all, _ := delivery.ListDeadLetters(ctx, w.store, true); return mustJSON(all) })
			if n, err := delivery.DeadLetterCount(ctx, w.store); err != nil || n != 0 {
				t.Errorf("DeadLetterCount() = %d, %v; want 0", n, err)
			}
		})
	}
}

func TestDeadLetterAfterTheLastAttemptThenRetry(t *testing.T) {
	t.Parallel()
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			w, r := webhookWorld(t, dialect, delivery.Options{MaxAttempts: 3})
			r.SetStatus(503)
			w.start(w.newService())
			ctx := t.Context()
			ev := w.record(accepted(1))[0]
			waitFor(t, 10*time.Second, func() bool { return len(deadLetters(t, w.store)) == 1 },
				func() string { return mustJSON(jobStates(t, w.store, "delivery")) })
			dl := deadLetters(t, w.store)[0]
			if dl.EventID != ev.ID || dl.EventType != "invite.accepted" || dl.Destination != "webhook:crm" || dl.Attempts != 3 ||
				!strings.Contains(dl.LastError, "503") || strings.Contains(dl.LastError, "/hook") {
				t.Errorf("dead letter: %s", mustJSON(dl))
			}
			if got := r.Stats().Requests; got != 3 {
				t.Errorf("the receiver got %d requests, want 3 attempts", got)
			}
			a := alerts(t, w.store, pacertype.EventDeadLettered)
			if len(a) != 1 || a[0].Destination != "webhook:crm" || a[0].Campaign != "cto" || !strings.Contains(a[0].Reason, "503") {
				t.Fatalf("alerts: %s", mustJSON(a))
			}
			// The alert goes to Slack, and only there.
			waitFor(t, 10*time.Second, func() bool { return w.slack.count(alertID(t, w.store)) == 1 }, func() string { return "no alert in Slack" })
			if n, _ := delivery.DeadLetterCount(ctx, w.store); n != 1 {
				t.Errorf("DeadLetterCount() = %d, want 1", n)
			}
			backlog, _, err := delivery.Backlogs(ctx, w.store)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("backlog %s", mustJSON(backlog))

			r.SetStatus(0)
			res, err := delivery.Retry(ctx, w.store, []int64{dl.ID}, false)
			if err != nil || len(res.Retried) != 1 {
				t.Fatalf("Retry(%d) = %s, %v", dl.ID, mustJSON(res), err)
			}
			if _, err := delivery.Retry(ctx, w.store, []int64{dl.ID}, false); !errors.Is(err, delivery.ErrNoDeadLetter) {
				t.Errorf("Retry(%d) again = %v, want ErrNoDeadLetter", dl.ID, err)
			}
			waitFor(t, 10*time.Second, func() bool { return r.Stats().Delivered == 1 }, func() string { return mustJSON(r.Stats()) })
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

func TestHubSpotRejectionIsADeadLetterWithHubSpotsMessage(t *testing.T) {
	t.Parallel()
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			hub, hc := newHubSpot(t, slog.New(slog.DiscardHandler))
			cfg := &config.Config{HubSpot: config.HubSpot{Enabled: true, Token: testToken}}
			w := &world{t: t, cfg: cfg, store: storetest.OpenConfig(t, dialect, cfg), logs: &syncBuffer{},
				opts: delivery.Options{HubSpot: hc, RetryDelay: scaledDelay, Debounce: time.Second, Hold: -1, Logger: slog.New(slog.DiscardHandler)}}
			w.start(w.newService())
			bad := w.record(found(1, "jane@localhost"), accepted(2))
			waitFor(t, 10*time.Second, func() bool { return len(deadLetters(t, w.store)) == 1 && hub.NoteCount() == 1 },
				func() string {
					return fmt.Sprintf("dead letters %s, notes %d", mustJSON(deadLetters(t, w.store)), hub.NoteCount())
				})
			dl := deadLetters(t, w.store)[0]
			if dl.EventID != bad[0].ID || dl.Destination != "hubspot" || !strings.Contains(dl.LastError, "Email address jane@localhost is invalid") ||
				strings.Contains(dl.LastError, testToken) {
				t.Errorf("dead letter: %s, want HubSpot's message", mustJSON(dl))
			}
			if a := alerts(t, w.store, pacertype.EventDeadLettered); len(a) != 1 || a[0].Destination != "hubspot" {
				t.Errorf("alerts: %s", mustJSON(a))
			}
			c, ok := hub.ContactBy(hubspot.DefaultProfileURLProperty, person(2).ProfileURL)
			if !ok || len(hub.NotesFor(c.ID)) != 1 {
				t.Errorf("the accepted connection's contact %v and its note are missing", ok)
			}
			notes := hub.NotesFor(c.ID)
			if body := notes[0].Properties["hs_note_body"]; !strings.Contains(body, "via campaign cto") {
				t.Errorf("note body %q", body)
			}
			// Sent again, it fails again: a new dead letter, the first one marked retried.
			if _, err := delivery.Retry(t.Context(), w.store, nil, true); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 10*time.Second, func() bool {
				all, _ := delivery.ListDeadLetters(t.Context(), w.store, true)
				return len(all) == 2 && all[0].RetriedAt != nil && all[1].Open()
			}, func() string { all, _ := delivery.ListDeadLetters(t.Context(), w.store, true); return mustJSON(all) })
			if got := hub.CallsTo(hubspottest.RouteCreateNotes); got != 1 {
				t.Errorf("note batches: %d, want 1", got)
			}
		})
	}
}

func TestHunterFindsEmailsAndPausesWhenTheQuotaIsSpent(t *testing.T) {
	t.Parallel()
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			const key = "hunter-s3cret-key"
			hsrv := huntertest.New(key)
			t.Cleanup(hsrv.Close)
			for i := range 4 {
				p := person(i)
				hsrv.AddPerson(p.Company, p.FirstName, p.LastName, fmt.Sprintf("first%d@acme.com", i), 90)
			}
			hub, hc := newHubSpot(t, slog.New(slog.DiscardHandler))
			r := webhooktest.New(testSecret)
			t.Cleanup(r.Close)
			cfg := &config.Config{
				HubSpot:   config.HubSpot{Enabled: true, Token: testToken},
				Hunter:    config.Hunter{APIKey: key, APIURL: hsrv.URL},
				Campaigns: []config.Campaign{{Name: "cto", Account: "anna", FindEmail: "hunter"}},
				Webhooks:  []config.Webhook{{Name: "crm", URL: config.Secret(r.URL), Secret: testSecret, Events: []string{"email.found"}}},
			}
			logs := &syncBuffer{}
			w := &world{t: t, cfg: cfg, store: storetest.OpenConfig(t, dialect, cfg), logs: logs,
				opts: delivery.Options{HubSpot: hc, RetryDelay: scaledDelay, Debounce: time.Second, Hold: -1,
					Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}}
			w.start(w.newService())

			w.record(accepted(0))
			waitFor(t, 10*time.Second, func() bool {
				c, ok := hub.ContactBy("email", "first0@acme.com")
				return ok && len(hub.NotesFor(c.ID)) == 1 && r.Stats().Delivered == 1
			}, func() string { return fmt.Sprintf("contacts %s, receiver %+v", mustJSON(hub.Contacts()), r.Stats()) })
			if d := r.Deliveries()[0]; d.Type != "email.found" || !strings.Contains(string(d.Body), `"source":"hunter","score":90`) {
				t.Errorf("delivered %s: %s", d.Type, d.Body)
			}
			if n := eventCount(t, w.store, "email.found"); n != 1 {
				t.Errorf("email.found events: %d, want 1", n)
			}
			if got := len(hub.Contacts()); got != 1 {
				t.Errorf("contacts: %d, want 1 (the acceptance and the email are the same person)", got)
			}

			hsrv.SetQuota(0)
			w.record(accepted(1))
			waitFor(t, 10*time.Second, func() bool { return eventCount(t, w.store, pacertype.EventIntegrationPaused) == 1 },
				func() string { return mustJSON(jobStates(t, w.store, "delivery")) })
			calls := hsrv.Calls()
			w.record(accepted(2))
			waitFor(t, 10*time.Second, func() bool { return jobStates(t, w.store, "delivery")["scheduled"] == 2 },
				func() string { return mustJSON(jobStates(t, w.store, "delivery")) })
			if got := hsrv.Calls(); got != calls {
				t.Errorf("Hunter got %d calls while paused, want none", got-calls)
			}
			a := alerts(t, w.store, pacertype.EventIntegrationPaused)
			if a[0].Destination != "finder:hunter" || a[0].Until == nil || a[0].Until.Day() != 1 {
				t.Errorf("pause alert: %s, want finder:hunter until the 1st of next month", mustJSON(a))
			}
			// A restart keeps the pause: a new Service (and Hunter client) calls nobody.
			w.start(w.newService())
			w.record(accepted(3))
			time.Sleep(300 * time.Millisecond)
			if got := hsrv.Calls(); got != calls {
				t.Errorf("Hunter got %d calls after a restart, while paused, want none", got-calls)
			}
			if eventCount(t, w.store, pacertype.EventIntegrationPaused) != 1 {
				t.Errorf("the pause alerted more than once")
			}
			if strings.Contains(logs.String(), key) {
				t.Errorf("the logs contain Hunter's key")
			}
		})
	}
}
