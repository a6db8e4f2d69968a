#!/usr/bin/env bash
# replicas-load.sh: complete verifications per second of one netid replica
# and of two replicas on one PostgreSQL, each replica with the same share of
# CPU, and the ratio two/one.
#
#   scripts/replicas-load.sh
#
# Environment (all optional):
#   N=600            verifications per run (netid-load verify -n)
#   C=8              concurrent verifications (-c)
#   ROUNDS=2         one-replica and two-replica runs alternate ROUNDS times
#   REPLICA_CPU=0.25 CPU of each replica, in cores (a cgroup quota)
#   REPLICA_PERIOD_US=10000  the period of that quota, in microseconds
#   REPLICA_CORES=1  the cores the replicas are pinned to (taskset list)
#   OTHER_CORES=0    the cores of PostgreSQL and the load generator
#   NETID_PG_PORT=54391  the port of the script's own PostgreSQL; the
#                    replicas listen on the ports 10 and 11 above it
#   LEVEL=possession AUTH=client_secret_basic   netid-load verify's --level and --auth
#
# What it does:
#   1. builds netid and netid-load;
#   2. starts a DURABLE PostgreSQL of its own (fsync, synchronous_commit and
#      full_page_writes on, checked with SHOW) pinned to OTHER_CORES;
#   3. ROUNDS times, alternately: one replica, then two replicas, of
#      `netid serve --dev` on one database (a database per configuration,
#      the replicas of a configuration sharing the data directory: its
#      master key and development authorities, and one --public-url, the
#      first replica's), each replica in a CPU cgroup of its own capped at
#      REPLICA_CPU cores, pinned to REPLICA_CORES, with GOMAXPROCS to match,
#      and runs `netid-load verify --server URL[,URL]` pinned to OTHER_CORES;
#   4. prints each run's figures, the replicas' CPU while the timed
#      verifications ran (per verification, in cores against their cap,
#      and how long the cgroups were throttled), how busy each core was,
#      and the ratio of the two-replica rate to the one-replica rate.
#
# The cap, not the pinning, gives every replica the same CPU whether one or
# two run: with two cores, two replicas on one core at REPLICA_CPU each
# leave the other core to PostgreSQL and the load generator, which must
# not be the bottleneck (keep 2 × REPLICA_CPU well under one core). The
# cgroup is cgroup v2's cpu.max where the cpu controller is available,
# else cgroup v1's cpu.cfs_quota_us; without either the replicas are only
# pinned and the script says so (the figures then do not compare equal
# CPU). It needs root for the cgroups and to run PostgreSQL as postgres.
set -euo pipefail

N=${N:-600}
C=${C:-8}
ROUNDS=${ROUNDS:-2}
REPLICA_CPU=${REPLICA_CPU:-0.25}
REPLICA_CORES=${REPLICA_CORES:-1}
OTHER_CORES=${OTHER_CORES:-0}
PORT=${NETID_PG_PORT:-54391}
LEVEL=${LEVEL:-possession}
AUTH=${AUTH:-client_secret_basic}

root=$(cd "$(dirname "$0")/.." && pwd)
log() { printf 'replicas-load: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# in_use PORT: something listens on the loopback port.
in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$PORT" $((PORT + 10)) $((PORT + 11)); do
	! in_use "$p" || die "port $p is in use: set NETID_PG_PORT to a free port (the replicas use the ports 10 and 11 above it)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/netid-replicas.XXXXXX")
chmod 755 "$work" # PostgreSQL runs as postgres, below it
pids=()
cgroups=()

cleanup() {
	local p c
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	for c in "${cgroups[@]}"; do rmdir "$c" 2>/dev/null || true; done
	if [[ -d $work/pg ]]; then
		NETID_PG_PORT=$PORT "$root/scripts/postgres-for-tests.sh" stop "$work/pg" || true
	fi
	rm -rf -- "$work"
}
trap cleanup EXIT

