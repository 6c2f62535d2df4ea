package campaign

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

func TestImportCSVEdgeCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		csv   string
		want  ImportSummary // Imported, Duplicates, Invalid, Rows
		slugs []string
		lines []int // lines of the invalid rows
		check func(t *testing.T, s *models.Store)
	}{
		{
			name:  "BOM and CRLF",
			csv:   "\uFEFFprofile_url,first_name\r\nhttps://www.linkedin.com/in/ada,Ada\r\nhttps://www.linkedin.com/in/alan,Alan\r\n",
			want:  ImportSummary{Rows: 2, Imported: 2},
			slugs: []string{"ada", "alan"},
			check: func(t *testing.T, s *models.Store) {
				var p models.Prospect
				s.DB.Where("slug = ?", "ada").Take(&p)
				if p.FirstName != "Ada" {
					t.Errorf("first name: got %q, want Ada (no BOM, no CR)", p.FirstName)
				}
			},
		},
		{
			name: "LF without final newline",
			csv:  "url\nhttps://www.linkedin.com/in/ada\nlinkedin.com/in/alan",
			want: ImportSummary{Rows: 2, Imported: 2}, slugs: []string{"ada", "alan"},
		},
		{
			name: "quoted fields with commas, quotes and newlines",
			csv: "linkedin_url,company,talk\n" +
				"https://www.linkedin.com/in/ada,\"Engines, Ltd.\",\"On \"\"Notes\"\"\nPart 2\"\n" +
				"https://www.linkedin.com/in/alan,Bletchley,\n" +
				"https://www.linkedin.com/company/acme,Acme,\n",
			want:  ImportSummary{Rows: 3, Imported: 2, Invalid: 1},
			slugs: []string{"ada", "alan"},
			lines: []int{5}, // the quoted newline moves the rows below down a line
			check: func(t *testing.T, s *models.Store) {
				var p models.Prospect
				s.DB.Where("slug = ?", "ada").Take(&p)
				if p.Company != "Engines, Ltd." {
					t.Errorf("company: got %q", p.Company)
				}
				if got := decodeVars(p.Vars)["talk"]; got != "On \"Notes\"\nPart 2" {
					t.Errorf("talk: got %q", got)
				}
			},
		},
		{
			name:  "semicolon separated, headers as people write them",
			csv:   "First Name;LinkedIn URL;Company Name;E-mail\nAda;https://www.linkedin.com/in/ada;Engines;ADA@Engines.co.uk\n",
			want:  ImportSummary{Rows: 1, Imported: 1},
			slugs: []string{"ada"},
			check: func(t *testing.T, s *models.Store) {
				var p models.Prospect
				s.DB.Where("slug = ?", "ada").Take(&p)
				if p.FirstName != "Ada" || p.Company != "Engines" || p.Email != "ada@engines.co.uk" || p.EmailDomain != "engines.co.uk" {
					t.Errorf("got %+v", p)
				}
			},
		},
		{
			name: "tab separated",
			csv:  "profile_url\tfirst_name\nhttps://www.linkedin.com/in/ada\tAda\n",
			want: ImportSummary{Rows: 1, Imported: 1}, slugs: []string{"ada"},
		},
		{
			name: "invalid rows with line numbers and reasons",
			csv: "profile_url,first_name\n" +
				"https://www.linkedin.com/in/ada,Ada\n" +
				"https://www.linkedin.com/sales/lead/ACwAAA123,NAME_SEARCH,x\n" + // also too many fields
				"https://www.linkedin.com/sales/people/ACwAAA123,Bob\n" +
				",Nobody\n" +
				"https://www.linkedin.com/in/grace,Grace,Hopper\n" +
				"https://www.linkedin.com/in/alan,Alan\n",
			want:  ImportSummary{Rows: 6, Imported: 2, Invalid: 4},
			slugs: []string{"ada", "alan"},
			lines: []int{3, 4, 5, 6},
		},
		{
			name: "the same person written three ways",
			csv: "url\nhttps://www.linkedin.com/in/Ada/\nhttp://de.linkedin.com/in/ada?trk=x\nwww.linkedin.com/in/ada#about\n" +
				"https://www.linkedin.com/in/j%C3%BCrgen\nhttps://www.linkedin.com/in/Jürgen/\n",
			want:  ImportSummary{Rows: 5, Imported: 2, Duplicates: 3},
			slugs: []string{"ada", "jürgen"},
		},
		{
			name:  "a stray quote spoils one row",
			csv:   "url,first_name\nhttps://www.linkedin.com/in/ada,Ada \"The\" Countess\nhttps://www.linkedin.com/in/alan,Alan\nhttps://www.linkedin.com/in/grace,Grace\n",
			want:  ImportSummary{Rows: 3, Imported: 2, Invalid: 1},
			slugs: []string{"alan", "grace"},
			lines: []int{2},
		},
		{
			name:  "a stray opening quote spoils one row, the rows below are read",
			csv:   "url,first_name\nhttps://www.linkedin.com/in/ada,\"Ada\nhttps://www.linkedin.com/in/alan,Alan\nhttps://www.linkedin.com/in/grace,Grace\n",
			want:  ImportSummary{Rows: 3, Imported: 2, Invalid: 1},
			slugs: []string{"alan", "grace"},
			lines: []int{2},
		},
		{
			name: "header only",
			csv:  "profile_url,first_name\n",
			want: ImportSummary{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, s *models.Store) {
				b := setup(t, s, nil)
				got := b.importCSV(t, "cto", tc.csv)
				if got.Rows != tc.want.Rows || got.Imported != tc.want.Imported || got.Duplicates != tc.want.Duplicates || got.Invalid != tc.want.Invalid {
					t.Errorf("summary: got rows %d imported %d duplicates %d invalid %d (%+v), want %d %d %d %d",
						got.Rows, got.Imported, got.Duplicates, got.Invalid, got.InvalidRows,
						tc.want.Rows, tc.want.Imported, tc.want.Duplicates, tc.want.Invalid)
				}
				var lines []int
				for _, r := range got.InvalidRows {
					lines = append(lines, r.Line)
					if r.Reason == "" {
						t.Errorf("line %d: no reason", r.Line)
					}
				}
				if tc.lines != nil && !slices.Equal(lines, tc.lines) {
					t.Errorf("invalid lines: got %v (%+v), want %v", lines, got.InvalidRows, tc.lines)
				}
				var stored []string
				s.DB.Model(&models.Prospect{}).Order("slug").Pluck("slug", &stored)
				if !slices.Equal(stored, tc.slugs) {
					t.Errorf("prospects: got %q, want %q", stored, tc.slugs)
				}
				if tc.check != nil {
					tc.check(t, s)
				}
			})
		})
	}
}

