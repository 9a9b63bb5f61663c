#!/usr/bin/env bash
# Fetch the pinned JVM jars (jars.lock) from Maven Central with mvn, verify their sha256 sums, and
# cache them in a state dir. Idempotent: a jar already present with the right sum is not fetched.
#   jars/fetch.sh DEST_DIR            fetch + verify
#   jars/fetch.sh --print-sums        fetch into a temp dir and print lock lines with real sums
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
lock="$here/jars.lock"
print_sums=0
if [[ "${1:-}" == "--print-sums" ]]; then print_sums=1; dest="$(mktemp -d)"; else dest="${1:?usage: fetch.sh DEST_DIR}"; fi
mkdir -p "$dest"
command -v mvn >/dev/null || { echo "jars: need Maven (mvn) on PATH to fetch jars from Maven Central" >&2; exit 1; }
failed=0
while read -r coord sum; do
  [[ -z "$coord" || "$coord" == \#* ]] && continue
  IFS=: read -r group artifact version <<<"$coord"
  jar="$dest/$artifact-$version.jar"
  if [[ $print_sums == 0 && -f "$jar" ]] && echo "$sum  $jar" | sha256sum --check --status; then
    continue
  fi
  echo "jars: fetching $coord from Maven Central"
  if ! mvn --batch-mode --quiet dependency:copy -Dartifact="$coord:jar" -DoutputDirectory="$dest" \
      -Dmdep.overWriteReleases=true >"$dest/.mvn-$artifact.log" 2>&1; then
    echo "jars: mvn could not fetch $coord (log: $dest/.mvn-$artifact.log):" >&2
    grep -E 'ERROR' "$dest/.mvn-$artifact.log" | head -3 >&2
    failed=1; continue
  fi
  if [[ $print_sums == 1 ]]; then
    echo "$coord  $(sha256sum "$jar" | cut -d' ' -f1)"; continue
  fi
  if ! echo "$sum  $jar" | sha256sum --check --status; then
    echo "jars: checksum mismatch for $jar (expected $sum from jars/jars.lock); removed it" >&2
    rm -f "$jar"; failed=1
  fi
done <"$lock"
exit $failed