as_owner() {
	if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The cgroup flavour: v2 (cpu.max) if its cpu controller is there, else v1.
cg_mode=none
if [[ -f /sys/fs/cgroup/cgroup.controllers ]] && grep -qw cpu /sys/fs/cgroup/cgroup.controllers &&
	mkdir -p /sys/fs/cgroup/netid-replicas-probe 2>/dev/null; then
	rmdir /sys/fs/cgroup/netid-replicas-probe
	cg_mode=v2
elif [[ -w /sys/fs/cgroup/cpu ]]; then
	cg_mode=v1
fi
# A short period: a replica that runs out of its quota while it holds a
# lock in PostgreSQL (the record log's tail, taken by every approval until
# its commit) keeps the other replica waiting for the rest of the period,
# up to 75 ms with the kernel's default 100 ms at 0.25 core. Replicas on
# cores of their own are never throttled, so the period should be short.
period=${REPLICA_PERIOD_US:-10000}
quota=$(awk -v c="$REPLICA_CPU" -v p=$period 'BEGIN { printf "%d", c * p }')
[[ $quota -ge 1000 ]] || die "REPLICA_CPU=$REPLICA_CPU is too small"
gomaxprocs=$(awk -v c="$REPLICA_CPU" 'BEGIN { n = int(c + 0.999); if (n < 1) n = 1; print n }')
case $cg_mode in
v2) log "each replica capped at $REPLICA_CPU core (cgroup v2 cpu.max $quota $period), GOMAXPROCS=$gomaxprocs, pinned to CPU $REPLICA_CORES" ;;
v1) log "each replica capped at $REPLICA_CPU core (cgroup v1 cpu.cfs_quota_us $quota / $period), GOMAXPROCS=$gomaxprocs, pinned to CPU $REPLICA_CORES" ;;
*) log "WARNING: no writable CPU cgroup: replicas are only pinned to CPU $REPLICA_CORES (two replicas then share what one had alone)" ;;
esac

# new_cgroup NAME sets cg to the directory of a new cgroup capped at
# quota ("" without cgroups).
new_cgroup() {
	local d
	case $cg_mode in
	v2)
		d=/sys/fs/cgroup/$1
		mkdir "$d"
		echo "$quota $period" >"$d/cpu.max"
		;;
	v1)
		d=/sys/fs/cgroup/cpu/$1
		mkdir "$d"
		echo $period >"$d/cpu.cfs_period_us"
		echo "$quota" >"$d/cpu.cfs_quota_us"
		;;
	*) d= ;;
	esac
	[[ -z $d ]] || cgroups+=("$d")
	cg=$d
}

log "building netid and netid-load"
(cd "$root" && go build -o "$work/bin/" ./cmd/netid ./cmd/netid-load)

log "starting a durable PostgreSQL on port $PORT"
NETID_PG_PORT=$PORT "$root/scripts/postgres-for-tests.sh" start "$work/pg" >/dev/null
bindir=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -t/ -k5,5 -rn | head -n1)")
[[ -x $bindir/pg_ctl ]] || bindir=$(pg_config --bindir)
# The test server runs with fsync off: restart it durable, on OTHER_CORES.
as_owner "$bindir/pg_ctl" -D "$work/pg/data" -m fast -w stop >/dev/null
as_owner taskset -c "$OTHER_CORES" "$bindir/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w -t 60 \
	-o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$work/pg -c fsync=on -c synchronous_commit=on -c full_page_writes=on -c max_connections=300" \
	start >/dev/null
psql_q() { psql -X -q -At -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -c "$1" </dev/null; }
durable="fsync=$(psql_q 'SHOW fsync') synchronous_commit=$(psql_q 'SHOW synchronous_commit') full_page_writes=$(psql_q 'SHOW full_page_writes')"
[[ $durable == "fsync=on synchronous_commit=on full_page_writes=on" ]] || die "PostgreSQL is not durable: $durable"
log "PostgreSQL: $durable"
psql_q "CREATE DATABASE netid_one" >/dev/null
psql_q "CREATE DATABASE netid_two" >/dev/null

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/admin-token"

