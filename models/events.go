package models

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/pacertype"
)

// EventProspect is the prospect an event concerns, as receivers see it.
type EventProspect struct {
	Slug       string `json:"slug"`
	ProfileURL string `json:"profile_url"`
	FirstName  string `json:"first_name,omitempty"`
	LastName   string `json:"last_name,omitempty"`
	Company    string `json:"company,omitempty"`
	Title      string `json:"title,omitempty"`
	Email      string `json:"email,omitempty"`
}

// ProspectForEvent snapshots a prospect for an event's payload.
func ProspectForEvent(p Prospect) *EventProspect {
	return &EventProspect{
		Slug: p.Slug, ProfileURL: p.ProfileURL, FirstName: p.FirstName, LastName: p.LastName,
		Company: p.Company, Title: p.Title, Email: p.Email,
	}
}

// EventData is an event's payload as stored: what it concerns and the facts
// of its type. The integrations package turns it into the typed payload
// receivers get (docs/events.md).
type EventData struct {
	Prospect *EventProspect `json:"prospect,omitempty"`
	Account  string         `json:"account,omitempty"`
	Campaign string         `json:"campaign,omitempty"`
	// Note is the invitation note sent (invite.sent).
	Note string `json:"note,omitempty"`
	// Text is the message sent (message.sent), or the start of the reply
	// as the messaging list shows it (message.replied).
	Text string `json:"text,omitempty"`
	// URL is the address of the conversation a reply is in
	// (message.replied), when the messaging list links it.
	URL string `json:"url,omitempty"`
	// Reason says why (restrictions, checkpoints, skips, failures, guards).
	Reason string `json:"reason,omitempty"`
	// Until is when a restriction or pause ends.
	Until *time.Time `json:"until,omitempty"`
	// ProposalID and DecidedBy describe proposal decisions.
	ProposalID int64  `json:"proposal_id,omitempty"`
	DecidedBy  string `json:"decided_by,omitempty"`
	// Count is how many items a decision or a delivery concerns.
	Count int `json:"count,omitempty"`
	// Names are the people an account-wide event concerns (the invitations
	// the Sent page does not list).
	Names []string `json:"names,omitempty"`
	// Destination names the integration a dead letter belongs to.
	Destination string `json:"destination,omitempty"`
	// SentAt is when the invitation an acceptance or withdrawal concerns
	// was sent.
	SentAt *time.Time `json:"sent_at,omitempty"`
	// Source and Score describe how an email was found (email.found).
	Source string `json:"source,omitempty"`
	Score  int    `json:"score,omitempty"`
}

// EventRefs are the rows an event concerns, for queries.
type EventRefs struct {
	AccountID  *int64
	CampaignID *int64
	ProspectID *int64
	ProposalID *int64
}

// Destination names, as deliveries carry them.
const (
	DestinationHubSpot = "hubspot"
	DestinationSlack   = "slack"
	// DestinationHunter looks up the email of an accepted connection with
	// Hunter, for the campaigns whose find_email is hunter; a found email is
	// recorded as email.found.
	DestinationHunter = "finder:hunter"
	// Webhook destinations are "webhook:" + the endpoint's name.
	destinationWebhookPrefix = "webhook:"
)

// WebhookDestination names a webhook endpoint as a destination.
func WebhookDestination(name string) string { return destinationWebhookPrefix + name }

// hubSpotEvents are the events that become CRM contacts and notes (and,
// for a reply, a lifecycle stage).
var hubSpotEvents = []pacertype.EventType{pacertype.EventInviteAccepted, pacertype.EventEmailFound,
	pacertype.EventMessageSent, pacertype.EventMessageReplied}

// Subscriptions maps each destination to the event types it receives; nil
// receives every type. It is Pacer's one router of events to destinations:
// RecordEvent inserts one delivery job per destination it names.
type Subscriptions map[string][]pacertype.EventType

