package pacertype

import "slices"

// The email finders a campaign's find_email may name. A found email's
// event (email.found) carries the finder that found it as data.source.
const (
	// FinderNone finds no emails.
	FinderNone = "none"
	// FinderContactInfo reads the contact-info overlay of a 1st-degree
	// connection through the browser (it costs a profile view).
	FinderContactInfo = "contact_info"
	// FinderHunter asks Hunter's email-finder API.
	FinderHunter = "hunter"
)

var emailFinders = []string{FinderNone, FinderContactInfo, FinderHunter}

// EmailFinders returns the values find_email accepts.
func EmailFinders() []string { return slices.Clone(emailFinders) }
