#!/usr/bin/env bash
# One staged object and one COPY for a batch's small segments (load.h
# bundles), checked end to end: tables of different shapes changed in one
# transaction land through one COPY; a table with more changes than a
# bundle holds gets its own in the same batch; tables whose columns pass a
# bundle's limit take two bundles; a truncate, a cancelled addition (FULL
# identity), an unchanged TOAST value and a dropped column ride in bundles;
# a kill between upload and commit converges.  Each ends identical.
. "$(dirname "$0")/lib.sh"

JOB=bundles
cleanup() {
	set +e
	export PGOPTIONS='-c client_min_messages=warning'
	src -c "SELECT pg_drop_replication_slot('wharf_$JOB') FROM pg_replication_slots WHERE slot_name = 'wharf_$JOB' AND NOT active" >/dev/null
	src -c "DROP PUBLICATION IF EXISTS wharf_$JOB, wharf_${JOB}_ins" >/dev/null
	wh -c "DELETE FROM public.wharf_state WHERE job = '$JOB'" >/dev/null 2>&1
	src -c "DROP SCHEMA IF EXISTS bnd CASCADE" >/dev/null
	wh -c "DROP SCHEMA IF EXISTS bnd CASCADE" >/dev/null 2>&1
	unset PGOPTIONS
}
trap cleanup EXIT
cleanup

# wide tables: 400 columns each, so three of them need two bundles
wide_cols=$(python3 -c 'print(", ".join("c%d int" % i for i in range(1, 401)))')
src <<SQL
SET client_min_messages = warning;
CREATE SCHEMA bnd;
CREATE TABLE bnd.a (id int PRIMARY KEY, name text, amount numeric(12,2));
CREATE TABLE bnd.b (k1 int, k2 text, at timestamptz, tags text[], doc jsonb, PRIMARY KEY (k1, k2));
CREATE TABLE bnd.c (id bigint PRIMARY KEY, body text, n int);
ALTER TABLE bnd.c ALTER COLUMN body SET STORAGE EXTERNAL;
CREATE TABLE bnd.full_id (id int PRIMARY KEY, v text);
ALTER TABLE bnd.full_id REPLICA IDENTITY FULL;
CREATE TABLE bnd.big (id int PRIMARY KEY, v text);
CREATE TABLE bnd.gone (id int PRIMARY KEY, keep text, drop_me text);
CREATE TABLE bnd.w1 (id int PRIMARY KEY, $wide_cols);
CREATE TABLE bnd.w2 (id int PRIMARY KEY, $wide_cols);
CREATE TABLE bnd.w3 (id int PRIMARY KEY, $wide_cols);
INSERT INTO bnd.a SELECT g, 'a' || g, g FROM generate_series(1, 20) g;
INSERT INTO bnd.b SELECT g, 'k' || g, '2024-01-01'::timestamptz + g * interval '1 hour', ARRAY['x', 'y,z'], jsonb_build_object('n', g) FROM generate_series(1, 20) g;
INSERT INTO bnd.c SELECT g, repeat(md5(g::text), 400), g FROM generate_series(1, 5) g;
INSERT INTO bnd.full_id SELECT g, 'v' || g FROM generate_series(1, 5) g;
INSERT INTO bnd.big SELECT g, 'v' || g FROM generate_series(1, 10) g;
INSERT INTO bnd.gone SELECT g, 'k' || g, 'd' || g FROM generate_series(1, 5) g;
INSERT INTO bnd.w1 (id, c1, c400) VALUES (1, 1, 400);
INSERT INTO bnd.w2 (id, c1, c400) VALUES (1, 1, 400);
INSERT INTO bnd.w3 (id, c1, c400) VALUES (1, 1, 400);
SQL
TABLES=(a b c full_id big gone w1 w2 w3)
sections=()
for t in "${TABLES[@]}"; do sections+=("[table bnd.$t]"); done
job=$(job_file "$JOB" postgres "s3://$WHARF_S3_BUCKET/$JOB" "${sections[@]}")

sync() { "$WHARF" -v -v -c "$job" sync >"$TMP/sync.out" 2>"$TMP/sync.err"; }
same_all() {
	local t
	for t in "${TABLES[@]}"; do same_table "bnd.$t" "bnd.$t" || { echo "# bnd.$t differs" >&2; return 1; }; done
}
# statements of the last run that start with $1
ran() { grep -c "trace: warehouse: $1" "$TMP/sync.err" || true; }

