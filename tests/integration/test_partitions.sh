#!/usr/bin/env bash
# Partitioned tables end to end: a range-partitioned root with three
# partitions (one of them hash-partitioned again) is staged, snapshotted and
# synced into ONE warehouse table named like the root; inserts, updates,
# deletes and rows moving between partitions, a TRUNCATE of one partition
# (which the stream does not carry) and of the root, ATTACH of a table that
# already holds rows and DETACH (no DML in the WAL at all), at rest and under
# `sync --follow`; a leaf partition named on its own in a second job; a
# publication made without publish_via_partition_root.  Each step ends with
# source and warehouse compared row by row.
. "$(dirname "$0")/lib.sh"

for j in it_part it_leaf it_both; do
	slot_drop "wharf_$j"
	src -c "DROP PUBLICATION IF EXISTS wharf_$j; DROP PUBLICATION IF EXISTS wharf_${j}_ins"
done
src <<'SQL'
DROP SCHEMA IF EXISTS part CASCADE;
CREATE SCHEMA part;
CREATE TABLE part.m (id int, at date, amount numeric(12,2), note text,
                     PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE part.m_2023 PARTITION OF part.m FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE part.m_2024 PARTITION OF part.m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')
  PARTITION BY HASH (id);
CREATE TABLE part.m_2024_h0 PARTITION OF part.m_2024 FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE part.m_2024_h1 PARTITION OF part.m_2024 FOR VALUES WITH (MODULUS 2, REMAINDER 1);
CREATE TABLE part.m_2025 PARTITION OF part.m FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO part.m SELECT g, date '2023-01-01' + (g * 7) % 1000, g * 1.25, 'row ' || g
  FROM generate_series(1, 300) g;
-- insert-only history (mode = append)
CREATE TABLE part.ev (at timestamptz NOT NULL, what text) PARTITION BY RANGE (at);
CREATE TABLE part.ev_1 PARTITION OF part.ev FOR VALUES FROM ('2024-01-01') TO ('2024-07-01');
CREATE TABLE part.ev_2 PARTITION OF part.ev FOR VALUES FROM ('2024-07-01') TO ('2025-01-01');
INSERT INTO part.ev SELECT '2024-01-01'::timestamptz + g * interval '1 day', 'e' || g FROM generate_series(0, 300) g;
SQL
wh -c 'DROP SCHEMA IF EXISTS part CASCADE' \
	-c "DELETE FROM public.wharf_state WHERE job IN ('it_part', 'it_leaf', 'it_both', 'it_part_stage')" 2>/dev/null || true

stage_dir=$TMP/stage
mkdir -p "$stage_dir"
nrows() { src -c "SELECT count(*) FROM $1"; }
not_grep() { ! grep -q "$@"; }
# rows in the staged parts of the last `stage` of job $1
staged_rows() { find "$stage_dir/$1" -name 'part-*.csv.gz' -exec zcat {} + | wc -l; }
manifest_rows() { find "$stage_dir/$1" -name manifest.json -exec cat {} + | grep -o '"rows": *[0-9]*' | grep -o '[0-9]*$'; }

# --- stage, plan, check, snapshot ----------------------------------------
for dialect in postgres redshift; do
	rm -rf "${stage_dir:?}"/*
	sjob=$(job_file it_part_stage "$dialect" "file://$stage_dir" '[table part.m]')
	check "stage of a partitioned table ($dialect)" "$WHARF" -q -c "$sjob" stage
	check "stage ($dialect) stages every partition's rows: $(staged_rows it_part_stage) of $(nrows part.m)" \
		test "$(staged_rows it_part_stage)" -eq "$(nrows part.m)"
	check "the manifest ($dialect) counts them" test "$(manifest_rows it_part_stage)" = "$(nrows part.m)"
done

job=$(job_file it_part postgres "s3://$WHARF_S3_BUCKET/it/part" '[table part.m]' '[table part.ev]' 'mode = append')
"$WHARF" -c "$job" check >"$TMP/check.out" 2>&1 || true
check "check says the table is partitioned" grep -q 'part.m: partitioned, 5 partitions' "$TMP/check.out"
"$WHARF" -c "$job" plan >"$TMP/plan.sql" 2>&1 || true
check "plan records the partitions it loads" grep -q "'part.m partition [0-9:]* part.m_2024_h1'" "$TMP/plan.sql"

check "snapshot of a partitioned table" "$WHARF" -q -c "$job" snapshot
check "snapshot: one warehouse table holds every partition" same_table part.m part.m
check "snapshot: the append table too" same_table part.ev part.ev
check "snapshot made no table per partition" test "$(wh -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'part'")" -eq 2

# --- sync ----------------------------------------------------------------
sync() { # sync LOG [ARGS]: stderr kept in $TMP/LOG.err
	local log=$1
	shift
	"$WHARF" -c "$job" sync "$@" >/dev/null 2>"$TMP/$log.err" || { cat "$TMP/$log.err" >&2; return 1; }
}
check "first sync of a partitioned table" sync first
check "first sync: warehouse equals source" same_table part.m part.m
check "first sync: the append table too" same_table part.ev part.ev
check "the publication publishes via the partition root" \
	test "$(src -c "SELECT pubviaroot FROM pg_publication WHERE pubname = 'wharf_it_part'")" = t

src <<'SQL'
INSERT INTO part.m VALUES (1001, '2023-03-03', 1, 'new 2023'), (1002, '2024-03-03', 2, 'new 2024'),
                          (1003, '2025-03-03', 3, 'new 2025'), (1004, '2024-04-04', 4, 'new 2024 h');
UPDATE part.m SET note = 'updated' WHERE id % 10 = 0;
DELETE FROM part.m WHERE id % 17 = 0;
-- rows moving between partitions: 2023 -> 2025, 2025 -> 2024 (sub-partitioned), between hash leaves
UPDATE part.m SET at = at + 730, note = 'moved up' WHERE id BETWEEN 1 AND 20 AND at < '2024-01-01';
UPDATE part.m SET at = '2024-06-06', note = 'moved into 2024' WHERE id BETWEEN 100 AND 110 AND at >= '2025-01-01';
UPDATE part.m SET id = id + 5000, note = 'new hash' WHERE id BETWEEN 200 AND 210 AND at >= '2024-01-01' AND at < '2025-01-01';
SQL
check "sync of inserts, updates, deletes and moves between partitions" sync changes
check "after changes: warehouse equals source" same_table part.m part.m
check "moved rows are there once, at their new place" \
	test "$(wh -c "SELECT count(*) FROM part.m WHERE note IN ('moved up', 'moved into 2024', 'new hash')")" = \
	"$(src -c "SELECT count(*) FROM part.m WHERE note IN ('moved up', 'moved into 2024', 'new hash')")"

# TRUNCATE of one partition: pgoutput sends nothing for it with publish_via_partition_root
src -c "TRUNCATE part.m_2025; INSERT INTO part.m VALUES (2001, '2025-05-05', 5, 'after truncate')"
check "sync after a TRUNCATE of one partition" sync truncate_one
check "after the partition's truncate: warehouse equals source" same_table part.m part.m
check "sync said why it loads the table again" grep -q 'table part.m: partitions .*truncated.*part.m_2025.*loading it again from a snapshot' "$TMP/truncate_one.err"

# an append table's history keeps a truncated partition's rows, as it keeps deleted ones
ev_before=$(wh -c 'SELECT count(*) FROM part.ev' || echo -1)
src -c "TRUNCATE part.ev_1; INSERT INTO part.ev VALUES ('2024-02-02', 'after the truncate')"
check "sync after a TRUNCATE of an append table's partition" sync truncate_append
check "the append table keeps its history and gets the new row" \
	test "$(wh -c 'SELECT count(*) FROM part.ev')" -eq $((ev_before + 1))
check "and is not loaded again" not_grep 'part.ev: .*loading it again' "$TMP/truncate_append.err"

# TRUNCATE of the root, then rows again
src -c "INSERT INTO part.m VALUES (2002, '2023-02-02', 6, 'before'); TRUNCATE part.m; INSERT INTO part.m VALUES (2003, '2024-02-02', 7, 'after root truncate')"
check "sync after a TRUNCATE of the root" sync truncate_root
check "after the root's truncate: warehouse equals source" same_table part.m part.m
src -c "INSERT INTO part.m SELECT g, date '2023-01-01' + (g * 11) % 1000, g, 'refill ' || g FROM generate_series(3000, 3300) g"
check "sync after refilling" sync refill
check "after refilling: warehouse equals source" same_table part.m part.m

# ATTACH of a table that already holds rows: no DML in the WAL
src <<'SQL'
CREATE TABLE part.m_2026 (LIKE part.m INCLUDING ALL);
INSERT INTO part.m_2026 SELECT g, date '2026-01-01' + g % 300, g, 'attached ' || g FROM generate_series(1, 50) g;
ALTER TABLE part.m ATTACH PARTITION part.m_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO part.m VALUES (4001, '2026-12-12', 8, 'into the attached partition');
SQL
check "sync after ATTACH PARTITION of a table with rows" sync attach
check "after the attach: warehouse equals source" same_table part.m part.m
check "sync said the partitions were attached" grep -q 'table part.m: partitions attached or detached since the last sync (attached: part.m_2026).*loading it again from a snapshot' "$TMP/attach.err"
src -c "UPDATE part.m SET note = 'changed after attach' WHERE at >= '2026-01-01' AND id % 3 = 0"
check "sync after the attach" sync after_attach
check "the attached partition's changes stream" same_table part.m part.m

# DETACH: its rows leave the root
src -c "ALTER TABLE part.m DETACH PARTITION part.m_2023"
check "sync after DETACH PARTITION" sync detach
check "after the detach: warehouse equals source" same_table part.m part.m
check "sync said the partition was detached" grep -q '(detached: part.m_2023)' "$TMP/detach.err"
src -c "INSERT INTO part.m_2023 VALUES (5001, '2023-09-09', 9, 'into the detached table')"
check "sync after a change to the detached table" sync detached_change
check "the detached table's changes are not the root's" same_table part.m part.m

# detached, changed and attached again between two runs
src -c "ALTER TABLE part.m DETACH PARTITION part.m_2025; INSERT INTO part.m_2025 VALUES (5002, '2025-09-09', 10, 'while detached'); ALTER TABLE part.m ATTACH PARTITION part.m_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"
check "sync after a detach and re-attach" sync reattach
check "after the re-attach: warehouse equals source" same_table part.m part.m

# a partition created empty (CREATE TABLE ... PARTITION OF): only recorded
src -c "CREATE TABLE part.m_2027 PARTITION OF part.m FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')"
check "sync after a new empty partition" sync new_empty
check "a new empty partition is recorded, not loaded" grep -q 'table part.m: partitions attached or detached since the last sync (attached: part.m_2027): the new partitions were empty, nothing to load' "$TMP/new_empty.err"
src -c "INSERT INTO part.m VALUES (5003, '2027-03-03', 1, 'into the new partition')"
check "sync of rows into the new partition" sync new_rows
check "its rows stream" same_table part.m part.m
check "and the table is not loaded again" not_grep 'loading it again' "$TMP/new_rows.err"

# under sync --follow: an attach is noticed while streaming
sed -i 's/^\[source\]$/[source]\nbatch_interval = 1/' "$job"
"$WHARF" -c "$job" sync --follow >/dev/null 2>"$TMP/follow.err" &
follower=$!
for _ in $(seq 1 30); do grep -q 'streaming from' "$TMP/follow.err" && break; sleep 0.5; done
src <<'SQL'
INSERT INTO part.m VALUES (6001, '2024-07-07', 11, 'while following');
ALTER TABLE part.m ATTACH PARTITION part.m_2023 FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
INSERT INTO part.m VALUES (6002, '2023-07-07', 12, 'into the re-attached 2023');
SQL
for _ in $(seq 1 40); do
	grep -q 'attached: part.m_2023' "$TMP/follow.err" && [[ $(table_diff part.m part.m) == 0 ]] && break
	sleep 0.5
done
src -c "UPDATE part.m SET note = 'after the reload' WHERE id = 6002"
for _ in $(seq 1 20); do [[ $(table_diff part.m part.m) == 0 ]] && break; sleep 0.5; done
kill -TERM "$follower" 2>/dev/null || true
rc=0; wait "$follower" || rc=$?
check "sync --follow noticed the attach while streaming" grep -q 'attached: part.m_2023.*loading it again from a snapshot' "$TMP/follow.err"
check "sync --follow: warehouse equals source" same_table part.m part.m
check "sync --follow ended cleanly on SIGTERM (exit $rc)" test "$rc" -eq 0

# a publication made without publish_via_partition_root (an earlier wharf) gets it
src -c "ALTER PUBLICATION wharf_it_part SET (publish_via_partition_root = false)"
src -c "UPDATE part.m SET note = 'after the option was cleared' WHERE id % 5 = 0"
check "sync with a publication lacking publish_via_partition_root" sync option
check "the option is set again" test "$(src -c "SELECT pubviaroot FROM pg_publication WHERE pubname = 'wharf_it_part'")" = t
check "the partitioned table of that publication is loaded again" grep -q 'table part.m: its publication published its changes as its partitions' "$TMP/option.err"
check "the one of the other publication is not" not_grep 'part.ev: .*loading it again' "$TMP/option.err"
src -c "UPDATE part.m SET note = 'after the option was set again' WHERE id % 7 = 0"
check "sync after the option is back" sync option_back
check "warehouse equals source" same_table part.m part.m

# --- a leaf partition on its own, in a second job ---------------------------
leaf=$(job_file it_leaf postgres "s3://$WHARF_S3_BUCKET/it/leaf" '[table part.m_2024_h0]')
leaf_sync() { "$WHARF" -c "$leaf" sync >/dev/null 2>"$TMP/leaf.err" || { cat "$TMP/leaf.err" >&2; return 1; }; }
check "leaf job: first sync" leaf_sync
check "leaf job: the leaf's table equals it" same_table part.m_2024_h0 part.m_2024_h0
check "leaf job: its publication publishes via the partition root too" \
	test "$(src -c "SELECT pubviaroot FROM pg_publication WHERE pubname = 'wharf_it_leaf'")" = t
src <<'SQL'
INSERT INTO part.m SELECT g, '2024-08-08', g, 'leaf ' || g FROM generate_series(7000, 7040) g;
UPDATE part.m_2024_h0 SET note = 'leaf update' WHERE id % 4 = 0;
DELETE FROM part.m WHERE id % 9 = 0 AND at >= '2024-01-01' AND at < '2025-01-01';
SQL
check "leaf job: sync of changes made through the root and the leaf" leaf_sync
check "leaf job: changes arrive as the leaf's" same_table part.m_2024_h0 part.m_2024_h0
src -c "TRUNCATE part.m_2024_h0; INSERT INTO part.m VALUES (7101, '2024-09-09', 1, 'after leaf truncate'), (7102, '2024-09-09', 1, 'x')"
check "leaf job: sync after the leaf's truncate" leaf_sync
check "leaf job: the truncate is applied" same_table part.m_2024_h0 part.m_2024_h0
check "root job: still in line after all of it" sync root_again
check "root job: warehouse equals source" same_table part.m part.m

# a root and one of its partitions in ONE job: the partition would get nothing
both=$(job_file it_both postgres "s3://$WHARF_S3_BUCKET/it/both" '[table part.m]' '[table part.m_2025]')
rc=0; "$WHARF" -c "$both" sync >/dev/null 2>"$TMP/both.err" || rc=$?
check "a root and its partition in one job: sync refuses (exit $rc)" test "$rc" -eq 1
check "and names both" grep -q 'table part.m_2025 is a partition of part.m, which job it_both also replicates' "$TMP/both.err"
check "and made no slot" test "$(src -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'wharf_it_both'")" -eq 0

for j in it_part it_leaf it_both; do slot_drop "wharf_$j"; done
finish
