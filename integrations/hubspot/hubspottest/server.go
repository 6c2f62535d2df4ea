// Package hubspottest is a fake HubSpot CRM API for tests. It follows
// HubSpot's documented request and response shapes for the calls Pacer
// makes (contacts batch upsert, batch update, read, update and search;
// notes create, batch create and search; contact properties get and
// create), enforces the Bearer token and the burst limit with HubSpot's 429
// body and X-HubSpot-RateLimit-* headers, and injects faults on demand: a
// fraction of 5xx answers, hung requests, lost answers, a 429 storm. Like
// HubSpot, it holds the lifecycle stage (lifecyclestage) with the default
// stages as options, and refuses to move it backwards. Like HubSpot, it refuses a whole
// batch write with 409 Conflict when an input collides with another contact
// on a unique value (SetConflictAnswer chooses the form of the answer), and
// its contact search lags behind writes when asked to (SetSearchLag). Its
// inspection methods tell a test what HubSpot would now hold.
package hubspottest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Routes, as counted by CallsTo.
const (
	RouteUpsertContacts = "POST /crm/v3/objects/contacts/batch/upsert"
	RouteUpdateContacts = "POST /crm/v3/objects/contacts/batch/update"
	RouteSearchContacts = "POST /crm/v3/objects/contacts/search"
	RouteGetContact     = "GET /crm/v3/objects/contacts/{contactId}"
	RouteUpdateContact  = "PATCH /crm/v3/objects/contacts/{contactId}"
	RouteCreateNote     = "POST /crm/v3/objects/notes"
	RouteCreateNotes    = "POST /crm/v3/objects/notes/batch/create"
	RouteSearchNotes    = "POST /crm/v3/objects/notes/search"
	RouteGetProperty    = "GET /crm/v3/properties/contacts/{name}"
	RouteCreateProperty = "POST /crm/v3/properties/contacts"
)

// Options configure a Server.
type Options struct {
	// Token is the Bearer token every request must carry; empty accepts
	// any.
	Token string
	// RequestsPerWindow enforces HubSpot's burst limit (0: none), as
	// TEN_SECONDLY_ROLLING 429s.
	RequestsPerWindow int
	// Window is the burst window (10 s when zero). Scale it down to run
	// rate-limited tests fast.
	Window time.Duration
	// DailyLimit enforces a daily budget (0: none), as DAILY 429s.
	DailyLimit int
	// Now is the server's clock (time.Now when nil).
	Now func() time.Time
	// Seed seeds the fault injection.
	Seed uint64
	// ProfileURLProperty, when set, exists from the start with unique
	// values, as after `pacer hubspot setup`.
	ProfileURLProperty string
}

// Contact is a stored contact.
type Contact struct {
	// ID is the contact's id (hs_object_id).
	ID string
	// Properties are the contact's property values.
	Properties map[string]string
}

// Note is a stored note.
type Note struct {
	// ID is the note's id.
	ID string
	// Properties are hs_note_body, hs_timestamp and HubSpot's own.
	Properties map[string]string
	// ContactIDs are the contacts the note is associated with.
	ContactIDs []string
}

// Property is a contact property definition.
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
	// Options are the values of an enumeration, in order.
	Options []PropertyOption `json:"options,omitempty"`
}

// PropertyOption is one value of an enumeration property.
type PropertyOption struct {
	// Label is the name shown in HubSpot.
	Label string `json:"label"`
	// Value is the internal value, used in the API.
	Value string `json:"value"`
	// DisplayOrder orders the options; for the lifecycle stage, the order
	// in which a contact moves through them.
	DisplayOrder int `json:"displayOrder"`
	// Hidden options are not offered in forms.
	Hidden bool `json:"hidden"`
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL to give the client as HUBSPOT_API_URL.
	URL string

	srv  *httptest.Server
	opts Options

	mu         sync.Mutex
	rnd        *rand.Rand
	nextID     int
	contacts   map[string]*Contact
	index      map[string]map[string]*Contact // property → value (email lower-cased) → contact
	history    map[string][]snapshot          // contact id → its writes, oldest first: the search index
	notes      map[string]*Note
	properties map[string]Property
	calls      map[string]int
	total      int
	limited    int
	window     []time.Time
	daily      int

	failRate    float64
	hangRate    float64
	hangFor     time.Duration
	hangAfter   bool
	storm       int
	stormPolicy string
	echoToken   bool
	lose        map[string]int // route → answers still to lose

	conflictAnswer ConflictAnswer
	searchLag      time.Duration
}

