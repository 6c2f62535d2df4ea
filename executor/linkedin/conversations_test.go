package linkedin

import (
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/executor"
)

// thursday is the time the messaging stamps below are read at.
var thursday = time.Date(2026, 3, 12, 16, 5, 30, 0, time.FixedZone("CET", 3600))

func TestParseMessageTime(t *testing.T) {
	t.Parallel()
	sel := DefaultSelectors()
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, thursday.Location()) }
	tests := []struct {
		text     string
		want     time.Time
		wantSpan time.Duration
		wantOK   bool
	}{
		{"2:15 PM", day(2026, 3, 12).Add(14*time.Hour + 15*time.Minute), time.Minute, true},
		{"2:15\u202fpm", day(2026, 3, 12).Add(14*time.Hour + 15*time.Minute), time.Minute, true},
		{"09:40", day(2026, 3, 12).Add(9*time.Hour + 40*time.Minute), time.Minute, true},
		{"now", time.Date(2026, 3, 12, 16, 5, 0, 0, thursday.Location()), time.Minute, true},
		{"Yesterday", day(2026, 3, 11), 24 * time.Hour, true},
		{"Gestern", day(2026, 3, 11), 24 * time.Hour, true},
		{"Mon", day(2026, 3, 9), 24 * time.Hour, true},
		{"Friday", day(2026, 3, 6), 24 * time.Hour, true},
		{"Thu", day(2026, 3, 5), 24 * time.Hour, true},
		{"Mi.", day(2026, 3, 11), 24 * time.Hour, true},
		{"Mar 3", day(2026, 3, 3), 24 * time.Hour, true},
		{"Dec 30", day(2025, 12, 30), 24 * time.Hour, true},
		{"Dec 30, 2024", day(2024, 12, 30), 24 * time.Hour, true},
		{"3.2.", day(2026, 2, 3), 24 * time.Hour, true},
		{"", time.Time{}, 0, false},
		{"sometime", time.Time{}, 0, false},
		{"M", time.Time{}, 0, false},
		{"25:99 PM", time.Time{}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, span, ok := sel.parseMessageTime(tt.text, thursday)
			if !got.Equal(tt.want) || span != tt.wantSpan || ok != tt.wantOK {
				t.Errorf("parseMessageTime(%q) = %v, %v, %v; want %v, %v, %v", tt.text, got, span, ok, tt.want, tt.wantSpan, tt.wantOK)
			}
		})
	}
}

func TestConversationCards(t *testing.T) {
	t.Parallel()
	sel := DefaultSelectors()
	tests := []struct {
		name       string
		card       cardReport
		wantOK     bool
		wantSlug   string
		wantSender executor.Sender
		wantText   string
	}{
		{"complete, theirs", cardReport{Slug: "jane-doe", Name: "Jane Doe", URL: "u", Time: "2:15 PM", Snippet: "Sounds good"}, true, "jane-doe", executor.SenderThem, "Sounds good"},
		{"theirs, named", cardReport{Name: "Jane Doe", Snippet: "Jane: Sounds good"}, true, "", executor.SenderThem, "Sounds good"},
		{"theirs, full name", cardReport{Name: "Jane Doe", Snippet: "jane doe: ok"}, true, "", executor.SenderThem, "ok"},
		{"ours", cardReport{Name: "Jane Doe", Snippet: "You: Hi Jane"}, true, "", executor.SenderUs, "Hi Jane"},
		{"ours, German", cardReport{Name: "Jane Doe", Snippet: "Sie: Hallo"}, true, "", executor.SenderUs, "Hallo"},
		{"no snippet", cardReport{Slug: "jane-doe"}, true, "jane-doe", executor.SenderUnknown, ""},
		{"slug only", cardReport{Slug: "jane-doe", Snippet: "hi"}, true, "jane-doe", executor.SenderThem, "hi"},
		{"a URN id is no slug", cardReport{Slug: "acoaaa_fixture_urn_only_0000000009", Name: "Jane Doe"}, true, "", executor.SenderUnknown, ""},
		{"names nobody", cardReport{URL: "u", Time: "Mon", Snippet: "You: hi"}, false, "", "", ""},
		{"a URN id and nothing else", cardReport{Slug: "acoaaa_fixture_urn_only_0000000009", Snippet: "hi"}, false, "", "", ""},
		{"blank name", cardReport{Name: " \u00a0 ", Snippet: "hi"}, false, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, ok := sel.conversation(tt.card, thursday)
			if ok != tt.wantOK {
				t.Fatalf("conversation(%+v) ok = %v, want %v", tt.card, ok, tt.wantOK)
			}
			if !ok {
				return
			}
			if got.Slug != tt.wantSlug || got.LastSender != tt.wantSender || got.Excerpt != tt.wantText {
				t.Errorf("conversation(%+v) = %+v; want slug %q, sender %q, excerpt %q", tt.card, got, tt.wantSlug, tt.wantSender, tt.wantText)
			}
		})
	}
}

