package linkedin

import (
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
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
	Paths     Paths             `yaml:"paths"`
	Selectors CSS               `yaml:"selectors"`
	Labels    map[string]Labels `yaml:"labels"`

	// Compiled from Labels by prepare.
	sentAge     []*regexp.Regexp
	ageUnits    map[string]time.Duration
	connectedOn []*regexp.Regexp
	dateLayouts []string
	merged      Labels
}

// Paths are the site's URL paths; {slug} stands for a vanity name.
type Paths struct {
	Profile            string   `yaml:"profile"`
	ContactInfo        string   `yaml:"contact_info"`
	Activity           string   `yaml:"activity"`
	SentInvitations    string   `yaml:"sent_invitations"`
	Connections        string   `yaml:"connections"`
	Login              string   `yaml:"login"`
	LoginPrefixes      []string `yaml:"login_prefixes" json:"login_prefixes"`
	CheckpointPrefixes []string `yaml:"checkpoint_prefixes" json:"checkpoint_prefixes"`
	CustomInvite       string   `yaml:"custom_invite" json:"custom_invite"`
	VanityParam        string   `yaml:"vanity_param" json:"vanity_param"`
}

// CSS holds the selectors the page script uses.
type CSS struct {
	Workspace        string   `yaml:"workspace" json:"workspace"`
	Topcard          string   `yaml:"topcard" json:"topcard"`
	TopcardFallbacks []string `yaml:"topcard_fallbacks" json:"topcard_fallbacks"`
	Toolbar          string   `yaml:"toolbar" json:"toolbar"`
	Name             string   `yaml:"name" json:"name"`
	MoreButton       string   `yaml:"more_button" json:"more_button"`
	Menu             string   `yaml:"menu" json:"menu"`
	MenuPortal       string   `yaml:"menu_portal" json:"menu_portal"`
	MenuItem         string   `yaml:"menu_item" json:"menu_item"`
	MessageLink      string   `yaml:"message_link" json:"message_link"`
	ContactInfoLink  string   `yaml:"contact_info_link" json:"contact_info_link"`
	Clickable        string   `yaml:"clickable" json:"clickable"`
	Degree           string   `yaml:"degree" json:"degree"`
	Dialog           string   `yaml:"dialog" json:"dialog"`
	NoteField        string   `yaml:"note_field" json:"note_field"`
	EmailField       string   `yaml:"email_field" json:"email_field"`
	WeeklyLimit      string   `yaml:"weekly_limit" json:"weekly_limit"`
	ErrorToast       string   `yaml:"error_toast" json:"error_toast"`
	CaptchaFrame     string   `yaml:"captcha_frame" json:"captcha_frame"`
	LoginForm        string   `yaml:"login_form" json:"login_form"`
	Mailto           string   `yaml:"mailto" json:"mailto"`
	Post             string   `yaml:"post" json:"post"`
	LikeButton       string   `yaml:"like_button" json:"like_button"`
	ListItem         string   `yaml:"list_item" json:"list_item"`
}

// Labels are the texts and aria-labels of one UI language. A "{name}" in a
// label stands for the member's name.
type Labels struct {
	More             []string          `yaml:"more" json:"more"`
	Connect          []string          `yaml:"connect" json:"connect"`
	Invite           []string          `yaml:"invite" json:"invite"`
	Pending          []string          `yaml:"pending" json:"pending"`
	PendingControl   []string          `yaml:"pending_control" json:"pending_control"`
	Follow           []string          `yaml:"follow" json:"follow"`
	Following        []string          `yaml:"following" json:"following"`
	RemoveConnection []string          `yaml:"remove_connection" json:"remove_connection"`
	DegreeFirst      []string          `yaml:"degree_first" json:"degree_first"`
	DegreeSecond     []string          `yaml:"degree_second" json:"degree_second"`
	DegreeThird      []string          `yaml:"degree_third" json:"degree_third"`
	AddNote          []string          `yaml:"add_note" json:"add_note"`
	SendWithoutNote  []string          `yaml:"send_without_note" json:"send_without_note"`
	Send             []string          `yaml:"send" json:"send"`
	WriteWithAI      []string          `yaml:"write_with_ai" json:"write_with_ai"`
	Dismiss          []string          `yaml:"dismiss" json:"dismiss"`
	GotIt            []string          `yaml:"got_it" json:"got_it"`
	EmailRequired    []string          `yaml:"email_required" json:"email_required"`
	NotesRemaining   []string          `yaml:"notes_remaining" json:"notes_remaining"`
	OutOfNotes       []string          `yaml:"out_of_notes" json:"out_of_notes"`
	WeeklyLimit      []string          `yaml:"weekly_limit" json:"weekly_limit"`
	Unavailable      []string          `yaml:"unavailable" json:"unavailable"`
	WithdrawControl  []string          `yaml:"withdraw_control" json:"withdraw_control"`
	Withdraw         []string          `yaml:"withdraw" json:"withdraw"`
	SentToday        []string          `yaml:"sent_today" json:"sent_today"`
	SentYesterday    []string          `yaml:"sent_yesterday" json:"sent_yesterday"`
	SentPrefix       []string          `yaml:"sent_prefix" json:"sent_prefix"`
	SentAge          []string          `yaml:"sent_age" json:"-"`
	AgeUnits         map[string]string `yaml:"age_units" json:"-"`
	ConnectedOn      []string          `yaml:"connected_on" json:"connected_on"`
	DateLayouts      []string          `yaml:"date_layouts" json:"-"`
	ContactInfo      []string          `yaml:"contact_info" json:"contact_info"`
	NoPosts          []string          `yaml:"no_posts" json:"no_posts"`
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
	if len(s.Labels) == 0 {
		return errors.New("no labels: at least one UI language is needed")
	}
	s.merged = Labels{}
	s.ageUnits = map[string]time.Duration{}
	s.sentAge, s.connectedOn, s.dateLayouts = nil, nil, nil
	for _, lang := range slices.Sorted(maps.Keys(s.Labels)) {
		l := s.Labels[lang]
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
		for unit, d := range l.AgeUnits {
			dur, err := time.ParseDuration(d)
			if err != nil {
				return fmt.Errorf("labels.%s.age_units.%s: %w", lang, unit, err)
			}
			s.ageUnits[strings.ToLower(unit)] = dur
		}
		for _, p := range l.ConnectedOn {
			re, err := regexp.Compile("(?i)" + p)
			if err != nil || re.SubexpIndex("date") < 0 {
				return fmt.Errorf("labels.%s.connected_on %q: needs a valid pattern with (?<date>…)", lang, p)
			}
			s.connectedOn = append(s.connectedOn, re)
		}
		s.dateLayouts = append(s.dateLayouts, l.DateLayouts...)
		for _, p := range l.NotesRemaining {
			if _, err := regexp.Compile(p); err != nil {
				return fmt.Errorf("labels.%s.notes_remaining %q: %w", lang, p, err)
			}
		}
	}
	return nil
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
	add(&dst.Unavailable, l.Unavailable)
	add(&dst.WithdrawControl, l.WithdrawControl)
	add(&dst.Withdraw, l.Withdraw)
	add(&dst.SentToday, l.SentToday)
	add(&dst.SentYesterday, l.SentYesterday)
	add(&dst.SentPrefix, l.SentPrefix)
	add(&dst.ConnectedOn, l.ConnectedOn)
	add(&dst.ContactInfo, l.ContactInfo)
	add(&dst.NoPosts, l.NoPosts)
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