// TestImportStrayQuoteAmongTenThousandRows: one stray quote in the middle
// of a large file costs its own row, reported at its line; every other row
// is imported.
func TestImportStrayQuoteAmongTenThousandRows(t *testing.T) {
	t.Parallel()
	const rows, strayAt = 10_000, 5_000 // strayAt: the data row (1-based) with the quote
	var sb strings.Builder
	sb.WriteString("profile_url,first_name,company\n")
	for i := 1; i <= rows; i++ {
		if i == strayAt {
			fmt.Fprintf(&sb, "https://www.linkedin.com/in/p%d,\"First%d,Co%d\n", i, i, i)
			continue
		}
		fmt.Fprintf(&sb, "https://www.linkedin.com/in/p%d,First%d,Co%d\n", i, i, i)
	}
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, nil)
		got := b.importCSV(t, "cto", sb.String())
		if got.Rows != rows || got.Imported != rows-1 || got.Invalid != 1 || got.Duplicates != 0 || got.AlreadyKnown != 0 || got.Suppressed != 0 {
			t.Errorf("summary: got %+v, want %d rows, %d imported, 1 invalid", got, rows, rows-1)
		}
		wantLine := strayAt + 1 // the header is line 1
		if len(got.InvalidRows) != 1 || got.InvalidRows[0].Line != wantLine || !strings.Contains(got.InvalidRows[0].Reason, "stray quote") {
			t.Errorf("invalid rows: got %+v, want line %d with a stray quote", got.InvalidRows, wantLine)
		}
		var n int64
		s.DB.Model(&models.Enrollment{}).Where("campaign_id = ?", b.campaigns["cto"]).Count(&n)
		if n != rows-1 {
			t.Errorf("enrollments: got %d, want %d", n, rows-1)
		}
		var stray int64
		s.DB.Model(&models.Prospect{}).Where("slug = ?", fmt.Sprintf("p%d", strayAt)).Count(&stray)
		if stray != 0 {
			t.Errorf("the row with the stray quote was imported")
		}
	})
}