// New starts a fake HubSpot.
func New(opts Options) *Server {
	if opts.Window <= 0 {
		opts.Window = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:     opts,
		rnd:      rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		nextID:   1000,
		contacts: make(map[string]*Contact),
		index:    make(map[string]map[string]*Contact),
		history:  make(map[string][]snapshot),
		notes:    make(map[string]*Note),
		calls:    make(map[string]int),
		properties: map[string]Property{
			"email":     {Name: "email", Label: "Email", Type: "string", FieldType: "text", GroupName: "contactinformation"},
			"firstname": {Name: "firstname", Label: "First Name", Type: "string", FieldType: "text", GroupName: "contactinformation"},
			"lastname":  {Name: "lastname", Label: "Last Name", Type: "string", FieldType: "text", GroupName: "contactinformation"},
			"company":   {Name: "company", Label: "Company Name", Type: "string", FieldType: "text", GroupName: "contactinformation"},
			"jobtitle":  {Name: "jobtitle", Label: "Job Title", Type: "string", FieldType: "text", GroupName: "contactinformation"},
			lifecycleStage: {Name: lifecycleStage, Label: "Lifecycle Stage", Type: "enumeration", FieldType: "radio",
				GroupName: "contactinformation", Options: lifecycleStages()},
		},
		lose: make(map[string]int),
	}
	if opts.ProfileURLProperty != "" {
		s.properties[opts.ProfileURLProperty] = Property{Name: opts.ProfileURLProperty, Label: "LinkedIn profile URL",
			Type: "string", FieldType: "text", GroupName: "contactinformation", HasUniqueValue: true}
	}
	mux := http.NewServeMux()
	mux.HandleFunc(RouteUpsertContacts, s.upsertContacts)
	mux.HandleFunc(RouteUpdateContacts, s.updateContacts)
	mux.HandleFunc(RouteSearchContacts, s.searchContacts)
	mux.HandleFunc(RouteGetContact, s.getContact)
	mux.HandleFunc(RouteUpdateContact, s.updateContact)
	mux.HandleFunc(RouteCreateNote, s.createNote)
	mux.HandleFunc(RouteCreateNotes, s.createNotes)
	mux.HandleFunc(RouteSearchNotes, s.searchNotes)
	mux.HandleFunc(RouteGetProperty, s.getProperty)
	mux.HandleFunc(RouteCreateProperty, s.createProperty)
	s.srv = httptest.NewServer(s.middleware(mux))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Fault injection knobs.

// SetFailureRate makes that fraction of requests answer a 5xx (500 with
// HubSpot's JSON error, or 502 with an HTML page as from a proxy), before any
// processing.
func (s *Server) SetFailureRate(rate float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failRate = rate
}

// SetHangRate makes that fraction of requests hang for d (or until the
// client gives up) before answering. With afterWrite, the request is
// processed first, so that the client cannot know whether it was: the case
// that makes non-idempotent creates duplicate.
func (s *Server) SetHangRate(rate float64, d time.Duration, afterWrite bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hangRate, s.hangFor, s.hangAfter = rate, d, afterWrite
}

// LoseAnswers makes the next n requests on a route (Route…) lose their
// answer: each is processed, then held until the client gives up (or a
// minute), so that the client cannot know whether it was. Unlike
// SetHangRate, it says exactly which calls.
func (s *Server) LoseAnswers(route string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lose[route] += n
}

// Storm makes the next n requests answer 429 with policy (PolicyTenSecondly
// or "DAILY").
func (s *Server) Storm(n int, policy string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.storm, s.stormPolicy = n, policy
}

// SetEchoToken makes 401 answers quote the token they got, to check that
// clients scrub what servers send back.
func (s *Server) SetEchoToken(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.echoToken = on
}

// Inspection.

// Calls returns the number of requests received, failed ones included.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// CallsTo returns the number of requests received on a route (Route…).
func (s *Server) CallsTo(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[route]
}

// RateLimited returns the number of 429 answers given.
func (s *Server) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limited
}

