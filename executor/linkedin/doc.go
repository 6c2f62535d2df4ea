// Package linkedin is Pacer's site adapter for LinkedIn: it implements
// executor.Site by reading and clicking LinkedIn's web pages in a real
// Chromium, the way a person does.
//
// What it anchors on is data, not code: selectors.yaml, embedded in the
// binary and overridable with LoadSelectors, holds the URL paths, the CSS
// selectors and the labels per UI language (English, and German to be
// confirmed). It prefers aria-labels, roles, hrefs and visible text, never
// hashed class names. The page logic lives in probe.js, which reads a page in
// one round trip and finds the elements the adapter clicks; it clicks
// nothing itself.
//
// What it guards against, from the saved 2026 pages in testdata/fixtures
// (their README tells what each shows):
//
//   - Every profile lookup is scoped to the top card
//     (section[componentkey$="Topcard"] in main#workspace) or to the More
//     menu that top card opened (a portal at the end of body, matched through
//     aria-owns); the sticky toolbar's duplicates are ignored.
//   - A Connect or Invite control is clicked only if its vanityName, its
//     profile link or the card it sits in names the target: side rails carry
//     strangers' "Invite <Name> to connect" buttons, sometimes with the
//     target's very name.
//   - 2nd-degree top cards hold a hidden, pre-rendered "· 1st": the degree is
//     read from the visible markers, and a farther degree beats the 1st
//     alternative, so the text "1st" alone never reads as connected.
//   - The invite dialog may render inside an open shadow root: every open
//     shadow root is searched.
//   - The note limit is read from the dialog's counter ("0/200", "0/300")
//     and a longer note is refused, never cut; "N personalized invitations
//     remaining" is reported; "Write with AI" is never clicked (the click
//     helper refuses it outright).
//   - The invite dialog's fields hold exactly what was approved at Send:
//     a field is cleared before typing (typing appends) and read back; an
//     invitation approved without a note stops before Send when the note
//     field holds any text (OutcomeUnexpectedNote).
//   - A post's Like state is read from the button's label ("Reaction button
//     state: no reaction" or the reaction's name), as 2026 pages carry no
//     aria-pressed; a liked post, or one whose state cannot be read, is
//     never clicked, and a like is clicked once, never twice (an un-like).
//   - After Send, the adapter requires the top card to show Pending (reloading
//     once if needed) before it reports done; a 1st-degree connection where
//     Connect was offered confirms it too (the invitee accepted at once).
//   - A URL under /checkpoint/ or /authwall, or a CAPTCHA frame, is
//     OutcomeCheckpoint; a redirect to /login or /uas/login is
//     OutcomeSessionRejected; a restriction notice, like the weekly-limit
//     alert, is OutcomeWeeklyLimit. Every wait of every action watches for
//     them, so one that appears right after a click (Connect, Add a note,
//     Send) ends the action within a poll, never after the settle timeout.
//     Pacer never tries to solve or bypass a checkpoint.
//   - A message (SendMessage) goes only to a 1st-degree connection, from
//     the top card's own Message link; a Premium upsell or an InMail
//     composer behind it is OutcomeNotConnected, never sent. It is typed
//     only into the composer of the member's conversation (named by its
//     header's profile link or title: the messaging overlay and other
//     bubbles carry composers too), only when that composer is empty (a
//     draft is OutcomeUnexpectedDraft, left untouched), once, with line
//     breaks as Shift+Enter (Enter may send), and read back before Send.
//     It is done only once it shows as the conversation's last own
//     message; a retry that finds it there sends nothing again.
//   - The messaging list (Conversations) is read in one page load, never
//     by opening conversations (which marks them read); a card naming
//     nobody is left out, and stamps ("2:15 PM", "Yesterday", "Mon",
//     "Mar 3") are read in the browser's time zone.
//
// Diagnose (`pacer doctor linkedin`) loads a saved page offline, with the
// page's scripts disabled and every request blocked, and reports the state
// the adapter reads, the anchors that matched and the Invite controls that
// are not the target's. Login opens the login page in a visible browser and
// waits for a person to sign in (`pacer account login`).
package linkedin
