package campaign

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pacerhq/pacer/models"
)

const (
	// defaultImportBatch rows are written per transaction: large enough for
	// multi-row inserts to pay, small enough to keep other writers (the bot,
	// the runner) waiting only a few milliseconds on SQLite.
	defaultImportBatch = 1000
	// maxImportBatch keeps a batch's statement under SQLite's 32,766 bound
	// variables (11 per row).
	maxImportBatch = 2500
	// sniffSize is how much of the file is checked before anything is
	// written.
	sniffSize = 64 << 10
	// defaultMaxInvalid invalid rows are kept, with their reasons, in the
	// summary; the rest are counted.
	defaultMaxInvalid = 1000
)

// profileColumns name the profile URL column, by preference: "url" comes last
// because it may be a company's website.
var profileColumns = []string{"profile_url", "linkedin_url", "linkedin_profile_url", "linkedin_profile", "linkedin", "url"}

// knownColumns map the columns Pacer stores on the prospect (and their usual
// spellings in exports) onto the prospect's field names.
var knownColumns = map[string]string{
	"first_name": "first_name", "firstname": "first_name", "given_name": "first_name",
	"last_name": "last_name", "lastname": "last_name", "surname": "last_name", "family_name": "last_name",
	"company": "company", "company_name": "company", "organization": "company", "organisation": "company",
	"title": "title", "job_title": "title", "position": "title",
	"email": "email", "email_address": "email", "e_mail": "email",
	"priority": "priority",
}

// ImportOptions tune Import.
type ImportOptions struct {
	// BatchSize is how many rows each transaction writes; 0 means 1,000.
	BatchSize int
	// Progress, when set, is called after each batch is written.
	Progress func(ImportProgress)
	// Now stamps created rows; nil means time.Now.
	Now func() time.Time
	// MaxInvalid is how many invalid rows the summary lists (all are
	// counted); 0 means 1,000.
	MaxInvalid int
}

// ImportProgress is how far an import has come.
type ImportProgress struct {
	// Rows is the number of data rows read.
	Rows int `json:"rows"`
	// Imported is the number of prospects enrolled so far.
	Imported int `json:"imported"`
}