// Contacts returns the stored contacts, by id.
func (s *Server) Contacts() []Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Contact, 0, len(s.contacts))
	for _, id := range slices.Sorted(maps.Keys(s.contacts)) {
		c := s.contacts[id]
		out = append(out, Contact{ID: c.ID, Properties: maps.Clone(c.Properties)})
	}
	return out
}

// ContactBy returns the contact whose property has the value (email is
// compared without case).
func (s *Server) ContactBy(property, value string) (Contact, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.findBy(property, value); c != nil {
		return Contact{ID: c.ID, Properties: maps.Clone(c.Properties)}, true
	}
	return Contact{}, false
}

// AddContact stores a contact, as if created by someone else long ago (the
// search index holds it), and returns its id.
func (s *Server) AddContact(props map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &Contact{ID: s.newID(), Properties: map[string]string{}}
	s.setProps(c, props)
	now := s.stamp()
	s.setProps(c, map[string]string{"hs_object_id": c.ID, "createdate": now, "lastmodifieddate": now})
	s.contacts[c.ID] = c
	s.indexAt(c, time.Time{})
	return c.ID
}

// Merge merges contact mergedID into primaryID, as a person does in
// HubSpot: the merged contact's values fill the primary's empty ones, its
// notes move to the primary, and it is gone.
func (s *Server) Merge(primaryID, mergedID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, m := s.contacts[primaryID], s.contacts[mergedID]
	if p == nil || m == nil || p == m {
		return
	}
	fill, drop := map[string]string{}, map[string]string{}
	for name, v := range m.Properties {
		if p.Properties[name] == "" {
			fill[name] = v
		}
		drop[name] = ""
	}
	s.setProps(m, drop) // out of the index
	delete(s.contacts, mergedID)
	delete(s.history, mergedID)
	s.setProps(p, fill)
	s.indexAt(p, s.opts.Now())
	for _, n := range s.notes {
		if i := slices.Index(n.ContactIDs, mergedID); i >= 0 {
			n.ContactIDs[i] = primaryID
		}
	}
}

// NotesFor returns the notes associated with a contact, by id.
func (s *Server) NotesFor(contactID string) []Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Note
	for _, id := range slices.Sorted(maps.Keys(s.notes)) {
		n := s.notes[id]
		if slices.Contains(n.ContactIDs, contactID) {
			out = append(out, Note{ID: n.ID, Properties: maps.Clone(n.Properties), ContactIDs: slices.Clone(n.ContactIDs)})
		}
	}
	return out
}

// NoteCount returns the number of stored notes.
func (s *Server) NoteCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.notes)
}

// Property returns a contact property definition.
func (s *Server) Property(name string) (Property, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.properties[name]
	return p, ok
}

// SetProperty defines (or redefines) a contact property.
func (s *Server) SetProperty(p Property) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.properties[p.Name] = p
}

// The HTTP side.

func (s *Server) newID() string {
	s.nextID++
	return strconv.Itoa(s.nextID)
}

