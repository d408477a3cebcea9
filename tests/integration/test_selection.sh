#!/usr/bin/env bash
# Selection by pattern and column exclusion (issue 11): a [table sel.*]
# section selects a schema's tables (exclude_tables leaves some out, a
# partitioned table's partitions are never tables of their own, a section of
# its own overrides the pattern's keys), tables created later join the next
# snapshot and the next sync; exclude_columns keeps columns out of the
# staged files, the publication (its column list) and so the stream, and the
# warehouse, while the rest replicates identically; a column added at the
# source that the column list held back joins with a snapshot of its table,
# one named by exclude_columns stays out; bad input is refused by name.
. "$(dirname "$0")/lib.sh"

cleanup() {
	slot_drop wharf_it_sel_sync
	slot_drop it_sel_peek
	src -c "SET client_min_messages = warning" -c "DROP PUBLICATION IF EXISTS wharf_it_sel_sync" \
		-c "DROP PUBLICATION IF EXISTS wharf_it_sel_sync_ins"
}
cleanup
trap cleanup EXIT
src <<'SQL'
DROP SCHEMA IF EXISTS sel CASCADE;
DROP SCHEMA IF EXISTS sel_other CASCADE;
CREATE SCHEMA sel;
CREATE SCHEMA sel_other;
CREATE TABLE sel.customers (id int PRIMARY KEY, name text, ssn text, password_hash text, city text);
INSERT INTO sel.customers SELECT g, 'name' || g, 'SSN-SECRET-' || g, 'HASH-SECRET-' || g, 'city' || g % 3
  FROM generate_series(1, 50) g;
