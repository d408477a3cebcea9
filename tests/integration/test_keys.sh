#!/usr/bin/env bash
# Keys, replica identities and generated columns: what a table's indexes
# allow.  Included (INCLUDE) columns of a primary key are not key columns; a
# merge table whose replica identity is nothing (a deferrable primary key,
# REPLICA IDENTITY NOTHING, DEFAULT without a primary key, USING INDEX on an
# index that is gone) is refused before anything is created, so publishing
# it can never make the source's own UPDATE fail; a "key = ..." that no
# unique index backs is refused up front (one only a deferrable index backs
# is fine: test_key_chains.sh); generated columns (which pgoutput
# does not publish) are left out of the warehouse by snapshot and CDC alike,
# with a warning naming each.
. "$(dirname "$0")/lib.sh"

drop_job() { # drop_job JOB: its slot, publications and state rows
	src -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'wharf_$1' AND NOT active" >/dev/null
	src -c "DROP PUBLICATION IF EXISTS wharf_$1, wharf_$1_ins" >/dev/null
	wh -c "DELETE FROM public.wharf_state WHERE job = '$1'" >/dev/null 2>&1
}
cleanup() {
	set +e
	export PGOPTIONS='-c client_min_messages=warning'
	for j in it_keys it_keys_snap it_keys_r; do drop_job "$j"; done
	wh -c 'DROP SCHEMA IF EXISTS keys CASCADE; DROP SCHEMA IF EXISTS keysnap CASCADE; DROP SCHEMA IF EXISTS keysr CASCADE' >/dev/null
	unset PGOPTIONS
	set -e
}
# puts back what a refused case that was not refused made
restore_r() {
	export PGOPTIONS='-c client_min_messages=warning'
	drop_job it_keys_r
	wh -c 'DROP SCHEMA IF EXISTS keysr CASCADE' >/dev/null
	unset PGOPTIONS
}
cleanup
trap cleanup EXIT

