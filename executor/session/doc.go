// Package session holds a LinkedIn account's browser session: its cookies
// (li_at and the others LinkedIn sets), their JSON form, and their sealing with
// AES-256-GCM under PACER_SECRET_KEY for storage in the database.
//
// Pacer never stores a session unencrypted: Seal and Open refuse to work
// without a 32-byte key and say how to make one. The package has no browser
// dependency, so the store and the CLI can seal and open sessions without
// pulling in go-rod.
package session
