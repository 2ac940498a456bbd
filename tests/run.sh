#!/usr/bin/env bash
# Installs test dependencies, builds everything and runs every test project. Ends with one line
# "N passed, N failed[, N skipped]" summed over all projects, and exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

bash tests/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

# The junction executable runs with inline socket completions (engine/ARCHITECTURE.md, "Threading and
# buffers"); in-process tests run the transport the same way.
export DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS="${DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS:-1}"

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

dotnet build Engine.sln -c Release -nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }
# One project at a time, each with its own results file: parallel projects would share the two
# cores with timing-sensitive tests, and same-second trx names could overwrite each other.
status=0
for project in tests/*/*.csproj; do
  name="$(basename "$project" .csproj)"
  dotnet test "$project" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
    --blame-hang-timeout 10m -- RunConfiguration.TestSessionTimeout=2400000 || status=1
done

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  p="$(get passed)"; f="$(get failed)"; e="$(get error)"; t="$(get timeout)"; n="$(get notExecuted)"
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0}))
  skipped=$((skipped + ${n:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi

if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
