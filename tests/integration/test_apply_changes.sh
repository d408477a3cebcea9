#!/usr/bin/env bash
# The Postgres dialect's change-batch statements (LOAD_CHANGES) on the real
# warehouse Postgres, without the rest of wharf: sink_sql_dump prints the
# staging table and apply statements for a table shape; each batch creates
# the staging table, fills it with hand-written change rows (in a shuffled
# order: only (lsn, seq) may count) and applies them in one transaction.
# Also the schema changes: add_column with and without a value for the
# existing rows, and widen_column.
. "$(dirname "$0")/lib.sh"

DUMP=${SINK_SQL_DUMP:?path of the sink_sql_dump helper}

ITEMS=(ac.items id:bigint:key v:text n:integer note:text)
SOFT=(ac.soft id:integer:key v:text)
EVENTS=(ac.events at:integer kind:text)
PAIRS=(ac.pairs a:integer:key b:text:key v:text)
# The same shape through the Redshift dialect's statements (a temporary table,
# then DELETE and INSERT), which Postgres runs too for these plain types.
ITEMS_RS=(--dialect redshift ac.items_rs id:bigint:key v:text n:integer note:text)

# batch STAGING_ROWS DUMP_ARGS...: one batch of changes in its own transaction.
# STAGING_ROWS are VALUES rows: (lsn, seq, op, unchanged, the table's columns).
batch_sql() {
	local rows=$1 staging=$2
	shift 2
	"$DUMP" --staging "$staging" --what staging "$@"
	printf 'INSERT INTO %s VALUES\n%s;\n' "$staging" "$rows"
	"$DUMP" --staging "$staging" "$@"
}
batch() {
	local rows=$1
	shift
	{
		echo 'BEGIN;'
		batch_sql "$rows" wharf_staging_1 "$@"
		echo 'COMMIT;'
	} | wh
}
# The rows of a table as id|value|... lines, NULL and '' told apart.
rows() { wh -c "SELECT $2 FROM $1 ORDER BY 1"; }
same() { # same "description" ACTUAL EXPECTED
	if [[ $2 == "$3" ]]; then ok "$1"; else
		not_ok "$1"
		printf '  got:\n%s\n  want:\n%s\n' "$2" "$3"
	fi
}

wh <<'SQL'
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS ac CASCADE;
CREATE SCHEMA ac;
SQL
"$DUMP" --what create "${ITEMS[@]}" | wh
"$DUMP" --what create "${PAIRS[@]}" | wh
"$DUMP" --what create "${ITEMS_RS[@]}" | wh
"$DUMP" --what create --soft "${SOFT[@]}" | wh
"$DUMP" --what create --append "${EVENTS[@]}" | wh

wh <<'SQL'
INSERT INTO ac.items VALUES
 (1, 'one', 1, 'n1'), (2, 'two', 2, 'n2'), (3, 'three', 3, 'n3'),
 (4, 'four', 4, 'n4'), (5, 'five', 5, 'n5'), (6, 'six', 6, 'n6');
INSERT INTO ac.items_rs SELECT * FROM ac.items;
INSERT INTO ac.soft (id, v) VALUES (1, 'a'), (2, 'b'), (3, 'c');
INSERT INTO ac.events VALUES (0, 'old');
INSERT INTO ac.pairs VALUES (1, 'x', 'v1'), (1, 'y', 'v2');
SQL

