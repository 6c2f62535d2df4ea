package sim

import (
	"encoding/base32"
	"encoding/binary"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// The messaging view: the conversation list (/messaging/), a conversation
// (/messaging/thread/<id>/), the compose page a profile's Message link opens
// (/messaging/compose/?profileUrn=…), and the Premium upsell or InMail
// composer that link leads to for someone who is not a connection.

// Message is one message the simulator received from an account.
type Message struct {
	// Slug is the recipient's vanity name.
	Slug string `json:"slug"`
	// Text is the message exactly as the composer held it at Send.
	Text string `json:"text"`
	// InMail is true for an InMail to someone who is not a connection,
	// which Pacer must never send.
	InMail bool `json:"inmail,omitempty"`
	// At is the simulated time of the message.
	At time.Time `json:"at"`
	// Account is the sending account's li_at value.
	Account string `json:"account"`
}

// chat is one account's conversation with one member.
type chat struct {
	id    string
	slug  string
	msgs  []chatMessage
	draft string // what the composer opens with, kept as LinkedIn keeps drafts
}

type chatMessage struct {
	fromUs bool
	text   string
	at     time.Time
}

// chatFor returns acct's conversation with slug, starting one if needed.
func (a *account) chatFor(slug string) *chat {
	c := a.chats[slug]
	if c == nil {
		c = &chat{id: threadID(a.id, slug), slug: slug}
		a.chats[slug] = c
	}
	return c
}

// threadID names a conversation the way LinkedIn's thread ids look
// ("2-" and an opaque base32 string).
func threadID(acct, slug string) string {
	var raw [8]byte
	binary.BigEndian.PutUint64(raw[:], hashOf("thread", acct, slug))
	return "2-" + strings.TrimRight(base32.StdEncoding.EncodeToString(raw[:]), "=")
}

func threadPath(c *chat) string { return "/messaging/thread/" + c.id + "/" }

// Reply makes slug send acct a message now, as if the member replied: it
// shows in the account's messaging list and the conversation. It starts
// the conversation if there is none.
func (s *Server) Reply(acct, slug, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rememberURN(NewPersona(slug))
	c := s.account(acct).chatFor(slug)
	c.msgs = append(c.msgs, chatMessage{text: text, at: s.now()})
}

// Draft leaves text in the composer of acct's conversation with slug, as
// LinkedIn keeps a draft nobody sent (or text it prefilled): the composer
// opens holding it until a message is sent.
func (s *Server) Draft(acct, slug, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rememberURN(NewPersona(slug))
	s.account(acct).chatFor(slug).draft = text
}

// rememberURN records which member a profile URN id stands for: the
// Message link and the conversation header name members by it.
func (s *Server) rememberURN(p Persona) { s.urns[p.URN] = p.Slug }

func (s *Server) messagingRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /messaging/{$}", s.authed(s.inbox))
	m.HandleFunc("GET /messaging/compose/{$}", s.authed(s.compose))
	m.HandleFunc("GET /messaging/thread/{id}/{$}", s.authed(s.threadPage))
	m.HandleFunc("GET /static/messaging.js", s.static("messaging.js", "text/javascript; charset=utf-8"))
	m.HandleFunc("POST /voyager/api/messaging/send", s.apiAuthed(s.apiMessageSend))
	m.HandleFunc("POST /_sim/reply", s.adminReply)
	m.HandleFunc("POST /_sim/draft", s.adminDraft)
}

// msgCard is a card of the conversation list.
type msgCard struct {
	P       Persona
	URL     string
	Stamp   string
	Snippet string
	Active  bool
}

// msgLine is a message of an open conversation.
type msgLine struct {
	FromUs bool
	Name   string
	Stamp  string
	Text   string
}

// threadView is an open conversation: its messages and its composer.
type threadView struct {
	P        Persona
	Messages []msgLine
	Draft    string
	// InMail makes the composer an InMail one (a subject field and the
	// credits it costs): what a premium account gets for a non-connection.
	InMail bool
}

// messagingView is a messaging page: the list, and the conversation, the
// upsell or nothing on the right.
type messagingView struct {
	Cards  []msgCard
	Thread *threadView
	Upsell *Persona
	JSON   map[string]any
}

// messagingView lays out acct's conversations, the most recent first;
// conversations holding only a draft are not listed.
func (s *Server) messagingView(a *account, open string) messagingView {
	now := s.now()
	chats := make([]*chat, 0, len(a.chats))
	for _, c := range a.chats {
		if len(c.msgs) > 0 {
			chats = append(chats, c)
		}
	}
	sort.Slice(chats, func(i, j int) bool {
		ti, tj := chats[i].msgs[len(chats[i].msgs)-1].at, chats[j].msgs[len(chats[j].msgs)-1].at
		if !ti.Equal(tj) {
			return ti.After(tj)
		}
		return chats[i].slug < chats[j].slug
	})
	v := messagingView{Cards: make([]msgCard, 0, len(chats)), JSON: map[string]any{}}
	for _, c := range chats {
		last := c.msgs[len(c.msgs)-1]
		snippet := strings.Join(strings.Fields(last.text), " ")
		if last.fromUs {
			snippet = "You: " + snippet
		}
		v.Cards = append(v.Cards, msgCard{P: NewPersona(c.slug), URL: threadPath(c), Stamp: listStamp(last.at, now), Snippet: snippet, Active: c.slug == open})
	}
	return v
}

// threadOf lays out acct's conversation with p.
func (s *Server) threadOf(a *account, p Persona) *threadView {
	tv := &threadView{P: p}
	c := a.chats[p.Slug]
	if c == nil {
		return tv
	}
	tv.Draft = c.draft
	for _, m := range c.msgs {
		l := msgLine{FromUs: m.fromUs, Name: p.Name, Stamp: m.at.Local().Format("3:04 PM"), Text: m.text}
		if m.fromUs {
			l.Name = "You"
		}
		tv.Messages = append(tv.Messages, l)
	}
	return tv
}

