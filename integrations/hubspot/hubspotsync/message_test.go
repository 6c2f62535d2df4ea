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
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

// messageWorld is syncWorld with a reply lifecycle stage ("" for none) and
// the sync's log lines kept.
func messageWorld(t *testing.T, dialect, stage string) (*deliverytest.World, *hubspottest.Server, *deliverytest.SyncBuffer) {
	t.Helper()
	logs := &deliverytest.SyncBuffer{}
	hub, hc := deliverytest.NewHubSpot(t, slog.New(slog.DiscardHandler))
	cfg := &config.Config{HubSpot: config.HubSpot{Enabled: true, Token: deliverytest.Token, ReplyLifecycleStage: stage}}
	w := &deliverytest.World{T: t, Cfg: cfg, Store: storetest.OpenConfig(t, dialect, cfg), Hub: hub, Logs: &deliverytest.SyncBuffer{},
		Opts: delivery.Options{RetryDelay: deliverytest.ScaledDelay, Logger: slog.New(slog.DiscardHandler)},
		HubSpot: &hubspotsync.Options{Client: hc, Debounce: time.Second, Hold: -1,
			Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))}}
	return w, hub, logs
}

// waitDone waits until the HubSpot update of an event is done.
func waitDone(t *testing.T, w *deliverytest.World, ev models.Event) hubspotsync.Update {
	t.Helper()
	deliverytest.WaitFor(t, 20*time.Second, func() bool { return updateOf(t, w.Store, ev.ID).State == "done" }, func() string {
		return fmt.Sprintf("update %s, dead letters %s", deliverytest.JSON(updateOf(t, w.Store, ev.ID)),
			deliverytest.JSON(deliverytest.DeadLetters(t, w.Store))) + deliverytest.DebugSync(w.Store)
	})
	return updateOf(t, w.Store, ev.ID)
}

// TestMessagesAndRepliesAreNotedOnceDespiteLostAnswers: a message sent to
// an accepted connection and their reply each become one note on their
// contact, although HubSpot processes each note's creation and the answer
// is lost: the retry finds the note and creates no second one. The reply
// moves the contact to the configured lifecycle stage; without one, the
// stage is left alone.
func TestMessagesAndRepliesAreNotedOnceDespiteLostAnswers(t *testing.T) {
	t.Parallel()
	const text = "Thanks for connecting, First1! A call next week?\nTuesday suits me."
	const excerpt, url = "Happy to, Tuesday works.", "https://www.linkedin.com/messaging/thread/2-YTJlNGQ5/"
	for _, stage := range []string{"salesqualifiedlead", ""} {
		for _, dialect := range deliverytest.Dialects {
			t.Run(fmt.Sprintf("%s/stage %q", dialect, stage), func(t *testing.T) {
				t.Parallel()
				w, hub, _ := messageWorld(t, dialect, stage)
				w.Start()
				waitDone(t, w, w.Record(deliverytest.Accepted(1))[0])
				contact, ok := hub.ContactBy(hubspot.DefaultProfileURLProperty, deliverytest.Person(1).ProfileURL)
				if !ok {
					t.Fatal("the accepted connection has no contact")
				}

				hub.LoseAnswers(hubspottest.RouteCreateNotes, 1)
				sent := w.Record(deliverytest.Sent(1, text))[0]
				u := waitDone(t, w, sent)
				want := hubspot.SentNote(contact.ID, sent.OccurredAt, "cto", text)
				if u.ContactID != contact.ID || u.Attempts != 1 {
					t.Errorf("message.sent update %s: want it done on contact %s after one lost answer", deliverytest.JSON(u), contact.ID)
				}

				hub.LoseAnswers(hubspottest.RouteCreateNotes, 1)
				replied := w.Record(deliverytest.Replied(1, excerpt, url))[0]
				u = waitDone(t, w, replied)
				wantReply := hubspot.RepliedNote(contact.ID, replied.OccurredAt, excerpt, url)
				if u.ContactID != contact.ID || u.Attempts != 1 {
					t.Errorf("message.replied update %s: want it done on contact %s after one lost answer", deliverytest.JSON(u), contact.ID)
				}

				bodies := map[string]int{}
				for _, n := range hub.NotesFor(contact.ID) {
					bodies[n.Properties["hs_note_body"]]++
				}
				for _, body := range []string{want.Body, wantReply.Body} {
					if bodies[body] != 1 {
						t.Errorf("contact %s has %d notes %q, want 1; its notes: %v", contact.ID, bodies[body], body, bodies)
					}
				}
				if n := hub.NoteCount(); n != 3 {
					t.Errorf("HubSpot holds %d notes, want 3: connected, sent, replied", n)
				}
				if got := hub.CallsTo(hubspottest.RouteCreateNotes); got != 3 || hub.CallsTo(hubspottest.RouteSearchNotes) < 2 {
					t.Errorf("%d note creations and %d note searches, want 3 creations (each answer lost was looked up, not sent again)",
						got, hub.CallsTo(hubspottest.RouteSearchNotes))
				}
				if n := len(hub.Contacts()); n != 1 {
					t.Errorf("HubSpot holds %d contacts, want 1", n)
				}
				c, _ := hub.ContactBy(hubspot.DefaultProfileURLProperty, deliverytest.Person(1).ProfileURL)
				if got := c.Properties["lifecyclestage"]; got != stage {
					t.Errorf("lifecyclestage = %q, want %q", got, stage)
				}
				if stage == "" && hub.CallsTo(hubspottest.RouteUpdateContact) != 0 {
					t.Errorf("%d contact updates without a configured stage, want none", hub.CallsTo(hubspottest.RouteUpdateContact))
				}
				if dl := deliverytest.DeadLetters(t, w.Store); len(dl) != 0 {
					t.Errorf("dead letters: %s, want none", deliverytest.JSON(dl))
				}
			})
		}
	}
}

