package campaign

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/pacerhq/pacer/wording"
)

const (
	// maxLineSize bounds one line of the file: a longer one is reported as a
	// rejected row and skipped without being held in memory.
	maxLineSize = 1 << 20
	// maxRecordSize bounds a row whose quoted field spans lines: past it,
	// the opening quote is taken for a stray one.
	maxRecordSize = 1 << 20
)

// csvRecord is one row of the file as read: its fields, or why it could not
// be read as CSV.
type csvRecord struct {
	// line is the row's first line in the file (the header is line 1).
	line   int
	fields []string
	// problem, when set, says why the row cannot be read; text then holds
	// the row's first line, to show where it is.
	problem string
	text    string
}

// physLine is one line of the file, without its line end.
type physLine struct {
	n       int
	text    string
	tooLong bool
}

// csvReader reads a CSV file one row at a time, so that a malformed row is
// reported at its line and the rows after it are still read.
//
// encoding/csv cannot do this: a stray quote at the start of a field opens
// a quoted field that only the next quote in the file closes, so one typo
// swallows every row up to it (often the rest of the file) as "one
// malformed line". Here a quoted field may still span lines (a note with a
// line break), but a line it would swallow that reads as a row of its own
// (its profile column holds a profile URL) shows the quote to be a stray:
// the row that opened it is rejected and reading resumes on the next line.
// So does a quoted field still open at the end of the file or after 1 MiB.
type csvReader struct {
	br    *bufio.Reader
	comma byte
	read  int // lines taken from br
	// back holds lines read ahead for a quoted field that turned out to be
	// a stray quote, to be read again as rows of their own.
	back []physLine
	eof  bool
	// names are the header's column names, for messages; profile is the
	// index of the profile URL column, or -1 before the header is known.
	names   []string
	profile int
	parser  fieldParser
	// strayAtEOF is set when the last row's quote was judged stray only
	// because the input ended (in a sample cut short, it may not be).
	strayAtEOF bool
}

func newCSVReader(r io.Reader, comma rune) *csvReader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(r)
	}
	return &csvReader{br: br, comma: byte(comma), profile: -1, parser: fieldParser{comma: byte(comma)}}
}

// setHeader names the columns, for messages and for telling a row from a
// line inside a quoted field.
func (c *csvReader) setHeader(names []string, profile int) {
	c.names = names
	c.profile = profile
}

// next returns the next row, skipping blank lines, or io.EOF. Its only other
// error is a read error of the underlying reader.
func (c *csvReader) next() (csvRecord, error) {
	c.strayAtEOF = false
	var first physLine
	for {
		l, err := c.nextLine()
		if err != nil {
			return csvRecord{}, err
		}
		if l.text != "" || l.tooLong {
			first = l
			break
		}
	}
	if first.tooLong {
		return csvRecord{line: first.n, text: first.text, problem: "the line is longer than 1 MiB"}, nil
	}
	p := &c.parser
	p.reset()
	if p.feed(first.text) {
		if p.problem != "" {
			return csvRecord{line: first.n, text: first.text, problem: c.describe(p)}, nil
		}
		return csvRecord{line: first.n, fields: p.fields()}, nil
	}
	// A quoted field is open at the end of the line: read on until it
	// closes, unless what it would swallow shows its quote to be a stray.
	openCol := p.openField
	var ahead []physLine
	size := len(first.text)
	stray := func() (csvRecord, error) {
		c.back = append(ahead, c.back...)
		return csvRecord{line: first.n, text: first.text, problem: c.strayQuote(openCol)}, nil
	}
	for {
		l, err := c.nextLine()
		if errors.Is(err, io.EOF) {
			c.strayAtEOF = true
			return stray()
		}
		if err != nil {
			return csvRecord{}, err
		}
		ahead = append(ahead, l)
		size += len(l.text) + 1
		if l.tooLong || size > maxRecordSize || c.looksLikeRow(l.text) {
			return stray()
		}
		if !p.feed(l.text) {
			continue
		}
		if p.problem != "" {
			return stray()
		}
		return csvRecord{line: first.n, fields: p.fields()}, nil
	}
}

// looksLikeRow tells whether a line, read on its own, is a row: its profile
// column holds a profile URL. A line inside a quoted field (a note's second
// paragraph) almost never does.
func (c *csvReader) looksLikeRow(text string) bool {
	var fields []string
	p := fieldParser{comma: c.comma}
	if p.feed(text) && p.problem == "" {
		fields = p.fields()
	} else {
		// Read past the quotes that make it malformed: a row with a stray
		// quote of its own is still a row.
		fields = strings.Split(text, string(c.comma))
	}
	if c.profile < 0 {
		// The header is being read: any field will do.
		for _, f := range fields {
			if _, err := ParseProfileURL(strings.Trim(f, `" `)); err == nil {
				return true
			}
		}
		return false
	}
	if c.profile >= len(fields) {
		return false
	}
	_, err := ParseProfileURL(strings.Trim(fields[c.profile], `" `))
	return err == nil
}

