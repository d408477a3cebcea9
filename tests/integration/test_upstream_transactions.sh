#!/usr/bin/env bash
# PostgreSQL 15's logical replication suite, replayed through wharf (part 3:
# large and interleaved transactions, savepoints, DDL inside transactions,
# prepared transactions).  Each case restates one upstream scenario from
# src/test/subscription/t/ (file and lines in its %from line) as source DDL
# and DML; upstream_lib.sh plays it in two shapes and compares every table.
# Upstream streams these transactions in progress (streaming = on,
# logical_decoding_work_mem = 64kB) and decodes prepared transactions at
# PREPARE (two_phase = on); wharf uses pgoutput protocol 1 without either,
# so the whole transaction arrives at its commit (a prepared one at COMMIT
# PREPARED): the settings do not apply, the changes do.  Upstream's extra
# subscriber columns with local defaults have no counterpart here.

# Known failures: "case[:shape] reason" (see upstream_lib.sh).
PENDING=()

. "$(dirname "$0")/upstream_lib.sh"

# 015_stream.pl: two transactions interleaved (the first begins and
# changes rows, the second runs whole and commits, then the first commits),
# then a transaction mixing insert, update and delete, then an update of
# every row.  The first transaction runs in a dblink session.
up_case stream_interleaved <<'CASE'
%from 015_stream.pl:23-27,52-80,86-101,110-119
%table test_tab
%setup
CREATE TABLE test_tab (a int PRIMARY KEY, b varchar);
INSERT INTO test_tab VALUES (1, 'foo'), (2, 'bar');
%step 015_stream.pl:52-73
SELECT dblink_connect('up_first', @CONN@);
SELECT dblink_exec('up_first', 'BEGIN');
SELECT dblink_exec('up_first', 'INSERT INTO @S@.test_tab SELECT i, md5(i::text) FROM generate_series(3, 5000) s(i)');
SELECT dblink_exec('up_first', 'UPDATE @S@.test_tab SET b = md5(b) WHERE mod(a, 2) = 0');
SELECT dblink_exec('up_first', 'DELETE FROM @S@.test_tab WHERE mod(a, 3) = 0');
BEGIN;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(5001, 9999) s(i);
DELETE FROM test_tab WHERE a > 5000;
COMMIT;
SELECT dblink_exec('up_first', 'COMMIT');
SELECT dblink_disconnect('up_first');
%step 015_stream.pl:86-94
BEGIN;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(5001, 10000) s(i);
UPDATE test_tab SET b = md5(b) WHERE mod(a, 2) = 0;
DELETE FROM test_tab WHERE mod(a, 3) = 0;
COMMIT;
%step 015_stream.pl:110-111
UPDATE test_tab SET b = md5(a::text);
CASE

# 015_stream.pl, at size: one transaction of ~100k inserts, ~50k updates
# and ~33k deletes (upstream's point is a transaction far past the memory
# limit), then one updating all ~67k remaining rows.
up_case large_transaction <<'CASE'
%from 015_stream.pl:12-16,86-101,110-111
%table test_tab
%setup
CREATE TABLE test_tab (a int PRIMARY KEY, b varchar);
INSERT INTO test_tab VALUES (1, 'foo'), (2, 'bar');
%step 015_stream.pl:86-94 (100k rows)
BEGIN;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(3, 100000) s(i);
UPDATE test_tab SET b = md5(b) WHERE mod(a, 2) = 0;
DELETE FROM test_tab WHERE mod(a, 3) = 0;
COMMIT;
%step 015_stream.pl:110-111
UPDATE test_tab SET b = md5(a::text);
CASE

