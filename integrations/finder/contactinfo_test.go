package finder

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pacerhq/pacer/integrations"
)

// fakeReader answers from a map of slug → email, or fails with err.
type fakeReader struct {
	emails map[string]string
	err    error
	calls  []string
}

func (f *fakeReader) ReadContactEmail(_ context.Context, account, slug string) (string, error) {
	f.calls = append(f.calls, account+"/"+slug)
	if f.err != nil {
		return "", f.err
	}
	return f.emails[slug], nil
}

func TestContactInfo(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC)
	viewsSpent := NewError("executor", ErrRateLimited, "profile views spent for today", at, nil)
	tests := []struct {
		name       string
		reader     *fakeReader
		person     Person
		want       string
		wantErr    error
		wantAction integrations.Action
		wantCalls  int
	}{
		{"found", &fakeReader{emails: map[string]string{"jane": " jane@example.com "}}, Person{Account: "anna", Slug: "jane"}, "jane@example.com", nil, integrations.Done, 1},
		{"overlay shows no email", &fakeReader{}, Person{Account: "anna", Slug: "jane"}, "", ErrNotFound, integrations.Retry, 1},
		{"overlay shows garbage", &fakeReader{emails: map[string]string{"jane": "ask me"}}, Person{Account: "anna", Slug: "jane"}, "", ErrNotFound, integrations.Retry, 1},
		{"no account", &fakeReader{}, Person{Slug: "jane"}, "", ErrRejected, integrations.DeadLetter, 0},
		{"views spent", &fakeReader{err: viewsSpent}, Person{Account: "anna", Slug: "jane"}, "", ErrRateLimited, integrations.RetryAt, 1},
		{"browser failed", &fakeReader{err: errors.New("page crashed")}, Person{Account: "anna", Slug: "jane"}, "", ErrTemporary, integrations.Retry, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := NewContactInfo(tt.reader)
			got, err := p.FindEmail(context.Background(), tt.person)
			if got != tt.want || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("FindEmail() = %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
			if tt.wantErr != ErrNotFound {
				if v := integrations.Classify(err); v.Action != tt.wantAction {
					t.Errorf("Classify() = %s, want %s", v.Action, tt.wantAction)
				}
			}
			if len(tt.reader.calls) != tt.wantCalls {
				t.Errorf("reader called %d times, want %d", len(tt.reader.calls), tt.wantCalls)
			}
		})
	}
}

func TestNextMonth(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want time.Time }{
		{time.Date(2025, 3, 15, 10, 0, 0, 0, time.UTC), time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)},
		{time.Date(2025, 12, 31, 23, 59, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{time.Date(2025, 3, 1, 0, 30, 0, 0, time.FixedZone("CET", 3600)), time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		if got := NextMonth(tt.in); !got.Equal(tt.want) {
			t.Errorf("NextMonth(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

var _ Provider = (*ContactInfo)(nil)