# start_replicas MODE COUNT starts COUNT replicas on database netid_MODE
# and sets urls to their URLs, comma-separated.
replica_pids=()
start_replicas() {
	local mode=$1 count=$2 i port public cg
	urls=""
	local dsn="postgres://postgres@127.0.0.1:$PORT/netid_$mode?sslmode=disable"
	replica_pids=()
	for ((i = 0; i < count; i++)); do
		port=$((PORT + 10 + i))
		public=${public:-http://127.0.0.1:$port}
		new_cgroup "netid-replica-$$-$round-$mode-$i"
		# The shell enters the cgroup before it becomes netid, so every
		# thread of the replica is in it from the start.
		GOMAXPROCS=$gomaxprocs sh -c '[ -z "$1" ] || echo $$ >"$1/cgroup.procs"; shift; exec "$@"' sh "$cg" \
			taskset -c "$REPLICA_CORES" "$work/bin/netid" serve --dev --db "$dsn" --data "$work/data-$mode" \
			--addr "127.0.0.1:$port" --public-url "$public" --admin-token-file "$work/admin-token" \
			--rate-limit 0 --client-rate-limit 0 >"$work/replica-$mode-$i.log" 2>&1 &
		pids+=($!)
		replica_pids+=($!)
		local t
		for t in $(seq 1 240); do
			curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
			kill -0 "${pids[-1]}" 2>/dev/null || { tail -n 20 "$work/replica-$mode-$i.log" >&2; die "replica $i did not start"; }
			[[ $t -lt 240 ]] || die "replica $i did not answer /readyz"
			sleep 0.5
		done
		urls+=${urls:+,}http://127.0.0.1:$port
	done
}

# cpu_ticks prints the CPU time (user and system, in clock ticks) the
# replicas used so far, summed.
cpu_ticks() {
	local p sum=0 f
	for p in "${replica_pids[@]}"; do
		f=$(sed 's/^.*) //' "/proc/$p/stat")
		sum=$((sum + $(awk '{ print $12 + $13 }' <<<"$f")))
	done
	echo "$sum"
}
hz=$(getconf CLK_TCK)

# core_ticks prints, for every core, "N:busy:total" in clock ticks from
# /proc/stat (busy is all but idle and iowait).
core_ticks() {
	awk '/^cpu[0-9]/ { t = 0; for (i = 2; i <= NF; i++) t += $i; printf "%s:%d:%d ", substr($1, 4), t - $5 - $6, t }' /proc/stat
}

# throttled_ms prints how long the replicas' cgroups have been throttled,
# in milliseconds, summed (0 without cgroups).
throttled_ms() {
	local c sum=0 v
	for c in "${cgroups[@]}"; do
		[[ -f $c/cpu.stat ]] || continue
		v=$(awk '$1 == "throttled_usec" { print int($2 / 1000) } $1 == "throttled_time" { print int($2 / 1000000) }' "$c/cpu.stat")
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}

stop_replicas() {
	local p
	for p in "${replica_pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${replica_pids[@]}"; do wait "$p" 2>/dev/null || true; done
	replica_pids=()
}

declare -A total rate
total[one]=0
total[two]=0
declare -A cputotal
cputotal[one]=0
cputotal[two]=0
ratios=()
for ((round = 1; round <= ROUNDS; round++)); do
	for mode in one two; do
		count=1
		[[ $mode == two ]] && count=2
		start_replicas "$mode" "$count"
		log "round $round: $count replica(s) at $urls"
		# netid-load sets up its holders first (applications, not timed),
		# then says "running …": the CPU figures below are taken from that
		# line to its end, so that they cover the timed verifications only.
		taskset -c "$OTHER_CORES" "$work/bin/netid-load" verify --server "$urls" --admin-token-file "$work/admin-token" \
			-n "$N" -c "$C" --level "$LEVEL" --auth "$AUTH" >"$work/load.out" 2>&1 &
		load=$!
		until grep -q '^running ' "$work/load.out" 2>/dev/null || ! kill -0 "$load" 2>/dev/null; do sleep 0.05; done
		ticks0=$(cpu_ticks)
		busy0=$(core_ticks)
		throttled0=$(throttled_ms)
		wait "$load" || { cat "$work/load.out" >&2; die "netid-load failed"; }
		ticks1=$(cpu_ticks)
		busy1=$(core_ticks)
		throttled1=$(throttled_ms)
		out=$(cat "$work/load.out")
		echo "== round $round, $count replica(s)"
		echo "$out"
		secs=$(sed -n 's/^[0-9]* verifications in \([0-9.]*\)s.*/\1/p' <<<"$out" | tail -n1)
		[[ -n $secs ]] || die "no duration in netid-load's output"
		cpuv=$(awk -v t=$((ticks1 - ticks0)) -v hz="$hz" -v n="$N" 'BEGIN { print 1000 * t / hz / n }')
		# The replicas' CPU per verification and how busy each core was
		# while the verifications ran: the replicas should use their whole
		# cap and the other cores should have room to spare, or the rate
		# measures something else than the replicas.
		awk -v t=$((ticks1 - ticks0)) -v hz="$hz" -v v="$cpuv" -v s="$secs" -v cap="$REPLICA_CPU" -v k="$count" \
			-v th=$((throttled1 - throttled0)) 'BEGIN {
			printf "replicas CPU: %.2fs, %.2f ms per verification, %.2f core of their %.2f (throttled %.1fs in all)\n", t / hz, v, t / hz / s, k * cap, th / 1000
		}'
		paste <(tr ' ' '\n' <<<"$busy0") <(tr ' ' '\n' <<<"$busy1") | awk 'NF == 2 {
			split($1, a, ":"); split($2, b, ":")
			printf "CPU %s busy %.0f%%\n", a[1], 100 * (b[2] - a[2]) / ((b[3] - a[3]) ? b[3] - a[3] : 1)
		}'
		cputotal[$mode]=$(awk -v a="${cputotal[$mode]}" -v b="$cpuv" 'BEGIN { print a + b }')
		vps=$(sed -n 's/.*: \([0-9.]*\) verifications\/s.*/\1/p' <<<"$out" | tail -n1)
		[[ -n $vps ]] || die "no rate in netid-load's output"
		total[$mode]=$(awk -v a="${total[$mode]}" -v b="$vps" 'BEGIN { print a + b }')
		rate[$mode]=$vps
		stop_replicas
	done
	r=$(awk -v one="${rate[one]}" -v two="${rate[two]}" 'BEGIN { printf "%.2f", two / one }')
	ratios+=("$r")
	echo "== round $round: one replica ${rate[one]}/s, two replicas ${rate[two]}/s, ratio $r"
done
awk -v one="${total[one]}" -v two="${total[two]}" -v r="$ROUNDS" -v cpu="$REPLICA_CPU" 'BEGIN {
	printf "one replica: %.1f verifications/s, two replicas: %.1f verifications/s (mean of %d rounds, %s core per replica)\n", one / r, two / r, r, cpu
	printf "ratio two/one: %.2f (of the means)\n", two / one
}'
# When both configurations run their replicas at their whole cap (each
# run's "core of their" line says whether they did), the ratio is twice
# the CPU per verification of one replica over that of two: what a second
# replica adds to each verification's work, shared state included.
awk -v one="${cputotal[one]}" -v two="${cputotal[two]}" -v r="$ROUNDS" 'BEGIN {
	printf "replicas CPU per verification: %.2f ms with one, %.2f ms with two (mean of %d rounds)\n", one / r, two / r, r
}'
# The median of the rounds' ratios: one round slowed down by other work on
# the machine moves it less than it moves the means.
printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END {
	m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	printf "ratio two/one: %.2f (median of %d rounds:", m, NR
	for (i = 1; i <= NR; i++) printf " %s", v[i]
	print ")"
}'
