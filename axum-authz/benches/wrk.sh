#!/usr/bin/env bash
# Loopback load test of axum-authz's overhead with `wrk` (Debian package `wrk`).
#
# For each round and each mode of `examples/bench_server.rs` (modes alternate within a round, so
# slow phases of the shared machine hit all of them): start the server pinned to CPU 0 (one
# tokio thread), check that the route answers 200, warm up for 1 s, then run
# `wrk -t1 -c$CONNS -d$DURATION --latency` pinned to CPU 1 and stop the server. Prints every run
# and, per mode, the median requests/s, p50 and p99 latency, and the ratio of the median to the
# `plain` baseline's.
#
# Also: requests per CPU-second of the server (requests served during the run divided by the
# user + system CPU time the server process used meanwhile, from /proc). On a machine shared with
# other work, requests/s falls whenever the server's core is taken away; CPU time per request
# does not count that time, so its ratio to `plain` is the steadier measure of the adapter's cost.
#
# Usage: axum-authz/benches/wrk.sh            (5 rounds of 10 s)
#        ROUNDS=3 DURATION=5s MODES="plain rbac" axum-authz/benches/wrk.sh
#        BASE_BIN=/tmp/old_bench_server MODES="rbac base-rbac" axum-authz/benches/wrk.sh
# A mode `base-X` runs mode X of the binary BASE_BIN (an older build, for before/after runs).
# NICE=-10 runs server and client with that niceness (as root), ahead of other work on the box.
# The summary also shows the best run per mode: on a shared machine the least disturbed one.
# Only 127.0.0.1 is targeted; every run is bounded by DURATION.
set -euo pipefail

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
PORT=${PORT:-3917}
MODES=${MODES:-"plain identity from_fn public rbac condition"}

cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 1; }
cargo build --quiet --profile bench -p axum-authz --example bench_server
BIN=target/release/examples/bench_server
OUT=$(mktemp -d)
PIN_SERVER="taskset -c 0"
PIN_CLIENT="taskset -c 1"
if [ "$(nproc)" -lt 2 ]; then PIN_SERVER=""; PIN_CLIENT=""; fi
if [ -n "${NICE:-}" ]; then PIN_SERVER="nice -n $NICE $PIN_SERVER"; PIN_CLIENT="nice -n $NICE $PIN_CLIENT"; fi

server_pid=""
cleanup() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi; }
trap cleanup EXIT

url_of() {
    if [ "${1#base-}" = condition ]; then echo "http://127.0.0.1:$PORT/hello/g1"; else echo "http://127.0.0.1:$PORT/hello"; fi
}

# Latency as printed by wrk (`318.00us`, `1.20ms`, `2.00s`) in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000;
        printf "%.3f", n }'
}

TICKS=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

printf '%-14s %5s %12s %10s %10s %12s\n' mode round "requests/s" "p50 ms" "p99 ms" "req/CPU-s"
for round in $(seq 1 "$ROUNDS"); do
    for mode in $MODES; do
        bin=$BIN
        server_mode=$mode
        case "$mode" in base-*) bin=${BASE_BIN:?BASE_BIN is not set}; server_mode=${mode#base-} ;; esac
        $PIN_SERVER "$bin" "$server_mode" "127.0.0.1:$PORT" &
        server_pid=$!
        url=$(url_of "$mode")
        status=000
        for _ in $(seq 1 50); do
            status=$(curl -s -o /dev/null -w '%{http_code}' -H 'x-user: alice' "$url" || true)
            [ "$status" = 200 ] && break
            sleep 0.1
        done
        if [ "$status" != 200 ]; then echo "$mode: server did not answer 200 (got $status)" >&2; exit 1; fi
        $PIN_CLIENT wrk -t1 -c"$CONNS" -d1s -H 'x-user: alice' "$url" >/dev/null
        t0=$(cpu_ticks "$server_pid")
        $PIN_CLIENT wrk -t1 -c"$CONNS" -d"$DURATION" --latency -H 'x-user: alice' "$url" >"$OUT/$mode.$round"
        t1=$(cpu_ticks "$server_pid")
        kill "$server_pid"
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
        if grep -q 'Non-2xx\|Socket errors' "$OUT/$mode.$round"; then
            echo "$mode round $round: errors or non-2xx responses:" >&2
            cat "$OUT/$mode.$round" >&2
            exit 1
        fi
        rps=$(awk '/^Requests\/sec/ { print $2 }' "$OUT/$mode.$round")
        p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$OUT/$mode.$round")")
        p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$OUT/$mode.$round")")
        requests=$(awk '$2 == "requests" && $3 == "in" { print $1 }' "$OUT/$mode.$round")
        per_cpu=$(awk -v n="$requests" -v t=$((t1 - t0)) -v hz="$TICKS" 'BEGIN { if (t > 0) printf "%.0f", n * hz / t; else print 0 }')
        printf '%-14s %5s %12s %10s %10s %12s\n' "$mode" "$round" "$rps" "$p50" "$p99" "$per_cpu"
        echo "$mode $rps $p50 $p99 $per_cpu" >>"$OUT/all"
    done
done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo
printf '%-14s %12s %9s %8s %8s %10s %9s %12s %9s\n' mode "median rps" "of plain" "p50 ms" "p99 ms" "best rps" "of plain" "req/CPU-s" "of plain"
base=""
base_best=""
base_cpu=""
for mode in $MODES; do
    rps=$(awk -v m="$mode" '$1 == m { print $2 }' "$OUT/all" | median)
    p50=$(awk -v m="$mode" '$1 == m { print $3 }' "$OUT/all" | median)
    p99=$(awk -v m="$mode" '$1 == m { print $4 }' "$OUT/all" | median)
    best=$(awk -v m="$mode" '$1 == m { print $2 }' "$OUT/all" | sort -g | tail -1)
    per_cpu=$(awk -v m="$mode" '$1 == m { print $5 }' "$OUT/all" | median)
    if [ "$mode" = plain ]; then base=$rps; base_best=$best; base_cpu=$per_cpu; fi
    ratio=$(awk -v r="$rps" -v b="${base:-0}" 'BEGIN { if (b > 0) printf "%.1f%%", 100 * r / b; else print "-" }')
    best_ratio=$(awk -v r="$best" -v b="${base_best:-0}" 'BEGIN { if (b > 0) printf "%.1f%%", 100 * r / b; else print "-" }')
    cpu_ratio=$(awk -v r="$per_cpu" -v b="${base_cpu:-0}" 'BEGIN { if (b > 0) printf "%.1f%%", 100 * r / b; else print "-" }')
    printf '%-14s %12.0f %9s %8s %8s %10.0f %9s %12.0f %9s\n' "$mode" "$rps" "$ratio" "$p50" "$p99" "$best" "$best_ratio" "$per_cpu" "$cpu_ratio"
done
rm -r "$OUT"
