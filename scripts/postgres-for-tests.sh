#!/usr/bin/env bash
# postgres-for-tests.sh: a throwaway PostgreSQL server for the storage tests.
#
#   scripts/postgres-for-tests.sh [start [DIR]]   start a server, print its DSN
#   scripts/postgres-for-tests.sh stop DIR        stop it and remove DIR
#
# start initialises a new cluster in DIR (default: a new temporary directory),
# listening on 127.0.0.1 only, port $NETID_PG_PORT (default 54329), with its
# unix socket in DIR and trust authentication (a test server: no secrets, no
# durability: fsync is off). It creates the database netid_test, waits until
# it accepts connections and prints one line on stdout, the DSN:
#
#   postgres://postgres@127.0.0.1:54329/netid_test?sslmode=disable
#
# Everything else goes to stderr. Typical use:
#
#   dir=$(mktemp -d)
#   export NETID_TEST_POSTGRES_DSN=$(scripts/postgres-for-tests.sh start "$dir")
#   go test ./internal/storage/sqlstore/
#   scripts/postgres-for-tests.sh stop "$dir"
#
# PostgreSQL refuses to run as root, so as root the server runs as the
# postgres user (created if missing), and if no PostgreSQL binaries are found
# they are installed with apt-get (Debian: postgresql). A non-root user needs
# the binaries already installed and runs the server as themself. Set
# PG_BINDIR to choose the binaries' directory.
set -euo pipefail

port=${NETID_PG_PORT:-54329}
dbname=netid_test
export DEBIAN_FRONTEND=noninteractive

log() { printf 'postgres-for-tests: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# find_bindir prints the directory holding initdb and pg_ctl, if any.
find_bindir() {
	if [[ -n ${PG_BINDIR:-} ]]; then
		[[ -x $PG_BINDIR/initdb ]] || die "PG_BINDIR=$PG_BINDIR has no initdb"
		echo "$PG_BINDIR"
		return
	fi
	local d
	# Newest Debian-packaged version first.
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5 -rn); do
		if [[ -x $d/initdb && -x $d/pg_ctl ]]; then
			echo "$d"
			return
		fi
	done
	if command -v pg_config >/dev/null 2>&1; then
		d=$(pg_config --bindir)
		if [[ -x $d/initdb ]]; then
			echo "$d"
			return
		fi
	fi
	if command -v initdb >/dev/null 2>&1; then
		dirname "$(readlink -f "$(command -v initdb)")"
	fi
}

# as_owner runs a command as the user who owns the cluster.
as_owner() {
	if [[ $EUID -eq 0 ]]; then
		if command -v runuser >/dev/null 2>&1; then
			runuser -u postgres -- "$@"
		else
			su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
		fi
	else
		"$@"
	fi
}

start() {
	local bindir dir
	bindir=$(find_bindir)
	if [[ -z $bindir ]]; then
		[[ $EUID -eq 0 ]] || die "no PostgreSQL binaries found (install postgresql or set PG_BINDIR)"
		log "installing PostgreSQL with apt-get"
		apt-get update >&2 </dev/null
		apt-get install -y --no-install-recommends postgresql >&2 </dev/null
		bindir=$(find_bindir)
		[[ -n $bindir ]] || die "PostgreSQL binaries still missing after apt-get install"
	fi
	log "using $bindir"

	dir=${1:-$(mktemp -d "${TMPDIR:-/tmp}/netid-pg.XXXXXX")}
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	[[ ! -e $dir/data ]] || die "$dir/data already exists"
	if [[ $EUID -eq 0 ]]; then
		if ! id postgres >/dev/null 2>&1; then
			log "creating system user postgres"
			useradd --system --no-create-home --shell /usr/sbin/nologin postgres
		fi
		chown postgres: "$dir"
	fi

	as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
		>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }

	if ! as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
		start >&2; then
		tail -n 30 "$dir/server.log" >&2 || true
		die "pg_ctl start failed (is port $port in use? set NETID_PG_PORT)"
	fi

	local i
	for i in $(seq 1 60); do
		if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres; then
			break
		fi
		[[ $i -lt 60 ]] || die "server did not accept connections"
		sleep 0.5
	done
	"$bindir/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
		-c "CREATE DATABASE $dbname" >&2 </dev/null
	log "started in $dir; stop with: $0 stop $dir"
	echo "postgres://postgres@127.0.0.1:$port/$dbname?sslmode=disable"
}

stop() {
	local dir=${1:-}
	[[ -n $dir ]] || die "usage: $0 stop DIR"
	[[ -d $dir ]] || { log "$dir does not exist: nothing to stop"; return 0; }
	if [[ -f $dir/data/postmaster.pid ]]; then
		local bindir
		bindir=$(find_bindir)
		[[ -n $bindir ]] || die "no PostgreSQL binaries found to stop the server"
		as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >&2 || log "pg_ctl stop failed"
	fi
	# Remove only a directory this script made a cluster in.
	if [[ -e $dir/data/PG_VERSION || -e $dir/initdb.log ]]; then
		rm -rf -- "$dir"
		log "stopped; removed $dir"
	else
		log "stopped; left $dir (not a test cluster directory)"
	fi
}

case ${1:-start} in
start) start "${2:-}" ;;
stop) stop "${2:-}" ;;
*) die "usage: $0 [start [DIR]] | stop DIR" ;;
esac
