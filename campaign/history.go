package campaign

import (
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/models"
)

// HistoryEntry is one decision on a proposal, as its thread shows it.
type HistoryEntry struct {
	At   time.Time
	By   string // a Slack user ID; "" for Pacer itself
	Kind string // models.DecisionApprove, Reject, Skip, Edit, Undo, Move or Return
	// Detail is the decision's own words ("approved 25 items (25 actions)",
	// why an item was left out); an edit's note is not repeated here.
	Detail string
	// Item is the prospect decided on, for skips and edits.
	Item *ItemView
	// Undone marks an approval taken back.
	Undone bool
}

// historyKinds are the decisions a proposal's history lists: those people
// make on it, not the per-item records of what an approval covered.
var historyKinds = []string{models.DecisionApprove, models.DecisionReject, models.DecisionSkip, models.DecisionEdit, models.DecisionUndo,
	models.DecisionMove, models.DecisionReturn}

// readHistory reads the decisions on a proposal in the order they were
// made, each item decision pointing at its item in items.
func readHistory(db *gorm.DB, proposalID int64, items []ItemView) ([]HistoryEntry, error) {
	var rows []models.Decision
	if err := db.Where("proposal_id = ? AND kind IN ?", proposalID, historyKinds).Order("at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("campaign: read the decisions on proposal #%d: %w", proposalID, err)
	}
	byID := make(map[int64]*ItemView, len(items))
	for i := range items {
		byID[items[i].ID] = &items[i]
	}
	out := make([]HistoryEntry, len(rows))
	for i, d := range rows {
		e := HistoryEntry{At: d.At, By: d.UserID, Kind: d.Kind, Detail: d.Detail, Undone: d.UndoneAt != nil}
		if d.ItemID != nil {
			e.Item = byID[*d.ItemID]
		}
		if d.Kind == models.DecisionEdit {
			e.Detail = ""
		}
		out[i] = e
	}
	return out, nil
}
