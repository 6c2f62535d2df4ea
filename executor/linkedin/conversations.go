package linkedin

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/go-rod/rod"

	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/pacertype"
)

const opConversations = "conversations"

// inboxReport is what the page script reads from the messaging list.
type inboxReport struct {
	notices
	Ready    bool         `json:"ready"`
	List     bool         `json:"list"` // the list itself showed, empty or not
	Cards    []cardReport `json:"cards"`
	TZOffset int          `json:"tz_offset"` // the browser's offset from UTC, in minutes: the stamps' zone
}

// cardReport is one card of the messaging list, as shown; any part may be
// missing.
type cardReport struct {
	Slug    string `json:"slug"`    // from a profile link in the card
	Name    string `json:"name"`    // the member's name
	URL     string `json:"url"`     // the conversation's address
	Time    string `json:"time"`    // the stamp, such as "2:15 PM" or "Mar 3"
	Snippet string `json:"snippet"` // the last message's start, "You: …" when the account wrote it
}

// Conversations reads the messaging list in one page load: the
// conversations it shows, the most recent first, whose last message may
// be at or after since (its stamp's minute or day reaches since), and
// those whose stamp it cannot read. A card naming nobody is left out.
// LinkedIn lists only the latest conversations on the first screen: a
// caller that reads it often enough misses none.
func (ss *Session) Conversations(ctx context.Context, since time.Time) ([]executor.Conversation, error) {
	out := []executor.Conversation{}
	err := ss.run(ctx, opConversations, "", func(ctx context.Context, p *rod.Page) error {
		r, err := ss.inboxPage(ctx, p)
		if err != nil {
			return err
		}
		now := ss.site.now().In(time.FixedZone("browser", r.TZOffset*60))
		out = ss.site.sel.conversations(r.Cards, now, since)
		return nil
	})
	return out, err
}

// inboxPage opens the messaging list and waits until it shows and its
// cards stop changing.
func (ss *Session) inboxPage(ctx context.Context, p *rod.Page) (inboxReport, error) {
	if err := navigate(p, ss.site.base+ss.site.sel.Paths.Messaging); err != nil {
		return inboxReport{}, err
	}
	last := -1
	r, ok, err := poll(ctx, ss.site, p, opConversations, "", "inbox", func(r inboxReport) bool {
		if !r.Ready || !r.List {
			return false
		}
		same := len(r.Cards) == last
		last = len(r.Cards)
		return same
	})
	if err != nil {
		return r, err
	}
	if !ok {
		return r, executor.NewError(pacertype.OutcomeUnrecognized, opConversations, "", errors.New("the messaging list did not appear"))
	}
	return r, nil
}

// conversations turns cards into conversations: a card naming nobody is
// left out, and so is one whose last message is known to be older than
// since.
func (s *Selectors) conversations(cards []cardReport, now, since time.Time) []executor.Conversation {
	out := []executor.Conversation{}
	for _, c := range cards {
		conv, until, ok := s.conversation(c, now)
		if !ok || (!until.IsZero() && !until.After(since)) {
			continue
		}
		out = append(out, conv)
	}
	return out
}

// conversation reads one card. until is when the stamp's minute or day
// ends, or zero when the stamp was not understood.
func (s *Selectors) conversation(c cardReport, now time.Time) (conv executor.Conversation, until time.Time, ok bool) {
	conv = executor.Conversation{Slug: c.Slug, Name: oneLine(c.Name), URL: c.URL, LastAtText: oneLine(c.Time)}
	if isProfileURN(conv.Slug) {
		conv.Slug = "" // a profile URN id, not a vanity name: the card does not tell it
	}
	if conv.Slug == "" && conv.Name == "" {
		return conv, until, false
	}
	conv.LastSender, conv.Excerpt = s.lastSender(oneLine(c.Snippet), conv.Name)
	if at, span, known := s.parseMessageTime(conv.LastAtText, now); known {
		conv.LastAt, until = at, at.Add(span)
	}
	return conv, until, true
}

