package campaign

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/pacertype"
	"github.com/pacerhq/pacer/quota"
)

// auditLine is what a test asserts of an AuditRow.
type auditLine struct {
	At       time.Time
	User     string
	Kind     string
	Campaign string
	Account  string
	Prospect string
	Text     string
	Detail   string
	Action   string
	SentNote string
	SentAt   time.Time
	UndoneAt time.Time
}

func lineOf(r AuditRow) auditLine {
	l := auditLine{At: r.At, User: r.User, Kind: r.Kind, Campaign: r.Campaign, Account: r.Account, Prospect: r.Prospect,
		Text: r.ApprovedText, Detail: r.Detail, SentNote: r.SentNote}
	if r.Action != "" {
		l.Action = r.Action + " " + r.ActionState
	}
	if r.SentAt != nil {
		l.SentAt = *r.SentAt
	}
	if r.UndoneAt != nil {
		l.UndoneAt = *r.UndoneAt
	}
	return l
}

// decide runs one decision at the minute after monday09 given, failing the
// test on error.
func (b *bundle) decide(t *testing.T, minute int, do func(ctx context.Context) error) time.Time {
	t.Helper()
	at := monday09.Add(time.Duration(minute) * time.Minute)
	b.clock.Set(at)
	if err := do(context.Background()); err != nil {
		t.Fatalf("at minute %d: %v", minute, err)
	}
	return at
}

func TestAuditListsExactlyTheDecisionsMade(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, nil)
		engine := quota.New(s, b.cfg, quota.Options{Now: b.clock.Now})
		// Decided the day before the export's start: not listed.
		b.clock.Set(monday09.Add(-24 * time.Hour))
		if err := Pause(ctx, s, "ops", "U9", b.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := Resume(ctx, s, "ops", "U9", b.clock.Now()); err != nil {
			t.Fatal(err)
		}
		b.clock.Set(monday09)
		bt := b.proposed(t, 3)
		item := func(i int) int64 { return bt.Items[i].ID }
		const edited = `Hi First1, your talk on engines & "gears", was great.`
		note2 := bt.Items[1].Note

		edit := b.decide(t, 1, func(ctx context.Context) error {
			_, err := b.p.EditNote(ctx, item(0), 1, "U2", `Hi {{first_name}}, your talk on engines & "gears", was great.`)
			return err
		})
		skip := b.decide(t, 2, func(ctx context.Context) error { _, err := b.p.SkipItem(ctx, item(2), 2, "U1"); return err })
		first := b.decide(t, 3, func(ctx context.Context) error { _, err := b.p.Approve(ctx, bt.Proposal.ID, 3, "U1"); return err })
		// Approve does not open the undo window yet (issue 16 item 2): open it here.
		s.DB.Model(&models.Proposal{}).Where("id = ?", bt.Proposal.ID).Update("undo_until", first.Add(10*time.Minute))
		undo := b.decide(t, 4, func(ctx context.Context) error { _, err := b.p.Undo(ctx, bt.Proposal.ID, 3, "U3"); return err })
		again := b.decide(t, 5, func(ctx context.Context) error { _, err := b.p.Approve(ctx, bt.Proposal.ID, 4, "U1"); return err })
		// The runner sends the first invitation an hour later.
		sent := monday09.Add(time.Hour)
		if err := s.DB.Model(&models.Action{}).Where("proposal_item_id = ? AND kind = ?", item(0), models.ActionInvite).
			Updates(map[string]any{"state": models.ActionDone, "outcome": string(pacertype.OutcomeDone), "finished_at": sent}).Error; err != nil {
			t.Fatal(err)
		}
		pause := b.decide(t, 70, func(ctx context.Context) error { return Pause(ctx, s, "cto", "U4", b.clock.Now()) })
		resume := b.decide(t, 71, func(ctx context.Context) error { return Resume(ctx, s, "cto", "U4", b.clock.Now()) })
		pauseAcct := b.decide(t, 72, func(ctx context.Context) error { return engine.Pause(ctx, b.accounts["anna"], "U4", "holiday") })
		resumeAcct := b.decide(t, 73, func(ctx context.Context) error { return engine.Resume(ctx, b.accounts["anna"], "U4") })
		b.importCSV(t, "ops", prospectsCSV(10, 2, ""))
		ops, err := b.p.Propose(ctx, "ops", 0)
		if err != nil {
			t.Fatal(err)
		}
		reject := b.decide(t, 74, func(ctx context.Context) error { _, err := b.p.Reject(ctx, ops.Proposal.ID, 1, "U2"); return err })

		cto := func(l auditLine) auditLine { l.Campaign, l.Account = "cto", "anna"; return l }
		want := []auditLine{
			cto(auditLine{At: edit, User: "U2", Kind: models.DecisionEdit, Prospect: "First1", Detail: edited}),
			cto(auditLine{At: skip, User: "U1", Kind: models.DecisionSkip, Prospect: "First3"}),
			cto(auditLine{At: first, User: "U1", Kind: models.DecisionApprove, Detail: "approved 2 items (2 actions)", UndoneAt: undo}),
			cto(auditLine{At: first, User: "U1", Kind: models.DecisionApproveItem, Prospect: "First1", Text: edited, UndoneAt: undo}),
			cto(auditLine{At: first, User: "U1", Kind: models.DecisionApproveItem, Prospect: "First2", Text: note2, UndoneAt: undo}),
			cto(auditLine{At: undo, User: "U3", Kind: models.DecisionUndo, Detail: "approval undone; 2 items proposed again"}),
			cto(auditLine{At: again, User: "U1", Kind: models.DecisionApprove, Detail: "approved 2 items (2 actions)"}),
			cto(auditLine{At: again, User: "U1", Kind: models.DecisionApproveItem, Prospect: "First1", Text: edited,
				Action: "invite done", SentNote: edited, SentAt: sent}),
			cto(auditLine{At: again, User: "U1", Kind: models.DecisionApproveItem, Prospect: "First2", Text: note2,
				Action: "invite scheduled", SentNote: note2}),
			{At: pause, User: "U4", Kind: models.DecisionPause, Campaign: "cto", Detail: "campaign cto"},
			{At: resume, User: "U4", Kind: models.DecisionResume, Campaign: "cto", Detail: "campaign cto"},
			{At: pauseAcct, User: "U4", Kind: models.DecisionPause, Account: "anna", Detail: "account anna"},
			{At: resumeAcct, User: "U4", Kind: models.DecisionResume, Account: "anna", Detail: "account anna"},
			{At: reject, User: "U2", Kind: models.DecisionReject, Campaign: "ops", Account: "bob", Detail: "rejected 2 items"},
		}

		rows, err := Audit(ctx, s, monday09)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]auditLine, len(rows))
		for i, r := range rows {
			got[i] = lineOf(r)
		}
		if !slices.Equal(got, want) {
			t.Errorf("audit since %s:\n%s\nwant:\n%s", monday09, lines(got), lines(want))
		}
		for _, r := range rows {
			if r.Prospect != "" && !strings.HasPrefix(r.ProfileURL, "https://www.linkedin.com/in/p") {
				t.Errorf("%s of %s: profile URL %q", r.Kind, r.Prospect, r.ProfileURL)
			}
			if r.Kind != models.DecisionPause && r.Kind != models.DecisionResume && r.ProposalID == nil {
				t.Errorf("%s at %s: no proposal", r.Kind, r.At)
			}
		}

		later, err := Audit(ctx, s, again)
		if err != nil {
			t.Fatal(err)
		}
		if len(later) != len(want)-6 || later[0].Kind != models.DecisionApprove || !later[0].At.Equal(again) {
			t.Errorf("audit since the second approval: got %d rows from %+v, want the last %d", len(later), later[0], len(want)-6)
		}
	})
}

