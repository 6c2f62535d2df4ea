package hubspot

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pacerhq/pacer/integrations"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspottest"
)

func TestConnectedNote(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 3, 4, 10, 11, 12, 345678901, time.UTC)
	n := ConnectedNote("42", at, "cto-berlin")
	if want := "Connected on LinkedIn on 2025-03-04 via campaign cto-berlin"; n.Body != want {
		t.Errorf("Body = %q, want %q", n.Body, want)
	}
	if !n.Timestamp.Equal(at.Truncate(time.Millisecond)) {
		t.Errorf("Timestamp = %v", n.Timestamp)
	}
}

func TestMessageNotes(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 3, 4, 10, 11, 12, 345678901, time.UTC)
	tests := []struct {
		name string
		note Note
		want string
	}{
		{"message sent", SentNote("42", at, "cto-berlin", "Thanks for connecting, Jane!\nA call next week?"),
			"LinkedIn message sent on 2025-03-04 via campaign cto-berlin:\nThanks for connecting, Jane!\nA call next week?"},
		{"reply with its conversation", RepliedNote("42", at, "Happy to, Tuesday works.", "https://www.linkedin.com/messaging/thread/2-YTJl/"),
			"Replied on LinkedIn on 2025-03-04: Happy to, Tuesday works. (https://www.linkedin.com/messaging/thread/2-YTJl/)"},
		{"reply without a link", RepliedNote("42", at, "Happy to.", ""), "Replied on LinkedIn on 2025-03-04: Happy to."},
		{"markup shows as typed", SentNote("42", at, "c", "Tom & Jerry <3 <b>you</b>"),
			"LinkedIn message sent on 2025-03-04 via campaign c:\nTom &amp; Jerry &lt;3 &lt;b&gt;you&lt;/b&gt;"},
		{"a date in UTC", RepliedNote("42", time.Date(2025, 3, 4, 23, 30, 0, 0, time.FixedZone("UTC-5", -5*3600)), "Yes", ""),
			"Replied on LinkedIn on 2025-03-05: Yes"},
	}
	for _, tt := range tests {
		if tt.note.Body != tt.want {
			t.Errorf("%s: Body = %q, want %q", tt.name, tt.note.Body, tt.want)
		}
		if tt.note.ContactID != "42" || tt.note.Timestamp.Nanosecond()%int(time.Millisecond) != 0 {
			t.Errorf("%s: contact %q, timestamp %v; want 42 and whole milliseconds", tt.name, tt.note.ContactID, tt.note.Timestamp)
		}
	}
}

func TestCreateAndFindNote(t *testing.T) {
	t.Parallel()
	b := setup(t, hubspottest.Options{}, nil)
	ctx := context.Background()
	contact := b.srv.AddContact(map[string]string{"email": "jane@example.com"})
	n := ConnectedNote(contact, time.Date(2025, 3, 4, 10, 11, 12, 0, time.UTC), "cto-berlin")
	if _, err := b.client.FindNote(ctx, n); !errors.Is(err, ErrNotFound) {
		t.Fatalf("FindNote() before creation = %v, want ErrNotFound", err)
	}
	id, err := b.client.CreateNote(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	notes := b.srv.NotesFor(contact)
	if len(notes) != 1 || notes[0].ID != id || notes[0].Properties["hs_note_body"] != n.Body ||
		notes[0].Properties["hs_timestamp"] != "2025-03-04T10:11:12.000Z" {
		t.Fatalf("notes = %+v, want the one note %s", notes, id)
	}
	found, err := b.client.FindNote(ctx, n)
	if err != nil || found != id {
		t.Errorf("FindNote() = %q, %v; want %q", found, err, id)
	}
	other := n
	other.Timestamp = other.Timestamp.Add(time.Second)
	if _, err := b.client.FindNote(ctx, other); !errors.Is(err, ErrNotFound) {
		t.Errorf("FindNote(other time) = %v, want ErrNotFound", err)
	}
}

func TestCreateNoteForAMissingContactIsADeadLetter(t *testing.T) {
	t.Parallel()
	b := setup(t, hubspottest.Options{}, nil)
	_, err := b.client.CreateNote(context.Background(), ConnectedNote("999999", time.Now(), "c"))
	if got := integrations.Classify(err).Action; got != integrations.DeadLetter {
		t.Errorf("Classify(%v) = %s, want dead_letter", err, got)
	}
}

func TestCreateNoteIsNotRepeatedByTheHTTPClient(t *testing.T) {
	t.Parallel()
	b := setup(t, hubspottest.Options{}, nil)
	contact := b.srv.AddContact(map[string]string{"email": "jane@example.com"})
	b.srv.SetFailureRate(1)
	_, err := b.client.CreateNote(context.Background(), ConnectedNote(contact, time.Now(), "c"))
	if !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, ErrTemporary) {
		t.Errorf("CreateNote() = %v, want ErrOutcomeUnknown", err)
	}
	if got := b.srv.CallsTo(hubspottest.RouteCreateNote); got != 1 {
		t.Errorf("%d calls, want 1: note creation must not be repeated blindly", got)
	}
}

