package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/pacerhq/pacer/integrations"
	"github.com/pacerhq/pacer/integrations/finder"
	"github.com/pacerhq/pacer/integrations/finder/hunter"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
)

// emailLookup records a finder's answer for an event, found or not, so that
// a delivery that runs again spends no second credit.
type emailLookup struct {
	EventID   string `gorm:"primaryKey"`
	Provider  string `gorm:"primaryKey"`
	Email     string
	Score     int
	CreatedAt time.Time
}

func (emailLookup) TableName() string { return "email_lookups" }

// scorer is a provider that tells its confidence (Hunter).
type scorer interface {
	Find(ctx context.Context, p finder.Person) (*hunter.Result, error)
}

// findEmail looks up the email of an accepted connection, for a campaign
// that finds emails with Hunter, and records email.found when one is found.
// The prospect's email is set in the same transaction.
func (s *Service) findEmail(ctx context.Context, job *river.Job[models.DeliveryArgs], ev models.Event) error {
	dest := models.DestinationHunter
	if ev.Type != string(pacertype.EventInviteAccepted) {
		return nil
	}
	d, err := models.DecodeEventData(ev)
	if err != nil {
		return s.giveUp(ctx, job.Attempt, ev, dest, fmt.Errorf("%w: %w", integrations.ErrPermanent, err), true)
	}
	if c, ok := s.cfg.Campaign(d.Campaign); !ok || c.FindEmail != pacertype.FinderHunter || d.Prospect == nil || d.Prospect.Email != "" {
		return nil // another campaign's connection, or the email is known
	}
	if s.finder == nil {
		return s.giveUp(ctx, job.Attempt, ev, dest,
			fmt.Errorf("%w: HUNTER_API_KEY is not set; set it, then run `pacer deliveries retry`", ErrNotConfigured), true)
	}
	provider := s.finder.Name()
	var looked int64
	if err := s.store.DB.WithContext(ctx).Model(&emailLookup{}).Where("event_id = ? AND provider = ?", ev.ID, provider).Count(&looked).Error; err != nil {
		return fmt.Errorf("delivery: read email lookups: %w", err)
	}
	if looked > 0 {
		return nil
	}
	if ev.ProspectID != nil {
		var p models.Prospect
		if err := s.store.DB.WithContext(ctx).Select("id", "email").Limit(1).Find(&p, *ev.ProspectID).Error; err != nil {
			return fmt.Errorf("delivery: read prospect: %w", err)
		}
		if p.Email != "" {
			return nil // found meanwhile, by another finder
		}
	}
	st, err := s.destinationState(ctx, dest)
	if err != nil {
		return err
	}
	if until := st.pausedUntil(s.now()); !until.IsZero() {
		return river.JobSnooze(s.until(until))
	}
	person := finder.Person{Slug: d.Prospect.Slug, ProfileURL: d.Prospect.ProfileURL,
		FirstName: d.Prospect.FirstName, LastName: d.Prospect.LastName, Company: d.Prospect.Company}
	email, score, err := s.lookup(ctx, person)
	if err != nil && !errors.Is(err, finder.ErrNotFound) {
		return s.failed(ctx, job.ID, job.Attempt, job.MaxAttempts, ev, dest, err, 0)
	}
	err = s.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.now().UTC()
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&emailLookup{EventID: ev.ID, Provider: provider,
			Email: email, Score: score, CreatedAt: now})
		if res.Error != nil {
			return fmt.Errorf("delivery: record the email lookup: %w", res.Error)
		}
		if res.RowsAffected == 0 || email == "" {
			return nil
		}
		if ev.ProspectID != nil {
			_, domain, _ := strings.Cut(email, "@")
			res := tx.Model(&models.Prospect{}).Where("id = ? AND email = ''", *ev.ProspectID).
				Updates(map[string]any{"email": email, "email_domain": strings.ToLower(domain), "updated_at": now})
			if res.Error != nil {
				return fmt.Errorf("delivery: set the prospect's email: %w", res.Error)
			}
			if res.RowsAffected == 0 {
				return nil // the prospect got an email meanwhile
			}
		}
		p := *d.Prospect
		p.Email = email
		_, err := s.store.RecordEvent(ctx, tx, pacertype.EventEmailFound, refsOf(ev),
			models.EventData{Prospect: &p, Account: d.Account, Campaign: d.Campaign, Source: provider, Score: score})
		return err
	})
	if err != nil {
		return err
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "email lookup done", slog.String("provider", provider),
		slog.String("event_id", ev.ID), slog.Bool("found", email != ""))
	return s.Resolved(ctx, dest, ev.ID)
}

// lookup asks the provider, with its score when it gives one.
func (s *Service) lookup(ctx context.Context, p finder.Person) (string, int, error) {
	if sc, ok := s.finder.(scorer); ok {
		r, err := sc.Find(ctx, p)
		if err != nil {
			return "", 0, err
		}
		return r.Email, r.Score, nil
	}
	email, err := s.finder.FindEmail(ctx, p)
	return email, 0, err
}
