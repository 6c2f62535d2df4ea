package models

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/config"
)

// SyncConfig makes the stored accounts and campaigns match the
// configuration: new ones are created, existing ones take the file's plan,
// timezone, account and channel. Their state (paused, restricted…) is kept,
// and nothing is deleted: a campaign removed from the file keeps its history.
func (s *Store) SyncConfig(ctx context.Context, cfg *config.Config) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ids := map[string]int64{}
		for _, a := range cfg.Accounts {
			var row Account
			err := tx.Where("name = ?", a.Name).First(&row).Error
			switch {
			case errors.Is(err, gorm.ErrRecordNotFound):
				row = Account{Name: a.Name, Plan: a.Plan, Timezone: a.Timezone, State: AccountActive}
				if err := tx.Create(&row).Error; err != nil {
					return fmt.Errorf("models: create account %s: %w", a.Name, err)
				}
			case err != nil:
				return fmt.Errorf("models: read account %s: %w", a.Name, err)
			default:
				if err := tx.Model(&row).Updates(map[string]any{"plan": a.Plan, "timezone": a.Timezone}).Error; err != nil {
					return fmt.Errorf("models: update account %s: %w", a.Name, err)
				}
			}
			ids[a.Name] = row.ID
		}
		for _, c := range cfg.Campaigns {
			senders := c.SenderNames()
			if len(senders) == 0 {
				return fmt.Errorf("models: campaign %s has no sending account; set account or senders", c.Name)
			}
			// The first sender is the campaign's primary account.
			accountID, ok := ids[senders[0]]
			if !ok {
				return fmt.Errorf("models: campaign %s names the unknown account %q", c.Name, senders[0])
			}
			var row Campaign
			err := tx.Where("name = ?", c.Name).First(&row).Error
			switch {
			case errors.Is(err, gorm.ErrRecordNotFound):
				row = Campaign{Name: c.Name, AccountID: accountID, Channel: c.Channel, State: CampaignActive}
				if err := tx.Create(&row).Error; err != nil {
					return fmt.Errorf("models: create campaign %s: %w", c.Name, err)
				}
			case err != nil:
				return fmt.Errorf("models: read campaign %s: %w", c.Name, err)
			default:
				if err := tx.Model(&row).Updates(map[string]any{"account_id": accountID, "channel": c.Channel}).Error; err != nil {
					return fmt.Errorf("models: update campaign %s: %w", c.Name, err)
				}
			}
		}
		return nil
	})
}