# --- merge, hard deletes: one batch, staged out of order ---
batch1="
 (100, 3, 'U', NULL, 1, '1c', 1, 'n1'),
 (10, 40, 'U', NULL, 2, '2-early-lsn-high-seq', 2, 'n2'),
 (100, 1, 'U', NULL, 1, '1a', 1, 'n1'),
 (20, 5, 'U', NULL, 2, '2-late-lsn', 2, 'n2'),
 (99, 9, 'U', NULL, 1, '1z', 1, 'n1'),
 (100, 2, 'U', NULL, 1, '1b', 1, 'n1'),
 (30, 2, 'U', ',2,', 10, NULL, 11, 'n10'),
 (30, 1, 'I', NULL, 10, 'big', 10, 'n10'),
 (31, 1, 'U', ',2,', 3, NULL, 33, 'n3'),
 (32, 2, 'U', ',2,4,', 4, NULL, 44, NULL),
 (32, 1, 'U', NULL, 4, '4new', 40, 'n4new'),
 (33, 1, 'D', NULL, 5, NULL, NULL, NULL),
 (33, 2, 'I', NULL, 5, '5again', 55, NULL),
 (34, 1, 'D', NULL, 6, NULL, NULL, NULL),
 (35, 1, 'D', NULL, 77, NULL, NULL, NULL),
 (36, 1, 'U', ',2,', 8, NULL, 8, 'n8'),
 (37, 1, 'I', NULL, 11, '', 11, NULL),
 (37, 2, 'I', NULL, 12, NULL, 12, ''),
 (38, 3, 'U', ',2,', 13, NULL, 13, 'n13'),
 (38, 1, 'I', NULL, 13, 'x', 13, 'n13'),
 (38, 2, 'U', NULL, 13, NULL, 13, 'n13'),
 (39, 1, 'U', NULL, 15, 'p', 1, 'n15'),
 (39, 2, 'D', NULL, 15, NULL, NULL, NULL),
 (39, 3, 'U', ',2,', 15, NULL, 2, 'n15')"
batch "$batch1" "${ITEMS[@]}"
batch "$batch1" "${ITEMS_RS[@]}"

cols="id, format('%L|%L|%L', v, n, note)"
item() { wh -c "SELECT format('%L|%L|%L', v, n, note) FROM ac.items WHERE id = $1"; }
same "latest by (lsn, seq) wins, whatever the staging order" "$(item 1)" "'1c'|'1'|'n1'"
same "lsn orders before seq" "$(item 2)" "'2-late-lsn'|'2'|'n2'"
same "insert then update with v unchanged keeps the inserted v" "$(item 10)" "'big'|'11'|'n10'"
same "update with v unchanged alone keeps the target's v" "$(item 3)" "'three'|'33'|'n3'"
same "update then update with v and note unchanged takes the first update's values" "$(item 4)" "'4new'|'44'|'n4new'"
same "delete then re-insert of a key" "$(item 5)" "'5again'|'55'|NULL"
same "delete removes the row" "$(wh -c 'SELECT count(*) FROM ac.items WHERE id = 6')" 0
same "delete of a key the target lacks does nothing" "$(wh -c 'SELECT count(*) FROM ac.items WHERE id = 77')" 0
same "update of a missing key with v unchanged inserts v NULL" "$(item 8)" "NULL|'8'|'n8'"
same "'' stays '' and NULL stays NULL" "$(item 11) $(item 12)" "''|'11'|NULL NULL|'12'|''"
same "a NULL carried by an update is a value, not unchanged" "$(item 13)" "NULL|'13'|'n13'"
same "a delete never provides a value" "$(item 15)" "'p'|'2'|'n15'"
same "row count" "$(wh -c 'SELECT count(*) FROM ac.items')" 11
same "the Redshift statements agree" "$(rows ac.items_rs "$cols")" "$(rows ac.items "$cols")"

# --- a truncate in the middle of a batch: before it dropped, after it applied ---
batch2="
 (302, 1, 'U', ',2,', 22, NULL, 5, NULL),
 (300, 2, 'T', NULL, NULL, NULL, NULL, NULL),
 (250, 1, 'T', NULL, NULL, NULL, NULL, NULL),
 (300, 1, 'U', NULL, 1, 'before-truncate', 1, NULL),
 (300, 3, 'I', NULL, 20, 'after', 20, NULL),
 (299, 1, 'I', NULL, 21, 'dropped', 21, NULL),
 (299, 2, 'I', NULL, 22, 'pre', 22, NULL),
 (301, 1, 'I', NULL, 1, '1-after', 1, NULL)"