check "first sync loads every table" sync
check "... identical" same_all

# one transaction: a few changes in each small table
src <<'SQL'
BEGIN;
UPDATE bnd.a SET amount = amount * 2 WHERE id <= 3;
DELETE FROM bnd.a WHERE id = 20;
INSERT INTO bnd.a VALUES (21, 'it''s, "quoted"', NULL);
UPDATE bnd.b SET doc = doc || '{"m": [1, 2]}', tags = NULL WHERE k1 = 2;
INSERT INTO bnd.b VALUES (30, 'new', NULL, ARRAY[]::text[], 'null');
UPDATE bnd.c SET n = n + 100 WHERE id = 2;
INSERT INTO bnd.full_id VALUES (100, 'brief');
DELETE FROM bnd.full_id WHERE id = 100;
UPDATE bnd.full_id SET v = 'changed' WHERE id = 1;
UPDATE bnd.w1 SET c200 = 200 WHERE id = 1;
COMMIT;
SQL
check "a batch of small segments syncs" sync
check "... identical" same_all
check "... through one bundle: one COPY, no staging table of a segment" \
	test "$(ran 'COPY "wharf_bundle_1"')" = 1 -a "$(ran 'COPY "wharf_staging')" = 0 -a "$(ran 'COPY "wharf_bundle_2"')" = 0
check "... and no truncate statement for a batch without one" test "$(ran 'DELETE FROM "bnd"')" = 0
check "... the state rows in one statement" test "$(ran 'MERGE INTO "public"."wharf_state"')" = 1

# a segment that outgrows its bundle gets its own, in the same batch; a truncate in a bundle
src <<'SQL'
BEGIN;
INSERT INTO bnd.big SELECT g, repeat('x', g % 50) FROM generate_series(11, 3000) g;
UPDATE bnd.a SET name = 'after big' WHERE id = 1;
TRUNCATE bnd.gone;
INSERT INTO bnd.gone VALUES (1, 'reborn', 'r');
COMMIT;
SQL
check "a batch with one large segment syncs" sync
check "... identical" same_all
check "... the large one through its own staging table, the rest bundled" \
	test "$(ran 'COPY "wharf_staging')" = 1 -a "$(ran 'COPY "wharf_bundle_1"')" = 1
check "... the truncate applied" test "$(wh -c 'SELECT count(*) FROM bnd.gone')" = 1

# wider than one bundle holds: three 401-column tables take two bundles
src -c "BEGIN; UPDATE bnd.w1 SET c2 = 2; UPDATE bnd.w2 SET c3 = 3; UPDATE bnd.w3 SET c4 = 4; UPDATE bnd.a SET amount = 7 WHERE id = 2; COMMIT;"
check "a batch wider than one bundle syncs" sync
check "... identical" same_all
check "... through two bundles" test "$(ran 'COPY "wharf_bundle_2"')" = 1 -a "$(ran 'COPY "wharf_bundle_3"')" = 0

# a column dropped between changes, and an unchanged TOAST value, in one batch
src -c "UPDATE bnd.gone SET keep = 'before drop'" \
	-c "ALTER TABLE bnd.gone DROP COLUMN drop_me" \
	-c "INSERT INTO bnd.gone VALUES (2, 'after drop')" \
	-c "UPDATE bnd.c SET n = -1 WHERE id = 3"
check "a batch across a dropped column syncs" sync
check "... identical (the dropped column cleared in changed rows)" \
	same_table "bnd.gone" "(SELECT id, keep FROM bnd.gone)"
check "... the unchanged TOAST value kept" same_table "bnd.c" "bnd.c"
TABLES=(a b c full_id big w1 w2 w3)

# killed after the bundle's upload, then after its COPY: the next run converges
src -c "BEGIN; UPDATE bnd.a SET amount = amount + 1; UPDATE bnd.b SET at = now(); UPDATE bnd.full_id SET v = v || '+'; COMMIT;"
for point in after-upload mid-copy; do
	(WHARF_FAIL_AT=$point exec "$WHARF" -c "$job" sync) >/dev/null 2>&1 || true
done
check "killed after the upload and in the COPY, the next sync converges" sync
check "... identical" same_all

finish
