# Sourced by the set-up scripts: run a long command and say every HEARTBEAT_S seconds (default 60) that it still
# runs, how long it has run, and what it last printed, so a log file never goes silent for minutes.
#   with_heartbeat "installing requirements.txt" cmd args…   → the command's status
with_heartbeat() {
  local label=$1; shift
  local started=$SECONDS last status=0 beat result
  last=$(mktemp)
  # The command's lines pass through at once (line-buffered) and the last one is kept for the heartbeat.
  { status=0; "$@" 2>&1 || status=$?; echo "$status" >"$last.status"; } | while IFS= read -r line; do printf '%s\n' "$line"; printf '%s' "$line" >"$last"; done &
  local runner=$!
  (
    trap 'exit 0' TERM
    while sleep "${HEARTBEAT_S:-60}"; do
      printf '    … still %s (%d min %02d s so far)%s\n' "$label" $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60)) \
        "$( [ -s "$last" ] && printf ' — last: %s' "$(cut -c1-120 "$last")" )"
    done
  ) &
  beat=$!
  wait "$runner" || true
  kill "$beat" 2>/dev/null || true; wait "$beat" 2>/dev/null || true
  status=$(cat "$last.status" 2>/dev/null || echo 1)
  rm -f "$last" "$last.status"
  if [ "$status" -eq 0 ]; then result="done"; else result="FAILED (exit status $status)"; fi
  printf '    %s: %s after %d min %02d s\n' "$label" "$result" $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60))
  return "$status"
}