// nextLine returns the next line, without its line end (LF or CRLF).
func (c *csvReader) nextLine() (physLine, error) {
	if len(c.back) > 0 {
		l := c.back[0]
		c.back = c.back[1:]
		return l, nil
	}
	if c.eof {
		return physLine{}, io.EOF
	}
	var buf []byte
	tooLong := false
	for {
		chunk, err := c.br.ReadSlice('\n')
		if buf == nil && err == nil {
			// The whole line in one piece: the usual case.
			c.read++
			return physLine{n: c.read, text: string(trimLineEnd(chunk))}, nil
		}
		if !tooLong {
			if len(buf)+len(chunk) > maxLineSize+2 {
				tooLong = true
				// Keep the start, to show where it is; drop the rest.
				buf = append(buf, chunk...)[:min(len(buf)+len(chunk), 200)]
			} else {
				buf = append(buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			c.eof = true
			if len(buf) == 0 {
				return physLine{}, io.EOF
			}
		} else if err != nil {
			return physLine{}, err
		}
		break
	}
	c.read++
	return physLine{n: c.read, text: string(trimLineEnd(buf)), tooLong: tooLong}, nil
}

// trimLineEnd drops a line's LF or CRLF.
func trimLineEnd(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// column names a column for messages: "column 2 (first_name)".
func (c *csvReader) column(i int) string {
	if i < len(c.names) && c.names[i] != "" {
		return fmt.Sprintf("column %d (%s)", i+1, c.names[i])
	}
	return fmt.Sprintf("column %d", i+1)
}

func (c *csvReader) strayQuote(col int) string {
	return fmt.Sprintf(`a stray quote (") opens %s and nothing closes it; remove the quote, or end the field with one`, c.column(col))
}

func (c *csvReader) describe(p *fieldParser) string {
	switch p.problem {
	case problemBareQuote:
		return fmt.Sprintf(`a stray quote (") inside %s; remove it, or quote the whole field and double the quotes inside it ("a ""b"" c")`, c.column(p.problemField))
	case problemAfterQuote:
		return fmt.Sprintf(`text after the closing quote of %s; double a quote inside a quoted field ("a ""b"" c")`, c.column(p.problemField))
	}
	return p.problem
}

const (
	problemBareQuote  = "bare quote"
	problemAfterQuote = "text after quote"
)

// fieldParser splits the lines of one row into fields (RFC 4180: a field
// is quoted when it starts with a quote; inside, a quote is doubled; a
// quoted field may hold separators and line breaks).
type fieldParser struct {
	comma byte
	// buf holds the fields' text one after another; ends, where each ends.
	buf  []byte
	ends []int
	// inQuotes: a quoted field is open at the end of the last line fed.
	inQuotes  bool
	openField int
	// problem, when set, says why the row is malformed, in problemField.
	problem      string
	problemField int
}

// reset readies the parser for another row, keeping its buffers.
func (p *fieldParser) reset() {
	p.buf, p.ends = p.buf[:0], p.ends[:0]
	p.inQuotes, p.problem = false, ""
}

// fields returns the row's fields, sharing one string.
func (p *fieldParser) fields() []string {
	s := string(p.buf)
	out := make([]string, len(p.ends))
	start := 0
	for i, end := range p.ends {
		out[i] = s[start:end]
		start = end
	}
	return out
}

// feed parses the next line of the row and reports whether the row is
// complete (or malformed); false means a quoted field is still open.
func (p *fieldParser) feed(line string) bool {
	i := 0
	if p.inQuotes {
		p.buf = append(p.buf, '\n')
	}
	for {
		if !p.inQuotes {
			// At the start of a field.
			if i < len(line) && line[i] == '"' {
				p.openField = len(p.ends)
				p.inQuotes = true
				i++
			} else {
				end := strings.IndexByte(line[i:], p.comma)
				if end < 0 {
					end = len(line) - i
				}
				if strings.IndexByte(line[i:i+end], '"') >= 0 {
					p.problem, p.problemField = problemBareQuote, len(p.ends)
					return true
				}
				p.buf = append(p.buf, line[i:i+end]...)
				i += end
			}
		}
		if p.inQuotes {
			var done bool
			if i, done = p.quoted(line, i); !done {
				return false
			}
			if p.problem != "" {
				return true
			}
		}
		p.ends = append(p.ends, len(p.buf))
		if i >= len(line) {
			return true
		}
		i++ // the separator
	}
}

// quoted reads a quoted field's text from line[i:]. It returns the index
// after the closing quote and true, or false when the line ends inside the
// field.
func (p *fieldParser) quoted(line string, i int) (int, bool) {
	for {
		q := strings.IndexByte(line[i:], '"')
		if q < 0 {
			p.buf = append(p.buf, line[i:]...)
			return len(line), false
		}
		p.buf = append(p.buf, line[i:i+q]...)
		i += q + 1
		switch {
		case i < len(line) && line[i] == '"':
			p.buf = append(p.buf, '"')
			i++
		case i == len(line) || line[i] == p.comma:
			p.inQuotes = false
			return i, true
		default:
			p.inQuotes = false
			p.problem, p.problemField = problemAfterQuote, len(p.ends)
			return i, true
		}
	}
}

// sniff checks the head of the file before anything is written and returns
// the field separator. It drops a UTF-8 byte-order mark.
func sniff(br *bufio.Reader) (rune, error) {
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	sample, err := br.Peek(sniffSize)
	complete := errors.Is(err, io.EOF)
	if err != nil && !complete && !errors.Is(err, bufio.ErrBufferFull) {
		return 0, fmt.Errorf("campaign: read the file: %w", err)
	}
	switch {
	case len(bytes.TrimSpace(sample)) == 0:
		return 0, fmt.Errorf("%w: the file is empty; it needs a header line naming the columns (profile_url, first_name, …)", ErrNotCSV)
	case bytes.HasPrefix(sample, []byte{0xFF, 0xFE}), bytes.HasPrefix(sample, []byte{0xFE, 0xFF}):
		return 0, fmt.Errorf("%w: it is UTF-16 text; save it as \"CSV UTF-8\"", ErrNotCSV)
	case bytes.HasPrefix(sample, []byte("PK\x03\x04")):
		return 0, fmt.Errorf("%w: it is a spreadsheet or zip file; export the sheet as \"CSV UTF-8\"", ErrNotCSV)
	case bytes.IndexByte(sample, 0) >= 0:
		return 0, fmt.Errorf("%w: it holds binary data; export the sheet as \"CSV UTF-8\"", ErrNotCSV)
	}
	if !complete {
		sample = trimPartialRune(sample)
	}
	if !utf8.Valid(sample) {
		return 0, fmt.Errorf("%w: it is not UTF-8 text (perhaps Latin-1 or Windows-1252); save it as \"CSV UTF-8\"", ErrNotCSV)
	}
	comma := sniffComma(sample)
	if err := checkSample(sample, complete, comma); err != nil {
		return 0, err
	}
	return comma, nil
}

// trimPartialRune drops a rune cut by the end of the sample.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			break
		}
	}
	return b
}

