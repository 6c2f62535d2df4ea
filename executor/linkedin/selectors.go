package linkedin

import (
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

//go:embed selectors.yaml
var defaultSelectorsYAML []byte

// Selectors is the adapter's knowledge of LinkedIn's pages: paths, CSS
// selectors and labels per UI language. It is data: DefaultSelectors reads
// the copy embedded in the binary, LoadSelectors an override file.
type Selectors struct {
	Paths     Paths             `yaml:"paths"`     // the site's URL paths
	Selectors CSS               `yaml:"selectors"` // the CSS selectors
	Labels    map[string]Labels `yaml:"labels"`    // texts and aria-labels per UI language code

	// Compiled from Labels by prepare.
	sentAge     []*regexp.Regexp
	sentCount   []*regexp.Regexp
	connCount   []*regexp.Regexp
	ageUnits    map[string]time.Duration
	connectedOn []*regexp.Regexp
	dateLayouts []string
	merged      Labels
}

// Paths are the site's URL paths; {slug} stands for a vanity name.
type Paths struct {
	Profile            string   `yaml:"profile"`                                        // a profile page
	ContactInfo        string   `yaml:"contact_info"`                                   // a profile's contact-info overlay
	Activity           string   `yaml:"activity"`                                       // a member's recent posts
	SentInvitations    string   `yaml:"sent_invitations"`                               // the sent-invitations page
	Connections        string   `yaml:"connections"`                                    // the connections page
	Login              string   `yaml:"login"`                                          // the login page
	LoginPrefixes      []string `yaml:"login_prefixes" json:"login_prefixes"`           // redirects here mean a rejected session
	CheckpointPrefixes []string `yaml:"checkpoint_prefixes" json:"checkpoint_prefixes"` // redirects here mean a checkpoint
	CustomInvite       string   `yaml:"custom_invite" json:"custom_invite"`             // the path of Connect links, which carry the vanity name
	VanityParam        string   `yaml:"vanity_param" json:"vanity_param"`               // the query parameter naming the invitee
}

// CSS holds the selectors the page script uses.
type CSS struct {
	Workspace        string   `yaml:"workspace" json:"workspace"`                 // the main column
	Topcard          string   `yaml:"topcard" json:"topcard"`                     // the profile's top card, inside Workspace
	TopcardFallbacks []string `yaml:"topcard_fallbacks" json:"topcard_fallbacks"` // older top cards
	Toolbar          string   `yaml:"toolbar" json:"toolbar"`                     // the sticky header, whose duplicates are ignored
	Name             string   `yaml:"name" json:"name"`                           // the name heading in the top card
	MoreButton       string   `yaml:"more_button" json:"more_button"`             // the top card's More button (matched with the more labels)
	Menu             string   `yaml:"menu" json:"menu"`                           // an open menu
	MenuPortal       string   `yaml:"menu_portal" json:"menu_portal"`             // the portal a menu renders in
	MenuItem         string   `yaml:"menu_item" json:"menu_item"`                 // a menu entry
	MessageLink      string   `yaml:"message_link" json:"message_link"`           // the Message link
	ContactInfoLink  string   `yaml:"contact_info_link" json:"contact_info_link"` // the Contact info link
	Clickable        string   `yaml:"clickable" json:"clickable"`                 // what counts as the clickable ancestor of a label
	Degree           string   `yaml:"degree" json:"degree"`                       // elements that may hold "· 2nd"
	Dialog           string   `yaml:"dialog" json:"dialog"`                       // dialogs, in the document or a shadow root
	NoteField        string   `yaml:"note_field" json:"note_field"`               // the invitation note
	EmailField       string   `yaml:"email_field" json:"email_field"`             // the email the dialog may ask for
	WeeklyLimit      string   `yaml:"weekly_limit" json:"weekly_limit"`           // the weekly-limit alert
	ErrorToast       string   `yaml:"error_toast" json:"error_toast"`             // an error toast
	Notice           string   `yaml:"notice" json:"notice"`                       // alerts that may carry a restriction notice
	CaptchaFrame     string   `yaml:"captcha_frame" json:"captcha_frame"`         // a CAPTCHA frame: a checkpoint
	LoginForm        string   `yaml:"login_form" json:"login_form"`               // a login form: a rejected session
	Mailto           string   `yaml:"mailto" json:"mailto"`                       // an email link in the contact-info overlay
	Post             string   `yaml:"post" json:"post"`                           // a post on the activity page
	LikeButton       string   `yaml:"like_button" json:"like_button"`             // candidates for a post's Like button (matched with the reaction_state labels)
	ListItem         string   `yaml:"list_item" json:"list_item"`                 // a row of a list page
	Heading          string   `yaml:"heading" json:"heading"`                     // a list page's headings, which carry its counts
}

// Labels are the texts and aria-labels of one UI language. A "{name}" in a
// label stands for the member's name.
type Labels struct {
	More             []string          `yaml:"more" json:"more"`                           // the More button's text
	Connect          []string          `yaml:"connect" json:"connect"`                     // Connect's text
	Invite           []string          `yaml:"invite" json:"invite"`                       // the aria-label of Connect controls
	Pending          []string          `yaml:"pending" json:"pending"`                     // the Pending control's text
	PendingControl   []string          `yaml:"pending_control" json:"pending_control"`     // the Pending control's aria-label
	Follow           []string          `yaml:"follow" json:"follow"`                       // the Follow control's aria-label
	Following        []string          `yaml:"following" json:"following"`                 // the aria-labels shown once followed
	RemoveConnection []string          `yaml:"remove_connection" json:"remove_connection"` // the menu entry of 1st-degree profiles
	DegreeFirst      []string          `yaml:"degree_first" json:"degree_first"`           // "1st" in "· 1st"
	DegreeSecond     []string          `yaml:"degree_second" json:"degree_second"`         // "2nd" in "· 2nd"
	DegreeThird      []string          `yaml:"degree_third" json:"degree_third"`           // "3rd" in "· 3rd"
	AddNote          []string          `yaml:"add_note" json:"add_note"`                   // the dialog's Add a note button
	SendWithoutNote  []string          `yaml:"send_without_note" json:"send_without_note"` // the dialog's Send without a note button
	Send             []string          `yaml:"send" json:"send"`                           // the dialog's Send button
	WriteWithAI      []string          `yaml:"write_with_ai" json:"write_with_ai"`         // never clicked
	Dismiss          []string          `yaml:"dismiss" json:"dismiss"`                     // buttons that close a dialog or a toast
	GotIt            []string          `yaml:"got_it" json:"got_it"`                       // the weekly-limit alert's button
	EmailRequired    []string          `yaml:"email_required" json:"email_required"`       // text of the email prompt
	NotesRemaining   []string          `yaml:"notes_remaining" json:"notes_remaining"`     // a pattern whose group 1 is the notes left this month
	OutOfNotes       []string          `yaml:"out_of_notes" json:"out_of_notes"`           // text of the notes-quota message
	WeeklyLimit      []string          `yaml:"weekly_limit" json:"weekly_limit"`           // text of the weekly-limit alert
	Restricted       []string          `yaml:"restricted" json:"restricted"`               // text of a notice that the account is restricted
	Unavailable      []string          `yaml:"unavailable" json:"unavailable"`             // text of a missing profile
	WithdrawControl  []string          `yaml:"withdraw_control" json:"withdraw_control"`   // the aria-label of a sent row's Withdraw
	Withdraw         []string          `yaml:"withdraw" json:"withdraw"`                   // the confirmation's Withdraw button
	SentToday        []string          `yaml:"sent_today" json:"sent_today"`               // stamps meaning age zero
	SentYesterday    []string          `yaml:"sent_yesterday" json:"sent_yesterday"`       // stamps meaning one day
	SentPrefix       []string          `yaml:"sent_prefix" json:"sent_prefix"`             // how every sent stamp begins
	SentAge          []string          `yaml:"sent_age" json:"-"`                          // stamp patterns with groups n and unit
	SentCount        []string          `yaml:"sent_count" json:"-"`                        // the sent page's count of all its invitations, with a group n
	ConnectionCount  []string          `yaml:"connection_count" json:"-"`                  // the connections page's count of all connections, with a group n
	AgeUnits         map[string]string `yaml:"age_units" json:"-"`                         // unit word to duration ("week": "168h")
	ConnectedOn      []string          `yaml:"connected_on" json:"connected_on"`           // connection stamp patterns with a group date
	DateLayouts      []string          `yaml:"date_layouts" json:"-"`                      // Go layouts of the date in ConnectedOn
	ContactInfo      []string          `yaml:"contact_info" json:"contact_info"`           // the contact-info overlay's heading
	NoPosts          []string          `yaml:"no_posts" json:"no_posts"`                   // text of an empty activity page
	ReactionState    []string          `yaml:"reaction_state" json:"reaction_state"`       // how a Like button's label begins
	ReactionNone     []string          `yaml:"reaction_none" json:"reaction_none"`         // a Like button's label when the post is not liked
}

// DefaultSelectors returns the selectors embedded in the binary.
func DefaultSelectors() *Selectors {
	s, err := parseSelectors(defaultSelectorsYAML, nil)
	if err != nil {
		panic("linkedin: the embedded selectors.yaml is invalid: " + err.Error()) // caught by every test
	}
	return s
}

// LoadSelectors reads an override file over the embedded defaults: every key
// the file sets replaces the default's, and a language it adds joins the
// others.
func LoadSelectors(path string) (*Selectors, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("linkedin: read selectors: %w", err)
	}
	s, err := parseSelectors(data, DefaultSelectors())
	if err != nil {
		return nil, fmt.Errorf("linkedin: selectors file %s: %w", path, err)
	}
	return s, nil
}

