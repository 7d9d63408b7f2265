#!/usr/bin/env bash
# Runs `seldon-local validate` on every SeldonDeployment file under DIR, for each emulated
# Seldon Core version, and sorts the outcomes.
#
#   passed: validated (exit 0) or rejected with a message (exit 1)
#   failed: a panic, an internal error (exit 2 or other), or a hang (over 20 s)
#
# Usage: scripts/corpus.sh DIR [--seldon-version V]...   (default: both 1.18.2 and 1.2.1)
# Ends with the line `N passed, M failed`; exits 1 if anything failed.
set -uo pipefail

dir=${1:?usage: scripts/corpus.sh DIR [--seldon-version V]...}
shift
versions=()
while [ $# -gt 0 ]; do
  case $1 in
    --seldon-version) versions+=("$2"); shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ ${#versions[@]} -gt 0 ] || versions=(1.18.2 1.2.1)

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${SELDON_LOCAL_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/seldon-local}
if [ -z "${SELDON_LOCAL_BIN:-}" ]; then
  cargo build --quiet --manifest-path "$root/Cargo.toml" --bin seldon-local || exit 2
fi

passed=0 failed=0 valid=0 rejected=0
while IFS= read -r -d '' file; do
  for version in "${versions[@]}"; do
    out=$(timeout 20 "$bin" --no-progress --color never validate --seldon-version "$version" "$file" 2>&1)
    code=$?
    case $code in
      0) passed=$((passed + 1)); valid=$((valid + 1)) ;;
      1) if grep -q '^error: ' <<<"$out"; then
           passed=$((passed + 1)); rejected=$((rejected + 1))
         else
           failed=$((failed + 1)); echo "FAILED (exit 1 without a message) $version $file"
         fi ;;
      124) failed=$((failed + 1)); echo "FAILED (hang) $version $file" ;;
      *) failed=$((failed + 1)); echo "FAILED (exit $code) $version $file"; sed 's/^/    /' <<<"$out" | head -20 ;;
    esac
  done
done < <(find "$dir" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -print0 | sort -z)

echo "corpus: $valid valid, $rejected rejected with a message"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