// InvalidRow is a row that was not imported, and why.
type InvalidRow struct {
	// Line is the row's first line in the file (the header is line 1).
	Line int `json:"line"`
	// Value is the row's profile URL as written, or its first line when
	// the row cannot be read as CSV.
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// ImportSummary is what an import did. Every row is counted once: Rows =
// Imported + AlreadyKnown + Duplicates + Suppressed + Invalid.
type ImportSummary struct {
	Campaign string `json:"campaign"`
	// Rows is the number of data rows in the file.
	Rows int `json:"rows"`
	// Imported prospects were added to the campaign's queue.
	Imported int `json:"imported"`
	// NewProspects counts the imported prospects the team did not know;
	// the others were already known from other campaigns (they are proposed
	// only if nobody contacted them, see the package doc).
	NewProspects int `json:"new_prospects"`
	// AlreadyKnown rows were already in this campaign before the import:
	// nothing changed.
	AlreadyKnown int `json:"already_known"`
	// Duplicates repeat a profile this import added earlier in the file. (A
	// repeat of a profile that was in the campaign before the import counts
	// as already known: telling them apart would take memory that grows with
	// the file.)
	Duplicates int `json:"duplicates"`
	// Suppressed rows name someone on the do-not-contact list (by profile,
	// email address or email domain): they were not added to the queue.
	Suppressed int `json:"suppressed"`
	// Invalid rows were not imported; InvalidRows lists the first of them.
	Invalid     int          `json:"invalid"`
	InvalidRows []InvalidRow `json:"invalid_rows"`
	// Variables are the columns usable in note templates as {{name}}.
	Variables []string `json:"variables"`
	// IgnoredColumns repeat an earlier column's name, or have none.
	IgnoredColumns []string `json:"ignored_columns,omitempty"`
}

// columns is where each field sits in a row.
type columns struct {
	count    int
	profile  int
	known    map[string]int // field name → index
	vars     map[string]int // variable name → index
	varNames []string
	ignored  []string
}

type importRow struct {
	line                                   int
	slug, url, first, last, company, title string
	email, domain                          string
	vars                                   map[string]string
	priority                               int
	prospectID                             int64
	// isNew: this import inserted the prospect.
	isNew bool
}

// importer holds one import's state.
type importer struct {
	store      *models.Store
	campaignID int64
	opts       ImportOptions
	now        time.Time
	// Rows created before the import began have ids at most these: an
	// enrollment found above them was written by this import (a duplicate
	// in the file).
	maxProspectID   int64
	maxEnrollmentID int64
	basePosition    int64
	sum             ImportSummary
	// written counts the rows written; at nextAnalyze, Postgres's
	// statistics are refreshed (see analyze).
	written, nextAnalyze int64
}

// Import reads a CSV file of prospects into the campaign's queue. The
// header names the columns: a profile URL column (profile_url, linkedin_url
// or url) is required; first_name, last_name, company, title, email and
// priority (higher goes first) are known; every other column becomes a
// template variable. The file may be UTF-8 with or without a byte-order
// mark, with CRLF or LF line ends, comma, semicolon or tab separated, with
// quoted fields holding separators and line breaks.
//
// The first 64 KiB are checked before anything is written: a file that is
// binary, not UTF-8, not CSV, or has no profile URL column is refused with
// ErrNotCSV or ErrNoProfileColumn. Then the file is streamed and written in
// batches, each in its own transaction, so memory does not grow with the
// file. Every row is accounted for in the summary: imported, already in the
// campaign, a duplicate, suppressed, or invalid. An invalid row (malformed,
// with more or fewer fields than the header, or without a valid profile
// URL) is skipped and listed with its line and reason; a stray quote spoils
// only its own row, and the rows after it are read (see csvReader).
// Importing the same file again adds nothing. Should the import stop midway
// (a cancelled context, a database error), the batches already written
// stay: importing the file again adds the rest.
func Import(ctx context.Context, s *models.Store, campaignName string, r io.Reader, opts ImportOptions) (ImportSummary, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = defaultImportBatch
	}
	opts.BatchSize = min(opts.BatchSize, maxImportBatch)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxInvalid <= 0 {
		opts.MaxInvalid = defaultMaxInvalid
	}
	var campaign models.Campaign
	if err := s.DB.WithContext(ctx).Where("name = ?", campaignName).Take(&campaign).Error; err != nil {
		return ImportSummary{}, campaignLookupError(campaignName, err)
	}
	br := bufio.NewReaderSize(r, sniffSize)
	comma, err := sniff(br)
	if err != nil {
		return ImportSummary{}, err
	}
	cr := newCSVReader(br, comma)
	cols, err := readHeader(cr)
	if err != nil {
		return ImportSummary{}, err
	}
	im := &importer{store: s, campaignID: campaign.ID, opts: opts, now: opts.Now().UTC()}
	im.sum.Campaign = campaign.Name
	im.sum.Variables = cols.varNames
	im.sum.IgnoredColumns = cols.ignored
	if err := im.readBounds(ctx); err != nil {
		return im.sum, err
	}
	batch := make([]importRow, 0, opts.BatchSize)
	inBatch := make(map[string]bool, opts.BatchSize)
	for {
		rec, err := cr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return im.sum, fmt.Errorf("campaign: read the file after %d rows: %w", im.sum.Rows, err)
		}
		im.sum.Rows++
		if rec.problem != "" {
			im.invalid(rec.line, rec.text, rec.problem)
			continue
		}
		row, ok := im.parseRow(rec.line, rec.fields, cols)
		if !ok {
			continue
		}
		if inBatch[row.slug] {
			im.sum.Duplicates++
			continue
		}
		inBatch[row.slug] = true
		batch = append(batch, row)
		if len(batch) == opts.BatchSize {
			if err := im.flush(ctx, batch); err != nil {
				return im.sum, err
			}
			batch = batch[:0]
			clear(inBatch)
		}
	}
	if err := im.flush(ctx, batch); err != nil {
		return im.sum, err
	}
	return im.sum, nil
}

