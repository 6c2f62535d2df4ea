package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/pacerhq/pacer/config"
)

// Dialects.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// Errors a caller can match with errors.Is.
var (
	ErrUnreachable  = errors.New("models: the database cannot be reached")
	ErrDataDir      = errors.New("models: the data directory cannot be written")
	ErrNotInTx      = errors.New("models: InsertJob must be called inside a transaction")
	ErrNotMigrated  = errors.New("models: the database is not migrated; run `pacer migrate`")
	ErrBadDatabase  = errors.New("models: DATABASE_URL cannot be used")
	errClosedDriver = errors.New("models: store is closed")
)

// Store is Pacer's database: gorm for Pacer's tables and River for jobs,
// both on one *sql.DB.
type Store struct {
	// DB is the gorm handle. Use DB.WithContext(ctx) in every query.
	DB *gorm.DB
	// SQL is the pool under DB, shared with River.
	SQL *sql.DB
	// Dialect is DialectSQLite or DialectPostgres.
	Dialect string

	driver   riverdriver.Driver[*sql.Tx]
	listener *pgxpool.Pool
	inserter *river.Client[*sql.Tx]
	logger   *slog.Logger
	// subscriptions say which destinations receive which events.
	subscriptions Subscriptions
}

// Options tune Open.
type Options struct {
	// Logger receives River's logs; nil discards them.
	Logger *slog.Logger
	// SQLitePath overrides the SQLite file (tests); empty uses the config's.
	SQLitePath string
}

// Open connects to the database the configuration names: Postgres when
// DatabaseURL is a postgres:// URL, otherwise SQLite in DataDir. It checks
// the connection but does not migrate.
func Open(ctx context.Context, cfg *config.Config, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Store{logger: opts.Logger, subscriptions: SubscriptionsFrom(cfg)}
	gormConfig := &gorm.Config{
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		SkipDefaultTransaction: true,
		TranslateError:         true,
		// Open pings with a deadline of its own rather than gorm's unbounded one.
		DisableAutomaticPing: true,
	}
	var err error
	if cfg.UsesPostgres() {
		err = s.openPostgres(ctx, cfg.DatabaseURL.Value(), gormConfig)
	} else {
		path := opts.SQLitePath
		if path == "" {
			path = cfg.SQLitePath()
		}
		err = s.openSQLite(ctx, path, gormConfig)
	}
	if err != nil {
		return nil, err
	}
	s.inserter, err = river.NewClient(s.driver, &river.Config{Logger: s.logger})
	if err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("models: start the job inserter: %w", err)
	}
	return s, nil
}

func (s *Store) openPostgres(ctx context.Context, dsn string, gormConfig *gorm.Config) error {
	s.Dialect = DialectPostgres
	if _, err := url.Parse(dsn); err != nil {
		return fmt.Errorf("%w: it is not a valid postgres:// URL", ErrBadDatabase)
	}
	db, err := gorm.Open(postgres.Open(dsn), gormConfig)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrUnreachable, safeDBError(err, dsn))
	}
	s.DB = db
	if s.SQL, err = db.DB(); err != nil {
		return fmt.Errorf("%w: %s", ErrUnreachable, safeDBError(err, dsn))
	}
	s.SQL.SetMaxOpenConns(20)
	s.SQL.SetConnMaxIdleTime(5 * time.Minute)
	if err := s.ping(ctx); err != nil {
		_ = s.SQL.Close()
		return fmt.Errorf("%w: %s", ErrUnreachable, safeDBError(err, dsn))
	}
	// River's LISTEN/NOTIFY needs a pgx pool of its own; a small one.
	poolConfig, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		_ = s.SQL.Close()
		return fmt.Errorf("%w: %s", ErrBadDatabase, safeDBError(err, dsn))
	}
	poolConfig.MaxConns = 2
	if s.listener, err = pgxpool.NewWithConfig(ctx, poolConfig); err != nil {
		_ = s.SQL.Close()
		return fmt.Errorf("%w: %s", ErrUnreachable, safeDBError(err, dsn))
	}
	s.driver = riverdatabasesql.NewWithPgxListener(s.SQL, s.listener)
	return nil
}

func (s *Store) openSQLite(ctx context.Context, path string, gormConfig *gorm.Config) error {
	s.Dialect = DialectSQLite
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrDataDir, filepath.Dir(path), errors.Unwrap(err))
	}
	if err := checkWritable(filepath.Dir(path)); err != nil {
		return err
	}
	// WAL lets readers work during a write; immediate transactions take the
	// write lock up front, so two writers queue on busy_timeout instead of
	// failing with SQLITE_BUSY when one upgrades a read lock.
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(15000)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := gorm.Open(sqlite.Dialector{DriverName: sqliteDriverName, DSN: dsn}, gormConfig)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUnreachable, path, err)
	}
	s.DB = db
	if s.SQL, err = db.DB(); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUnreachable, path, err)
	}
	s.SQL.SetMaxOpenConns(8)
	if err := s.ping(ctx); err != nil {
		_ = s.SQL.Close()
		return fmt.Errorf("%w: %s: %v", ErrUnreachable, path, err)
	}
	s.driver = riversqlite.New(s.SQL)
	return nil
}

