package sim

import (
	"encoding/base32"
	"encoding/binary"
	"hash/fnv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Slug markers: a token of the slug (between dashes) that chooses a special
// behaviour. They are documented in the package doc.
const (
	markerEmailReq    = "emailreq"
	markerConnected   = "connected"
	markerCheckpoint  = "checkpoint"
	markerUnavailable = "unavailable"
	markerCreator     = "creator"
	markerToast       = "toast"
	markerDirect      = "direct"
	markerMore        = "more"
	markerFollowOnly  = "followonly"
	markerNoEmail     = "noemail"
	markerNoPosts     = "noposts"
	markerNoAge       = "noage"
	markerNamesake    = "namesake"
	markerThird       = "third"
	markerCaptcha     = "captcha"
	markerEmailFill   = "emailprefill"
	markerNoteFill    = "noteprefill"
	markerSendCheck   = "sendcheckpoint"
	markerSendSignIn  = "sendsignin"
	markerSendRestr   = "sendrestricted"
	markerOldPosts    = "oldposts"
	markerNameOnly    = "nameonly"
)

var markers = map[string]bool{
	markerEmailReq: true, markerConnected: true, markerCheckpoint: true, markerUnavailable: true,
	markerCreator: true, markerToast: true, markerDirect: true, markerMore: true, markerFollowOnly: true,
	markerNoEmail: true, markerNoPosts: true, markerNoAge: true, markerNamesake: true, markerThird: true,
	markerCaptcha: true, markerEmailFill: true, markerNoteFill: true,
	markerSendCheck: true, markerSendSignIn: true, markerSendRestr: true, markerOldPosts: true,
	markerNameOnly: true,
}

// What may stop an invitation right after Send (Persona.AfterSend).
const (
	stopCheckpoint = "checkpoint"
	stopSignIn     = "signin"
	stopRestricted = "restricted"
)

// notePrefill is the text a -noteprefill member's note field opens with:
// LinkedIn's old default invitation, which nobody approved.
const notePrefill = "I’d like to add you to my professional network on LinkedIn."

// Layout is where a profile's Connect control sits.
type Layout string

// The layouts a simulated profile can have.
const (
	// LayoutMore puts Connect in the More menu, with Follow as the primary
	// button: what every 2026 source page showed.
	LayoutMore Layout = "more"
	// LayoutDirect puts a Connect link in the top card (older markup).
	LayoutDirect Layout = "direct"
	// LayoutCreator is a creator profile: Follow primary, follower count
	// shown, Connect in the More menu.
	LayoutCreator Layout = "creator"
	// LayoutFollowOnly offers Follow and no Connect at all.
	LayoutFollowOnly Layout = "follow_only"
)

// Persona is a simulated member, derived from the slug alone.
type Persona struct {
	Slug     string // the vanity name
	Name     string // the words of the slug, capitalized
	First    string // the first word of Name
	Headline string // title and company
	Company  string // the company, also behind Email's domain
	Location string // a city and country
	Email    string // first.last@company.example
	URN      string // the profile URN id in the page's componentkeys
	MemberID uint64 // the member id in report links
	Degree   int    // 1, 2 or 3 before any invitation is accepted
	Layout   Layout // where Connect sits

	SharesEmail bool // the contact-info overlay of a connection shows Email
	Posts       int  // how many posts the activity page lists
	OldPosts    bool // the activity page uses the older markup (-oldposts)
	Followers   int  // the follower count a creator shows

	EmailRequired bool // the invite dialog asks for the email address (-emailreq)
	Checkpoint    bool // the profile leads to a checkpoint (-checkpoint)
	Unavailable   bool // the profile does not exist (-unavailable)
	Toast         bool // the first Send fails with an error toast (-toast)
	NoAge         bool // the sent page shows no readable age (-noage)
	Namesake      bool // the side rail holds a stranger of the same name (-namesake)
	Captcha       bool // the profile URL shows a CAPTCHA frame, without a redirect (-captcha)
	NameOnly      bool // the messaging list's card names the member but links no profile (-nameonly)

	// AfterSend is what stops an invitation to this member at Send:
	// "checkpoint" (-sendcheckpoint), "signin" (-sendsignin), "restricted"
	// (-sendrestricted), or "" for nothing.
	AfterSend string

	EmailPrefill string // the text the invite dialog's email field opens with (-emailprefill)
	NotePrefill  string // the text the invite dialog's note field opens with, shown at once (-noteprefill)
}

var (
	titles    = []string{"Head of Engineering", "CTO", "VP Sales", "Talent Partner", "Product Manager", "Founder", "Data Scientist", "Recruiter", "Staff Engineer", "Marketing Lead", "Operations Director", "Designer"}
	companies = []string{"Northwind", "Osterfield Labs", "Marshline", "Quillworks", "Nyxdata", "Brightforge", "Lumen & Co", "Tallbridge", "Kestrel Systems", "Fernhill", "Blue Harbor", "Sablewood"}
	places    = []string{"Berlin, Germany", "Paris, France", "London, United Kingdom", "Amsterdam, Netherlands", "Lisbon, Portugal", "Munich, Germany", "Dublin, Ireland", "Madrid, Spain"}
	strangers = []string{"Lena Fischer", "Omar Haddad", "Priya Raman", "Tomás Ortega", "Mei Tanaka", "Jonas Berg", "Aisha Bello", "Noah Klein", "Sofia Rossi", "Yusuf Demir"}
)

// hashOf returns a stable 64-bit hash of the parts.
func hashOf(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// fraction maps a hash to [0, 1).
// mix spreads every bit of h over all 64 (the finalizer of SplitMix64).
func mix(h uint64) uint64 {
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9
	h = (h ^ (h >> 27)) * 0x94d049bb133111eb
	return h ^ (h >> 31)
}

func fraction(h uint64) float64 { return float64(h>>11) / float64(1<<53) }

// NewPersona derives a member from a slug. The same slug always gives the
// same member, so an imported CSV of profile URLs needs no set-up.
func NewPersona(slug string) Persona {
	h := hashOf(slug)
	tokens := strings.Split(slug, "-")
	has := map[string]bool{}
	var words []string
	for _, t := range tokens {
		if markers[t] {
			has[t] = true
			continue
		}
		if t == "" || strings.ContainsFunc(t, unicode.IsDigit) {
			continue // ids such as "4b2a1c" or "42" are not part of a name
		}
		words = append(words, capitalize(t))
	}
	p := Persona{Slug: slug, MemberID: 100000000 + h%900000000}
	if len(words) == 0 {
		words = []string{"Member", strings.ToUpper(slug[:min(4, len(slug))])}
	}
	p.Name = strings.Join(words, " ")
	p.First = words[0]
	p.Company = companies[h%uint64(len(companies))]
	p.Headline = titles[(h>>8)%uint64(len(titles))] + " at " + p.Company
	p.Location = places[(h>>16)%uint64(len(places))]
	p.Email = emailLocal(words) + "@" + domainOf(p.Company)
	var raw [8]byte
	binary.BigEndian.PutUint64(raw[:], h)
	p.URN = "ACoAA" + strings.TrimRight(base32.StdEncoding.EncodeToString(raw[:]), "=")
	p.Followers = 100 + int(h>>24)%5000
	p.SharesEmail = !has[markerNoEmail]
	if !has[markerNoPosts] {
		p.Posts = 1 + int(h>>32)%3
	}
	p.OldPosts = has[markerOldPosts]

	p.Degree = 2
	if (h>>40)%3 == 0 || has[markerThird] {
		p.Degree = 3
	}
	if has[markerConnected] {
		p.Degree = 1
	}
	switch {
	case has[markerFollowOnly]:
		p.Layout = LayoutFollowOnly
	case has[markerCreator]:
		p.Layout = LayoutCreator
	case has[markerDirect]:
		p.Layout = LayoutDirect
	case has[markerMore]:
		p.Layout = LayoutMore
	default:
		// Without a marker, most profiles keep Connect under More, as the
		// real 2026 pages do; some have the older direct link or are
		// creators.
		switch r := (h >> 48) % 20; {
		case r < 4:
			p.Layout = LayoutDirect
		case r < 6:
			p.Layout = LayoutCreator
		default:
			p.Layout = LayoutMore
		}
	}
	if p.Layout == LayoutCreator {
		p.Followers *= 40
	}
	p.EmailRequired = has[markerEmailReq] || has[markerEmailFill]
	if has[markerEmailFill] {
		// A left-over address, as a browser's autofill or an earlier attempt
		// leaves it.
		p.EmailPrefill = "info@" + domainOf(p.Company)
	}
	if has[markerNoteFill] {
		p.NotePrefill = notePrefill
	}
	switch {
	case has[markerSendCheck]:
		p.AfterSend = stopCheckpoint
	case has[markerSendSignIn]:
		p.AfterSend = stopSignIn
	case has[markerSendRestr]:
		p.AfterSend = stopRestricted
	}
	p.Checkpoint = has[markerCheckpoint]
	p.Unavailable = has[markerUnavailable]
	p.Toast = has[markerToast]
	p.NoAge = has[markerNoAge]
	p.Namesake = has[markerNamesake]
	p.Captcha = has[markerCaptcha]
	p.NameOnly = has[markerNameOnly]
	return p
}

// Stranger is someone in a profile's side rail.
type Stranger struct {
	Slug     string // the stranger's vanity name, never the target's
	Name     string // the name on the card
	Headline string // the line under the name
}

// SideRail returns the other members a profile page suggests. With the
// namesake marker the first of them has the target's very name, so only the
// vanity name tells them apart.
func (p Persona) SideRail() []Stranger {
	h := hashOf("rail", p.Slug)
	out := make([]Stranger, 0, 4)
	for i := range 4 {
		name := strangers[(h+uint64(i)*7)%uint64(len(strangers))]
		if i == 0 && p.Namesake {
			name = p.Name
		}
		slug := strings.ToLower(strings.ReplaceAll(asciiFold(name), " ", "-")) + "-" + shortHash(p.Slug, i)
		out = append(out, Stranger{Slug: slug, Name: name, Headline: titles[(h>>uint(i*4))%uint64(len(titles))] + " at " + companies[(h>>uint(i*5+3))%uint64(len(companies))]})
	}
	return out
}

func shortHash(s string, i int) string {
	var raw [8]byte
	binary.BigEndian.PutUint64(raw[:], hashOf(s, string(rune('a'+i))))
	return strings.ToLower(base32.StdEncoding.EncodeToString(raw[:])[:5])
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func emailLocal(words []string) string {
	parts := make([]string, 0, len(words))
	for _, w := range words {
		parts = append(parts, strings.ToLower(asciiFold(w)))
	}
	return strings.Join(parts, ".")
}

// domainOf gives a company a domain under .example, which can never reach a
// real mailbox.
func domainOf(company string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(asciiFold(company)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String() + ".example"
}

var folds = map[rune]string{'á': "a", 'à': "a", 'â': "a", 'ä': "ae", 'ã': "a", 'å': "a", 'é': "e", 'è': "e", 'ê': "e", 'ë': "e",
	'í': "i", 'ì': "i", 'î': "i", 'ï': "i", 'ó': "o", 'ò': "o", 'ô': "o", 'ö': "oe", 'õ': "o", 'ú': "u", 'ù': "u", 'û': "u",
	'ü': "ue", 'ñ': "n", 'ç': "c", 'ß': "ss", 'Á': "A", 'É': "E", 'Ö': "Oe", 'Ü': "Ue", 'Ä': "Ae", 'Ç': "C", 'Ñ': "N"}

func asciiFold(s string) string {
	var b strings.Builder
	for _, r := range s {
		if f, ok := folds[r]; ok {
			b.WriteString(f)
		} else if r < utf8.RuneSelf {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// validSlug accepts what LinkedIn vanity names look like: letters (any
// script), digits and dashes, 3 to 100 characters.
func validSlug(s string) bool {
	n := utf8.RuneCountInString(s)
	if n < 3 || n > 100 {
		return false
	}
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
