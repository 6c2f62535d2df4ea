package linkedin

import (
	"testing"
)

// The fuzz targets of what the adapter reads as text: the stamps of the
// sent-invitations and connections pages, and a selectors override file.
// `make fuzz` runs each for a few seconds; alone:
//
//	go test ./executor/linkedin -run '^$' -fuzz '^FuzzPageStamps$' -fuzztime 1m

// FuzzPageStamps reads arbitrary text as the pages' stamps: no panic, an
// age understood is never negative, a count is -1 or more.
func FuzzPageStamps(f *testing.F) {
	for _, s := range []string{"Sent today", "Sent 3 weeks ago", "Gesendet vor einem Monat", "Sent 9223372036854775807 weeks ago",
		"Sent 99999999999999999999 days ago", "Connected on March 3, 2026", "Vernetzt am 31.2.2026", "People (42)", "People (99999999999999999999)"} {
		f.Add(s)
	}
	s := DefaultSelectors()
	f.Fuzz(func(t *testing.T, text string) {
		if age, known := s.parseAge(text); age < 0 || (!known && age != 0) {
			t.Fatalf("parseAge(%q) = %v, %v", text, age, known)
		}
		if stamp, _ := s.parseConnectedOn(text); len(stamp) > len(text) {
			t.Fatalf("parseConnectedOn(%q) = %q", text, stamp)
		}
		if n := s.parseSentCount([]string{text}); n < -1 {
			t.Fatalf("parseSentCount(%q) = %d", text, n)
		}
	})
}

// FuzzSelectorsOverride reads arbitrary bytes as a selectors override
// file: it is refused or gives selectors whose parsers work.
func FuzzSelectorsOverride(f *testing.F) {
	f.Add([]byte("selectors:\n  topcard: section[data-view-name=\"profile-top-card\"]\n"))
	f.Add([]byte("labels:\n  fr:\n    invite: [Inviter]\n    connect: [Se connecter]\n    more: [Plus]\n    sent_age: ['Envoyée il y a (?P<n>\\d+) (?P<unit>jours?)']\n"))
	f.Add([]byte("labels:\n  xx:\n    sent_age: ['(']\n"))
	f.Add([]byte("paths: {profile: ''}\n"))
	base := DefaultSelectors()
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := parseSelectors(data, base)
		if err != nil {
			return
		}
		for _, text := range []string{"Sent 3 weeks ago", "Connected on March 3, 2026", "People (42)"} {
			if age, _ := s.parseAge(text); age < 0 {
				t.Fatalf("parseAge(%q) = %v", text, age)
			}
			s.parseConnectedOn(text)
			s.parseSentCount([]string{text})
		}
	})
}