// isProfileURN reports whether a profile link's path segment is a profile
// URN id ("ACoAA…", lower-cased by the page script) rather than a vanity
// name.
func isProfileURN(s string) bool {
	return len(s) >= 20 && strings.HasPrefix(strings.ToLower(s), "acoa")
}

// oneLine collapses whitespace, no-break spaces included, into single
// spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// lastSender reads who wrote a card's last message from its snippet: the
// account when it begins with a from_us label ("You: …"), else the other
// member, whose "<Name>: " prefix, if any, is dropped too.
func (s *Selectors) lastSender(snippet, name string) (executor.Sender, string) {
	if snippet == "" {
		return executor.SenderUnknown, ""
	}
	for _, p := range s.merged.FromUs {
		if rest, ok := cutPrefixFold(snippet, p); ok {
			return executor.SenderUs, strings.TrimSpace(rest)
		}
	}
	first, _, _ := strings.Cut(name, " ")
	for _, p := range []string{name + ":", first + ":"} {
		if rest, ok := cutPrefixFold(snippet, p); ok && len(p) > 1 {
			return executor.SenderThem, strings.TrimSpace(rest)
		}
	}
	return executor.SenderThem, snippet
}

// cutPrefixFold is strings.CutPrefix, ignoring case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

// parseMessageTime reads a messaging-list stamp relative to now, in now's
// zone (the browser's): "now", a time of today ("2:15 PM"), "Yesterday",
// a weekday of the past week ("Mon"), or a date ("Mar 3", "Mar 3, 2025").
// It returns the start of the minute or day the stamp names and how long
// that lasts.
func (s *Selectors) parseMessageTime(text string, now time.Time) (time.Time, time.Duration, bool) {
	t := oneLine(text)
	if t == "" {
		return time.Time{}, 0, false
	}
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	for _, v := range s.merged.MessageNow {
		if strings.EqualFold(t, v) {
			return now.Truncate(time.Minute), time.Minute, true
		}
	}
	for _, v := range s.merged.MessageYesterday {
		if strings.EqualFold(t, v) {
			return day.AddDate(0, 0, -1), 24 * time.Hour, true
		}
	}
	for _, layout := range s.merged.MessageClockLayouts {
		if c, err := time.Parse(layout, strings.ToUpper(t)); err == nil {
			return day.Add(time.Duration(c.Hour())*time.Hour + time.Duration(c.Minute())*time.Minute), time.Minute, true
		}
	}
	if wd, ok := s.weekday(t); ok {
		back := (int(now.Weekday()) - int(wd) + 7) % 7
		if back == 0 {
			back = 7 // today's stamps show the time: the same weekday is a week ago
		}
		return day.AddDate(0, 0, -back), 24 * time.Hour, true
	}
	for _, layout := range s.merged.MessageDateLayouts {
		d, err := time.ParseInLocation(layout, t, now.Location())
		if err != nil {
			continue
		}
		if !strings.Contains(layout, "2006") {
			// No year: this year's, unless that is still to come.
			d = time.Date(now.Year(), d.Month(), d.Day(), 0, 0, 0, 0, now.Location())
			if d.After(now) {
				d = d.AddDate(-1, 0, 0)
			}
		}
		return d, 24 * time.Hour, true
	}
	return time.Time{}, 0, false
}

// weekday reads a day's name or its abbreviation ("Mon", "Mo."), in any
// configured language.
func (s *Selectors) weekday(t string) (time.Weekday, bool) {
	t = strings.TrimSuffix(strings.ToLower(t), ".")
	if len([]rune(t)) < 2 {
		return 0, false
	}
	for _, names := range s.weekdays {
		for i, n := range names {
			if strings.HasPrefix(strings.ToLower(n), t) {
				return time.Weekday(i), true
			}
		}
	}
	return 0, false
}