# 016_stream_subxact.pl: one transaction of five parts separated by
# savepoints, each inserting, updating and deleting.
up_case savepoints <<'CASE'
%from 016_stream_subxact.pl:23-27,52-85
%table test_tab
%setup
CREATE TABLE test_tab (a int PRIMARY KEY, b varchar);
INSERT INTO test_tab VALUES (1, 'foo'), (2, 'bar');
%step 016_stream_subxact.pl:52-76
BEGIN;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(3, 500) s(i);
UPDATE test_tab SET b = md5(b) WHERE mod(a, 2) = 0;
DELETE FROM test_tab WHERE mod(a, 3) = 0;
SAVEPOINT s1;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(501, 1000) s(i);
UPDATE test_tab SET b = md5(b) WHERE mod(a, 2) = 0;
DELETE FROM test_tab WHERE mod(a, 3) = 0;
SAVEPOINT s2;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(1001, 1500) s(i);
UPDATE test_tab SET b = md5(b) WHERE mod(a, 2) = 0;
DELETE FROM test_tab WHERE mod(a, 3) = 0;
SAVEPOINT s3;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(1501, 2000) s(i);
UPDATE test_tab SET b = md5(b) WHERE mod(a, 2) = 0;
DELETE FROM test_tab WHERE mod(a, 3) = 0;
SAVEPOINT s4;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(2001, 2500) s(i);
UPDATE test_tab SET b = md5(b) WHERE mod(a, 2) = 0;
DELETE FROM test_tab WHERE mod(a, 3) = 0;
COMMIT;
CASE

# 017_stream_ddl.pl: transactions that add a column between their inserts
# (with a savepoint after the ALTER), small and large, and one whose ALTER
# comes after its last insert, so only the next transaction's rows carry
# the new column.
up_case transaction_ddl <<'CASE'
%from 017_stream_ddl.pl:23-27,52-121
%table test_tab
%setup
CREATE TABLE test_tab (a int PRIMARY KEY, b varchar);
INSERT INTO test_tab VALUES (1, 'foo'), (2, 'bar');
%step 017_stream_ddl.pl:52-61
BEGIN;
INSERT INTO test_tab VALUES (3, md5(3::text));
ALTER TABLE test_tab ADD COLUMN c INT;
SAVEPOINT s1;
INSERT INTO test_tab VALUES (4, md5(4::text), -4);
COMMIT;
%step 017_stream_ddl.pl:63-72
BEGIN;
INSERT INTO test_tab SELECT i, md5(i::text), -i FROM generate_series(5, 1000) s(i);
ALTER TABLE test_tab ADD COLUMN d INT;
SAVEPOINT s1;
INSERT INTO test_tab SELECT i, md5(i::text), -i, 2*i FROM generate_series(1001, 2000) s(i);
COMMIT;
%step 017_stream_ddl.pl:74-83
BEGIN;
INSERT INTO test_tab VALUES (2001, md5(2001::text), -2001, 2*2001);
ALTER TABLE test_tab ADD COLUMN e INT;
SAVEPOINT s1;
INSERT INTO test_tab VALUES (2002, md5(2002::text), -2002, 2*2002, -3*2002);
COMMIT;
%step 017_stream_ddl.pl:94-103
BEGIN;
INSERT INTO test_tab SELECT i, md5(i::text), -i, 2*i, -3*i FROM generate_series(2003, 5000) s(i);
ALTER TABLE test_tab ADD COLUMN f INT;
COMMIT;
%step 017_stream_ddl.pl:105-112
BEGIN;
INSERT INTO test_tab SELECT i, md5(i::text), -i, 2*i, -3*i, 4*i FROM generate_series(5001, 5005) s(i);
COMMIT;
CASE

