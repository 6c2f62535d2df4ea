package campaign

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/pacerhq/pacer/models"
)

// ErrBadSuppression: the value is not a profile URL, slug, email address or
// email domain.
var ErrBadSuppression = errors.New("campaign: not a profile URL, slug, email address or email domain")

// ParseSuppression reads an entry of the do-not-contact list as a person
// writes it:
//
//   - a profile URL (https://www.linkedin.com/in/ada-lovelace/) or a slug
//     (ada-lovelace): that member;
//   - an email address (ada@acme.com): whoever was imported with it;
//   - an email domain, "@acme.com" or "acme.com": everyone imported with an
//     address at that domain or one of its subdomains.
//
// A slug has no dot (LinkedIn allows only letters, digits and hyphens), so
// "acme.com" is always a domain.
func ParseSuppression(value string) (models.Suppression, error) {
	v := strings.TrimSpace(value)
	lower := strings.ToLower(v)
	switch {
	case v == "":
		return models.Suppression{}, fmt.Errorf("%w: the value is empty", ErrBadSuppression)
	case strings.Contains(lower, "linkedin.com") || strings.Contains(v, "/"):
		p, err := ParseProfileURL(v)
		if err != nil {
			return models.Suppression{}, fmt.Errorf("%w: %q: %s", ErrBadSuppression, v, reasonOf(err))
		}
		return models.Suppression{Kind: models.SuppressSlug, Value: p.Slug}, nil
	case strings.HasPrefix(v, "@"):
		d, ok := normalizeDomain(v[1:])
		if !ok {
			return models.Suppression{}, fmt.Errorf("%w: %q is not an email domain like @acme.com", ErrBadSuppression, v)
		}
		return models.Suppression{Kind: models.SuppressDomain, Value: d}, nil
	case strings.Contains(v, "@"):
		email, _ := normalizeEmail(v)
		if email == "" {
			return models.Suppression{}, fmt.Errorf("%w: %q is not an email address like ada@acme.com", ErrBadSuppression, v)
		}
		return models.Suppression{Kind: models.SuppressEmail, Value: email}, nil
	case strings.Contains(v, "."):
		d, ok := normalizeDomain(v)
		if !ok {
			return models.Suppression{}, fmt.Errorf("%w: %q is not an email domain like acme.com", ErrBadSuppression, v)
		}
		return models.Suppression{Kind: models.SuppressDomain, Value: d}, nil
	default:
		p, err := profileFromSlug(v)
		if err != nil {
			return models.Suppression{}, fmt.Errorf("%w: %q: %s", ErrBadSuppression, v, reasonOf(err))
		}
		return models.Suppression{Kind: models.SuppressSlug, Value: p.Slug}, nil
	}
}

func normalizeDomain(s string) (string, bool) {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	if !strings.Contains(d, ".") || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") || strings.Contains(d, "..") {
		return "", false
	}
	for _, r := range d {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r > 127) {
			return "", false
		}
	}
	return d, true
}

// SuppressResult says what Suppress did with each value.
type SuppressResult struct {
	Entry models.Suppression
	// Added is false when the entry was already on the list.
	Added bool
}

// Suppress adds values (see ParseSuppression) to the do-not-contact list. It
// checks every value first and adds nothing when one is not understood.
// reason and by are kept with each entry (by is a Slack user ID or "cli:"
// and the local user name).
func Suppress(ctx context.Context, s *models.Store, values []string, reason, by string, now time.Time) ([]SuppressResult, error) {
	entries, err := parseSuppressions(values)
	if err != nil {
		return nil, err
	}
	out := make([]SuppressResult, 0, len(entries))
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		out = out[:0]
		for _, e := range entries {
			e.Reason, e.CreatedBy, e.CreatedAt = reason, by, now.UTC()
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&e)
			if res.Error != nil {
				return fmt.Errorf("campaign: suppress %s %s: %w", e.Kind, e.Value, res.Error)
			}
			out = append(out, SuppressResult{Entry: e, Added: res.RowsAffected > 0})
		}
		return nil
	})
	return out, err
}

// Unsuppress removes values from the do-not-contact list and returns the
// entries it removed; a value not on the list is not an error.
func Unsuppress(ctx context.Context, s *models.Store, values []string) ([]models.Suppression, error) {
	entries, err := parseSuppressions(values)
	if err != nil {
		return nil, err
	}
	var removed []models.Suppression
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		removed = removed[:0]
		for _, e := range entries {
			res := tx.Where("kind = ? AND value = ?", e.Kind, e.Value).Delete(&models.Suppression{})
			if res.Error != nil {
				return fmt.Errorf("campaign: unsuppress %s %s: %w", e.Kind, e.Value, res.Error)
			}
			if res.RowsAffected > 0 {
				removed = append(removed, e)
			}
		}
		return nil
	})
	return removed, err
}

// Suppressions lists the do-not-contact list by kind, then value.
func Suppressions(ctx context.Context, s *models.Store) ([]models.Suppression, error) {
	var out []models.Suppression
	if err := s.DB.WithContext(ctx).Order("kind, value").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("campaign: list suppressions: %w", err)
	}
	return out, nil
}

func parseSuppressions(values []string) ([]models.Suppression, error) {
	var entries []models.Suppression
	var problems []string
	for _, v := range values {
		e, err := ParseSuppression(v)
		if err != nil {
			problems = append(problems, strings.TrimPrefix(err.Error(), ErrBadSuppression.Error()+": "))
			continue
		}
		entries = append(entries, e)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s; nothing was changed", ErrBadSuppression, strings.Join(problems, "; "))
	}
	return entries, nil
}

// reasonOf is a *ProfileError's reason, or the error's text.
func reasonOf(err error) string {
	var perr *ProfileError
	if errors.As(err, &perr) {
		return perr.Reason
	}
	return err.Error()
}
