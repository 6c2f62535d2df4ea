package campaign

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/models"
)

// AuditColumns are the columns of the audit export, in order: the CSV
// header of WriteAuditCSV and the keys of each object of WriteAuditJSON.
// Add columns at the end; never rename one.
var AuditColumns = []string{
	"at", "user", "kind", "campaign", "account", "proposal_id", "item_id", "prospect", "profile_url",
	"approved_text", "detail", "action", "action_state", "outcome", "sent_note", "sent_at", "undone_at",
}

// AuditRow is one decision of the audit trail, with what it was about and,
// for an approved item, what was sent and when.
type AuditRow struct {
	At time.Time `json:"at"`
	// User is the Slack user who decided.
	User string `json:"user"`
	// Kind is the decision's kind (models.DecisionApprove, …).
	Kind string `json:"kind"`
	// Campaign and Account: the proposal's, or what a pause or resume held
	// or released.
	Campaign   string `json:"campaign"`
	Account    string `json:"account"`
	ProposalID *int64 `json:"proposal_id"`
	ItemID     *int64 `json:"item_id"`
	// Prospect is the item's prospect's name, ProfileURL their profile.
	Prospect   string `json:"prospect"`
	ProfileURL string `json:"profile_url"`
	// ApprovedText is the exact note an approver approved
	// (models.DecisionApproveItem only).
	ApprovedText string `json:"approved_text"`
	// Detail is the decision's own words: what an approval counted, a
	// skip's reason, an edit's new note, what a pause held.
	Detail string `json:"detail"`
	// Action is the approved item's action that says what was sent: its
	// invitation, or its sequence's last step when it has none. Empty
	// until approved, and for an approval undone (its actions were
	// removed).
	Action      string `json:"action"`
	ActionState string `json:"action_state"`
	Outcome     string `json:"outcome"`
	// SentNote is the note the invitation carries: the approved one, or
	// none when the account's notes for the month ran out and the campaign
	// sends without one.
	SentNote string `json:"sent_note"`
	// SentAt is when the action was carried out (state done).
	SentAt *time.Time `json:"sent_at"`
	// UndoneAt is when an approval, or an approved item, was taken back.
	UndoneAt *time.Time `json:"undone_at"`
}

// Audit returns every decision made at or after since, oldest first, as
// the audit export lists them.
func Audit(ctx context.Context, store *models.Store, since time.Time) ([]AuditRow, error) {
	db := store.DB.WithContext(ctx)
	var ds []models.Decision
	if err := db.Where("at >= ?", since.UTC()).Order("at, id").Find(&ds).Error; err != nil {
		return nil, fmt.Errorf("campaign: read the decisions since %s: %w", since.UTC().Format(time.RFC3339), err)
	}
	refs, err := readAuditRefs(db, ds)
	if err != nil {
		return nil, err
	}
	rows := make([]AuditRow, len(ds))
	for i, d := range ds {
		rows[i] = refs.row(d)
	}
	return rows, nil
}

// auditRefs holds what the decisions refer to, by ID.
type auditRefs struct {
	proposals map[int64]models.Proposal
	campaigns map[int64]models.Campaign
	accounts  map[int64]models.Account
	items     map[int64]models.ProposalItem
	prospects map[int64]models.Prospect
	// sent is, by item, the action that says what was sent.
	sent map[int64]models.Action
}

func readAuditRefs(db *gorm.DB, ds []models.Decision) (*auditRefs, error) {
	proposalIDs, itemIDs, approvedIDs := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
	for _, d := range ds {
		if d.ProposalID != nil {
			proposalIDs[*d.ProposalID] = true
		}
		if d.ItemID != nil {
			itemIDs[*d.ItemID] = true
			// An undone approval's actions were removed: whatever the item
			// has now belongs to a later approval.
			if d.Kind == models.DecisionApproveItem && d.UndoneAt == nil {
				approvedIDs[*d.ItemID] = true
			}
		}
	}
	r := &auditRefs{}
	var err error
	if r.campaigns, err = readByID[models.Campaign](db, "id", nil, "campaigns", func(c models.Campaign) int64 { return c.ID }); err != nil {
		return nil, err
	}
	if r.accounts, err = readByID[models.Account](db, "id", nil, "accounts", func(a models.Account) int64 { return a.ID }); err != nil {
		return nil, err
	}
	if r.proposals, err = readByID(db, "id", proposalIDs, "proposals", func(p models.Proposal) int64 { return p.ID }); err != nil {
		return nil, err
	}
	if r.items, err = readByID(db, "id", itemIDs, "proposal items", func(it models.ProposalItem) int64 { return it.ID }); err != nil {
		return nil, err
	}
	prospectIDs := map[int64]bool{}
	for _, it := range r.items {
		prospectIDs[it.ProspectID] = true
	}
	if r.prospects, err = readByID(db, "id", prospectIDs, "prospects", func(p models.Prospect) int64 { return p.ID }); err != nil {
		return nil, err
	}
	actions, err := readByID(db, "proposal_item_id", approvedIDs, "actions", func(a models.Action) int64 { return a.ID })
	if err != nil {
		return nil, err
	}
	r.sent = map[int64]models.Action{}
	for _, a := range actions {
		if cur, ok := r.sent[*a.ProposalItemID]; !ok || tells(a, cur) {
			r.sent[*a.ProposalItemID] = a
		}
	}
	return r, nil
}