func (s *Server) correlationID() string {
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", s.rnd.Uint32(), s.rnd.Uint32()&0xffff, s.rnd.Uint32()&0xfff, s.rnd.Uint32()&0xfff, s.rnd.Uint64()&0xffffffffffff)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// errorBody is HubSpot's error shape.
type errorBody struct {
	Status        string         `json:"status"`
	Message       string         `json:"message"`
	CorrelationID string         `json:"correlationId"`
	Category      string         `json:"category,omitempty"`
	ErrorType     string         `json:"errorType,omitempty"`
	PolicyName    string         `json:"policyName,omitempty"`
	RequestID     string         `json:"requestId,omitempty"`
	Errors        []errorDetail  `json:"errors,omitempty"`
	Context       map[string]any `json:"context,omitempty"`
}

type errorDetail struct {
	Message string `json:"message"`
	Code    string `json:"code,omitempty"`
	In      string `json:"in,omitempty"`
}

func (s *Server) writeError(w http.ResponseWriter, code int, category, message string, details ...errorDetail) {
	s.mu.Lock()
	id := s.correlationID()
	s.mu.Unlock()
	writeJSON(w, code, errorBody{Status: "error", Message: message, CorrelationID: id, Category: category, Errors: details})
}

// middleware counts, authenticates, rate-limits and injects faults.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the body first lets the server notice a client that gives
		// up (it cancels r.Context()), which hung requests wait for.
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.mu.Lock()
		route := routeOf(r)
		s.calls[route]++
		s.total++
		now := s.opts.Now()
		if tok := s.opts.Token; tok != "" && r.Header.Get("Authorization") != "Bearer "+tok {
			msg := "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
			if s.echoToken {
				msg = "The access token " + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") + " is not valid."
			}
			s.mu.Unlock()
			s.writeError(w, http.StatusUnauthorized, "INVALID_AUTHENTICATION", msg)
			return
		}
		policy := ""
		switch {
		case s.storm > 0:
			s.storm--
			policy = s.stormPolicy
		case s.opts.DailyLimit > 0 && s.daily >= s.opts.DailyLimit:
			policy = "DAILY"
		case s.opts.RequestsPerWindow > 0:
			for len(s.window) > 0 && now.Sub(s.window[0]) >= s.opts.Window {
				s.window = s.window[1:]
			}
			if len(s.window) >= s.opts.RequestsPerWindow {
				policy = "TEN_SECONDLY_ROLLING"
			}
		}
		if policy == "" {
			s.window = append(s.window, now)
			s.daily++
		}
		s.setRateLimitHeaders(w.Header())
		if policy != "" {
			s.limited++
			body := errorBody{Status: "error", Message: fmt.Sprintf("You have reached your %s limit.", strings.ToLower(policy)),
				ErrorType: "RATE_LIMIT", CorrelationID: s.correlationID(), PolicyName: policy, RequestID: s.correlationID()}
			s.mu.Unlock()
			writeJSON(w, http.StatusTooManyRequests, body)
			return
		}
		fail := s.failRate > 0 && s.rnd.Float64() < s.failRate
		bad502 := s.rnd.IntN(2) == 0
		hang := !fail && s.hangRate > 0 && s.rnd.Float64() < s.hangRate
		hangFor, hangAfter := s.hangFor, s.hangAfter
		if !fail && s.lose[route] > 0 {
			s.lose[route]--
			hang, hangFor, hangAfter = true, time.Minute, true
		}
		s.mu.Unlock()
		if fail {
			if bad502 {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusBadGateway)
				fmt.Fprint(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
				return
			}
			s.writeError(w, http.StatusInternalServerError, "INTERNAL_ERROR", "internal error")
			return
		}
		if hang && !hangAfter {
			sleep(r, hangFor)
			s.writeError(w, http.StatusGatewayTimeout, "TIMEOUT", "request timed out")
			return
		}
		if hang {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			sleep(r, hangFor)
			maps.Copy(w.Header(), rec.Header())
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		next.ServeHTTP(w, r)
	})
}

func sleep(r *http.Request, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

func routeOf(r *http.Request) string {
	switch {
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/crm/v3/properties/contacts/"):
		return RouteGetProperty
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/crm/v3/objects/contacts/"):
		return RouteGetContact
	case r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, "/crm/v3/objects/contacts/"):
		return RouteUpdateContact
	}
	return r.Method + " " + r.URL.Path
}

// setRateLimitHeaders sets the X-HubSpot-RateLimit-* headers; s.mu is held.
func (s *Server) setRateLimitHeaders(h http.Header) {
	if n := s.opts.RequestsPerWindow; n > 0 {
		h.Set("X-HubSpot-RateLimit-Max", strconv.Itoa(n))
		h.Set("X-HubSpot-RateLimit-Remaining", strconv.Itoa(max(n-len(s.window), 0)))
		h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", strconv.FormatInt(s.opts.Window.Milliseconds(), 10))
	}
	if d := s.opts.DailyLimit; d > 0 {
		h.Set("X-HubSpot-RateLimit-Daily", strconv.Itoa(d))
		h.Set("X-HubSpot-RateLimit-Daily-Remaining", strconv.Itoa(max(d-s.daily, 0)))
	}
}

