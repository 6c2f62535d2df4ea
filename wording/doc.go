// Package wording turns numbers into the words people read in Pacer's
// messages and logs: a count with its noun in the right number ("1
// account", "2 accounts") and a duration rounded to what a person can use
// ("1h30m", "45s", "2d4h"), never "1h0m0.000000123s".
//
// It imports nothing of Pacer's, so that every layer can use it.
package wording
