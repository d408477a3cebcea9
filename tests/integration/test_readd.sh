#!/usr/bin/env bash
# Tables removed from a streaming job and added back (issue 8, "history is
# never destroyed silently"): an append table's inserts and a soft-delete
# table's deleted rows are history that a new snapshot would replace, so
# sync stops before changing anything and names the choices; --continue
# keeps the rows and applies the table's changes from then on, --reload
# replaces them from a new snapshot. A merge table with hard deletes only
# mirrors the source: its new snapshot goes ahead, with a line saying so.
. "$(dirname "$0")/lib.sh"

cleanup() {
	slot_drop wharf_it_readd
	src -c "DROP PUBLICATION IF EXISTS wharf_it_readd; DROP PUBLICATION IF EXISTS wharf_it_readd_ins"
}
cleanup
trap cleanup EXIT
src <<'SQL'
DROP SCHEMA IF EXISTS readd CASCADE;
CREATE SCHEMA readd;
CREATE TABLE readd.events (at int, what text);                 -- append: history
INSERT INTO readd.events SELECT g, 'e' || g FROM generate_series(1, 5) g;
CREATE TABLE readd.soft (id int PRIMARY KEY, v text);          -- soft deletes
INSERT INTO readd.soft VALUES (1, 'one'), (2, 'two'), (3, 'three');
CREATE TABLE readd.plain (id int PRIMARY KEY, v text);         -- merge, hard deletes
INSERT INTO readd.plain VALUES (1, 'one'), (2, 'two');
CREATE TABLE readd.anchor (id int PRIMARY KEY);                -- keeps the job streaming
SQL
wh -c 'DROP SCHEMA IF EXISTS readd CASCADE' -c "DELETE FROM public.wharf_state WHERE job = 'it_readd'" 2>/dev/null || true

all_tables=('[table readd.anchor]' '[table readd.events]' 'mode = append'
	'[table readd.soft]' 'deletes = soft' '[table readd.plain]')
job=$(job_file it_readd postgres "s3://$WHARF_S3_BUCKET/it/readd" "${all_tables[@]}")
cp -p "$job" "$TMP/all.ini"
# the same job (name, slot) with only the anchor table
cp -p "$(job_file it_readd postgres "s3://$WHARF_S3_BUCKET/it/readd" '[table readd.anchor]')" "$TMP/anchor.ini"
run() { "$WHARF" -c "$1" sync "${@:2}" >"$TMP/out" 2>"$TMP/err"; }
err_has() { grep -q -- "$1" "$TMP/err"; }
wh_count() { wh -c "SELECT count(*) FROM $1"; }

check "first sync loads every table" run "$TMP/all.ini"
src <<'SQL'
INSERT INTO readd.events VALUES (6, 'e6');
DELETE FROM readd.events WHERE at <= 2;          -- the history keeps them
DELETE FROM readd.soft WHERE id = 1;             -- kept, marked deleted
SQL
check "second sync applies the changes" run "$TMP/all.ini"
check "append table holds 6 rows of history" test "$(wh_count readd.events)" -eq 6
check "soft table keeps the deleted row, marked" test "$(wh -c 'SELECT count(*) FROM readd.soft WHERE _wharf_deleted')" -eq 1

# the tables leave the job; changes go on at the source meanwhile
check "sync with only the anchor table" run "$TMP/anchor.ini"
src <<'SQL'
INSERT INTO readd.events VALUES (7, 'e7');
DELETE FROM readd.soft WHERE id = 2;
DELETE FROM readd.plain WHERE id = 1;
INSERT INTO readd.anchor VALUES (1);
SQL
check "sync while they are out" run "$TMP/anchor.ini"

# back in the job: refused, nothing changed
wh -c "SELECT 'x' FROM public.wharf_state WHERE job = 'it_readd' ORDER BY 1" >"$TMP/state.before"
pub_before=$(src -c "SELECT count(*) FROM pg_publication_tables WHERE pubname LIKE 'wharf_it_readd%'")
check "re-adding history tables without a choice exits 1" test "$(run "$TMP/all.ini"; echo $?)" -eq 1
check "the error names the append table and both choices" err_has 'readd.events joined the job again.*--continue readd.events.*--reload readd.events'
check "the soft table too, in a line of its own" err_has 'readd.soft joined the job again.*deleted rows'
check "one error line each" test "$(grep -c 'error:' "$TMP/err")" -eq 2
check "append history untouched" test "$(wh_count readd.events)" -eq 6
check "soft table untouched" test "$(wh -c 'SELECT count(*) FROM readd.soft WHERE _wharf_deleted')" -eq 1
check "no publication changed" test "$(src -c "SELECT count(*) FROM pg_publication_tables WHERE pubname LIKE 'wharf_it_readd%'")" -eq "$pub_before"
check "a name that is not a job table is a usage error" test "$(run "$TMP/all.ini" --continue readd.nope; echo $?)" -eq 2
check "both choices for one table are refused" test "$(run "$TMP/all.ini" --continue readd.soft --reload readd.soft --continue readd.events; echo $?)" -eq 1

# --continue keeps the history; --reload brings the soft table in line
check "re-add with --continue and --reload" run "$TMP/all.ini" --continue readd.events --reload readd.soft
check "the merge table is loaded again, said so" err_has 'readd.plain joined the job'
check "append history kept (6 rows, none from the gap)" test "$(wh_count readd.events)" -eq 6
check "merge table equals the source" same_table readd.plain readd.plain
check "reloaded soft table equals the source" same_table readd.soft "(SELECT id, v FROM readd.soft WHERE NOT _wharf_deleted)"
src <<'SQL'
INSERT INTO readd.events VALUES (8, 'e8');
UPDATE readd.soft SET v = 'THREE' WHERE id = 3;
SQL
check "sync after the re-add" run "$TMP/all.ini"
check "the continued append table gets new inserts" test "$(wh -c 'SELECT count(*) FROM readd.events WHERE at = 8')" -eq 1
check "its history is still there" test "$(wh -c 'SELECT count(*) FROM readd.events WHERE at <= 2')" -eq 2
check "the reloaded soft table streams" same_table readd.soft "(SELECT id, v FROM readd.soft WHERE NOT _wharf_deleted)"
check "a later run needs no choice" run "$TMP/all.ini"

finish
