// Package storetest gives tests a fresh, migrated store on SQLite and on
// Postgres, so that every store test runs on both.
//
// Postgres comes from TEST_DATABASE_URL, else the server on 127.0.0.1:5432
// (user postgres). Each test gets its own database, copied from a migrated
// template. When no Postgres answers, Postgres tests skip with a loud notice,
// except when CI=true, where they fail: CI must never pass by skipping.
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
)

// DefaultPostgresURL is tried when TEST_DATABASE_URL is not set.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Each runs fn on a fresh SQLite store and on a fresh Postgres store, as
// subtests named "sqlite" and "postgres".
func Each(t *testing.T, fn func(t *testing.T, s *models.Store)) {
	t.Helper()
	EachConfig(t, &config.Config{}, fn)
}

// EachConfig is Each with a configuration for the store (it decides, for
// one, which destinations receive events).
func EachConfig(t *testing.T, cfg *config.Config, fn func(t *testing.T, s *models.Store)) {
	t.Helper()
	for _, dialect := range []string{models.DialectSQLite, models.DialectPostgres} {
		t.Run(dialect, func(t *testing.T) { fn(t, OpenConfig(t, dialect, cfg)) })
	}
}

// Open returns a fresh store of the given dialect.
func Open(t testing.TB, dialect string) *models.Store {
	t.Helper()
	return OpenConfig(t, dialect, &config.Config{})
}

// OpenConfig returns a fresh store of the given dialect, opened with cfg
// (its database settings are replaced by the test's own database).
func OpenConfig(t testing.TB, dialect string, cfg *config.Config) *models.Store {
	t.Helper()
	c := *cfg
	opts := models.Options{}
	if dialect == models.DialectPostgres {
		c.DatabaseURL = config.Secret(PostgresDatabase(t))
	} else {
		c.DatabaseURL = ""
		opts.SQLitePath = SQLiteFile(t)
	}
	s, err := models.Open(context.Background(), &c, opts)
	if err != nil {
		t.Fatalf("storetest: open %s: %v", dialect, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

var sqliteTemplate struct {
	once sync.Once
	path string
	err  error
}

// SQLite returns a migrated store in a file of the test's temporary
// directory. The file is copied from one migrated per test binary.
func SQLite(t testing.TB) *models.Store {
	t.Helper()
	return Open(t, models.DialectSQLite)
}

// SQLiteFile returns the path of a fresh, migrated SQLite database file in
// the test's temporary directory, for tests that run `pacer` as a process.
func SQLiteFile(t testing.TB) string {
	t.Helper()
	sqliteTemplate.once.Do(func() {
		dir, err := os.MkdirTemp("", "pacer-storetest-")
		if err != nil {
			sqliteTemplate.err = err
			return
		}
		sqliteTemplate.path = filepath.Join(dir, "template.db")
		s, err := openSQLite(context.Background(), sqliteTemplate.path)
		if err != nil {
			sqliteTemplate.err = err
			return
		}
		if _, err := s.Migrate(context.Background()); err != nil {
			sqliteTemplate.err = err
		}
		// Fold the WAL into the main file so that one file is a whole copy.
		if err := s.DB.Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error; err != nil && sqliteTemplate.err == nil {
			sqliteTemplate.err = err
		}
		_ = s.Close()
	})
	if sqliteTemplate.err != nil {
		t.Fatalf("storetest: migrate the sqlite template: %v", sqliteTemplate.err)
	}
	path := filepath.Join(t.TempDir(), "pacer.db")
	if err := copyFile(sqliteTemplate.path, path); err != nil {
		t.Fatalf("storetest: copy the sqlite template: %v", err)
	}
	return path
}

func openSQLite(ctx context.Context, path string) (*models.Store, error) {
	cfg := &config.Config{DataDir: filepath.Dir(path)}
	return models.Open(ctx, cfg, models.Options{SQLitePath: path})
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

// PostgresURL returns the URL of the Postgres server tests use.
func PostgresURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

var pgTemplate struct {
	once sync.Once
	name string
	err  error
}

// Postgres returns a migrated store on a database of its own, dropped when
// the test ends.
func Postgres(t testing.TB) *models.Store {
	t.Helper()
	return Open(t, models.DialectPostgres)
}

// PostgresDatabase creates a migrated database for the test and returns its
// URL; it is dropped when the test ends.
func PostgresDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, PostgresURL())
	if err != nil {
		unavailable(t, err)
	}
	defer admin.Close(context.Background())
	pgTemplate.once.Do(func() { pgTemplate.name, pgTemplate.err = ensureTemplate(ctx, admin) })
	if pgTemplate.err != nil {
		t.Fatalf("storetest: migrate the postgres template: %v", pgTemplate.err)
	}
	return createDatabase(t, pgTemplate.name)
}

// createDatabase creates a database, a copy of template unless it is empty,
// and drops it when the test ends.
func createDatabase(t testing.TB, template string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, PostgresURL())
	if err != nil {
		unavailable(t, err)
	}
	defer admin.Close(context.Background())
	name := "pacer_t_" + randomSuffix()
	create := "CREATE DATABASE " + name
	if template != "" {
		create += " TEMPLATE " + template
	}
	if _, err := admin.Exec(ctx, create); err != nil {
		t.Fatalf("storetest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if admin, err := pgx.Connect(ctx, PostgresURL()); err == nil {
			_, _ = admin.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
			_ = admin.Close(ctx)
		}
	})
	return withDatabase(PostgresURL(), name)
}

// EmptyPostgresDatabase creates an empty database (not migrated) for the
// test and returns its URL; it is dropped when the test ends.
func EmptyPostgresDatabase(t testing.TB) string {
	t.Helper()
	return createDatabase(t, "")
}

// ensureTemplate builds, once per schema, a migrated database that tests copy.
// Test binaries run in parallel: an advisory lock lets one build it, and the
// rename publishes it whole.
func ensureTemplate(ctx context.Context, admin *pgx.Conn) (string, error) {
	name := "pacer_tmpl_" + schemaHash()
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(7061636574)"); err != nil {
		return "", err
	}
	defer admin.Exec(context.Background(), "SELECT pg_advisory_unlock(7061636574)") //nolint:errcheck
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_building"
	if _, err := admin.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", building)); err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+building); err != nil {
		return "", err
	}
	s, err := models.Open(ctx, &config.Config{DatabaseURL: config.Secret(withDatabase(PostgresURL(), building))}, models.Options{})
	if err != nil {
		return "", err
	}
	_, err = s.Migrate(ctx)
	_ = s.Close()
	if err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", building, name)); err != nil {
		return "", err
	}
	return name, nil
}

// schemaHash names the template after the migrations it holds, so a new
// migration gets a new template.
func schemaHash() string {
	h := sha256.New()
	for _, m := range models.Migrations {
		fmt.Fprintf(h, "%d\x00%s\x00", m.Version, m.SQL)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func withDatabase(dsn, name string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	u.Path = "/" + name
	return u.String()
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// unavailable skips the test, loudly, when Postgres cannot be reached, and
// fails it on CI.
func unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("storetest: Postgres is required on CI but cannot be reached at TEST_DATABASE_URL or %s: %v", DefaultPostgresURL, err)
	}
	fmt.Fprintf(os.Stderr, "\n*** SKIPPING Postgres tests: no server at TEST_DATABASE_URL or %s (%v) ***\n\n", DefaultPostgresURL, err)
	t.Skipf("Postgres unavailable: %v", err)
}