// sniffComma picks the separator of the header line: the most frequent of
// comma, semicolon (spreadsheets in many European locales) and tab, outside
// quotes; comma when none appears.
func sniffComma(sample []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, c := range string(sample) {
		if c == '"' {
			quoted = !quoted
		}
		if !quoted && (c == '\n' || c == '\r') {
			break
		}
		if !quoted && (c == ',' || c == ';' || c == '\t') {
			counts[c]++
		}
	}
	best := ','
	for _, c := range []rune{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return best
}

// readHeader reads the header row and maps its columns.
func readHeader(cr *csvReader) (columns, error) {
	rec, err := cr.next()
	if errors.Is(err, io.EOF) {
		return columns{}, fmt.Errorf("%w: the file is empty; it needs a header line naming the columns (profile_url, first_name, …)", ErrNotCSV)
	}
	if err != nil {
		return columns{}, fmt.Errorf("campaign: read the file: %w", err)
	}
	if rec.problem != "" {
		return columns{}, fmt.Errorf("%w: the header line cannot be read: %s", ErrNotCSV, rec.problem)
	}
	cols, err := mapColumns(rec.fields)
	if err != nil {
		return cols, err
	}
	cr.setHeader(rec.fields, cols.profile)
	return cols, nil
}

// checkSample parses the head of the file: its header must name a profile
// URL column, and its rows must mostly read as CSV with the header's number
// of fields. A few bad rows are reported row by row later; a file where
// most rows are bad is not the CSV it claims to be.
func checkSample(sample []byte, complete bool, comma rune) error {
	if !complete {
		// The last line may be cut short: leave it out.
		end := bytes.LastIndexByte(sample, '\n')
		if end < 0 {
			return fmt.Errorf("%w: its first line is longer than 64 KiB", ErrNotCSV)
		}
		sample = sample[:end+1]
	}
	cr := newCSVReader(bytes.NewReader(sample), comma)
	cols, err := readHeader(cr)
	if err != nil {
		return err
	}
	rows, bad := 0, 0
	var first string
	for {
		rec, err := cr.next()
		if err != nil {
			break // io.EOF: a bytes.Reader has no other error
		}
		if !complete && cr.strayAtEOF {
			break // the quote may close beyond the sample
		}
		rows++
		switch {
		case rec.problem != "":
			bad++
			if first == "" {
				first = fmt.Sprintf("line %d: %s", rec.line, rec.problem)
			}
		case len(rec.fields) != cols.count:
			bad++
			if first == "" {
				first = fmt.Sprintf("line %d has %d fields where the header has %d", rec.line, len(rec.fields), cols.count)
			}
		}
	}
	if bad > 0 && bad*2 > rows {
		return fmt.Errorf("%w: %d of its first %s %s not match the header (%s); check the separator and quotes, or export it again as \"CSV UTF-8\"",
			ErrNotCSV, bad, wording.Count(rows, "row", "rows"), wording.Noun(bad, "does", "do"), first)
	}
	return nil
}
