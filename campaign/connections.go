package campaign

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/pacerhq/pacer/models"
)

// ConnectionsSummary is what ImportConnections did.
type ConnectionsSummary struct {
	Account string `json:"account"`
	// Rows counts the data rows read; Added the connections new to Pacer,
	// AlreadyKnown those it knew; Invalid the rows without a profile URL
	// it can read, listed (at most maxInvalidListed) in InvalidRows.
	Rows         int          `json:"rows"`
	Added        int          `json:"added"`
	AlreadyKnown int          `json:"already_known"`
	Invalid      int          `json:"invalid"`
	InvalidRows  []InvalidRow `json:"invalid_rows,omitempty"`
}

// maxInvalidListed bounds the invalid rows a summary lists; it counts them
// all.
const maxInvalidListed = 1000

// ErrNoURLColumn: the file has no column of profile URLs.
var ErrNoURLColumn = errors.New("campaign: the file has no URL column")

// ImportConnections records the account's first-degree connections from
// LinkedIn's data export (Settings → Data privacy → Get a copy of your
// data → Connections: Connections.csv, whose URL column holds each
// member's profile), or any CSV file with a URL or profile_url column.
// Lines before the header, such as the export's notes, are passed over.
// Nobody connected to one account of the team is then proposed to another
// (nor to it). Importing the same file again adds nothing.
func ImportConnections(ctx context.Context, store *models.Store, account string, r io.Reader, now time.Time) (ConnectionsSummary, error) {
	sum := ConnectionsSummary{Account: account}
	var acct models.Account
	if err := store.DB.WithContext(ctx).Where("name = ?", account).Take(&acct).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return sum, fmt.Errorf("campaign: no account is named %q; accounts are declared in the configuration file", account)
		}
		return sum, fmt.Errorf("campaign: read account %s: %w", account, err)
	}
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1 // the export's notes have their own shape
	cr.LazyQuotes = true
	urlCol, err := findURLColumn(cr)
	if err != nil {
		return sum, err
	}
	var batch []models.AccountConnection
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		res := store.DB.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&batch)
		if res.Error != nil {
			return fmt.Errorf("campaign: store the connections of %s: %w", account, res.Error)
		}
		sum.Added += int(res.RowsAffected)
		sum.AlreadyKnown += len(batch) - int(res.RowsAffected)
		batch = batch[:0]
		return nil
	}
	seen := map[string]bool{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			if ferr := flush(); ferr != nil {
				return sum, ferr
			}
			return sum, fmt.Errorf("campaign: read line %d: %w; the rows before it are stored", line, err)
		}
		sum.Rows++
		raw := ""
		if urlCol < len(rec) {
			raw = rec[urlCol]
		}
		prof, err := ParseProfileURL(raw)
		if err != nil {
			sum.Invalid++
			if len(sum.InvalidRows) < maxInvalidListed {
				sum.InvalidRows = append(sum.InvalidRows, InvalidRow{Line: line, Value: raw, Reason: err.Error()})
			}
			continue
		}
		if seen[prof.Slug] {
			sum.AlreadyKnown++
			continue
		}
		seen[prof.Slug] = true
		batch = append(batch, models.AccountConnection{AccountID: acct.ID, Slug: prof.Slug, Source: models.ConnectionFromExport, CreatedAt: now.UTC()})
		if len(batch) == 500 {
			if err := flush(); err != nil {
				return sum, err
			}
		}
	}
	return sum, flush()
}

// findURLColumn reads up to the header line and returns the index of its
// URL column.
func findURLColumn(cr *csv.Reader) (int, error) {
	for range 20 {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			continue // the export's notes may hold stray quotes
		}
		for i, name := range rec {
			switch ColumnName(strings.TrimPrefix(name, "\ufeff")) {
			case "url", "profile_url", "linkedin_url":
				return i, nil
			}
		}
	}
	return 0, fmt.Errorf("%w: export your connections from LinkedIn (Settings → Data privacy → Get a copy of your data → Connections) and import Connections.csv, or give a CSV file with a URL column", ErrNoURLColumn)
}
