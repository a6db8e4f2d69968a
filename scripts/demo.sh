#!/usr/bin/env bash
# The whole flow with the separate commands a person would type: a dev
# platform, a test document, an application with the CLI wallet, the
# wallet's status, a presentation and its offline verification.
# (`go run ./cmd/netid-demo` runs the same flow in one process.)
#
#   scripts/demo.sh                       # SQLite in a temporary directory
#   NETID_DB=postgres://… scripts/demo.sh # the same on PostgreSQL
#
# Non-interactive: the password comes from NETID_PASSWORD, the SMS code and
# the face check from the dev server (--dev).
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
bin="$work/netid"
go build -o "$bin" ./cmd/netid
port=${NETID_DEMO_PORT:-18080}
server="http://127.0.0.1:$port"
export NETID_WALLET="$work/wallet" NETID_PASSWORD=27418596

"$bin" serve --dev --addr "127.0.0.1:$port" --data "$work/data" ${NETID_DB:+--db "$NETID_DB"} --log-level warn &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
	curl -fsS "$server/readyz" >/dev/null 2>&1 && break
	sleep 0.1
done

# The GB 11643 standard's own example number (a woman born 1949-12-31);
# sex and birth date default to what the number encodes.
number=${NETID_DEMO_NUMBER:-11010519491231002X}
"$bin" dev document --server "$server" --name 张三 --number "$number" --out "$work/doc.json"
phone=139$(printf '%08d' $((RANDOM * RANDOM % 100000000)))
"$bin" wallet apply --server "$server" --document "$work/doc.json" --phone "$phone" --dev
"$bin" wallet show
nonce=$(head -c 12 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
"$bin" wallet present --audience https://shop.example --nonce "$nonce" --disclose age_over_18 > "$work/presentation.txt"
"$bin" verify --server "$server" --audience https://shop.example --nonce "$nonce" < "$work/presentation.txt"
echo "a replayed presentation to a new verifier with another nonce must fail:"
if "$bin" verify --server "$server" --audience https://shop.example --nonce other < "$work/presentation.txt"; then
	echo "demo: a presentation verified with the wrong nonce" >&2
	exit 1
fi
