package finder

import (
	"context"
	"net/mail"
	"strings"

	"github.com/pacerhq/pacer/integrations"
)

// ContactInfoReader reads the email shown in the contact-info overlay of a
// 1st-degree connection's profile, acting as the given Pacer account. The
// browser executor implements it; reading costs one profile view, so it
// reserves quota like any other action and may answer ErrRateLimited (with
// RetryAt) when the day's views are spent. An empty email means the overlay
// shows none.
type ContactInfoReader interface {
	ReadContactEmail(ctx context.Context, account, slug string) (string, error)
}

// ContactInfo is the contact_info provider.
type ContactInfo struct {
	reader ContactInfoReader
}

// NewContactInfo returns the contact_info provider reading through r.
func NewContactInfo(r ContactInfoReader) *ContactInfo {
	return &ContactInfo{reader: r}
}

// Name returns integrations.SourceContactInfo.
func (*ContactInfo) Name() string { return integrations.SourceContactInfo }

// FindEmail reads p's contact-info overlay. It needs p.Account and p.Slug.
// The reader's errors are returned wrapped, so that its sentinels still
// match.
func (c *ContactInfo) FindEmail(ctx context.Context, p Person) (string, error) {
	if p.Account == "" || p.Slug == "" {
		return "", &Error{Provider: c.Name(), Message: "the account and the prospect's slug are required", kind: ErrRejected}
	}
	raw, err := c.reader.ReadContactEmail(ctx, p.Account, p.Slug)
	if err != nil {
		return "", &Error{Provider: c.Name(), Message: "read the contact info of " + p.Slug + " as " + p.Account, Err: err, kind: ErrTemporary}
	}
	email := strings.TrimSpace(raw)
	if email == "" {
		return "", &Error{Provider: c.Name(), Message: p.Slug + " shows no email", kind: ErrNotFound}
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return "", &Error{Provider: c.Name(), Message: p.Slug + " shows something that is not an email address", kind: ErrNotFound}
	}
	return email, nil
}