// tells reports whether action a says better than b what was sent for
// their item: the invitation, else the later step.
func tells(a, b models.Action) bool {
	if (a.Kind == models.ActionInvite) != (b.Kind == models.ActionInvite) {
		return a.Kind == models.ActionInvite
	}
	return a.Step > b.Step
}

// readByID reads the rows of T whose column is one of ids (every row when
// ids is nil), keyed by key.
func readByID[T any](db *gorm.DB, column string, ids map[int64]bool, what string, key func(T) int64) (map[int64]T, error) {
	var rows []T
	if ids == nil {
		if err := db.Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("campaign: read the %s of the audit trail: %w", what, err)
		}
	}
	for chunk := range slices.Chunk(slices.Sorted(maps.Keys(ids)), 500) {
		var part []T
		if err := db.Where(column+" IN ?", chunk).Find(&part).Error; err != nil {
			return nil, fmt.Errorf("campaign: read the %s of the audit trail: %w", what, err)
		}
		rows = append(rows, part...)
	}
	out := make(map[int64]T, len(rows))
	for _, row := range rows {
		out[key(row)] = row
	}
	return out, nil
}

func (r *auditRefs) row(d models.Decision) AuditRow {
	row := AuditRow{At: d.At.UTC(), User: d.UserID, Kind: d.Kind, ProposalID: d.ProposalID, ItemID: d.ItemID,
		Detail: d.Detail, UndoneAt: utc(d.UndoneAt)}
	if d.ProposalID != nil {
		pr := r.proposals[*d.ProposalID]
		row.Campaign, row.Account = r.campaigns[pr.CampaignID].Name, r.accounts[pr.AccountID].Name
	}
	switch d.Kind {
	case models.DecisionApproveItem:
		row.ApprovedText, row.Detail = d.Detail, ""
	case models.DecisionPause, models.DecisionResume:
		switch what, name, _ := strings.Cut(d.Detail, " "); what {
		case models.PausedAccount:
			row.Account = name
		case models.PausedCampaign:
			row.Campaign = name
		}
	}
	if d.ItemID == nil {
		return row
	}
	p := r.prospects[r.items[*d.ItemID].ProspectID]
	row.Prospect, row.ProfileURL = strings.TrimSpace(p.FirstName+" "+p.LastName), p.ProfileURL
	if a, ok := r.sent[*d.ItemID]; ok && d.Kind == models.DecisionApproveItem && d.UndoneAt == nil {
		row.Action, row.ActionState, row.Outcome, row.SentNote = a.Kind, a.State, a.Outcome, a.Note
		if a.State == models.ActionDone {
			row.SentAt = utc(a.FinishedAt)
		}
	}
	return row
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// WriteAuditCSV writes rows as CSV: a header of AuditColumns, then one
// record per decision; times in UTC, RFC 3339.
func WriteAuditCSV(w io.Writer, rows []AuditRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(AuditColumns); err != nil {
		return fmt.Errorf("campaign: write the audit: %w", err)
	}
	for _, r := range rows {
		if err := cw.Write(r.record()); err != nil {
			return fmt.Errorf("campaign: write the audit: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("campaign: write the audit: %w", err)
	}
	return nil
}

// record is the row's CSV record, in the order of AuditColumns.
func (r AuditRow) record() []string {
	return []string{
		timeText(&r.At), r.User, r.Kind, r.Campaign, r.Account, idText(r.ProposalID), idText(r.ItemID), r.Prospect, r.ProfileURL,
		r.ApprovedText, r.Detail, r.Action, r.ActionState, r.Outcome, r.SentNote, timeText(r.SentAt), timeText(r.UndoneAt),
	}
}

// WriteAuditJSON writes rows as one JSON object, {"decisions": [...]}, on
// one line; every object has every key of AuditColumns (IDs and times
// absent are null).
func WriteAuditJSON(w io.Writer, rows []AuditRow) error {
	if rows == nil {
		rows = []AuditRow{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // notes are read as written: "&", not "\u0026"
	if err := enc.Encode(struct {
		Decisions []AuditRow `json:"decisions"`
	}{rows}); err != nil {
		return fmt.Errorf("campaign: write the audit: %w", err)
	}
	return nil
}

func idText(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

func timeText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
