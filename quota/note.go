package quota

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pacerhq/pacer/config"
)

// NoteLength returns the longest invitation note a plan allows, in
// characters: 200 on a free account, 300 on the paid plans.
func NoteLength(plan string) (int, error) {
	if !slices.Contains(config.Plans, plan) {
		return 0, fmt.Errorf("quota: plan %q is not known; use one of %s", plan, strings.Join(config.Plans, ", "))
	}
	return *config.DefaultLimits(plan, 5).NoteLength, nil
}

// NoteChars counts a note's characters as the note limit counts them:
// Unicode code points, not bytes ("é" is one character, two bytes).
func NoteChars(note string) int { return utf8.RuneCountInString(note) }

// NoteError says by how much a note is too long. It matches ErrNoteTooLong.
type NoteError struct {
	Chars int
	Max   int
}

// Error says by how much the note is too long.
func (e *NoteError) Error() string {
	return fmt.Sprintf("quota: the note has %d characters, %d more than the %d allowed; shorten it", e.Chars, e.Chars-e.Max, e.Max)
}

// Is matches ErrNoteTooLong.
func (e *NoteError) Is(target error) bool { return target == ErrNoteTooLong }

// CheckNote returns a *NoteError when the note is longer than maxChars
// characters (NoteLength of the plan, or Engine.NoteLimit of an account).
func CheckNote(note string, maxChars int) error {
	if n := NoteChars(note); n > maxChars {
		return &NoteError{Chars: n, Max: maxChars}
	}
	return nil
}
