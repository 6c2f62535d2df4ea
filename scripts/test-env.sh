#!/usr/bin/env bash
# Runs a command (the test suite) with what Pacer's tests need:
#   CHROME_BIN         a Chromium for the executor's browser tests;
#   TEST_DATABASE_URL  a Postgres server for the store tests.
# Postgres comes from TEST_DATABASE_URL, else the server on 127.0.0.1:5432,
# else a throwaway cluster started here with initdb/pg_ctl (as an
# unprivileged user: they refuse to run as root) and stopped on exit.
# When neither can be had, the affected tests skip loudly, except with
# CI=true, where they fail.
set -euo pipefail

say() { printf 'test-env: %s\n' "$*" >&2; }

find_chromium() {
	if [ -n "${CHROME_BIN:-}" ]; then
		[ -x "$CHROME_BIN" ] && return 0
		say "CHROME_BIN=$CHROME_BIN is not an executable"
		return 1
	fi
	local candidate
	for candidate in chromium chromium-browser google-chrome google-chrome-stable; do
		if command -v "$candidate" >/dev/null 2>&1; then
			CHROME_BIN=$(command -v "$candidate")
			export CHROME_BIN
			return 0
		fi
	done
	return 1
}

postgres_answers() { # url
	if command -v psql >/dev/null 2>&1; then
		psql "$1" -Atqc 'SELECT 1' >/dev/null 2>&1
	else
		(exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null
	fi
}

start_throwaway_postgres() {
	local initdb
	initdb=$(command -v initdb 2>/dev/null || ls -1 /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
	[ -n "$initdb" ] && [ -x "$initdb" ] || return 1
	PG_BINDIR=$(dirname "$initdb")
	PGTMP=$(mktemp -d /tmp/pacer-pg.XXXXXX)
	local port=$((20000 + RANDOM % 20000))
	PG_AS=()
	if [ "$(id -u)" = 0 ]; then
		# initdb and pg_ctl refuse root; nobody owns the throwaway cluster.
		chown nobody "$PGTMP"
		PG_AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
	fi
	"${PG_AS[@]}" "$PG_BINDIR/initdb" -D "$PGTMP/data" -U postgres -A trust --no-sync >/dev/null
	"${PG_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/log" -w \
		-o "-p $port -k $PGTMP -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
	trap '"${PG_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$PGTMP/data" -m immediate stop >/dev/null 2>&1; rm -rf "$PGTMP"' EXIT
	TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
	export TEST_DATABASE_URL
	say "started a throwaway Postgres on 127.0.0.1:$port"
}

if find_chromium; then
	say "Chromium: $CHROME_BIN"
else
	say "*** no Chromium found: install it (apt-get install -y chromium) or set CHROME_BIN; browser tests will skip ***"
fi

if [ -n "${TEST_DATABASE_URL:-}" ]; then
	say "Postgres: TEST_DATABASE_URL"
elif postgres_answers "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"; then
	export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	say "Postgres: 127.0.0.1:5432"
elif start_throwaway_postgres; then
	:
else
	say "*** no Postgres: set TEST_DATABASE_URL or install postgresql; Postgres tests will skip ***"
fi

# Not exec: the EXIT trap stops the throwaway cluster afterwards.
"$@"
