package hubspottest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ConflictAnswer is how the fake answers a batch upsert or update in which an
// input collides with another contact on a unique value: an email another
// contact holds, or a value of a property with unique values (the profile
// URL) another contact holds.
type ConflictAnswer int

// The answers to a colliding input.
const (
	// ConflictExistingID answers 409 Conflict for the whole call and writes
	// nothing, the message naming the first contact collided with:
	// {"status":"error","message":"Contact already exists. Existing ID: 1001",
	// "correlationId":…,"category":"CONFLICT"}. HubSpot answers so; it is the
	// default.
	ConflictExistingID ConflictAnswer = iota
	// ConflictNamingInputs answers 409 for the whole call and writes nothing;
	// the context names the colliding inputs (context.ids, their id values),
	// the message no contact: only a search finds the one collided with.
	ConflictNamingInputs
	// ConflictBare answers 409 for the whole call and writes nothing, naming
	// neither the inputs nor the contact.
	ConflictBare
	// ConflictMultiStatus writes the other inputs and answers 207
	// Multi-Status, with a CONFLICT error for each colliding input (its
	// context names the input, its message the existing contact).
	ConflictMultiStatus
)

// snapshot is a contact's properties as of a write, for the search index.
type snapshot struct {
	at    time.Time
	props map[string]string
}

// SetConflictAnswer sets how a batch write with a colliding input is
// answered (ConflictExistingID until set).
func (s *Server) SetConflictAnswer(a ConflictAnswer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conflictAnswer = a
}

// SetSearchLag makes contact searches see contacts as they were d ago, like
// HubSpot's search index, which lags seconds (at times minutes) behind
// writes: a contact created less than d ago is not found. Reading a contact
// by id is never stale. AddContact's contacts are indexed at once.
func (s *Server) SetSearchLag(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.searchLag = d
}

// findBy returns the contact with the property value; s.mu is held.
func (s *Server) findBy(property, value string) *Contact {
	if property == "email" {
		value = strings.ToLower(value)
	}
	return s.index[property][value]
}

// setProps stores props on c and keeps the index; s.mu is held.
func (s *Server) setProps(c *Contact, props map[string]string) {
	for name, v := range props {
		idx := s.index[name]
		if idx == nil {
			idx = make(map[string]*Contact)
			s.index[name] = idx
		}
		key := func(v string) string {
			if name == "email" {
				return strings.ToLower(v)
			}
			return v
		}
		if old, ok := c.Properties[name]; ok && idx[key(old)] == c {
			delete(idx, key(old))
		}
		c.Properties[name] = v
		if v != "" {
			idx[key(v)] = c
		}
	}
}

// indexAt records c's properties in the search index as of at; s.mu is
// held.
func (s *Server) indexAt(c *Contact, at time.Time) {
	s.history[c.ID] = append(s.history[c.ID], snapshot{at: at, props: maps.Clone(c.Properties)})
}

// indexed returns the properties of contact id the search index holds at
// now: its last write at least the search lag ago; s.mu is held.
func (s *Server) indexed(id string, now time.Time) map[string]string {
	h := s.history[id]
	for i := len(h) - 1; i >= 0; i-- {
		if !h[i].at.After(now.Add(-s.searchLag)) {
			return h[i].props
		}
	}
	return nil
}

func validEmail(e string) bool {
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e {
		return false
	}
	at := strings.LastIndex(e, "@")
	return at > 0 && strings.Contains(e[at+1:], ".")
}

// writeInput is one input of a batch upsert (idProperty and id: the value)
// or batch update (id: the contact's id).
type writeInput struct {
	IDProperty         string            `json:"idProperty"`
	ID                 string            `json:"id"`
	ObjectWriteTraceID string            `json:"objectWriteTraceId"`
	Properties         map[string]string `json:"properties"`
}

func (s *Server) upsertContacts(w http.ResponseWriter, r *http.Request) {
	s.writeContacts(w, r, false)
}

