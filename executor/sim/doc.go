// Package sim is a simulated LinkedIn: a local HTTP server whose pages carry
// the anchors and flows of the real 2026 site, so that the LinkedIn adapter,
// the runner, demos and `pacer serve --sim` run against it exactly as they
// would against www.linkedin.com, without an account or a network.
//
// # Pages
//
// Profile pages (/in/<slug>/) follow the structure of the real pages saved
// in executor/linkedin/testdata/fixtures: a top card section[componentkey$="Topcard"]
// inside main#workspace; a sticky div[role="toolbar"] repeating More,
// Message, Follow and Pending; a More button with no aria-label whose menu is
// rendered as a div[data-floating-ui-portal] at the end of body only once
// opened; the hidden "· 1st" alternative on 2nd-degree cards; and side rails
// ("More profiles for you", "Explore premium profiles") holding strangers'
// button[aria-label="Invite <Other> to connect"]. Clicking a stranger's
// Connect really sends them an invitation, so a test can prove the adapter
// never does.
//
// Clicking the profile's own Connect (in the top card or the More menu)
// opens the invite dialog inside the open shadow root of div#interop-outlet,
// with Add a note, Send without a note, Send invitation (disabled until the
// note has text), a note counter reading 0/200 (free accounts) or 0/300
// (premium), "N personalized invitations remaining for this month" for free
// accounts, the notes-quota message once they run out, and a Write with AI
// button whose every click is counted (ai_clicks). Once an account has sent
// Options.WeeklyLimit invitations in 7 simulated days, Connect shows the
// weekly-limit alert (div.ip-fuse-limit-alert, "You’ve reached the weekly
// invitation limit") instead.
//
// There are also the sent-invitations page with ages ("Sent 3 weeks ago")
// and Withdraw, the connections page (most recent first, headed by the
// count of all the account's connections, "1,234 connections": the
// simulation's own plus Options.BaseConnections, made before it began and
// never listed), the contact-info
// overlay (/in/<slug>/overlay/contact-info/, with a mailto link for
// connections who share their email), each member's recent activity in the
// 2026 markup (post cards with neither data-urn nor feed-shared-update-v2,
// Like buttons without aria-pressed whose label alone tells the state:
// "Reaction button state: no reaction", then "Reaction button state:
// Like"; a second click removes the like), a checkpoint page with a CAPTCHA
// frame, a login page, and a 404 page. Every page declares UTF-8.
//
// The messaging view uses LinkedIn's msg-* markup: a profile's Message
// link (/messaging/compose/?profileUrn=…) opens the conversation with a
// 1st-degree connection (a redirect to /messaging/thread/<id>/ once it
// has messages), whose composer is a contenteditable
// div.msg-form__contenteditable in form.msg-form with a Send button
// disabled while it is empty, a Write with AI button (counted in
// ai_clicks), and Enter sending as with LinkedIn's "Press Enter to Send"
// (Shift+Enter breaks the line). Messages are li.msg-s-message-list__event
// items, the member's marked msg-s-event-listitem--other. For someone who
// is not a connection, Message opens a Premium upsell (free accounts) or
// an InMail composer with a subject field (premium accounts; an InMail
// sent is received with InMail set). /messaging/ lists the conversations,
// the most recent first, each card with the member's name, a stamp
// ("2:15 PM", "Yesterday", "Mon", "Mar 3") and a snippet ("You: …" when
// the account wrote last), and a profile link from its photo. The
// header of a conversation links the member by profile URN id, which
// redirects to the vanity URL, as LinkedIn does.
//
// # Members
//
// Any slug is a member, derived deterministically from the slug: the name
// from its words ("jane-doe-4f2a" is Jane Doe), and headline, company,
// location, email (under .example) and degree from its hash. Tokens of the
// slug choose special behaviours:
//
//	-direct       Connect is a link in the top card (older markup)
//	-more         Connect is in the More menu, Follow is primary (the 2026 norm)
//	-creator      a creator: Follow primary, followers shown, Connect under More
//	-followonly   Follow only, no Connect anywhere
//	-third        3rd degree: Message primary, Follow, More
//	-connected    already a 1st-degree connection
//	-emailreq     the invite dialog asks for the member's email address
//	-emailprefill like -emailreq, and the email field opens holding an
//	              address already (typing appends to it)
//	-noteprefill  the invite dialog opens with its note field shown, holding
//	              LinkedIn's old default note ("I’d like to add you to my
//	              professional network on LinkedIn."), which Send would send
//	-toast        the first Send (of an invitation, and of a message)
//	              fails with an error toast
//	-sendcheckpoint  Send (of an invitation or a message) leads to a
//	              security checkpoint instead of sending; every page of the
//	              account leads there from then on
//	-sendsignin   Send meets a sign-in wall: the session ends (as with
//	              Reject) and the page goes to /login; nothing is sent
//	-sendrestricted  Send shows a restriction notice ("Your account is
//	              temporarily restricted") instead of sending; every later
//	              invitation or message of the account is refused the same way
//	-checkpoint   opening the profile leads to a security checkpoint
//	-captcha      the profile's own URL shows a CAPTCHA frame (no redirect)
//	-unavailable  the profile does not exist (404)
//	-noemail      a connection who does not share an email address
//	-noposts      no posts to like
//	-oldposts     the activity page in the older markup: post cards with
//	              data-urn and feed-shared-update-v2, Like with aria-pressed
//	-noage        the sent-invitations page shows no readable age
//	-namesake     the side rail holds a stranger with the very same name
//	-nameonly     the messaging list's card names the member but links no
//	              profile (as live cards may not)
//
// Without a layout marker, most members keep Connect under More and some have
// the direct link or are creators, chosen by the slug's hash.
//
// # Accounts
//
// A simulated account is identified by its li_at cookie value: any value is
// accepted, so simulated accounts need no sign-in. A request without li_at,
// or with a value listed in Options.RejectedSessions (or rejected later with
// Reject or POST /_sim/reject), is redirected to /login, which is how a
// rejected session looks. An li_at value containing "premium" is a premium
// account; one containing "checkpoint" meets a checkpoint on every page.
// Signing in on /login with any email sets an li_at derived from it.
//
// Invitations are accepted by themselves with probability AcceptRate (or
// the rate AcceptRates gives their note, to compare note variants), after
// AcceptAfter of simulated time; the simulated clock runs Speed times faster
// than real time and can be moved with Advance.
//
// # Admin API
//
// For tests and demos (no authentication: serve it on loopback only):
//
//	GET  /_sim/received[?account=LI_AT]  everything received, as Received
//	GET  /_sim/now                       the simulated time
//	POST /_sim/reset                     forget all accounts and records
//	POST /_sim/accept  {"account","slug"}  accept pending invitations now (empty matches all)
//	POST /_sim/advance {"by":"72h"}        move the simulated clock forward
//	POST /_sim/reject  {"li_at"}           treat a session as expired
//	POST /_sim/seed    {"account","slug","note","age":"504h"}  an invitation sent before the simulation
//	POST /_sim/connect {"account","slug"}  make a connection now
//	POST /_sim/connections {"account","count":1233}  the account's connections from before the simulation
//	POST /_sim/lose    {"account","slug"}  make a pending invitation vanish, as if never delivered
//	POST /_sim/reply   {"account","slug","text"}  the member sends the account a message now
//	POST /_sim/draft   {"account","slug","text"}  leave a draft in the composer of their conversation
//
// Received lists, besides the actions and the messages (exactly as the
// composer held them at Send), every page each session loaded
// (PageLoad: account, path, slug, simulated and real time; the page's own
// re-rendering after an action is not a load), for tests of the gaps
// between page loads.
//
// The data-sim-* attributes in the pages wire the simulator's own script;
// an adapter must never rely on them.
package sim