// TestNotesNeverDuplicatedUnderFaults plays the note job for 100 accepted
// connections while HubSpot fails 20% of calls and loses the answer of 30%
// of the others after processing them: every contact ends with exactly one
// note.
func TestNotesNeverDuplicatedUnderFaults(t *testing.T) {
	t.Parallel()
	b := setup(t, hubspottest.Options{Seed: 3}, func(s *Settings) { s.Timeout = 50 * time.Millisecond })
	ctx := context.Background()
	var notes []Note
	at := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	for i := range 100 {
		id := b.srv.AddContact(map[string]string{"email": fmt.Sprintf("p%d@example.com", i)})
		notes = append(notes, ConnectedNote(id, at.Add(time.Duration(i)*time.Minute), "cto-berlin"))
	}
	b.srv.SetFailureRate(0.2)
	b.srv.SetHangRate(0.3, time.Second, true)
	for _, n := range notes {
		var stored string // the note id the job stores
		var lastErr error
		for attempt := 1; stored == ""; attempt++ {
			if attempt > 25 {
				t.Fatalf("note for %s not created after 25 attempts: %v", n.ContactID, lastErr)
			}
			if errors.Is(lastErr, ErrOutcomeUnknown) {
				id, err := b.client.FindNote(ctx, n)
				if err == nil {
					stored = id
					break
				}
				if !errors.Is(err, ErrNotFound) {
					// The search failed: the outcome is still unknown.
					lastErr = errors.Join(ErrOutcomeUnknown, err)
					continue
				}
			}
			id, err := b.client.CreateNote(ctx, n)
			if err == nil {
				stored = id
			}
			lastErr = err
		}
	}
	for _, n := range notes {
		if got := b.srv.NotesFor(n.ContactID); len(got) != 1 {
			t.Errorf("contact %s has %d notes, want 1", n.ContactID, len(got))
		}
	}
	if b.srv.CallsTo(hubspottest.RouteCreateNote) <= len(notes) {
		t.Error("no create failed: no fault was injected")
	}
}

func TestCreateNotesBatch(t *testing.T) {
	t.Parallel()
	b := setup(t, hubspottest.Options{}, nil)
	var notes []Note
	at := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	for i := range 100 {
		id := b.srv.AddContact(map[string]string{"email": fmt.Sprintf("p%d@example.com", i)})
		notes = append(notes, ConnectedNote(id, at, "cto-berlin"))
	}
	notes[42].ContactID = "999999" // no such contact
	res, err := b.client.CreateNotes(context.Background(), notes)
	if err != nil {
		t.Fatal(err)
	}
	for i := range notes {
		if i == 42 {
			if res.IDs[i] != "" || !errors.Is(res.Errs[i], ErrRejected) {
				t.Errorf("note 42: id %q, error %v; want a rejection", res.IDs[i], res.Errs[i])
			}
			continue
		}
		if res.IDs[i] == "" || res.Errs[i] != nil {
			t.Errorf("note %d: id %q, error %v", i, res.IDs[i], res.Errs[i])
		}
	}
	if got := b.srv.NoteCount(); got != 99 {
		t.Errorf("HubSpot holds %d notes, want 99", got)
	}
	if _, err := b.client.CreateNotes(context.Background(), make([]Note, 101)); !errors.Is(err, ErrRejected) {
		t.Errorf("CreateNotes(101) = %v, want ErrRejected", err)
	}
}
