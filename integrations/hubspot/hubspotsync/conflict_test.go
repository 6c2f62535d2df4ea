package hubspotsync_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/integrations/delivery"
	"github.com/pacerhq/pacer/integrations/delivery/deliverytest"
	"github.com/pacerhq/pacer/integrations/httpclient"
	"github.com/pacerhq/pacer/integrations/hubspot"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspotsync"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspottest"
	"github.com/pacerhq/pacer/integrations/webhook"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/pacertype"
)

// syncWorld is a store, a fake HubSpot answering conflicts as HubSpot does
// (409 for the whole batch), and the deliveries and HubSpot's sync on River.
func syncWorld(t *testing.T, dialect string) (*deliverytest.World, *hubspottest.Server) {
	t.Helper()
	hub, hc := deliverytest.NewHubSpot(t, slog.New(slog.DiscardHandler))
	cfg := &config.Config{HubSpot: config.HubSpot{Enabled: true, Token: deliverytest.Token}}
	w := &deliverytest.World{T: t, Cfg: cfg, Store: storetest.OpenConfig(t, dialect, cfg), Hub: hub, Logs: &deliverytest.SyncBuffer{},
		Opts:    delivery.Options{RetryDelay: deliverytest.ScaledDelay, Logger: slog.New(slog.DiscardHandler)},
		HubSpot: &hubspotsync.Options{Client: hc, Debounce: time.Second, Hold: -1}}
	return w, hub
}

func email(i int) string { return fmt.Sprintf("p%d@example.com", i) }

// TestFoundEmailsLandDespiteAWholeBatchConflict: emails found for
// connections HubSpot already holds (created by profile URL at acceptance)
// make HubSpot refuse the whole batch with 409; every email lands on its
// contact all the same, beside an email for a new person, with one contact
// per profile URL, one note per connection and no dead letter.
func TestFoundEmailsLandDespiteAWholeBatchConflict(t *testing.T) {
	t.Parallel()
	for _, dialect := range deliverytest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			w, hub := syncWorld(t, dialect)
			w.Start()
			const accepted = 30
			w.RecordAccepted(accepted)
			deliverytest.WaitFor(t, 20*time.Second, func() bool { return hub.NoteCount() == accepted && deliverytest.PendingUpdates(t, w.Store) == 0 },
				func() string { return fmt.Sprintf("notes %d", hub.NoteCount()) + deliverytest.DebugSync(w.Store) })
			var found []deliverytest.Pending
			for i := range accepted + 1 { // and one for a person not yet in HubSpot
				found = append(found, deliverytest.Found(i, email(i)))
			}
			w.Record(found...)
			landed := func() bool {
				for i := range accepted + 1 {
					if c, ok := hub.ContactBy("email", email(i)); !ok || c.Properties[hubspot.DefaultProfileURLProperty] != deliverytest.Person(i).ProfileURL {
						return false
					}
				}
				return deliverytest.PendingUpdates(t, w.Store) == 0
			}
			deliverytest.WaitFor(t, 20*time.Second, landed, func() string {
				return fmt.Sprintf("dead letters %s", deliverytest.JSON(deliverytest.DeadLetters(t, w.Store))) + deliverytest.DebugSync(w.Store)
			})
			if n := len(hub.Contacts()); n != accepted+1 {
				t.Errorf("HubSpot holds %d contacts, want %d: one per profile URL", n, accepted+1)
			}
			for i := range accepted {
				c, _ := hub.ContactBy("email", email(i))
				if n := len(hub.NotesFor(c.ID)); n != 1 {
					t.Errorf("person %d's contact has %d notes, want 1", i, n)
				}
			}
			if dl := deliverytest.DeadLetters(t, w.Store); len(dl) != 0 {
				t.Errorf("dead letters: %s, want none", deliverytest.JSON(dl))
			}
			if hub.CallsTo(hubspottest.RouteUpdateContacts) == 0 {
				t.Error("no contact was updated by id: HubSpot never refused the batch, and the test proves nothing")
			}
		})
	}
}

