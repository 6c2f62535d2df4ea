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
	// Name is the internal name, used in the API.
	Name string `json:"name"`
	// Label is the name shown in HubSpot.
	Label string `json:"label"`
	// Type is the data type ("string").
	Type string `json:"type"`
	// FieldType is the form field ("text": single-line text).
	FieldType string `json:"fieldType"`
	// GroupName is the property group ("contactinformation").
	GroupName string `json:"groupName"`
	// Description explains the property to HubSpot users.
	Description string `json:"description,omitempty"`
	// HasUniqueValue makes HubSpot refuse two contacts with one value.
	HasUniqueValue bool `json:"hasUniqueValue"`
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
