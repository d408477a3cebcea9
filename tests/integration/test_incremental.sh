#!/usr/bin/env bash
# wharf incremental (mode = incremental), without replication rights:
# cursor mode (updated_at with lookback, an integer version column) and
# xmin mode; inserts, updates, deletes found by reconciling keys (hard and
# soft) or not followed (none); a transaction that commits late (open
# before a load, committed after); a cursor that goes backwards; NULL
# cursors; kills before and inside the load's transaction; pgbench writing
# during loads; bad job files named before anything changes; state and
# status.  Each ends identical to the source (as its deletes mode permits).
. "$(dirname "$0")/lib.sh"

slot_drop wharf_it_inc
src -c "DROP PUBLICATION IF EXISTS wharf_it_inc; DROP PUBLICATION IF EXISTS wharf_it_inc_ins"
src <<'SQL'
DROP SCHEMA IF EXISTS inc CASCADE;
CREATE SCHEMA inc;
-- cursor mode: updated_at moved by a trigger on every update
CREATE TABLE inc.cust (id int PRIMARY KEY, name text, updated_at timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE INDEX ON inc.cust (updated_at);
CREATE FUNCTION inc.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updated_at := clock_timestamp(); RETURN NEW; END $$;
CREATE TRIGGER touch BEFORE UPDATE ON inc.cust FOR EACH ROW EXECUTE FUNCTION inc.touch();
INSERT INTO inc.cust (id, name) SELECT g, 'c' || g FROM generate_series(1, 200) g;
-- xmin mode: no cursor column at all
CREATE TABLE inc.orders (id int PRIMARY KEY, qty int, note text);
INSERT INTO inc.orders SELECT g, g % 7, 'o' || g FROM generate_series(1, 500) g;
-- soft deletes, reconciled every other load
CREATE TABLE inc.soft (id int PRIMARY KEY, v text);
INSERT INTO inc.soft SELECT g, 's' || g FROM generate_series(1, 20) g;
-- an integer version cursor, deletes not followed
CREATE TABLE inc.ver (id int PRIMARY KEY, v text, version bigint NOT NULL);
INSERT INTO inc.ver SELECT g, 'v' || g, g FROM generate_series(1, 30) g;
-- a streamed-style table in the same job: incremental leaves it alone
CREATE TABLE inc.other (id int PRIMARY KEY, v text);
INSERT INTO inc.other VALUES (1, 'x');
-- a partitioned table, read whole, in xmin mode
CREATE TABLE inc.part (id int PRIMARY KEY, v text) PARTITION BY RANGE (id);
CREATE TABLE inc.part_1 PARTITION OF inc.part FOR VALUES FROM (0) TO (100);
CREATE TABLE inc.part_2 PARTITION OF inc.part FOR VALUES FROM (100) TO (1000);
INSERT INTO inc.part SELECT g, 'p' || g FROM generate_series(1, 300) g;
CREATE TABLE inc.flags (id int PRIMARY KEY, flag boolean);
CREATE TABLE inc.nokey (a int);
SQL
wh -c 'DROP SCHEMA IF EXISTS inc CASCADE' \
	-c "DELETE FROM public.wharf_state WHERE job LIKE 'it_inc%'" 2>/dev/null || true

job=$(job_file it_inc postgres "s3://$WHARF_S3_BUCKET/it/inc" \
	'[table inc.cust]' 'mode = incremental' 'cursor = updated_at' 'lookback = 10min' \
	'[table inc.orders]' 'mode = incremental' 'cursor = xmin' \
	'[table inc.soft]' 'mode = incremental' 'cursor = xmin' 'deletes = soft' 'reconcile_every = 2' \
	'[table inc.ver]' 'mode = incremental' 'cursor = version' 'deletes = none' \
	'[table inc.part]' 'mode = incremental' 'cursor = xmin' \
	'[table inc.other]')
inc() { "$WHARF" -c "$job" incremental >"$TMP/out" 2>"$TMP/err"; }
live_soft() { table_diff inc.soft "(SELECT id, v FROM inc.soft WHERE NOT _wharf_deleted) "; }
all_same() {
	same_table inc.cust inc.cust && same_table inc.orders inc.orders && same_table inc.part inc.part &&
		[[ $(live_soft) == 0 ]] && [[ $(ver_kept) == 0 ]]
}
# deletes = none: the warehouse keeps the row deleted at the source (id 4) until a full load
ver_kept() { table_diff "(SELECT * FROM inc.ver WHERE id <> 4)" "(SELECT * FROM inc.ver WHERE id <> 4)"; }
mark_of() { wh -c "SELECT target_table FROM public.wharf_state WHERE job = 'it_inc' AND source_table = '$1 mark'"; }

# check tells each cursor's limits before any load
rc=0
"$WHARF" -c "$job" check >"$TMP/check.out" 2>"$TMP/check.err" || rc=$?
check "check passes a job with incremental tables" test "$rc" -eq 0
check "... names each one's cursor" grep -q "inc.cust: incremental, cursor updated_at" "$TMP/check.out"
check "... warns of a cursor with no index and no UPDATE trigger" bash -c \
	'grep -q "inc.ver: no index leads with cursor column \"version\"" "$0" && grep -q "inc.ver: no UPDATE trigger moves" "$0" && ! grep -q "table inc.cust:" "$0"' "$TMP/check.err"

# first run: a full load of each incremental table, the other table untouched
check "first incremental run" inc
check "every incremental table loaded in full" bash -c '[[ $(grep -c "(a full load)" "$0") -eq 5 ]]' "$TMP/out"
check "... and identical" all_same
check "the table of another mode is left alone" bash -c \
	"! psql \"\$WHARF_WAREHOUSE_CONNINFO\" -Atc 'SELECT 1 FROM inc.other' 2>/dev/null"
check "the cursor mark is the largest updated_at" test "$(mark_of inc.cust)" = \
	"$(src -c 'SELECT max(updated_at)::text FROM inc.cust' | sed 's/+00$/+00/')"
check "the xmin mark is a snapshot" bash -c '[[ $0 =~ ^[0-9]+:[0-9]+: ]]' "$(mark_of inc.orders)"
check "no warning for a well-kept cursor (indexed, NOT NULL, moved by a trigger)" bash -c '! grep -q "table inc.cust:" "$0"' "$TMP/err"
check "an integer cursor with no index or trigger: both limits told" \
	bash -c 'grep -q "no index leads with cursor column \"version\"" "$0" && grep -q "no UPDATE trigger moves cursor column \"version\"" "$0"' "$TMP/err"

# inserts, updates, deletes
src <<'SQL'
INSERT INTO inc.cust (id, name) VALUES (201, 'new');
UPDATE inc.cust SET name = 'renamed' WHERE id IN (5, 6);
DELETE FROM inc.cust WHERE id = 7;
INSERT INTO inc.orders VALUES (501, 1, 'new');
UPDATE inc.orders SET qty = 99 WHERE id BETWEEN 10 AND 19;
DELETE FROM inc.orders WHERE id = 20;
UPDATE inc.soft SET v = 'changed' WHERE id = 1;
DELETE FROM inc.soft WHERE id = 2;
INSERT INTO inc.ver VALUES (31, 'v31', 31);
UPDATE inc.ver SET v = 'bumped', version = 32 WHERE id = 3;
DELETE FROM inc.ver WHERE id = 4;
UPDATE inc.part SET v = 'moved' WHERE id IN (50, 150);
DELETE FROM inc.part WHERE id = 250;
INSERT INTO inc.part VALUES (999, 'last');
SQL
check "second run" inc
check "xmin mode reads only the changed rows, and says what reconciling cost" \
	grep -q "loaded inc.orders into inc.orders: 11 rows changed since the last load's snapshot, deletes reconciled against 500 keys" "$TMP/out"
check "cursor mode: the changed rows and the lookback window" grep -qE "loaded inc.cust into inc.cust: [0-9]+ rows changed since" "$TMP/out"
check "inserts, updates and deletes arrive (cursor with lookback)" same_table inc.cust inc.cust
check "... (xmin)" same_table inc.orders inc.orders
check "... (xmin, a partitioned table: every partition)" same_table inc.part inc.part
check "... reading only its 3 changed rows" grep -q "loaded inc.part into inc.part: 3 rows changed" "$TMP/out"
check "soft deletes: reconciled every second load, not yet" test "$(wh -c 'SELECT count(*) FROM inc.soft WHERE _wharf_deleted')" -eq 0
check "... the update arrived" test "$(wh -c "SELECT v FROM inc.soft WHERE id = 1")" = changed
check "deletes = none keeps the deleted row, takes the update" \
	test "$(wh -c "SELECT count(*) FROM inc.ver WHERE id = 4")/$(wh -c "SELECT v FROM inc.ver WHERE id = 3")/$(wh -c 'SELECT count(*) FROM inc.ver')" = "1/bumped/31"
check "third run: soft deletes reconciled" inc
check "... the deleted row is marked, the rest live and identical" \
	bash -c "[[ \$(psql \"\$WHARF_WAREHOUSE_CONNINFO\" -Atc 'SELECT id FROM inc.soft WHERE _wharf_deleted') == 2 ]]"
check "... soft table's live rows identical" test "$(live_soft)" -eq 0

# a transaction that commits late: open before a load, committed after it
coproc LATE { psql "$WHARF_SOURCE_CONNINFO" -X -q -At 2>&1; }
late_pid=$LATE_PID
echo "BEGIN; INSERT INTO inc.orders VALUES (900, 9, 'late'); INSERT INTO inc.cust (id, name, updated_at) VALUES (900, 'late', clock_timestamp() - interval '1 min'); SELECT 'opened';" >&"${LATE[1]}"
read -r line <&"${LATE[0]}"
check "the late transaction is open ($line)" test "$line" = opened
src -c "UPDATE inc.orders SET note = 'during' WHERE id = 30"
check "a load while it is open" inc
echo "COMMIT; SELECT 'committed';" >&"${LATE[1]}"
read -r line <&"${LATE[0]}"
check "it commits after the load ($line)" test "$line" = committed
echo '\q' >&"${LATE[1]}"
wait "$late_pid" 2>/dev/null || true
check "its rows are not there yet" test "$(wh -c 'SELECT count(*) FROM inc.orders WHERE id = 900')" -eq 0
check "the next load finds them (xmin: the last snapshot's in-progress transaction)" inc
check "... the late order arrived" test "$(wh -c 'SELECT note FROM inc.orders WHERE id = 900')" = late
check "... the late customer, with an older cursor value, arrived through lookback" \
	test "$(wh -c 'SELECT name FROM inc.cust WHERE id = 900')" = late
check "all identical" all_same

# a cursor that goes backwards beyond lookback: its row is missed (the limit README states)
src -c "UPDATE inc.ver SET v = 'backwards', version = 1 WHERE id = 10"
check "a cursor moved backwards" inc
check "... its row is missed by the cursor, as documented" test "$(wh -c 'SELECT v FROM inc.ver WHERE id = 10')" = v10
check "wharf snapshot loads it (a full refresh of the job, all tables)" \
	bash -c '"$WHARF" -q -c "$0" snapshot' "$job"
check "... now identical" test "$(wh -c 'SELECT v FROM inc.ver WHERE id = 10')" = backwards

# NULL cursors: warned, with how to include them
src -c "ALTER TABLE inc.ver ALTER COLUMN version DROP NOT NULL"
check "a nullable cursor still loads" inc
check "... with a warning that says how to include NULLs" \
	grep -q 'cursor column "version" is nullable.*make it NOT NULL with a default, or use cursor = xmin' "$TMP/err"
src -c "ALTER TABLE inc.ver ALTER COLUMN version SET NOT NULL"

# kills: with the bounds read, after staging, and inside the load's transaction before its commit
src -c "UPDATE inc.orders SET qty = qty + 1 WHERE id <= 50; DELETE FROM inc.orders WHERE id = 51"
src -c "UPDATE inc.cust SET name = name || '!' WHERE id <= 50"
for point in incremental-bounded incremental-staged incremental-loaded; do
	before=$(mark_of inc.orders)
	WHARF_FAIL_AT=$point "$WHARF" -q -c "$job" incremental >/dev/null 2>&1 || true
	check "killed at $point: the marks stay" test "$(mark_of inc.orders)" = "$before"
done
check "the next run converges" inc
check "... identical, nothing lost or doubled" all_same
check "no staged object is left behind" test "$(s3_count it/inc/)" -eq 0

# pgbench's own TPC-B transactions writing while loads run, one after another
pgbench -q -i -s 1 "$WHARF_SOURCE_CONNINFO" >/dev/null 2>&1
wh -c 'DROP TABLE IF EXISTS public.pgbench_accounts, public.pgbench_tellers, public.pgbench_branches'
pjob=$(job_file it_incpgb postgres "s3://$WHARF_S3_BUCKET/it/incpgb" \
	'[table public.pgbench_accounts]' 'mode = incremental' 'cursor = xmin' \
	'[table public.pgbench_tellers]' 'mode = incremental' 'cursor = xmin' \
	'[table public.pgbench_branches]' 'mode = incremental' 'cursor = xmin')
"$WHARF" -q -c "$pjob" incremental
pgbench -n -c 2 -j 2 -T 8 "$WHARF_SOURCE_CONNINFO" >"$TMP/pgbench.log" 2>&1 &
bench=$!
runs=0
while kill -0 "$bench" 2>/dev/null; do
	"$WHARF" -q -c "$pjob" incremental && runs=$((runs + 1))
done
wait "$bench" || true
check "pgbench ran" grep -q "number of transactions actually processed" "$TMP/pgbench.log"
check "loads while pgbench wrote ($runs)" test "$runs" -gt 1
"$WHARF" -q -c "$pjob" incremental
pgb_same() {
	same_table public.pgbench_accounts public.pgbench_accounts &&
		same_table public.pgbench_tellers public.pgbench_tellers &&
		same_table public.pgbench_branches public.pgbench_branches
}
check "then one more: the three pgbench tables identical" pgb_same
"$WHARF" -c "$pjob" incremental >"$TMP/idle.out" 2>/dev/null
check "a load with nothing written since reads no row (xmin)" \
	test "$(grep -c 'rows changed since' "$TMP/idle.out")/$(grep -c ': 0 rows changed since' "$TMP/idle.out")" = 3/3

# status shows each table's mark and the time of its last load
"$WHARF" -c "$job" status >"$TMP/status" 2>/dev/null
check "status shows the marks" grep -qE '^mark inc.orders \(xmin\): [0-9]+:[0-9]+:.* loaded at [0-9T:-]+Z' "$TMP/status"
check "... the cursor's" grep -qE '^mark inc.cust \(updated_at\): 20' "$TMP/status"
"$WHARF" --json -c "$job" status >"$TMP/status.json" 2>/dev/null
check "status --json: marks per table" python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
m = {x["table"]: x for x in o["marks"]}
sys.exit(0 if m["inc.cust"]["cursor"] == "updated_at" and m["inc.orders"]["mark"] and m["inc.orders"]["loaded_at"].endswith("Z") else 1)' "$TMP/status.json"

# plan shows the source query with its bounds
"$WHARF" -c "$job" plan >"$TMP/plan" 2>/dev/null
check "plan shows the incremental source query with its bounds" \
	grep -qE 'COPY \(SELECT .* FROM ONLY "?inc"?\."?orders"? WHERE \(xmin::text::bigint BETWEEN [0-9]+ AND [0-9]+\)\) TO STDOUT' "$TMP/plan"
check "... and the cursor's" grep -qE 'WHERE \("?updated_at"? >= \(.* - pg_catalog.make_interval\(secs => 600\)\)\)' "$TMP/plan"
check "... and the merge with its reconcile" grep -q 'NOT EXISTS (SELECT 1 FROM "wharf_keys_' "$TMP/plan"

# --json summary
"$WHARF" --json -c "$job" incremental >"$TMP/inc.json" 2>/dev/null
check "--json: the documented shape" python3 "$WHARF_SOURCE_DIR/tests/tools/check_summary.py" "$TMP/inc.json" --command incremental --ok --table inc.orders
check "--json: load kind, rows and marks per table" python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
t = {x["table"]: x for x in o["tables"]}
sys.exit(0 if t["inc.orders"]["load"] == "incremental" and t["inc.orders"]["mark"] and "rows" in t["inc.cust"] else 1)' "$TMP/inc.json"

# sync streams the job's other table and leaves the incremental ones to `wharf incremental`
marks_before=$(wh -c "SELECT string_agg(source_table || '=' || target_table, ',' ORDER BY source_table) FROM public.wharf_state WHERE job = 'it_inc' AND kind = 'mark'")
check "sync of the same job" bash -c '"$WHARF" -c "$0" sync >/dev/null 2>"$1"' "$job" "$TMP/sync.err"
check "... says it leaves each incremental table out" \
	test "$(grep -c 'is mode = incremental: wharf incremental loads it, not this command' "$TMP/sync.err")" -eq 5
check "... publishes only the other table" \
	test "$(src -c "SELECT string_agg(schemaname || '.' || tablename, ',') FROM pg_publication_tables WHERE pubname = 'wharf_it_inc'")" = inc.other
src -c "INSERT INTO inc.other VALUES (2, 'streamed')"
check "... streams it" bash -c '"$WHARF" -q -c "$0" sync' "$job"
check "... the other table identical" same_table inc.other inc.other
check "... the incremental tables' marks and rows untouched, none marked removed" \
	test "$(wh -c "SELECT string_agg(source_table || '=' || target_table, ',' ORDER BY source_table) FROM public.wharf_state WHERE job = 'it_inc' AND kind = 'mark'")/$(wh -c "SELECT count(*) FROM public.wharf_state WHERE job = 'it_inc' AND kind = 'removed'")" = "$marks_before/0"
check "incremental still loads them after sync" inc
slot_drop wharf_it_inc

# bad input: named before anything changes (exit 2 for the job file, 1 for what the source's catalog says)
bad() { # bad DESCRIPTION EXIT_CODE PATTERN SECTION...
	local what=$1 code=$2 pattern=$3
	shift 3
	local f
	f=$(job_file it_incbad postgres "s3://$WHARF_S3_BUCKET/it/incbad" "$@")
	local rc=0
	"$WHARF" -c "$f" incremental >/dev/null 2>"$TMP/bad.err" || rc=$?
	check "$what: exit $code" test "$rc" -eq "$code"
	check "... says so" grep -qE "$pattern" "$TMP/bad.err"
}
bad "a cursor column that does not exist" 1 'cursor column "nope" is not among its columns' \
	'[table inc.cust]' 'mode = incremental' 'cursor = nope'
bad "a cursor that cannot be ordered" 1 'cursor column "flag" cannot bound loads' \
	'[table inc.flags]' 'mode = incremental' 'cursor = flag'
bad "mode = incremental without a cursor" 2 'mode = incremental needs cursor = COLUMN' \
	'[table inc.cust]' 'mode = incremental'
bad "lookback in xmin mode" 2 'lookback is for a cursor column' \
	'[table inc.cust]' 'mode = incremental' 'cursor = xmin' 'lookback = 5min'
bad "cursor on a table of another mode" 2 'cursor is a key of mode = incremental tables' \
	'[table inc.cust]' 'cursor = updated_at'
bad "deletes = reconcile on a merge table" 2 'deletes = reconcile is for mode = incremental tables' \
	'[table inc.cust]' 'deletes = reconcile'
bad "mode = incremental without a key" 1 'has no primary key' \
	'[table inc.nokey]' 'mode = incremental' 'cursor = xmin'
bad "a job without incremental tables" 2 'has no table of mode = incremental' \
	'[table inc.cust]'
check "nothing was created by the bad runs" test "$(wh -c "SELECT count(*) FROM public.wharf_state WHERE job = 'it_incbad'")" -eq 0

finish
