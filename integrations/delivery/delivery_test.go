package delivery_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/integrations/delivery"
	"github.com/pacerhq/pacer/integrations/hubspot"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspottest"
	"github.com/pacerhq/pacer/integrations/webhook/webhooktest"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

var dialects = []string{models.DialectSQLite, models.DialectPostgres}

// TestEveryEventArrivesDespiteFaults sends a backlog of events to HubSpot,
// three webhook endpoints and Slack while every fake misbehaves: HubSpot
// answers 30% 5xx, hangs past the client's timeout after writing, and
// starts with a 429 storm; one endpoint answers 30% 5xx and processes
// another 10% before failing; one times out for a while, then answers 30%
// 5xx; one is down for a (scaled) hour; Slack fails 20% of the calls.
// Half-way, the River client stops and a new one, with a new Service,
// takes over the same database. Every event must arrive, HubSpot must hold
// exactly one note per accepted connection, and receivers may see a
// duplicate only under the same webhook-id, with the same body.
func TestEveryEventArrivesDespiteFaults(t *testing.T) {
	t.Parallel()
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			logs := &syncBuffer{}
			logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			hub, hc := newHubSpot(t, logger)
			crm, audit, down := webhooktest.New(testSecret), webhooktest.New(testSecret), webhooktest.New(testSecret)
			for _, r := range []*webhooktest.Receiver{crm, audit, down} {
				t.Cleanup(r.Close)
			}
			outage, downURL := downFor(t, down, time.Hour/timeScale)
			cfg := &config.Config{
				HubSpot: config.HubSpot{Enabled: true, Token: testToken},
				Slack:   config.Slack{BotToken: "xoxb-test"},
				Webhooks: []config.Webhook{
					{Name: "crm", URL: config.Secret(crm.URL + "/hook/" + testPathToken + "?token=" + testPathToken),
						Secret: testSecret, Events: []string{"invite.accepted", "email.found"}},
					{Name: "audit", URL: config.Secret(audit.URL + "/audit"), Secret: testSecret, Events: []string{"proposal.approved"}},
					{Name: "down", URL: config.Secret(downURL + "/down"), Secret: testSecret, Events: []string{"invite.accepted"}},
				},
			}
			s := storetest.OpenConfig(t, dialect, cfg)
			slack := newFakeSlack(0.2)
			w := &world{t: t, cfg: cfg, store: s, hub: hub, slack: slack, logs: logs, opts: delivery.Options{
				Slack: slack, Logger: logger, HubSpot: hc, WebhookTimeout: 200 * time.Millisecond,
				RetryDelay: scaledDelay, Debounce: time.Second, Hold: 200 * time.Millisecond,
				// crm fails about 40 % of attempts (5xx plus processed-then-5xx):
				// with the default 10 attempts one of its 250 deliveries would
				// give up in about 1 run in 40. The test is about faults being
				// ridden out, not about the attempt limit (deadletter_test is).
				MaxAttempts: 25,
			}}

			crm.SetFailureRate(0.3, 1)
			crm.SetAckThenFailRate(0.1)
			audit.SetFailureRate(0.3, 2)
			audit.SetLatency(400 * time.Millisecond) // every attempt times out for a while
			time.AfterFunc(time.Second, func() { audit.SetLatency(0) })
			hub.SetFailureRate(0.3)
			hub.SetHangRate(0.05, time.Second, true) // processed, then no answer in time
			hub.Storm(12, hubspot.PolicyTenSecondly)

			const firstAccepted, moreAccepted, emails, proposals = 150, 50, 50, 20
			var events []models.Event
			for i := 0; i < firstAccepted; i += 50 {
				var batch []pendingEvent
				for j := i; j < i+50; j++ {
					batch = append(batch, accepted(j))
					if j < emails {
						batch = append(batch, found(j, fmt.Sprintf("p%d@example.com", j)))
					}
					if j < proposals {
						batch = append(batch, approved(j))
					}
				}
				events = append(events, w.record(batch...)...)
			}

			stop := w.start(w.newService())
			waitFor(t, 30*time.Second, func() bool { return crm.Stats().Delivered >= 60 && hub.NoteCount() > 0 },
				func() string { return fmt.Sprintf("crm %+v, notes %d", crm.Stats(), hub.NoteCount()) })
			stop(true) // a restart in the middle of the backlog
			var more []pendingEvent
			for j := firstAccepted; j < firstAccepted+moreAccepted; j++ {
				more = append(more, accepted(j))
			}
			events = append(events, w.record(more...)...)
			w.start(w.newService())

			const wantContacts = firstAccepted + moreAccepted
			done := func() bool {
				return crm.Stats().Delivered == wantContacts+emails && audit.Stats().Delivered == proposals &&
					down.Stats().Delivered == wantContacts && hub.NoteCount() >= wantContacts && len(hub.Contacts()) >= wantContacts &&
					unfinished(t, s, "delivery") == 0 && pendingUpdates(t, s) == 0
			}
			waitFor(t, 40*time.Second, done, func() string {
				return fmt.Sprintf("crm %+v, audit %+v, down %+v, contacts %d, notes %d, deliveries %v, pending updates %d, dead letters %s",
					crm.Stats(), audit.Stats(), down.Stats(), len(hub.Contacts()), hub.NoteCount(), jobStates(t, s, "delivery"),
					pendingUpdates(t, s), mustJSON(deadLetters(t, s))) + debugSync(t, s)
			})

			_, refused := outage.stats()
			if refused == 0 {
				t.Errorf("down: no delivery met the outage")
			}
			ids := map[string]string{}
			for _, e := range events {
				ids[e.ID] = e.Type
				if slack.count(e.ID) == 0 {
					t.Errorf("event %s (%s) never reached Slack", e.ID, e.Type)
				}
			}
			for name, r := range map[string]*webhooktest.Receiver{"crm": crm, "audit": audit, "down": down} {
				st := r.Stats()
				if st.Mismatched != 0 || st.Rejected != 0 {
					t.Errorf("%s: %+v: a duplicate differed from the first delivery, or a signature failed", name, st)
				}
				for _, d := range r.Deliveries() {
					if typ, ok := ids[d.ID]; !ok || typ != d.Type {
						t.Errorf("%s received webhook-id %s of type %s; recorded as %q", name, d.ID, d.Type, typ)
					}
				}
			}
			if crm.Stats().Duplicates == 0 {
				t.Errorf("crm saw no duplicate although it failed after processing 10%% of the deliveries: %+v", crm.Stats())
			}
			contacts := hub.Contacts()
			if len(contacts) != wantContacts {
				t.Errorf("HubSpot holds %d contacts, want %d", len(contacts), wantContacts)
			}
			for _, c := range contacts {
				if n := len(hub.NotesFor(c.ID)); n != 1 {
					t.Errorf("contact %s (%s) has %d notes, want exactly 1", c.ID, c.Properties[hubspot.DefaultProfileURLProperty], n)
				}
			}
			if got := hub.NoteCount(); got != wantContacts {
				t.Errorf("HubSpot holds %d notes, want %d", got, wantContacts)
			}
			for i := range emails {
				c, ok := hub.ContactBy(hubspot.DefaultProfileURLProperty, person(i).ProfileURL)
				if want := fmt.Sprintf("p%d@example.com", i); !ok || c.Properties["email"] != want {
					t.Errorf("contact of person %d: email %q, want %q", i, c.Properties["email"], want)
				}
			}
			if dl := deadLetters(t, s); len(dl) != 0 {
				t.Errorf("dead letters: %s, want none", mustJSON(dl))
			}
			text := logs.String()
			for _, secret := range []string{testToken, testPathToken, strings.TrimPrefix(testSecret, "whsec_")} {
				if strings.Contains(text, secret) {
					t.Errorf("the logs contain the secret %q", secret)
				}
			}
			t.Logf("%s: crm %+v, audit %+v, down %+v (and %d refused during the outage); HubSpot: %d calls (%d upserts, %d note batches, %d note searches, %d 429s)",
				dialect, crm.Stats(), audit.Stats(), down.Stats(), refused, hub.Calls(), hub.CallsTo(hubspottest.RouteUpsertContacts),
				hub.CallsTo(hubspottest.RouteCreateNotes), hub.CallsTo(hubspottest.RouteSearchNotes), hub.RateLimited())
		})
	}
}