CREATE TABLE sel.orders (id bigint PRIMARY KEY, customer_id int, total numeric(10,2), internal_note text);
INSERT INTO sel.orders SELECT g, g % 50 + 1, g * 1.25, 'NOTE-SECRET-' || g FROM generate_series(1, 200) g;
CREATE TABLE sel.events (at int, what text);
INSERT INTO sel.events SELECT g, 'e' || g FROM generate_series(1, 10) g;
CREATE TABLE sel.tmp_scratch (id int PRIMARY KEY, x text);
INSERT INTO sel.tmp_scratch VALUES (1, 'scratch');
CREATE TABLE sel.measure (id int, at date, v int, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE sel.measure_2024 PARTITION OF sel.measure FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE sel.measure_2025 PARTITION OF sel.measure FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO sel.measure SELECT g, date '2024-06-01' + g * 3, g FROM generate_series(1, 100) g;
CREATE TABLE sel_other.elsewhere (id int PRIMARY KEY);
CREATE VIEW sel.a_view AS SELECT id FROM sel.customers;
SQL
wh -c 'DROP SCHEMA IF EXISTS sel CASCADE' -c 'DROP SCHEMA IF EXISTS sel_sync CASCADE' \
	-c "DELETE FROM public.wharf_state WHERE job IN ('it_sel', 'it_sel_sync')" 2>/dev/null || true

sections=('[table sel.*]' 'exclude_tables = sel.tmp_*' 'exclude_columns = internal_note'
	'[table sel.events]' 'mode = append'
	'[table sel.customers]' 'exclude_columns = ssn, password_hash')
stage_dir="$TMP/stage"
job=$(job_file it_sel postgres "s3://$WHARF_S3_BUCKET/it/sel" "${sections[@]}")
run() { "$WHARF" -c "$1" "${@:2}" >"$TMP/out" 2>"$TMP/err"; }
err_has() { grep -q -- "$1" "$TMP/err"; }
wh_tables() { wh -c "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = '$1'"; }
wh_columns() { wh -c "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = '$1' AND table_name = '$2'"; }
staged() { find "$stage_dir" -name 'part-*.csv.gz' -exec zcat {} +; }

# --- the staged files: what the snapshot reads ------------------------------
sed "s#^url = .*#url = file://$stage_dir#" "$job" >"$TMP/stage.ini"
check "stage of the pattern job exits 0" run "$TMP/stage.ini" stage
for t in customers orders events measure; do
	check "staged: sel.$t has a manifest" test -n "$(find "$stage_dir" -path "*$t*" -name manifest.json)"
done
for t in tmp_scratch measure_2024 measure_2025 elsewhere a_view; do
	check "staged: nothing of $t" test -z "$(find "$stage_dir" -path "*$t*")"
done
check "staged rows: 50 + 200 + 10 + 100" test "$(staged | wc -l)" -eq 360
check "staged parts hold no excluded value" test "$(staged | grep -c 'SECRET' || true)" -eq 0
check "staged parts hold the other values" test "$(staged | grep -c 'name17,' || true)" -eq 1

# --- the dry run -------------------------------------------------------------
check "plan of the pattern job exits 0" run "$job" plan
check "the plan creates sel.customers without the excluded columns" \
	test "$(grep -A4 '^CREATE TABLE IF NOT EXISTS "sel"."customers" ($' "$TMP/out" | grep -o '^	"[a-z_]*"' | tr -d '\t"' | paste -sd,)" = "id,name,city"
check "the plan never names an excluded column" test "$(grep -c 'ssn\|password_hash\|internal_note' "$TMP/out" || true)" -eq 0
check "the plan loads no excluded table nor partition" test "$(grep -c 'tmp_scratch\|"measure_202' "$TMP/out" || true)" -eq 0

check "check of the pattern job exits 0" run "$job" check
check "check names the pattern's tables and columns left out" \
	grep -q '^ *\[table sel\.\*\]: sel.measure, sel.orders (2 tables); columns left out: "internal_note"$' "$TMP/out"
check "check names a table's own columns left out" grep -q '^ *sel.customers: columns left out: "ssn", "password_hash"$' "$TMP/out"

# --- snapshot ---------------------------------------------------------------
check "snapshot of the pattern job exits 0" run "$job" snapshot
check "the warehouse holds exactly the selected tables" test "$(wh_tables sel)" = "customers,events,measure,orders"
check "customers lands without ssn and password_hash" test "$(wh_columns sel customers)" = "id,name,city"
check "orders lands without internal_note" test "$(wh_columns sel orders)" = "id,customer_id,total"
check "customers equals the source but for the excluded columns" same_table "(SELECT id, name, city FROM sel.customers)" sel.customers
check "orders equals the source but for internal_note" same_table "(SELECT id, customer_id, total FROM sel.orders)" sel.orders
check "the partitioned table lands whole" same_table sel.measure sel.measure
check "the pattern's selection is said" err_has '\[table sel\.\*\] selects 2 tables'

# a table created later joins the next snapshot
src -c "CREATE TABLE sel.late (id int PRIMARY KEY, v text, internal_note text)" \
	-c "INSERT INTO sel.late SELECT g, 'late' || g, 'NOTE-SECRET' FROM generate_series(1, 7) g"
check "the next snapshot exits 0" run "$job" snapshot
check "the new table is loaded by the next snapshot" same_table "(SELECT id, v FROM sel.late)" sel.late
check "the pattern's exclude_columns applies to it" test "$(wh_columns sel late)" = "id,v"

# --- sync ---------------------------------------------------------------------
sjob=$(job_file it_sel_sync postgres "s3://$WHARF_S3_BUCKET/it/sel_sync" "${sections[@]}")
sed -i 's/^dialect = postgres$/&\nschema = sel_sync/' "$sjob"
pub_cols() { src -c "SELECT array_to_string(attnames, ',') FROM pg_publication_tables WHERE pubname = 'wharf_it_sel_sync' AND schemaname = 'sel' AND tablename = '$1'"; }
same_all() {
	same_table "(SELECT id, name, city FROM sel.customers)" sel_sync.customers &&
		same_table "(SELECT id, customer_id, total FROM sel.orders)" sel_sync.orders &&
		same_table sel.measure sel_sync.measure &&
		same_table "(SELECT id, v FROM sel.late)" sel_sync.late
}
check "first sync exits 0" run "$sjob" sync
check "the publication publishes customers without the excluded columns" test "$(pub_cols customers)" = "id,name,city"
check "the publication publishes orders without internal_note" test "$(pub_cols orders)" = "id,customer_id,total"
check "the publication holds the partitioned table, not its partitions" \
	test "$(src -c "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_publication_tables WHERE pubname LIKE 'wharf_it_sel_sync%'")" = "customers,events,late,measure,orders"
check "every table identical after the first sync" same_all

# the stream, as pgoutput sends it for the job's publication, to a second slot
src -c "SELECT pg_create_logical_replication_slot('it_sel_peek', 'pgoutput')" >/dev/null
src <<'SQL'
INSERT INTO sel.customers VALUES (51, 'name51', 'SSN-SECRET-51', 'HASH-SECRET-51', 'city0');
UPDATE sel.customers SET name = 'renamed' || id, ssn = 'SSN-SECRET-NEW' WHERE id <= 5;
UPDATE sel.customers SET ssn = 'SSN-SECRET-ONLY' WHERE id BETWEEN 6 AND 8;
DELETE FROM sel.customers WHERE id IN (9, 10);
INSERT INTO sel.orders VALUES (201, 51, 9.99, 'NOTE-SECRET-201');
UPDATE sel.orders SET total = total + 1, internal_note = 'NOTE-SECRET-X' WHERE id <= 20;
DELETE FROM sel.orders WHERE id BETWEEN 21 AND 30;
UPDATE sel.measure SET v = -v WHERE id <= 10;
SQL
peek() {
	src -c "SELECT count(*) FROM pg_logical_slot_peek_binary_changes('it_sel_peek', NULL, NULL,
	        'proto_version', '1', 'publication_names', 'wharf_it_sel_sync')
	        WHERE position($(sql_literal "$1")::bytea IN data) > 0"
}
# the services may commit asynchronously: the WAL is read once flushed
for _ in $(seq 50); do [[ $(peek renamed1) -ge 1 ]] && break; sleep 0.2; done
check "the stream carries the other columns' values" test "$(peek renamed1)" -ge 1
check "the stream never carries an excluded value" test "$(peek SECRET)" -eq 0
check "sync of inserts, updates and deletes exits 0" run "$sjob" sync
check "every table identical after the changes" same_all
check "no excluded column at the warehouse" \
	test "$(wh -c "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'sel_sync' AND column_name IN ('ssn', 'password_hash', 'internal_note')")" -eq 0

