#!/usr/bin/env bash
# The project's whole test suite, as CI runs it (`.ci/run` calls this script).
# Needs only the Rust toolchain; installs nothing by hand. Set SELDON_LOCAL_CORPUS to a
# directory of SeldonDeployments (CI uses ../shared/corpus/sdeps) to add the conformance run.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

step() { printf '\n== %s\n' "$*"; }

for component in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$component" || rustup component add "$component"
done

step "format"
cargo fmt --all -- --check
step "lint"
cargo clippy --all-targets --locked -- -D warnings
step "forbidden patterns"
bin/forbid
step "docs"
RUSTDOCFLAGS=-Dwarnings cargo doc --no-deps --locked --document-private-items --quiet
step "tests"
cargo test --locked

corpus=${SELDON_LOCAL_CORPUS:-}
if [ -n "$corpus" ]; then
  step "conformance over $corpus"
  SELDON_LOCAL_CORPUS="$corpus" cargo test --locked --test it corpus -- --ignored
  scripts/corpus.sh "$corpus"
fi
