package campaign

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/models"
)

// Pause holds a campaign: the runner sends nothing of it and the proposer
// proposes nothing for it until Resume. Who paused it is kept on the
// campaign and in the audit trail, in one transaction.
func Pause(ctx context.Context, store *models.Store, name, userID string, now time.Time) error {
	return setState(ctx, store, name, models.CampaignPaused, models.DecisionPause, userID, now)
}

// Resume undoes Pause.
func Resume(ctx context.Context, store *models.Store, name, userID string, now time.Time) error {
	return setState(ctx, store, name, models.CampaignActive, models.DecisionResume, userID, now)
}

func setState(ctx context.Context, store *models.Store, name, state, kind, userID string, now time.Time) error {
	pausedBy := ""
	if state == models.CampaignPaused {
		pausedBy = userID
	}
	now = now.UTC()
	return store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.Campaign{}).Where("name = ?", name).
			Updates(map[string]any{"state": state, "paused_by": pausedBy, "updated_at": now})
		if res.Error != nil {
			return fmt.Errorf("campaign: %s campaign %s: %w", kind, name, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("campaign: campaign %s is not in the database yet; restart `pacer serve` to sync the configuration", name)
		}
		d := models.Decision{UserID: userID, Kind: kind, Detail: models.PauseDetail(models.PausedCampaign, name), At: now}
		if err := tx.Create(&d).Error; err != nil {
			return fmt.Errorf("campaign: record the %s of campaign %s: %w", kind, name, err)
		}
		return nil
	})
}
