package campaign

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

// readAll reads every row of text (after its header) with csvReader.
func readAll(t *testing.T, text string) (header columns, rows []csvRecord) {
	t.Helper()
	cr := newCSVReader(strings.NewReader(text), ',')
	cols, err := readHeader(cr)
	if err != nil {
		t.Fatalf("header: %v", err)
	}
	for {
		rec, err := cr.next()
		if errors.Is(err, io.EOF) {
			return cols, rows
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, rec)
	}
}

func TestCSVReaderRows(t *testing.T) {
	t.Parallel()
	const ada, alan, bea = "https://www.linkedin.com/in/ada", "https://www.linkedin.com/in/alan", "https://www.linkedin.com/in/bea"
	type row struct {
		line    int
		fields  []string
		problem string // a part of the reason, when the row is rejected
	}
	tests := []struct {
		name string
		csv  string
		want []row
	}{
		{
			name: "plain rows, blank lines skipped, CRLF",
			csv:  "url,name\r\n" + ada + ",Ada\r\n\r\n" + alan + ",\r\n",
			want: []row{{2, []string{ada, "Ada"}, ""}, {4, []string{alan, ""}, ""}},
		},
		{
			name: "a quoted field spanning lines, with doubled quotes and a blank line",
			csv:  "url,talk\n" + ada + ",\"On \"\"Notes\"\"\n\nPart 2, and more\"\n" + alan + ",x\n",
			want: []row{{2, []string{ada, "On \"Notes\"\n\nPart 2, and more"}, ""}, {5, []string{alan, "x"}, ""}},
		},
		{
			name: "a quoted field whose second line holds a comma and a URL-like word",
			csv:  "url,talk\n" + ada + ",\"see\nlinkedin.com, later\"\n",
			want: []row{{2, []string{ada, "see\nlinkedin.com, later"}, ""}},
		},
		{
			name: "a stray opening quote spoils one row",
			csv:  "url,name\n" + ada + ",\"Ada\n" + alan + ",Alan\n" + bea + ",Bea\n",
			want: []row{{2, nil, "stray quote (\") opens column 2 (name)"}, {3, []string{alan, "Alan"}, ""}, {4, []string{bea, "Bea"}, ""}},
		},
		{
			name: "a stray opening quote on the last line",
			csv:  "url,name\n" + ada + ",Ada\n" + alan + ",\"Alan\n",
			want: []row{{2, []string{ada, "Ada"}, ""}, {3, nil, "nothing closes it"}},
		},
		{
			name: "two stray quotes do not pair up across a row",
			csv:  "url,name\n" + ada + ",\"Ada\n" + alan + ",Alan\n" + bea + ",Bea\"\n",
			want: []row{{2, nil, "opens column 2"}, {3, []string{alan, "Alan"}, ""}, {4, nil, "inside column 2 (name)"}},
		},
		{
			name: "two stray quotes on adjacent lines do not pair up",
			csv:  "url,name\n" + ada + ",\"Ada\n" + alan + ",Alan\"\n",
			want: []row{{2, nil, "opens column 2"}, {3, nil, "inside column 2"}},
		},
		{
			name: "a stray quote opening the profile column",
			csv:  "url,name\n\"" + ada + ",Ada\n" + alan + ",Alan\n",
			want: []row{{2, nil, "opens column 1 (url)"}, {3, []string{alan, "Alan"}, ""}},
		},
		{
			name: "a quote inside an unquoted field",
			csv:  "url,name\n" + ada + ",Ada \"The\" Countess\n" + alan + ",Alan\n",
			want: []row{{2, nil, "inside column 2"}, {3, []string{alan, "Alan"}, ""}},
		},
		{
			name: "text after a closing quote",
			csv:  "url,name\n" + ada + ",\"Ada\"x\n" + alan + ",Alan\n",
			want: []row{{2, nil, "after the closing quote of column 2"}, {3, []string{alan, "Alan"}, ""}},
		},
		{
			name: "a quote opened on a line of its own, closed badly below",
			csv:  "url,name\n\"x\ny\"z\n" + ada + ",Ada\n",
			want: []row{{2, nil, "opens column 1"}, {3, nil, "inside column 1"}, {4, []string{ada, "Ada"}, ""}},
		},
		{
			name: "empty fields and a trailing separator",
			csv:  "url,a,b\n" + ada + ",,\n\"\",\"\",\n",
			want: []row{{2, []string{ada, "", ""}, ""}, {3, []string{"", "", ""}, ""}},
		},
		{
			name: "no final line end",
			csv:  "url\n" + ada,
			want: []row{{2, []string{ada}, ""}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, got := readAll(t, tc.csv)
			if len(got) != len(tc.want) {
				t.Fatalf("rows: got %d (%+v), want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				if g.line != w.line {
					t.Errorf("row %d: got line %d, want %d", i, g.line, w.line)
				}
				if w.problem != "" {
					if !strings.Contains(g.problem, w.problem) {
						t.Errorf("line %d: got problem %q, want it to mention %q", g.line, g.problem, w.problem)
					}
					continue
				}
				if g.problem != "" || !slices.Equal(g.fields, w.fields) {
					t.Errorf("line %d: got %q (problem %q), want %q", g.line, g.fields, g.problem, w.fields)
				}
			}
		})
	}
}

// TestCSVReaderLongLine: a line over the limit is one rejected row, read
// past without being held, and the next row is read.
func TestCSVReaderLongLine(t *testing.T) {
	t.Parallel()
	long := "https://www.linkedin.com/in/ada," + strings.Repeat("x", maxLineSize+10)
	_, got := readAll(t, "url,name\n"+long+"\nhttps://www.linkedin.com/in/alan,Alan\n")
	if len(got) != 2 || !strings.Contains(got[0].problem, "longer than 1 MiB") || len(got[0].text) > 200 ||
		got[1].line != 3 || got[1].problem != "" {
		t.Errorf("got %d rows: %+v", len(got), got)
	}
}
