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
finish() {
	echo "$PASSED passed, $FAILED failed"
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