// TestImportLoneQuoteIsAnErrorNotAPanic: the smallest file with an unclosed
// quote (it used to panic in the check of the file's head) is refused with
// the line and the problem, and nothing is written.
func TestImportLoneQuoteIsAnErrorNotAPanic(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		setup(t, s, nil)
		_, err := Import(context.Background(), s, "cto", strings.NewReader("profile_url\n\"x\n"), ImportOptions{})
		if !errors.Is(err, ErrNotCSV) {
			t.Fatalf("got %v, want ErrNotCSV", err)
		}
		for _, want := range []string{"line 2", "stray quote"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("got %q, want it to mention %q", err, want)
			}
		}
		var n int64
		s.DB.Model(&models.Prospect{}).Count(&n)
		if n != 0 {
			t.Errorf("prospects: got %d, want nothing written", n)
		}
	})
}

// TestImportCountsSuppressedRows: a row naming someone on the do-not-contact
// list (by profile, address or domain) is counted as suppressed and not
// queued; the summary accounts for every row.
func TestImportCountsSuppressedRows(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, nil)
		if _, err := Suppress(context.Background(), s, []string{"ada", "bob@engines.io", "acme.com"}, "asked", "U1", monday09); err != nil {
			t.Fatal(err)
		}
		got := b.importCSV(t, "cto", "url,email\n"+
			"https://www.linkedin.com/in/ada,\n"+
			"https://www.linkedin.com/in/bob,Bob@Engines.io\n"+
			"https://www.linkedin.com/in/cy,cy@sales.acme.com\n"+
			"https://www.linkedin.com/in/dee,dee@example.com\n"+
			"https://www.linkedin.com/in/dee,\n"+
			"not a url,\n")
		if got.Rows != 6 || got.Suppressed != 3 || got.Imported != 1 || got.Duplicates != 1 || got.Invalid != 1 {
			t.Errorf("summary: got %+v, want 6 rows: 3 suppressed, 1 imported, 1 duplicate, 1 invalid", got)
		}
		if sum := got.Imported + got.AlreadyKnown + got.Duplicates + got.Suppressed + got.Invalid; sum != got.Rows {
			t.Errorf("accounted for %d of %d rows", sum, got.Rows)
		}
		var queued []string
		s.DB.Table("enrollments e").Joins("JOIN prospects p ON p.id = e.prospect_id").
			Where("e.campaign_id = ?", b.campaigns["cto"]).Order("p.slug").Pluck("p.slug", &queued)
		if !slices.Equal(queued, []string{"dee"}) {
			t.Errorf("queued: got %v, want only dee", queued)
		}
	})
}

func TestImportInvalidReasons(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, nil)
		got := b.importCSV(t, "cto", "profile_url,first_name\n"+
			"https://www.linkedin.com/sales/lead/ACwAAA123,Bob\n"+
			"https://www.linkedin.com/in/ada,Ada,extra\n")
		want := []string{"Sales Navigator", "the header has 2"}
		for i, r := range got.InvalidRows {
			if !strings.Contains(r.Reason, want[i]) {
				t.Errorf("line %d: got reason %q, want it to mention %q", r.Line, r.Reason, want[i])
			}
		}
	})
}