func parseSelectors(data []byte, base *Selectors) (*Selectors, error) {
	s := &Selectors{}
	if base != nil {
		s.Paths, s.Selectors = base.Paths, base.Selectors
		s.Labels = maps.Clone(base.Labels)
	}
	if err := yaml.Unmarshal(data, s); err != nil {
		return nil, err
	}
	if err := s.prepare(); err != nil {
		return nil, err
	}
	return s, nil
}

// prepare checks the selectors and compiles the label patterns.
func (s *Selectors) prepare() error {
	if err := s.checkRequired(); err != nil {
		return err
	}
	if len(s.Labels) == 0 {
		return errors.New("no labels: at least one UI language is needed")
	}
	s.merged = Labels{}
	s.ageUnits = map[string]time.Duration{}
	s.sentAge, s.sentCount, s.connCount, s.connectedOn, s.dateLayouts = nil, nil, nil, nil, nil
	for _, lang := range slices.Sorted(maps.Keys(s.Labels)) {
		if err := s.addLanguage(lang, s.Labels[lang]); err != nil {
			return err
		}
	}
	return nil
}

// checkRequired names the paths and selectors that are missing.
func (s *Selectors) checkRequired() error {
	var missing []string
	need := map[string]string{
		"paths.profile": s.Paths.Profile, "paths.sent_invitations": s.Paths.SentInvitations,
		"paths.connections": s.Paths.Connections, "paths.custom_invite": s.Paths.CustomInvite,
		"selectors.topcard": s.Selectors.Topcard, "selectors.workspace": s.Selectors.Workspace,
		"selectors.more_button": s.Selectors.MoreButton, "selectors.dialog": s.Selectors.Dialog,
	}
	for _, k := range slices.Sorted(maps.Keys(need)) {
		if strings.TrimSpace(need[k]) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	return nil
}

// addLanguage checks one UI language's labels, merges them with the
// others' and compiles its patterns.
func (s *Selectors) addLanguage(lang string, l Labels) error {
	if len(l.Invite) == 0 || len(l.Connect) == 0 || len(l.More) == 0 {
		return fmt.Errorf("labels.%s: invite, connect and more are required", lang)
	}
	if len(l.WriteWithAI) == 0 {
		return fmt.Errorf("labels.%s: write_with_ai is required so the adapter can refuse it", lang)
	}
	mergeLabels(&s.merged, l)
	for _, p := range l.SentAge {
		re, err := regexp.Compile("(?i)" + p)
		if err != nil {
			return fmt.Errorf("labels.%s.sent_age %q: %w", lang, p, err)
		}
		if re.SubexpIndex("n") < 0 || re.SubexpIndex("unit") < 0 {
			return fmt.Errorf("labels.%s.sent_age %q: needs the groups (?<n>…) and (?<unit>…)", lang, p)
		}
		s.sentAge = append(s.sentAge, re)
	}
	var err error
	if s.sentCount, err = compileWithGroup(s.sentCount, l.SentCount, "n", "labels."+lang+".sent_count"); err != nil {
		return err
	}
	if s.connCount, err = compileWithGroup(s.connCount, l.ConnectionCount, "n", "labels."+lang+".connection_count"); err != nil {
		return err
	}
	for unit, d := range l.AgeUnits {
		dur, err := time.ParseDuration(d)
		if err != nil {
			return fmt.Errorf("labels.%s.age_units.%s: %w", lang, unit, err)
		}
		s.ageUnits[strings.ToLower(unit)] = dur
	}
	if s.connectedOn, err = compileWithGroup(s.connectedOn, l.ConnectedOn, "date", "labels."+lang+".connected_on"); err != nil {
		return err
	}
	s.dateLayouts = append(s.dateLayouts, l.DateLayouts...)
	for _, p := range l.NotesRemaining {
		if _, err := regexp.Compile(p); err != nil {
			return fmt.Errorf("labels.%s.notes_remaining %q: %w", lang, p, err)
		}
	}
	return nil
}

// compileWithGroup compiles case-insensitive patterns that must each hold
// the named group, appending them to dst; name says where they come from.
func compileWithGroup(dst []*regexp.Regexp, patterns []string, group, name string) ([]*regexp.Regexp, error) {
	for _, p := range patterns {
		re, err := regexp.Compile("(?i)" + p)
		if err != nil || re.SubexpIndex(group) < 0 {
			return dst, fmt.Errorf("%s %q: needs a valid pattern with (?<%s>…)", name, p, group)
		}
		dst = append(dst, re)
	}
	return dst, nil
}

// mergeLabels appends every list of l to dst: the page script tries the
// labels of all languages at once.
func mergeLabels(dst *Labels, l Labels) {
	add := func(d *[]string, src []string) {
		for _, v := range src {
			if !slices.Contains(*d, v) {
				*d = append(*d, v)
			}
		}
	}
	add(&dst.More, l.More)
	add(&dst.Connect, l.Connect)
	add(&dst.Invite, l.Invite)
	add(&dst.Pending, l.Pending)
	add(&dst.PendingControl, l.PendingControl)
	add(&dst.Follow, l.Follow)
	add(&dst.Following, l.Following)
	add(&dst.RemoveConnection, l.RemoveConnection)
	add(&dst.DegreeFirst, l.DegreeFirst)
	add(&dst.DegreeSecond, l.DegreeSecond)
	add(&dst.DegreeThird, l.DegreeThird)
	add(&dst.AddNote, l.AddNote)
	add(&dst.SendWithoutNote, l.SendWithoutNote)
	add(&dst.Send, l.Send)
	add(&dst.WriteWithAI, l.WriteWithAI)
	add(&dst.Dismiss, l.Dismiss)
	add(&dst.GotIt, l.GotIt)
	add(&dst.EmailRequired, l.EmailRequired)
	add(&dst.NotesRemaining, l.NotesRemaining)
	add(&dst.OutOfNotes, l.OutOfNotes)
	add(&dst.WeeklyLimit, l.WeeklyLimit)
	add(&dst.Restricted, l.Restricted)
	add(&dst.Unavailable, l.Unavailable)
	add(&dst.WithdrawControl, l.WithdrawControl)
	add(&dst.Withdraw, l.Withdraw)
	add(&dst.SentToday, l.SentToday)
	add(&dst.SentYesterday, l.SentYesterday)
	add(&dst.SentPrefix, l.SentPrefix)
	add(&dst.ConnectedOn, l.ConnectedOn)
	add(&dst.ContactInfo, l.ContactInfo)
	add(&dst.NoPosts, l.NoPosts)
	add(&dst.ReactionState, l.ReactionState)
	add(&dst.ReactionNone, l.ReactionNone)
}

// scriptConfig is what the page script receives.
type scriptConfig struct {
	Paths     Paths  `json:"paths"`
	Selectors CSS    `json:"selectors"`
	Labels    Labels `json:"labels"`
}

func (s *Selectors) script() scriptConfig {
	return scriptConfig{Paths: s.Paths, Selectors: s.Selectors, Labels: s.merged}
}

// parseSentCount reads the sent page's count of all its invitations from
// one of its headings ("People (42)"), or -1.
func (s *Selectors) parseSentCount(headings []string) int {
	return parseCount(s.sentCount, headings)
}

// parseConnectionCount reads the connections page's count of all the
// account's connections from one of its headings ("1,234 connections"), or
// -1.
func (s *Selectors) parseConnectionCount(headings []string) int {
	return parseCount(s.connCount, headings)
}

// parseCount returns the number in the group n of the first heading a
// pattern matches, thousands separators dropped, or -1. Whitespace,
// no-break spaces included, reads as one space.
func parseCount(patterns []*regexp.Regexp, headings []string) int {
	for _, h := range headings {
		t := strings.Join(strings.Fields(h), " ")
		for _, re := range patterns {
			m := re.FindStringSubmatch(t)
			if m == nil {
				continue
			}
			digits := strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, m[re.SubexpIndex("n")])
			if n, err := strconv.Atoi(digits); err == nil {
				return n
			}
		}
	}
	return -1
}

