package quota_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/quota"
)

// twoHandles opens two stores on one fresh database, as two pacer
// processes would.
func twoHandles(t *testing.T, dialect string) (*models.Store, *models.Store) {
	t.Helper()
	ctx := context.Background()
	cfg := &config.Config{}
	opts := models.Options{}
	if dialect == models.DialectPostgres {
		cfg.DatabaseURL = config.Secret(storetest.PostgresDatabase(t))
	} else {
		opts.SQLitePath = storetest.SQLiteFile(t)
		cfg.DataDir = filepath.Dir(opts.SQLitePath)
	}
	var stores [2]*models.Store
	for i := range stores {
		s, err := models.Open(ctx, cfg, opts)
		if err != nil {
			t.Fatalf("open %s handle %d: %v", dialect, i, err)
		}
		t.Cleanup(func() { _ = s.Close() })
		stores[i] = s
	}
	return stores[0], stores[1]
}

// TestConcurrentReservationsNeverPassALimit races 20 goroutines on one
// store handle and 5 on a second handle (another process, as far as the
// database can tell) for one account's last 100 invitations of the week.
// The daily limit (40) lets at most 40 through a day, so the race runs
// over three days: exactly 40, 40 and 20 are granted, 100 in all.
func TestConcurrentReservationsNeverPassALimit(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{models.DialectSQLite, models.DialectPostgres} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			s1, s2 := twoHandles(t, dialect)
			acct := config.Account{Plan: "premium", Limits: config.Limits{InvitesPerDay: new(40)}} // 150 a week
			b := setup(t, s1, acct, monday10)
			b.fill(t, quota.KindInvite, monday10.Add(-3*24*time.Hour), 50)
			second := quota.New(s2, b.cfg, quota.Options{Now: b.clock.Now})
			engines := []*quota.Engine{b.engine, second}

			var total int
			for day, want := range []int{40, 40, 20} {
				b.clock.Set(monday10.Add(time.Duration(day) * 24 * time.Hour))
				var granted atomic.Int64
				var wg sync.WaitGroup
				errs := make(chan error, 25)
				for g := range 25 {
					engine := engines[0]
					if g >= 20 {
						engine = engines[1]
					}
					wg.Go(func() {
						for {
							r, err := engine.Reserve(context.Background(), b.account, quota.KindInvite)
							if errors.Is(err, quota.ErrLimit) {
								return
							}
							if err != nil {
								errs <- err
								return
							}
							granted.Add(1)
							if r.ID%2 == 0 {
								if err := engine.Commit(context.Background(), r.ID); err != nil {
									errs <- err
									return
								}
							}
						}
					})
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Fatalf("day %d: %v", day, err)
				}
				if got := int(granted.Load()); got != want {
					t.Errorf("day %d: %d granted, want exactly %d", day, got, want)
				}
				total += int(granted.Load())
			}
			if total != 100 {
				t.Errorf("%d of the last 100 granted, want exactly 100", total)
			}
			if le := b.refusal(t, quota.KindInvite); le.Limit != quota.LimitInvitesPerWeek || le.Used != 150 {
				t.Errorf("after the race: got %s %d/%d, want invites_per_week 150/150", le.Limit, le.Used, le.Max)
			}
		})
	}
}