func TestImportRefusesBeforeWriting(t *testing.T) {
	t.Parallel()
	mismatched := "url,first_name,company\n"
	for i := range 10 {
		mismatched += fmt.Sprintf("https://www.linkedin.com/in/p%d;First;Co\n", i)
	}
	tests := []struct {
		name string
		data string
		want error
		msg  string
	}{
		{"no profile column", "name,company\nAda,Engines\n", ErrNoProfileColumn, "profile_url, linkedin_url or url"},
		{"no header", "https://www.linkedin.com/in/ada,Ada\nhttps://www.linkedin.com/in/alan,Alan\n", ErrNoProfileColumn, "header line"},
		{"empty file", "", ErrNotCSV, "empty"},
		{"only a BOM and blank lines", "\uFEFF\n\n", ErrNotCSV, "empty"},
		{"xlsx", "PK\x03\x04\x14\x00\x06\x00profile_url", ErrNotCSV, "spreadsheet"},
		{"binary", "profile_url\n\x00\x01\x02\x03https://www.linkedin.com/in/ada\n", ErrNotCSV, "binary"},
		{"utf-16", "\xFF\xFEp\x00r\x00o\x00", ErrNotCSV, "UTF-16"},
		{"latin-1", "profile_url,first_name\nhttps://www.linkedin.com/in/jurgen,J\xfcrgen\n", ErrNotCSV, "not UTF-8"},
		{"rows do not match the header", mismatched, ErrNotCSV, "do not match the header"},
		{"broken quotes", "url,name\n\"https://www.linkedin.com/in/ada,Ada\nhttps://www.linkedin.com/in/alan\",\"Alan\"x\n", ErrNotCSV, "do not match"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, s *models.Store) {
				b := setup(t, s, nil)
				_, err := Import(context.Background(), s, "cto", strings.NewReader(tc.data), ImportOptions{})
				if !errors.Is(err, tc.want) {
					t.Fatalf("got %v, want %v", err, tc.want)
				}
				if !strings.Contains(err.Error(), tc.msg) {
					t.Errorf("got %q, want it to mention %q", err, tc.msg)
				}
				var n int64
				s.DB.Model(&models.Prospect{}).Count(&n)
				if n != 0 {
					t.Errorf("prospects: got %d, want nothing written", n)
				}
				_ = b
			})
		})
	}
}

func TestImportUnknownCampaign(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		setup(t, s, nil)
		_, err := Import(context.Background(), s, "nope", strings.NewReader("url\n"), ImportOptions{})
		if !errors.Is(err, ErrUnknownCampaign) {
			t.Errorf("got %v, want ErrUnknownCampaign", err)
		}
	})
}

func TestImportTwiceAddsNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, nil)
		// Duplicates across batches: p3 comes back after the first batch of 4.
		data := prospectsCSV(1, 9, "") + "https://www.linkedin.com/in/p3,First3,Co3,p3@example.com\n"
		imp := func() ImportSummary {
			var progress []ImportProgress
			sum, err := Import(context.Background(), s, "cto", iotest.HalfReader(strings.NewReader(data)),
				ImportOptions{BatchSize: 4, Now: b.clock.Now, Progress: func(p ImportProgress) { progress = append(progress, p) }})
			if err != nil {
				t.Fatal(err)
			}
			if len(progress) != 3 || progress[2].Rows != 10 {
				t.Errorf("progress: got %+v, want 3 reports ending at 10 rows", progress)
			}
			return sum
		}
		first := imp()
		if first.Imported != 9 || first.NewProspects != 9 || first.Duplicates != 1 || first.AlreadyKnown != 0 {
			t.Errorf("first import: got %+v, want 9 imported, 9 new, 1 duplicate", first)
		}
		second := imp()
		// Memory does not grow with the file, so a repeat is told from a row
		// already in the campaign by the database alone: on the second run
		// both p3 rows were there before.
		if second.Imported != 0 || second.NewProspects != 0 || second.AlreadyKnown != 10 || second.Duplicates != 0 {
			t.Errorf("second import: got %+v, want 0 imported, 10 already known", second)
		}
		var prospects, enrollments int64
		s.DB.Model(&models.Prospect{}).Count(&prospects)
		s.DB.Model(&models.Enrollment{}).Count(&enrollments)
		if prospects != 9 || enrollments != 9 {
			t.Errorf("rows: got %d prospects and %d enrollments, want 9 and 9", prospects, enrollments)
		}
	})
}

