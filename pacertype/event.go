package pacertype

import "slices"

// EventType names a kind of event. It is stored in events.type and, for the
// public types, sent to webhook receivers as the event's "type".
type EventType string

// The public event types: webhook endpoints and HubSpot subscribe to them,
// and docs/events.md documents each. Their names are part of Pacer's public
// interface.
const (
	// EventInviteSent is recorded when an approved invitation was sent and
	// confirmed (the profile shows Pending).
	EventInviteSent EventType = "invite.sent"
	// EventInviteAccepted is recorded when a prospect accepted an invitation.
	EventInviteAccepted EventType = "invite.accepted"
	// EventInviteWithdrawn is recorded when a pending invitation was withdrawn.
	EventInviteWithdrawn EventType = "invite.withdrawn"
	// EventEmailFound is recorded when an email finder found a prospect's
	// address.
	EventEmailFound EventType = "email.found"
	// EventMessageSent is recorded when an approved follow-up message was
	// sent and confirmed (it shows as the conversation's last own message).
	EventMessageSent EventType = "message.sent"
	// EventMessageReplied is recorded when a prospect answered the account's
	// messages (seen in its messaging list); their follow-ups stop.
	EventMessageReplied EventType = "message.replied"
	// EventAccountRestricted is recorded when LinkedIn restricts an account or
	// shows the weekly invitation limit; the account stops inviting until the
	// reset.
	EventAccountRestricted EventType = "account.restricted"
	// EventAccountCheckpoint is recorded when LinkedIn shows a security
	// checkpoint or rejects the session; the account stops entirely until a
	// person resolves it.
	EventAccountCheckpoint EventType = "account.checkpoint"
	// EventProposalApproved is recorded when an approver approved a proposal.
	EventProposalApproved EventType = "proposal.approved"
	// EventProposalRejected is recorded when an approver rejected a proposal.
	EventProposalRejected EventType = "proposal.rejected"
)

// The internal event types: they go to Slack (alerts, progress cards),
// never to webhooks or HubSpot.
const (
	// EventGuardTripped is recorded when an account's acceptance rate fell
	// low enough for the quota guard to slow or pause its invitations.
	EventGuardTripped EventType = "account.guard"
	// EventPendingAlert is recorded when an account has many pending
	// invitations.
	EventPendingAlert EventType = "account.pending_alert"
	// EventDeadLettered is recorded when a delivery failed for good;
	// data.Destination names where it was going.
	EventDeadLettered EventType = "delivery.dead"
	// EventActionFailed is recorded when an approved action failed for good.
	EventActionFailed EventType = "action.failed"
	// EventActionSkipped is recorded when an approved action was not carried
	// out (for example, the person is already connected).
	EventActionSkipped EventType = "action.skipped"
	// EventIntegrationPaused is recorded when an integration stopped calling
	// its destination until data.Until (an email finder's monthly quota is
	// spent); data.Destination names it and data.Reason says why.
	EventIntegrationPaused EventType = "integration.paused"
	// EventDeliveryMissing is recorded when the daily reconcile did not find
	// on LinkedIn's Sent page invitations Pacer recorded as sent (and not
	// accepted): data.Names lists them, data.Count counts them.
	EventDeliveryMissing EventType = "account.delivery_missing"
)

// publicEventTypes is the one list of public event types, in documentation
// order: configuration validation, the integrations' payloads and
// docs/events.md all read it.
var publicEventTypes = []EventType{
	EventInviteSent, EventInviteAccepted, EventInviteWithdrawn, EventEmailFound,
	EventMessageSent, EventMessageReplied,
	EventAccountRestricted, EventAccountCheckpoint, EventProposalApproved, EventProposalRejected,
}

var internalEventTypes = []EventType{
	EventGuardTripped, EventPendingAlert, EventDeadLettered,
	EventActionFailed, EventActionSkipped, EventIntegrationPaused,
	EventDeliveryMissing,
}

// EventTypes returns the public event types, in documentation order: the
// ones a webhook endpoint may subscribe to.
func EventTypes() []EventType { return slices.Clone(publicEventTypes) }

// InternalEventTypes returns the event types only Slack receives.
func InternalEventTypes() []EventType { return slices.Clone(internalEventTypes) }

// Public reports whether t is one of [EventTypes].
func (t EventType) Public() bool { return slices.Contains(publicEventTypes, t) }

// EventTypeNames returns the names of the public event types, for messages
// that list the valid ones.
func EventTypeNames() []string {
	names := make([]string, len(publicEventTypes))
	for i, t := range publicEventTypes {
		names[i] = string(t)
	}
	return names
}
