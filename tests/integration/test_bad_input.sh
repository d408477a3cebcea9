#!/usr/bin/env bash
# Bad input: each broken job file or unreachable part gets one clear line on
# stderr naming the culprit, the right exit code, and no change anywhere
# (no warehouse schema, no staged object).
. "$(dirname "$0")/lib.sh"

src <<'SQL'
DROP SCHEMA IF EXISTS bad CASCADE;
CREATE SCHEMA bad;
CREATE TABLE bad.ok (id int PRIMARY KEY, v text);
INSERT INTO bad.ok VALUES (1, 'a');
CREATE TABLE bad.nokey (v text);
CREATE TABLE bad.wide (id int PRIMARY KEY, n numeric);
CREATE TABLE bad.cased (id int PRIMARY KEY, "Note" text, note text);
CREATE TABLE bad."Ok" (id int PRIMARY KEY);
INSERT INTO bad.wide VALUES (1, 1.5), (2, 12345678901234567890123456789012.5);
SQL
wh -c 'DROP SCHEMA IF EXISTS bad CASCADE'

base=$(job_file bad postgres "s3://$WHARF_S3_BUCKET/it/bad" '[table bad.ok]')

# expect NAME EXIT PATTERN JOBFILE [COMMAND]: runs wharf, checks the exit code,
# that stderr is one error line matching PATTERN without the S3 secret, and
# that nothing changed.
expect() {
	local name=$1 code=$2 pattern=$3 jobf=$4 cmd=${5:-snapshot}
	local err="$TMP/$name.err" rc=0
	"$WHARF" -c "$jobf" "$cmd" >/dev/null 2>"$err" || rc=$?
	local lines
	lines=$(wharf_msgs "$err" | grep -c '^wharf: error' || true)
	if [[ $rc -ne $code ]]; then
		not_ok "$name: exit $rc, expected $code: $(head -c 300 "$err")"
	elif ! grep -qE -- "$pattern" "$err"; then
		not_ok "$name: message does not name the culprit ($pattern): $(head -c 300 "$err")"
	elif [[ $lines -ne 1 ]]; then
		not_ok "$name: $lines error lines, expected one: $(head -c 400 "$err")"
	elif grep -q "SECRET-XYZZY" "$err"; then
		not_ok "$name: a secret leaked into the message"
	elif [[ $(wh -c "SELECT count(*) FROM pg_namespace WHERE nspname = 'bad'") -ne 0 ]]; then
		not_ok "$name: a warehouse schema was created"
	elif [[ $(s3_count it/bad) -ne 0 ]]; then
		not_ok "$name: objects were left in the stage"
	else
		ok "$name: exit $code, $(wharf_msgs "$err" | sed 's/^wharf: error: //' | head -c 160)"
	fi
}

variant() { # variant NAME SED-EXPRESSION...: a copy of the base job, edited
	local f="$TMP/$1.ini" args=()
	shift
	for e in "$@"; do args+=(-e "$e"); done
	sed "${args[@]}" "$base" >"$f"
	chmod 600 "$f"
	echo "$f"
}