batch "$batch2" "${ITEMS[@]}"
batch "$batch2" "${ITEMS_RS[@]}"
same "a truncate empties the table, later changes apply" "$(rows ac.items "$cols")" "1|'1-after'|'1'|NULL
20|'after'|'20'|NULL
22|NULL|'5'|NULL"
same "the Redshift statements agree after a truncate" "$(rows ac.items_rs "$cols")" "$(rows ac.items "$cols")"

# --- key changes ('K'): unchanged values from the old key, in the batch or the target ---
batch3="
 (703, 1, 'U', ',2,', 101, NULL, 3, 'after-k'),
 (700, 2, 'K', ',2,', 120, NULL, 21, 'm'),
 (702, 4, 'K', ',2,', 22, NULL, 31, 't31'),
 (701, 3, 'K', ',2,4,', 101, NULL, 2, NULL),
 (700, 1, 'D', NULL, 50, NULL, NULL, NULL),
 (702, 1, 'D', NULL, 22, NULL, NULL, NULL),
 (701, 2, 'D', NULL, 1, NULL, NULL, NULL),
 (702, 3, 'D', NULL, 30, NULL, NULL, NULL),
 (701, 1, 'U', NULL, 1, '1-latest', 1, 'nn'),
 (702, 2, 'I', NULL, 30, 'thirty', 30, 't30')"
wh -c "INSERT INTO ac.items VALUES (50, 'fifty', 50, 'n50')" -c "INSERT INTO ac.items_rs VALUES (50, 'fifty', 50, 'n50')"
batch "$batch3" --moved "${ITEMS[@]}"
batch "$batch3" --moved "${ITEMS_RS[@]}"
same "key changes take unchanged values from the old key: the target's, the batch's, never the new key's" \
	"$(rows ac.items "$cols")" "20|'after'|'20'|NULL
22|'thirty'|'31'|'t31'
101|'1-latest'|'3'|'after-k'
120|'fifty'|'21'|'m'"
same "the Redshift statements agree on key changes" "$(rows ac.items_rs "$cols")" "$(rows ac.items "$cols")"

# --- soft deletes ---
batch "
 (10, 2, 'U', NULL, 2, 'b2'),
 (10, 1, 'D', NULL, 1, NULL),
 (10, 3, 'D', NULL, 9, NULL)" --soft "${SOFT[@]}"
soft_rows() { rows ac.soft "id, format('%L|%s|%s', v, _wharf_deleted, _wharf_deleted_at IS NOT NULL)"; }
same "a delete marks the row, keeping its values" "$(soft_rows)" "1|'a'|t|t
2|'b2'|f|f
3|'c'|f|f"
batch "(11, 1, 'I', NULL, 1, 'a-again')" --soft "${SOFT[@]}"
same "a re-insert unmarks the row" "$(soft_rows)" "1|'a-again'|f|f
2|'b2'|f|f
3|'c'|f|f"
batch "
 (12, 3, 'U', ',2,', 2, NULL),
 (12, 2, 'I', NULL, 4, 'd'),
 (12, 1, 'T', NULL, NULL, NULL)" --soft "${SOFT[@]}"
same "a truncate marks every row; later changes unmark theirs" "$(soft_rows)" "1|'a-again'|t|t
2|'b2'|f|f
3|'c'|t|t
4|'d'|f|f"

# --- append: inserts only, in (lsn, seq) order; no update, delete or truncate ---
batch "
 (5, 2, 'I', NULL, 2, 'second'),
 (5, 3, 'U', NULL, 0, 'ignored'),
 (5, 4, 'D', NULL, 0, NULL),
 (5, 5, 'T', NULL, NULL, NULL),
 (5, 1, 'I', NULL, 1, 'first'),
 (6, 1, 'I', NULL, 3, '')" --append "${EVENTS[@]}"
same "append inserts the inserts in batch order" \
	"$(wh -c "SELECT at, format('%L', kind) FROM ac.events ORDER BY ctid")" "0|'old'