// objectResult is HubSpot's SimplePublicObject (with "new" for upserts).
type objectResult struct {
	ID                 string            `json:"id"`
	Properties         map[string]string `json:"properties"`
	CreatedAt          string            `json:"createdAt"`
	UpdatedAt          string            `json:"updatedAt"`
	Archived           bool              `json:"archived"`
	New                *bool             `json:"new,omitempty"`
	ObjectWriteTraceID string            `json:"objectWriteTraceId,omitempty"`
}

// batchErrorBody is one error of a multi-status answer.
type batchErrorBody struct {
	Status   string              `json:"status"`
	Category string              `json:"category"`
	Message  string              `json:"message"`
	Context  map[string][]string `json:"context"`
	Errors   []errorDetail       `json:"errors,omitempty"`
}

type batchResponse struct {
	Status      string           `json:"status"`
	Results     []objectResult   `json:"results"`
	NumErrors   int              `json:"numErrors,omitempty"`
	Errors      []batchErrorBody `json:"errors,omitempty"`
	StartedAt   string           `json:"startedAt"`
	CompletedAt string           `json:"completedAt"`
}

func (s *Server) stamp() string { return s.opts.Now().UTC().Format("2006-01-02T15:04:05.000Z") }

type noteInput struct {
	Properties   map[string]string `json:"properties"`
	Associations []struct {
		To struct {
			ID json.Number `json:"id"`
		} `json:"to"`
		Types []struct {
			AssociationCategory string `json:"associationCategory"`
			AssociationTypeID   int    `json:"associationTypeId"`
		} `json:"types"`
	} `json:"associations"`
	ObjectWriteTraceID string `json:"objectWriteTraceId"`
}

// parseTimestamp accepts hs_timestamp as Unix milliseconds or ISO 8601 UTC.
func parseTimestamp(v string) (time.Time, bool) {
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), true
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	return t.UTC(), err == nil
}

// createOneNote validates and stores a note; s.mu is held.
func (s *Server) createOneNote(in noteInput) (objectResult, *batchErrorBody) {
	ctx := map[string][]string{}
	if in.ObjectWriteTraceID != "" {
		ctx["objectWriteTraceId"] = []string{in.ObjectWriteTraceID}
	}
	fail := func(msg string) (objectResult, *batchErrorBody) {
		return objectResult{}, &batchErrorBody{Status: "error", Category: "VALIDATION_ERROR", Message: msg, Context: ctx}
	}
	ts, ok := parseTimestamp(in.Properties["hs_timestamp"])
	if !ok {
		return fail("Property values were not valid: hs_timestamp is required (Unix milliseconds or UTC ISO 8601)")
	}
	var contactIDs []string
	for _, a := range in.Associations {
		if len(a.Types) != 1 || a.Types[0].AssociationCategory != "HUBSPOT_DEFINED" || a.Types[0].AssociationTypeID != 202 {
			return fail("invalid association type: a note is associated with a contact by HUBSPOT_DEFINED type 202")
		}
		id := a.To.ID.String()
		if _, ok := s.contacts[id]; !ok {
			return fail(fmt.Sprintf("One or more associations are invalid: contact %s does not exist", id))
		}
		contactIDs = append(contactIDs, id)
	}
	now := s.stamp()
	n := &Note{ID: s.newID(), ContactIDs: contactIDs, Properties: map[string]string{
		"hs_note_body": in.Properties["hs_note_body"], "hs_timestamp": ts.Format("2006-01-02T15:04:05.000Z"),
		"hs_createdate": now, "hs_lastmodifieddate": now,
	}}
	n.Properties["hs_object_id"] = n.ID
	s.notes[n.ID] = n
	return objectResult{ID: n.ID, Properties: maps.Clone(n.Properties), CreatedAt: now, UpdatedAt: now,
		ObjectWriteTraceID: in.ObjectWriteTraceID}, nil
}