# 018_stream_subxact_abort.pl: rollbacks to savepoints inside a committed
# transaction, a RELEASE between them (subtransactions ending out of
# order), and a transaction rolled back whole.
up_case savepoint_rollbacks <<'CASE'
%from 018_stream_subxact_abort.pl:23-27,51-125
%table test_tab
%setup
CREATE TABLE test_tab (a int PRIMARY KEY, b varchar);
INSERT INTO test_tab VALUES (1, 'foo'), (2, 'bar');
%step 018_stream_subxact_abort.pl:51-71
BEGIN;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(3, 500) s(i);
SAVEPOINT s1;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(501, 1000) s(i);
SAVEPOINT s2;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(1001, 1500) s(i);
SAVEPOINT s3;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(1501, 2000) s(i);
ROLLBACK TO s2;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(2001, 2500) s(i);
ROLLBACK TO s1;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(2501, 3000) s(i);
SAVEPOINT s4;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(3001, 3500) s(i);
SAVEPOINT s5;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(3501, 4000) s(i);
COMMIT;
%step 018_stream_subxact_abort.pl:82-98
BEGIN;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(4001, 4500) s(i);
SAVEPOINT s1;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(5001, 5500) s(i);
SAVEPOINT s2;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(6001, 6500) s(i);
SAVEPOINT s3;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(7001, 7500) s(i);
RELEASE s2;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(8001, 8500) s(i);
ROLLBACK TO s1;
COMMIT;
%step 018_stream_subxact_abort.pl:108-118
BEGIN;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(8501, 9000) s(i);
SAVEPOINT s1;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(9001, 9500) s(i);
SAVEPOINT s2;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(9501, 10000) s(i);
ROLLBACK;
CASE

# 019_stream_subxact_ddl_abort.pl: columns added (and one dropped) inside
# subtransactions that are rolled back, leaving only the column added
# before the first savepoint.
up_case savepoint_ddl_rollback <<'CASE'
%from 019_stream_subxact_ddl_abort.pl:24-28,52-79
%table test_tab
%setup
CREATE TABLE test_tab (a int PRIMARY KEY, b varchar);
INSERT INTO test_tab VALUES (1, 'foo'), (2, 'bar');
%step 019_stream_subxact_ddl_abort.pl:52-70
BEGIN;
INSERT INTO test_tab SELECT i, md5(i::text) FROM generate_series(3, 500) s(i);
ALTER TABLE test_tab ADD COLUMN c INT;
SAVEPOINT s1;
INSERT INTO test_tab SELECT i, md5(i::text), -i FROM generate_series(501, 1000) s(i);
ALTER TABLE test_tab ADD COLUMN d INT;
SAVEPOINT s2;
INSERT INTO test_tab SELECT i, md5(i::text), -i, 2*i FROM generate_series(1001, 1500) s(i);
ALTER TABLE test_tab ADD COLUMN e INT;
SAVEPOINT s3;
INSERT INTO test_tab SELECT i, md5(i::text), -i, 2*i, -3*i FROM generate_series(1501, 2000) s(i);
ALTER TABLE test_tab DROP COLUMN c;
ROLLBACK TO s1;
INSERT INTO test_tab SELECT i, md5(i::text), i FROM generate_series(501, 1000) s(i);
COMMIT;
CASE

# 021_twophase.pl: a prepared transaction committed later (the table's
# first rows also came through PREPARE and COMMIT PREPARED); wharf sees it
# at COMMIT PREPARED, and a sync between the two must apply nothing.
up_case twophase_commit <<'CASE'
%from 021_twophase.pl:29-37,65-96
%table tab_full
%setup
CREATE TABLE tab_full (a int PRIMARY KEY);
BEGIN;
INSERT INTO tab_full SELECT generate_series(1, 10);
PREPARE TRANSACTION '@S@_initial';
COMMIT PREPARED '@S@_initial';
%step 021_twophase.pl:70-74
BEGIN;
INSERT INTO tab_full VALUES (11);
PREPARE TRANSACTION '@S@_tab_full';
%step 021_twophase.pl:84-85
COMMIT PREPARED '@S@_tab_full';
CASE

# 021_twophase.pl: a prepared transaction rolled back: nothing to copy.
up_case twophase_rollback <<'CASE'
%from 021_twophase.pl:29-31,98-129
%table tab_full
%setup
CREATE TABLE tab_full (a int PRIMARY KEY);
INSERT INTO tab_full SELECT generate_series(1, 10);
%step 021_twophase.pl:103-107
BEGIN;
INSERT INTO tab_full VALUES (12);
PREPARE TRANSACTION '@S@_tab_full';
%step 021_twophase.pl:117-118
ROLLBACK PREPARED '@S@_tab_full';
CASE

