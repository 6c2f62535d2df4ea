package campaign

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Profile is a LinkedIn member as Pacer knows them: by the slug of their
// public profile URL, and that URL in one canonical form.
type Profile struct {
	// Slug is the member's public identifier, decoded, lower-cased and in
	// Unicode NFC: "jürgen-müller-4b2a1c".
	Slug string
	// URL is https://www.linkedin.com/in/<slug>/ with the slug escaped.
	URL string
}

// ProfileURL returns the canonical profile URL of a slug.
func ProfileURL(slug string) string {
	return "https://www.linkedin.com/in/" + url.PathEscape(slug) + "/"
}

// nonProfilePages names LinkedIn pages that are not a member's profile, for
// the reason given when one is imported.
var nonProfilePages = map[string]string{
	"company":       "a company page",
	"school":        "a school page",
	"showcase":      "a showcase page",
	"groups":        "a group",
	"feed":          "the feed or a post",
	"posts":         "a post",
	"pulse":         "an article",
	"jobs":          "a job listing",
	"events":        "an event",
	"learning":      "a LinkedIn Learning page",
	"search":        "a search",
	"messaging":     "a conversation",
	"mynetwork":     "the My Network page",
	"notifications": "the notifications page",
	"newsletters":   "a newsletter",
	"services":      "a services page",
}

// ParseProfileURL normalizes a member's profile URL to its slug. It accepts
// the forms people paste: with or without scheme and www, country
// subdomains (de.linkedin.com), the mobile site (m.linkedin.com,
// /mwlite/in/), upper case, trailing slashes, query strings, fragments,
// sub-pages (/in/slug/details/experience/) and percent-encoded non-ASCII
// slugs. Anything else (Sales Navigator and Recruiter links, member-ID URLs,
// company pages, other sites, a bare name) is refused with a *ProfileError
// saying why and what to use instead.
func ParseProfileURL(raw string) (Profile, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return Profile{}, &ProfileError{Reason: "no profile URL"}
	}
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"):
	case strings.HasPrefix(lower, "mailto:"), strings.Contains(s, "@") && !strings.Contains(s, "/"):
		return Profile{}, &ProfileError{Reason: "an email address, not a profile URL"}
	case strings.HasPrefix(lower, "//"):
		s = "https:" + s
	case strings.HasPrefix(lower, "/in/"), strings.HasPrefix(lower, "in/"):
		s = "https://www.linkedin.com/" + strings.TrimPrefix(s, "/")
	case strings.Contains(lower, "://"):
		return Profile{}, &ProfileError{Reason: "not a web address (only http and https links are profiles)"}
	case !strings.ContainsAny(s, "/."):
		return Profile{}, &ProfileError{Reason: "a bare name, not a profile URL; write it as https://www.linkedin.com/in/NAME"}
	default:
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return Profile{}, &ProfileError{Reason: "not a valid URL"}
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	switch {
	case host == "lnkd.in":
		return Profile{}, &ProfileError{Reason: "a lnkd.in short link; open it and use the profile URL it leads to"}
	case host != "linkedin.com" && !strings.HasSuffix(host, ".linkedin.com"):
		return Profile{}, &ProfileError{Reason: "not a LinkedIn URL"}
	}
	// Split the escaped path, so that an encoded slash stays inside a segment.
	var segs []string
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		if seg != "" {
			segs = append(segs, seg)
		}
	}
	if len(segs) > 0 && strings.EqualFold(segs[0], "mwlite") {
		segs = segs[1:]
	}
	if len(segs) == 0 {
		return Profile{}, &ProfileError{Reason: "LinkedIn's home page, not a member's profile"}
	}
	first := strings.ToLower(segs[0])
	switch {
	case first == "sales":
		return Profile{}, &ProfileError{Reason: "a Sales Navigator URL; Pacer cannot match it to a member's public profile, so export or copy the public profile URL (linkedin.com/in/…) instead"}
	case first == "talent" || first == "recruiter":
		return Profile{}, &ProfileError{Reason: "a Recruiter URL; use the member's public profile URL (linkedin.com/in/…) instead"}
	case first == "pub":
		return Profile{}, &ProfileError{Reason: "an old /pub/ profile URL; open it and use the linkedin.com/in/… URL it redirects to"}
	case first == "profile":
		return Profile{}, &ProfileError{Reason: "an old profile/view URL; open it and use the linkedin.com/in/… URL it redirects to"}
	case first != "in":
		if what, ok := nonProfilePages[first]; ok {
			return Profile{}, &ProfileError{Reason: what + ", not a member's profile"}
		}
		return Profile{}, &ProfileError{Reason: "not a member's profile URL (linkedin.com/in/…)"}
	}
	if len(segs) < 2 {
		return Profile{}, &ProfileError{Reason: "a profile URL without the member's name (linkedin.com/in/NAME)"}
	}
	slug, err := url.PathUnescape(segs[1])
	if err != nil {
		return Profile{}, &ProfileError{Reason: "a profile URL with a broken %-escape"}
	}
	return profileFromSlug(slug)
}

// profileFromSlug checks and normalizes a decoded slug.
func profileFromSlug(slug string) (Profile, error) {
	// Member-ID URLs (/in/ACoAAB…), as Sales Navigator exports them, name the
	// same person as their public URL, but Pacer cannot tell which one: it
	// would contact them twice.
	if len(slug) > 5 && (strings.HasPrefix(slug, "ACoAA") || strings.HasPrefix(slug, "ACwAA")) {
		return Profile{}, &ProfileError{Reason: "a member-ID URL (linkedin.com/in/ACoAA…), as Sales Navigator exports them; Pacer cannot tell whether it is someone already known, so use the public profile URL instead"}
	}
	slug = norm.NFC.String(strings.ToLower(slug))
	if slug == "" {
		return Profile{}, &ProfileError{Reason: "a profile URL without the member's name (linkedin.com/in/NAME)"}
	}
	if len([]rune(slug)) > 200 {
		return Profile{}, &ProfileError{Reason: "a profile name longer than LinkedIn allows"}
	}
	for _, r := range slug {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) && r != '-' && r != '_' {
			return Profile{}, &ProfileError{Reason: fmt.Sprintf("a profile name with a character LinkedIn does not use in profile URLs (%q)", r)}
		}
	}
	return Profile{Slug: slug, URL: ProfileURL(slug)}, nil
}
