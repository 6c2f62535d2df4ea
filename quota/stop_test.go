package quota_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/quota"
)

// fleet is a team of accounts on one engine.
type fleet struct {
	ctx    context.Context
	store  *models.Store
	engine *quota.Engine
	clock  *clock
	ids    map[string]int64
}

func setupFleet(t *testing.T, s *models.Store, names ...string) *fleet {
	t.Helper()
	cfg := &config.Config{Timezone: "UTC"}
	for _, n := range names {
		cfg.Accounts = append(cfg.Accounts, config.Account{Name: n, Plan: "premium", Timezone: "UTC"})
	}
	ctx := context.Background()
	if err := s.SyncConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	c := &clock{now: monday10}
	f := &fleet{ctx: ctx, store: s, clock: c, ids: map[string]int64{},
		engine: quota.New(s, cfg, quota.Options{Now: c.Now, Rand: rand.New(rand.NewPCG(1, 2))})}
	var accounts []models.Account
	if err := s.DB.Find(&accounts).Error; err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts {
		f.ids[a.Name] = a.ID
	}
	return f
}

func (f *fleet) account(t *testing.T, name string) models.Account {
	t.Helper()
	var a models.Account
	if err := f.store.DB.Take(&a, f.ids[name]).Error; err != nil {
		t.Fatal(err)
	}
	return a
}

// states reads every account's state, "name=state" in name order.
func (f *fleet) states(t *testing.T) string {
	t.Helper()
	var accounts []models.Account
	if err := f.store.DB.Order("name").Find(&accounts).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range accounts {
		out = append(out, a.Name+"="+a.State)
	}
	return strings.Join(out, " ")
}

func (f *fleet) decisions(t *testing.T, kind string) []string {
	t.Helper()
	var ds []models.Decision
	if err := f.store.DB.Where("kind = ?", kind).Order("id").Find(&ds).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, d.UserID+": "+d.Detail)
	}
	return out
}

// TestStopAllAndResumeAll: stop all pauses every account that may act, and
// records one decision per account; an account paused by hand or waiting
// for a person is left as it is, and resume all resumes only what stop all
// paused. A second stop or resume changes nothing.
func TestStopAllAndResumeAll(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		f := setupFleet(t, s, "anna", "bob", "carl", "dora")
		if err := f.engine.Pause(f.ctx, f.ids["carl"], "U0CARLSLEAD", "holiday"); err != nil {
			t.Fatal(err)
		}
		if err := f.engine.SetNeedsHuman(f.ctx, f.ids["dora"], "checkpoint"); err != nil {
			t.Fatal(err)
		}

		got, err := f.engine.StopAll(f.ctx, "U0BOSS")
		if err != nil {
			t.Fatal(err)
		}
		if names := strings.Join(got.Changed, ","); names != "anna,bob" {
			t.Errorf("stopped %q, want anna,bob", names)
		}
		if len(got.Left) != 2 || got.Left[0].Name != "carl" || got.Left[1].Name != "dora" {
			t.Errorf("left as they were: %+v, want carl and dora", got.Left)
		}
		if s := f.states(t); s != "anna=paused bob=paused carl=paused dora=needs_human" {
			t.Errorf("after stop all: %s", s)
		}
		if a := f.account(t, "anna"); a.PausedBy != "U0BOSS" || a.StateReason != quota.StopReason {
			t.Errorf("anna is paused by %q for %q", a.PausedBy, a.StateReason)
		}
		if le := refusalOf(t, f, "bob"); le.Limit != quota.LimitAccountState || !errors.Is(le, quota.ErrAccountNotActive) {
			t.Errorf("bob's reservation after stop all: %v", le)
		}
		if again, err := f.engine.StopAll(f.ctx, "U0OTHER"); err != nil || len(again.Changed) != 0 {
			t.Errorf("a second stop all: %+v, %v; want nothing changed", again, err)
		}
		if d := f.decisions(t, models.DecisionPause); !slices.Equal(d, []string{"U0CARLSLEAD: account carl", "U0BOSS: account anna", "U0BOSS: account bob"}) {
			t.Errorf("pause decisions: %q", d)
		}

		got, err = f.engine.ResumeAll(f.ctx, "U0BOSS2")
		if err != nil {
			t.Fatal(err)
		}
		if names := strings.Join(got.Changed, ","); names != "anna,bob" {
			t.Errorf("resumed %q, want anna,bob", names)
		}
		if s := f.states(t); s != "anna=active bob=active carl=paused dora=needs_human" {
			t.Errorf("after resume all: %s", s)
		}
		if again, err := f.engine.ResumeAll(f.ctx, "U0BOSS2"); err != nil || len(again.Changed) != 0 {
			t.Errorf("a second resume all: %+v, %v; want nothing changed", again, err)
		}
		if d := f.decisions(t, models.DecisionResume); !slices.Equal(d, []string{"U0BOSS2: account anna", "U0BOSS2: account bob"}) {
			t.Errorf("resume decisions: %q", d)
		}
	})
}

