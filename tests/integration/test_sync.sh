#!/usr/bin/env bash
# Change data capture end to end: the first sync loads from the slot's
# snapshot, later syncs apply the stream; each case that breaks naive tools
# (unchanged TOAST, key-only deletes, soft deletes, truncate in order, schema
# changes, tables without a key, big transactions, idle slots, tables added
# and removed) ends with source and warehouse compared row by row in SQL.
. "$(dirname "$0")/lib.sh"

slot_drop wharf_it_sync
src -c "DROP PUBLICATION IF EXISTS wharf_it_sync; DROP PUBLICATION IF EXISTS wharf_it_sync_ins"
src <<'SQL'
DROP SCHEMA IF EXISTS cdc CASCADE;
CREATE SCHEMA cdc;
CREATE TABLE cdc.customers (
  customer_id integer PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL,
  email text NOT NULL, created_at timestamp NOT NULL);
INSERT INTO cdc.customers VALUES
  (1, 'Alice', 'Johnson', 'alice.johnson@example.com', '2024-05-01 10:15:00'),
  (2, 'Bob', 'Smith', 'bob.smith@example.com', '2024-05-02 08:42:00');
CREATE TABLE cdc.docs (id int PRIMARY KEY, title text, body text, n numeric(10,2));
ALTER TABLE cdc.docs ALTER COLUMN body SET STORAGE EXTERNAL;
INSERT INTO cdc.docs SELECT g, 'doc ' || g, repeat(md5(g::text), 400), g FROM generate_series(1, 20) g;
CREATE TABLE cdc.soft (id int PRIMARY KEY, v text);
INSERT INTO cdc.soft VALUES (1, 'one'), (2, 'two'), (3, 'three');
CREATE TABLE cdc.events (at timestamptz, what text);          -- no key: append
INSERT INTO cdc.events VALUES ('2024-01-01 00:00:00+00', 'boot');
CREATE TABLE cdc.pairs (a int NOT NULL, b text NOT NULL, v text);  -- key = a, b by replica identity full
CREATE UNIQUE INDEX pairs_a_b ON cdc.pairs (a, b);                  -- what makes the key a key
ALTER TABLE cdc.pairs REPLICA IDENTITY FULL;
INSERT INTO cdc.pairs VALUES (1, 'x', 'first'), (2, 'y', NULL);
CREATE TABLE cdc.idle_other (id int);
SQL
wh -c 'DROP SCHEMA IF EXISTS cdc CASCADE' -c "DELETE FROM public.wharf_state WHERE job = 'it_sync'" 2>/dev/null || true

job=$(job_file it_sync postgres "s3://$WHARF_S3_BUCKET/it/sync" \
	'[table cdc.customers]' '[table cdc.docs]' \
	'[table cdc.soft]' 'deletes = soft' \
	'[table cdc.events]' 'mode = append' \
	'[table cdc.pairs]' 'key = a, b')
sync() { "$WHARF" -c "$job" sync "$@"; }
docs_wh=cdc.docs   # after the source drops a column, compare the others
all_same() {
	same_table cdc.customers cdc.customers && same_table cdc.docs "$docs_wh" &&
		same_table cdc.events cdc.events && same_table cdc.pairs cdc.pairs
}
# soft-deleted rows stay in the warehouse: compare the live ones
soft_same() {
	[[ $(wh -c "SELECT count(*) FROM (SELECT id, v FROM cdc.soft WHERE NOT _wharf_deleted) w") == \
	   $(src -c 'SELECT count(*) FROM cdc.soft') ]] &&
	[[ $(table_diff cdc.soft "(SELECT id, v FROM cdc.soft WHERE NOT _wharf_deleted)") == 0 ]]
}

check "first sync: snapshot from the slot" sync
check "first sync loads every table" all_same
check "soft table loaded" soft_same
check "slot created with pgoutput" test "$(src -c "SELECT plugin FROM pg_replication_slots WHERE slot_name = 'wharf_it_sync'")" = pgoutput
check "append table is in the insert-only publication" test "$(src -c "SELECT pubinsert AND NOT pubupdate AND NOT pubdelete FROM pg_publication WHERE pubname = 'wharf_it_sync_ins'")" = t