expect "missing job file" 2 "nonexistent.ini" "$TMP/nonexistent.ini"
expect "unknown key" 2 'acess_key_id' "$(variant unknown_key 's/^access_key_id/acess_key_id/')"
expect "unset variable" 2 'WHARF_NOT_SET_ANYWHERE' "$(variant unset_var 's/^region = .*/region = ${WHARF_NOT_SET_ANYWHERE}/')"
expect "bad dialect" 2 'dialect' "$(variant bad_dialect 's/^dialect = .*/dialect = oracle/')"
expect "no odbc for snapshot" 2 'odbc' "$(variant no_odbc '/^odbc = /d')"
expect "source unreachable" 1 'source' "$(variant src_down 's/^conninfo = .*/conninfo = host=127.0.0.1 port=1 dbname=src user=wharf connect_timeout=2/')"
expect "missing table" 1 'bad\.missing' "$(variant missing_table 's/^\[table bad.ok\]/[table bad.missing]/')"
expect "missing key column" 1 'no_such_col' "$(variant missing_key 's/^\[table bad.ok\]/[table bad.ok]\nkey = no_such_col/')"
expect "no key in merge mode" 1 'bad\.nokey' "$(variant no_pk 's/^\[table bad.ok\]/[table bad.nokey]/')"
expect "missing bucket" 1 'no-such-bucket' "$(variant no_bucket "s#^url = .*#url = s3://no-such-bucket/x#")"
expect "wrong S3 secret" 1 'SignatureDoesNotMatch|InvalidAccessKeyId|signature' "$(variant bad_secret 's/^secret_access_key = .*/secret_access_key = SECRET-XYZZY/')"
expect "S3 endpoint down" 1 '127\.0\.0\.1:1' "$(variant s3_down 's#^endpoint = .*#endpoint = http://127.0.0.1:1#' 's/^part_size = .*/part_size = 64kB\nretries = 2/')"
expect "warehouse unreachable" 1 'warehouse' "$(variant wh_down 's/^odbc = .*/odbc = Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=1;Database=wh;Uid=wharf;Pwd=SECRET-XYZZY/')"
expect "unknown ODBC driver" 1 'NoSuchDriver' "$(variant wh_driver 's/^odbc = .*/odbc = Driver=NoSuchDriver;Server=127.0.0.1/')"
expect "numeric too wide for snowflake" 1 '"n"' "$(variant wide 's/^\[table bad.ok\]/[table bad.wide]/' 's/^dialect = .*/dialect = snowflake/')" stage
# names a warehouse folds (Redshift to lower case, Snowflake plain names to upper case)
expect "keep_case on redshift" 2 'keep_case' "$(variant keep_rs 's/^dialect = .*/dialect = redshift\nkeep_case = true/')" stage
expect "columns one name in redshift" 1 '"Note" and "note"' "$(variant cased_rs 's/^\[table bad.ok\]/[table bad.cased]/' 's/^dialect = .*/dialect = redshift/')" stage
expect "tables one name in redshift" 1 'both land in' "$(variant two_rs 's/^\[table bad.ok\]/[table bad.ok]\n[table bad."Ok"]/' 's/^dialect = .*/dialect = redshift/')" stage
rc=0
"$WHARF" -c "$(variant cased_sf 's/^\[table bad.ok\]/[table bad.cased]/' 's/^dialect = .*/dialect = snowflake\nstorage_integration = S3_INT/')" plan >"$TMP/cased_sf.plan" 2>"$TMP/cased_sf.err" || rc=$?
check "snowflake keeps \"Note\" and folds note to NOTE" \
	bash -c "test $rc -eq 0 && grep -q '\"Note\" VARCHAR' '$TMP/cased_sf.plan' && grep -q '\"NOTE\" VARCHAR' '$TMP/cased_sf.plan' && grep -q '\"BAD\".\"CASED\"' '$TMP/cased_sf.plan'"
rc=0
"$WHARF" -c "$(variant kept_sf 's/^\[table bad.ok\]/[table bad.cased]/' 's/^dialect = .*/dialect = snowflake\nstorage_integration = S3_INT\nkeep_case = true/')" plan >"$TMP/kept_sf.plan" 2>"$TMP/kept_sf.err" || rc=$?
check "snowflake with keep_case keeps every name as written" \
	bash -c "test $rc -eq 0 && grep -q '\"note\" VARCHAR' '$TMP/kept_sf.plan' && grep -q '\"bad\".\"cased\"' '$TMP/kept_sf.plan'"

rc=0
"$WHARF" -c "$base" frobnicate >/dev/null 2>&1 || rc=$?
check "unknown command exits 2" test "$rc" -eq 2
rc=0
"$WHARF" --no-such-option >/dev/null 2>&1 || rc=$?
check "unknown option exits 2" test "$rc" -eq 2
check "--help exits 0" "$WHARF" --help
check "snapshot --help exits 0" "$WHARF" snapshot --help

finish
