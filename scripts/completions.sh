#!/usr/bin/env bash
# Regenerates the checked-in completion scripts and man page from the CLI definition.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --bin seldon-local
bin=${CARGO_TARGET_DIR:-target}/debug/seldon-local
mkdir -p completions
"$bin" completions bash > completions/seldon-local.bash
"$bin" completions zsh > completions/_seldon-local
"$bin" completions fish > completions/seldon-local.fish
"$bin" completions powershell > completions/_seldon-local.ps1
"$bin" completions elvish > completions/seldon-local.elv
"$bin" completions man > completions/seldon-local.1
