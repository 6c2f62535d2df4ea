package integrations

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/pacertype"
)

func TestNewIDIsUniqueAndPrefixed(t *testing.T) {
	t.Parallel()
	seen := make(map[string]bool)
	for range 1000 {
		id := NewID()
		if !strings.HasPrefix(id, "evt_") || len(id) != len("evt_")+32 {
			t.Fatalf("NewID() = %q, want evt_ + 32 hex digits", id)
		}
		if seen[id] {
			t.Fatalf("NewID() returned %q twice", id)
		}
		seen[id] = true
	}
}

func TestEventRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 3, 4, 10, 11, 12, 0, time.UTC)
	for _, typ := range pacertype.EventTypes() {
		t.Run(string(typ), func(t *testing.T) {
			t.Parallel()
			data, err := Sample(typ, at)
			if err != nil {
				t.Fatalf("Sample(%s): %v", typ, err)
			}
			e := New(at, data)
			if e.Type != typ {
				t.Fatalf("New().Type = %s, want %s", e.Type, typ)
			}
			b, err := json.Marshal(e)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			var got Event
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if !reflect.DeepEqual(got, e) {
				t.Errorf("round trip:\n got %#v\nwant %#v", got, e)
			}
		})
	}
}

func TestEventProspect(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 3, 4, 10, 11, 12, 0, time.UTC)
	tests := []struct {
		typ  pacertype.EventType
		want bool
	}{
		{pacertype.EventInviteSent, true}, {pacertype.EventInviteAccepted, true},
		{pacertype.EventInviteWithdrawn, true}, {pacertype.EventEmailFound, true},
		{pacertype.EventAccountRestricted, false}, {pacertype.EventAccountCheckpoint, false},
		{pacertype.EventProposalApproved, false}, {pacertype.EventProposalRejected, false},
	}
	for _, tt := range tests {
		data, _ := Sample(tt.typ, at)
		p := New(at, data).Prospect()
		if got := p != nil; got != tt.want {
			t.Errorf("%s: Prospect() != nil is %v, want %v", tt.typ, got, tt.want)
		}
		if p != nil && p.Slug == "" {
			t.Errorf("%s: Prospect().Slug is empty", tt.typ)
		}
	}
}

func TestUnmarshalRejectsBadEvents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"unknown type", `{"id":"evt_1","type":"invite.lost","timestamp":"2025-01-01T00:00:00Z","data":{}}`, ErrUnknownType},
		{"no data", `{"id":"evt_1","type":"invite.sent","timestamp":"2025-01-01T00:00:00Z"}`, nil},
		{"not json", `{`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e Event
			err := json.Unmarshal([]byte(tt.in), &e)
			if err == nil {
				t.Fatal("Unmarshal succeeded, want an error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Unmarshal error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParseType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    pacertype.EventType
		wantErr bool
	}{
		{"invite.accepted", pacertype.EventInviteAccepted, false},
		{" email.found ", pacertype.EventEmailFound, false},
		{"invite.accept", "", true},
		{"*", "", true},
	}
	for _, tt := range tests {
		got, err := ParseType(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseType(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "invite.accepted") {
			t.Errorf("ParseType(%q) error %q does not list the valid types", tt.in, err)
		}
	}
}

func ExampleNew() {
	at := time.Date(2025, 3, 4, 10, 11, 12, 0, time.UTC)
	e := New(at, &AccountCheckpointData{Account: "anna", Reason: "login_challenge"})
	fmt.Println(e.Type, e.Timestamp.Format(time.RFC3339), strings.HasPrefix(e.ID, "evt_"))
	// Output: account.checkpoint 2025-03-04T10:11:12Z true
}
