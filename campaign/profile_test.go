package campaign

import (
	"errors"
	"strings"
	"testing"
)

func TestParseProfileURL(t *testing.T) {
	t.Parallel()
	valid := []struct {
		name, in, slug string
	}{
		{"canonical", "https://www.linkedin.com/in/ada-lovelace", "ada-lovelace"},
		{"trailing slash", "https://www.linkedin.com/in/ada-lovelace/", "ada-lovelace"},
		{"http", "http://www.linkedin.com/in/ada-lovelace/", "ada-lovelace"},
		{"no www", "https://linkedin.com/in/ada-lovelace", "ada-lovelace"},
		{"no scheme", "www.linkedin.com/in/ada-lovelace", "ada-lovelace"},
		{"no scheme no www", "linkedin.com/in/ada-lovelace/", "ada-lovelace"},
		{"country subdomain", "https://de.linkedin.com/in/ada-lovelace/", "ada-lovelace"},
		{"country subdomain uk", "https://uk.linkedin.com/in/ada-lovelace", "ada-lovelace"},
		{"mobile host", "https://m.linkedin.com/in/ada-lovelace", "ada-lovelace"},
		{"mobile lite", "https://www.linkedin.com/mwlite/in/ada-lovelace", "ada-lovelace"},
		{"upper case", "HTTPS://WWW.LINKEDIN.COM/IN/Ada-Lovelace/", "ada-lovelace"},
		{"query string", "https://www.linkedin.com/in/ada-lovelace?utm_source=share&utm_campaign=share_via&utm_content=profile", "ada-lovelace"},
		{"locale query", "https://www.linkedin.com/in/ada-lovelace/?locale=de_DE", "ada-lovelace"},
		{"fragment", "https://www.linkedin.com/in/ada-lovelace/#experience", "ada-lovelace"},
		{"sub-page", "https://www.linkedin.com/in/ada-lovelace/details/experience/", "ada-lovelace"},
		{"contact overlay", "https://www.linkedin.com/in/ada-lovelace/overlay/contact-info/", "ada-lovelace"},
		{"spaces around", "  https://www.linkedin.com/in/ada-lovelace-1a2b3c4d  ", "ada-lovelace-1a2b3c4d"},
		{"percent-encoded umlaut", "https://www.linkedin.com/in/j%C3%BCrgen-m%C3%BCller-4b2a1c/", "jürgen-müller-4b2a1c"},
		{"percent-encoded upper case", "https://de.linkedin.com/in/%C3%9Cmit-%C3%96zdemir", "ümit-özdemir"},
		{"decomposed accent to NFC", "https://www.linkedin.com/in/jose%CC%81-garcia", "josé-garcia"},
		{"chinese slug", "https://cn.linkedin.com/in/%E6%9D%8E%E5%A8%9C-12345", "李娜-12345"},
		{"unescaped unicode", "https://www.linkedin.com/in/zoë-smith", "zoë-smith"},
		{"relative in path", "/in/ada-lovelace", "ada-lovelace"},
		{"scheme-relative", "//www.linkedin.com/in/ada-lovelace", "ada-lovelace"},
		{"port and trailing dot host", "https://www.linkedin.com.:443/in/ada-lovelace", "ada-lovelace"},
		{"underscore", "https://www.linkedin.com/in/ada_lovelace", "ada_lovelace"},
	}
	for _, tc := range valid {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseProfileURL(tc.in)
			if err != nil {
				t.Fatalf("ParseProfileURL(%q): got error %v, want slug %q", tc.in, err, tc.slug)
			}
			if got.Slug != tc.slug {
				t.Errorf("ParseProfileURL(%q): got slug %q, want %q", tc.in, got.Slug, tc.slug)
			}
			if want := ProfileURL(tc.slug); got.URL != want {
				t.Errorf("ParseProfileURL(%q): got URL %q, want %q", tc.in, got.URL, want)
			}
		})
	}

	invalid := []struct {
		name, in, reason string
	}{
		{"empty", "  ", "no profile URL"},
		{"sales navigator lead", "https://www.linkedin.com/sales/lead/ACwAAAB1c2VyLCxOQU1FX1NFQVJDSCxhYmM,NAME_SEARCH,abc1", "Sales Navigator"},
		{"sales navigator people", "https://www.linkedin.com/sales/people/ACwAAAB1c2Vy,NAME_SEARCH,xYz", "Sales Navigator"},
		{"recruiter", "https://www.linkedin.com/talent/profile/AEMAAAB1c2Vy", "Recruiter"},
		{"member id", "https://www.linkedin.com/in/ACoAAB1c2VyAbCdEfGh", "member-ID"},
		{"company", "https://www.linkedin.com/company/acme-corp/", "company page"},
		{"school", "https://www.linkedin.com/school/tu-berlin/", "school page"},
		{"feed post", "https://www.linkedin.com/feed/update/urn:li:activity:7123456789/", "feed"},
		{"old pub url", "https://www.linkedin.com/pub/ada-lovelace/1a/2b/3c", "/pub/"},
		{"old profile view", "https://www.linkedin.com/profile/view?id=12345", "profile/view"},
		{"home page", "https://www.linkedin.com/", "home page"},
		{"in without slug", "https://www.linkedin.com/in/", "without the member's name"},
		{"other site", "https://github.com/in/ada-lovelace", "not a LinkedIn URL"},
		{"look-alike host", "https://linkedin.com.evil.example/in/ada", "not a LinkedIn URL"},
		{"short link", "https://lnkd.in/dXyZ123", "short link"},
		{"bare slug", "ada-lovelace", "bare name"},
		{"mailto", "mailto:ada@acme.com", "email address"},
		{"email", "ada@acme.com", "email address"},
		{"ftp", "ftp://www.linkedin.com/in/ada", "not a web address"},
		{"space in slug", "https://www.linkedin.com/in/ada%20lovelace", "a character LinkedIn does not use"},
		{"broken escape", "https://www.linkedin.com/in/ada%zz", "valid URL"},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseProfileURL(tc.in)
			if err == nil {
				t.Fatalf("ParseProfileURL(%q): got slug %q, want an error mentioning %q", tc.in, got.Slug, tc.reason)
			}
			if !errors.Is(err, ErrNotAProfile) {
				t.Errorf("ParseProfileURL(%q): got %v, want errors.Is ErrNotAProfile", tc.in, err)
			}
			if !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("ParseProfileURL(%q): got reason %q, want it to mention %q", tc.in, err, tc.reason)
			}
		})
	}
}
