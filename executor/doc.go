// Package executor acts on LinkedIn for Pacer's accounts, the way a person
// does: in a real Chromium, clicking what a person clicks.
//
// This package holds the contract between the runner (which claims due
// actions per account) and a site adapter: the Site and Session interfaces,
// the profile states an adapter can read, and the typed outcomes every action
// ends with. The pieces live in sub-packages:
//
//   - executor/browser launches or connects to Chromium and gives each account
//     its own incognito browser context while it acts;
//   - executor/session holds an account's cookies and seals them with
//     AES-256-GCM for storage;
//   - executor/linkedin implements Site for the real LinkedIn, with selectors
//     and labels kept as data;
//   - executor/sim is a local simulation of LinkedIn that tests, demos and
//     `pacer serve --sim` run the same adapter against.
//
// Every action returns a pacertype.Outcome and an error. The error is nil
// only for pacertype.OutcomeDone; otherwise it is an *Error whose Outcome
// says what happened, and it matches the outcome's sentinel
// (ErrAlreadyPending, ErrWeeklyLimit, …) with errors.Is. OutcomeOf turns any
// error, including a context deadline, into the outcome the runner acts on.
package executor
