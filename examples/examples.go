// Package examples holds the sample configuration and prospects that make
// a first run need nothing else: `pacer serve --sim` without a
// configuration file uses them, on a simulated LinkedIn.
package examples

import _ "embed"

// Config is the sample configuration (pacer.yml): one premium account and
// one campaign.
//
//go:embed pacer.yml
var Config []byte

// Prospects is the sample CSV (prospects.csv): twenty people, a few of them
// with the simulator's markers (already connected, asking for an email, a
// creator), and three rows an import refuses or recognises as duplicates.
//
//go:embed prospects.csv
var Prospects []byte

// ConfigName is how errors about Config name it.
const ConfigName = "examples/pacer.yml"
