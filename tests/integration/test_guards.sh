#!/usr/bin/env bash
# Values the warehouse cannot hold (dialect review, findings 7, 8, 9, 14,
# 15): each is refused before the load, by the snapshot (its COPY query) and
# by the change stream (the check of each change), with one error line
# naming table, column, key and warehouse; nothing is committed at the
# warehouse and nothing stays staged; once the source holds another value,
# the next snapshot succeeds, and the stream gets past the change with
# `sync --reload TABLE`.
#
# The warehouse here is the Postgres stand-in, which holds what Postgres
# holds: WHARF_TEST_GUARDS=redshift|snowflake puts that dialect's limits on
# the postgres dialect's columns, so both enforcement points run end to end
# with the real warehouses' limits (the SQL of the load stays Postgres').
# Arrays, which sync refuses for Snowflake and Redshift, go through `stage`
# in their own dialect (the snapshot's query as those dialects run it).
. "$(dirname "$0")/lib.sh"

cleanup() {
	set +e
	export PGOPTIONS='-c client_min_messages=warning'
	slot_drop wharf_it_guards_sync
	src -c 'DROP PUBLICATION IF EXISTS wharf_it_guards_sync, wharf_it_guards_sync_ins' >/dev/null 2>&1
	wh -c 'DROP SCHEMA IF EXISTS gd CASCADE; DROP SCHEMA IF EXISTS gd_sync CASCADE' >/dev/null 2>&1
	wh -c "DELETE FROM public.wharf_state WHERE job IN ('it_guards', 'it_guards_sync')" >/dev/null 2>&1
	unset PGOPTIONS
	set -e
}
cleanup

# 62 text columns of 65000 bytes: each within VARCHAR(65535), the row past 4 MB
wide_cols=$(for i in $(seq 1 62); do printf ', c%d text' "$i"; done)
src <<SQL
DROP SCHEMA IF EXISTS gd CASCADE;
CREATE SCHEMA gd;
CREATE TABLE gd.t (id int PRIMARY KEY, txt text, b bytea, j jsonb, js json, f float8,
  d date, ts timestamp, tz timestamptz, tm time);
INSERT INTO gd.t VALUES
  (1, 'one', '\x01', '{"a": [1, "x", 1.5e3]}', '{"b": 2.5}', 1.5, '2024-01-01',
   '2024-01-01 10:00', '2024-01-01 10:00+00', '23:59:59.999999'),
  (2, 'two', '\x02', '{"a": 2}', '[2]', 2.5, '2024-01-02', '2024-01-02 10:00',
   '2024-01-02 10:00+00', '12:00');
CREATE TABLE gd.wide (id int PRIMARY KEY $wide_cols);
INSERT INTO gd.wide (id, c1) VALUES (1, 'a'), (2, 'b');
CREATE TABLE gd.arr (id int PRIMARY KEY, n numeric[], s text[]);
INSERT INTO gd.arr VALUES (1, '{1.5,2}', '{a,b}');
SQL

job=$(job_file it_guards postgres "s3://$WHARF_S3_BUCKET/it/guards" '[table gd.t]' '[table gd.wide]')
sjob=$(job_file it_guards_sync postgres "s3://$WHARF_S3_BUCKET/it/guards_sync" '[table gd.t]' '[table gd.wide]')
sed -i 's/^odbc = .*/&\nschema = gd_sync/' "$sjob"

# What "nothing committed" means: the warehouse tables' rows, the jobs'
# state rows, and the staged objects.
fingerprint() {
	wh -c "SELECT coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '-') FROM gd.t t" 2>/dev/null || echo no-gd.t
	wh -c "SELECT coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '-') FROM gd_sync.t t" 2>/dev/null || echo no-gd_sync.t
	wh -c "SELECT coalesce(md5(string_agg(md5(t::text), ',' ORDER BY t::text)), '-') FROM gd_sync.wide t" 2>/dev/null || echo no-wide
	wh -c "SELECT kind, name, coalesce(position::text, '') FROM public.wharf_state
	       WHERE job IN ('it_guards', 'it_guards_sync') AND kind <> 'load' ORDER BY 1, 2" 2>/dev/null || true
	wh -c "SELECT count(*) FROM public.wharf_state WHERE job IN ('it_guards', 'it_guards_sync')" 2>/dev/null || true
	echo "staged $(s3_count it/guards)"
}

