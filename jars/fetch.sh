#!/usr/bin/env bash
# Fetch the pinned JVM jars of a lock file from Maven Central with mvn, verify their sha256 sums,
# and cache them in a state dir. Idempotent: a jar already present with the right sum is not
# fetched again; the missing ones are fetched in one mvn call (exact coordinates, no transitive
# resolution: the lock file lists every jar).
#   jars/fetch.sh [--lock FILE] DEST_DIR          fetch + verify (default lock: jars/jars.lock)
#   jars/fetch.sh [--lock FILE] --print-sums      fetch into a temp dir and print lock lines with real sums
# Lock lines: `group:artifact:version  sha256`; `#` starts a comment.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
lock="$here/jars.lock"
if [[ "${1:-}" == "--lock" ]]; then lock="${2:?usage: fetch.sh --lock FILE DEST_DIR}"; shift 2; fi
[[ -f "$lock" ]] || { echo "jars: lock file not found: $lock" >&2; exit 1; }
print_sums=0
if [[ "${1:-}" == "--print-sums" ]]; then print_sums=1; dest="$(mktemp -d)"; else dest="${1:?usage: fetch.sh [--lock FILE] DEST_DIR}"; fi
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"  # absolute: mvn resolves paths against the generated pom's dir
command -v mvn >/dev/null || { echo "jars: need Maven (mvn) on PATH to fetch jars from Maven Central" >&2; exit 1; }

coords=(); sums=(); missing=()
while read -r coord sum _; do
  [[ -z "$coord" || "$coord" == \#* ]] && continue
  IFS=: read -r group artifact version <<<"$coord"
  coords+=("$coord"); sums+=("$sum")
  jar="$dest/$artifact-$version.jar"
  if [[ $print_sums == 0 && -f "$jar" ]] && echo "$sum  $jar" | sha256sum --check --status; then
    continue
  fi
  missing+=("$coord")
done <"$lock"

name="$(basename "$lock" .lock)"
if (( ${#missing[@]} )); then
  echo "jars: fetching ${#missing[@]} jar(s) of $(basename "$lock") from Maven Central" >&2
  pom="$dest/.fetch-$name.pom.xml"
  {
    echo '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
    echo '<groupId>dap.fetch</groupId><artifactId>'"$name"'</artifactId><version>1</version><packaging>pom</packaging><dependencies>'
    for coord in "${missing[@]}"; do
      IFS=: read -r group artifact version <<<"$coord"
      echo "<dependency><groupId>$group</groupId><artifactId>$artifact</artifactId><version>$version</version>"
      echo '<exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions></dependency>'
    done
    echo '</dependencies></project>'
  } >"$pom"
  log="$dest/.mvn-$name.log"
  if ! mvn --batch-mode --quiet -f "$pom" dependency:copy-dependencies -DoutputDirectory="$dest" \
      -Dmdep.overWriteReleases=true >"$log" 2>&1; then
    echo "jars: mvn could not fetch the jars of $lock (log: $log):" >&2
    grep -E 'ERROR' "$log" | head -3 >&2
    exit 1
  fi
fi

failed=0
for i in "${!coords[@]}"; do
  IFS=: read -r group artifact version <<<"${coords[$i]}"
  jar="$dest/$artifact-$version.jar"
  if [[ $print_sums == 1 ]]; then
    echo "${coords[$i]}  $(sha256sum "$jar" | cut -d' ' -f1)"; continue
  fi
  if [[ ! -f "$jar" ]]; then
    echo "jars: mvn fetched no $jar for ${coords[$i]}" >&2; failed=1; continue
  fi
  if ! echo "${sums[$i]}  $jar" | sha256sum --check --status; then
    echo "jars: checksum mismatch for $jar (expected ${sums[$i]} from $lock); removed it" >&2
    rm -f "$jar"; failed=1
  fi
done
exit $failed
