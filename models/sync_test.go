package models_test

import (
	"context"
	"testing"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

func TestSyncConfigKeepsState(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		cfg := &config.Config{
			Accounts:  []config.Account{{Name: "anna", Plan: "free", Timezone: "UTC"}},
			Campaigns: []config.Campaign{{Name: "cto", Account: "anna", Channel: "C1"}},
		}
		if err := s.SyncConfig(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		if err := s.DB.Model(&models.Account{}).Where("name = ?", "anna").Update("state", models.AccountPaused).Error; err != nil {
			t.Fatal(err)
		}
		cfg.Accounts[0].Plan = "premium"
		cfg.Campaigns[0].Channel = "C2"
		if err := s.SyncConfig(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		var a models.Account
		if err := s.DB.Where("name = ?", "anna").First(&a).Error; err != nil {
			t.Fatal(err)
		}
		if a.Plan != "premium" || a.State != models.AccountPaused {
			t.Errorf("account: got plan %q state %q, want premium and paused kept", a.Plan, a.State)
		}
		var c models.Campaign
		if err := s.DB.Where("name = ?", "cto").First(&c).Error; err != nil {
			t.Fatal(err)
		}
		if c.Channel != "C2" || c.AccountID != a.ID {
			t.Errorf("campaign: got %+v", c)
		}
		var n int64
		s.DB.Model(&models.Account{}).Count(&n)
		if n != 1 {
			t.Errorf("accounts: got %d rows, want 1", n)
		}
	})
}
