#!/usr/bin/env bash
# Columns follow the stream (schema changes applied in stream order), and
# unchanged TOAST values survive key changes.
# Each case starts from t (a int primary key, b text) loaded by a first sync,
# then plays its steps in two shapes: a sync after every step ("step"), and
# all steps first, then one sync ("once").  Each ends with source and
# warehouse compared row by row, plus the case's own checks.
. "$(dirname "$0")/lib.sh"

# begin_case ID SETUP_SQL [TABLE_OPTION_LINES...]: fresh schema ss_ID with
# t, a job of the same name, and the first sync (the snapshot).
begin_case() {
	id=$1
	schema=ss_$1
	local setup=$2
	shift 2
	slot_drop "wharf_$id"
	src -c "SET client_min_messages = warning" -c "DROP PUBLICATION IF EXISTS wharf_$id" \
		-c "DROP PUBLICATION IF EXISTS wharf_${id}_ins"
	src -c "SET client_min_messages = warning" -c "DROP SCHEMA IF EXISTS $schema CASCADE" \
		-c "CREATE SCHEMA $schema" -c "SET search_path = $schema" \
		-c "CREATE TABLE t (a int PRIMARY KEY, b text)" -c "$setup"
	wh -c "SET client_min_messages = warning" -c "DROP SCHEMA IF EXISTS $schema CASCADE" \
		-c "DELETE FROM public.wharf_state WHERE job = '$id'" 2>/dev/null || true
	job=$(job_file "$id" postgres "s3://$WHARF_S3_BUCKET/it/$id" "[table $schema.t]" "$@")
	log=$TMP/$id.log
	: >"$log"
	failed_before=$FAILED
	check "$id: first sync" sync_job
	log_mark=$(wc -l <"$log")	# lines of the first sync (the snapshot)
}
sync_job() { "$WHARF" -c "$job" sync >>"$log" 2>&1; }
end_case() {
	slot_drop "wharf_$id"
	src -c "DROP PUBLICATION IF EXISTS wharf_$id" -c "DROP PUBLICATION IF EXISTS wharf_${id}_ins"
	if [[ $FAILED -gt $failed_before ]]; then show_log; fi
}
# play SHAPE STEP_SQL...: each step at the source, and syncs as the shape says.
play() {
	local shape=$1 ok=true
	shift
	for step in "$@"; do
		if ! src -c "SET search_path = $schema" -c "$step"; then
			echo "  # step failed at the source: $step"
			ok=false
		fi
		if [[ $shape == step ]] && ! sync_job; then ok=false; fi
	done
	if [[ $shape == once ]] && ! sync_job; then ok=false; fi
	$ok
}
# same_t [COLUMNS]: t compared row by row, whole rows or only COLUMNS (the
# source's, where the warehouse keeps columns the source dropped).
same_t() {
	local rel=$schema.t n
	if (($#)); then rel="(SELECT $1 FROM $schema.t)"; fi
	n=$(table_diff "$rel" "$rel")
	[[ $n == 0 ]] || { echo "  # t: ${n:-?} rows differ"; return 1; }
}
whv() { wh -c "SET search_path = $schema" -c "$1"; }
# wh_is EXPECTED QUERY: the warehouse's answer (in the case's schema) is EXPECTED.
wh_is() {
	local got
	got=$(whv "$2") || return 1
	[[ $got == "$1" ]] || { echo "  # $2: got '${got//$'\n'/|}', want '$1'"; return 1; }
}
# wh_col COLUMN [FIELDS]: information_schema of the warehouse's t.COLUMN
# (data_type unless FIELDS says; empty when there is no such column).
wh_col() {
	wh -c "SELECT ${2:-data_type} FROM information_schema.columns
	       WHERE table_schema = '$schema' AND table_name = 't' AND column_name = '$1'"
}
wh_has_col() { [[ -n $(wh_col "$1") ]]; }
# no_data_in COLUMN: the warehouse has no such column, or holds only NULL in it
# (the source moved its values to another name, or has lost them).
no_data_in() {
	wh_has_col "$1" || return 0
	wh_is 0 "SELECT count(*) FROM t WHERE \"$1\" IS NOT NULL"
}
# snapshot_said: after the first sync, an info line names t and a snapshot
# (saying why the table is loaded again), beyond the load's own lines.
snapshot_said() {
	awk -v from="$log_mark" -v tbl="$schema.t" 'NR > from && /info:/ && index($0, tbl) &&
		/snapshot/ && !/info: (loaded|staged) / { found = 1 } END { exit !found }' "$log"
}
show_log() { sed 's/^/  # /' "$log"; }

BIG="repeat(md5('big'), 16000)"    # 512 kB, stored out of line (STORAGE EXTERNAL)

# --- unchanged TOAST values under a key change ---
for shape in step once; do
	# REPLICA IDENTITY FULL: the old row is in the stream
	begin_case "toastfull_$shape" "ALTER TABLE t REPLICA IDENTITY FULL; ALTER TABLE t ALTER b SET STORAGE EXTERNAL; INSERT INTO t VALUES (2, 'two')"
	check "toastfull_$shape: sync" play "$shape" \
		"INSERT INTO t VALUES (1, $BIG)" \
		"UPDATE t SET a = 10 WHERE a = 1"
	check "toastfull_$shape: the moved row keeps its TOAST value" same_t
	check "toastfull_$shape: no b became NULL" test "$(whv 'SELECT count(*) FROM t WHERE b IS NULL')" -eq 0
	end_case

	# the default identity: the old value is in the warehouse under the old key
	begin_case "toastkey_$shape" "ALTER TABLE t ALTER b SET STORAGE EXTERNAL; INSERT INTO t VALUES (2, 'two'), (3, $BIG)"
	check "toastkey_$shape: sync" play "$shape" \
		"INSERT INTO t VALUES (1, $BIG || 'one')" \
		"UPDATE t SET a = 10 WHERE a = 1" \
		"UPDATE t SET a = 30 WHERE a = 3; UPDATE t SET a = 2 WHERE a = 30 AND false" \
		"DELETE FROM t WHERE a = 2; UPDATE t SET a = 2 WHERE a = 10" \
		"UPDATE t SET a = 40 WHERE a = 30; UPDATE t SET a = 41 WHERE a = 40" \
		"UPDATE t SET a = a + 100"
	check "toastkey_$shape: moved rows keep their TOAST values" same_t
	check "toastkey_$shape: no b became NULL" test "$(whv 'SELECT count(*) FROM t WHERE b IS NULL')" -eq 0
	end_case
done

# --- columns follow the stream ---
for shape in step once; do
	# issue 8 item 1: a column added with a constant default after a change in
	# the same transaction; rows from before it (the snapshot's too) get the
	# default, a later row its own value
	begin_case "add_default_$shape" "INSERT INTO t VALUES (10, 'ten'), (11, 'eleven')"
	check "add_default_$shape: sync" play "$shape" \
		"INSERT INTO t VALUES (1, 'one'); ALTER TABLE t ADD c int NOT NULL DEFAULT 0" \
		"INSERT INTO t VALUES (2, 'two', 5)"
	check "add_default_$shape: rows equal" same_t
	check "add_default_$shape: c is 0 for a=1" wh_is 0 "SELECT c FROM t WHERE a = 1"
	check "add_default_$shape: c is 0 for the snapshot's rows" wh_is "0|0" \
		"SELECT string_agg(coalesce(c::text, 'NULL'), '|' ORDER BY a) FROM t WHERE a IN (10, 11)"
	check "add_default_$shape: c is 5 for a=2" wh_is 5 "SELECT c FROM t WHERE a = 2"
	end_case

	# issue 8 item 1: columns added with no DML after them at all: the
	# warehouse columns appear after the sync, holding the defaults
	begin_case "add_only_$shape" "INSERT INTO t VALUES (1, 'one'), (2, 'two')"
	check "add_only_$shape: sync" play "$shape" \
		"ALTER TABLE t ADD c int NOT NULL DEFAULT 0" \
		"ALTER TABLE t ADD d text DEFAULT 'dee'"
	check "add_only_$shape: warehouse has c and d" eval 'wh_has_col c && wh_has_col d'
	check "add_only_$shape: rows equal" same_t
	check "add_only_$shape: c is 0 and d 'dee' in every row" wh_is 2 \
		"SELECT count(*) FROM t WHERE c = 0 AND d = 'dee'"
	end_case

	# issue 8 item 1: an update, then the column it changed is dropped: the
	# update lands before the drop; the warehouse keeps the dropped column
	# (README: "a dropped column stays, NULL in rows changed since")
	begin_case "update_drop_$shape" "INSERT INTO t VALUES (1, 'foo'), (2, 'two')"
	check "update_drop_$shape: sync" play "$shape" \
		"UPDATE t SET b = 'bar' WHERE a = 1; ALTER TABLE t DROP COLUMN b" \
		"INSERT INTO t VALUES (3)"
	check "update_drop_$shape: rows equal (the source's columns)" same_t a
	check "update_drop_$shape: a=1 has b='bar' (updated before the drop)" \
		wh_is bar "SELECT b FROM t WHERE a = 1"
	check "update_drop_$shape: a=2 keeps b='two' (unchanged since)" \
		wh_is two "SELECT b FROM t WHERE a = 2"
	check "update_drop_$shape: a=3 has b NULL (inserted after the drop)" \
		wh_is 1 "SELECT count(*) FROM t WHERE a = 3 AND b IS NULL"
	end_case

	# issue 8 item 1: the key widened (int -> bigint, a table rewrite) between
	# changes, then a key only bigint holds
	begin_case "widen_key_$shape" "INSERT INTO t VALUES (1, 'one'), (2, 'two')"
	check "widen_key_$shape: sync" play "$shape" \
		"UPDATE t SET b = 'uno' WHERE a = 1" \
		"ALTER TABLE t ALTER a TYPE bigint" \
		"INSERT INTO t VALUES (5000000000, 'big')" \
		"UPDATE t SET b = 'dos' WHERE a = 2; UPDATE t SET b = 'bigger' WHERE a = 5000000000"
	check "widen_key_$shape: rows equal" same_t
	check "widen_key_$shape: warehouse a is bigint" test "$(wh_col a)" = bigint
	end_case

	# issue 8 item 1: varchar(10) -> varchar(100) and numeric(5,2) ->
	# numeric(10,2), with changes before and after that need the width
	begin_case "widen_types_$shape" "ALTER TABLE t ADD v varchar(10), ADD n numeric(5,2);
		INSERT INTO t VALUES (1, 'one', 'short', 123.45), (2, 'two', 'tiny', 1.5)"
	check "widen_types_$shape: sync" play "$shape" \
		"UPDATE t SET v = 'ten chars!', n = 999.99 WHERE a = 1" \
		"ALTER TABLE t ALTER v TYPE varchar(100), ALTER n TYPE numeric(10,2)" \
		"INSERT INTO t VALUES (3, 'three', repeat('x', 60), 12345678.12)" \
		"UPDATE t SET v = repeat('y', 90), n = -87654321.5 WHERE a = 2"
	check "widen_types_$shape: rows equal" same_t
	check "widen_types_$shape: warehouse v is varchar(100)" \
		test "$(wh_col v 'data_type, character_maximum_length')" = "character varying|100"
	check "widen_types_$shape: warehouse n is numeric(10,2)" \
		test "$(wh_col n 'data_type, numeric_precision, numeric_scale')" = "numeric|10|2"
	end_case

	# issue 8 item 1: a rename, then a change under the new name: the
	# warehouse column is renamed, the other rows keep their values
	begin_case "rename_$shape" "INSERT INTO t VALUES (1, 'one'), (2, 'two')"
	check "rename_$shape: sync" play "$shape" \
		"ALTER TABLE t RENAME b TO bb" \
		"UPDATE t SET bb = 'x' WHERE a = 1"
	check "rename_$shape: warehouse has bb" wh_has_col bb
	check "rename_$shape: rows equal (the source's columns)" same_t "a, bb"
	check "rename_$shape: a=2 kept its value under bb" wh_is two "SELECT bb FROM t WHERE a = 2"
	check "rename_$shape: no data left in b" no_data_in b
	end_case

	# issue 8 item 1: a rename with no DML after it at all
	begin_case "rename_only_$shape" "INSERT INTO t VALUES (1, 'one'), (2, 'two')"
	check "rename_only_$shape: sync" play "$shape" "ALTER TABLE t RENAME b TO bb"
	check "rename_only_$shape: warehouse has bb" wh_has_col bb
	check "rename_only_$shape: rows equal (the source's columns)" same_t "a, bb"
	check "rename_only_$shape: no data left in b" no_data_in b
	end_case

	# issue 8 item 1: a rename chain b -> c -> d with changes between
	begin_case "rename_chain_$shape" "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')"
	check "rename_chain_$shape: sync" play "$shape" \
		"ALTER TABLE t RENAME b TO c" \
		"UPDATE t SET c = 'uno' WHERE a = 1" \
		"ALTER TABLE t RENAME c TO d" \
		"INSERT INTO t VALUES (4, 'four'); UPDATE t SET d = 'dos' WHERE a = 2"
	check "rename_chain_$shape: warehouse has d" wh_has_col d
	check "rename_chain_$shape: rows equal (the source's columns)" same_t "a, d"
	check "rename_chain_$shape: a=3 kept its value under d" wh_is three "SELECT d FROM t WHERE a = 3"
	check "rename_chain_$shape: no data left in b" no_data_in b
	check "rename_chain_$shape: no data left in c" no_data_in c
	end_case

	# issue 8 item 1: a column dropped and one of the same name added (another
	# type): the warehouse's b is the new column, NULL in the old rows
	begin_case "drop_add_$shape" "INSERT INTO t VALUES (1, 'one'), (2, 'two')"
	check "drop_add_$shape: sync" play "$shape" \
		"ALTER TABLE t DROP COLUMN b" \
		"ALTER TABLE t ADD b int" \
		"INSERT INTO t VALUES (7, 7)"
	check "drop_add_$shape: rows equal (the source's columns)" same_t "a, b"
	check "drop_add_$shape: old rows have b NULL, not their old text" \
		wh_is 2 "SELECT count(*) FROM t WHERE a IN (1, 2) AND b IS NULL"
	check "drop_add_$shape: warehouse b is integer" test "$(wh_col b)" = integer
	end_case

	# issue 8 item 1: the same with changes between the drop and the add
	begin_case "drop_dml_add_$shape" "INSERT INTO t VALUES (1, 'one'), (2, 'two')"
	check "drop_dml_add_$shape: sync" play "$shape" \
		"UPDATE t SET b = 'uno' WHERE a = 1; ALTER TABLE t DROP COLUMN b" \
		"INSERT INTO t VALUES (5); ALTER TABLE t ADD b int" \
		"INSERT INTO t VALUES (7, 7); UPDATE t SET b = 22 WHERE a = 2"
	check "drop_dml_add_$shape: rows equal (the source's columns)" same_t "a, b"
	check "drop_dml_add_$shape: a=1 and a=5 have b NULL" \
		wh_is 2 "SELECT count(*) FROM t WHERE a IN (1, 5) AND b IS NULL"
	check "drop_dml_add_$shape: warehouse b is integer" test "$(wh_col b)" = integer
	end_case

	# issue 8 item 1: a column added, rows written with it, dropped, more rows
	begin_case "add_then_drop_$shape" "INSERT INTO t VALUES (1, 'one')"
	check "add_then_drop_$shape: sync" play "$shape" \
		"ALTER TABLE t ADD c int" \
		"INSERT INTO t VALUES (2, 'two', 2), (3, 'three', 3); UPDATE t SET c = 1 WHERE a = 1" \
		"ALTER TABLE t DROP COLUMN c" \
		"INSERT INTO t VALUES (4, 'four'); UPDATE t SET b = 'deux' WHERE a = 2"
	check "add_then_drop_$shape: rows equal (the source's columns)" same_t "a, b"
	check "add_then_drop_$shape: c kept where unchanged since the drop, NULL where changed" \
		wh_is "1|NULL|3|NULL" "SELECT string_agg(coalesce(c::text, 'NULL'), '|' ORDER BY a) FROM t"
	end_case

	# issue 8 item 1: a volatile default rewrites the table: the existing rows
	# get values at the source with no DML in the WAL; the table is loaded
	# again from a snapshot, with a line saying why (here the ALTER comes last)
	begin_case "rewrite_serial_$shape" "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')"
	check "rewrite_serial_$shape: sync" play "$shape" \
		"INSERT INTO t VALUES (4, 'four')" \
		"ALTER TABLE t ADD id bigserial"
	check "rewrite_serial_$shape: warehouse has id" wh_has_col id
	check "rewrite_serial_$shape: rows equal" same_t
	check "rewrite_serial_$shape: a line names t and its snapshot" snapshot_said
	end_case

	# issue 8 item 1: the same with clock_timestamp(), and a change after it
	begin_case "rewrite_ts_$shape" "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')"
	check "rewrite_ts_$shape: sync" play "$shape" \
		"ALTER TABLE t ADD ts timestamptz DEFAULT clock_timestamp()" \
		"UPDATE t SET b = 'uno' WHERE a = 1"
	check "rewrite_ts_$shape: rows equal" same_t
	check "rewrite_ts_$shape: no ts is NULL" wh_is 0 "SELECT count(*) FROM t WHERE ts IS NULL"
	check "rewrite_ts_$shape: a line names t and its snapshot" snapshot_said
	end_case

	# issue 8 item 1: a column added in the middle of a big transaction, with
	# rows inserted before and after it and updated across it
	begin_case "big_txn_$shape" "INSERT INTO t SELECT g, 'snap' || g FROM generate_series(1, 100) g"
	check "big_txn_$shape: sync" play "$shape" \
		"BEGIN;
		 INSERT INTO t SELECT g, 'pre' || g FROM generate_series(101, 2000) g;
		 ALTER TABLE t ADD c int DEFAULT 7;
		 INSERT INTO t SELECT g, 'post' || g, g FROM generate_series(2001, 4000) g;
		 UPDATE t SET b = b || '!', c = a % 5 WHERE a % 3 = 0;
		 COMMIT" \
		"UPDATE t SET c = NULL WHERE a = 1; DELETE FROM t WHERE a = 2"
	check "big_txn_$shape: rows equal" same_t
	check "big_txn_$shape: 3999 rows" wh_is 3999 "SELECT count(*) FROM t"
	check "big_txn_$shape: untouched rows from before the ALTER have c = 7" \
		wh_is "7|7" "SELECT string_agg(coalesce(c::text, 'NULL'), '|' ORDER BY a) FROM t WHERE a IN (4, 101)"
	end_case
done

# --- schema changes while sync --follow streams ---------------------------
# The rewrite is seen in the stream itself, not at start: the run stops at
# the transaction's end, reads the table anew from the catalog, gives it a
# snapshot of its own and streams on; a rename and an added column with a
# default, seen the same way, apply in stream order.
follow_until() { # follow_until SQL_TRUE_AT_THE_WAREHOUSE: poll for 60 s at most
	local i
	for ((i = 0; i < 120; i++)); do
		[[ $(whv "$1" 2>/dev/null) == t ]] && return 0
		sleep 0.5
	done
	return 1
}
# A column rebuilt for a new type (what Snowflake and Redshift do where ALTER
# cannot: a column of the new type beside it, filled, swapped in, each step
# committed on its own) that an earlier run left half done: the next sync
# finishes it from the step the warehouse's columns show, then streams on.
for leftover in both rebuilt; do
	begin_case "rebuild_$leftover" "ALTER TABLE t ADD n numeric(10,0);
		INSERT INTO t SELECT g, 'r' || g, g * 10 FROM generate_series(1, 20) g"
	whv "ALTER TABLE t ADD COLUMN n__wharf_rebuild numeric(12,2)"
	whv "UPDATE t SET n__wharf_rebuild = n"
	if [[ $leftover == rebuilt ]]; then whv "ALTER TABLE t DROP COLUMN n"; fi
	check "rebuild_$leftover: steps" play once "ALTER TABLE t ALTER n TYPE numeric(12,2)" \
		"UPDATE t SET n = n + 0.25 WHERE a <= 5" "INSERT INTO t VALUES (21, 'new', 1.5)"
	check "rebuild_$leftover: rows equal" same_t
	check "rebuild_$leftover: the column has its new type" wh_is "numeric,12,2" \
		"SELECT data_type || ',' || numeric_precision || ',' || numeric_scale FROM information_schema.columns
		 WHERE table_schema = '$schema' AND table_name = 't' AND column_name = 'n'"
	check "rebuild_$leftover: the rebuild column is gone" test -z "$(wh_col n__wharf_rebuild)"
	check "rebuild_$leftover: said so" grep -q 'finishing the change of its type' "$log"
	end_case
done

begin_case follow "INSERT INTO t SELECT g, 'r' || g FROM generate_series(1, 50) g"
sed -i 's/^conninfo = \(.*\)$/conninfo = \1\nbatch_interval = 1/' "$job"
"$WHARF" -c "$job" sync --follow >>"$log" 2>&1 &
follower=$!
log_says() { local i; for ((i = 0; i < 120; i++)); do grep -q "$1" "$log" && return 0; sleep 0.5; done; return 1; }
check "follow: streaming" log_says "streaming from"
src -c "SET search_path = $schema" -c "INSERT INTO t VALUES (51, 'before')" \
	-c "ALTER TABLE t ADD id bigserial" -c "INSERT INTO t (a, b) VALUES (52, 'after')"
check "follow: the rewritten table arrives with its new column filled" \
	follow_until "SELECT count(*) = 52 AND count(id) = 52 FROM t"
src -c "SET search_path = $schema" -c "ALTER TABLE t RENAME b TO bb" \
	-c "UPDATE t SET bb = 'renamed' WHERE a = 1" \
	-c "ALTER TABLE t ADD c int NOT NULL DEFAULT 3" -c "INSERT INTO t (a, bb, c) VALUES (53, 'c', 4)"
check "follow: the rename and the added column follow" \
	follow_until "SELECT count(*) = 53 AND count(*) FILTER (WHERE c = 3) = 52 FROM t WHERE EXISTS (SELECT 1 FROM t WHERE a = 1 AND bb = 'renamed')"
kill -TERM "$follower"
rc=0
wait "$follower" || rc=$?
check "follow: SIGTERM exits 0 (exit $rc)" test "$rc" -eq 0
check "follow: rows equal" same_t
check "follow: the rewrite was said, and gave a snapshot" \
	grep -q "column \"id\" was added with a value computed row by row.*loading it again from a snapshot" "$log"
end_case

finish