func TestImportKnownProspectIntoAnotherCampaign(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, nil)
		b.importCSV(t, "cto", "url,first_name,event\nhttps://www.linkedin.com/in/ada,Ada,Data Council\n")
		got := b.importCSV(t, "ops", "url,first_name,company,event,topic\nhttps://www.linkedin.com/in/ada,Augusta,Engines,Other,Notes\n")
		if got.Imported != 1 || got.NewProspects != 0 {
			t.Errorf("summary: got %+v, want 1 imported, already known to the team", got)
		}
		if !slices.Equal(got.Variables, []string{"event", "topic"}) {
			t.Errorf("variables: got %v", got.Variables)
		}
		var p models.Prospect
		s.DB.Where("slug = ?", "ada").Take(&p)
		vars := decodeVars(p.Vars)
		if p.FirstName != "Ada" || p.Company != "Engines" || vars["event"] != "Data Council" || vars["topic"] != "Notes" {
			t.Errorf("prospect: got %+v (vars %v); want blanks filled, nothing overwritten", p, vars)
		}
	})
}

func TestImportPriorityThenImportOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, nil)
		b.importCSV(t, "cto", "url,priority\nhttps://www.linkedin.com/in/a,\nhttps://www.linkedin.com/in/b,5\nhttps://www.linkedin.com/in/c,\nhttps://www.linkedin.com/in/d,5\nhttps://www.linkedin.com/in/e,x\n")
		b.importCSV(t, "cto", "url\nhttps://www.linkedin.com/in/f\n")
		bt, err := b.p.Propose(context.Background(), "cto", 0)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Join(slugs(bt), ","), "b,d,a,c,f"; got != want {
			t.Errorf("order: got %s, want %s (priority 5 first, then import order, the later file last)", got, want)
		}
	})
}

// TestImportDefersProspectsContactedElsewhere: a prospect the team already
// contacted joins the queue one step back, where the runner leaves them in
// other campaigns' queues, so that a proposal does not walk past them first.
func TestImportDefersProspectsContactedElsewhere(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, nil)
		b.importCSV(t, "cto", "url\nhttps://www.linkedin.com/in/ada\nhttps://www.linkedin.com/in/bea\n")
		b.setProspect(t, "ada", map[string]any{"state": models.ProspectPending})
		b.importCSV(t, "ops", "url\nhttps://www.linkedin.com/in/ada\nhttps://www.linkedin.com/in/bea\nhttps://www.linkedin.com/in/cy\n")
		priorities := map[string]int{}
		var rows []struct {
			Slug     string
			Priority int
		}
		err := s.DB.Table("enrollments e").Select("p.slug, e.priority").Joins("JOIN prospects p ON p.id = e.prospect_id").
			Where("e.campaign_id = ?", b.campaigns["ops"]).Scan(&rows).Error
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			priorities[r.Slug] = r.Priority
		}
		if priorities["ada"] != 1 || priorities["bea"] != 0 || priorities["cy"] != 0 {
			t.Errorf("priorities in ops: got %v; want ada (pending) one step back (1), bea and cy at 0", priorities)
		}
	})
}