func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".pacer-write-check-*")
	if err != nil {
		return fmt.Errorf("%w: %s: %v; set PACER_DATA_DIR to a writable directory", ErrDataDir, dir, errors.Unwrap(err))
	}
	name := f.Name()
	_ = f.Close()
	return os.Remove(name)
}

// safeDBError keeps a database error from repeating the password of the URL.
func safeDBError(err error, dsn string) string {
	// pgx lists each address tried on its own line; errors here are one line.
	msg := strings.Join(strings.Fields(err.Error()), " ")
	if u, perr := url.Parse(dsn); perr == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "[redacted]")
		}
	}
	return msg
}

func (s *Store) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return s.SQL.PingContext(ctx)
}

// Close releases the database connections.
// Now reads the database's clock. Times that several processes compare,
// such as the end of an account's lease, are taken from it, so that they
// never depend on the nodes' clocks agreeing. SQLite lives on one machine:
// its clock is this process's.
func (s *Store) Now(ctx context.Context) (time.Time, error) {
	if s.Dialect != DialectPostgres {
		return time.Now().UTC().Truncate(time.Microsecond), nil
	}
	var now time.Time
	if err := s.DB.WithContext(ctx).Raw("SELECT clock_timestamp()").Scan(&now).Error; err != nil {
		return time.Time{}, fmt.Errorf("models: read the database's clock: %w", err)
	}
	return now.UTC(), nil
}

func (s *Store) Close() error {
	if s.listener != nil {
		s.listener.Close()
	}
	if s.SQL == nil {
		return errClosedDriver
	}
	return s.SQL.Close()
}

// Migrate applies Pacer's pending migrations, then River's. Running it again
// changes nothing. It returns what it applied, for `pacer migrate`.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	versions, err := s.migrate(ctx)
	var done []string
	for _, v := range versions {
		done = append(done, fmt.Sprintf("pacer %d", v))
	}
	if err != nil {
		return done, err
	}
	migrator, err := rivermigrate.New(s.driver, &rivermigrate.Config{Logger: s.logger})
	if err != nil {
		return done, fmt.Errorf("models: river migrations: %w", err)
	}
	res, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return done, fmt.Errorf("models: river migrations: %w", err)
	}
	for _, v := range res.Versions {
		done = append(done, fmt.Sprintf("river %d", v.Version))
	}
	return done, nil
}

// Ready reports whether the database answers and every migration (Pacer's
// and River's) is applied; its error says which is missing.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.ping(ctx); err != nil {
		return fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	status, err := s.migrationStatus(ctx)
	if err != nil {
		return err
	}
	if !status.Current() {
		return fmt.Errorf("%w (%d of %d Pacer migrations applied)", ErrNotMigrated, status.Applied, status.Known)
	}
	migrator, err := rivermigrate.New(s.driver, &rivermigrate.Config{Logger: s.logger})
	if err != nil {
		return fmt.Errorf("models: river migrations: %w", err)
	}
	res, err := migrator.Validate(ctx, nil)
	if err != nil {
		return fmt.Errorf("models: river migrations: %w", err)
	}
	if !res.OK {
		return fmt.Errorf("%w (river: %s)", ErrNotMigrated, strings.Join(res.Messages, "; "))
	}
	return nil
}

// InsertJob enqueues a River job inside the gorm transaction tx, so that the
// job exists if and only if the transaction commits.
func (s *Store) InsertJob(ctx context.Context, tx *gorm.DB, args river.JobArgs, opts *river.InsertOpts) error {
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return ErrNotInTx
	}
	if _, err := s.inserter.InsertTx(ctx, sqlTx, args, opts); err != nil {
		return fmt.Errorf("models: insert %s job: %w", args.Kind(), err)
	}
	return nil
}

// NewJobClient builds the River client that works jobs, on the store's pool.
// It keeps discarded jobs forever, so a job that exhausted its retries stays
// visible until a person retries or deletes it.
func (s *Store) NewJobClient(rc *river.Config) (*river.Client[*sql.Tx], error) {
	if rc.Logger == nil {
		rc.Logger = s.logger
	}
	rc.DiscardedJobRetentionPeriod = -1
	client, err := river.NewClient(s.driver, rc)
	if err != nil {
		return nil, fmt.Errorf("models: start the job client: %w", err)
	}
	return client, nil
}
