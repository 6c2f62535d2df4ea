package hubspotsync

import (
	"context"
	"errors"
	"log/slog"

	"github.com/pacerhq/pacer/integrations/hubspot"
)

// setStages moves the contacts of the updates that carry a lifecycle stage
// (replies, when hubspot.reply_lifecycle_stage is set) to it, one call
// each: replies are few, and HubSpot refuses a whole batch update for one
// contact it will not move. Setting a stage again is harmless, so a failed
// call is simply retried. A stage HubSpot refuses (it never moves a
// contact's stage backwards: a customer who replies stays a customer) is
// logged, and the update is done.
func (s *Service) setStages(ctx context.Context, rows []*Update) {
	for _, r := range rows {
		if r.State != updateStage || r.failed || ctx.Err() != nil {
			continue
		}
		err := s.hubspot.SetLifecycleStage(ctx, r.ContactID, r.LifecycleStage)
		switch {
		case err == nil:
		case errors.Is(err, hubspot.ErrLifecycleStageKept):
			s.log.LogAttrs(ctx, slog.LevelWarn, "HubSpot kept the contact's lifecycle stage", slog.String("event", r.EventID),
				slog.String("contact", r.ContactID), slog.String("stage", r.LifecycleStage), slog.String("error", err.Error()))
		default:
			s.pauseOnRateLimit(ctx, err)
			s.fail(r, err)
			continue
		}
		r.State = r.stateAfter(updateStage)
	}
}
