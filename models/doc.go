// Package models holds Pacer's stored types and the store that opens them:
// Postgres when DATABASE_URL is a postgres:// URL, otherwise an embedded
// SQLite file. It applies versioned migrations (Pacer's own, then River's) and
// offers InsertJob, the one way to enqueue a River job inside the same
// transaction as the state change that caused it.
//
// Every time is stored in UTC. On SQLite, times are text and compare as text,
// which is only right when they share an offset: the driver converts every
// time argument to UTC before it reaches SQLite.
package models