# the demo's change stream for customer 101
src <<'SQL'
INSERT INTO cdc.customers VALUES (101, 'Alice', 'Johnson', 'alice.johnson@example.com', '2024-05-01 10:00:00');
UPDATE cdc.customers SET first_name = 'Alicia' WHERE customer_id = 101;
UPDATE cdc.customers SET last_name = 'Thompson', email = 'alicia.thompson@example.com' WHERE customer_id = 101;
DELETE FROM cdc.customers WHERE customer_id = 2;
UPDATE cdc.customers SET customer_id = 3 WHERE customer_id = 1;   -- key change
INSERT INTO cdc.events VALUES ('2024-01-02 00:00:00+00', 'login'), ('2024-01-03 00:00:00+00', NULL);
UPDATE cdc.pairs SET v = 'changed' WHERE a = 1;
DELETE FROM cdc.pairs WHERE a = 2;
SQL
check "sync applies inserts, updates, deletes, key changes" sync
check "warehouse equals source after changes" all_same
check "customer 101 ends as Alicia Thompson" test "$(wh -c "SELECT first_name || ' ' || last_name FROM cdc.customers WHERE customer_id = 101")" = "Alicia Thompson"

# unchanged TOAST: updates that leave body alone keep it; insert+update in one batch keeps the insert's
src <<'SQL'
UPDATE cdc.docs SET title = 'retitled' WHERE id <= 5;
INSERT INTO cdc.docs VALUES (100, 'new', repeat('big value ', 5000), 1);
UPDATE cdc.docs SET title = 'new, retitled' WHERE id = 100;
UPDATE cdc.docs SET body = repeat('changed ', 6000) WHERE id = 6;
UPDATE cdc.docs SET title = 'after body change' WHERE id = 6;
INSERT INTO cdc.docs VALUES (101, 'x', repeat('first ', 5000), 1);
UPDATE cdc.docs SET body = repeat('second ', 5000) WHERE id = 101;
UPDATE cdc.docs SET n = 2 WHERE id = 101;
SQL
check "sync with unchanged TOAST values" sync
check "TOAST values survive untouched updates" same_table cdc.docs cdc.docs
check "no TOAST value became NULL" test "$(wh -c 'SELECT count(*) FROM cdc.docs WHERE body IS NULL')" -eq 0

# soft deletes: marked with a time; a re-insert un-marks
src -c "DELETE FROM cdc.soft WHERE id IN (1, 2)"
check "sync soft deletes" sync
check "soft-deleted rows are kept and marked" test "$(wh -c 'SELECT count(*) FROM cdc.soft WHERE _wharf_deleted AND _wharf_deleted_at IS NOT NULL')" -eq 2
src -c "INSERT INTO cdc.soft VALUES (1, 'one again')"
check "sync re-insert" sync
check "a re-insert un-marks the row" test "$(wh -c 'SELECT _wharf_deleted FROM cdc.soft WHERE id = 1')" = f
check "live soft rows equal the source" soft_same

# truncate in order with the other changes of the batch
src <<'SQL'
INSERT INTO cdc.customers VALUES (200, 'Gone', 'Soon', 'g@example.com', '2024-01-01');
TRUNCATE cdc.customers;
INSERT INTO cdc.customers VALUES (300, 'After', 'Truncate', 'a@example.com', '2024-01-01');
SQL
check "sync with a truncate" sync
check "truncate applied in order" same_table cdc.customers cdc.customers

