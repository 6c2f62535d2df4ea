package bot

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Block Kit's limits (https://docs.slack.dev/reference/block-kit/blocks).
const (
	maxBlocksPerMessage = 50
	maxBlocksPerView    = 100
	maxSectionText      = 3000
	maxFieldText        = 2000
	maxHeaderText       = 150
	maxButtonValue      = 2000
	maxFields           = 10
	maxFallbackText     = 3000
)

// message is one rendered Slack message.
type message struct {
	Text   string        `json:"text"`
	Blocks []slack.Block `json:"blocks"`
}

// digest identifies what the message shows, to tell whether an update
// would change anything.
func (m message) digest() string {
	b, err := json.Marshal(m)
	if err != nil {
		return "" // never equal to a stored digest: the update goes out
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// renderer turns views into Block Kit. Times are written as Slack date
// tokens, which each reader sees in their own timezone; the fallback text
// uses loc (the team's timezone).
type renderer struct {
	loc *time.Location
	now time.Time
}

// render renders a single-message view. A proposal has its own renderer
// (proposalMessages), since it may take several messages.
func (r renderer) render(v View) message {
	switch v := v.(type) {
	case NoticeView:
		return message{Text: v.Text, Blocks: []slack.Block{section("", v.Text)}}
	case HelpView:
		return r.help(v)
	case UnknownNameView:
		return r.unknownName(v)
	case StopConfirmView:
		return r.stopConfirm(v)
	case StopView:
		return r.stopped(v)
	case QuotaView:
		return r.quota(v)
	case StatusView:
		return r.status(v)
	case DigestView:
		return r.digest(v)
	case AlertView:
		return r.alert(v)
	case ReminderView:
		return r.reminder(v)
	}
	return message{Text: "Pacer has nothing to show."}
}

// --- help, notices, names

var helpLines = []string{
	"`/pacer quota [account]` · usage against every limit, next reset, state",
	"`/pacer status` · queues, open proposals, accounts waiting for a person",
	"`/pacer propose [campaign] [n]` · post a proposal of up to n prospects now (its approvers only)",
	"`/pacer pause <account|campaign>` · stop sending (its approvers only)",
	"`/pacer resume <account|campaign>` · send again (its approvers only)",
	"`/pacer stop all` · stop every account at once, after a confirmation (approvers only)",
	"`/pacer resume all` · undo `stop all` (approvers only)",
	"`/pacer digest` · post today's digest in this channel",
	"`/pacer help` · this list",
}

func (r renderer) help(v HelpView) message {
	var blocks []slack.Block
	if v.Problem != "" {
		blocks = append(blocks, section("", v.Problem))
	}
	blocks = append(blocks,
		section("", "*Pacer* proposes LinkedIn invitations for approval here and sends the approved ones within LinkedIn's limits.\n"+strings.Join(helpLines, "\n")))
	text := "Pacer commands: help, quota, status, propose, pause, resume, stop all, resume all, digest"
	if v.Problem != "" {
		text = v.Problem + " " + text
	}
	return message{Text: text, Blocks: blocks}
}

func (r renderer) unknownName(v UnknownNameView) message {
	valid := "none is configured"
	if len(v.Valid) > 0 {
		quoted := make([]string, len(v.Valid))
		for i, n := range v.Valid {
			quoted[i] = "`" + esc(n) + "`"
		}
		valid = "use one of " + strings.Join(quoted, ", ")
	}
	text := fmt.Sprintf("There is no %s called `%s`; %s.", v.What, esc(v.Name), valid)
	if v.Name == "" {
		text = fmt.Sprintf("Name the %s: %s.", v.What, valid)
	}
	return message{Text: text, Blocks: []slack.Block{section("", text)}}
}

// --- acks

// commandAck is the body of a slash command's immediate answer.
func (r renderer) commandAck(v View) ([]byte, error) {
	m := r.render(v)
	return json.Marshal(map[string]any{"response_type": "ephemeral", "text": m.Text, "blocks": m.Blocks})
}

// viewErrorsAck keeps a modal open with messages under its fields.
func viewErrorsAck(errs map[string]string) ([]byte, error) {
	return json.Marshal(slack.NewErrorsViewSubmissionResponse(errs))
}

// --- helpers

// when writes a time as a Slack date token: "Tuesday at 14:05" in each
// reader's own timezone, with a fallback in the team's.
func (r renderer) when(t time.Time) string {
	format := "{date_short_pretty} at {time}"
	return fmt.Sprintf("<!date^%d^%s|%s>", t.Unix(), format, t.In(r.loc).Format("Mon 2 Jan 15:04 MST"))
}

// clock writes a time of day ("14:05"), with the day when it is not today.
func (r renderer) clock(t time.Time) string {
	if !r.now.IsZero() && sameDay(t.In(r.loc), r.now.In(r.loc)) {
		return fmt.Sprintf("<!date^%d^{time}|%s>", t.Unix(), t.In(r.loc).Format("15:04 MST"))
	}
	return r.when(t)
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

func section(blockID, text string) *slack.SectionBlock {
	return slack.NewSectionBlock(mrkdwn(clip(text, maxSectionText)), nil, nil, slack.SectionBlockOptionBlockID(blockID))
}

func fieldsSection(fields []string) *slack.SectionBlock {
	if len(fields) > maxFields {
		fields = fields[:maxFields]
	}
	objs := make([]*slack.TextBlockObject, len(fields))
	for i, f := range fields {
		objs[i] = mrkdwn(clip(f, maxFieldText))
	}
	return slack.NewSectionBlock(nil, objs, nil)
}

func contextBlock(text string) *slack.ContextBlock {
	return slack.NewContextBlock("", mrkdwn(clip(text, maxSectionText)))
}

func mrkdwn(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, text, false, false)
}

func plain(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, text, true, false)
}

// esc escapes the three characters Slack's mrkdwn gives meaning to, so that
// text from a CSV file or a note cannot mention @channel or forge a link.
func esc(s string) string { return mrkdwnEscaper.Replace(s) }

// linkTarget makes a URL safe inside <url|label>.
func linkTarget(u string) string { return linkEscaper.Replace(u) }

var (
	mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	linkEscaper   = strings.NewReplacer("<", "%3C", ">", "%3E", "|", "%7C", " ", "%20")
)

// clip shortens s to at most n characters, ending with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}

func orText(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return s
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// --- button values

// Action IDs and the modal's callback ID: part of Pacer's public interface
// (DESIGN §11).
const (
	ActionApprove    = "proposal.approve"
	ActionReject     = "proposal.reject"
	ActionUndo       = "proposal.undo"
	ActionSkip       = "item.skip"
	ActionEdit       = "item.edit"
	CallbackEditNote = "edit_note"
)

// buttonValue is what a button carries: the proposal and the version the
// clicker saw, and the item for item buttons. It is written "12:3" or
// "12:3:45", far below Block Kit's 2,000 characters.
type buttonValue struct {
	ProposalID int64
	Version    int
	ItemID     int64
}

func (v buttonValue) String() string {
	s := strconv.FormatInt(v.ProposalID, 10) + ":" + strconv.Itoa(v.Version)
	if v.ItemID != 0 {
		s += ":" + strconv.FormatInt(v.ItemID, 10)
	}
	return s
}

// parseButtonValue reads a button's value; withItem says whether an item
// is expected.
func parseButtonValue(s string, withItem bool) (buttonValue, error) {
	parts := strings.Split(s, ":")
	want := 2
	if withItem {
		want = 3
	}
	if len(s) > maxButtonValue || len(parts) != want {
		return buttonValue{}, malformed("button value %q", clip(s, 40))
	}
	var v buttonValue
	var err1, err2, err3 error
	v.ProposalID, err1 = strconv.ParseInt(parts[0], 10, 64)
	v.Version, err2 = strconv.Atoi(parts[1])
	if withItem {
		v.ItemID, err3 = strconv.ParseInt(parts[2], 10, 64)
	}
	if err1 != nil || err2 != nil || err3 != nil || v.ProposalID <= 0 || v.Version < 0 || (withItem && v.ItemID <= 0) {
		return buttonValue{}, malformed("button value %q", clip(s, 40))
	}
	return v, nil
}

// noteMeta is the Edit note modal's private_metadata: which item, at which
// version, sent by which account (for the note length limit), and where the
// proposal's message is.
type noteMeta struct {
	ProposalID int64
	ItemID     int64
	Version    int
	Account    string
	Channel    string
}

func (m noteMeta) String() string {
	return fmt.Sprintf("%d:%d:%d:%s:%s", m.ProposalID, m.ItemID, m.Version, m.Account, m.Channel)
}

func parseNoteMeta(s string) (noteMeta, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 5 {
		return noteMeta{}, malformed("edit_note metadata")
	}
	v, err := parseButtonValue(parts[0]+":"+parts[2]+":"+parts[1], true)
	if err != nil {
		return noteMeta{}, malformed("edit_note metadata")
	}
	return noteMeta{ProposalID: v.ProposalID, ItemID: v.ItemID, Version: v.Version, Account: parts[3], Channel: parts[4]}, nil
}