// pendingUpdates counts the HubSpot updates not done.
func pendingUpdates(t testing.TB, s *models.Store) int {
	t.Helper()
	var n int64
	if err := s.DB.Model(&delivery.HubSpotUpdate{}).Where("state IN ?", []string{"pending", "note"}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func deadLetters(t testing.TB, s *models.Store) []delivery.DeadLetter {
	t.Helper()
	dl, err := delivery.ListDeadLetters(t.Context(), s, false)
	if err != nil {
		t.Fatal(err)
	}
	return dl
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// debugSync describes the HubSpot updates and sync jobs, for a failure.
func debugSync(t testing.TB, s *models.Store) string {
	var rows []delivery.HubSpotUpdate
	s.DB.Where("state IN ?", []string{"pending", "note"}).Limit(3).Find(&rows)
	var jobs []struct {
		ID          int64
		State       string
		ScheduledAt time.Time
		Attempt     int
	}
	s.DB.Raw("SELECT id, state, scheduled_at, attempt FROM river_job WHERE kind = 'hubspot.sync' ORDER BY id DESC LIMIT 5").Scan(&jobs)
	return fmt.Sprintf("\nnow %s, updates %s\nsync jobs %s", time.Now().UTC(), mustJSON(rows), mustJSON(jobs))
}