# a table created later joins the running job, with a line saying so
src -c "CREATE TABLE sel.later (id int PRIMARY KEY, v text, internal_note text)" \
	-c "INSERT INTO sel.later SELECT g, 'later' || g, 'NOTE-SECRET' FROM generate_series(1, 9) g"
check "sync with a new table exits 0" run "$sjob" sync
check "the new table is announced" err_has 'sel.later: new table matching sel\.\*, joining the job'
check "the new table joined the publication with its column list" test "$(pub_cols later)" = "id,v"
check "the new table is identical" same_table "(SELECT id, v FROM sel.later)" sel_sync.later
src -c "INSERT INTO sel.later VALUES (10, 'ten', 'NOTE-SECRET')" -c "UPDATE sel.later SET v = 'nine' WHERE id = 9" \
	-c "DELETE FROM sel.later WHERE id = 1"
check "its changes stream from then on" run "$sjob" sync
check "the new table stays identical" same_table "(SELECT id, v FROM sel.later)" sel_sync.later
check "it is not announced again" test "$(grep -c 'new table matching' "$TMP/err" || true)" -eq 0

# columns added at the source: one that the column list held back joins,
# with a snapshot of its table; one that exclude_columns names stays out
src <<'SQL'
ALTER TABLE sel.customers ADD COLUMN email text;
UPDATE sel.customers SET email = 'c' || id || '@example.com' WHERE id % 2 = 0;
ALTER TABLE sel.later ADD COLUMN internal_note2 text;
ALTER TABLE sel.measure ADD COLUMN internal_note text;
UPDATE sel.measure SET internal_note = 'NOTE-SECRET-M', v = v + 1000 WHERE id <= 3;
SQL
check "sync after the columns were added exits 0" run "$sjob" sync
check "the held-back column reloads its table, said so" err_has 'table sel.customers.*did not publish all of its columns'
check "the publication now publishes email" test "$(pub_cols customers)" = "id,name,city,email"
check "customers identical with email" same_table "(SELECT id, name, city, email FROM sel.customers)" sel_sync.customers
check "the measure table without its excluded new column" same_table "(SELECT id, at, v FROM sel.measure)" sel_sync.measure
check "the excluded new column is not at the warehouse" test "$(wh_columns sel_sync measure)" = "id,at,v"
check "the publication keeps it out" test "$(pub_cols measure)" = "id,at,v"
src -c "UPDATE sel.customers SET email = 'new' || id, ssn = 'SSN-SECRET-Z' WHERE id <= 20" \
	-c "UPDATE sel.later SET internal_note2 = 'x', v = 'v2' WHERE id <= 4"