// TestConflictAwaitingTheSearchIndexIsRetriedUntilItLands: HubSpot refuses
// a found email's batch naming the input but not the contact it collides
// with, and its search does not show that contact yet: the update is
// retried, creating nothing, and lands on the contact once the index has
// caught up.
func TestConflictAwaitingTheSearchIndexIsRetriedUntilItLands(t *testing.T) {
	t.Parallel()
	for _, dialect := range deliverytest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			w, hub := syncWorld(t, dialect)
			hub.SetConflictAnswer(hubspottest.ConflictNamingInputs)
			hub.SetSearchLag(time.Hour) // until the test says the index has caught up
			w.Start()
			w.Record(deliverytest.Accepted(1))
			deliverytest.WaitFor(t, 10*time.Second, func() bool { return hub.NoteCount() == 1 }, func() string { return deliverytest.DebugSync(w.Store) })
			ev := w.Record(deliverytest.Found(1, email(1)))[0]
			retried := func() bool { return updateOf(t, w.Store, ev.ID).Attempts >= 2 }
			deliverytest.WaitFor(t, 10*time.Second, retried, func() string { return deliverytest.DebugSync(w.Store) })
			if u := updateOf(t, w.Store, ev.ID); u.State != "pending" || !strings.Contains(u.LastError, "search") {
				t.Errorf("update %s, want it pending with an error about the search", deliverytest.JSON(u))
			}
			if n := len(hub.Contacts()); n != 1 {
				t.Errorf("HubSpot holds %d contacts while the conflict waits, want 1", n)
			}

			hub.SetSearchLag(0)
			deliverytest.WaitFor(t, 10*time.Second, func() bool { return updateOf(t, w.Store, ev.ID).State == "done" },
				func() string { return deliverytest.DebugSync(w.Store) })
			c, ok := hub.ContactBy(hubspot.DefaultProfileURLProperty, deliverytest.Person(1).ProfileURL)
			if !ok || c.Properties["email"] != email(1) || updateOf(t, w.Store, ev.ID).ContactID != c.ID {
				t.Errorf("contact %+v, want the email on person 1's contact", c)
			}
			if n := len(hub.Contacts()); n != 1 {
				t.Errorf("HubSpot holds %d contacts, want 1", n)
			}
			if dl := deliverytest.DeadLetters(t, w.Store); len(dl) != 0 {
				t.Errorf("dead letters: %s, want none", deliverytest.JSON(dl))
			}
		})
	}
}

// updateOf returns the HubSpot update of an event; the zero Update while
// its delivery has not queued it.
func updateOf(t testing.TB, s *models.Store, eventID string) hubspotsync.Update {
	t.Helper()
	var u hubspotsync.Update
	if err := s.DB.Where("event_id = ?", eventID).Limit(1).Find(&u).Error; err != nil {
		t.Fatal(err)
	}
	return u
}

