package campaign

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

// The fuzz targets of the campaign package's parsers of outside input: the
// CSV reader and the import, profile URLs, do-not-contact entries and note
// templates. `make fuzz` runs each for a few seconds; alone:
//
//	go test ./campaign -run '^$' -fuzz '^FuzzImport$' -fuzztime 1m

// csvSeeds are files people send: clean, quoted, broken.
var csvSeeds = []string{
	"profile_url,first_name\nhttps://www.linkedin.com/in/ada,Ada\n",
	"profile_url\n\"x\n",
	"url,name\nhttps://www.linkedin.com/in/ada,\"Ada\nhttps://www.linkedin.com/in/alan,Alan\n",
	"url,talk\nhttps://www.linkedin.com/in/ada,\"On \"\"Notes\"\"\n\nPart 2\"\n",
	"\uFEFFFirst Name;LinkedIn URL\r\nAda;linkedin.com/in/ada\r\n",
	"url\tname\nhttps://www.linkedin.com/in/ada\tAda \"The\" Countess\n",
	"url,name\n\"https://www.linkedin.com/in/ada\"x,Ada\n,,\n\n",
	"name,company\nAda,Engines\n",
}

// FuzzCSVReader reads arbitrary bytes as a CSV file: it never panics, rows
// come in the order of their lines and within the file, and a file without
// quotes reads line by line, split at its separators.
func FuzzCSVReader(f *testing.F) {
	for _, s := range csvSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cr := newCSVReader(bytes.NewReader(data), ',')
		cr.setHeader([]string{"url", "name"}, 0)
		lines := bytes.Count(data, []byte("\n")) + 1
		var physical []string
		if !bytes.ContainsRune(data, '"') {
			for _, l := range strings.Split(string(data), "\n") {
				physical = append(physical, strings.TrimSuffix(l, "\r"))
			}
		}
		last := 0
		for {
			rec, err := cr.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("a bytes.Reader failed: %v", err)
			}
			if rec.line <= last || rec.line > lines {
				t.Fatalf("row at line %d after line %d, in a file of %d lines", rec.line, last, lines)
			}
			last = rec.line
			if (rec.problem == "") == (rec.fields == nil) {
				t.Fatalf("line %d: fields %q and problem %q", rec.line, rec.fields, rec.problem)
			}
			if physical != nil {
				line := physical[rec.line-1]
				if len(line) > maxLineSize {
					continue
				}
				if want := strings.Split(line, ","); !slices.Equal(rec.fields, want) {
					t.Fatalf("line %d without quotes: got %q, want %q", rec.line, rec.fields, want)
				}
			}
		}
	})
}

// FuzzCSVReaderMatchesEncodingCSV writes arbitrary records with
// encoding/csv and reads them back: where no line of a quoted field can be
// taken for a row of its own, the reader agrees with encoding/csv field for
// field, line breaks and doubled quotes included. Fields are cut from the
// input at 0x1F, records at 0x1E.
func FuzzCSVReaderMatchesEncodingCSV(f *testing.F) {
	f.Add("a\x1fb\x1ec\x1fd")
	f.Add("On \"Notes\"\nPart 2\x1f x, y \x1e\x1f\r\n")
	f.Add("\"\x1e\"\"\x1f\n\n\x1e,,,")
	f.Fuzz(func(t *testing.T, in string) {
		var records [][]string
		for _, r := range strings.Split(in, "\x1e") {
			rec := strings.Split(r, "\x1f")
			if len(rec) == 1 && rec[0] == "" {
				continue // a blank line: no row, for either reader
			}
			records = append(records, rec)
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		if err := w.WriteAll(records); err != nil {
			t.Skip() // not writable as CSV (encoding/csv refuses it)
		}
		std := csv.NewReader(bytes.NewReader(buf.Bytes()))
		std.FieldsPerRecord = -1
		want, err := std.ReadAll()
		if err != nil {
			t.Skip() // encoding/csv does not read back what it wrote
		}
		cr := newCSVReader(bytes.NewReader(buf.Bytes()), ',')
		cr.setHeader(nil, 1<<30) // no line is ever taken for a row: RFC 4180 alone
		var got [][]string
		for {
			rec, err := cr.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil || rec.problem != "" {
				t.Fatalf("line %d of %q: %v %s", rec.line, buf.String(), err, rec.problem)
			}
			got = append(got, rec.fields)
		}
		if !slices.EqualFunc(got, want, slices.Equal[[]string]) {
			t.Fatalf("read %q as %q, encoding/csv as %q", buf.String(), got, want)
		}
	})
}

// FuzzImport imports arbitrary bytes into a campaign: it never panics;
// it either refuses the file (ErrNotCSV, ErrNoProfileColumn) having
// written nothing, or accounts for every row it read, and enrolls exactly
// the rows it counts as imported.
func FuzzImport(f *testing.F) {
	for _, s := range csvSeeds {
		f.Add([]byte(s))
	}
	s := storetest.SQLite(f)
	setup(f, s, nil)
	ctx := context.Background()
	count := func(t *testing.T, model any) int64 {
		var n int64
		if err := s.DB.Model(model).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		prospects, enrollments := count(t, &models.Prospect{}), count(t, &models.Enrollment{})
		sum, err := Import(ctx, s, "cto", bytes.NewReader(data), ImportOptions{BatchSize: 7, MaxInvalid: 3})
		if err != nil {
			if !errors.Is(err, ErrNotCSV) && !errors.Is(err, ErrNoProfileColumn) {
				t.Fatalf("import: %v", err)
			}
			if p, e := count(t, &models.Prospect{}), count(t, &models.Enrollment{}); p != prospects || e != enrollments {
				t.Fatalf("a refused file wrote %d prospects and %d enrollments", p-prospects, e-enrollments)
			}
			return
		}
		if total := sum.Imported + sum.AlreadyKnown + sum.Duplicates + sum.Suppressed + sum.Invalid; total != sum.Rows {
			t.Fatalf("accounted for %d of %d rows: %+v", total, sum.Rows, sum)
		}
		if len(sum.InvalidRows) != min(sum.Invalid, 3) {
			t.Fatalf("%d invalid rows listed of %d", len(sum.InvalidRows), sum.Invalid)
		}
		for _, r := range sum.InvalidRows {
			if r.Line < 2 || r.Reason == "" {
				t.Fatalf("invalid row %+v", r)
			}
		}
		if e := count(t, &models.Enrollment{}); e-enrollments != int64(sum.Imported) {
			t.Fatalf("enrolled %d, summary says %d imported", e-enrollments, sum.Imported)
		}
	})
}

