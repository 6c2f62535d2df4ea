package models_test

import (
	"context"
	"errors"
	"testing"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

func TestRecordEventQueuesOneDeliveryPerSubscriber(t *testing.T) {
	cfg := &config.Config{
		HubSpot: config.HubSpot{Enabled: true},
		Webhooks: []config.Webhook{
			{Name: "crm", Events: []string{"invite.accepted"}},
			{Name: "audit", Events: []string{"proposal.approved"}},
		},
	}
	storetest.EachConfig(t, cfg, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		deliveries := func() map[string]int {
			var rows []struct{ Args string }
			if err := s.DB.Table("river_job").Select("CAST(args AS TEXT) AS args").Where("kind = ?", "delivery").Find(&rows).Error; err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, r := range rows {
				got[r.Args]++
			}
			return got
		}
		var accepted models.Event
		err := s.DB.Transaction(func(tx *gorm.DB) error {
			var err error
			accepted, err = s.RecordEvent(ctx, tx, "invite.accepted", models.EventRefs{},
				models.EventData{Prospect: &models.EventProspect{Slug: "ada"}, Account: "anna"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got := deliveries()
		if len(got) != 2 {
			t.Fatalf("invite.accepted: got deliveries %v, want hubspot and webhook:crm", got)
		}
		errRollback := errors.New("roll back")
		err = s.DB.Transaction(func(tx *gorm.DB) error {
			if _, err := s.RecordEvent(ctx, tx, "proposal.approved", models.EventRefs{}, models.EventData{}); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
		if got := deliveries(); len(got) != 2 {
			t.Errorf("after a rolled-back event: got deliveries %v, want the 2 from before", got)
		}
		var n int64
		s.DB.Model(&models.Event{}).Count(&n)
		if n != 1 {
			t.Errorf("events: got %d, want 1 (the rolled-back one must not exist)", n)
		}
		data, err := models.DecodeEventData(accepted)
		if err != nil || data.Prospect.Slug != "ada" || data.Account != "anna" {
			t.Errorf("payload: got %+v, %v", data, err)
		}
	})
}