// clock is a time the test moves forward.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// TestConflictThatNeverResolvesIsADeadLetterAfterTheRetries: a found email
// that belongs to another contact than the one holding the profile URL is
// retried on the deliveries' schedule, on a clock the test moves, for about
// three days (webhook.MaxAttempts attempts), then kept as a dead letter that
// says to merge the two contacts, with an alert; nothing is written
// meanwhile. Once merged, sending it again lands it.
func TestConflictThatNeverResolvesIsADeadLetterAfterTheRetries(t *testing.T) {
	t.Parallel()
	for _, dialect := range deliverytest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			clk := &clock{now: time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)}
			hub := hubspottest.New(hubspottest.Options{Token: deliverytest.Token, ProfileURLProperty: hubspot.DefaultProfileURLProperty, Now: clk.Now})
			t.Cleanup(hub.Close)
			byURL := hub.AddContact(map[string]string{hubspot.DefaultProfileURLProperty: deliverytest.Person(1).ProfileURL})
			byEmail := hub.AddContact(map[string]string{"email": email(1)})
			hc, err := hubspot.NewClient(hubspot.Settings{Token: deliverytest.Token, BaseURL: hub.URL, RequestsPerWindow: -1,
				Options: httpclient.Options{Logger: slog.New(slog.DiscardHandler)}})
			if err != nil {
				t.Fatal(err)
			}
			cfg := &config.Config{HubSpot: config.HubSpot{Enabled: true, Token: deliverytest.Token}}
			store := storetest.OpenConfig(t, dialect, cfg)
			deliveries, err := delivery.New(cfg, store, delivery.Options{Now: clk.Now, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			hs, err := hubspotsync.New(cfg, store, deliveries, hubspotsync.Options{Client: hc, Hold: -1})
			if err != nil {
				t.Fatal(err)
			}
			w := &deliverytest.World{T: t, Cfg: cfg, Store: store}
			ev := w.Record(deliverytest.Found(1, email(1)))[0]
			if err := hs.Queue(ctx, ev); err != nil { // what the delivery job does
				t.Fatal(err)
			}

			start := clk.Now()
			var u hubspotsync.Update
			for attempt := 1; attempt <= webhook.MaxAttempts; attempt++ {
				syncNow(t, hs, clk)
				u = updateOf(t, store, ev.ID)
				if u.Attempts != attempt {
					t.Fatalf("after sync %d the update has %d attempts: %s", attempt, u.Attempts, deliverytest.JSON(u))
				}
				if attempt < webhook.MaxAttempts {
					if u.State != "pending" || len(deliverytest.DeadLetters(t, store)) != 0 {
						t.Fatalf("after attempt %d: %s, want it pending, no dead letter", attempt, deliverytest.JSON(u))
					}
					clk.Set(u.NextAt)
				}
			}
			var wantSpan time.Duration
			for _, d := range webhook.Schedule() {
				wantSpan += d
			}
			if span := clk.Now().Sub(start); u.State != "dead" || span != wantSpan {
				t.Fatalf("after %s: %s, want a dead letter after %s (about three days)", span, deliverytest.JSON(u), wantSpan)
			}
			dl := deliverytest.DeadLetters(t, store)
			if len(dl) != 1 || dl[0].EventID != ev.ID || dl[0].Attempts != webhook.MaxAttempts ||
				!strings.Contains(dl[0].LastError, "merge") || !strings.Contains(dl[0].LastError, byURL) || !strings.Contains(dl[0].LastError, byEmail) ||
				strings.Contains(dl[0].LastError, deliverytest.Token) {
				t.Errorf("dead letters: %s, want one naming both contacts and the merge", deliverytest.JSON(dl))
			}
			if a := deliverytest.Alerts(t, store, pacertype.EventDeadLettered); len(a) != 1 || a[0].Destination != "hubspot" {
				t.Errorf("alerts: %s, want one for HubSpot", deliverytest.JSON(a))
			}
			if n := len(hub.Contacts()); n != 2 || hub.CallsTo(hubspottest.RouteUpdateContacts) == 0 {
				t.Errorf("HubSpot holds %d contacts after %d updates by id; want the 2 it had, the conflict met each time", n, hub.CallsTo(hubspottest.RouteUpdateContacts))
			}

			hub.Merge(byURL, byEmail) // a person merges them, then `pacer deliveries retry`
			if err := hs.Queue(ctx, ev); err != nil {
				t.Fatal(err)
			}
			syncNow(t, hs, clk)
			if u = updateOf(t, store, ev.ID); u.State != "done" || u.ContactID != byURL {
				t.Errorf("after the merge: %s, want it done on %s", deliverytest.JSON(u), byURL)
			}
		})
	}
}

// syncNow works one hubspot.sync job at the clock's time, as River would.
// The job asks to run again later (a snooze) or ends: either is fine here.
func syncNow(t *testing.T, hs *hubspotsync.Service, clk *clock) {
	t.Helper()
	job := &river.Job[hubspotsync.Args]{JobRow: &rivertype.JobRow{CreatedAt: clk.Now()}}
	err := hs.Worker().Work(context.Background(), job)
	var snooze *river.JobSnoozeError
	if err != nil && !errors.As(err, &snooze) {
		t.Fatalf("sync: %v", err)
	}
}