func lines(ls []auditLine) string {
	var sb strings.Builder
	for _, l := range ls {
		fmt.Fprintf(&sb, "  %+v\n", l)
	}
	return sb.String()
}

func TestUndoMarksTheApprovedItemsUndone(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, nil)
		bt := b.proposed(t, 2)
		if _, err := b.p.Approve(ctx, bt.Proposal.ID, 1, "U1"); err != nil {
			t.Fatal(err)
		}
		// Approve does not open the undo window yet (issue 16 item 2).
		s.DB.Model(&models.Proposal{}).Where("id = ?", bt.Proposal.ID).Update("undo_until", monday09.Add(10*time.Minute))
		b.clock.Set(monday09.Add(time.Minute))
		if _, err := b.p.Undo(ctx, bt.Proposal.ID, 1, "U2"); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, &models.Decision{}, "kind IN ? AND undone_at IS NULL", []string{models.DecisionApprove, models.DecisionApproveItem}); n != 0 {
			t.Errorf("approvals not undone after Undo: %d, want none", n)
		}
		if n := count(t, s, &models.Decision{}, "kind = ? AND undone_at = ?", models.DecisionApproveItem, monday09.Add(time.Minute)); n != 2 {
			t.Errorf("approved items undone at the undo: %d, want 2", n)
		}
	})
}

