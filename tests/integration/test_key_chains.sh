#!/usr/bin/env bash
# Key chains (issue 8): inside one transaction where uniqueness is not
# checked row by row (REPLICA IDENTITY FULL with a key that a DEFERRABLE
# primary key or unique constraint backs), rows pass through each other's
# keys: UPDATE t SET a = a + 1, swaps, a = a * a, a row moved and moved
# again, a key freed and taken in one transaction.  After any such
# sequence the warehouse equals the source.  Each case runs in two shapes:
# a sync after every step, and every step first, then one sync.
. "$(dirname "$0")/lib.sh"

JOBS=()
cleanup() {
	set +e
	export PGOPTIONS='-c client_min_messages=warning'
	for j in "${JOBS[@]}"; do
		slot_drop "wharf_$j"
		src -c "DROP PUBLICATION IF EXISTS wharf_$j, wharf_${j}_ins" >/dev/null
		wh -c "DELETE FROM public.wharf_state WHERE job = '$j'" >/dev/null 2>&1
	done
	unset PGOPTIONS
	set -e
}
trap cleanup EXIT

# The tables of a case, created anew in schema $1 at the source.
setup_sql() {
	cat <<SQL
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS $1 CASCADE;
CREATE SCHEMA $1;
-- a deferrable primary key: identity FULL, key = the primary key
CREATE TABLE $1.pk (a int PRIMARY KEY DEFERRABLE INITIALLY DEFERRED, b text);
ALTER TABLE $1.pk REPLICA IDENTITY FULL;
INSERT INTO $1.pk SELECT g, 'v' || g FROM generate_series(1, 6) g;
-- a deferrable unique constraint and no primary key, with a big value
CREATE TABLE $1.uq (code int NOT NULL, body text, n int,
  CONSTRAINT uq_code UNIQUE (code) DEFERRABLE INITIALLY IMMEDIATE);
ALTER TABLE $1.uq ALTER COLUMN body SET STORAGE EXTERNAL;
ALTER TABLE $1.uq REPLICA IDENTITY FULL;
INSERT INTO $1.uq SELECT g, repeat(md5(g::text), 300), g FROM generate_series(1, 4) g;
-- soft deletes, where a freed key must not stay marked deleted
CREATE TABLE $1.soft (a int PRIMARY KEY DEFERRABLE INITIALLY DEFERRED, b text);
ALTER TABLE $1.soft REPLICA IDENTITY FULL;
INSERT INTO $1.soft VALUES (1, 'one'), (2, 'two'), (3, 'three');
SQL
}

# The steps: each a transaction (or a few) that moves rows across keys.
STEPS=(
	# issue 8's repros: keys 1,2,... shift up; a swap; squares
	"UPDATE S.pk SET a = a + 1;"
	"UPDATE S.pk SET a = 3 - a WHERE a IN (1, 2);"
	"UPDATE S.pk SET a = a * a WHERE a <= 3;"
	# up again, and a swap, inside one transaction
	"BEGIN; UPDATE S.pk SET a = a + 1 WHERE a > 5; UPDATE S.pk SET a = CASE a WHEN 4 THEN 5 WHEN 5 THEN 4 ELSE a END; COMMIT;"
	# a row inserted, moved twice and deleted in one transaction; a key freed and taken
	"BEGIN; INSERT INTO S.pk VALUES (100, 'new'); UPDATE S.pk SET a = 101 WHERE a = 100; UPDATE S.pk SET a = 102 WHERE a = 101; DELETE FROM S.pk WHERE a = 102; DELETE FROM S.pk WHERE a = 4; INSERT INTO S.pk VALUES (4, 'reborn'); COMMIT;"
	# a row moved onto a key whose holder moves away later in the transaction, then moved on
	"BEGIN; UPDATE S.pk SET a = 9 WHERE a = 1; UPDATE S.pk SET a = 50 WHERE a = 9 AND b <> 'v1'; UPDATE S.pk SET b = b || '!' WHERE a = 9; COMMIT;"
	# an update of a non-key column, then the same row's delete, in one transaction
	"BEGIN; UPDATE S.pk SET b = 'doomed' WHERE a = 5; DELETE FROM S.pk WHERE a = 5; COMMIT;"
	# deferrable unique without a primary key; the big value moves with its row
	"BEGIN; SET CONSTRAINTS ALL DEFERRED; UPDATE S.uq SET code = code + 1; UPDATE S.uq SET n = n * 10 WHERE code = 2; COMMIT;"
	"BEGIN; SET CONSTRAINTS ALL DEFERRED; UPDATE S.uq SET code = 6 - code WHERE code IN (2, 4); COMMIT;"
	# soft deletes: a key freed and taken, a row moved away from a key
	"BEGIN; UPDATE S.soft SET a = a + 1; DELETE FROM S.soft WHERE a = 4; COMMIT;"
	"BEGIN; DELETE FROM S.soft WHERE a = 2; UPDATE S.soft SET a = 2 WHERE a = 3; COMMIT;"
	# a truncate between moves
	"BEGIN; UPDATE S.pk SET a = a + 10; TRUNCATE S.pk; INSERT INTO S.pk VALUES (1, 'a'), (2, 'b'); UPDATE S.pk SET a = 3 - a; COMMIT;"
)

same_all() {
	local s=$1
	same_table "$s.pk" "$s.pk" && same_table "$s.uq" "$s.uq" &&
		same_table "$s.soft" "(SELECT a, b FROM $s.soft WHERE NOT _wharf_deleted)"
}

# play SCHEMA SHAPE: shape 1 syncs after every step, shape 2 once at the end
play() {
	local schema=$1 shape=$2 jobname="it_chain_$1" job i rc
	JOBS+=("$jobname")
	cleanup
	src <<<"$(setup_sql "$schema")"
	wh -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
	job=$(job_file "$jobname" postgres "s3://$WHARF_S3_BUCKET/it/chain/$schema" \
		"[table $schema.pk]" "[table $schema.uq]" 'key = code' "[table $schema.soft]" 'deletes = soft')
	check "shape $shape: first sync" "$WHARF" -c "$job" sync -q
	for ((i = 0; i < ${#STEPS[@]}; i++)); do
		src -c "${STEPS[$i]//S./$schema.}"
		if [[ $shape == 1 ]]; then
			rc=0
			"$WHARF" -c "$job" sync -q 2>"$TMP/err.$schema" || rc=$?
			check "shape 1, step $((i + 1)): sync (exit $rc)" test "$rc" -eq 0
			check "shape 1, step $((i + 1)): warehouse equals the source" same_all "$schema"
		fi
	done
	if [[ $shape == 2 ]]; then
		check "shape 2: one sync for every step" "$WHARF" -c "$job" sync -q
		check "shape 2: warehouse equals the source" same_all "$schema"
	fi
}

play chain1 1
play chain2 2

finish