// TestMessageToAPersonHubSpotLacksCreatesTheirContact: a message.sent for a
// prospect HubSpot holds no contact for creates it by profile URL, as an
// accepted connection does, with the note on it.
func TestMessageToAPersonHubSpotLacksCreatesTheirContact(t *testing.T) {
	t.Parallel()
	for _, dialect := range deliverytest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			w, hub, _ := messageWorld(t, dialect, "")
			w.Start()
			ev := w.Record(deliverytest.Sent(2, "Hello"))[0]
			u := waitDone(t, w, ev)
			c, ok := hub.ContactBy(hubspot.DefaultProfileURLProperty, deliverytest.Person(2).ProfileURL)
			if !ok || u.ContactID != c.ID || c.Properties["firstname"] != "First2" {
				t.Fatalf("contact %+v, update %s: want person 2's contact created", c, deliverytest.JSON(u))
			}
			if notes := hub.NotesFor(c.ID); len(notes) != 1 || notes[0].Properties["hs_note_body"] != hubspot.SentNote(c.ID, ev.OccurredAt, "cto", "Hello").Body {
				t.Errorf("notes %+v, want the message's", notes)
			}
		})
	}
}

// TestReplyOfACustomerKeepsTheirStage: HubSpot refuses to move a customer
// back to the configured stage; the reply is done all the same, with its
// note, a log line quoting HubSpot, and no dead letter.
func TestReplyOfACustomerKeepsTheirStage(t *testing.T) {
	t.Parallel()
	for _, dialect := range deliverytest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			w, hub, logs := messageWorld(t, dialect, "salesqualifiedlead")
			id := hub.AddContact(map[string]string{hubspot.DefaultProfileURLProperty: deliverytest.Person(1).ProfileURL, "lifecyclestage": "customer"})
			w.Start()
			u := waitDone(t, w, w.Record(deliverytest.Replied(1, "Sure", ""))[0])
			c, _ := hub.ContactBy(hubspot.DefaultProfileURLProperty, deliverytest.Person(1).ProfileURL)
			if u.ContactID != id || c.Properties["lifecyclestage"] != "customer" || len(hub.NotesFor(id)) != 1 {
				t.Errorf("update %s, contact %+v: want the note on %s, still a customer", deliverytest.JSON(u), c, id)
			}
			if hub.CallsTo(hubspottest.RouteUpdateContact) != 1 {
				t.Errorf("%d contact updates, want 1: the refusal is not retried", hub.CallsTo(hubspottest.RouteUpdateContact))
			}
			if dl := deliverytest.DeadLetters(t, w.Store); len(dl) != 0 {
				t.Errorf("dead letters: %s, want none", deliverytest.JSON(dl))
			}
			if l := logs.String(); !strings.Contains(l, "HubSpot kept the contact's lifecycle stage") || !strings.Contains(l, "cannot move backward from customer") {
				t.Errorf("logs:\n%s\nwant a line quoting HubSpot's refusal", l)
			}
		})
	}
}