// mapColumns finds the profile URL column and names the others.
func mapColumns(header []string) (columns, error) {
	cols := columns{count: len(header), profile: -1, known: map[string]int{}, vars: map[string]int{}}
	seen := map[string]bool{}
	names := make([]string, len(header))
	for i, h := range header {
		name := ColumnName(h)
		names[i] = name
		if name == "" || seen[name] {
			cols.ignored = append(cols.ignored, fmt.Sprintf("column %d (%q)", i+1, h))
			names[i] = ""
			continue
		}
		seen[name] = true
	}
	for _, want := range profileColumns {
		if i := slices.Index(names, want); i >= 0 {
			cols.profile = i
			break
		}
	}
	if cols.profile < 0 {
		for _, h := range header {
			if _, err := ParseProfileURL(h); err == nil {
				return cols, fmt.Errorf("%w: its first line holds a profile URL rather than column names; add a header line such as profile_url,first_name,last_name,company", ErrNoProfileColumn)
			}
		}
		return cols, fmt.Errorf("%w: name the column of LinkedIn profile URLs profile_url, linkedin_url or url (the header has: %s)",
			ErrNoProfileColumn, strings.Join(header, ", "))
	}
	for i, name := range names {
		if name == "" || i == cols.profile {
			continue
		}
		if field, ok := knownColumns[name]; ok {
			if _, dup := cols.known[field]; !dup {
				cols.known[field] = i
				continue
			}
		}
		cols.vars[name] = i
		cols.varNames = append(cols.varNames, name)
	}
	return cols, nil
}

// parseRow turns a record into a row, or records why it is invalid.
func (im *importer) parseRow(line int, rec []string, cols columns) (importRow, bool) {
	value := ""
	if cols.profile < len(rec) {
		value = rec[cols.profile]
	}
	if len(rec) != cols.count {
		im.invalid(line, value, fmt.Sprintf("the row has %d fields where the header has %d (an unquoted separator?)", len(rec), cols.count))
		return importRow{}, false
	}
	for _, f := range rec {
		if !utf8.ValidString(f) {
			im.invalid(line, value, "the row is not UTF-8 text")
			return importRow{}, false
		}
	}
	p, err := ParseProfileURL(value)
	if err != nil {
		im.invalid(line, value, reasonOf(err))
		return importRow{}, false
	}
	field := func(name string) string {
		if i, ok := cols.known[name]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	row := importRow{line: line, slug: p.Slug, url: p.URL,
		first: field("first_name"), last: field("last_name"), company: field("company"), title: field("title")}
	row.email, row.domain = normalizeEmail(field("email"))
	if pr := field("priority"); pr != "" {
		n, err := strconv.Atoi(pr)
		if err != nil {
			im.invalid(line, value, fmt.Sprintf("priority %q is not a whole number", pr))
			return importRow{}, false
		}
		row.priority = n
	}
	for name, i := range cols.vars {
		if v := strings.TrimSpace(rec[i]); v != "" {
			if row.vars == nil {
				row.vars = map[string]string{}
			}
			row.vars[name] = v
		}
	}
	return row, true
}

func (im *importer) invalid(line int, value, reason string) {
	im.sum.Invalid++
	if len(im.sum.InvalidRows) < im.opts.MaxInvalid {
		if len(value) > 200 {
			value = value[:200] + "…"
		}
		im.sum.InvalidRows = append(im.sum.InvalidRows, InvalidRow{Line: line, Value: strings.TrimSpace(value), Reason: reason})
	}
}

// normalizeEmail lower-cases an address and returns its domain; a value
// that is not an address gives two empty strings.
func normalizeEmail(s string) (email, domain string) {
	s = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "mailto:")))
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.ContainsAny(s, " ,;<>\"'") {
		return "", ""
	}
	domain = strings.TrimSuffix(s[at+1:], ".")
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", ""
	}
	return s[:at+1] + domain, domain
}

