#!/usr/bin/env bash
# Runs every fuzz target of the repository (each `func FuzzXxx` in a
# _test.go file) for FUZZTIME (default 1s), FUZZJOBS (default 2) at a time:
# `make fuzz`, and CI after `make test`. Their seed inputs also run in every `go test`.
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

# Two targets at a time (FUZZJOBS): most of each run is building and
# replaying the seed corpus, which a second core overlaps.
JOBS="${FUZZJOBS:-2}"
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

fuzz_one() { # index file target
	local pkg="./$(dirname "$2")"
	if "$GO" test -run '^$' -fuzz "^${3}\$" -fuzztime "$FUZZTIME" "$pkg" >"$results/$1.out" 2>&1; then
		echo 0 >"$results/$1.rc"
	else
		echo 1 >"$results/$1.rc"
	fi
}

start=$SECONDS
i=0
while read -r file target; do
	fuzz_one "$i" "$file" "$target" &
	i=$((i + 1))
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
		wait -n || true
	done
done <<<"$targets"
wait

failed=0
i=0
while read -r file target; do
	pkg="./$(dirname "$file")"
	if [ "$(cat "$results/$i.rc")" = 0 ]; then
		execs=$(grep -Eo 'execs: [0-9]+' "$results/$i.out" | tail -n 1 || true)
		echo "fuzz: ok   $pkg $target (${execs:-no execs reported})"
	else
		cat "$results/$i.out"
		echo "fuzz: FAIL $pkg $target: the failing input is in $pkg/testdata/fuzz/$target/" >&2
		failed=1
	fi
	i=$((i + 1))
done <<<"$targets"
echo "fuzz: $(wc -l <<<"$targets") targets, ${FUZZTIME} each, ${JOBS} at a time, in $((SECONDS - start)) s"
exit "$failed"