// parseAge reads a sent-invitation stamp such as "Sent 3 weeks ago". It
// returns the lower bound of the age and whether the stamp was understood.
func (s *Selectors) parseAge(text string) (time.Duration, bool) {
	t := strings.Join(strings.Fields(text), " ")
	for _, v := range s.merged.SentToday {
		if strings.EqualFold(t, v) {
			return 0, true
		}
	}
	for _, v := range s.merged.SentYesterday {
		if strings.EqualFold(t, v) {
			return 24 * time.Hour, true
		}
	}
	for _, re := range s.sentAge {
		m := re.FindStringSubmatch(t)
		if m == nil {
			continue
		}
		unit, ok := s.ageUnits[strings.ToLower(m[re.SubexpIndex("unit")])]
		if !ok {
			continue
		}
		n := 1
		if raw := m[re.SubexpIndex("n")]; raw != "" && raw[0] >= '0' && raw[0] <= '9' {
			if _, err := fmt.Sscanf(raw, "%d", &n); err != nil {
				continue
			}
		}
		if n < 0 || time.Duration(n) > math.MaxInt64/unit {
			continue // no stamp of a real page: it would overflow into a negative age
		}
		return time.Duration(n) * unit, true
	}
	return 0, false
}

// parseConnectedOn reads a stamp such as "Connected on March 3, 2026".
func (s *Selectors) parseConnectedOn(text string) (string, time.Time) {
	t := strings.Join(strings.Fields(text), " ")
	for _, re := range s.connectedOn {
		m := re.FindStringSubmatch(t)
		if m == nil {
			continue
		}
		date := strings.TrimSpace(m[re.SubexpIndex("date")])
		for _, layout := range s.dateLayouts {
			if d, err := time.Parse(layout, date); err == nil {
				return t, d
			}
		}
		return t, time.Time{}
	}
	return "", time.Time{}
}
