package delivery_test

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
	"github.com/pacerhq/pacer/integrations/webhook/webhooktest"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

// TestEveryEventArrivesDespiteFaults sends a backlog of events to HubSpot,
// three webhook endpoints and Slack while every fake misbehaves: HubSpot
// answers 30% 5xx, hangs past the client's timeout after writing, and
// starts with a 429 storm; one endpoint answers 30% 5xx and processes
// another 10% before failing; one times out for a while, then answers 30%
// 5xx; one is down for a (scaled) hour; Slack fails 20% of the calls.
// Half-way, the River client stops and a new one, with a new Service,
// takes over the same database. Every event must arrive, HubSpot must hold
// exactly one note per deliverytest.Accepted connection, and receivers may see a
// duplicate only under the same webhook-id, with the same body.
func TestEveryEventArrivesDespiteFaults(t *testing.T) {
	t.Parallel()
	for _, dialect := range deliverytest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			logs := &deliverytest.SyncBuffer{}
			logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			hub, hc := deliverytest.NewHubSpot(t, logger)
			crm, audit, down := webhooktest.New(deliverytest.Secret), webhooktest.New(deliverytest.Secret), webhooktest.New(deliverytest.Secret)
			for _, r := range []*webhooktest.Receiver{crm, audit, down} {
				t.Cleanup(r.Close)
			}
			outage, downURL := deliverytest.DownFor(t, down, time.Hour/deliverytest.TimeScale)
			cfg := &config.Config{
				HubSpot: config.HubSpot{Enabled: true, Token: deliverytest.Token},
				Slack:   config.Slack{BotToken: "xoxb-test"},
				Webhooks: []config.Webhook{
					{Name: "crm", URL: config.Secret(crm.URL + "/hook/" + deliverytest.PathToken + "?token=" + deliverytest.PathToken),
						Secret: deliverytest.Secret, Events: []string{"invite.accepted", "email.found"}},
					{Name: "audit", URL: config.Secret(audit.URL + "/audit"), Secret: deliverytest.Secret, Events: []string{"proposal.approved"}},
					{Name: "down", URL: config.Secret(downURL + "/down"), Secret: deliverytest.Secret, Events: []string{"invite.accepted"}},
				},
			}
			s := storetest.OpenConfig(t, dialect, cfg)
			slack := deliverytest.NewFakeSlack(0.2)
			w := &deliverytest.World{T: t, Cfg: cfg, Store: s, Hub: hub, Slack: slack, Logs: logs, HubSpot: &hubspotsync.Options{Client: hc, Debounce: time.Second, Hold: 200 * time.Millisecond},
				Opts: delivery.Options{
					Slack: slack, Logger: logger, WebhookTimeout: 200 * time.Millisecond,
					RetryDelay: deliverytest.ScaledDelay,
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
				var batch []deliverytest.Pending
				for j := i; j < i+50; j++ {
					batch = append(batch, deliverytest.Accepted(j))
					if j < emails {
						batch = append(batch, deliverytest.Found(j, fmt.Sprintf("p%d@example.com", j)))
					}
					if j < proposals {
						batch = append(batch, deliverytest.Approved(j))
					}
				}
				events = append(events, w.Record(batch...)...)
			}

			stop := w.Start()
			deliverytest.WaitFor(t, 30*time.Second, func() bool { return crm.Stats().Delivered >= 60 && hub.NoteCount() > 0 },
				func() string { return fmt.Sprintf("crm %+v, notes %d", crm.Stats(), hub.NoteCount()) })
			stop(true) // a restart in the middle of the backlog
			var more []deliverytest.Pending
			for j := firstAccepted; j < firstAccepted+moreAccepted; j++ {
				more = append(more, deliverytest.Accepted(j))
			}
			events = append(events, w.Record(more...)...)
			w.Start()

			const wantContacts = firstAccepted + moreAccepted
			done := func() bool {
				return crm.Stats().Delivered == wantContacts+emails && audit.Stats().Delivered == proposals &&
					down.Stats().Delivered == wantContacts && hub.NoteCount() >= wantContacts && len(hub.Contacts()) >= wantContacts &&
					deliverytest.Unfinished(t, s, "delivery") == 0 && deliverytest.PendingUpdates(t, s) == 0
			}
			deliverytest.WaitFor(t, 40*time.Second, done, func() string {
				return fmt.Sprintf("crm %+v, audit %+v, down %+v, contacts %d, notes %d, deliveries %v, pending updates %d, dead letters %s",
					crm.Stats(), audit.Stats(), down.Stats(), len(hub.Contacts()), hub.NoteCount(), deliverytest.JobStates(t, s, "delivery"),
					deliverytest.PendingUpdates(t, s), deliverytest.JSON(deliverytest.DeadLetters(t, s))) + deliverytest.DebugSync(s)
			})

			_, refused := outage.Stats()
			if refused == 0 {
				t.Errorf("down: no delivery met the outage")
			}
			ids := map[string]string{}
			for _, e := range events {
				ids[e.ID] = e.Type
				if slack.Count(e.ID) == 0 {
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
				c, ok := hub.ContactBy(hubspot.DefaultProfileURLProperty, deliverytest.Person(i).ProfileURL)
				if want := fmt.Sprintf("p%d@example.com", i); !ok || c.Properties["email"] != want {
					t.Errorf("contact of deliverytest.Person %d: email %q, want %q", i, c.Properties["email"], want)
				}
			}
			if dl := deliverytest.DeadLetters(t, s); len(dl) != 0 {
				t.Errorf("dead letters: %s, want none", deliverytest.JSON(dl))
			}
			text := logs.String()
			for _, secret := range []string{deliverytest.Token, deliverytest.PathToken, strings.TrimPrefix(deliverytest.Secret, "whsec_")} {
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
