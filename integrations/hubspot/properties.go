package hubspot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// Property is a contact property definition in HubSpot.
type Property struct {
	Name           string `json:"name"`
	Label          string `json:"label"`
	Type           string `json:"type"`
	FieldType      string `json:"fieldType"`
	GroupName      string `json:"groupName"`
	Description    string `json:"description,omitempty"`
	HasUniqueValue bool   `json:"hasUniqueValue"`
}

// ErrPropertyNotUnique means the profile-URL property exists without unique
// values, so contacts cannot be upserted by it.
var ErrPropertyNotUnique = errors.New("hubspot: the profile-URL property exists but does not require unique values")

// EnsureProfileURLProperty makes sure the contact property holding the
// LinkedIn profile URL exists (GET /crm/v3/properties/contacts/<name>) and
// creates it when missing (POST /crm/v3/properties/contacts): a single-line
// text with unique values in the "contactinformation" group. It reports
// whether it created the property. `pacer hubspot setup` runs it.
func (c *Client) EnsureProfileURLProperty(ctx context.Context) (created bool, err error) {
	p, err := c.getProperty(ctx, c.property)
	switch {
	case err == nil:
		if !p.HasUniqueValue {
			return false, fmt.Errorf("%w: %q; delete it in HubSpot or choose another property name", ErrPropertyNotUnique, c.property)
		}
		return false, nil
	case !errors.Is(err, ErrNotFound):
		return false, err
	}
	want := Property{
		Name:           c.property,
		Label:          "LinkedIn profile URL",
		Type:           "string",
		FieldType:      "text",
		GroupName:      "contactinformation",
		Description:    "The contact's LinkedIn profile, set by Pacer. Pacer finds contacts without an email by it.",
		HasUniqueValue: true,
	}
	_, err = c.do(ctx, call{op: "create contact property", method: http.MethodPost, path: "/crm/v3/properties/contacts", in: want, out: &Property{}})
	if errors.Is(err, ErrConflict) { // created meanwhile, by another replica
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

func (c *Client) getProperty(ctx context.Context, name string) (*Property, error) {
	var p Property
	_, err := c.do(ctx, call{op: "get contact property", method: http.MethodGet, path: "/crm/v3/properties/contacts/" + url.PathEscape(name), out: &p})
	if err != nil {
		return nil, err
	}
	return &p, nil
}
