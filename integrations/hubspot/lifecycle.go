package hubspot

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/pacerhq/pacer/integrations"
)

// lifecycleStageProperty is HubSpot's contact property of the lifecycle
// stage.
const lifecycleStageProperty = "lifecyclestage"

// ErrLifecycleStageKept means HubSpot refused the lifecycle stage and kept
// the contact's (a 400 naming lifecyclestage): HubSpot does not move a
// stage backwards, so a customer who replies stays a customer; or the
// portal has no such stage. Retrying cannot help. It matches ErrRejected.
var ErrLifecycleStageKept = integrations.NewSentinel("hubspot: lifecycle stage kept", ErrRejected)

// SetLifecycleStage sets the contact's lifecycle stage (PATCH
// /crm/v3/objects/contacts/<id> with the lifecyclestage property). stage is
// HubSpot's internal value ("salesqualifiedlead"). Setting it again is
// harmless, so the call is retried like a read. When HubSpot refuses the
// stage the error matches ErrLifecycleStageKept and carries HubSpot's
// message.
func (c *Client) SetLifecycleStage(ctx context.Context, contactID, stage string) error {
	const op = "set lifecycle stage"
	if contactID == "" {
		return &Error{Op: op, Message: "no contact id", kind: ErrRejected}
	}
	in := struct {
		Properties map[string]string `json:"properties"`
	}{map[string]string{lifecycleStageProperty: stage}}
	_, err := c.do(ctx, call{op: op, method: http.MethodPatch, path: "/crm/v3/objects/contacts/" + url.PathEscape(contactID),
		in: in, out: &objectResult{}, idempotent: true})
	var he *Error
	if errors.As(err, &he) && he.StatusCode == http.StatusBadRequest && strings.Contains(he.Message, lifecycleStageProperty) {
		he.kind = ErrLifecycleStageKept
	}
	return err
}
