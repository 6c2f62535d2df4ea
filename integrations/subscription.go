package integrations

import (
	"fmt"
	"slices"
)

// Destination kinds.
const (
	// KindHubSpot is the HubSpot CRM (there is at most one).
	KindHubSpot = "hubspot"
	// KindWebhook is a webhook endpoint named in configuration.
	KindWebhook = "webhook"
)

// Destination is where an event can be delivered.
type Destination struct {
	// Kind is KindHubSpot or KindWebhook.
	Kind string
	// Name is the webhook endpoint's configured name; empty for HubSpot.
	Name string
}

// HubSpot returns the HubSpot destination.
func HubSpot() Destination { return Destination{Kind: KindHubSpot} }

// Webhook returns the destination of the webhook endpoint with that name.
func Webhook(name string) Destination { return Destination{Kind: KindWebhook, Name: name} }

// String returns "hubspot" or "webhook:<name>", the form used in logs and in
// `pacer deliveries list`.
func (d Destination) String() string {
	if d.Name == "" {
		return d.Kind
	}
	return d.Kind + ":" + d.Name
}

// HubSpotTypes are the event types HubSpot subscribes to: accepted
// connections become contacts with a note, found emails update contacts.
var HubSpotTypes = []Type{InviteAccepted, EmailFound}

// Subscription says which event types a destination receives.
type Subscription struct {
	// Destination receives the events.
	Destination Destination
	// Types lists the event types it receives; AnyType receives all.
	Types []Type
}

// HubSpotSubscription returns HubSpot's fixed subscription.
func HubSpotSubscription() Subscription {
	return Subscription{Destination: HubSpot(), Types: slices.Clone(HubSpotTypes)}
}

// NewWebhookSubscription returns the subscription of the webhook endpoint
// name to the event types named in configuration ("*" for all). The error
// names the endpoint and the valid type names.
func NewWebhookSubscription(name string, types []string) (Subscription, error) {
	s := Subscription{Destination: Webhook(name)}
	if len(types) == 0 {
		return s, fmt.Errorf("integrations: webhook %q subscribes to no event types: list some under events, or \"*\" for all", name)
	}
	for _, raw := range types {
		if Type(raw) == AnyType {
			s.Types = append(s.Types, AnyType)
			continue
		}
		t, err := ParseType(raw)
		if err != nil {
			return s, fmt.Errorf("integrations: webhook %q: %w", name, err)
		}
		s.Types = append(s.Types, t)
	}
	return s, nil
}

// Wants reports whether the subscription receives events of type t.
func (s Subscription) Wants(t Type) bool {
	return slices.Contains(s.Types, t) || slices.Contains(s.Types, AnyType)
}

// Router routes events to the destinations that subscribe to them.
type Router []Subscription

// Route returns the destinations that receive events of type t, in the
// router's order, each once. The caller inserts one delivery job per
// destination in the transaction that stores the event.
func (r Router) Route(t Type) []Destination {
	var out []Destination
	for _, s := range r {
		if s.Wants(t) && !slices.Contains(out, s.Destination) {
			out = append(out, s.Destination)
		}
	}
	return out
}