func TestMigrationBackfillsApprovedItems(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, nil)
		approved := b.proposed(t, 3)
		if _, err := b.p.SkipItem(ctx, approved.Items[1].ID, 1, "U1"); err != nil {
			t.Fatal(err)
		}
		b.clock.Set(monday09.Add(time.Minute))
		if _, err := b.p.Approve(ctx, approved.Proposal.ID, 2, "U7"); err != nil {
			t.Fatal(err)
		}
		b.importCSV(t, "ops", prospectsCSV(10, 2, ""))
		rejected, err := b.p.Propose(ctx, "ops", 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.p.Reject(ctx, rejected.Proposal.ID, 1, "U8"); err != nil {
			t.Fatal(err)
		}
		var recorded []models.Decision
		s.DB.Where("kind = ?", models.DecisionApproveItem).Order("id").Find(&recorded)
		// A store from before migration 21: no approve_item rows.
		for _, q := range []string{
			"DELETE FROM decisions WHERE kind = 'approve_item'",
			"DELETE FROM schema_migrations WHERE version = 21",
			"DROP INDEX decisions_at",
		} {
			if err := s.DB.Exec(q).Error; err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var backfilled []models.Decision
		s.DB.Where("kind = ?", models.DecisionApproveItem).Order("id").Find(&backfilled)
		if len(recorded) != 2 || len(backfilled) != len(recorded) {
			t.Fatalf("approve_item rows: %d recorded, %d backfilled; want 2 of each", len(recorded), len(backfilled))
		}
		for i, d := range backfilled {
			r := recorded[i]
			if *d.ProposalID != *r.ProposalID || *d.ItemID != *r.ItemID || d.UserID != r.UserID || d.Detail != r.Detail ||
				!d.At.Equal(r.At) || d.UndoneAt != nil {
				t.Errorf("backfilled %+v, want as recorded %+v", d, r)
			}
		}
	})
}

func TestWriteAudit(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 6, 1, 9, 3, 0, 0, time.UTC)
	sent := at.Add(time.Hour)
	proposal, item := int64(7), int64(21)
	rows := []AuditRow{
		{At: at, User: "U1", Kind: models.DecisionApproveItem, Campaign: "cto", Account: "anna", ProposalID: &proposal, ItemID: &item,
			Prospect: "Ada Lovelace", ProfileURL: "https://www.linkedin.com/in/ada", ApprovedText: "Hi Ada, \"engines\", & more\nthanks",
			Action: models.ActionInvite, ActionState: models.ActionDone, Outcome: string(pacertype.OutcomeDone), SentNote: "Hi Ada", SentAt: &sent},
		{At: at.Add(time.Minute), User: "U2", Kind: models.DecisionPause, Account: "anna", Detail: "account anna"},
	}
	t.Run("csv", func(t *testing.T) {
		var buf bytes.Buffer
		if err := WriteAuditCSV(&buf, rows); err != nil {
			t.Fatal(err)
		}
		records, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := [][]string{
			AuditColumns,
			{"2026-06-01T09:03:00Z", "U1", "approve_item", "cto", "anna", "7", "21", "Ada Lovelace", "https://www.linkedin.com/in/ada",
				"Hi Ada, \"engines\", & more\nthanks", "", "invite", "done", "done", "Hi Ada", "2026-06-01T10:03:00Z", ""},
			{"2026-06-01T09:04:00Z", "U2", "pause", "", "anna", "", "", "", "", "", "account anna", "", "", "", "", "", ""},
		}
		if !slices.EqualFunc(records, want, slices.Equal) {
			t.Errorf("got\n%q\nwant\n%q", records, want)
		}
	})
	t.Run("json", func(t *testing.T) {
		var buf bytes.Buffer
		if err := WriteAuditJSON(&buf, rows); err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(buf.String(), "\n"); n != 1 {
			t.Errorf("got %d lines, want one JSON object on one line", n)
		}
		var out struct {
			Decisions []map[string]any `json:"decisions"`
		}
		if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Decisions) != 2 {
			t.Fatalf("got %d decisions, want 2", len(out.Decisions))
		}
		for i, d := range out.Decisions {
			keys := make([]string, 0, len(d))
			for k := range d {
				keys = append(keys, k)
			}
			if !slices.Equal(slices.Sorted(slices.Values(keys)), slices.Sorted(slices.Values(AuditColumns))) {
				t.Errorf("decision %d: keys %v, want the columns %v", i, slices.Sorted(slices.Values(keys)), AuditColumns)
			}
		}
		first := out.Decisions[0]
		if first["approved_text"] != rows[0].ApprovedText || first["sent_at"] != "2026-06-01T10:03:00Z" || first["item_id"] != float64(21) ||
			out.Decisions[1]["proposal_id"] != nil || out.Decisions[1]["sent_at"] != nil {
			t.Errorf("got %v", out.Decisions)
		}
	})
	t.Run("nothing", func(t *testing.T) {
		var buf bytes.Buffer
		if err := WriteAuditJSON(&buf, nil); err != nil || buf.String() != "{\"decisions\":[]}\n" {
			t.Errorf("got %q, %v; want an empty list", buf.String(), err)
		}
	})
}
