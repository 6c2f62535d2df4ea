package quota_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/quota"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// bundle is what a stateful quota test works with (River's setup(t)).
type bundle struct {
	ctx     context.Context
	store   *models.Store
	cfg     *config.Config
	engine  *quota.Engine
	clock   *clock
	account int64
}

// monday10 is Monday 2 March 2026, 10:00 UTC: inside the default working
// hours of a UTC account.
var monday10 = time.Date(2026, time.March, 2, 10, 0, 0, 0, time.UTC)

// setup stores the account, and returns an engine over it with a test
// clock at start and a seeded jitter.
func setup(t testing.TB, s *models.Store, acct config.Account, start time.Time, opts ...func(*quota.Options)) *bundle {
	t.Helper()
	if acct.Name == "" {
		acct.Name = "anna"
	}
	if acct.Plan == "" {
		acct.Plan = "free"
	}
	if acct.Timezone == "" {
		acct.Timezone = "UTC"
	}
	cfg := &config.Config{Timezone: "UTC", Accounts: []config.Account{acct}}
	ctx := context.Background()
	if err := s.SyncConfig(ctx, cfg); err != nil {
		t.Fatalf("sync config: %v", err)
	}
	var id int64
	if err := s.DB.Table("accounts").Where("name = ?", acct.Name).Pluck("id", &id).Error; err != nil {
		t.Fatalf("account id: %v", err)
	}
	c := &clock{now: start}
	o := quota.Options{Now: c.Now, Rand: rand.New(rand.NewPCG(1, 2))}
	for _, f := range opts {
		f(&o)
	}
	return &bundle{ctx: ctx, store: s, cfg: cfg, engine: quota.New(s, cfg, o), clock: c, account: id}
}

// fill writes n used ledger entries of kind at the given time, directly:
// a fast way to use up quota before the call under test.
func (b *bundle) fill(t testing.TB, kind string, at time.Time, n int) {
	t.Helper()
	if n == 0 {
		return
	}
	rows := make([]models.QuotaEntry, n)
	for i := range rows {
		rows[i] = models.QuotaEntry{AccountID: b.account, Kind: kind, At: at.UTC(), State: models.QuotaUsed, ExpiresAt: at.UTC(), CreatedAt: at.UTC()}
	}
	if err := b.store.DB.CreateInBatches(rows, 200).Error; err != nil {
		t.Fatalf("fill %d %s: %v", n, kind, err)
	}
}

// reserveN reserves and commits n actions of kind at the clock's time and
// fails the test on any refusal.
func (b *bundle) reserveN(t testing.TB, kind string, n int) {
	t.Helper()
	for i := range n {
		r, err := b.engine.Reserve(b.ctx, b.account, kind)
		if err != nil {
			t.Fatalf("reserve %s #%d of %d: %v", kind, i+1, n, err)
		}
		if err := b.engine.Commit(b.ctx, r.ID); err != nil {
			t.Fatalf("commit: %v", err)
		}
	}
}

// refusal reserves once and returns the *LimitError it expects.
func (b *bundle) refusal(t testing.TB, kind string) *quota.LimitError {
	t.Helper()
	r, err := b.engine.Reserve(b.ctx, b.account, kind)
	var le *quota.LimitError
	if !errors.As(err, &le) {
		t.Fatalf("reserve %s: got reservation %+v, error %v; want a *LimitError", kind, r, err)
	}
	return le
}

// ledgerCount counts the account's ledger entries in a state ("" for all).
func (b *bundle) ledgerCount(t testing.TB, state string) int64 {
	t.Helper()
	q := b.store.DB.Model(&models.QuotaEntry{}).Where("account_id = ?", b.account)
	if state != "" {
		q = q.Where("state = ?", state)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func (b *bundle) setAccount(t testing.TB, updates map[string]any) {
	t.Helper()
	if err := b.store.DB.Table("accounts").Where("id = ?", b.account).Updates(updates).Error; err != nil {
		t.Fatal(err)
	}
}

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