// FuzzParseProfileURL: whatever is pasted, a profile is either refused with
// a reason or given a slug whose canonical URL reads back as itself.
func FuzzParseProfileURL(f *testing.F) {
	for _, s := range []string{"https://www.linkedin.com/in/ada-lovelace/", "linkedin.com/in/J%C3%BCrgen?trk=x", "de.linkedin.com/mwlite/in/ada",
		"https://www.linkedin.com/sales/lead/ACwAAA", "ada@acme.com", "/in/ada#about", "https://acme.com/in/ada", "in/%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := ParseProfileURL(raw)
		if err != nil {
			var perr *ProfileError
			if !errors.As(err, &perr) || perr.Reason == "" {
				t.Fatalf("ParseProfileURL(%q): %v is not a *ProfileError with a reason", raw, err)
			}
			return
		}
		if p.Slug == "" || p.URL != ProfileURL(p.Slug) {
			t.Fatalf("ParseProfileURL(%q) = %+v", raw, p)
		}
		again, err := ParseProfileURL(p.URL)
		if err != nil || again != p {
			t.Fatalf("ParseProfileURL(%q) = %+v, but its URL reads as %+v, %v", raw, p, again, err)
		}
	})
}

// FuzzParseSuppression: an entry of the do-not-contact list is refused with
// ErrBadSuppression or normalized to a value that reads back as itself.
func FuzzParseSuppression(f *testing.F) {
	for _, s := range []string{"ADA@Acme.COM", "@acme.com", "acme.co.uk.", "Ada-Lovelace", "https://www.linkedin.com/in/ada/", "acme..com", "@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		e, err := ParseSuppression(raw)
		if err != nil {
			if !errors.Is(err, ErrBadSuppression) {
				t.Fatalf("ParseSuppression(%q): %v is not ErrBadSuppression", raw, err)
			}
			return
		}
		value := e.Value
		switch e.Kind {
		case models.SuppressDomain:
			value = "@" + value
		case models.SuppressSlug:
			value = ProfileURL(value)
		}
		again, err := ParseSuppression(value)
		if err != nil || again.Kind != e.Kind || again.Value != e.Value {
			t.Fatalf("ParseSuppression(%q) = %s %q, which reads back as %s %q, %v", raw, e.Kind, e.Value, again.Kind, again.Value, err)
		}
	})
}

// FuzzTemplate renders and lints arbitrary templates: no panic; a template
// without braces renders as itself, trimmed; a note with blocking findings
// says so in each one; the sample check never finds a placeholder without
// a value.
func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"Hi {{first_name|there}}, see you at {{Event}}", "{{", "}}{{|}}", "{{a|{{b}}}}", "see acme.com {{x}}", ""} {
		f.Add(s, "Ada")
	}
	f.Fuzz(func(t *testing.T, src, value string) {
		tpl := ParseTemplate(src)
		note, missing := tpl.Render(map[string]string{"first_name": value, "event": value})
		if !strings.Contains(src, "{{") && note != strings.TrimSpace(src) {
			t.Fatalf("Render(%q) = %q, want the text itself", src, note)
		}
		for _, name := range missing {
			if name == "" || ColumnName(name) != name {
				t.Fatalf("Render(%q): missing name %q", src, name)
			}
		}
		for _, f := range Lint(note, 300) {
			if f.Rule == "" || f.Message == "" {
				t.Fatalf("Lint(%q): finding %+v", note, f)
			}
		}
		_, used, findings := LintTemplate(src, 200)
		for _, f := range findings {
			if f.Rule == RulePlaceholder && strings.Contains(f.Message, "has no value") {
				name := strings.TrimSuffix(strings.TrimPrefix(strings.Fields(f.Message)[0], "{{"), "}}")
				if _, ok := used[ColumnName(name)]; ok && ColumnName(name) != "" {
					t.Fatalf("LintTemplate(%q): %s, though the sample gave it %q", src, f.Message, used[ColumnName(name)])
				}
			}
		}
	})
}
