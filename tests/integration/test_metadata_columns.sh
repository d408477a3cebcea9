#!/usr/bin/env bash
# The metadata columns ([warehouse] synced_at_column, lsn_column,
# op_column): after sync's first load every row holds 'S' and the slot's
# consistent point; inserts and updates through the stream hold 'I' and
# 'U', their transaction's commit LSN (increasing) and a recent sync time;
# deletes remove the row; rows no change touched keep their snapshot's.
# `wharf snapshot` writes 'S' with no LSN, `plan` shows the columns, and a
# table loaded before the job named them gets them at the next run.
. "$(dirname "$0")/lib.sh"

for s in wharf_it_meta wharf_it_metalate; do
	slot_drop $s
	src -c "DROP PUBLICATION IF EXISTS $s; DROP PUBLICATION IF EXISTS ${s}_ins"
done
src <<'SQL'
DROP SCHEMA IF EXISTS md CASCADE;
CREATE SCHEMA md;
CREATE TABLE md.m (id int PRIMARY KEY, v text);
INSERT INTO md.m SELECT g, 'v' || g FROM generate_series(1, 50) g;
CREATE TABLE md.e (at int, what text);
INSERT INTO md.e VALUES (1, 'boot');
CREATE TABLE md.s (id int PRIMARY KEY, v text);
INSERT INTO md.s VALUES (1, 'one'), (2, 'two');
CREATE TABLE md.k (id int PRIMARY KEY, body text, n int);   -- key changes keeping TOAST ('K')
ALTER TABLE md.k ALTER COLUMN body SET STORAGE EXTERNAL;
INSERT INTO md.k SELECT g, repeat(md5(g::text), 300), g FROM generate_series(1, 3) g;
CREATE TABLE md.late (id int PRIMARY KEY, v text);
INSERT INTO md.late VALUES (1, 'a'), (2, 'b');
SQL
wh -c 'DROP SCHEMA IF EXISTS md CASCADE' \
	-c "DELETE FROM public.wharf_state WHERE job IN ('it_meta', 'it_metasnap', 'it_metalate')" 2>/dev/null || true

meta='[warehouse]\nsynced_at_column = _wharf_synced_at\nlsn_column = _wharf_lsn\nop_column = _wharf_op'
with_meta() { sed "s/^\[warehouse\]$/$meta/" "$1" >"$1.tmp" && mv "$1.tmp" "$1" && chmod 600 "$1"; }
job=$(job_file it_meta postgres "s3://$WHARF_S3_BUCKET/it/meta" '[table md.m]' '[table md.e]' 'mode = append' \
	'[table md.s]' 'deletes = soft' '[table md.k]')
with_meta "$job"
lsn_of() { echo "(pg_lsn '$1' - pg_lsn '0/0')::bigint"; }

# plan shows them
"$WHARF" -c "$job" plan >"$TMP/plan.sql" 2>/dev/null
check "plan creates the metadata columns" grep -q '"_wharf_synced_at" TIMESTAMPTZ,' "$TMP/plan.sql"
check "plan's change batch sets them" grep -q '"_wharf_lsn" = s."_wharf_lsn"' "$TMP/plan.sql"

check "first sync" "$WHARF" -q -c "$job" sync
point=$(wh -c "SELECT lsn FROM public.wharf_state WHERE job = 'it_meta' AND kind = 'position'")
check "the snapshot's rows: op S, the slot's consistent point $point, a recent time" test "$(wh -c "
	SELECT count(*) FROM md.m WHERE _wharf_op = 'S' AND _wharf_lsn = $(lsn_of "$point")
	  AND _wharf_synced_at > now() - interval '5 minutes'")" -eq 50
check "the append table's snapshot rows too" test "$(wh -c "SELECT count(*) FROM md.e WHERE _wharf_op = 'S' AND _wharf_lsn = $(lsn_of "$point")")" -eq 1

before=$(wh -c "SELECT now()")
src -c "INSERT INTO md.m VALUES (100, 'new')"
src -c "UPDATE md.m SET v = 'changed' WHERE id = 2"
src -c "DELETE FROM md.m WHERE id = 3"
src -c "UPDATE md.m SET id = 200 WHERE id = 4"
src -c "INSERT INTO md.e VALUES (2, 'more')"
src -c "UPDATE md.s SET v = 'uno' WHERE id = 1"
src -c "DELETE FROM md.s WHERE id = 2"
check "sync of inserts, updates and deletes" "$WHARF" -q -c "$job" sync
check "converged" same_table md.m "(SELECT id, v FROM md.m)"
row() { wh -c "SELECT _wharf_op || ' ' || _wharf_lsn || ' ' || (_wharf_synced_at >= '$before'::timestamptz)::text FROM $1"; }
read -r op_i lsn_i recent_i <<<"$(row "md.m WHERE id = 100")"
read -r op_u lsn_u recent_u <<<"$(row "md.m WHERE id = 2")"
read -r op_k lsn_k _ <<<"$(row "md.m WHERE id = 200")"
snap=$(wh -c "SELECT $(lsn_of "$point")")
check "an insert: op I ($op_i)" test "$op_i" == I
check "an update: op U ($op_u)" test "$op_u" == U
check "a key change: op U ($op_k)" test "$op_k" == U
check "LSNs increase with the commits: snapshot $snap < insert $lsn_i < update $lsn_u < key change $lsn_k" \
	test "$snap" -lt "$lsn_i" -a "$lsn_i" -lt "$lsn_u" -a "$lsn_u" -lt "$lsn_k"
