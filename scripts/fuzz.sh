#!/usr/bin/env bash
# Runs every fuzz target of the repository (each `func FuzzXxx` in a
# _test.go file) for FUZZTIME (default 1s), one after the other: `make fuzz`,
# and CI after `make test`. Their seed inputs also run in every `go test`.
#
# A failure prints the target's output; the input that failed is saved under
# the package's testdata/fuzz/<target>/: commit it with the fix, so that
# every later `go test` replays it.
#
# Longer, one target:  go test ./campaign -run '^$' -fuzz '^FuzzImport$' -fuzztime 5m
set -euo pipefail
cd "$(dirname "$0")/.."
GO="${GO:-go}"
FUZZTIME="${FUZZTIME:-1s}"

targets=$(grep -rEo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]+' . | sed -E 's#^\./##; s#:func # #' | sort)
if [ -z "$targets" ]; then
	echo "fuzz: no fuzz targets found" >&2
	exit 1
fi

failed=0
start=$SECONDS
while read -r file target; do
	pkg="./$(dirname "$file")"
	out=$(mktemp)
	if "$GO" test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg" >"$out" 2>&1; then
		execs=$(grep -Eo 'execs: [0-9]+' "$out" | tail -n 1 || true)
		echo "fuzz: ok   $pkg $target (${execs:-no execs reported})"
	else
		cat "$out"
		echo "fuzz: FAIL $pkg $target: the failing input is in $pkg/testdata/fuzz/$target/" >&2
		failed=1
	fi
	rm -f "$out"
done <<<"$targets"
echo "fuzz: $(wc -l <<<"$targets") targets, ${FUZZTIME} each, in $((SECONDS - start)) s"
exit "$failed"
