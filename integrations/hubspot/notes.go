package hubspot

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Association of a note to a contact: HubSpot-defined type 202.
const (
	noteToContactTypeID   = 202
	associationCategoryHS = "HUBSPOT_DEFINED"
)

// Note is a note on a contact's timeline.
type Note struct {
	// ContactID is HubSpot's id of the contact.
	ContactID string
	// Timestamp places the note on the timeline (hs_timestamp): when the
	// connection was accepted. It is also how FindNote recognises the note.
	Timestamp time.Time
	// Body is the note's text (hs_note_body).
	Body string
}

// ConnectedNote returns the note Pacer adds for an accepted connection:
// "Connected on LinkedIn on <date> via campaign <name>", dated acceptedAt.
func ConnectedNote(contactID string, acceptedAt time.Time, campaign string) Note {
	return Note{
		ContactID: contactID,
		Timestamp: acceptedAt.UTC().Truncate(time.Millisecond),
		Body:      fmt.Sprintf("Connected on LinkedIn on %s via campaign %s", acceptedAt.UTC().Format("2006-01-02"), campaign),
	}
}

// SentNote returns the note Pacer adds for a follow-up message sent on
// LinkedIn: "LinkedIn message sent on <date> via campaign <name>:", then
// the message, dated sentAt.
func SentNote(contactID string, sentAt time.Time, campaign, text string) Note {
	return Note{
		ContactID: contactID,
		Timestamp: sentAt.UTC().Truncate(time.Millisecond),
		Body:      fmt.Sprintf("LinkedIn message sent on %s via campaign %s:\n%s", sentAt.UTC().Format("2006-01-02"), noteText(campaign), noteText(text)),
	}
}

// RepliedNote returns the note Pacer adds when a prospect replies on
// LinkedIn: "Replied on LinkedIn on <date>: <excerpt> (<conversation URL>)",
// without the URL when there is none, dated repliedAt.
func RepliedNote(contactID string, repliedAt time.Time, excerpt, conversationURL string) Note {
	body := fmt.Sprintf("Replied on LinkedIn on %s: %s", repliedAt.UTC().Format("2006-01-02"), noteText(excerpt))
	if conversationURL != "" {
		body += " (" + noteText(conversationURL) + ")"
	}
	return Note{ContactID: contactID, Timestamp: repliedAt.UTC().Truncate(time.Millisecond), Body: body}
}

// noteText escapes the characters HubSpot would take for markup in a note's
// body, which it shows as rich text: "<3" or "<b>" in a message must show as
// typed, and must come back unchanged for FindNote to recognise the note.
var noteText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

// Wire types of the notes calls.
type (
	associationType struct {
		AssociationCategory string `json:"associationCategory"`
		AssociationTypeID   int    `json:"associationTypeId"`
	}
	associationTarget struct {
		ID string `json:"id"`
	}
	association struct {
		To    associationTarget `json:"to"`
		Types []associationType `json:"types"`
	}
	noteInput struct {
		Properties         map[string]string `json:"properties"`
		Associations       []association     `json:"associations"`
		ObjectWriteTraceID string            `json:"objectWriteTraceId,omitempty"`
	}
)

func (n Note) input(trace string) noteInput {
	a := association{Types: []associationType{{AssociationCategory: associationCategoryHS, AssociationTypeID: noteToContactTypeID}}}
	a.To.ID = n.ContactID
	return noteInput{
		Properties: map[string]string{
			"hs_timestamp": n.Timestamp.UTC().Format("2006-01-02T15:04:05.000Z"),
			"hs_note_body": n.Body,
		},
		Associations:       []association{a},
		ObjectWriteTraceID: trace,
	}
}