check "the synced time is this sync's (after $before: $recent_i $recent_u)" test "$recent_i $recent_u" == "true true"
check "the LSN is at most the source's WAL position now" \
	test "$lsn_k" -le "$(src -c "SELECT (pg_current_wal_insert_lsn() - '0/0')::bigint")"
check "a delete removes the row" test "$(wh -c 'SELECT count(*) FROM md.m WHERE id IN (3, 4)')" -eq 0
check "rows no change touched keep their snapshot's metadata" \
	test "$(wh -c "SELECT count(*) FROM md.m WHERE _wharf_op = 'S' AND _wharf_lsn = $snap")" -eq 47
check "an appended row: op I, its LSN" test "$(wh -c "SELECT _wharf_op || (_wharf_lsn > $snap)::text FROM md.e WHERE at = 2")" == Itrue
check "a soft-delete table's update: op U" test "$(wh -c "SELECT _wharf_op FROM md.s WHERE id = 1")" == U
check "a soft delete marks the row and leaves its metadata" \
	test "$(wh -c "SELECT _wharf_deleted::text || _wharf_op FROM md.s WHERE id = 2")" == trueS

# two updates of one key (one batch or two): the latest wins, with its LSN
src -c "UPDATE md.m SET v = 'x' WHERE id = 5"
src -c "UPDATE md.m SET v = 'y' WHERE id = 5"
last=$(src -c "SELECT (pg_current_wal_insert_lsn() - '0/0')::bigint")
check "two updates of one key" "$WHARF" -q -c "$job" sync
read -r op5 lsn5 _ <<<"$(row "md.m WHERE id = 5")"
check "the later update's LSN ($lsn5 > $lsn_k, <= $last)" test "$op5" == U -a "$lsn5" -gt "$lsn_k" -a "$lsn5" -le "$last"
check "its value" test "$(wh -c 'SELECT v FROM md.m WHERE id = 5')" == y

# a key change that keeps an unchanged TOAST value (staged as 'K'): op U, the body kept
src -c "UPDATE md.k SET id = 10, n = 100 WHERE id = 1"
check "a key change keeping a TOASTed value" "$WHARF" -q -c "$job" sync
check "converged" same_table md.k "(SELECT id, body, n FROM md.k)"
check "the moved row: op U, an LSN past the earlier changes" \
	test "$(wh -c "SELECT _wharf_op || (_wharf_lsn > $lsn5)::text FROM md.k WHERE id = 10")" == Utrue

# wharf snapshot: op S and no LSN (it belongs to no stream)
sjob=$(job_file it_metasnap postgres "s3://$WHARF_S3_BUCKET/it/meta" '[table md.late]')
sed -i 's/^\[warehouse\]$/&\nschema = md_snap/' "$sjob"
with_meta "$sjob"
wh -c 'DROP SCHEMA IF EXISTS md_snap CASCADE' 2>/dev/null
check "wharf snapshot with metadata columns" "$WHARF" -q -c "$sjob" snapshot
check "its rows: op S, no LSN, a recent time" test "$(wh -c "SELECT count(*) FROM md_snap.late WHERE _wharf_op = 'S' AND _wharf_lsn IS NULL AND _wharf_synced_at > now() - interval '5 minutes'")" -eq 2

# a table loaded before the job named them: the next snapshot, or sync, adds them
ljob=$(job_file it_metalate postgres "s3://$WHARF_S3_BUCKET/it/meta" '[table md.late]')
check "sync without metadata columns" "$WHARF" -q -c "$ljob" sync
check "no metadata columns yet" test "$(wh -c "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'md' AND table_name = 'late' AND column_name LIKE '\_wharf%'")" -eq 0
with_meta "$ljob"
src -c "UPDATE md.late SET v = 'bb' WHERE id = 2"
"$WHARF" -c "$ljob" sync >/dev/null 2>"$TMP/late.err"
check "the next sync adds them and says so" grep -q "table md.late: adding the metadata columns" "$TMP/late.err"
check "the changed row holds its change's metadata" test "$(wh -c "SELECT _wharf_op || (_wharf_lsn IS NOT NULL)::text FROM md.late WHERE id = 2")" == Utrue
check "the row loaded before holds none" test "$(wh -c "SELECT count(*) FROM md.late WHERE id = 1 AND _wharf_op IS NULL")" -eq 1
check "converged" same_table md.late "(SELECT id, v FROM md.late)"

# a name the source already uses is refused before anything runs
bjob=$(job_file it_metabad postgres "s3://$WHARF_S3_BUCKET/it/meta" '[table md.m]')
sed -i 's/^\[warehouse\]$/[warehouse]\nop_column = v/' "$bjob"
rc=0
"$WHARF" -c "$bjob" snapshot >/dev/null 2>"$TMP/bad.err" || rc=$?
check "a metadata column named like a source column is refused (exit $rc)" \
	grep -q 'column "v" has the name that \[warehouse\] op_column gives a metadata column' "$TMP/bad.err"

for s in wharf_it_meta wharf_it_metalate; do slot_drop $s; done
finish
