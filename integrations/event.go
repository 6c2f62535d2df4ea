package integrations

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pacerhq/pacer/pacertype"
)

// ErrUnknownType is returned when an event type name is not one of [pacertype.EventTypes].
var ErrUnknownType = errors.New("integrations: unknown event type")

// ParseType parses an event type name, as written in configuration or on the
// command line. The error lists the valid names.
func ParseType(s string) (pacertype.EventType, error) {
	t := pacertype.EventType(strings.TrimSpace(s))
	if t.Public() {
		return t, nil
	}
	return "", fmt.Errorf("%w %q: use one of %s", ErrUnknownType, s, strings.Join(pacertype.EventTypeNames(), ", "))
}

// Payload is the type-specific data of an event. Every payload type in this
// package implements it.
type Payload interface {
	EventType() pacertype.EventType
}

// Event is one thing that happened, as stored and as delivered. Data holds
// the payload whose type matches Type (for example *InviteAcceptedData for
// invite.accepted).
type Event struct {
	// ID is unique per event ("evt_…"). Webhook deliveries send it as the
	// webhook-id header, so receivers can deduplicate retries.
	ID string `json:"id"`
	// Type is the event type.
	Type pacertype.EventType `json:"type"`
	// Timestamp is when the event happened, in UTC.
	Timestamp time.Time `json:"timestamp"`
	// Data is the type-specific payload.
	Data Payload `json:"data"`
}

// NewID returns a new event id: "evt_" followed by a time-ordered UUID (v7)
// in hexadecimal, so ids sort roughly by creation time.
func NewID() string {
	u, err := uuid.NewV7()
	if err != nil {
		u = uuid.New()
	}
	return "evt_" + strings.ReplaceAll(u.String(), "-", "")
}

// New returns an event for data that happened at the given time, with a new
// id. The timestamp is stored in UTC, truncated to the millisecond.
func New(at time.Time, data Payload) Event {
	return Event{
		ID:        NewID(),
		Type:      data.EventType(),
		Timestamp: at.UTC().Truncate(time.Millisecond),
		Data:      data,
	}
}

// UnmarshalJSON decodes an event, choosing the payload type from the "type"
// field. Unknown fields are ignored so that old readers accept new events.
func (e *Event) UnmarshalJSON(b []byte) error {
	var raw struct {
		ID        string              `json:"id"`
		Type      pacertype.EventType `json:"type"`
		Timestamp time.Time           `json:"timestamp"`
		Data      json.RawMessage     `json:"data"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("integrations: decode event: %w", err)
	}
	data, err := decodeData(raw.Type, raw.Data, false)
	if err != nil {
		return err
	}
	*e = Event{ID: raw.ID, Type: raw.Type, Timestamp: raw.Timestamp, Data: data}
	return nil
}

// newPayload returns a pointer to a zero payload for t.
func newPayload(t pacertype.EventType) (Payload, error) {
	switch t {
	case pacertype.EventInviteSent:
		return &InviteSentData{}, nil
	case pacertype.EventInviteAccepted:
		return &InviteAcceptedData{}, nil
	case pacertype.EventInviteWithdrawn:
		return &InviteWithdrawnData{}, nil
	case pacertype.EventEmailFound:
		return &EmailFoundData{}, nil
	case pacertype.EventMessageSent:
		return &MessageSentData{}, nil
	case pacertype.EventMessageReplied:
		return &MessageRepliedData{}, nil
	case pacertype.EventAccountRestricted:
		return &AccountRestrictedData{}, nil
	case pacertype.EventAccountCheckpoint:
		return &AccountCheckpointData{}, nil
	case pacertype.EventProposalApproved:
		return &ProposalApprovedData{}, nil
	case pacertype.EventProposalRejected:
		return &ProposalRejectedData{}, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownType, t)
}

// decodeData decodes raw into the payload type for t. With strict, unknown
// fields are an error (used by the documentation test).
func decodeData(t pacertype.EventType, raw json.RawMessage, strict bool) (Payload, error) {
	p, err := newPayload(t)
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 || string(raw) == "null" {
		return nil, fmt.Errorf("integrations: event of type %s has no data", t)
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(p); err != nil {
		return nil, fmt.Errorf("integrations: decode %s data: %w", t, err)
	}
	return p, nil
}

// Prospect returns the prospect the event concerns, or nil for account and
// proposal events.
func (e Event) Prospect() *Prospect {
	if p, ok := e.Data.(interface{ prospect() *Prospect }); ok {
		return p.prospect()
	}
	return nil
}
