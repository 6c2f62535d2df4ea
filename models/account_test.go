package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

func TestSaveSessionClearsOnlyARejectedSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		rejected := models.Account{Name: "anna", Plan: "free", Timezone: "UTC", State: models.AccountNeedsHuman, StateReason: models.ReasonSessionRejected}
		checkpoint := models.Account{Name: "ben", Plan: "free", Timezone: "UTC", State: models.AccountNeedsHuman, StateReason: "security checkpoint"}
		for _, a := range []*models.Account{&rejected, &checkpoint} {
			if err := s.DB.Create(a).Error; err != nil {
				t.Fatal(err)
			}
			if err := s.SaveSession(ctx, a.ID, []byte("sealed")); err != nil {
				t.Fatal(err)
			}
		}
		got, _ := s.AccountByName(ctx, "anna")
		if got.State != models.AccountActive || string(got.SessionSealed) != "sealed" || got.SessionUpdatedAt == nil {
			t.Errorf("anna: got state %q session %q; want active with the new session", got.State, got.SessionSealed)
		}
		got, _ = s.AccountByName(ctx, "ben")
		if got.State != models.AccountNeedsHuman {
			t.Errorf("ben: a new session must not clear a checkpoint; got state %q", got.State)
		}
		_, err := s.AccountByName(ctx, "zoe")
		if !errors.Is(err, models.ErrUnknownAccount) || !strings.Contains(err.Error(), "[anna ben]") {
			t.Errorf("unknown account: got %v", err)
		}
	})
}