# schema changes: added column (with a constant default), dropped column, widening
src <<'SQL'
ALTER TABLE cdc.customers ADD COLUMN tier text NOT NULL DEFAULT 'gold';
INSERT INTO cdc.customers VALUES (301, 'New', 'Column', 'n@example.com', '2024-01-01', 'silver');
ALTER TABLE cdc.docs DROP COLUMN n;
UPDATE cdc.docs SET title = 'after drop' WHERE id = 7;
SQL
check "sync with an added and a dropped column" sync
docs_wh="(SELECT id, title, body FROM cdc.docs)"
check "added column lands with values and the default for old rows" same_table cdc.customers cdc.customers
check "old rows got the default" test "$(wh -c "SELECT tier FROM cdc.customers WHERE customer_id = 300")" = gold
check "dropped column stays in the warehouse" test "$(wh -c "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'cdc' AND table_name = 'docs' AND column_name = 'n'")" -eq 1
check "dropped column is NULL in rows changed since" test "$(wh -c "SELECT n IS NULL FROM cdc.docs WHERE id = 7")" = t
check "other columns of docs still equal" same_table cdc.docs "(SELECT id, title, body FROM cdc.docs)"
src -c "ALTER TABLE cdc.customers ALTER COLUMN first_name TYPE integer USING length(first_name); INSERT INTO cdc.customers VALUES (302, 5, 'x', 'x', '2024-01-01', 'x')"
rc=0; sync 2>"$TMP/type.err" || rc=$?
check "an unsafe type change stops sync with exit 1" test "$rc" -eq 1
check "the message names table and column" grep -q 'cdc.customers: column "first_name"' "$TMP/type.err"
src -c "DELETE FROM cdc.customers WHERE customer_id = 302; ALTER TABLE cdc.customers ALTER COLUMN first_name TYPE text"
wh -c "ALTER TABLE cdc.customers ALTER COLUMN first_name TYPE text"
slot_drop wharf_it_sync
check "--resnapshot starts over" sync --resnapshot
check "after --resnapshot every table equals the source" all_same

# a large transaction streams through parts with bounded memory
src -c "INSERT INTO cdc.events SELECT '2024-02-01'::timestamptz + g * interval '1 second', repeat('e', 100) || g FROM generate_series(1, 1000000) g"
rss=$(python3 - "$WHARF" "$job" <<'PY'
import resource, subprocess, sys
subprocess.run([sys.argv[1], "-q", "-c", sys.argv[2], "sync"], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
PY
)
check "1M-row transaction applied" same_table cdc.events cdc.events
if [[ -n ${WHARF_SANITIZE:-} ]]; then
	ok "peak RSS not checked under AddressSanitizer (its shadow memory is not wharf's)"
else
	check "peak RSS of that sync ($rss MiB) stays under 64 MiB" test "$rss" -lt 64
fi

# an idle slot does not hold WAL back while other tables write
before=$(src -c "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'wharf_it_sync'")
src -c "INSERT INTO cdc.idle_other SELECT generate_series(1, 10000)"
check "sync with only unpublished writes" sync
after=$(src -c "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'wharf_it_sync'")
check "the slot advanced past unpublished WAL ($before -> $after)" test "$(src -c "SELECT '$after'::pg_lsn > '$before'::pg_lsn")" = t

# a table added to the job gets its own snapshot; a removed one leaves the publication
src -c "CREATE TABLE cdc.late (id int PRIMARY KEY, v text); INSERT INTO cdc.late SELECT g, 'v' || g FROM generate_series(1, 100) g"
printf '[table cdc.late]\n' >>"$job"
sed -i '/^\[table cdc.pairs\]/,/^key = a, b/d' "$job"
src -c "INSERT INTO cdc.late VALUES (1000, 'during'); UPDATE cdc.pairs SET v = 'not applied' WHERE a = 1"
check "sync with a table added and one removed" sync
check "the added table equals the source" same_table cdc.late cdc.late
check "the removed table left the publication" test "$(src -c "SELECT count(*) FROM pg_publication_tables WHERE pubname = 'wharf_it_sync' AND tablename = 'pairs'")" -eq 0
check "the removed table's warehouse rows stay as they were" test "$(wh -c "SELECT v FROM cdc.pairs WHERE a = 1")" = changed
src -c "UPDATE cdc.late SET v = 'later' WHERE id <= 10; DELETE FROM cdc.late WHERE id > 90"
check "sync after the addition" sync
check "the added table keeps up" same_table cdc.late cdc.late

# two processes on one job: the second refuses
( psql "$WHARF_SOURCE_CONNINFO" -X -q -c "SELECT pg_advisory_lock(hashtext('wharf job it_sync')), pg_sleep(12)" >/dev/null ) &
holder=$!
sleep 1
rc=0; sync 2>"$TMP/lock.err" || rc=$?
wait $holder || true
check "a second process on the job refuses (exit 1)" test "$rc" -eq 1
check "and says another process runs the job" grep -q "another wharf process is running job it_sync" "$TMP/lock.err"

# status shows the slot's lag and wal_status
check "status shows the slot" bash -c '"$0" -c "$1" status | grep -q "wal_status"' "$WHARF" "$job"

# leave no slot behind: it would hold WAL on the shared source for the other tests
src -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'wharf_it_sync' AND NOT active" >/dev/null

finish
