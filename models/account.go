package models

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
)

// ErrUnknownAccount is returned for an account name the store does not know.
var ErrUnknownAccount = errors.New("models: unknown account")

// AccountByName reads an account; its error lists the known names.
func (s *Store) AccountByName(ctx context.Context, name string) (Account, error) {
	var a Account
	err := s.DB.WithContext(ctx).Where("name = ?", name).First(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		var names []string
		s.DB.WithContext(ctx).Model(&Account{}).Pluck("name", &names)
		sort.Strings(names)
		return a, fmt.Errorf("%w %q; the configured accounts are %v", ErrUnknownAccount, name, names)
	}
	if err != nil {
		return a, fmt.Errorf("models: read account %s: %w", name, err)
	}
	return a, nil
}

// SaveSession stores an account's sealed LinkedIn session. A new session
// lifts a needs_human state that a rejected session caused: the person who
// signed in again is the human it asked for.
func (s *Store) SaveSession(ctx context.Context, accountID int64, sealed []byte) error {
	now := time.Now().UTC()
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&Account{}).Where("id = ?", accountID).
			Updates(map[string]any{"session_sealed": sealed, "session_updated_at": now}).Error; err != nil {
			return fmt.Errorf("models: save session: %w", err)
		}
		return tx.Model(&Account{}).Where("id = ? AND state = ? AND state_reason = ?", accountID, AccountNeedsHuman, ReasonSessionRejected).
			Updates(map[string]any{"state": AccountActive, "state_reason": ""}).Error
	})
}

// ReasonSessionRejected is the state reason of an account whose LinkedIn
// session was rejected; storing a new session clears it.
const ReasonSessionRejected = "LinkedIn rejected the session: sign in again with `pacer account login`"
