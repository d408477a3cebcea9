#!/usr/bin/env bash
# The snapshot path end to end against the real services: a table holding
# every common type and hostile values, and a table with hostile names, are
# snapshotted through S3 (behind the signature-checking gate) into the
# Postgres warehouse and compared row by row in SQL; then the source changes
# and a second snapshot must converge again; plan must change nothing.
. "$(dirname "$0")/lib.sh"

src <<'SQL'
DROP SCHEMA IF EXISTS snap CASCADE;
DROP SCHEMA IF EXISTS "Sales Dept" CASCADE;
CREATE SCHEMA snap;
CREATE TYPE snap.mood AS ENUM ('sad', 'ok', 'happy', 'it''s "fine"');
CREATE TYPE snap.pair AS (a int, b text);
CREATE DOMAIN snap.posint AS integer CHECK (VALUE > 0);
CREATE TABLE snap.alltypes (
  id int PRIMARY KEY,
  i2 smallint, i4 integer, i8 bigint,
  n numeric, n12 numeric(12,2), nbig numeric(50,10), nneg numeric(5,-2),
  r real, d double precision, m money,
  b boolean, t text, vc varchar(20), c char(5), nm name,
  dt date, ts timestamp, ts3 timestamp(3), tstz timestamptz, tm time, tmtz timetz, iv interval,
  by bytea, u uuid, j json, jb jsonb, x xml,
  ai int[], at text[], a2 int[][], an numeric(6,2)[],
  ip inet, cd cidr, mac macaddr, mac8 macaddr8,
  e snap.mood, ea snap.mood[], comp snap.pair, dom snap.posint,
  rng int4range, tsr tstzrange, mr int4multirange, bits bit(4), vbits varbit(10)
);
INSERT INTO snap.alltypes VALUES
 (1, -32768, -2147483648, -9223372036854775808,
  'NaN', 12.34, 1234567890123456789012345678901234567890.0123456789, 12300,
  'NaN', 'Infinity', '-12.34',
  true, '', '', '', 'n',
  '0001-01-01', '0001-01-01 00:00:00', '2024-01-01 10:00:00.123', '0001-01-01 00:00:00+00', '00:00', '00:00+14', '-178000000 years',
  '\x00', '00000000-0000-0000-0000-000000000000', '{"a" : 1,  "b":[1,2]}', '{"b":[1,2],"a":1}', '<a>x</a>',
  '{}', '{}', '{{1,2},{3,4}}', '{1.50,NULL}',
  '::1', '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05',
  'sad', '{sad,happy}', '(1,"a,b")', 1,
  'empty', '[2024-01-01,2024-02-01)', '{[1,3),[5,7)}', B'0000', B''),
 (2, 32767, 2147483647, 9223372036854775807,
  '-0.000000000000000000000000000001', -9999999999.99, -0.0000000001, -99900,
  '-Infinity', 'NaN', '0',
  false, 'a,b "quoted" \backslash', 'tab	here', 'x', 'NULL',
  '9999-12-31', '9999-12-31 23:59:59.999999', 'infinity', '9999-12-31 23:59:59.999999+00', '24:00:00', '23:59:59.999999-12', '1 year 2 mons 3 days 04:05:06.789',
  '\x000102ff00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '"\u00e9\n"', '{"k": "line\nbreak", "n": null}', '<doc/>',
  '{1,NULL,3}', '{"a,b","NULL",NULL,"","\\\\N"," sp "}', '{{NULL,2},{3,NULL}}', '{}',
  '2001:db8::ff00:42:8329/128', '2001:db8::/32', 'ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00:00:00',
  'it''s "fine"', '{}', '(,)', 2147483647,
  '[1,10)', '(,)', '{}', B'1111', B'1010101010'),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, 0, 0, 0, 'Infinity', 0, 0, 0, 1.17549435e-38, 2.2250738585072014e-308, 0,
  true, E'line1\nline2\r\nline3\rend', '  lead and trail  ', ' ', '\N',
  '2000-02-29', '1999-12-31 23:59:59', '-infinity', '-infinity', '12:34:56.789', '12:34:56+05:30', '-1 days +02:03:04',
  '\x5c4e', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12', 'null', '[]', '',
  '{-1}', E'{"\\"q\\"","x\\\\y",NULL}', '{{1}}', '{-0.01}',
  '192.168.0.1/24', '192.168.0.0/24', '00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff:ff:ff',
  'happy', '{ok}', '(-1,"")', 5,
  '[-5,5]', '[2024-01-01 00:00:00+00,infinity)', '{[1,2)}', B'0101', B'1'),
 (5, 1, 1, 1, '-Infinity', 1, 1, 1, 3.4028235e38, 1.7976931348623157e308, 1,
  NULL, 'naïve café 日本語 🚀 Ω', 'ünïcödé', 'ñ', 'x',
  '0044-03-15 BC', '0044-03-15 00:00:00 BC', NULL, '2024-06-30 23:59:59.5+14', NULL, NULL, '0',
  '\x', NULL, '{}', '{"emoji": "🚀", "esc": "\"\\/"}', NULL,
  NULL, '{""}', NULL, NULL,
  NULL, NULL, NULL, NULL,
  NULL, '{NULL}', NULL, NULL,
  NULL, NULL, NULL, NULL, NULL);
