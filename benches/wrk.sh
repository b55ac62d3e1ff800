#!/usr/bin/env bash
# Loopback load test of an adapter's overhead with `wrk` (Debian package `wrk`), for axum-authz
# (`axum-authz/examples/bench_server.rs`) or actix-authz (`actix-authz/examples/actix_bench_server.rs`).
#
# For each round and each mode of the bench server (modes alternate within a round, so slow
# phases of the shared machine hit all of them): start the server pinned to CPU 0 (one tokio
# thread / one actix worker), check that the route answers 200, warm up for 1 s, then run
# `wrk -t1 -c$CONNS -d$DURATION --latency` pinned to CPU 1 and stop the server.
#
# Prints every run and, per mode:
# - the median requests/s, p50 and p99 latency, and the median's ratio to `plain`'s;
# - the best run (on a shared machine, the least disturbed one) and its ratio;
# - the round ratio: the median over rounds of the mode's requests/s over `plain`'s in the same
#   round (the runs of a round are close in time, so a slow phase hits both);
# - requests per CPU-second of the server (requests served divided by the user + system CPU
#   time the server used meanwhile, from /proc): when the server's core is taken away,
#   requests/s falls but CPU time per request does not, so its ratio is the steadier measure;
# - the quiet runs: a run whose p99 is above QUIET_P99_MS had its server share CPU 0 with
#   another process (p99 jumps to a scheduler slice, requests/s halve); their median and count.
#
# Usage: benches/wrk.sh axum                 (5 rounds of 10 s, every mode)
#        benches/wrk.sh actix
#        ROUNDS=3 DURATION=5s MODES="plain rbac" benches/wrk.sh axum
#        BIN=/tmp/new/bench_server ...       (run that binary instead of building one)
#        BASE_BIN=/tmp/old/bench_server MODES="plain rbac base-plain base-rbac" benches/wrk.sh axum
# A mode `base-X` runs mode X of the binary BASE_BIN (an older build, for before/after runs);
# its ratios are to `base-plain` when that mode runs too.
# NICE=-10 runs server and client with that niceness (as root), ahead of other work on the box.
# Only 127.0.0.1 is targeted; every run is bounded by DURATION.
set -euo pipefail

FRAMEWORK=${1:-}
case "$FRAMEWORK" in
    axum) PKG=axum-authz; EXAMPLE=bench_server; PORT=${PORT:-3917}
          DEFAULT_MODES="plain identity from_fn public rbac condition" ;;
    actix) PKG=actix-authz; EXAMPLE=actix_bench_server; PORT=${PORT:-3927}
           DEFAULT_MODES="plain noop from_fn public rbac condition" ;;
    *) echo "usage: $0 axum|actix   (see the comments at the top for variables)" >&2; exit 2 ;;
esac
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
MODES=${MODES:-$DEFAULT_MODES}
QUIET_P99_MS=${QUIET_P99_MS:-2}

cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 1; }
if [ -z "${BIN:-}" ]; then
    cargo build --quiet --profile bench -p "$PKG" --example "$EXAMPLE"
    BIN=target/release/examples/$EXAMPLE
fi
OUT=$(mktemp -d)
PIN_SERVER="taskset -c 0"
PIN_CLIENT="taskset -c 1"
if [ "$(nproc)" -lt 2 ]; then PIN_SERVER=""; PIN_CLIENT=""; fi
if [ -n "${NICE:-}" ]; then PIN_SERVER="nice -n $NICE $PIN_SERVER"; PIN_CLIENT="nice -n $NICE $PIN_CLIENT"; fi

server_pid=""
cleanup() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi; rm -rf "$OUT"; }
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
        echo "$mode $rps $p50 $p99 $round $per_cpu" >>"$OUT/all"
    done
done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# Column $2 of the runs of mode $1 (2: requests/s, 3: p50, 4: p99, 6: requests per CPU-second).
col() { awk -v m="$1" -v c="$2" '$1 == m { print $c }' "$OUT/all"; }
percent() { awk -v r="$1" -v b="$2" 'BEGIN { if (b > 0 && r > 0) printf "%.1f%%", 100 * r / b; else print "-" }'; }
# The plain mode a mode compares to: `base-plain` for `base-X` when it runs, else `plain`.
plain_of() {
    case "$1" in base-*) case " $MODES " in *" base-plain "*) echo base-plain; return ;; esac ;; esac
    echo plain
}
round_ratio() {
    awk -v m="$1" -v p="$2" '$1 == p { b[$5] = $2 } $1 == m { r[$5] = $2 }
        END { for (k in r) if (b[k] > 0) print r[k] / b[k] }' "$OUT/all" | median
}
quiet() { awk -v m="$1" -v q="$QUIET_P99_MS" '$1 == m && $4 + 0 <= q { print $2 }' "$OUT/all"; }

echo
printf '%-14s %11s %8s %7s %7s %10s %8s %8s %11s %8s %13s %8s\n' mode "median rps" "of plain" "p50 ms" "p99 ms" "best rps" "of plain" "round" "req/CPU-s" "of plain" "quiet rps/n" "of plain"
for mode in $MODES; do
    plain=$(plain_of "$mode")
    rps=$(col "$mode" 2 | median); prps=$(col "$plain" 2 | median)
    best=$(col "$mode" 2 | sort -g | tail -1); pbest=$(col "$plain" 2 | sort -g | tail -1)
    cpu=$(col "$mode" 6 | median); pcpu=$(col "$plain" 6 | median)
    rr=$(round_ratio "$mode" "$plain"); rr=$(awk -v r="${rr:-0}" 'BEGIN { printf "%.1f%%", 100 * r }')
    qn=$(quiet "$mode" | wc -l); qrps=$( [ "$qn" -gt 0 ] && quiet "$mode" | median || echo 0)
    pqn=$(quiet "$plain" | wc -l); pq=$( [ "$pqn" -gt 0 ] && quiet "$plain" | median || echo 0)
    printf '%-14s %11.0f %8s %7s %7s %10.0f %8s %8s %11.0f %8s %9.0f/%-3s %8s\n' "$mode" "$rps" "$(percent "$rps" "${prps:-0}")" \
        "$(col "$mode" 3 | median)" "$(col "$mode" 4 | median)" "$best" "$(percent "$best" "${pbest:-0}")" "$rr" \
        "$cpu" "$(percent "$cpu" "${pcpu:-0}")" "$qrps" "$qn" "$(percent "$qrps" "$pq")"
done
