package integrations

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Type names an event type. Its values are part of Pacer's public interface:
// receivers and scripts depend on them.
type Type string

// The event types. Their names never change; new types may be added.
const (
	// InviteSent is emitted when an approved invitation was sent and confirmed
	// (the profile shows Pending).
	InviteSent Type = "invite.sent"
	// InviteAccepted is emitted when a prospect accepted an invitation.
	InviteAccepted Type = "invite.accepted"
	// InviteWithdrawn is emitted when a pending invitation was withdrawn.
	InviteWithdrawn Type = "invite.withdrawn"
	// EmailFound is emitted when an email finder found a prospect's address.
	EmailFound Type = "email.found"
	// AccountRestricted is emitted when LinkedIn restricts an account or shows
	// the weekly invitation limit; the account stops inviting until the reset.
	AccountRestricted Type = "account.restricted"
	// AccountCheckpoint is emitted when LinkedIn shows a security checkpoint;
	// the account stops entirely until a human resolves it.
	AccountCheckpoint Type = "account.checkpoint"
	// ProposalApproved is emitted when an approver approved a proposal in Slack.
	ProposalApproved Type = "proposal.approved"
	// ProposalRejected is emitted when an approver rejected a proposal in Slack.
	ProposalRejected Type = "proposal.rejected"
)

// AnyType is the wildcard a subscription may use to receive every type.
const AnyType Type = "*"

// ErrUnknownType is returned when an event type name is not one of [Types].
var ErrUnknownType = errors.New("integrations: unknown event type")

var allTypes = []Type{
	InviteSent, InviteAccepted, InviteWithdrawn, EmailFound,
	AccountRestricted, AccountCheckpoint, ProposalApproved, ProposalRejected,
}

// Types returns every event type, in documentation order.
func Types() []Type { return slices.Clone(allTypes) }

// Valid reports whether t is a known event type (the wildcard is not).
func (t Type) Valid() bool { return slices.Contains(allTypes, t) }

// ParseType parses an event type name, as written in configuration or on the
// command line. The error lists the valid names.
func ParseType(s string) (Type, error) {
	t := Type(strings.TrimSpace(s))
	if t.Valid() {
		return t, nil
	}
	names := make([]string, len(allTypes))
	for i, v := range allTypes {
		names[i] = string(v)
	}
	return "", fmt.Errorf("%w %q: use one of %s", ErrUnknownType, s, strings.Join(names, ", "))
}

// Payload is the type-specific data of an event. Every payload type in this
// package implements it.
type Payload interface {
	EventType() Type
}

// Event is one thing that happened, as stored and as delivered. Data holds
// the payload whose type matches Type (for example *InviteAccepted for
// invite.accepted).
type Event struct {
	// ID is unique per event ("evt_…"). Webhook deliveries send it as the
	// webhook-id header, so receivers can deduplicate retries.
	ID string `json:"id"`
	// Type is the event type.
	Type Type `json:"type"`
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
		ID        string          `json:"id"`
		Type      Type            `json:"type"`
		Timestamp time.Time       `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
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
func newPayload(t Type) (Payload, error) {
	switch t {
	case InviteSent:
		return &InviteSentData{}, nil
	case InviteAccepted:
		return &InviteAcceptedData{}, nil
	case InviteWithdrawn:
		return &InviteWithdrawnData{}, nil
	case EmailFound:
		return &EmailFoundData{}, nil
	case AccountRestricted:
		return &AccountRestrictedData{}, nil
	case AccountCheckpoint:
		return &AccountCheckpointData{}, nil
	case ProposalApproved:
		return &ProposalApprovedData{}, nil
	case ProposalRejected:
		return &ProposalRejectedData{}, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownType, t)
}

// decodeData decodes raw into the payload type for t. With strict, unknown
// fields are an error (used by the documentation test).
func decodeData(t Type, raw json.RawMessage, strict bool) (Payload, error) {
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
