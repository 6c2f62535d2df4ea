package quota_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/pacerhq/pacer/quota"
)

func TestNoteLength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		plan    string
		want    int
		wantErr bool
	}{
		{"free", 200, false},
		{"premium", 300, false},
		{"sales_navigator", 300, false},
		{"recruiter", 300, false},
		{"gold", 0, true},
	}
	for _, tt := range tests {
		got, err := quota.NoteLength(tt.plan)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("NoteLength(%q): got %d, %v; want %d, error %v", tt.plan, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestCheckNoteCountsCharactersNotBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		note  string
		chars int
		ok    bool
	}{
		{"ascii at the limit", strings.Repeat("a", 200), 200, true},
		{"ascii over", strings.Repeat("a", 201), 201, false},
		{"accents: 400 bytes, 200 characters", strings.Repeat("é", 200), 200, true},
		{"CJK: 600 bytes, 200 characters", strings.Repeat("日", 200), 200, true},
		{"emoji: one character each", strings.Repeat("👋", 200), 200, true},
		{"one accent over", strings.Repeat("é", 201), 201, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := quota.NoteChars(tt.note); got != tt.chars {
				t.Errorf("NoteChars: got %d, want %d", got, tt.chars)
			}
			err := quota.CheckNote(tt.note, 200)
			if tt.ok != (err == nil) {
				t.Fatalf("CheckNote: got %v, want ok %v", err, tt.ok)
			}
			var ne *quota.NoteError
			if err != nil && (!errors.Is(err, quota.ErrNoteTooLong) || !errors.As(err, &ne) || ne.Chars != tt.chars || ne.Max != 200) {
				t.Errorf("CheckNote: got %v, want a *NoteError matching ErrNoteTooLong", err)
			}
		})
	}
}
