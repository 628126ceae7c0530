# shellcheck shell=bash
# Sourced by the scripts that start a Sesame of their own (scripts/page-weight.sh,
# fuzz/schemathesis/run.sh, conformance/run.sh).

# wait_for_health WHO BASE PID LOG: waits up to 20 s for BASE/health to answer; when it does
# not, or the process PID ends first, prints the end of LOG under WHO's name and exits 1.
wait_for_health() {
  local who=$1 base=$2 pid=$3 log=$4
  for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null --max-time 1 "$base/health" 2>/dev/null; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "$who: Sesame did not answer $base/health; its log ($log):" >&2
  tail -n 30 "$log" >&2
  exit 1
}
