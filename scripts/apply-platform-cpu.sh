#!/usr/bin/env bash
# apply-platform-cpu.sh: complete applications against `netid serve --dev`
# in a process of its own, and the CPU time that process spends per
# application, beside the CPU time of one argon2id hash measured in the
# same run by netid-load apply (which prints the rest of its figures).
#
#   scripts/apply-platform-cpu.sh [DSN]
#
# DSN: a postgres:// database for the platform (it creates its tables
# there, so give it an empty database); without it SQLite in a temporary
# data directory. Environment (optional): N=300 applications, C=2 at a
# time; PROFILE=FILE also writes a CPU profile of the platform's process,
# taken for PROFILE_SECONDS=5 from the first application (through netid
# serve --profile-addr), for go tool pprof. The platform listens on a free
# loopback port and stops at the end.
#
# netid-load in the same process as the platform counts client and
# platform together; this separates the platform's share: its process's
# user and system time (/proc/PID/stat) from the first application to the
# last, divided by the applications.
set -euo pipefail

n=${N:-300}
c=${C:-2}
db=${1:-}
bin=$(mktemp -d)
data=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$bin" "$data"' EXIT
go build -o "$bin/netid" ./cmd/netid
go build -o "$bin/netid-load" ./cmd/netid-load

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
profile_addr=
if [[ -n ${PROFILE:-} ]]; then
	profile_addr=127.0.0.1:$(free_port)
fi
"$bin/netid" serve --dev --data "$data/platform" --addr "127.0.0.1:$port" \
	--rate-limit 0 --client-rate-limit 0 --log-level warn ${db:+--db "$db"} \
	${profile_addr:+--profile-addr "$profile_addr"} >"$data/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
	curl -s -o /dev/null "http://127.0.0.1:$port/" && break
	sleep 0.1
done

tck=$(getconf CLK_TCK)
cpu() { awk -v t="$tck" '{ print ($14 + $15) / t }' "/proc/$pid/stat"; }
"$bin/netid-load" apply --server "http://127.0.0.1:$port" -n "$n" -c "$c" >"$data/out" &
load=$!
until grep -q '^running' "$data/out" 2>/dev/null; do sleep 0.05; done
c0=$(cpu)
if [[ -n $profile_addr ]]; then
	curl -sf -o "$PROFILE" "http://$profile_addr/debug/pprof/profile?seconds=${PROFILE_SECONDS:-5}" &
	prof=$!
fi
until grep -q ' applications in ' "$data/out" 2>/dev/null; do
	kill -0 "$load" 2>/dev/null || break
	sleep 0.02
done
c1=$(cpu)
wait "$load"
if [[ -n $profile_addr ]]; then
	wait "$prof" || echo "apply-platform-cpu: the profile was not taken (a run shorter than PROFILE_SECONDS?)" >&2
fi
grep -v '^minting' "$data/out"
ok=$(grep -o '^[0-9]* applications in' "$data/out" | cut -d' ' -f1)
hash=$(grep -o 'of one hash: [0-9.]* ms' "$data/out" | grep -o '[0-9.]*' || true)
awk -v a="$c0" -v b="$c1" -v n="$ok" -v h="$hash" 'BEGIN {
	p = 1000 * (b - a) / n
	printf "platform process (netid serve): %.1f ms CPU per application", p
	if (h != "") printf " = %.2f × one hash (%s ms); the hash is %.1f%% of it", p / h, h, 100 * h / p
	printf "\n"
}'
