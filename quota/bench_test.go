package quota_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/quota"
)

const benchAccounts = 10_000

// benchNow is a Wednesday morning; the ledger's rows lie before it.
var benchNow = time.Date(2026, time.March, 4, 10, 0, 0, 0, time.UTC)

// benchStore fills a fresh store with benchAccounts accounts and rows
// ledger entries with one multi-row INSERT … SELECT each (no COPY), and
// returns the configuration that names the accounts and the first
// account's id.
func benchStore(b *testing.B, dialect string, rows int) (*models.Store, *config.Config, int64) {
	b.Helper()
	s := storetest.Open(b, dialect)
	started := time.Now()
	var err error
	if dialect == models.DialectPostgres {
		err = s.DB.Exec(`INSERT INTO accounts (name, plan, timezone, state, created_at, updated_at)
			SELECT 'acct' || lpad(i::text, 5, '0'), 'free', 'UTC', 'active', now(), now() FROM generate_series(1, ?) AS i`, benchAccounts).Error
	} else {
		err = s.DB.Exec(`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
			INSERT INTO accounts (name, plan, timezone, state, created_at, updated_at)
			SELECT printf('acct%05d', i), 'free', 'UTC', 'active', ?, ? FROM seq`, benchAccounts, benchNow, benchNow).Error
	}
	if err != nil {
		b.Fatalf("insert accounts: %v", err)
	}
	var first int64
	if err := s.DB.Table("accounts").Select("MIN(id)").Scan(&first).Error; err != nil {
		b.Fatal(err)
	}
	// Rows come account by account (the order of the ledger's index, so the
	// insert appends to it): per rows for each account, spread over the past
	// year (1,000,000 rows: 100 an account, one every 3.65 days; 10,000 rows:
	// one each, in the last hour).
	per := rows / benchAccounts
	step := int64(365*24*3600) / int64(per)
	base := benchNow.Add(-time.Hour).Unix()
	if dialect == models.DialectPostgres {
		err = s.DB.Transaction(func(tx *gorm.DB) error {
			// Every account_id is known to exist: skip the foreign-key
			// trigger on each of the million rows (a test database's
			// owner may; production never does this).
			if err := tx.Exec("SET LOCAL session_replication_role = replica").Error; err != nil {
				return err
			}
			return tx.Exec(`INSERT INTO quota_ledger (account_id, kind, at, state, expires_at, created_at)
				SELECT ? + i / ?, (ARRAY['invite', 'view', 'follow', 'like'])[(i % ?) % 4 + 1], t, 'used', t, t
				FROM generate_series(0, ? - 1) AS i, LATERAL (SELECT to_timestamp(? - (i % ?) * ? - (i / ?) % 3600) AS t) AS x`,
				first, per, per, rows, base, per, step, per).Error
		})
	} else {
		err = s.DB.Exec(`WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ? - 1),
			stamped(i, t) AS (SELECT i, strftime('%Y-%m-%d %H:%M:%S', ? - (i % ?) * ? - (i / ?) % 3600, 'unixepoch') || '+00:00' FROM seq)
			INSERT INTO quota_ledger (account_id, kind, at, state, expires_at, created_at)
			SELECT ? + i / ?, CASE (i % ?) % 4 WHEN 0 THEN 'invite' WHEN 1 THEN 'view' WHEN 2 THEN 'follow' ELSE 'like' END, t, 'used', t, t
			FROM stamped`, rows, base, per, step, per, first, per, per).Error
	}
	if err != nil {
		b.Fatalf("insert ledger: %v", err)
	}
	// Settle the bulk load before measuring: statistics, hint bits and the
	// visibility map (VACUUM), and the dirty pages (a checkpoint), so that
	// background writes of the load do not land in the measurements.
	settle := []string{"ANALYZE", "PRAGMA wal_checkpoint(TRUNCATE)"}
	if dialect == models.DialectPostgres {
		settle = []string{"VACUUM ANALYZE quota_ledger", "VACUUM ANALYZE accounts", "CHECKPOINT"}
	}
	for _, stmt := range settle {
		if err := s.DB.Exec(stmt).Error; err != nil {
			b.Fatalf("%s: %v", stmt, err)
		}
	}
	cfg := &config.Config{Timezone: "UTC"}
	for i := 1; i <= benchAccounts; i++ {
		cfg.Accounts = append(cfg.Accounts, config.Account{Name: fmt.Sprintf("acct%05d", i), Plan: "free", Timezone: "UTC"})
	}
	var n int64
	s.DB.Table("quota_ledger").Count(&n)
	b.Logf("%s: %d accounts and %d ledger rows in %s", dialect, benchAccounts, n, time.Since(started).Round(time.Millisecond))
	return s, cfg, first
}

// benchPerOp is how many calls one benchmark op makes.
const benchPerOp = 200

// BenchmarkReserve reserves invitations round-robin over 10,000 accounts,
// with a ledger of 10,000 and of 1,000,000 rows: the cost of a reservation
// depends on the account's recent entries, not on the ledger's size. The
// next_slot sub-benchmarks time the read path alone.
func BenchmarkReserve(b *testing.B) {
	for _, dialect := range []string{models.DialectSQLite, models.DialectPostgres} {
		for _, rows := range []int{10_000, 1_000_000} {
			s, cfg, first := benchStore(b, dialect, rows)
			engine := quota.New(s, cfg, quota.Options{Now: func() time.Time { return benchNow }})
			b.Run(fmt.Sprintf("%s/ledger=%d", dialect, rows), func(b *testing.B) {
				ctx := context.Background()
				i := 0
				start := time.Now()
				for b.Loop() {
					// A batch per op, so that one op (make bench runs one)
					// still averages many reservations.
					for range benchPerOp {
						if _, err := engine.Reserve(ctx, first+int64(i%benchAccounts), quota.KindInvite); err != nil {
							b.Fatal(err)
						}
						i++
					}
				}
				b.ReportMetric(float64(time.Since(start).Microseconds())/float64(i), "us/reserve")
			})
			// The read path alone (no commit to wait for): what the pacer
			// reads of the ledger for one account.
			b.Run(fmt.Sprintf("%s/ledger=%d/next_slot", dialect, rows), func(b *testing.B) {
				ctx := context.Background()
				i := 0
				start := time.Now()
				for b.Loop() {
					for range benchPerOp {
						if _, err := engine.NextSlot(ctx, first+int64(i%benchAccounts), quota.KindInvite, benchNow); err != nil {
							b.Fatal(err)
						}
						i++
					}
				}
				b.ReportMetric(float64(time.Since(start).Microseconds())/float64(i), "us/next_slot")
			})
		}
	}
}