check "sync of changes to the new column exits 0" run "$sjob" sync
check "customers still identical" same_table "(SELECT id, name, city, email FROM sel.customers)" sel_sync.customers
check "later with its new column, identical" same_table "(SELECT id, v, internal_note2 FROM sel.later)" sel_sync.later
for _ in $(seq 50); do [[ $(peek new20) -ge 1 ]] && break; sleep 0.2; done
check "the stream carried the new column's values" test "$(peek new20)" -ge 1
check "the stream never carried an excluded value" test "$(peek SECRET)" -eq 0
slot_drop it_sel_peek

# a column excluded once loaded: its warehouse column stays, never written again
sed -i 's/^exclude_columns = ssn, password_hash$/&, city/' "$sjob"
src -c "UPDATE sel.customers SET city = 'moved', name = 'n' || id WHERE id <= 3" \
	-c "INSERT INTO sel.customers VALUES (60, 'name60', 'SSN-SECRET-60', 'HASH-SECRET-60', 'city60', 'e60')"
check "sync after city joined exclude_columns exits 0" run "$sjob" sync
check "the publication leaves city out now" test "$(pub_cols customers)" = "id,name,email"
check "customers identical but for city" same_table "(SELECT id, name, email FROM sel.customers)" "(SELECT id, name, email FROM sel_sync.customers)"
check "updated rows keep the city they had" test "$(wh -c "SELECT string_agg(city, ',' ORDER BY id) FROM sel_sync.customers WHERE id <= 3")" = "city1,city2,city0"
check "a row added since holds NULL there" test "$(wh -c "SELECT count(*) FROM sel_sync.customers WHERE id = 60 AND city IS NULL")" -eq 1
sed -i 's/^exclude_columns = ssn, password_hash, city$/exclude_columns = ssn, password_hash/' "$sjob"
check "sync after city left exclude_columns exits 0" run "$sjob" sync
check "the column no longer excluded reloads its table" err_has 'table sel.customers.*did not publish all of its columns'
check "customers identical with city again" same_table "(SELECT id, name, city, email FROM sel.customers)" sel_sync.customers
# a selected table dropped at the source leaves the job; its warehouse table stays
src -c "DROP TABLE sel.later" -c "UPDATE sel.orders SET total = 0 WHERE id = 50"
check "sync after a selected table was dropped exits 0" run "$sjob" sync
check "the others stream on" same_table "(SELECT id, customer_id, total FROM sel.orders)" sel_sync.orders
check "the dropped table's warehouse table stays" test "$(wh -c "SELECT count(*) FROM sel_sync.later")" -eq 9
cleanup	# the publication's column lists: nothing below changes the tables' identity under them

# --- bad input ------------------------------------------------------------------
bad() { # bad NAME EXIT PATTERN SECTIONS...: the command fails as said, naming it
	local name=$1 want=$2 msg=$3
	shift 3
	local f
	f=$(job_file "it_sel_bad" postgres "s3://$WHARF_S3_BUCKET/it/sel_bad" "$@")
	local rc=0
	"$WHARF" -c "$f" snapshot >"$TMP/out" 2>"$TMP/err" || rc=$?
	if [[ $rc -eq $want ]] && grep -q -- "$msg" "$TMP/err"; then ok "$name"; else
		not_ok "$name (exit $rc)"
		cat "$TMP/err"
	fi
}
wh -c 'DROP SCHEMA IF EXISTS sel CASCADE'
bad "an unknown excluded column is named, with a suggestion" 1 \
	'table sel.customers: exclude_columns names column "sn", which it does not have (did you mean "ssn"?)' \
	'[table sel.customers]' 'exclude_columns = sn'
bad "an excluded primary key column is refused" 1 \
	'table sel.customers: column "id" is a primary key column, which exclude_columns cannot leave out' \
	'[table sel.customers]' 'exclude_columns = id'
