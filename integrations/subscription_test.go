package integrations

import (
	"reflect"
	"strings"
	"testing"
)

func TestRouterRoute(t *testing.T) {
	t.Parallel()
	crm, err := NewWebhookSubscription("crm-bridge", []string{"invite.accepted", "email.found"})
	if err != nil {
		t.Fatal(err)
	}
	all, err := NewWebhookSubscription("audit", []string{"*"})
	if err != nil {
		t.Fatal(err)
	}
	r := Router{HubSpotSubscription(), crm, all}
	tests := []struct {
		typ  Type
		want []Destination
	}{
		{InviteAccepted, []Destination{HubSpot(), Webhook("crm-bridge"), Webhook("audit")}},
		{EmailFound, []Destination{HubSpot(), Webhook("crm-bridge"), Webhook("audit")}},
		{InviteSent, []Destination{Webhook("audit")}},
		{AccountCheckpoint, []Destination{Webhook("audit")}},
	}
	for _, tt := range tests {
		if got := r.Route(tt.typ); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Route(%s) = %v, want %v", tt.typ, got, tt.want)
		}
	}
}

func TestRouteDeduplicatesDestinations(t *testing.T) {
	t.Parallel()
	r := Router{HubSpotSubscription(), HubSpotSubscription()}
	if got := r.Route(InviteAccepted); len(got) != 1 {
		t.Errorf("Route() = %v, want one destination", got)
	}
}

func TestNewWebhookSubscriptionErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		types []string
		want  string
	}{
		{"none", nil, `webhook "hooks" subscribes to no event types`},
		{"typo", []string{"invite.acepted"}, `webhook "hooks": integrations: unknown event type "invite.acepted"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewWebhookSubscription("hooks", tt.types)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestDestinationString(t *testing.T) {
	t.Parallel()
	if got := HubSpot().String(); got != "hubspot" {
		t.Errorf("HubSpot().String() = %q", got)
	}
	if got := Webhook("crm").String(); got != "webhook:crm" {
		t.Errorf("Webhook(crm).String() = %q", got)
	}
}
