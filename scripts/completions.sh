#!/usr/bin/env bash
# Regenerates the checked-in completion scripts and man pages from the CLI definition.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --bin seldon-local
bin=${CARGO_TARGET_DIR:-target}/debug/seldon-local
mkdir -p completions/man
"$bin" completions bash > completions/seldon-local.bash
"$bin" completions zsh > completions/_seldon-local
"$bin" completions fish > completions/seldon-local.fish
"$bin" completions powershell > completions/_seldon-local.ps1
"$bin" completions elvish > completions/seldon-local.elv
git rm -q --cached --ignore-unmatch completions/seldon-local.1 >/dev/null
rm -f completions/seldon-local.1 completions/man/*.1
"$bin" completions man > completions/man/seldon-local.1
# Every subcommand `--help` lists (but `help`) gets a page.
for sub in $("$bin" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}' | grep -vx help); do
  "$bin" completions man "$sub" > "completions/man/seldon-local-$sub.1"
done