// listStamp writes a message's time the way the conversation list does:
// the time today, "Yesterday", the weekday within a week, else the date.
func listStamp(at, now time.Time) string {
	at, now = at.Local(), now.Local()
	day := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location()) }
	days := int(day(now).Sub(day(at)).Hours()+12) / 24
	switch {
	case days <= 0:
		return at.Format("3:04 PM")
	case days == 1:
		return "Yesterday"
	case days < 7:
		return at.Format("Mon")
	case at.Year() == now.Year():
		return at.Format("Jan 2")
	default:
		return at.Format("Jan 2, 2006")
	}
}

func (s *Server) inbox(w http.ResponseWriter, _ *http.Request, a *account) {
	s.mu.Lock()
	v := s.messagingView(a, "")
	s.mu.Unlock()
	s.render(w, http.StatusOK, "messaging", v)
}

// compose opens a conversation from a profile's Message link: the existing
// conversation, a new one, or, for someone who is not a connection, the
// Premium upsell (free accounts) or the InMail composer (premium ones).
func (s *Server) compose(w http.ResponseWriter, r *http.Request, a *account) {
	s.mu.Lock()
	slug, ok := s.urns[urnOf(r.URL.Query())]
	if !ok {
		s.mu.Unlock()
		s.render(w, http.StatusNotFound, "notfound", nil)
		return
	}
	p := NewPersona(slug)
	if c := a.chats[slug]; c != nil && len(c.msgs) > 0 && a.degree(p) == 1 {
		s.mu.Unlock()
		http.Redirect(w, r, threadPath(c), http.StatusFound)
		return
	}
	v := s.messagingView(a, slug)
	v.JSON = map[string]any{"slug": p.Slug, "name": p.Name}
	switch {
	case a.degree(p) == 1:
		v.Thread = s.threadOf(a, p)
	case a.premium:
		v.Thread = &threadView{P: p, InMail: true}
	default:
		v.Upsell = &p
	}
	s.mu.Unlock()
	s.render(w, http.StatusOK, "messaging", v)
}

// urnOf reads the member a compose link names: profileUrn
// ("urn:li:fsd_profile:<id>") or recipient ("<id>").
func urnOf(q url.Values) string {
	if u := q.Get("profileUrn"); u != "" {
		return u[strings.LastIndex(u, ":")+1:]
	}
	return q.Get("recipient")
}

func (s *Server) threadPage(w http.ResponseWriter, r *http.Request, a *account) {
	id := r.PathValue("id")
	s.mu.Lock()
	var found *chat
	for _, c := range a.chats {
		if c.id == id {
			found = c
		}
	}
	if found == nil {
		s.mu.Unlock()
		s.render(w, http.StatusNotFound, "notfound", nil)
		return
	}
	p := NewPersona(found.slug)
	v := s.messagingView(a, p.Slug)
	v.Thread = s.threadOf(a, p)
	v.JSON = map[string]any{"slug": p.Slug, "name": p.Name}
	s.mu.Unlock()
	s.render(w, http.StatusOK, "messaging", v)
}

// apiMessageSend receives a message. LinkedIn may stop it at Send as it
// stops an invitation (a checkpoint, a sign-in wall, a restriction), and a
// -toast member's first one fails with an error toast.
func (s *Server) apiMessageSend(_ *http.Request, a *account, body map[string]string) (any, int) {
	slug, text := body["slug"], body["text"]
	if !validSlug(slug) || strings.TrimSpace(text) == "" {
		return map[string]any{"status": "error", "message": "Unknown member or empty message"}, http.StatusBadRequest
	}
	p := NewPersona(slug)
	if res, code, stopped := s.stopAtSend(a, p); stopped {
		return res, code
	}
	inMail := a.degree(p) != 1
	switch {
	case inMail && !(a.premium && body["inmail"] == "true"):
		return map[string]any{"status": "error", "message": "You can only message your connections."}, http.StatusOK
	case p.Toast && !a.toasted["message/"+slug]:
		a.toasted["message/"+slug] = true
		return map[string]any{"status": "error", "message": "Your message couldn’t be sent. Please try again."}, http.StatusOK
	}
	now := s.now()
	c := a.chatFor(slug)
	c.msgs = append(c.msgs, chatMessage{fromUs: true, text: text, at: now})
	c.draft = ""
	s.received.Messages = append(s.received.Messages, Message{Slug: slug, Text: text, InMail: inMail, At: now, Account: a.id})
	if inMail {
		s.log.Warn("sim: an InMail was sent", slog.String("slug", slug))
	}
	s.logAction(a, "message", slug)
	return map[string]any{"status": "ok", "thread": threadPath(c)}, http.StatusOK
}

func (s *Server) adminReply(w http.ResponseWriter, r *http.Request) {
	s.adminText(w, r, s.Reply)
}

func (s *Server) adminDraft(w http.ResponseWriter, r *http.Request) {
	s.adminText(w, r, s.Draft)
}

// adminText reads {"account","slug","text"} for Reply and Draft.
func (s *Server) adminText(w http.ResponseWriter, r *http.Request, do func(acct, slug, text string)) {
	b, ok := readAdmin(w, r)
	if !ok {
		return
	}
	if b.Account == "" || !validSlug(b.Slug) || strings.TrimSpace(b.Text) == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "sim: account, a valid slug and a non-empty text are required"})
		return
	}
	do(b.Account, b.Slug, b.Text)
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}