-- a 1 MB value full of the characters CSV must survive
INSERT INTO snap.alltypes (id, t, by, j)
SELECT 6, string_agg(E'a,"b"\n\\\r\t ', '') , decode(repeat('00ff', 300000), 'hex'), '"big"'
FROM generate_series(1, 110000);
-- plenty of ordinary rows, so parts rotate
INSERT INTO snap.alltypes (id, i4, t, n12, tstz)
SELECT g, g, md5(g::text) || ',"' || g, g / 100.0, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute'
FROM generate_series(100, 20000) g;

CREATE SCHEMA "Sales Dept";
CREATE TABLE "Sales Dept"."Order ""Lines""" (
  "Order Id" int, "select" text, "Mixed Case" int, "naïve" text, "a,b" text, "quo""te" text,
  PRIMARY KEY ("Order Id", "select"));
INSERT INTO "Sales Dept"."Order ""Lines""" VALUES
  (1, 'from', 1, 'é', 'x', 'y'), (1, 'where', 2, NULL, '', '"'), (2, '', 3, 'ü', ',', '''');
SQL

job=$(job_file it_snap postgres "s3://$WHARF_S3_BUCKET/it/snapshot" \
	'[table snap.alltypes]' \
	'[table "Sales Dept"."Order ""Lines"""]')

wh -c 'DROP SCHEMA IF EXISTS snap CASCADE; DROP SCHEMA IF EXISTS "Sales Dept" CASCADE;'

# plan changes nothing: no warehouse schema, no staged object
plan_all=$("$WHARF" -c "$job" plan)
plan_out=$(sed '/^-- a change batch/q' <<<"$plan_all")          # the snapshot's part
plan_batch=$(sed -n '/^-- a change batch/,$p' <<<"$plan_all")   # a sync change batch's
# a refresh of these merge tables with hard deletes replaces their rows
check "plan prints the refresh of snap.alltypes (emptied, then its rows)" \
	test "$(grep -c '^TRUNCATE TABLE "snap"."alltypes"' <<<"$plan_out")" -eq 1
check "plan prints the refresh of the hostile table" \
	test "$(grep -c '^TRUNCATE TABLE "Sales Dept"."Order ""Lines"""' <<<"$plan_out")" -eq 1
check "plan merges no replaced table" \
	test "$(grep -c '^MERGE INTO "snap"."alltypes"\|^MERGE INTO "Sales Dept"' <<<"$plan_out")" -eq 0
check "plan prints a COPY per table, into the table itself" \
	test "$(grep -c '^COPY "snap"."alltypes" \|^COPY "Sales Dept"."Order ""Lines""" ' <<<"$plan_out")" -eq 2
check "plan prints a change batch's MERGE per table" test "$(grep -c '^MERGE INTO "snap"."alltypes"\|^MERGE INTO "Sales Dept"' <<<"$plan_batch")" -eq 2
check "plan prints a change batch's one COPY (its bundle) and its position row" \
	bash -c '[[ $(grep -c "^COPY " <<<"$0") -eq 1 && $(grep -c "^COPY \"wharf_bundle_1\"" <<<"$0") -eq 1 ]] && grep -q "'"'"'position'"'"' AS \"kind\"" <<<"$0"' "$plan_batch"
check "plan marks the schema work and the transaction" \
	bash -c '[[ $(grep -c "^-- schema work" <<<"$0") -eq 2 && $(grep -c "^BEGIN;" <<<"$0") -eq 2 ]]' "$plan_all"
check "plan masks the S3 secret" bash -c '! grep -q "$0" <<<"$1"' "$WHARF_S3_SECRET-never" "$plan_all"
check "plan created no warehouse schema" test "$(wh -c "SELECT count(*) FROM pg_namespace WHERE nspname IN ('snap', 'Sales Dept')")" -eq 0
check "plan staged nothing" test "$(s3_count it/snapshot)" -eq 0
# the folder plan names is the one a load stages in: %-encoded names, below _transient/
plan_folder=$(grep -o "s3://$WHARF_S3_BUCKET/it/snapshot/it_snap/_transient/<load_id>/Sales[^/]*/" <<<"$plan_out" | head -1)
sed "s|it/snapshot|it/stagefolder|" "$job" >"$TMP/stage.ini" && chmod 600 "$TMP/stage.ini"
"$WHARF" --json -c "$TMP/stage.ini" stage >"$TMP/stage.json" 2>/dev/null
staged_folder=$(python3 -c '
import json, sys
t = {x["table"]: x for x in json.load(open(sys.argv[1]))["tables"]}
print(t["\"Sales Dept\".\"Order \"\"Lines\"\"\""]["manifest"].rsplit("/", 2)[-2])' "$TMP/stage.json")
check "plan's stage folder is the writer's ($staged_folder)" \
	test "${plan_folder##*/<load_id>/}" = "$staged_folder/"

# first snapshot
check "snapshot exits 0" "$WHARF" -c "$job" snapshot
check "every type and hostile value round-trips" same_table snap.alltypes snap.alltypes
check "hostile names round-trip" same_table '"Sales Dept"."Order ""Lines"""' '"Sales Dept"."Order ""Lines"""'
check "row counts match" test "$(wh -c 'SELECT count(*) FROM snap.alltypes')" -eq "$(src -c 'SELECT count(*) FROM snap.alltypes')"
check "enum lands as text" test "$(wh -c "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'snap.alltypes'::regclass AND attname = 'e'")" = text
check "numeric(12,2) keeps its type" test "$(wh -c "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'snap.alltypes'::regclass AND attname = 'n12'")" = "numeric(12,2)"
check "staged objects removed after commit" test "$(s3_count it/snapshot)" -eq 0
check "state table records the load" test "$(wh -c "SELECT rows FROM public.wharf_state WHERE job = 'it_snap' AND source_table = 'snap.alltypes'")" -eq "$(src -c 'SELECT count(*) FROM snap.alltypes')"

# the source changes: updates, deletes, inserts; a refresh converges
src <<'SQL'
UPDATE snap.alltypes SET t = 'changed', n12 = -1 WHERE id % 3 = 0;
DELETE FROM snap.alltypes WHERE id % 5 = 0 OR id = 2;
INSERT INTO snap.alltypes (id, t) SELECT g, 'new ' || g FROM generate_series(30000, 30100) g;
DELETE FROM "Sales Dept"."Order ""Lines""" WHERE "select" = 'from';
SQL
check "second snapshot exits 0" "$WHARF" -c "$job" snapshot
check "refresh applies updates, deletes and inserts" same_table snap.alltypes snap.alltypes
check "refresh removes rows gone from the source" same_table '"Sales Dept"."Order ""Lines"""' '"Sales Dept"."Order ""Lines"""'

# status reads the state back
status_out=$("$WHARF" -c "$job" status)
check "status lists both tables" test "$(grep -cE ' snapshot +[0-9]' <<<"$status_out")" -eq 2
json=$("$WHARF" -c "$job" --json status)
check "status --json is one object" python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert len(d["tables"]) == 2' "$json"

# a file:// stage with keep = true leaves parts and a manifest behind
kept="$WHARF_FILES_DIR/test_snapshot-kept"   # the warehouse server reads these parts itself
rm -rf "$kept"
sed -e "s#^url = .*#url = file://$kept#" -e 's/^part_size = .*/part_size = 64kB\nkeep = true/' "$job" >"$TMP/keep.ini"
chmod 600 "$TMP/keep.ini"
check "snapshot through a file:// stage" "$WHARF" -c "$TMP/keep.ini" snapshot
check "file stage converges too" same_table snap.alltypes snap.alltypes
check "keep = true keeps the manifest" test "$(find "$kept" -name manifest.json | wc -l)" -eq 2
check "parts rotated at part_size" test "$(find "$kept" -name 'part-*.csv.gz' | wc -l)" -gt 3
check "no temporary files left" test "$(find "$kept" -name '.*' -type f | wc -l)" -eq 0

finish
