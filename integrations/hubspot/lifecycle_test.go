package hubspot

import (
	"context"
	"errors"
	"testing"

	"github.com/pacerhq/pacer/integrations"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspottest"
)

func TestSetLifecycleStage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		current   string // the contact's stage before; "" for none
		stage     string
		wantErr   error // nil: set
		wantStage string
	}{
		{"first stage", "", "salesqualifiedlead", nil, "salesqualifiedlead"},
		{"forward", "lead", "salesqualifiedlead", nil, "salesqualifiedlead"},
		{"the same stage", "salesqualifiedlead", "salesqualifiedlead", nil, "salesqualifiedlead"},
		{"backward is refused and kept", "customer", "salesqualifiedlead", ErrLifecycleStageKept, "customer"},
		{"a stage the portal lacks is refused and kept", "lead", "salesqualifiedleed", ErrLifecycleStageKept, "lead"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, hubspottest.Options{}, nil)
			props := map[string]string{"email": "jane@example.com"}
			if tt.current != "" {
				props["lifecyclestage"] = tt.current
			}
			id := b.srv.AddContact(props)
			err := b.client.SetLifecycleStage(context.Background(), id, tt.stage)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("SetLifecycleStage() = %v, want %v", err, tt.wantErr)
			}
			if err != nil && integrations.Classify(err).Action != integrations.DeadLetter {
				t.Errorf("Classify(%v) = %s, want dead_letter for a caller that does not expect it", err, integrations.Classify(err).Action)
			}
			c, _ := b.srv.ContactBy("email", "jane@example.com")
			if got := c.Properties["lifecyclestage"]; got != tt.wantStage {
				t.Errorf("lifecyclestage = %q, want %q", got, tt.wantStage)
			}
			if got := b.srv.CallsTo(hubspottest.RouteUpdateContact); got != 1 {
				t.Errorf("%d updates, want 1", got)
			}
		})
	}
}

func TestSetLifecycleStageOfAMissingContact(t *testing.T) {
	t.Parallel()
	b := setup(t, hubspottest.Options{}, nil)
	err := b.client.SetLifecycleStage(context.Background(), "999999", "salesqualifiedlead")
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrLifecycleStageKept) {
		t.Errorf("SetLifecycleStage() = %v, want ErrNotFound", err)
	}
	if err := b.client.SetLifecycleStage(context.Background(), "", "lead"); !errors.Is(err, ErrRejected) || b.srv.CallsTo(hubspottest.RouteUpdateContact) != 1 {
		t.Errorf("SetLifecycleStage(no contact) = %v after %d calls, want ErrRejected without a call", err, b.srv.CallsTo(hubspottest.RouteUpdateContact))
	}
}

func TestSetLifecycleStageRetriesA5xx(t *testing.T) {
	t.Parallel()
	b := setup(t, hubspottest.Options{}, nil)
	id := b.srv.AddContact(map[string]string{"email": "jane@example.com"})
	b.srv.SetFailureRate(1)
	err := b.client.SetLifecycleStage(context.Background(), id, "lead")
	if !errors.Is(err, ErrTemporary) || errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("SetLifecycleStage() = %v, want ErrTemporary: setting a property again is harmless", err)
	}
	if got := b.srv.CallsTo(hubspottest.RouteUpdateContact); got < 2 {
		t.Errorf("%d calls, want the HTTP client's retries", got)
	}
}
