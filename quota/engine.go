package quota

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
)

// Options tune an Engine. The zero value is ready for production.
type Options struct {
	// Now is the clock; nil uses time.Now. Tests and the simulator inject
	// their own.
	Now func() time.Time
	// Rand seeds the pacer's jitter. Nil derives the seed from the
	// configuration's secret key (or, without one, its account names): every
	// process of one installation then plans the same slots, so any replica
	// or a restarted one agrees on NextSlot, while two installations do not
	// share a pattern. Tests and the simulator pass a seeded source.
	Rand *rand.Rand
	// Pace is PaceNormal (default) or PaceFast.
	Pace Pace
	// MinGap is the shortest time between two actions of an account;
	// default DefaultMinGap (FastGap at PaceFast).
	MinGap time.Duration
	// ReservationTTL is how long a reservation waits for its outcome before
	// it expires into used; default DefaultReservationTTL.
	ReservationTTL time.Duration
	// GuardMinDecided is how many decided invitations the acceptance guard
	// needs before it judges; default DefaultGuardMinDecided.
	GuardMinDecided int
	// Logger receives warnings; nil discards them.
	Logger *slog.Logger
}

// Defaults of Options.
const (
	DefaultReservationTTL  = 10 * time.Minute
	DefaultGuardMinDecided = 20
)

// Engine counts every action of Pacer's LinkedIn accounts against their
// limits, reserves quota atomically, and paces the actions. It is safe for
// concurrent use, and any number of engines (in any number of processes)
// may share one store.
type Engine struct {
	store   *models.Store
	cfg     *config.Config
	opts    Options
	planner planner
	// accounts holds each configured account's resolved settings, or the
	// error that makes them unusable.
	accounts map[string]accountSettings
}

type accountSettings struct {
	set *settings
	err error
}

// New returns an engine over the store for the configured accounts. An
// account whose settings cannot be used (unknown plan, timezone, working
// hours, an override above its ceiling) is refused by every call that
// names it, with an error naming the value.
func New(store *models.Store, cfg *config.Config, opts Options) *Engine {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.New(rand.NewPCG(installationSeed(cfg), 0x9ace))
	}
	if opts.Pace == "" {
		opts.Pace = PaceNormal
	}
	if opts.MinGap <= 0 {
		opts.MinGap = DefaultMinGap
		if opts.Pace == PaceFast {
			opts.MinGap = FastGap
		}
	}
	if opts.ReservationTTL <= 0 {
		opts.ReservationTTL = DefaultReservationTTL
	}
	if opts.GuardMinDecided <= 0 {
		opts.GuardMinDecided = DefaultGuardMinDecided
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Engine{
		store:    store,
		cfg:      cfg,
		opts:     opts,
		planner:  planner{pace: opts.Pace, minGap: opts.MinGap, salt: opts.Rand.Uint64()},
		accounts: make(map[string]accountSettings, len(cfg.Accounts)),
	}
	for _, a := range cfg.Accounts {
		set, err := resolve(a)
		e.accounts[a.Name] = accountSettings{set: set, err: err}
	}
	return e
}

// installationSeed is stable for one installation: a hash of its secret
// key, or of its accounts when no key is set.
func installationSeed(cfg *config.Config) uint64 {
	h := sha256.New()
	h.Write([]byte("pacer quota jitter\x00"))
	if key := cfg.SecretKey.Value(); key != "" {
		h.Write([]byte(key))
	} else {
		for _, a := range cfg.Accounts {
			h.Write([]byte(a.Name + "\x00" + a.Plan + "\x00"))
		}
	}
	return binary.BigEndian.Uint64(h.Sum(nil))
}

// now reads the clock in UTC, to the microsecond both stores keep.
func (e *Engine) now() time.Time { return e.opts.Now().UTC().Truncate(time.Microsecond) }

// settingsFor returns a configured account's settings.
func (e *Engine) settingsFor(name string, id int64) (*settings, error) {
	as, ok := e.accounts[name]
	if !ok {
		return nil, fmt.Errorf("%w: account %q (id %d) is not in the configuration; add it under accounts", ErrUnknownAccount, name, id)
	}
	return as.set, as.err
}