# refused NAME DIALECT PATTERN CMD...: exit 1, exactly one error line,
# matching PATTERN, and nothing changed.
refused() {
	local name=$1 d=$2 pattern=$3 rc=0 before after why=
	shift 3
	before=$(fingerprint)
	WHARF_TEST_GUARDS=$d timeout 300 "$WHARF" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null || rc=$?
	after=$(fingerprint)
	if [[ $rc -ne 1 ]]; then
		why="exit $rc, expected 1"
	elif [[ $(wharf_msgs "$TMP/err" | grep -c '^wharf: error') -ne 1 ]]; then
		why="$(wharf_msgs "$TMP/err" | grep -c '^wharf: error') error lines, expected one"
	elif ! wharf_msgs "$TMP/err" | grep '^wharf: error' | grep -qE -- "$pattern"; then
		why="the error does not say ($pattern)"
	elif [[ $before != "$after" ]]; then
		why="something changed: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | tr '\n' ' ')"
	elif [[ $(wharf_msgs "$TMP/err" | grep '^wharf: error' | wc -c) -gt 600 ]]; then
		why="the error line is too long"
	fi
	if [[ -n $why ]]; then
		not_ok "$name: $why: $(wharf_msgs "$TMP/err" | grep -v '^wharf: \(info\|debug\|trace\)' | head -c 600)"
	else
		ok "$name: $(wharf_msgs "$TMP/err" | grep '^wharf: error' | sed 's/^wharf: error: //' | head -c 260)"
	fi
}
runs() { # runs NAME DIALECT CMD...: exit 0
	local name=$1 d=$2 rc=0
	shift 2
	WHARF_TEST_GUARDS=$d timeout 300 "$WHARF" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null || rc=$?
	if [[ $rc -eq 0 ]]; then ok "$name"; else not_ok "$name: exit $rc: $(wharf_msgs "$TMP/err" | grep '^wharf: error' | head -c 400)"; fi
}

# The first loads, every value fine for both warehouses.
runs "snapshot with redshift's guards, good values" redshift -c "$job" snapshot
check "... rows landed" same_table gd.t gd.t
runs "first sync with snowflake's guards, good values" snowflake -c "$sjob" sync
check "... rows landed" same_table gd.t gd_sync.t

# case DIALECT TABLE COLUMN BAD GOOD LIMIT: row 2's COLUMN set to BAD at the
# source, refused by snapshot and by sync; set back to GOOD, loaded.
case_n=0
guard_case() {
	local d=$1 tbl=$2 col=$3 bad=$4 good=$5 limit=$6
	local who="$d: $tbl.$col"
	local culprit="table gd\\.$tbl.*column \"$col\".*key \\(\"id\"\\)=\\(2\\).*$d.*$limit"
	case_n=$((case_n + 1))
	src -c "UPDATE gd.$tbl SET $col = $bad WHERE id = 2"
	refused "$who, snapshot" "$d" "$culprit" -c "$job" snapshot
	refused "$who, sync" "$d" "$culprit.*sync --reload gd\\.$tbl" -c "$sjob" sync
	src -c "UPDATE gd.$tbl SET $col = $good WHERE id = 2"
	runs "$who fixed at the source: snapshot" "$d" -c "$job" snapshot
	check "$who fixed: snapshot rows" same_table "gd.$tbl" "gd.$tbl"
	refused "$who fixed: the change is still in the stream" "$d" "$culprit" -c "$sjob" sync
	runs "$who fixed: sync --reload gd.$tbl" "$d" -c "$sjob" sync --reload "gd.$tbl"
	check "$who fixed: sync rows" same_table "gd.$tbl" "gd_sync.$tbl"
	# and the stream goes on from there
	src -c "UPDATE gd.$tbl SET id = id WHERE id = 2"
	runs "$who: the next change streams" "$d" -c "$sjob" sync
	check "$who: sync rows after it" same_table "gd.$tbl" "gd_sync.$tbl"
}

# Finding 8: Redshift VARCHAR(65535), bytea's \x hex in its staging VARCHAR
guard_case redshift t txt "repeat('é', 32768)" "repeat('é', 32767)" 'at most 65535 bytes in VARCHAR\(65535\)'
guard_case redshift t b "decode(repeat('ab', 32767), 'hex')" "decode(repeat('ab', 32766), 'hex')" 'at most 65535 bytes in VARCHAR\(65535\) as'
# Finding 9: SUPER from CSV: string members, the whole value
guard_case redshift t j "jsonb_build_object('k', repeat('x', 65536))" "jsonb_build_object('k', repeat('x', 65535))" 'JSON strings of at most 65535 bytes'
guard_case redshift t js "(SELECT json_agg(repeat('x', 60000)) FROM generate_series(1, 17))" "'[]'" 'at most 1000000 bytes in SUPER'
# Finding 14: Redshift REAL/DOUBLE PRECISION
guard_case redshift t f "'NaN'" "0" 'no NaN or Infinity'
guard_case redshift t f "'-Infinity'" "-1e308" 'no NaN or Infinity'
# Finding 15: dates and times
guard_case redshift t d "'0044-03-15 BC'" "'0001-01-01'" 'no year BC'
guard_case redshift t ts "'infinity'" "'9999-12-31 23:59:59.999999'" 'no infinity'
guard_case snowflake t tz "'10000-01-01 00:00+00'" "'9999-12-31 23:59:59+00'" 'no year after 9999'
guard_case snowflake t tm "'24:00:00'" "'23:59:59.999999'" 'no time 24:00:00'
guard_case snowflake t d "'-infinity'" "'1000-01-01'" 'no infinity'
# Finding 7: JSON numbers Snowflake would round into a DOUBLE
guard_case snowflake t j "'{\"a\": 123456789012345678901234567890123456789}'" \
	"'{\"a\": 12345678901234567890123456789012345678}'" 'JSON numbers'
