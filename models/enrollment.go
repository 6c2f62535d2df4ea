package models

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// DeferInOtherQueues moves a prospect who was just contacted (invited,
// found pending or connected) one priority step back in the queues of the
// campaigns other than exceptCampaignID (0: every campaign). They cannot
// be proposed now, and a proposer walks its queue in (priority, position)
// order and stops at its batch size: moved back, they are not walked past
// by every proposal, yet stay queued in case they become eligible again (a
// withdrawal more than 21 days old). It runs inside the caller's
// transaction.
func DeferInOtherQueues(tx *gorm.DB, prospectID, exceptCampaignID int64, now time.Time) error {
	err := tx.Model(&Enrollment{}).
		Where("prospect_id = ? AND state = ? AND campaign_id <> ?", prospectID, EnrollmentQueued, exceptCampaignID).
		Updates(map[string]any{"priority": gorm.Expr("priority + 1"), "updated_at": now.UTC()}).Error
	if err != nil {
		return fmt.Errorf("models: defer prospect %d in other queues: %w", prospectID, err)
	}
	return nil
}