// SubscriptionsFrom derives the destinations from the configuration:
// HubSpot when enabled, the Hunter email finder when a campaign uses it,
// each webhook endpoint, and Slack (every event, for progress cards and
// alerts) when a bot token is set.
func SubscriptionsFrom(cfg *config.Config) Subscriptions {
	subs := Subscriptions{}
	if cfg.HubSpot.Enabled {
		subs[DestinationHubSpot] = hubSpotEvents
	}
	for _, c := range cfg.Campaigns {
		if c.FindEmail == pacertype.FinderHunter {
			subs[DestinationHunter] = []pacertype.EventType{pacertype.EventInviteAccepted}
		}
	}
	for _, w := range cfg.Webhooks {
		types := make([]pacertype.EventType, 0, len(w.Events))
		for _, e := range w.Events {
			types = append(types, pacertype.EventType(e))
		}
		subs[WebhookDestination(w.Name)] = types
	}
	if cfg.Slack.BotToken.IsSet() {
		subs[DestinationSlack] = nil // nil: every type
	}
	return subs
}

// destinationsFor lists the destinations subscribed to an event type, in a
// stable order.
func (s Subscriptions) destinationsFor(eventType pacertype.EventType) []string {
	var out []string
	for dest, types := range s {
		if types == nil || slices.Contains(types, eventType) {
			out = append(out, dest)
		}
	}
	slices.Sort(out)
	return out
}

// DeliveryArgs is the River job that delivers one event to one destination.
// The integrations package works it.
type DeliveryArgs struct {
	EventID     string `json:"event_id"`
	Destination string `json:"destination"`
}

// Kind names the job.
func (DeliveryArgs) Kind() string { return "delivery" }

// RecordEvent writes an event and one delivery job per destination that
// subscribes to its type, inside the caller's transaction tx: the event and
// its deliveries exist if and only if the state change that caused them
// commits.
func (s *Store) RecordEvent(ctx context.Context, tx *gorm.DB, eventType pacertype.EventType, refs EventRefs, data EventData) (Event, error) {
	body, err := json.Marshal(data)
	if err != nil {
		return Event{}, fmt.Errorf("models: encode %s event: %w", eventType, err)
	}
	now := time.Now().UTC()
	e := Event{
		ID:         newEventID(),
		Type:       string(eventType),
		OccurredAt: now,
		AccountID:  refs.AccountID,
		CampaignID: refs.CampaignID,
		ProspectID: refs.ProspectID,
		ProposalID: refs.ProposalID,
		Data:       string(body),
	}
	if err := tx.WithContext(ctx).Create(&e).Error; err != nil {
		return Event{}, fmt.Errorf("models: record %s event: %w", eventType, err)
	}
	for _, dest := range s.subscriptions.destinationsFor(eventType) {
		args := DeliveryArgs{EventID: e.ID, Destination: dest}
		if err := s.InsertJob(ctx, tx, args, &river.InsertOpts{Queue: DeliveryQueue(dest)}); err != nil {
			return Event{}, err
		}
	}
	return e, nil
}

// newEventID returns "evt_" followed by a time-ordered UUID (v7) in 32
// hexadecimal digits: the form docs/events.md promises receivers, who see it
// as the webhook-id.
func newEventID() string {
	u, err := uuid.NewV7()
	if err != nil {
		u = uuid.New()
	}
	return "evt_" + strings.ReplaceAll(u.String(), "-", "")
}

// DeliveryQueue is the River queue of a destination's deliveries: Slack
// gets its own, so a slow CRM never delays a progress card or an alert.
func DeliveryQueue(destination string) string {
	if destination == DestinationSlack {
		return "slack"
	}
	return "deliveries"
}

// DecodeEventData reads an event's payload.
func DecodeEventData(e Event) (EventData, error) {
	var d EventData
	if err := json.Unmarshal([]byte(e.Data), &d); err != nil {
		return d, fmt.Errorf("models: decode event %s: %w", e.ID, err)
	}
	return d, nil
}
