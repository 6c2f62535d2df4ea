package quota_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/quota"
)

const benchAccounts = 10_000

// benchNow is a Wednesday morning; the ledger's rows lie before it.
var benchNow = time.Date(2026, time.March, 4, 10, 0, 0, 0, time.UTC)

// benchStore fills a fresh store with benchAccounts accounts and rows
// ledger entries (spread over the accounts and, 100 per account, over the
// past year) with one multi-row INSERT … SELECT each, and returns the
// configuration that names the accounts and the first account's id.
func benchStore(b *testing.B, dialect string, rows int) (*models.Store, *config.Config, int64) {
	b.Helper()
	ctx := context.Background()
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
	// Entry i belongs to account i mod 10,000; its age grows by 3.65 days
	// every 10,000 rows, so 1,000,000 rows span a year.
	base := benchNow.Add(-time.Hour).Unix()
	if dialect == models.DialectPostgres {
		err = s.DB.Exec(`INSERT INTO quota_ledger (account_id, kind, at, state, expires_at, created_at)
			SELECT ? + (i % ?), (ARRAY['invite', 'view', 'follow', 'like'])[i % 4 + 1], t, 'used', t, t
			FROM generate_series(0, ? - 1) AS i, LATERAL (SELECT to_timestamp(? - (i / ?) * 315360 - (i % 3600)) AS t) AS x`,
			first, benchAccounts, rows, base, benchAccounts).Error
	} else {
		err = s.DB.Exec(`WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ? - 1),
			stamped(i, t) AS (SELECT i, strftime('%Y-%m-%d %H:%M:%S', ? - (i / ?) * 315360 - (i % 3600), 'unixepoch') || '+00:00' FROM seq)
			INSERT INTO quota_ledger (account_id, kind, at, state, expires_at, created_at)
			SELECT ? + (i % ?), CASE i % 4 WHEN 0 THEN 'invite' WHEN 1 THEN 'view' WHEN 2 THEN 'follow' ELSE 'like' END, t, 'used', t, t
			FROM stamped`, rows, base, benchAccounts, first, benchAccounts).Error
	}
	if err != nil {
		b.Fatalf("insert ledger: %v", err)
	}
	if err := s.DB.Exec("ANALYZE").Error; err != nil {
		b.Fatal(err)
	}
	cfg := &config.Config{Timezone: "UTC"}
	for i := 1; i <= benchAccounts; i++ {
		cfg.Accounts = append(cfg.Accounts, config.Account{Name: fmt.Sprintf("acct%05d", i), Plan: "free", Timezone: "UTC"})
	}
	var n int64
	s.DB.Table("quota_ledger").Count(&n)
	b.Logf("%s: %d accounts and %d ledger rows in %s", dialect, benchAccounts, n, time.Since(started).Round(time.Millisecond))
	_ = ctx
	return s, cfg, first
}

// BenchmarkReserve reserves invitations round-robin over 10,000 accounts,
// with a ledger of 10,000 and of 1,000,000 rows: the cost of a reservation
// depends on the account's recent entries, not on the ledger's size.
func BenchmarkReserve(b *testing.B) {
	for _, dialect := range []string{models.DialectSQLite, models.DialectPostgres} {
		for _, rows := range []int{10_000, 1_000_000} {
			s, cfg, first := benchStore(b, dialect, rows)
			engine := quota.New(s, cfg, quota.Options{Now: func() time.Time { return benchNow }})
			b.Run(fmt.Sprintf("%s/ledger=%d", dialect, rows), func(b *testing.B) {
				ctx := context.Background()
				i := 0
				for b.Loop() {
					if _, err := engine.Reserve(ctx, first+int64(i%benchAccounts), quota.KindInvite); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
}