func TestConversationsSince(t *testing.T) {
	t.Parallel()
	sel := DefaultSelectors()
	cards := []cardReport{
		{Name: "Today", Time: "2:15 PM"},
		{Name: "Yesterday", Time: "Yesterday"},
		{Name: "Unreadable", Time: "a while ago"},
		{Name: "Last week", Time: "Mar 3"},
	}
	tests := []struct {
		since time.Time
		want  []string
	}{
		{time.Time{}, []string{"Today", "Yesterday", "Unreadable", "Last week"}},
		// Yesterday's stamp covers the whole day: a reply at 23:00 is after
		// a since of 22:00, so the card stays.
		{time.Date(2026, 3, 11, 22, 0, 0, 0, thursday.Location()), []string{"Today", "Yesterday", "Unreadable"}},
		{time.Date(2026, 3, 12, 14, 15, 30, 0, thursday.Location()), []string{"Today", "Unreadable"}},
		{time.Date(2026, 3, 12, 14, 16, 0, 0, thursday.Location()), []string{"Unreadable"}},
	}
	for _, tt := range tests {
		var got []string
		for _, c := range sel.conversations(cards, thursday, tt.since) {
			got = append(got, c.Name)
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("since %v: got %v, want %v", tt.since, got, tt.want)
		}
	}
}

// FuzzConversationCards reads arbitrary card texts: no panic, a card that
// names nobody is left out, an excerpt is part of the snippet, and a
// stamp understood names a minute or a day that ends after it begins.
func FuzzConversationCards(f *testing.F) {
	for _, seed := range [][3]string{
		{"Jane Doe", "2:15 PM", "You: hi"}, {"", "Yesterday", "Jane: x"}, {"Bo", "Dec 30, 0001", ""},
		{"Ünal Öz", "Mi.", "Ünal Öz: Grüße"}, {"ſ", "ſ:", "ſ:x"}, {"a", "99:99", ":"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	sel := DefaultSelectors()
	f.Fuzz(func(t *testing.T, name, stamp, snippet string) {
		got, until, ok := sel.conversation(cardReport{Name: name, Time: stamp, Snippet: snippet}, thursday)
		if ok != (oneLine(name) != "") {
			t.Fatalf("name %q: ok = %v", name, ok)
		}
		if !ok {
			return
		}
		if !strings.Contains(oneLine(snippet), got.Excerpt) {
			t.Fatalf("excerpt %q is not part of the snippet %q", got.Excerpt, snippet)
		}
		if !until.IsZero() && !until.After(got.LastAt) {
			t.Fatalf("stamp %q: LastAt %v, until %v", stamp, got.LastAt, until)
		}
		sel.conversations([]cardReport{{Name: name, Time: stamp, Snippet: snippet}}, thursday, thursday)
	})
}