// readBounds notes the highest ids before the import, and where its
// positions start.
func (im *importer) readBounds(ctx context.Context) error {
	db := im.store.SQL
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM prospects").Scan(&im.maxProspectID); err != nil {
		return fmt.Errorf("campaign: import: %w", err)
	}
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM enrollments").Scan(&im.maxEnrollmentID); err != nil {
		return fmt.Errorf("campaign: import: %w", err)
	}
	q := newQuery(im.store.Dialect).sql("SELECT COALESCE(MAX(position), 0) FROM enrollments WHERE campaign_id = ").arg(im.campaignID)
	if err := db.QueryRowContext(ctx, q.String(), q.args...).Scan(&im.basePosition); err != nil {
		return fmt.Errorf("campaign: import: %w", err)
	}
	im.nextAnalyze = max(int64(im.opts.BatchSize), im.maxProspectID, im.maxEnrollmentID)
	return nil
}

// analyze refreshes Postgres's statistics of the tables an import grows,
// each time the import has written as many rows as the tables held when it
// began (then twice that, and so on: log₂ of the file's size in all).
// Without it, a table that grew from nearly empty keeps its "nearly empty"
// statistics until autovacuum comes by, and the planner answers each batch's
// lookups by scanning the whole table: the import slows down as it goes.
// A failure (a role that does not own the tables) only costs speed.
func (im *importer) analyze(ctx context.Context) {
	if im.store.Dialect != models.DialectPostgres || im.written < im.nextAnalyze {
		return
	}
	_, _ = im.store.SQL.ExecContext(ctx, "ANALYZE prospects, enrollments")
	im.nextAnalyze *= 2
}

// flush writes one batch in one transaction: the prospects the team does
// not know, blanks filled in on those it knows, and the enrollments.
func (im *importer) flush(ctx context.Context, batch []importRow) error {
	if len(batch) > 0 {
		tx, err := im.store.SQL.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("campaign: import: %w", err)
		}
		if err := im.write(ctx, tx, batch); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("campaign: import rows up to line %d: %w", batch[len(batch)-1].line, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("campaign: import rows up to line %d: %w", batch[len(batch)-1].line, err)
		}
		im.written += int64(len(batch))
		im.analyze(ctx)
	}
	if im.opts.Progress != nil {
		im.opts.Progress(ImportProgress{Rows: im.sum.Rows, Imported: im.sum.Imported})
	}
	return nil
}

// rowsPerStatement bounds the rows of one multi-row statement. The SQLite
// driver binds arguments in time quadratic in their number, so SQLite gets
// small statements (the inserts are local: their number costs little);
// Postgres gets the whole batch in one round trip.
func (im *importer) rowsPerStatement() int {
	if im.store.Dialect == models.DialectSQLite {
		return 25
	}
	return maxImportBatch
}

// write stores one batch: its prospects (new ones inserted, known ones
// read back), then the enrollments of those neither in the campaign yet
// nor on the do-not-contact list, and counts each row in the summary.
func (im *importer) write(ctx context.Context, sqlTx *sql.Tx, batch []importRow) error {
	tx := &stmts{tx: sqlTx, prepare: im.store.Dialect == models.DialectSQLite}
	defer tx.close()
	index := make(map[string]int, len(batch))
	for i, r := range batch {
		index[r.slug] = i
	}
	if err := im.insertNewProspects(ctx, tx, batch, index); err != nil {
		return err
	}
	if err := im.fillKnown(ctx, tx, batch, index); err != nil {
		return err
	}
	enrolled, err := im.enrolled(ctx, tx, batch)
	if err != nil {
		return err
	}
	suppressed, err := im.suppressed(ctx, tx, batch)
	if err != nil {
		return err
	}
	toEnroll, newProspects := im.sortOut(batch, enrolled, suppressed)
	inserted, err := im.enroll(ctx, tx, toEnroll)
	if err != nil {
		return err
	}
	if err := im.deferContacted(ctx, tx, toEnroll); err != nil {
		return err
	}
	// A concurrent import of the same prospects may have enrolled some first.
	im.sum.Imported += inserted
	im.sum.AlreadyKnown += len(toEnroll) - inserted
	im.sum.NewProspects += min(newProspects, inserted)
	return nil
}

