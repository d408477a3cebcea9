# Shared helpers for the integration tests: connection variables from the
# services' env file, psql shorthands, row-by-row table comparison in SQL,
# and a tally that ends with "N passed, N failed".
set -euo pipefail

: "${WHARF:?path of the wharf binary}"
: "${WHARF_SERVICES:?env file written by ci/services start}"
set -a
# shellcheck disable=SC1090
. "$WHARF_SERVICES"
set +a

TMP=${WHARF_TEST_TMP:-$(mktemp -d)}
rm -rf "$TMP"
mkdir -p "$TMP"
PASSED=0
FAILED=0

src() { psql "$WHARF_SOURCE_CONNINFO" -X -q -v ON_ERROR_STOP=1 -At "$@"; }
wh() { psql "$WHARF_WAREHOUSE_CONNINFO" -X -q -v ON_ERROR_STOP=1 -At "$@"; }

ok() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
not_ok() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }
check() { # check "description" command...
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# The end of a script: its TAP plan (after the tests, as TAP allows, so that
# `prove tests/integration/test_x.sh` reads every script), then the tally.
finish() {
	echo "1..$((PASSED + FAILED))"
	echo "# $PASSED passed, $FAILED failed"
	[[ $FAILED -eq 0 ]]
}

# Rows of source table $1 that the warehouse table $2 lacks, plus the
# reverse, compared as row text in the warehouse through dblink.  Prints the
# count of differing rows (0 when identical).
table_diff() {
	local source=$1 target=$2
	local conn="$WHARF_SOURCE_CONNINFO options='-c TimeZone=UTC -c extra_float_digits=3'"
	wh -c "SET TimeZone = 'UTC'; SET extra_float_digits = 3;" -c "
		WITH s AS (SELECT r FROM dblink($(sql_literal "$conn"), $(sql_literal "SELECT t::text FROM $source t")) AS x(r text)),
		     w AS (SELECT t::text AS r FROM $target t)
		SELECT count(*) FROM ((SELECT r FROM s EXCEPT ALL SELECT r FROM w)
		                      UNION ALL (SELECT r FROM w EXCEPT ALL SELECT r FROM s)) d"
}
same_table() { [[ $(table_diff "$1" "$2") == 0 ]]; }

# wharf's stderr as on a terminal: the lines it writes elsewhere carry a
# prefix (time, process, job: see log.h) that this takes away, so tests
# match "wharf: error: ..." whatever the prefix.
wharf_msgs() {
	sed -E 's/^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ UTC wharf\[[0-9]+\]: ([^ :]+: )?(error|warning|info|debug|trace): /wharf: \2: /' "$@"
}
export -f wharf_msgs

# Drops replication slot $1 when it exists and no process streams from it.
slot_drop() { src -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$1' AND NOT active" >/dev/null; }

# job_fingerprint JOB TABLE...: each warehouse table's row count and rows'
# digest ("none" when it is missing), then the digest of the job's state
# rows: equal fingerprints, nothing changed.
job_fingerprint() {
	local job=$1
	shift
	for t in "$@"; do wh -c "SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') FROM $t x" 2>/dev/null || echo none; done
	wh -c "SELECT coalesce(md5(string_agg(s::text, '|' ORDER BY s.source_table)), '') FROM public.wharf_state s WHERE job = '$job'"
}

# wait_for FILE PATTERN [SECONDS] [AFTER]: until FILE has a line matching
# the extended regular expression PATTERN past its first AFTER lines
# (default 0), for up to SECONDS (default 30); false on timeout.
wait_for() {
	local deadline=$((SECONDS + ${3:-30})) after=${4:-0}
	until tail -n +"$((after + 1))" "$1" 2>/dev/null | grep -Eq -- "$2"; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

sql_literal() { printf "'%s'" "${1//\'/\'\'}"; }

# Writes a job file: job_file NAME DIALECT STAGE_URL TABLE_SECTIONS...
job_file() {
	local name=$1 dialect=$2 url=$3
	shift 3
	local f="$TMP/$name.ini"
	{
		printf '[job]\nname = %s\n\n[source]\nconninfo = ${WHARF_SOURCE_CONNINFO}\n\n' "$name"
		printf '[stage]\nurl = %s\nendpoint = ${WHARF_S3_ENDPOINT}\nregion = ${WHARF_S3_REGION}\n' "$url"
		printf 'access_key_id = ${WHARF_S3_KEY}\nsecret_access_key = ${WHARF_S3_SECRET}\npart_size = 64kB\n\n'
		printf '[warehouse]\ndialect = %s\nodbc = ${WHARF_WAREHOUSE_ODBC}\n\n' "$dialect"
		for t in "$@"; do printf '%s\n' "$t"; done
	} >"$f"
	chmod 600 "$f"
	echo "$f"
}

# Objects in the S3 bucket under a prefix (through s3rver directly: test only).
s3_count() {
	curl -s "$WHARF_S3RVER_ENDPOINT/$WHARF_S3_BUCKET/?list-type=2&prefix=$1" | grep -o '<Key>' | wc -l
}

# free = bindable: a connect probe misses ports held by outgoing connections
# or in TIME_WAIT.
port_free() { python3 -c 'import socket, sys; socket.socket().bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null; }
free_port() { # free_port FROM: the first free port at or above FROM
	local p=$1
	while ! port_free "$p"; do p=$((p + 1)); done
	echo "$p"
}

# A private signature-checking gate in front of the suite's s3rver, with a
# secret of the test's own (the gate the services use: ours, or s3gate):
# gate_start SECRET LOG sets GATE_PORT and GATE_PID, and GATE_ENDPOINT.
gate_start() {
	local secret=$1 log=$2 try
	GATE_PORT=$(free_port $((${WHARF_S3_ENDPOINT##*:} + 100)))
	for ((try = 0; try < 5; try++)); do
		setsid "$WHARF_S3GATE_RUN" --listen "127.0.0.1:$GATE_PORT" --upstream "$WHARF_S3RVER_ENDPOINT" \
			--key "$WHARF_S3_KEY" --secret "$secret" </dev/null >"$log" 2>&1 &
		GATE_PID=$!
		GATE_ENDPOINT="http://127.0.0.1:$GATE_PORT"
		for ((i = 0; i < 100; i++)); do
			[[ $(curl -s -o /dev/null -w '%{http_code}' "$GATE_ENDPOINT/$WHARF_S3_BUCKET/" || true) == 403 ]] && return 0
			kill -0 "$GATE_PID" 2>/dev/null || break
			sleep 0.1
		done
		# lost the port to another process: the next one
		kill "$GATE_PID" 2>/dev/null || true
		GATE_PORT=$(free_port $((GATE_PORT + 1)))
	done
	echo "gate_start: no gate answered (log: $log)" >&2
	return 1
}
