package hubspottest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// lifecycleStage is HubSpot's contact property of the lifecycle stage.
const lifecycleStage = "lifecyclestage"

// lifecycleStages are HubSpot's default lifecycle stages, in the order a
// contact moves through them.
func lifecycleStages() []PropertyOption {
	stages := [][2]string{
		{"Subscriber", "subscriber"}, {"Lead", "lead"}, {"Marketing Qualified Lead", "marketingqualifiedlead"},
		{"Sales Qualified Lead", "salesqualifiedlead"}, {"Opportunity", "opportunity"}, {"Customer", "customer"},
		{"Evangelist", "evangelist"}, {"Other", "other"},
	}
	out := make([]PropertyOption, len(stages))
	for i, st := range stages {
		out[i] = PropertyOption{Label: st[0], Value: st[1], DisplayOrder: i}
	}
	return out
}

// updateContact answers PATCH /crm/v3/objects/contacts/{contactId} with a
// body {"properties": {…}}: it sets the properties and answers 200 with the
// contact (HubSpot's SimplePublicObject, showing the properties written).
// A value HubSpot refuses is answered 400 as HubSpot answers invalid
// property values, and nothing is written.
func (s *Server) updateContact(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Properties map[string]string `json:"properties"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || len(in.Properties) == 0 {
		s.writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON: properties must hold at least one property")
		return
	}
	s.mu.Lock()
	c, ok := s.contacts[r.PathValue("contactId")]
	if !ok {
		s.mu.Unlock()
		s.writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "resource not found")
		return
	}
	if bad := s.invalidValue(c, in.Properties); bad != nil {
		s.mu.Unlock()
		s.writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", bad.message(), errorDetail{Message: bad.Message, Code: bad.Error, In: bad.Name})
		return
	}
	if other, name := s.collision(c, in.Properties); other != nil {
		s.mu.Unlock()
		s.writeError(w, http.StatusConflict, "CONFLICT", fmt.Sprintf("A contact with the value %q for the unique property %q already exists. Existing ID: %s", in.Properties[name], name, other.ID))
		return
	}
	now := s.stamp()
	s.setProps(c, in.Properties)
	s.setProps(c, map[string]string{"lastmodifieddate": now})
	s.indexAt(c, s.opts.Now())
	res := objectResult{ID: c.ID, Properties: contactProperties(c.Properties, slices.Collect(maps.Keys(in.Properties))),
		CreatedAt: c.Properties["createdate"], UpdatedAt: now}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, res)
}

// propertyValueError is one item of HubSpot's "Property values were not
// valid" message.
type propertyValueError struct {
	IsValid bool   `json:"isValid"`
	Message string `json:"message"`
	Error   string `json:"error"`
	Name    string `json:"name"`
}

// message returns HubSpot's message for the error: "Property values were
// not valid: " and the JSON list of the values refused.
func (e *propertyValueError) message() string {
	b, _ := json.Marshal([]propertyValueError{*e})
	return "Property values were not valid: " + string(b)
}

// invalidValue returns the first value of props HubSpot would refuse for c,
// or nil: a property that does not exist, a value that is not one of an
// enumeration's options, or a lifecycle stage before c's. HubSpot moves a
// lifecycle stage forward only: moving it back takes clearing it first
// (an empty value), then setting it. s.mu is held.
func (s *Server) invalidValue(c *Contact, props map[string]string) *propertyValueError {
	for _, name := range slices.Sorted(maps.Keys(props)) {
		v := props[name]
		p, ok := s.properties[name]
		switch {
		case !ok:
			return &propertyValueError{Message: fmt.Sprintf("Property %q does not exist", name), Error: "PROPERTY_DOESNT_EXIST", Name: name}
		case len(p.Options) == 0 || v == "":
			continue
		}
		at := slices.IndexFunc(p.Options, func(o PropertyOption) bool { return o.Value == v })
		if at < 0 {
			values := make([]string, len(p.Options))
			for i, o := range p.Options {
				values[i] = o.Value
			}
			return &propertyValueError{Message: fmt.Sprintf("%s was not one of the allowed options: [%s]", v, strings.Join(values, ", ")),
				Error: "INVALID_OPTION", Name: name}
		}
		cur := slices.IndexFunc(p.Options, func(o PropertyOption) bool { return o.Value == c.Properties[name] })
		if name == lifecycleStage && cur > at {
			return &propertyValueError{Message: fmt.Sprintf("the lifecycle stage cannot move backward from %s to %s; clear it first", c.Properties[name], v),
				Error: "INVALID_OPTION", Name: name}
		}
	}
	return nil
}