func (s *Server) createNote(w http.ResponseWriter, r *http.Request) {
	var in noteInput
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		s.writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON: "+err.Error())
		return
	}
	s.mu.Lock()
	res, bad := s.createOneNote(in)
	s.mu.Unlock()
	if bad != nil {
		s.writeError(w, http.StatusBadRequest, bad.Category, bad.Message)
		return
	}
	res.ObjectWriteTraceID = ""
	writeJSON(w, http.StatusCreated, res)
}

func (s *Server) createNotes(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Inputs []noteInput `json:"inputs"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || len(in.Inputs) == 0 || len(in.Inputs) > 100 {
		s.writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "inputs must hold 1 to 100 notes")
		return
	}
	s.mu.Lock()
	out := batchResponse{Status: "COMPLETE", StartedAt: s.stamp()}
	for _, n := range in.Inputs {
		res, bad := s.createOneNote(n)
		if bad != nil {
			out.Errors = append(out.Errors, *bad)
			continue
		}
		out.Results = append(out.Results, res)
	}
	out.CompletedAt = s.stamp()
	out.NumErrors = len(out.Errors)
	s.mu.Unlock()
	code := http.StatusCreated
	if len(out.Errors) > 0 {
		code = http.StatusMultiStatus
	}
	writeJSON(w, code, out)
}

func (s *Server) searchNotes(w http.ResponseWriter, r *http.Request) {
	var in struct {
		FilterGroups []struct {
			Filters []struct {
				PropertyName string `json:"propertyName"`
				Operator     string `json:"operator"`
				Value        string `json:"value"`
			} `json:"filters"`
		} `json:"filterGroups"`
		Limit int `json:"limit"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		s.writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON: "+err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var results []objectResult
	for _, id := range slices.Sorted(maps.Keys(s.notes)) {
		n := s.notes[id]
		match := len(in.FilterGroups) == 0
		for _, g := range in.FilterGroups {
			all := true
			for _, f := range g.Filters {
				if f.Operator != "EQ" {
					all = false
					continue
				}
				switch f.PropertyName {
				case "associations.contact":
					all = all && slices.Contains(n.ContactIDs, f.Value)
				case "hs_timestamp":
					want, ok1 := parseTimestamp(f.Value)
					got, ok2 := parseTimestamp(n.Properties["hs_timestamp"])
					all = all && ok1 && ok2 && want.Equal(got)
				default:
					all = all && n.Properties[f.PropertyName] == f.Value
				}
			}
			match = match || all
		}
		if match {
			results = append(results, objectResult{ID: n.ID, Properties: maps.Clone(n.Properties),
				CreatedAt: n.Properties["hs_createdate"], UpdatedAt: n.Properties["hs_lastmodifieddate"]})
		}
	}
	total := len(results)
	if in.Limit > 0 && len(results) > in.Limit {
		results = results[:in.Limit]
	}
	writeJSON(w, http.StatusOK, map[string]any{"total": total, "results": results})
}

func (s *Server) getProperty(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/crm/v3/properties/contacts/")
	s.mu.Lock()
	p, ok := s.properties[name]
	s.mu.Unlock()
	if !ok {
		s.writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", fmt.Sprintf("Unable to find property %s for object type 0-1", name))
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) createProperty(w http.ResponseWriter, r *http.Request) {
	var p Property
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil || p.Name == "" || p.Label == "" || p.Type == "" || p.FieldType == "" || p.GroupName == "" {
		s.writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "name, label, type, fieldType and groupName are required")
		return
	}
	s.mu.Lock()
	if _, exists := s.properties[p.Name]; exists {
		s.mu.Unlock()
		s.writeError(w, http.StatusConflict, "OBJECT_ALREADY_EXISTS", fmt.Sprintf("A property named '%s' already exists.", p.Name))
		return
	}
	s.properties[p.Name] = p
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, p)
}