src <<'SQL'
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS keys CASCADE;
CREATE SCHEMA keys;
-- a covering primary key: b is carried in the index, but is no key column
CREATE TABLE keys.covering (a int, b int, v text, PRIMARY KEY (a) INCLUDE (b));
INSERT INTO keys.covering VALUES (1, 10, 'one'), (2, 20, 'two');
-- replica identities that are nothing
CREATE TABLE keys.deferred_pk (id int PRIMARY KEY DEFERRABLE, v text);
INSERT INTO keys.deferred_pk VALUES (1, 'one');
CREATE TABLE keys.deferred_uq (code text NOT NULL, v text,
  CONSTRAINT deferred_uq_code UNIQUE (code) DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE keys.deferred_uq_full (code text NOT NULL, v text, UNIQUE (code) DEFERRABLE);
ALTER TABLE keys.deferred_uq_full REPLICA IDENTITY FULL;
CREATE TABLE keys.ident_nothing (id int PRIMARY KEY, v text);
ALTER TABLE keys.ident_nothing REPLICA IDENTITY NOTHING;
CREATE TABLE keys.ident_gone (id int NOT NULL, v text);
CREATE UNIQUE INDEX ident_gone_id ON keys.ident_gone (id);
ALTER TABLE keys.ident_gone REPLICA IDENTITY USING INDEX ident_gone_id;
DROP INDEX keys.ident_gone_id;
CREATE UNIQUE INDEX ident_gone_id2 ON keys.ident_gone (id);
-- the fixes: REPLICA IDENTITY FULL, an immediate unique index as identity, append
CREATE TABLE keys.deferred_full (id int PRIMARY KEY DEFERRABLE, code text NOT NULL UNIQUE, v text);
ALTER TABLE keys.deferred_full REPLICA IDENTITY FULL;
INSERT INTO keys.deferred_full SELECT g, 'c' || g, 'v' || g FROM generate_series(1, 5) g;
CREATE TABLE keys.deferred_ident (id int PRIMARY KEY DEFERRABLE, code text NOT NULL, v text);
CREATE UNIQUE INDEX deferred_ident_code ON keys.deferred_ident (code);
ALTER TABLE keys.deferred_ident REPLICA IDENTITY USING INDEX deferred_ident_code;
INSERT INTO keys.deferred_ident VALUES (1, 'c1', 'one'), (2, 'c2', 'two');
CREATE TABLE keys.deferred_append (id int PRIMARY KEY DEFERRABLE, v text);
INSERT INTO keys.deferred_append VALUES (1, 'one');
-- keys that no unique index backs
CREATE TABLE keys.dups (a int NOT NULL, b int NOT NULL, v text);
ALTER TABLE keys.dups REPLICA IDENTITY FULL;
INSERT INTO keys.dups SELECT g % 10, g, 'v' || g FROM generate_series(1, 20) g;
CREATE TABLE keys.partial (a int NOT NULL, v text);
CREATE UNIQUE INDEX partial_a ON keys.partial (a) WHERE a > 0;
ALTER TABLE keys.partial REPLICA IDENTITY FULL;
CREATE TABLE keys.included (a int NOT NULL, b int NOT NULL, v text, UNIQUE (a) INCLUDE (b));
ALTER TABLE keys.included REPLICA IDENTITY FULL;
CREATE TABLE keys.expr (a text NOT NULL, v text);
CREATE UNIQUE INDEX expr_lower_a ON keys.expr (lower(a));
ALTER TABLE keys.expr REPLICA IDENTITY FULL;
-- a unique index on part of the key makes the whole key unique
CREATE TABLE keys.subset (a int NOT NULL, b int NOT NULL, v text, UNIQUE (a));
ALTER TABLE keys.subset REPLICA IDENTITY FULL;
INSERT INTO keys.subset VALUES (1, 1, 'one'), (2, 2, 'two');
-- generated columns
CREATE TABLE keys.gen (id int PRIMARY KEY, x int, twice int GENERATED ALWAYS AS (x * 2) STORED, v text);
INSERT INTO keys.gen (id, x, v) VALUES (1, 1, 'one'), (2, 2, 'two');
CREATE TABLE keys.gen_pk (x int NOT NULL, g int GENERATED ALWAYS AS (x + 1) STORED PRIMARY KEY);
SQL

# ---------------------------------------------------------------------------
# Refused up front: check, snapshot and sync exit 1 with one error line
# naming the table, and nothing is created (no warehouse schema, slot,
# publication or staged object).
# ---------------------------------------------------------------------------
nothing_made() {
	[[ $(wh -c "SELECT count(*) FROM pg_namespace WHERE nspname = 'keysr'") -eq 0 &&
	   $(src -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'wharf_it_keys_r'") -eq 0 &&
	   $(src -c "SELECT count(*) FROM pg_publication WHERE pubname LIKE 'wharf\_it\_keys\_r%'") -eq 0 &&
	   $(s3_count it/keys/r) -eq 0 ]]
}
# refused NAME PATTERN COMMANDS TABLE-SECTION-LINES...
refused() {
	local name=$1 pattern=$2 cmds=$3
	shift 3
	local jobf err="$TMP/refused.err" rc lines why
	jobf=$(job_file it_keys_r postgres "s3://$WHARF_S3_BUCKET/it/keys/r" 'schema = keysr' "$@")
	for cmd in $cmds; do
		nothing_made || restore_r
		rc=0
		why=
		"$WHARF" -c "$jobf" "$cmd" >/dev/null 2>"$err" || rc=$?
		lines=$(wharf_msgs "$err" | grep -c '^wharf: error' || true)
		if [[ $rc -ne 1 ]]; then
			why="exit $rc, expected 1"
		elif [[ $lines -ne 1 ]]; then
			why="$lines error lines, expected one"
		elif ! wharf_msgs "$err" | grep '^wharf: error' | grep -qE -- "$pattern"; then
			why="the error does not match $pattern"
		elif ! nothing_made; then
			why="something was created"
		fi
		if [[ -n $why ]]; then
			not_ok "$name ($cmd): $why: $(wharf_msgs "$err" | grep -v '^wharf: info' | head -c 600)"
		else
			ok "$name ($cmd): $(wharf_msgs "$err" | grep '^wharf: error' | sed 's/^wharf: error: //' | head -c 200)"
		fi
	done
}
ALL='check snapshot sync'
FIXES='REPLICA IDENTITY FULL.*USING INDEX.*mode = append'

refused "deferrable primary key" "keys\.deferred_pk.*deferrable.*$FIXES" "$ALL" '[table keys.deferred_pk]'
check "the source's own UPDATE of that table still works" src -c "UPDATE keys.deferred_pk SET v = 'updated'"
nothing_made || restore_r
refused "deferrable unique constraint, no primary key" "keys\.deferred_uq.*$FIXES" "$ALL" \
	'[table keys.deferred_uq]' 'key = code'
refused "REPLICA IDENTITY NOTHING" "keys\.ident_nothing.*NOTHING.*$FIXES" "$ALL" '[table keys.ident_nothing]'
refused "REPLICA IDENTITY USING INDEX on a dropped index" "keys\.ident_gone.*$FIXES" "$ALL" \
	'[table keys.ident_gone]' 'key = id'
refused "an included column in the key" 'keys\.covering.*"b".*replica identity' "$ALL" \
	'[table keys.covering]' 'key = a, b'
refused "a key no unique index backs" 'keys\.dups.*key \("a"\).*unique index.*mode = append' "$ALL" \
	'[table keys.dups]' 'key = a'
refused "a key only a partial unique index backs" 'keys\.partial.*key \("a"\).*unique index' "$ALL" \
	'[table keys.partial]' 'key = a'
refused "a key that is only an included column" 'keys\.included.*key \("b"\).*unique index' "$ALL" \
	'[table keys.included]' 'key = b'
refused "a key only an expression index backs" 'keys\.expr.*key \("a"\).*unique index' "$ALL" \
	'[table keys.expr]' 'key = a'
refused "a generated primary key column" 'keys\.gen_pk.*"g".*generated' "$ALL plan" '[table keys.gen_pk]'
refused "a generated column in key =" 'keys\.gen.*"twice".*generated' "$ALL plan" '[table keys.gen]' 'key = id, twice'
# every problem of every table is reported by check, one line each
jobf=$(job_file it_keys_r postgres "s3://$WHARF_S3_BUCKET/it/keys/r" 'schema = keysr' \
	'[table keys.deferred_pk]' '[table keys.dups]' 'key = a' '[table keys.ident_nothing]')
rc=0
"$WHARF" -c "$jobf" check >/dev/null 2>"$TMP/all.err" || rc=$?
check "check reports every refused table, one line each (exit $rc)" \
	test "$rc" -eq 1 -a "$(wharf_msgs "$TMP/all.err" | grep -c '^wharf: error')" -eq 3
nothing_made || restore_r

# ---------------------------------------------------------------------------
# Accepted: covering primary keys, the fixes, keys backed by part of a
# unique index, generated columns; snapshot and CDC agree.
# ---------------------------------------------------------------------------
wh -c 'DROP SCHEMA IF EXISTS keys CASCADE' -c "DELETE FROM public.wharf_state WHERE job = 'it_keys'" >/dev/null 2>&1 || true
job=$(job_file it_keys postgres "s3://$WHARF_S3_BUCKET/it/keys/sync" \
	'[table keys.covering]' '[table keys.deferred_full]' 'key = code' \
	'[table keys.deferred_ident]' 'key = code' \
	'[table keys.deferred_append]' 'mode = append' \
	'[table keys.subset]' 'key = a, b' \
	'[table keys.gen]')
GENWARN='^wharf: warning: table keys\.gen: column "twice" is a generated column, which logical replication does not publish: left out of the warehouse$'
warns_once() { [[ $(wharf_msgs "$1" | grep -cE "$GENWARN") -eq 1 ]]; }
gen_src="(SELECT id, x, v FROM keys.gen)"
all_same() {
	same_table keys.covering keys.covering && same_table keys.deferred_full keys.deferred_full &&
		same_table keys.deferred_ident keys.deferred_ident && same_table keys.deferred_append keys.deferred_append &&
		same_table keys.subset keys.subset && same_table "$gen_src" keys.gen
}
wh_pkey() { # the warehouse table's primary key columns, in order
	wh -c "SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM pg_index i
	       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
	       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
	       WHERE i.indrelid = '$1'::regclass AND i.indisprimary"
}
wh_columns() {
	wh -c "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns
	       WHERE table_schema = '$1' AND table_name = '$2'"
}

rc=0
"$WHARF" -c "$job" check >"$TMP/check.out" 2>"$TMP/check.err" || rc=$?
check "check accepts the job (exit $rc)" test "$rc" -eq 0
check "check warns about the generated column" warns_once "$TMP/check.err"
rc=0
"$WHARF" -c "$job" plan >"$TMP/plan.out" 2>"$TMP/plan.err" || rc=$?
check "plan exits 0" test "$rc" -eq 0
check "plan warns about the generated column" warns_once "$TMP/plan.err"
check "plan's SQL leaves the generated column out" bash -c '! grep -q twice "$0"' "$TMP/plan.out"
check "plan's warehouse key of the covering table is a alone" \
	grep -qE 'PRIMARY KEY \("?a"?\)' "$TMP/plan.out"

rc=0
"$WHARF" -c "$job" sync 2>"$TMP/sync1.err" || rc=$?
check "first sync (exit $rc)" test "$rc" -eq 0
check "sync warns about the generated column" warns_once "$TMP/sync1.err"
check "first sync loads every table" all_same
check "the covering table's warehouse key is a, without the included b" test "$(wh_pkey keys.covering)" = a
check "the generated column is not in the warehouse table" test "$(wh_columns keys gen)" = id,x,v

src <<'SQL'
INSERT INTO keys.covering VALUES (3, NULL, 'three');
UPDATE keys.covering SET b = NULL, v = 'one, b gone' WHERE a = 1;
UPDATE keys.covering SET a = 4 WHERE a = 2;
INSERT INTO keys.covering VALUES (5, NULL, 'five'), (6, 60, 'six');
DELETE FROM keys.covering WHERE a = 6;
UPDATE keys.deferred_full SET v = 'changed' WHERE id = 1;
UPDATE keys.deferred_full SET id = id + 1;   -- rows pass through each other's ids
UPDATE keys.deferred_full SET code = 'c22' WHERE code = 'c2';
DELETE FROM keys.deferred_full WHERE code = 'c3';
INSERT INTO keys.deferred_full VALUES (7, 'c7', 'seven');
UPDATE keys.deferred_ident SET v = 'changed' WHERE code = 'c1';
UPDATE keys.deferred_ident SET code = 'c22' WHERE code = 'c2';
INSERT INTO keys.deferred_ident VALUES (3, 'c3', 'three');
DELETE FROM keys.deferred_ident WHERE code = 'c1';
INSERT INTO keys.deferred_append VALUES (2, 'two');
UPDATE keys.deferred_append SET v = 'not published' WHERE id = 1;
INSERT INTO keys.subset VALUES (3, 3, 'three');
UPDATE keys.subset SET b = 20, v = 'moved' WHERE a = 2;
DELETE FROM keys.subset WHERE a = 1;
INSERT INTO keys.gen (id, x, v) VALUES (3, 3, 'three');
UPDATE keys.gen SET x = 10 WHERE id = 1;
DELETE FROM keys.gen WHERE id = 2;
SQL
check "the source's own UPDATE and DELETE work on every published table" \
	src -c "UPDATE keys.deferred_full SET v = v; UPDATE keys.deferred_ident SET v = v; UPDATE keys.covering SET v = v"
rc=0
"$WHARF" -c "$job" sync 2>"$TMP/sync2.err" || rc=$?
check "sync applies NULLs in an included column and the other changes (exit $rc)" test "$rc" -eq 0
check "sync warns about the generated column again" warns_once "$TMP/sync2.err"
# the append table keeps the inserted rows, not the unpublished update
src -c "UPDATE keys.deferred_append SET v = 'one' WHERE id = 1"
check "every table equals the source after the changes" all_same
check "the included column is NULL where the source's is" \
	test "$(wh -c 'SELECT count(*) FROM keys.covering WHERE b IS NULL')" -eq 3
check "the generated column is still not in the warehouse table" test "$(wh_columns keys gen)" = id,x,v

# a snapshot of the same table gives the same shape
snapjob=$(job_file it_keys_snap postgres "s3://$WHARF_S3_BUCKET/it/keys/snap" 'schema = keysnap' '[table keys.gen]')
rc=0
"$WHARF" -c "$snapjob" snapshot >/dev/null 2>"$TMP/snap.err" || rc=$?
check "snapshot of the table with a generated column (exit $rc)" test "$rc" -eq 0
check "snapshot warns about the generated column" warns_once "$TMP/snap.err"
check "snapshot leaves the generated column out, as CDC does" test "$(wh_columns keysnap gen)" = id,x,v
check "the snapshot's rows equal the source's" same_table "$gen_src" keysnap.gen

finish