1|'first'
2|'second'
3|''"

# --- two tables, a two-column key, one transaction ---
{
	echo 'BEGIN;'
	batch_sql "
 (40, 2, 'D', NULL, 1, 'y', NULL),
 (40, 1, 'U', NULL, 1, 'x', 'new'),
 (40, 3, 'I', NULL, 2, 'x', 'v3'),
 (40, 5, 'U', ',3,', 1, 'z', NULL),
 (40, 4, 'I', NULL, 1, 'z', 'z')" wharf_staging_2 "${PAIRS[@]}"
	batch_sql "(400, 1, 'U', ',3,', 20, 'both', NULL, 'n')" wharf_staging_1 "${ITEMS[@]}"
	echo 'COMMIT;'
} | wh
same "a two-column key" "$(rows ac.pairs "a, b, format('%L', v)")" "1|x|'new'
1|z|'z'
2|x|'v3'"
same "two tables' batches share a transaction" "$(item 20)" "'both'|'20'|'n'"

# --- a failing batch leaves nothing behind ---
before=$(rows ac.items "$cols")
if batch "(500, 1, 'I', NULL, 1, 'dup', 1, NULL), (500, 1, 'I', NULL, NULL, 'no key', 1, NULL)" \
	"${ITEMS[@]}" 2>/dev/null; then
	not_ok "a NULL key fails the batch"
else
	ok "a NULL key fails the batch"
fi
same "a failed batch changes nothing" "$(rows ac.items "$cols")" "$before"

# --- schema changes ---
"$DUMP" --what add-column "${ITEMS[@]}" 'tag:character varying(5)' | wh
"$DUMP" --what add-column --default "it's \\ 1.5" "${ITEMS[@]}" 'label:text' | wh
"$DUMP" --what add-column --default 42.50 "${ITEMS[@]}" 'price:numeric(6,2)' | wh
if "$DUMP" --what add-column --default 1 "${ITEMS[@]}" 'price:numeric(6,2)' | wh 2>/dev/null; then
	ok "adding a column again is harmless"
else
	not_ok "adding a column again is harmless"
fi
same "existing rows get the value; without one, NULL" \
	"$(wh -c "SELECT DISTINCT format('%L|%L', tag, price) FROM ac.items")" "NULL|'42.50'"
same "the value keeps its quote and backslash" "$(wh -c "SELECT DISTINCT label FROM ac.items")" "it's \\ 1.5"
same "the added columns keep no default" \
	"$(wh -c "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'ac' AND table_name = 'items' AND column_default IS NOT NULL")" 0
ITEMS+=('tag:character varying(5)' label:text 'price:numeric(6,2)')
batch "(600, 1, 'I', NULL, 30, 'v', 30, NULL, 'abc', NULL, 1.25)" "${ITEMS[@]}"
same "a batch fills the added columns" \
	"$(wh -c "SELECT format('%L|%L|%L', tag, label, price) FROM ac.items WHERE id = 30")" "'abc'|NULL|'1.25'"
"$DUMP" --what widen "${ITEMS[@]:0:5}" 'tag:character varying(50)' | wh
"$DUMP" --what widen "${ITEMS[@]:0:7}" 'price:numeric(12,2)' | wh
same "widened types" \
	"$(wh -c "SELECT string_agg(format_type(atttypid, atttypmod), ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'ac.items'::regclass AND attname IN ('tag', 'price')")" \
	"character varying(50),numeric(12,2)"
same "widening keeps the values" "$(wh -c "SELECT format('%L|%L', tag, price) FROM ac.items WHERE id = 30")" "'abc'|'1.25'"
"$DUMP" --what add-column --default 7 --soft "${SOFT[@]}" n:integer | wh
same "a soft-delete table takes an added column like any other" \
	"$(rows ac.soft "id, n, _wharf_deleted")" "1|7|t
2|7|f
3|7|t
4|7|f"

finish
