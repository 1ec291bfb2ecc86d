#!/usr/bin/env bash
# Runs every test: installs what the tests need, builds, tests, and ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

deploy/install-test-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

results=artifacts/test-results
rm -rf "$results"
mkdir -p "$results"

if ! dotnet build cluster.sln -c Release -nologo -v quiet; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

dotnet test cluster.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results"
status=$?

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi

# The failures again, last, where a log cut to its tail still shows them.
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  awk '
    /<UnitTestResult / && /outcome="Failed"/ {
      match($0, /testName="[^"]*"/); print "FAILED " substr($0, RSTART + 10, RLENGTH - 11); failed = 1; next }
    /<UnitTestResult / { failed = 0 }
    failed && /<Message>/ { inMessage = 1; lines = 0 }
    failed && inMessage {
      line = $0; sub(/^ *<Message>/, "", line); sub(/<\/Message>.*/, "", line)
      if (lines++ < 12) print "  " line
      if (/<\/Message>/) inMessage = 0 }
  ' "$trx" | sed -e 's/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&apos;/'"'"'/g; s/&amp;/\&/g'
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
