#!/usr/bin/env bash
# The newcomer's first minutes, replayed in a real terminal: tmux at 100 columns running bash,
# keys typed as a person types them, the screen read back and checked for what a person sees.
# `up -d` of the shipped example (embedded runtime: no Docker involved), the predict and curl
# lines `up` printed run verbatim, `ps` fitting the screen, bash completing `up --runtime <TAB>`
# and `down <TAB>`, `down`. Installs tmux from Debian when it is missing. Ends with
# `N passed, M failed` and exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if ! command -v tmux >/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq tmux >/dev/null
fi
cargo build --quiet --bin seldon-local
bin_dir=$(cd "${CARGO_TARGET_DIR:-target}/debug" && pwd)

work=$(mktemp -d)
sock="$work/tmux.sock"
t() { tmux -S "$sock" "$@"; }
cleanup() {
  SELDON_LOCAL_STATE_DIR="$work/state" DOCKER_HOST=unix:///nonexistent \
    "$bin_dir/seldon-local" -q down --all >/dev/null 2>&1 || true
  t kill-server 2>/dev/null || true
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; echo "---- screen ----"; screen; echo "----------------"; }
screen() { t capture-pane -p -J -t flow -S -200; }

# A clean login-like shell: our binary on the PATH, no Docker to find, state of its own.
t new-session -d -x 100 -y 50 -s flow \
  "env -i HOME=$work TERM=xterm-256color PATH=$bin_dir:/usr/local/bin:/usr/bin:/bin \
   SELDON_LOCAL_STATE_DIR=$work/state DOCKER_HOST=unix:///nonexistent PS1='$ ' \
   bash --norc --noprofile"
t send-keys -t flow "cd '$root'" Enter

step=0
# Types a command, waits (up to 120 s) for it to finish; its exit code is in $code.
run() {
  step=$((step + 1))
  t send-keys -t flow -l "$1; echo \"@@done $step \$?\""
  t send-keys -t flow Enter
  local deadline=$((SECONDS + 120))
  until screen | grep -q "^@@done $step [0-9]*$"; do
    if [ $SECONDS -ge $deadline ]; then code=timeout; return; fi
    sleep 0.1
  done
  code=$(screen | grep "^@@done $step " | tail -1 | awk '{print $3}')
}
# Runs `clear` (or the given command line, which must clear) and waits (up to 20 s) for the
# fresh prompt: keys typed before it would be echoed onto the old line, and a loaded machine
# can be that slow.
clear_screen() {
  t send-keys -t flow "${1:-clear}" Enter
  local deadline=$((SECONDS + 20))
  until [ "$(screen | sed 's/[[:space:]]*$//' | grep -v '^$' | tail -1)" = '$' ]; do
    [ $SECONDS -ge $deadline ] && return 0
    sleep 0.1
  done
}
# Types keys and waits until the screen shows `pattern` (up to 20 s).
keys_until() {
  local pattern=$1; shift
  t send-keys -t flow "$@"
  local deadline=$((SECONDS + 20))
  until screen | grep -qE -- "$pattern"; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.1
  done
}

run "seldon-local up --runtime embedded -d examples/tfserving-mnist/sdep.yaml"
[ "$code" = 0 ] && pass "up -d of the example" || fail "up -d of the example (exit $code)"

predict=$(screen | grep -E '^  seldon-local predict ' | tail -1 | sed 's/^  //')
curl_line=$(screen | grep -E '^  curl ' | tail -1 | sed 's/^  //')
case "$predict" in
  *--endpoint*|*127.0.0.1*) fail "the predict line pins an address: $predict" ;;
  "") fail "up printed no predict line" ;;
  *) pass "the predict line names the deployment: $predict" ;;
esac
clear_screen
run "$predict"
if [ "$code" = 0 ] && screen | grep -q '"t:9"'; then pass "the printed predict line, run verbatim, answers"
else fail "the printed predict line, run verbatim (exit $code)"; fi
clear_screen
run "$curl_line"
if [ "$code" = 0 ] && screen | grep -q '"t:9"'; then pass "the printed curl line, run verbatim, answers"
else fail "the printed curl line, run verbatim (exit $code)"; fi

clear_screen
run "seldon-local ps"
table=$(screen | sed -n '/^DEPLOYMENT/,/^@@done/p' | grep -v '^@@done')
widest=$(printf '%s\n' "$table" | awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }')
if [ "$code" = 0 ] && printf '%s\n' "$table" | grep -q 'seldon-container-engine' && [ "$widest" -le 100 ]; then
  pass "ps fits 100 columns ($widest)"
else fail "ps fits 100 columns (exit $code, widest $widest)"; fi

clear_screen "clear; source completions/seldon-local.bash"
t send-keys -t flow -l "seldon-local up --runtime "
if keys_until 'auto +docker +embedded' Tab Tab; then
  pass "bash completes up --runtime <TAB> to the three runtimes"
else fail "bash completes up --runtime <TAB>"; fi
t send-keys -t flow C-c
clear_screen
t send-keys -t flow -l "seldon-local down "
if keys_until '^\$ seldon-local down tfserving ?$' Tab; then
  pass "bash completes down <TAB> to the running deployment"
else fail "bash completes down <TAB>"; fi
t send-keys -t flow C-c
clear_screen

run "seldon-local down tfserving"
run "seldon-local ps tfserving"
[ "$code" = 1 ] && pass "down removed it; ps NAME says so with exit 1" || fail "ps after down (exit $code)"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
