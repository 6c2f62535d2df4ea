package sim

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Invitation is one invitation the simulator received.
type Invitation struct {
	// Slug is the invitee's vanity name.
	Slug string `json:"slug"`
	// Note is the personal note, or "".
	Note string `json:"note"`
	// Email is the address given when the dialog asked for one.
	Email string `json:"email,omitempty"`
	// At is the simulated time of the invitation.
	At time.Time `json:"at"`
	// Account is the sending account's li_at value.
	Account string `json:"account"`
}

// Action is one follow, like, withdrawal or profile view the simulator
// received.
type Action struct {
	// Slug is the member acted on.
	Slug string `json:"slug"`
	// Post is the liked post's id, for likes and unlikes.
	Post string `json:"post,omitempty"`
	// At is the simulated time of the action.
	At time.Time `json:"at"`
	// Account is the acting account's li_at value.
	Account string `json:"account"`
}

// PageLoad is one page a session loaded: a navigation to it, not the page
// re-rendering itself after an action.
type PageLoad struct {
	// Account is the loading account's li_at value.
	Account string `json:"account"`
	// Path is the page's path, such as "/in/jane-doe/".
	Path string `json:"path"`
	// Slug is the member whose page it is (profile, contact info,
	// activity), or "".
	Slug string `json:"slug,omitempty"`
	// At is the simulated time of the load.
	At time.Time `json:"at"`
	// RealAt is the real time of the load (Options.Now).
	RealAt time.Time `json:"real_at"`
}

// Received is exactly what the simulator received, in order, as served by
// GET /_sim/received.
type Received struct {
	// Invitations lists every invitation sent, side-rail ones included.
	Invitations []Invitation `json:"invitations"`
	// Follows lists every follow.
	Follows []Action `json:"follows"`
	// Likes lists every like of a post.
	Likes []Action `json:"likes"`
	// Unlikes lists every click that removed a like.
	Unlikes []Action `json:"unlikes"`
	// Withdrawals lists every withdrawn invitation.
	Withdrawals []Action `json:"withdrawals"`
	// Views lists every profile view (profile pages and contact-info overlays).
	Views []Action `json:"views"`
	// Lost lists the invitations made to vanish with Lose: received, but
	// never delivered.
	Lost []Action `json:"lost"`
	// Messages lists every message sent, exactly as typed.
	Messages []Message `json:"messages"`
	// PageLoads lists every page each session loaded.
	PageLoads []PageLoad `json:"page_loads"`
	// AIClicks counts the clicks on Write with AI, which Pacer must never make.
	AIClicks int `json:"ai_clicks"`
}

func (r Received) forAccount(acct string) Received {
	keepI := func(in []Invitation) []Invitation {
		out := []Invitation{}
		for _, x := range in {
			if x.Account == acct {
				out = append(out, x)
			}
		}
		return out
	}
	keepA := func(in []Action) []Action {
		out := []Action{}
		for _, x := range in {
			if x.Account == acct {
				out = append(out, x)
			}
		}
		return out
	}
	loads := []PageLoad{}
	for _, x := range r.PageLoads {
		if x.Account == acct {
			loads = append(loads, x)
		}
	}
	msgs := []Message{}
	for _, x := range r.Messages {
		if x.Account == acct {
			msgs = append(msgs, x)
		}
	}
	return Received{
		Invitations: keepI(r.Invitations), Follows: keepA(r.Follows), Likes: keepA(r.Likes),
		Unlikes: keepA(r.Unlikes), Withdrawals: keepA(r.Withdrawals), Views: keepA(r.Views),
		Lost: keepA(r.Lost), Messages: msgs, PageLoads: loads, AIClicks: r.AIClicks,
	}
}

func (r Received) clone() Received {
	return Received{
		Invitations: append([]Invitation{}, r.Invitations...),
		Follows:     append([]Action{}, r.Follows...),
		Likes:       append([]Action{}, r.Likes...),
		Unlikes:     append([]Action{}, r.Unlikes...),
		Withdrawals: append([]Action{}, r.Withdrawals...),
		Views:       append([]Action{}, r.Views...),
		Lost:        append([]Action{}, r.Lost...),
		Messages:    append([]Message{}, r.Messages...),
		PageLoads:   append([]PageLoad{}, r.PageLoads...),
		AIClicks:    r.AIClicks,
	}
}

// pending is an invitation that is neither accepted nor withdrawn.
type pending struct {
	slug     string
	note     string
	at       time.Time
	acceptAt time.Time // zero when it will not be accepted by itself
}