// TestAPauseOutlastsARestriction: a restriction that ends while a person's
// pause holds does not resume the account; when the person resumes it, a
// restriction still running takes over until its end.
func TestAPauseOutlastsARestriction(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		f := setupFleet(t, s, "anna", "bob")
		until := monday10.Add(2 * time.Hour)
		// anna was restricted, then stopped; bob was stopped, then his
		// click in flight met LinkedIn's weekly limit.
		if err := f.engine.Restrict(f.ctx, f.ids["anna"], until, "weekly limit"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.engine.StopAll(f.ctx, "U0BOSS"); err != nil {
			t.Fatal(err)
		}
		if err := f.engine.Restrict(f.ctx, f.ids["bob"], until, "weekly limit"); err != nil {
			t.Fatal(err)
		}
		if s := f.states(t); s != "anna=paused bob=paused" {
			t.Fatalf("stopped, and restricted: %s", s)
		}

		// Resumed before the restriction ends: restricted until then.
		f.clock.Advance(time.Hour)
		if _, err := f.engine.ResumeAll(f.ctx, "U0BOSS"); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"anna", "bob"} {
			a := f.account(t, name)
			if a.State != models.AccountRestricted || a.RestrictedUntil == nil || !a.RestrictedUntil.Equal(until) {
				t.Errorf("%s resumed during the restriction: %s until %v, want restricted until %s", name, a.State, a.RestrictedUntil, until)
			}
		}

		// Stopped again; the restriction ends; nothing resumes by itself.
		if _, err := f.engine.StopAll(f.ctx, "U0BOSS"); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(2 * time.Hour)
		for _, name := range []string{"anna", "bob"} {
			if le := refusalOf(t, f, name); le.Limit != quota.LimitAccountState || !strings.Contains(le.Reason, "paused") {
				t.Errorf("%s after its restriction ended: %v, want still paused", name, le)
			}
		}
		if s := f.states(t); s != "anna=paused bob=paused" {
			t.Errorf("after the restriction's end: %s, want both still paused", s)
		}
		if _, err := f.engine.ResumeAll(f.ctx, "U0BOSS"); err != nil {
			t.Fatal(err)
		}
		if s := f.states(t); s != "anna=active bob=active" {
			t.Errorf("resumed after the restriction's end: %s", s)
		}
		if a := f.account(t, "anna"); a.RestrictedUntil != nil {
			t.Errorf("anna keeps a restriction that ended: %v", a.RestrictedUntil)
		}
	})
}

// refusalOf reserves an invitation for the account and returns the
// refusal it expects.
func refusalOf(t *testing.T, f *fleet, name string) *quota.LimitError {
	t.Helper()
	r, err := f.engine.Reserve(f.ctx, f.ids[name], quota.KindInvite)
	var le *quota.LimitError
	if !errors.As(err, &le) {
		t.Fatalf("reserve for %s: got %+v, %v; want a refusal", name, r, err)
	}
	return le
}