// accountColumns are the columns of accountRow.
const accountColumns = "id, name, state, state_reason, restricted_until, paused_by, guard, notes_left, " +
	"notes_left_month, notes_left_at, connections, pending_invites, invite_window_start, last_acted_at, connections_read_at"

// loadAccount reads an account; with lock it takes the account's row lock
// until tx ends (Postgres; SQLite's immediate transactions already hold the
// database's write lock).
func (e *Engine) loadAccount(ctx context.Context, tx *gorm.DB, id int64, lock bool) (accountRow, error) {
	var row accountRow
	q := tx.WithContext(ctx).Table("accounts").Select(accountColumns).Where("id = ?", id)
	if lock && e.store.Dialect == models.DialectPostgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, fmt.Errorf("%w: no account has the id %d", ErrUnknownAccount, id)
	}
	if err != nil {
		return row, fmt.Errorf("quota: read account %d: %w", id, err)
	}
	return row, nil
}

// ledgerRow is what a snapshot reads of a ledger entry.
type ledgerRow struct {
	Kind      string
	At        time.Time
	State     string
	ExpiresAt time.Time
}

// lookBack is how far before now a snapshot reads the ledger: a week, and
// a day more for the local day that holds the week's start.
const lookBack = Week + 25*time.Hour

// loadSnapshot reads an account and its counted entries as of now. Notes
// are read (from the start of the month) only when withNotes is set.
func (e *Engine) loadSnapshot(ctx context.Context, tx *gorm.DB, id int64, now time.Time, lock, withNotes bool) (*snapshot, error) {
	acct, err := e.loadAccount(ctx, tx, id, lock)
	if err != nil {
		return nil, err
	}
	set, err := e.settingsFor(acct.Name, id)
	if err != nil {
		return nil, err
	}
	snap := newSnapshot(set, acct)
	var rows []ledgerRow
	err = tx.WithContext(ctx).Model(&models.QuotaEntry{}).Select("kind, at, state, expires_at").
		Where("account_id = ? AND kind IN ? AND at >= ? AND state <> ?", id, actionKinds, now.Add(-lookBack), models.QuotaReleased).
		Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("quota: read the ledger of %s: %w", acct.Name, err)
	}
	if withNotes {
		var notes []ledgerRow
		err = tx.WithContext(ctx).Model(&models.QuotaEntry{}).Select("kind, at, state, expires_at").
			Where("account_id = ? AND kind = ? AND at >= ? AND state <> ?", id, KindNote, set.monthStart(now), models.QuotaReleased).
			Find(&notes).Error
		if err != nil {
			return nil, fmt.Errorf("quota: read the notes of %s: %w", acct.Name, err)
		}
		rows = append(rows, notes...)
	}
	for _, r := range rows {
		snap.load(r.Kind, r.At)
		if r.Kind == KindInvite && r.State == models.QuotaReserved && r.ExpiresAt.After(now) {
			snap.inFlight++
		}
	}
	snap.sort()
	return snap, nil
}

// NextSlot returns the earliest time at or after now when the next action
// of kind may run for the account: inside its working hours, within the
// day's share of what is left of the week, at a random point of its
// sub-slot of the day, at least MinGap after the account's last action.
// The runner claims an action only once now ≥ NextSlot. Asking again
// without a new action in between gives the same answer.
//
// When no time frees the account (it is paused, needs a human, the
// acceptance guard paused inviting, pending invitations or connections are
// at their ceiling) it returns that refusal, a *LimitError.
func (e *Engine) NextSlot(ctx context.Context, accountID int64, kind string, now time.Time) (time.Time, error) {
	if err := CheckKind(kind); err != nil {
		return time.Time{}, err
	}
	snap, err := e.loadSnapshot(ctx, e.store.DB, accountID, now, false, kind == KindNote)
	if err != nil {
		return time.Time{}, err
	}
	return e.planner.next(snap, kind, now)
}

// Location returns the account's timezone, for callers that show its days.
func (e *Engine) Location(name string) (*time.Location, error) {
	set, err := e.settingsFor(name, 0)
	if err != nil {
		return nil, err
	}
	return set.loc, nil
}

// NoteLimit returns the longest note, in characters, the account may send.
func (e *Engine) NoteLimit(name string) (int, error) {
	set, err := e.settingsFor(name, 0)
	if err != nil {
		return 0, err
	}
	return set.noteLength, nil
}