func (s *Server) updateContacts(w http.ResponseWriter, r *http.Request) {
	s.writeContacts(w, r, true)
}

// writeContacts answers a batch upsert or, byID, a batch update.
func (s *Server) writeContacts(w http.ResponseWriter, r *http.Request, byID bool) {
	var in struct {
		Inputs []writeInput `json:"inputs"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		s.writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON on line 1: "+err.Error())
		return
	}
	switch {
	case len(in.Inputs) == 0:
		s.writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "inputs must not be empty")
		return
	case len(in.Inputs) > 100:
		s.writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", fmt.Sprintf("Batch input size of %d exceeds the limit of 100", len(in.Inputs)))
		return
	}
	s.mu.Lock()
	refusal, code := s.validateWrite(in.Inputs, byID), http.StatusBadRequest
	if refusal == nil && s.conflictAnswer != ConflictMultiStatus {
		refusal, code = s.wholeConflict(in.Inputs, byID), http.StatusConflict
	}
	out := batchResponse{Status: "COMPLETE", StartedAt: s.stamp()}
	if refusal == nil {
		for _, input := range in.Inputs {
			res, failed := s.writeOne(input, byID)
			if failed != nil {
				out.Errors = append(out.Errors, *failed)
				continue
			}
			out.Results = append(out.Results, res)
		}
	}
	out.CompletedAt = s.stamp()
	out.NumErrors = len(out.Errors)
	s.mu.Unlock()
	if refusal != nil {
		writeJSON(w, code, refusal)
		return
	}
	code = http.StatusOK
	if len(out.Errors) > 0 {
		code = http.StatusMultiStatus
	}
	writeJSON(w, code, out)
}

// validateWrite returns the 400 answer HubSpot gives for a batch it refuses
// as a whole; s.mu is held.
func (s *Server) validateWrite(inputs []writeInput, byID bool) *errorBody {
	bad := func(msg string, details ...errorDetail) *errorBody {
		return &errorBody{Status: "error", Category: "VALIDATION_ERROR", Message: msg, CorrelationID: s.correlationID(), Errors: details}
	}
	seen := make(map[string]bool)
	for _, input := range inputs {
		if !byID {
			p, ok := s.properties[input.IDProperty]
			if !ok {
				msg := fmt.Sprintf("Property %q does not exist", input.IDProperty)
				return bad(msg, errorDetail{Message: msg, Code: "PROPERTY_DOESNT_EXIST", In: input.IDProperty})
			}
			if input.IDProperty != "email" && !p.HasUniqueValue {
				return bad(fmt.Sprintf("Property %q is not a unique identifier property", input.IDProperty))
			}
		}
		for name := range input.Properties {
			if _, ok := s.properties[name]; !ok {
				msg := fmt.Sprintf("Property %q does not exist", name)
				return bad("Property values were not valid: "+msg, errorDetail{Message: msg, Code: "PROPERTY_DOESNT_EXIST", In: name})
			}
		}
		key := input.IDProperty + "\x00" + strings.ToLower(input.ID)
		if seen[key] {
			return bad("Duplicate IDs found in batch input: [" + input.ID + "]")
		}
		seen[key] = true
	}
	return nil
}

// target returns the contact an input writes to, nil when it would create
// one (or, byID, names none); s.mu is held.
func (s *Server) target(in writeInput, byID bool) *Contact {
	if byID {
		return s.contacts[in.ID]
	}
	return s.findBy(in.IDProperty, in.ID)
}

// propsOf returns the properties an input writes.
func propsOf(in writeInput, byID bool) map[string]string {
	props := maps.Clone(in.Properties)
	if props == nil {
		props = map[string]string{}
	}
	if !byID {
		props[in.IDProperty] = in.ID
	}
	return props
}

// collision returns the first other contact that holds one of props'
// unique values (email, and every property with hasUniqueValue), with the
// property; s.mu is held.
func (s *Server) collision(c *Contact, props map[string]string) (*Contact, string) {
	for _, name := range slices.Sorted(maps.Keys(props)) {
		v := props[name]
		if v == "" || (name != "email" && !s.properties[name].HasUniqueValue) {
			continue
		}
		if other := s.findBy(name, v); other != nil && other != c {
			return other, name
		}
	}
	return nil, ""
}

// wholeConflict returns the 409 answer for a batch with colliding inputs,
// in the configured form, or nil; s.mu is held.
func (s *Server) wholeConflict(inputs []writeInput, byID bool) *errorBody {
	var first *Contact
	var ids []string
	for _, in := range inputs {
		c := s.target(in, byID)
		if byID && c == nil {
			continue // refused on its own: not found
		}
		if other, _ := s.collision(c, propsOf(in, byID)); other != nil {
			if first == nil {
				first = other
			}
			ids = append(ids, in.ID)
		}
	}
	if first == nil {
		return nil
	}
	body := &errorBody{Status: "error", Category: "CONFLICT", Message: "Contact already exists", CorrelationID: s.correlationID()}
	switch s.conflictAnswer {
	case ConflictExistingID:
		body.Message = "Contact already exists. Existing ID: " + first.ID
	case ConflictNamingInputs:
		body.Context = map[string]any{"ids": ids}
	}
	return body
}

// writeOne applies one input; s.mu is held.
func (s *Server) writeOne(in writeInput, byID bool) (objectResult, *batchErrorBody) {
	ctx := map[string][]string{"ids": {in.ID}}
	if in.ObjectWriteTraceID != "" {
		ctx["objectWriteTraceId"] = []string{in.ObjectWriteTraceID}
	}
	props := propsOf(in, byID)
	c := s.target(in, byID)
	if byID && c == nil {
		return objectResult{}, &batchErrorBody{Status: "error", Category: "OBJECT_NOT_FOUND", Context: ctx,
			Message: "Object not found.  objectId are usually numeric."}
	}
	if e, ok := props["email"]; ok && !validEmail(e) {
		msg := fmt.Sprintf("Email address %s is invalid", e)
		return objectResult{}, &batchErrorBody{Status: "error", Category: "VALIDATION_ERROR", Context: ctx,
			Message: fmt.Sprintf(`Property values were not valid: [{"isValid":false,"message":%q,"error":"INVALID_EMAIL","name":"email"}]`, msg),
			Errors:  []errorDetail{{Message: msg, Code: "INVALID_EMAIL", In: "email"}}}
	}
	if other, name := s.collision(c, props); other != nil {
		msg := fmt.Sprintf("A contact with the value %q for the unique property %q already exists. Existing ID: %s", props[name], name, other.ID)
		return objectResult{}, &batchErrorBody{Status: "error", Category: "CONFLICT", Context: ctx, Message: msg,
			Errors: []errorDetail{{Message: msg, Code: "UNIQUE_VALUE_CONFLICT", In: name}}}
	}
	now := s.stamp()
	isNew := c == nil
	if isNew {
		c = &Contact{ID: s.newID(), Properties: map[string]string{"createdate": now}}
		s.contacts[c.ID] = c
	}
	s.setProps(c, props)
	s.setProps(c, map[string]string{"hs_object_id": c.ID, "lastmodifieddate": now})
	s.indexAt(c, s.opts.Now())
	res := objectResult{ID: c.ID, Properties: maps.Clone(c.Properties), CreatedAt: c.Properties["createdate"],
		UpdatedAt: now, ObjectWriteTraceID: in.ObjectWriteTraceID}
	if !byID {
		res.New = &isNew // only upserts say whether they created
	}
	return res, nil
}

// contactProperties returns the properties of a contact an answer shows:
// those asked for, or HubSpot's defaults, and always hs_object_id,
// createdate and lastmodifieddate.
func contactProperties(props map[string]string, asked []string) map[string]string {
	if len(asked) == 0 {
		asked = []string{"email", "firstname", "lastname"}
	}
	out := make(map[string]string)
	for _, name := range append(asked, "hs_object_id", "createdate", "lastmodifieddate") {
		if v, ok := props[name]; ok {
			out[name] = v
		}
	}
	return out
}

// getContact answers GET /crm/v3/objects/contacts/{contactId}?properties=…
// from the contact as it is now.
func (s *Server) getContact(w http.ResponseWriter, r *http.Request) {
	var asked []string
	if p := r.URL.Query().Get("properties"); p != "" {
		asked = strings.Split(p, ",")
	}
	s.mu.Lock()
	c, ok := s.contacts[r.PathValue("contactId")]
	var res objectResult
	if ok {
		res = objectResult{ID: c.ID, Properties: contactProperties(c.Properties, asked), CreatedAt: c.Properties["createdate"],
			UpdatedAt: c.Properties["lastmodifieddate"]}
	}
	s.mu.Unlock()
	if !ok {
		s.writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "resource not found")
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// searchFilter is one filter of a CRM search.
type searchFilter struct {
	PropertyName string   `json:"propertyName"`
	Operator     string   `json:"operator"`
	Value        string   `json:"value"`
	Values       []string `json:"values"`

	wanted map[string]bool // the lower-cased values, by prepare
}

// prepare indexes the filter's values.
func (f *searchFilter) prepare() {
	f.wanted = make(map[string]bool, len(f.Values)+1)
	if f.Operator == "EQ" {
		f.wanted[strings.ToLower(f.Value)] = true
	}
	for _, v := range f.Values {
		f.wanted[strings.ToLower(v)] = true
	}
}

// matches reports whether props pass the filter (EQ or IN). String
// comparisons ignore case, as HubSpot's do.
func (f searchFilter) matches(props map[string]string) bool {
	v, ok := props[f.PropertyName]
	return ok && f.wanted[strings.ToLower(v)]
}

// searchContacts answers POST /crm/v3/objects/contacts/search (filter
// groups ORed, their filters ANDed; EQ and IN) from the search index, which
// lags by the search lag.
func (s *Server) searchContacts(w http.ResponseWriter, r *http.Request) {
	var in struct {
		FilterGroups []struct {
			Filters []searchFilter `json:"filters"`
		} `json:"filterGroups"`
		Properties []string `json:"properties"`
		Limit      int      `json:"limit"`
		After      string   `json:"after"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		s.writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON: "+err.Error())
		return
	}
	if in.Limit > 200 || len(in.FilterGroups) > 5 {
		s.writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "limit must be at most 200, and filterGroups at most 5")
		return
	}
	for _, g := range in.FilterGroups {
		for i, f := range g.Filters {
			if f.Operator != "EQ" && f.Operator != "IN" {
				s.writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "the fake supports the EQ and IN operators only, not "+f.Operator)
				return
			}
			g.Filters[i].prepare()
		}
	}
	s.mu.Lock()
	now := s.opts.Now()
	results := []objectResult{}
	for _, id := range slices.Sorted(maps.Keys(s.contacts)) {
		props := s.indexed(id, now)
		if props == nil {
			continue
		}
		match := len(in.FilterGroups) == 0
		for _, g := range in.FilterGroups {
			match = match || !slices.ContainsFunc(g.Filters, func(f searchFilter) bool { return !f.matches(props) })
		}
		if match {
			results = append(results, objectResult{ID: id, Properties: contactProperties(props, in.Properties),
				CreatedAt: props["createdate"], UpdatedAt: props["lastmodifieddate"]})
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, page(results, in.Limit, in.After))
}

// page returns one page of search results, HubSpot's way: limit 10 by
// default, the next page's cursor in paging.next.after.
func page(results []objectResult, limit int, after string) map[string]any {
	if limit <= 0 {
		limit = 10
	}
	start, _ := strconv.Atoi(after)
	start = min(max(start, 0), len(results))
	end := min(start+limit, len(results))
	out := map[string]any{"total": len(results), "results": results[start:end]}
	if end < len(results) {
		out["paging"] = map[string]any{"next": map[string]string{"after": strconv.Itoa(end)}}
	}
	return out
}
