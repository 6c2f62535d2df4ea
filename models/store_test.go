package models_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

type pingArgs struct{ N int }

func (pingArgs) Kind() string { return "test_ping" }

func countJobs(t *testing.T, s *models.Store) int64 {
	t.Helper()
	var n int64
	if err := s.DB.Table("river_job").Where("kind = ?", "test_ping").Count(&n).Error; err != nil {
		t.Fatalf("count jobs: %v", err)
	}
	return n
}

func TestInsertJobFollowsTheTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		errRollback := errors.New("roll back")
		err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := s.InsertJob(ctx, tx, pingArgs{N: 1}, nil); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("transaction: got %v", err)
		}
		if got := countJobs(t, s); got != 0 {
			t.Fatalf("after rollback: got %d jobs, want 0", got)
		}
		err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return s.InsertJob(ctx, tx, pingArgs{N: 2}, nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := countJobs(t, s); got != 1 {
			t.Fatalf("after commit: got %d jobs, want 1", got)
		}
		if err := s.InsertJob(ctx, s.DB, pingArgs{}, nil); !errors.Is(err, models.ErrNotInTx) {
			t.Errorf("outside a transaction: got %v, want ErrNotInTx", err)
		}
	})
}

func TestMigrateTwiceChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		applied, err := s.Migrate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Errorf("second migration applied %v, want nothing", applied)
		}
		if err := s.Ready(context.Background()); err != nil {
			t.Errorf("Ready: %v", err)
		}
	})
}

func TestMigrateEmptySQLiteFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := &config.Config{DataDir: dir}
	s, err := models.Open(context.Background(), cfg, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Ready(context.Background()); !errors.Is(err, models.ErrNotMigrated) {
		t.Errorf("Ready before migrate: got %v, want ErrNotMigrated", err)
	}
	applied, err := s.Migrate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) < 2 || applied[0] != "pacer 1" || !strings.HasPrefix(applied[len(applied)-1], "river ") {
		t.Errorf("first migration applied %v", applied)
	}
	if _, err := os.Stat(filepath.Join(dir, "pacer.db")); err != nil {
		t.Errorf("the database file is not in the data dir: %v", err)
	}
}

func TestOpenRefusesUnwritableDataDir(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := models.Open(context.Background(), &config.Config{DataDir: filepath.Join(file, "sub")}, models.Options{})
	if !errors.Is(err, models.ErrDataDir) {
		t.Errorf("got %v, want ErrDataDir", err)
	}
}

func TestOpenUnreachablePostgresHidesThePassword(t *testing.T) {
	t.Parallel()
	cfg := &config.Config{DatabaseURL: "postgres://pacer:hunter2@127.0.0.1:1/pacer?connect_timeout=2"}
	_, err := models.Open(context.Background(), cfg, models.Options{})
	if !errors.Is(err, models.ErrUnreachable) {
		t.Fatalf("got %v, want ErrUnreachable", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the error repeats the password: %v", err)
	}
}

func seedAccountAndCampaign(t *testing.T, s *models.Store) (models.Account, models.Campaign) {
	t.Helper()
	a := models.Account{Name: "anna", Plan: "free", Timezone: "Europe/Berlin", State: models.AccountActive}
	if err := s.DB.Create(&a).Error; err != nil {
		t.Fatal(err)
	}
	c := models.Campaign{Name: "cto", AccountID: a.ID, Channel: "C1", State: models.CampaignActive}
	if err := s.DB.Create(&c).Error; err != nil {
		t.Fatal(err)
	}
	return a, c
}

func TestOneOpenProposalAndOneDecision(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		a, c := seedAccountAndCampaign(t, s)
		p1 := models.Proposal{CampaignID: c.ID, AccountID: a.ID, State: models.ProposalOpen, Version: 1}
		if err := s.DB.Create(&p1).Error; err != nil {
			t.Fatal(err)
		}
		p2 := models.Proposal{CampaignID: c.ID, AccountID: a.ID, State: models.ProposalOpen, Version: 1}
		if err := s.DB.Create(&p2).Error; !errors.Is(err, gorm.ErrDuplicatedKey) {
			t.Errorf("second open proposal: got %v, want ErrDuplicatedKey", err)
		}
		d := func(user, kind string) error {
			return s.DB.Create(&models.Decision{ProposalID: &p1.ID, UserID: user, Kind: kind, At: time.Now()}).Error
		}
		if err := d("U1", models.DecisionApprove); err != nil {
			t.Fatal(err)
		}
		if err := d("U2", models.DecisionReject); !errors.Is(err, gorm.ErrDuplicatedKey) {
			t.Errorf("second settling decision: got %v, want ErrDuplicatedKey", err)
		}
		if err := d("U2", models.DecisionSkip); err != nil {
			t.Errorf("a skip is not a settling decision: %v", err)
		}
	})
}

// TestTimesCompareInUTC stores times given in several zones and checks that
// SQL orders and compares them as instants.
func TestTimesCompareInUTC(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		a, _ := seedAccountAndCampaign(t, s)
		base := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC)
		tokyo, _ := time.LoadLocation("Asia/Tokyo")
		la, _ := time.LoadLocation("America/Los_Angeles")
		// Instants: base+2h (in Tokyo), base+1h (in LA), base (UTC).
		for _, at := range []time.Time{base.Add(2 * time.Hour).In(tokyo), base.Add(time.Hour).In(la), base} {
			e := models.QuotaEntry{AccountID: a.ID, Kind: "invite", At: at, State: models.QuotaUsed, ExpiresAt: at}
			if err := s.DB.Create(&e).Error; err != nil {
				t.Fatal(err)
			}
		}
		var got []models.QuotaEntry
		if err := s.DB.Where("at > ?", base.Add(30*time.Minute).In(tokyo)).Order("at").Find(&got).Error; err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || !got[0].At.Equal(base.Add(time.Hour)) || !got[1].At.Equal(base.Add(2*time.Hour)) {
			t.Errorf("got %v, want the two later instants in order", got)
		}
	})
}