// CreateNote creates the note, associated with its contact
// (POST /crm/v3/objects/notes), and returns the note's id. Creation is not
// idempotent: the call is never repeated once it may have reached HubSpot.
// Store the id; on an error matching ErrOutcomeUnknown, call FindNote before
// creating the note again.
func (c *Client) CreateNote(ctx context.Context, n Note) (string, error) {
	const op = "create note"
	if n.ContactID == "" {
		return "", &Error{Op: op, Message: "no contact id", kind: ErrRejected}
	}
	var out objectResult
	if _, err := c.do(ctx, call{op: op, method: http.MethodPost, path: "/crm/v3/objects/notes", in: n.input(""), out: &out}); err != nil {
		return "", err
	}
	return out.ID, nil
}

// NotesResult is the outcome of CreateNotes, note by note.
type NotesResult struct {
	// IDs has the created note's id at the index of each created note.
	IDs []string
	// Errs has the error at the index of each note HubSpot refused.
	Errs []error
}

// CreateNotes creates up to MaxBatchSize notes in one call
// (POST /crm/v3/objects/notes/batch/create). Like CreateNote it is not
// idempotent; a multi-status answer says which notes were created. When the
// error matches ErrOutcomeUnknown, none, some or all may exist: FindNote
// each before creating it again.
func (c *Client) CreateNotes(ctx context.Context, notes []Note) (*NotesResult, error) {
	const op = "batch create notes"
	if len(notes) > MaxBatchSize {
		return nil, &Error{Op: op, Message: fmt.Sprintf("%d notes, more than %d", len(notes), MaxBatchSize), kind: ErrRejected}
	}
	var in batchInput[noteInput]
	for i, n := range notes {
		in.Inputs = append(in.Inputs, n.input(strconv.Itoa(i)))
	}
	var out batchResponse
	status, err := c.do(ctx, call{op: op, method: http.MethodPost, path: "/crm/v3/objects/notes/batch/create", in: in, out: &out})
	if err != nil {
		return nil, err
	}
	res := &NotesResult{IDs: make([]string, len(notes)), Errs: make([]error, len(notes))}
	index := func(trace string) int {
		i, err := strconv.Atoi(trace)
		if err != nil || i < 0 || i >= len(notes) {
			return -1
		}
		return i
	}
	for _, r := range out.Results {
		if i := index(r.ObjectWriteTraceID); i >= 0 {
			res.IDs[i] = r.ID
		}
	}
	for _, be := range out.Errors {
		for _, trace := range be.Context["objectWriteTraceId"] {
			if i := index(trace); i >= 0 && res.IDs[i] == "" {
				res.Errs[i] = c.inputError(op, status, be)
			}
		}
	}
	for i := range notes {
		if res.IDs[i] == "" && res.Errs[i] == nil {
			res.Errs[i] = &Error{Op: op, StatusCode: status, Message: "HubSpot returned no result for this note", kind: ErrOutcomeUnknown}
		}
	}
	return res, nil
}

// FindNote looks for a note made earlier for n: associated with the same
// contact, with the same hs_timestamp and body (POST
// /crm/v3/objects/notes/search). It returns the note's id, or an error
// matching ErrNotFound. HubSpot's search index lags a few seconds behind
// writes, so call it on a retry, not right after an uncertain create.
func (c *Client) FindNote(ctx context.Context, n Note) (string, error) {
	const op = "find note"
	found, err := c.search(ctx, op, "notes", searchRequest{
		FilterGroups: []filterGroup{{Filters: []searchFilter{
			{PropertyName: "associations.contact", Operator: "EQ", Value: n.ContactID},
			{PropertyName: "hs_timestamp", Operator: "EQ", Value: strconv.FormatInt(n.Timestamp.UnixMilli(), 10)},
		}}},
		Properties: []string{"hs_note_body", "hs_timestamp"},
		Limit:      10,
	})
	if err != nil {
		return "", err
	}
	for _, r := range found {
		if r.Properties["hs_note_body"] == n.Body {
			return r.ID, nil
		}
	}
	return "", &Error{Op: op, Message: "no note for contact " + n.ContactID + " at " + n.Timestamp.UTC().Format(time.RFC3339), kind: ErrNotFound}
}