guard_case snowflake t js "'{\"a\": [1, 1.234567890123456e5]}'" "'{\"a\": [1, 1.23456789012345e5], \"1.234567890123456e5\": 0}'" 'JSON numbers'
# each within the limits of the other warehouse
src -c "UPDATE gd.t SET tm = '24:00:00' WHERE id = 1"
runs "24:00:00 loads into Redshift's TIME" redshift -c "$job" snapshot
check "... rows" same_table gd.t gd.t
runs "... and streams into it" redshift -c "$sjob" sync
check "... rows" same_table gd.t gd_sync.t
src -c "UPDATE gd.t SET tm = '12:00', f = 'NaN', txt = repeat('x', 70000) WHERE id = 1"
runs "NaN and 70000 bytes of text load into Snowflake" snowflake -c "$job" snapshot
check "... rows" same_table gd.t gd.t
runs "... and stream into it" snowflake -c "$sjob" sync
check "... rows" same_table gd.t gd_sync.t
runs "the postgres dialect has no guards" "" -c "$job" snapshot
src -c "UPDATE gd.t SET f = 1, txt = 'one' WHERE id = 1"
runs "... nor in the stream" "" -c "$sjob" sync
check "... rows" same_table gd.t gd_sync.t

# Finding 8: Redshift's 4 MB input row, refused by the stage writer
wide_set=$(for i in $(seq 1 62); do printf '%sc%d = repeat(chr(97 + %d %% 26), 65000)' "$([[ $i -gt 1 ]] && echo ', ')" "$i" "$i"; done)
wide_fix=$(for i in $(seq 1 62); do printf '%sc%d = NULL' "$([[ $i -gt 1 ]] && echo ', ')" "$i"; done)
src -c "UPDATE gd.wide SET $wide_set WHERE id = 2"
wide_culprit='table gd\.wide, key \("id"\)=\(2\): a row of [0-9]+ bytes, over redshift.s limit of 4000000 bytes'
refused "redshift: a 4 MB row, snapshot" redshift "$wide_culprit" -c "$job" snapshot
refused "redshift: a 4 MB row, sync" redshift "$wide_culprit" -c "$sjob" sync
runs "snowflake takes that row" snowflake -c "$job" snapshot
check "... rows" same_table gd.wide gd.wide
src -c "UPDATE gd.wide SET $wide_fix WHERE id = 2"
runs "redshift: row fixed at the source: snapshot" redshift -c "$job" snapshot
check "... rows" same_table gd.wide gd.wide
runs "redshift: row fixed: sync --reload gd.wide" redshift -c "$sjob" sync --reload gd.wide
check "... rows" same_table gd.wide gd_sync.wide

# Arrays, staged as JSON in the real dialects (sync refuses them there):
# the snapshot's query as Redshift and Snowflake run it, through `stage`.
ajob=$(job_file it_guards_arr redshift "file://$TMP/stage_arr" '[table gd.arr]')
src -c "UPDATE gd.arr SET n = '{123456789012345678901234567890123456789.5}' WHERE id = 1"
sed 's/^dialect = .*/dialect = snowflake/' "$ajob" >"$TMP/arr_sf.ini"
chmod 600 "$TMP/arr_sf.ini"
refused "snowflake: numeric[] staged as JSON, stage" "" \
	'table gd\.arr.*column "n".*key \("id"\)=\(1\).*snowflake.*JSON numbers' -c "$TMP/arr_sf.ini" stage
runs "redshift takes that array into SUPER" "" -c "$ajob" stage
src -c "UPDATE gd.arr SET s = ARRAY[repeat('y', 65536)] WHERE id = 1"
refused "redshift: text[] with a string past 65535 bytes, stage" "" \
	'table gd\.arr.*column "s".*key \("id"\)=\(1\).*redshift.*JSON strings of at most 65535' -c "$ajob" stage
src -c "UPDATE gd.arr SET s = ARRAY[repeat('y', 65535)], n = '{1.5}' WHERE id = 1"
runs "redshift: fixed, staged" "" -c "$ajob" stage
runs "snowflake: fixed, staged" "" -c "$TMP/arr_sf.ini" stage

echo "$case_n guard cases"
cleanup
src -c 'DROP SCHEMA IF EXISTS gd CASCADE' >/dev/null
finish