# 021_twophase.pl: the source crashes (immediate shutdown) while a
# transaction is prepared, then rolls it back; again, then commits it; and
# a third prepared transaction committed after a crash.  (Upstream's
# subscriber-only crash has no counterpart: wharf does not run between
# syncs.)
up_case twophase_crash <<'CASE'
%from 021_twophase.pl:131-235
%table tab_full
%setup
CREATE TABLE tab_full (a int PRIMARY KEY);
INSERT INTO tab_full SELECT generate_series(1, 11);
%step 021_twophase.pl:136-141
BEGIN;
INSERT INTO tab_full VALUES (12);
INSERT INTO tab_full VALUES (13);
PREPARE TRANSACTION '@S@_tab';
%step 021_twophase.pl:143-147
!restart-source immediate
%step 021_twophase.pl:150-151
ROLLBACK PREPARED '@S@_tab';
%step 021_twophase.pl:164-169
BEGIN;
INSERT INTO tab_full VALUES (12);
INSERT INTO tab_full VALUES (13);
PREPARE TRANSACTION '@S@_tab';
%step 021_twophase.pl:171-175
!restart-source immediate
%step 021_twophase.pl:178-179
COMMIT PREPARED '@S@_tab';
%step 021_twophase.pl:217-222
BEGIN;
INSERT INTO tab_full VALUES (16);
INSERT INTO tab_full VALUES (17);
PREPARE TRANSACTION '@S@_tab';
%step 021_twophase.pl:224-225
!restart-source immediate
%step 021_twophase.pl:228-229
COMMIT PREPARED '@S@_tab';
CASE

# 021_twophase.pl: a prepared transaction with a savepoint rolled back
# inside it: only the outer insert is committed.
up_case twophase_savepoint <<'CASE'
%from 021_twophase.pl:237-271
%table tab_full
%setup
CREATE TABLE tab_full (a int PRIMARY KEY);
INSERT INTO tab_full SELECT generate_series(1, 10);
%step 021_twophase.pl:241-250
BEGIN;
INSERT INTO tab_full VALUES (21);
SAVEPOINT sp_inner;
INSERT INTO tab_full VALUES (22);
ROLLBACK TO SAVEPOINT sp_inner;
PREPARE TRANSACTION '@S@_outer';
%step 021_twophase.pl:258-259
COMMIT PREPARED '@S@_outer';
CASE

# 021_twophase.pl: a transaction prepared with an empty GID, then rolled
# back; a plain insert follows so the table changes at all.
up_case twophase_empty_gid <<'CASE'
%from 021_twophase.pl:273-298
%table tab_full
%setup
CREATE TABLE tab_full (a int PRIMARY KEY);
INSERT INTO tab_full SELECT generate_series(1, 10);
%step 021_twophase.pl:278-282
BEGIN;
INSERT INTO tab_full VALUES (51);
PREPARE TRANSACTION '';
%step 021_twophase.pl:290-291
ROLLBACK PREPARED '';
INSERT INTO tab_full VALUES (52);
CASE

# 021_twophase.pl: a second subscription (upstream: made with copy_data =
# false, so without the table's first rows) sees the same prepared
# transaction; here two jobs on one table, each with its snapshot, both
# get the transaction at COMMIT PREPARED.
up_case twophase_two_jobs <<'CASE'
%from 021_twophase.pl:300-375
%jobs 2
%table tab_copy
%setup
CREATE TABLE tab_copy (a int PRIMARY KEY);
INSERT INTO tab_copy SELECT generate_series(1, 5);
%step 021_twophase.pl:340-345
BEGIN;
INSERT INTO tab_copy VALUES (99);
PREPARE TRANSACTION '@S@_mygid';
%step 021_twophase.pl:357-358
COMMIT PREPARED '@S@_mygid';
CASE

up_finish
