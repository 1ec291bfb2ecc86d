#!/usr/bin/env bash
# A fuzzing campaign: each target (all, or those named) under AFL++ for SECONDS, on an
# instrumented build (SharpFuzz). Not part of the test command; see the README's "Fuzzing".
#   tests/Fuzz/campaign.sh [--seconds N] [TARGET …]
# Findings go to $GATEHOUSE_FUZZ_DIR (default /tmp/gatehouse-fuzz)/TARGET; a crash is an input in
# TARGET/default/crashes/, replayed with: dotnet $dir/bin/gatehouse-fuzz.dll TARGET FILE
set -euo pipefail
cd "$(dirname "$0")"
seconds=600
if [[ "${1:-}" == "--seconds" ]]; then seconds="$2"; shift 2; fi
dir="${GATEHOUSE_FUZZ_DIR:-/tmp/gatehouse-fuzz}"

command -v afl-fuzz > /dev/null || { apt-get update -qq && apt-get install -y -qq afl++ > /dev/null; }
dotnet tool restore > /dev/null
rm -rf "$dir/bin"
dotnet publish -c Release -o "$dir/bin" -nologo -v q > /dev/null
# Our assemblies, and the libraries whose parsers the targets reach (YAML, MIME).
for assembly in gatehouse-node.dll gatehouse-manager.dll Gatehouse.Configuration.dll Gatehouse.Protos.dll YamlDotNet.dll MimeKit.dll; do
  dotnet sharpfuzz "$dir/bin/$assembly" > /dev/null
done

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then mapfile -t targets < <(dotnet "$dir/bin/gatehouse-fuzz.dll" --list); fi

# .NET is not an AFL-compiled binary; it runs SharpFuzz's fork-server loop instead.
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
for target in "${targets[@]}"; do
  rm -rf "${dir:?}/$target"
  echo "== $target: ${seconds}s"
  afl-fuzz -i "corpus/$target" -o "$dir/$target" -t 5000 -m none -V "$seconds" \
    -- dotnet "$dir/bin/gatehouse-fuzz.dll" "$target" > "$dir/$target.log" 2>&1 || { echo "afl-fuzz failed, see $dir/$target.log"; tail -20 "$dir/$target.log"; }
done

printf '\n%-16s %12s %8s %9s %8s %6s\n' target executions exec/s corpus coverage crashes
for target in "${targets[@]}"; do
  stats="$dir/$target/default/fuzzer_stats"
  [[ -f "$stats" ]] || { printf '%-16s (no stats)\n' "$target"; continue; }
  value() { sed -n "s/^$1 *: //p" "$stats"; }
  printf '%-16s %12s %8s %9s %8s %6s\n' "$target" "$(value execs_done)" "$(value execs_per_sec)" "$(value corpus_count)" "$(value bitmap_cvg)" "$(value saved_crashes)"
done