bad "an excluded key column of key = is a job-file error" 2 'exclude_columns: "id" is a key column' \
	'[table sel.orders]' 'key = id' 'exclude_columns = id'
bad "a pattern's excluded column no table has is refused" 1 \
	'\[table sel.\*\]: exclude_columns names column "nope", which none of the tables it selects has' \
	'[table sel.*]' 'exclude_columns = nope'
bad "exclude_tables outside a pattern section is a job-file error" 2 'only a pattern section' \
	'[table sel.orders]' 'exclude_tables = sel.x'
src -c "ALTER TABLE sel.customers REPLICA IDENTITY FULL"
bad "exclusions from a REPLICA IDENTITY FULL merge table are refused" 1 \
	'table sel.customers has REPLICA IDENTITY FULL, whose old rows hold every column' \
	'[table sel.customers]' 'exclude_columns = ssn'
src -c "UPDATE sel.customers SET ssn = 'u' || id" -c "CREATE UNIQUE INDEX customers_ssn ON sel.customers (ssn)" -c "ALTER TABLE sel.customers ALTER ssn SET NOT NULL" \
	-c "ALTER TABLE sel.customers REPLICA IDENTITY USING INDEX customers_ssn"
bad "an excluded replica identity column is refused" 1 \
	'table sel.customers: column "ssn" is part of its replica identity, which exclude_columns cannot leave out' \
	'[table sel.customers]' 'exclude_columns = ssn'
src -c "ALTER TABLE sel.customers REPLICA IDENTITY DEFAULT" -c "DROP INDEX sel.customers_ssn"
bad "a selected table without a key says which and how" 1 \
	'table sel.events, which \[table sel.\*\] selects, has no primary key: give it a section of its own, \[table sel.events\]' \
	'[table sel.*]' 'exclude_tables = tmp_*'
check "nothing was loaded by the refused jobs" test -z "$(wh_tables sel)"

# quoted pattern parts: case kept, '*' literal
src -c 'DROP SCHEMA IF EXISTS "Sel Mixed" CASCADE' -c 'CREATE SCHEMA "Sel Mixed"' \
	-c 'CREATE TABLE "Sel Mixed"."Order Lines" (id int PRIMARY KEY)' -c 'CREATE TABLE "Sel Mixed"."Order*Star" (id int PRIMARY KEY)' \
	-c 'CREATE TABLE "Sel Mixed".order_lower (id int PRIMARY KEY)'
f=$(job_file it_sel_quoted postgres "s3://$WHARF_S3_BUCKET/it/sel_quoted" '[table "Sel Mixed"."Order"*]')
check "check of a quoted pattern exits 0" run "$f" check
check "a quoted part keeps its case" grep -q '\[table "Sel Mixed"."Order"\*\]: "Sel Mixed"."Order Lines", "Sel Mixed"."Order\*Star" (2 tables)$' "$TMP/out"
f=$(job_file it_sel_quoted postgres "s3://$WHARF_S3_BUCKET/it/sel_quoted" '[table "Sel Mixed"."Order*"*]')
check "check of a pattern with a quoted '*' exits 0" run "$f" check
check "a quoted '*' is a '*'" grep -q ': "Sel Mixed"."Order\*Star" (1 table)$' "$TMP/out"
src -c 'DROP SCHEMA "Sel Mixed" CASCADE'

f=$(job_file it_sel_nomatch postgres "s3://$WHARF_S3_BUCKET/it/sel_nomatch" '[table nosuch.*]' '[table sel.zz?*]' '[table sel.orders]')
check "a pattern matching nothing still runs the job" run "$f" snapshot
check "each pattern matching nothing is a warning naming it" \
	test "$(grep -c 'warning: .*matches no table at the source' "$TMP/err")" -eq 2
check "the warning names the pattern" err_has '\[table nosuch\.\*\] (line [0-9]*) matches no table'
check "the explicit table loaded" same_table sel.orders sel.orders
f=$(job_file it_sel_none postgres "s3://$WHARF_S3_BUCKET/it/sel_none" '[table nosuch.*]')
check "a job whose patterns select nothing fails" test "$(run "$f" snapshot; echo $?)" -eq 1
check "and says so" err_has 'the job selects no table'

finish