// account is what one simulated LinkedIn account has done.
type account struct {
	id          string
	premium     bool
	pending     map[string]*pending
	sent        []time.Time          // every invitation sent, for the weekly limit
	notes       map[string]int       // personalized invitations per calendar month ("2026-03")
	connections map[string]time.Time // slug → connected at
	base        int                  // connections made before the simulation, counted but not listed
	removed     map[string]bool      // 1st-degree personas whose connection was removed
	following   map[string]bool
	liked       map[string]bool // slug + "/" + post
	toasted     map[string]bool
	chats       map[string]*chat // slug → the conversation with that member
	// checkpointed sends every page to a security checkpoint; restricted
	// refuses every invitation with a restriction notice.
	checkpointed, restricted bool
}

func newAccount(id string, premium bool) *account {
	return &account{
		id: id, premium: premium,
		pending: map[string]*pending{}, notes: map[string]int{},
		connections: map[string]time.Time{}, removed: map[string]bool{},
		following: map[string]bool{}, liked: map[string]bool{}, toasted: map[string]bool{},
		chats: map[string]*chat{},
	}
}

// settle turns due acceptances into connections.
func (a *account) settle(now time.Time) {
	for slug, p := range a.pending {
		if !p.acceptAt.IsZero() && !now.Before(p.acceptAt) {
			a.connections[slug] = p.acceptAt
			delete(a.pending, slug)
		}
	}
}

// sentSince counts the invitations sent after t.
func (a *account) sentSince(t time.Time) int {
	n := 0
	for _, at := range a.sent {
		if at.After(t) {
			n++
		}
	}
	return n
}

// degree is the persona's degree as this account sees it now.
func (a *account) degree(p Persona) int {
	if _, ok := a.connections[p.Slug]; ok {
		return 1
	}
	if p.Degree == 1 && !a.removed[p.Slug] {
		return 1
	}
	if p.Degree == 1 {
		return 2
	}
	return p.Degree
}

func (a *account) connectedAt(p Persona, start time.Time) (time.Time, bool) {
	if t, ok := a.connections[p.Slug]; ok {
		return t, true
	}
	if p.Degree == 1 && !a.removed[p.Slug] {
		// A connection from before the simulation began.
		return start.AddDate(0, -1-int(hashOf(p.Slug)%20), 0), true
	}
	return time.Time{}, false
}

func monthKey(t time.Time) string { return t.Format("2006-01") }

// sentRow is a row of the sent-invitations page.
type sentRow struct {
	Persona Persona
	At      time.Time
	Age     string
}

func (a *account) sentRows(now time.Time) []sentRow {
	rows := make([]sentRow, 0, len(a.pending))
	for _, p := range a.pending {
		per := NewPersona(p.slug)
		age := ageText(now.Sub(p.at))
		if per.NoAge {
			age = "Sent recently"
		}
		rows = append(rows, sentRow{Persona: per, At: p.at, Age: age})
	}
	sort.Slice(rows, func(i, j int) bool {
		if !rows[i].At.Equal(rows[j].At) {
			return rows[i].At.After(rows[j].At)
		}
		return rows[i].Persona.Slug < rows[j].Persona.Slug
	})
	return rows
}

// connRow is a row of the connections page.
type connRow struct {
	Persona Persona
	At      time.Time
}

func (a *account) connRows() []connRow {
	rows := make([]connRow, 0, len(a.connections))
	for slug, at := range a.connections {
		rows = append(rows, connRow{Persona: NewPersona(slug), At: at})
	}
	sort.Slice(rows, func(i, j int) bool {
		if !rows[i].At.Equal(rows[j].At) {
			return rows[i].At.After(rows[j].At)
		}
		return rows[i].Persona.Slug < rows[j].Persona.Slug
	})
	return rows
}

// ageText writes an invitation's age the way LinkedIn does.
func ageText(d time.Duration) string {
	day := 24 * time.Hour
	plural := func(n int, unit string) string {
		if n == 1 {
			return "Sent 1 " + unit + " ago"
		}
		return "Sent " + strconv.Itoa(n) + " " + unit + "s ago"
	}
	switch {
	case d < day:
		return "Sent today"
	case d < 7*day:
		return plural(int(d/day), "day")
	case d < 30*day:
		return plural(int(d/(7*day)), "week")
	case d < 365*day:
		return plural(int(d/(30*day)), "month")
	default:
		return plural(int(d/(365*day)), "year")
	}
}

func isPremiumSession(id string, premium []string) bool {
	return strings.Contains(strings.ToLower(id), "premium") || slices.Contains(premium, id)
}