// insertNewProspects inserts the batch's prospects Pacer does not know yet
// and sets their ids. RETURNING names the prospects inserted; only the
// others need reading back (fillKnown).
func (im *importer) insertNewProspects(ctx context.Context, tx *stmts, batch []importRow, index map[string]int) error {
	for part := range slices.Chunk(batch, im.rowsPerStatement()) {
		q := im.insertProspects(part)
		rows, err := tx.QueryContext(ctx, q.String(), q.args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var slug string
			if err := rows.Scan(&id, &slug); err != nil {
				_ = rows.Close()
				return err
			}
			batch[index[slug]].prospectID = id
			batch[index[slug]].isNew = true
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	return nil
}

// enrolled returns the enrollment ids of the batch's prospects already in
// the campaign, by prospect id.
func (im *importer) enrolled(ctx context.Context, tx *stmts, batch []importRow) (map[int64]int64, error) {
	enrolled := make(map[int64]int64, len(batch))
	for part := range slices.Chunk(batch, im.rowsPerStatement()) {
		q := newQuery(im.store.Dialect).sql("SELECT prospect_id, id FROM enrollments WHERE campaign_id = ").arg(im.campaignID)
		ids := make([]int64, len(part))
		for i, r := range part {
			ids[i] = r.prospectID
		}
		in(q.sql(" AND prospect_id"), ids)
		rows, err := tx.QueryContext(ctx, q.String(), q.args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var prospectID, id int64
			if err := rows.Scan(&prospectID, &id); err != nil {
				_ = rows.Close()
				return nil, err
			}
			enrolled[prospectID] = id
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return enrolled, nil
}

// sortOut counts the rows that are not enrolled (already in the campaign,
// a duplicate in the file, suppressed) and returns the others, with how
// many of them are new prospects.
func (im *importer) sortOut(batch []importRow, enrolled map[int64]int64, suppressed map[int64]bool) (toEnroll []importRow, newProspects int) {
	for _, r := range batch {
		if id, ok := enrolled[r.prospectID]; ok {
			if id > im.maxEnrollmentID {
				im.sum.Duplicates++
			} else {
				im.sum.AlreadyKnown++
			}
			continue
		}
		if suppressed[r.prospectID] {
			im.sum.Suppressed++
			continue
		}
		toEnroll = append(toEnroll, r)
		if r.isNew {
			newProspects++
		}
	}
	return toEnroll, newProspects
}

// enroll inserts the rows' enrollments and returns how many it inserted.
func (im *importer) enroll(ctx context.Context, tx *stmts, rows []importRow) (int, error) {
	inserted := 0
	for part := range slices.Chunk(rows, im.rowsPerStatement()) {
		q := im.insertEnrollments(part)
		res, err := tx.ExecContext(ctx, q.String(), q.args...)
		if err != nil {
			return 0, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		inserted += int(n)
	}
	return inserted, nil
}

// suppressed returns the batch's prospects on the do-not-contact list, as
// models.SuppressedSQL (which the proposer obeys) defines it.
func (im *importer) suppressed(ctx context.Context, tx *stmts, batch []importRow) (map[int64]bool, error) {
	out := map[int64]bool{}
	for part := range slices.Chunk(batch, im.rowsPerStatement()) {
		ids := make([]int64, len(part))
		for i, r := range part {
			ids[i] = r.prospectID
		}
		q := in(newQuery(im.store.Dialect).sql("SELECT p.id FROM prospects p WHERE p.id"), ids).sql(" AND " + models.SuppressedSQL)
		rows, err := tx.QueryContext(ctx, q.String(), q.args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				_ = rows.Close()
				return nil, err
			}
			out[id] = true
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// deferContacted moves the prospects of rows the team already contacted
// one priority step back in this campaign's queue, where
// models.DeferInOtherQueues leaves them in the other campaigns' queues: a
// proposal does not walk past them before reaching people it can propose.
func (im *importer) deferContacted(ctx context.Context, tx *stmts, rows []importRow) error {
	var known []int64
	for _, r := range rows {
		if !r.isNew {
			known = append(known, r.prospectID)
		}
	}
	for part := range slices.Chunk(known, im.rowsPerStatement()) {
		q := newQuery(im.store.Dialect).sql("UPDATE enrollments SET priority = priority + 1 WHERE campaign_id = ").arg(im.campaignID).
			sql(" AND state = ").arg(models.EnrollmentQueued).sql(" AND prospect_id")
		in(q, part).sql(" AND EXISTS (SELECT 1 FROM prospects p WHERE p.id = enrollments.prospect_id AND p.state <> ").arg(models.ProspectNew).sql(")")
		if _, err := tx.ExecContext(ctx, q.String(), q.args...); err != nil {
			return err
		}
	}
	return nil
}

// insertProspects inserts rows the team may not know, returning the id and
// slug of those it inserted. Postgres takes one array per column (a
// statement of a dozen parameters, parsed and planned in no time, whatever
// the batch's size); SQLite takes a multi-row VALUES list.
func (im *importer) insertProspects(rows []importRow) *query {
	const insert = `INSERT INTO prospects (slug, profile_url, first_name, last_name, company, title, email, email_domain, vars, state, created_at, updated_at) `
	const tail = ` ON CONFLICT (slug) DO NOTHING RETURNING id, slug`
	q := newQuery(im.store.Dialect)
	if !q.postgres {
		q.sql(insert + "VALUES ")
		for i, r := range rows {
			if i > 0 {
				q.sql(", ")
			}
			q.tuple(r.slug, r.url, r.first, r.last, r.company, r.title, r.email, r.domain, encodeVars(r.vars), models.ProspectNew, im.now, im.now)
		}
		return q.sql(tail)
	}
	cols := make([][]string, 9)
	for c := range cols {
		cols[c] = make([]string, len(rows))
	}
	for i, r := range rows {
		for c, v := range []string{r.slug, r.url, r.first, r.last, r.company, r.title, r.email, r.domain, encodeVars(r.vars)} {
			cols[c][i] = v
		}
	}
	q.sql(insert + "SELECT u.*, ").arg(models.ProspectNew).sql("::text, ").arg(im.now).sql("::timestamptz, ").arg(im.now).sql("::timestamptz FROM unnest(")
	for c := range cols {
		if c > 0 {
			q.sql(", ")
		}
		q.arg(cols[c]).sql("::text[]")
	}
	return q.sql(") AS u" + tail)
}

// insertEnrollments enrolls prospects in the campaign, as insertProspects
// inserts them.
func (im *importer) insertEnrollments(rows []importRow) *query {
	const insert = `INSERT INTO enrollments (campaign_id, prospect_id, position, priority, state, created_at, updated_at) `
	const tail = ` ON CONFLICT (campaign_id, prospect_id) DO NOTHING`
	q := newQuery(im.store.Dialect)
	if !q.postgres {
		q.sql(insert + "VALUES ")
		for i, r := range rows {
			if i > 0 {
				q.sql(", ")
			}
			q.tuple(im.campaignID, r.prospectID, im.basePosition+int64(r.line), -r.priority, models.EnrollmentQueued, im.now, im.now)
		}
		return q.sql(tail)
	}
	ids, positions, priorities := make([]int64, len(rows)), make([]int64, len(rows)), make([]int64, len(rows))
	for i, r := range rows {
		ids[i], positions[i], priorities[i] = r.prospectID, im.basePosition+int64(r.line), int64(-r.priority)
	}
	q.sql(insert + "SELECT ").arg(im.campaignID).sql("::bigint, u.p, u.pos, u.pri, ").arg(models.EnrollmentQueued).sql("::text, ").
		arg(im.now).sql("::timestamptz, ").arg(im.now).sql("::timestamptz FROM unnest(").
		arg(ids).sql("::bigint[], ").arg(positions).sql("::bigint[], ").arg(priorities).sql("::bigint[]) AS u (p, pos, pri)")
	return q.sql(tail)
}

// fillKnown reads back the batch's prospects the team knew (for their ids)
// and fills in what the team's copy lacks: blank fields and missing variables. It never
// overwrites what another import wrote.
func (im *importer) fillKnown(ctx context.Context, tx *stmts, batch []importRow, index map[string]int) error {
	dialect := im.store.Dialect
	var known []importRow
	for _, r := range batch {
		if r.prospectID == 0 {
			known = append(known, r)
		}
	}
	var updates []knownUpdate
	for part := range slices.Chunk(known, im.rowsPerStatement()) {
		slugs := make([]string, len(part))
		for i, r := range part {
			slugs[i] = r.slug
		}
		q := in(newQuery(dialect).sql("SELECT id, slug, first_name, last_name, company, title, email, email_domain, vars FROM prospects WHERE slug"), slugs)
		rows, err := tx.QueryContext(ctx, q.String(), q.args...)
		if err != nil {
			return err
		}
		if updates, err = im.readKnown(rows, batch, index, updates); err != nil {
			return err
		}
	}
	for _, r := range batch {
		if r.prospectID == 0 {
			return fmt.Errorf("prospect %s was neither inserted nor found", r.slug)
		}
	}
	for _, u := range updates {
		q := newQuery(dialect).sql("UPDATE prospects SET first_name = ").arg(u.first).
			sql(", last_name = ").arg(u.last).sql(", company = ").arg(u.company).sql(", title = ").arg(u.title).
			sql(", email = ").arg(u.email).sql(", email_domain = ").arg(u.domain).sql(", vars = ").arg(u.vars).
			sql(", updated_at = ").arg(im.now).sql(" WHERE id = ").arg(u.id)
		if _, err := tx.ExecContext(ctx, q.String(), q.args...); err != nil {
			return err
		}
	}
	return nil
}

// knownUpdate is what fillKnown writes to a prospect the team knew.
type knownUpdate struct {
	id                                               int64
	first, last, company, title, email, domain, vars string
}

// readKnown reads prospects back, notes their ids on the batch's rows, and
// appends the blanks to fill in.
func (im *importer) readKnown(rows *sql.Rows, batch []importRow, index map[string]int, updates []knownUpdate) ([]knownUpdate, error) {
	defer rows.Close()
	for rows.Next() {
		var u knownUpdate
		var slug string
		if err := rows.Scan(&u.id, &slug, &u.first, &u.last, &u.company, &u.title, &u.email, &u.domain, &u.vars); err != nil {
			return updates, err
		}
		r := &batch[index[slug]]
		r.prospectID = u.id
		changed := false
		fill := func(have *string, give string) {
			if *have == "" && give != "" {
				*have, changed = give, true
			}
		}
		fill(&u.first, r.first)
		fill(&u.last, r.last)
		fill(&u.company, r.company)
		fill(&u.title, r.title)
		if u.email == "" && r.email != "" {
			u.email, u.domain, changed = r.email, r.domain, true
		}
		if len(r.vars) > 0 {
			have := decodeVars(u.vars)
			added := false
			for k, v := range r.vars {
				if _, ok := have[k]; !ok {
					have[k], added = v, true
				}
			}
			if added {
				u.vars, changed = encodeVars(have), true
			}
		}
		if changed {
			updates = append(updates, u)
		}
	}
	return updates, rows.Err()
}

func encodeVars(vars map[string]string) string {
	if len(vars) == 0 {
		return "{}"
	}
	b, err := json.Marshal(vars)
	if err != nil {
		return "{}" // a map of strings always encodes
	}
	return string(b)
}

func decodeVars(s string) map[string]string {
	vars := map[string]string{}
	if s != "" {
		_ = json.Unmarshal([]byte(s), &vars) // a malformed object reads as empty
	}
	return vars
}

// prospectVars are the values a note template can use for a prospect.
func prospectVars(p models.Prospect) map[string]string {
	vars := decodeVars(p.Vars)
	maps.Copy(vars, map[string]string{
		"first_name": p.FirstName, "last_name": p.LastName, "company": p.Company,
		"title": p.Title, "email": p.Email,
	})
	return vars
}

func campaignLookupError(name string, err error) error {
	if errors.Is(err, errRecordNotFound) {
		return fmt.Errorf("%w: %q; campaigns are declared in the configuration file (see `pacer config check`)", ErrUnknownCampaign, name)
	}
	return fmt.Errorf("campaign: read campaign %s: %w", name, err)
}
