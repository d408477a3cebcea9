#!/usr/bin/env bash
# PostgreSQL 15's logical replication suite, replayed through wharf (part 4:
# the regressions of 100_bugs.pl).  Each case restates one upstream
# scenario from src/test/subscription/t/100_bugs.pl (lines in its %from
# line) as source DDL and DML; upstream_lib.sh plays it in two shapes and
# compares every table.  Left out: bug #18988 (a DROP SUBSCRIPTION
# deadlock, subscriber mechanics only).

# Known failures: "case[:shape] reason" (see upstream_lib.sh).
PENDING=()

. "$(dirname "$0")/upstream_lib.sh"

# An index whose predicate calls a SQL function on a job table (finding the
# replica identity columns once evaluated it without a snapshot: a crash).
up_case bug_index_predicate <<'CASE'
%from 100_bugs.pl:13-70
%table tab1
%setup
CREATE TABLE tab1 (a int PRIMARY KEY, b int);
CREATE FUNCTION double(x int) RETURNS int IMMUTABLE LANGUAGE SQL AS 'select x * 2';
CREATE INDEX ON tab1 (b) WHERE a > double(1);
%step 100_bugs.pl:64-66
INSERT INTO tab1 VALUES (1, 2);
%step (rows under the predicate, updated and deleted)
INSERT INTO tab1 VALUES (3, 4), (5, 6);
UPDATE tab1 SET b = b + 1 WHERE a > 2;
DELETE FROM tab1 WHERE a = 5;
CASE

# Temporary and unlogged tables (never published) updated without a
# replica identity while the job's publication exists; a job table beside
# them keeps being copied, and the unlogged table never reaches the
# warehouse.
up_case bug_temp_unlogged <<'CASE'
%from 100_bugs.pl:76-103
%table t1
%absent tu1
%setup
CREATE TABLE t1 (a int PRIMARY KEY);
%step 100_bugs.pl:91-96
CREATE TEMPORARY TABLE tt1 AS SELECT 1 AS a;
UPDATE tt1 SET a = 2;
INSERT INTO t1 VALUES (1);
%step 100_bugs.pl:98-103
CREATE UNLOGGED TABLE tu1 AS SELECT 1 AS a;
UPDATE tu1 SET a = 2;
INSERT INTO t1 VALUES (2);
CASE

# An unlogged table named as a job table: its changes are not in the WAL,
# so there is nothing to stream, and Postgres will not publish it: wharf
# must refuse it up front.
up_case bug_unlogged_in_job <<'CASE'
%from 100_bugs.pl:76-103
%table tu1
%refuse unlogged
%setup
CREATE UNLOGGED TABLE tu1 (a int PRIMARY KEY);
INSERT INTO tu1 VALUES (1);
CASE

# Bug #16643: rows written to two tables before and after the stream
# starts, then the second table joins (upstream: added to the publication
# and the subscription refreshed; here: added to the job).
up_case bug_table_joins <<'CASE'
%from 100_bugs.pl:107-152
%table t mode = append
%setup
CREATE TABLE t (f int);
CREATE TABLE t2 (f int);
INSERT INTO t SELECT * FROM generate_series(1, 3000);
INSERT INTO t2 SELECT * FROM generate_series(1, 3000);
%step 100_bugs.pl:135-139
INSERT INTO t SELECT * FROM generate_series(1, 3000);
INSERT INTO t2 SELECT * FROM generate_series(1, 3000);
%step 100_bugs.pl:140-142
!add-table t2 mode = append
%step (both tables go on changing)
INSERT INTO t SELECT * FROM generate_series(3001, 3010);
INSERT INTO t2 SELECT * FROM generate_series(3001, 3010);
CASE

# Cascaded replication: the job table is itself the target of a logical
# replication subscription (from another database of the source cluster);
# rows written by its table-sync worker (the initial copy) and by its apply
# worker must reach the warehouse like any other.
up_case bug_cascade <<'CASE'
%from 100_bugs.pl:154-221
%table tab1 mode = append
%otherdb up_origin
%setup
CREATE TABLE tab1 (a int);
SELECT dblink_exec(@CONNDB=up_origin@, 'DROP SCHEMA IF EXISTS @S@ CASCADE');
SELECT dblink_exec(@CONNDB=up_origin@, 'CREATE SCHEMA @S@');
SELECT dblink_exec(@CONNDB=up_origin@, 'CREATE TABLE @S@.tab1 (a int)');
SELECT dblink_exec(@CONNDB=up_origin@, 'INSERT INTO @S@.tab1 SELECT generate_series(1, 5)');
SELECT dblink_exec(@CONNDB=up_origin@, 'DROP PUBLICATION IF EXISTS @S@_pub');
SELECT dblink_exec(@CONNDB=up_origin@, 'CREATE PUBLICATION @S@_pub FOR TABLE @S@.tab1');
%step 100_bugs.pl:190-196 (the subscription made after the job's slot, so its table sync is streamed; until the sync is done)
SELECT * FROM dblink(@CONNDB=up_origin@,
  'SELECT pg_create_logical_replication_slot(''@S@_slot'', ''pgoutput'')') AS x(r text);
CREATE SUBSCRIPTION @S@_sub CONNECTION @CONNDB=up_origin@ PUBLICATION @S@_pub
  WITH (create_slot = false, slot_name = '@S@_slot');
!wait SELECT (SELECT count(*) FROM tab1) = 5 AND NOT EXISTS (SELECT 1 FROM pg_subscription_rel WHERE srsubstate <> 'r')
%step 100_bugs.pl:198-204 (until the subscription applied them)
SELECT dblink_exec(@CONNDB=up_origin@, 'INSERT INTO @S@.tab1 SELECT generate_series(6, 10)');
!wait SELECT count(*) = 10 FROM tab1
%cleanup
DROP SUBSCRIPTION IF EXISTS @S@_sub;
SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '@S@_slot' AND NOT active;
SELECT dblink_exec(@CONNDB=up_origin@, 'DROP SCHEMA IF EXISTS @S@ CASCADE');
SELECT dblink_exec(@CONNDB=up_origin@, 'DROP PUBLICATION IF EXISTS @S@_pub');
CASE

# The replica identity moved from one unique index to another (upstream:
# the relcache was not invalidated, so updates and deletes were skipped);
# then an update and a delete that carry only the new identity.
up_case bug_replica_identity_index_change <<'CASE'
%from 100_bugs.pl:223-297
%table tab_replidentity_index key = a
%setup
CREATE TABLE tab_replidentity_index (a int NOT NULL, b int NOT NULL);
CREATE UNIQUE INDEX idx_replidentity_index_a ON tab_replidentity_index (a);
CREATE UNIQUE INDEX idx_replidentity_index_b ON tab_replidentity_index (b);
ALTER TABLE tab_replidentity_index REPLICA IDENTITY USING INDEX idx_replidentity_index_a;
INSERT INTO tab_replidentity_index VALUES (1, 1), (2, 2);
%step 100_bugs.pl:285-291
ALTER TABLE tab_replidentity_index REPLICA IDENTITY USING INDEX idx_replidentity_index_b;
UPDATE tab_replidentity_index SET a = -a WHERE a = 1;
DELETE FROM tab_replidentity_index WHERE a = 2;
CASE

# The same identity change, then moved on before wharf reads the changes:
# back to the key's index, or to FULL (as wharf's messages advise); the
# changes made in between still carry only b.
up_case bug_replica_identity_moved_back <<'CASE'
%from 100_bugs.pl:223-297 (the identity moved back, then to FULL, before the sync)
%table tab_ri_back key = a
%setup
CREATE TABLE tab_ri_back (a int NOT NULL, b int NOT NULL, c text);
CREATE UNIQUE INDEX idx_ri_back_a ON tab_ri_back (a);
CREATE UNIQUE INDEX idx_ri_back_b ON tab_ri_back (b);
ALTER TABLE tab_ri_back REPLICA IDENTITY USING INDEX idx_ri_back_a;
INSERT INTO tab_ri_back SELECT g, g, 'r' || g FROM generate_series(1, 5) g;
%step 100_bugs.pl:285-291 (identity on b)
ALTER TABLE tab_ri_back REPLICA IDENTITY USING INDEX idx_ri_back_b;
UPDATE tab_ri_back SET a = -a WHERE a = 1;
DELETE FROM tab_ri_back WHERE a = 2;
UPDATE tab_ri_back SET c = 'changed' WHERE a = 3;
%step (back to the key's index)
ALTER TABLE tab_ri_back REPLICA IDENTITY USING INDEX idx_ri_back_a;
UPDATE tab_ri_back SET b = b + 100 WHERE a = 4;
DELETE FROM tab_ri_back WHERE a = -1;
%step (identity on b again, then FULL)
ALTER TABLE tab_ri_back REPLICA IDENTITY USING INDEX idx_ri_back_b;
UPDATE tab_ri_back SET a = a * 10 WHERE a = 5;
ALTER TABLE tab_ri_back REPLICA IDENTITY FULL;
UPDATE tab_ri_back SET a = a + 1 WHERE a = 50;
DELETE FROM tab_ri_back WHERE a = 3;
INSERT INTO tab_ri_back VALUES (7, 7, 'seven');
CASE

# REPLICA IDENTITY FULL with a dropped column: the old row of an update no
# longer has it.
up_case bug_full_dropped_column <<'CASE'
%from 100_bugs.pl:302-358
%table dropped_cols key = a
%setup
CREATE TABLE dropped_cols (a int, b_drop int, c int);
-- upstream's table has no key; wharf refuses a merge key no unique index
-- backs (see rep_full), so here one does
CREATE UNIQUE INDEX ON dropped_cols (a);
ALTER TABLE dropped_cols REPLICA IDENTITY FULL;
INSERT INTO dropped_cols VALUES (1, 1, 1);
%step 100_bugs.pl:339-342
ALTER TABLE dropped_cols DROP COLUMN b_drop;
%step 100_bugs.pl:348-350
UPDATE dropped_cols SET a = 100;
CASE

# REPLICA IDENTITY FULL with a stored generated column.
up_case bug_full_generated_column <<'CASE'
%from 100_bugs.pl:302-363
%table generated_cols key = a
%setup
CREATE TABLE generated_cols (a int, b_gen int GENERATED ALWAYS AS (5 * a) STORED, c int);
CREATE UNIQUE INDEX ON generated_cols (a);	-- (a key: as dropped_cols)
ALTER TABLE generated_cols REPLICA IDENTITY FULL;
INSERT INTO generated_cols (a, c) VALUES (1, 1);
%step 100_bugs.pl:348-351
UPDATE generated_cols SET a = 100;
CASE

# REPLICA IDENTITY FULL where one row lacks a column added with a default
# by the catalog-only fast path (upstream: pgoutput sent NULL for it
# instead of the default); every row's key moves up by one in one UPDATE.
up_case bug_full_missing_default <<'CASE'
%from 100_bugs.pl:368-416
%table tab_default key = a
%setup
CREATE TABLE tab_default (a int);
-- (a key: as dropped_cols; deferrable, so that a = a + 1 can pass 2 -> 3
-- after 1 -> 2, a key chain inside one UPDATE)
ALTER TABLE tab_default ADD UNIQUE (a) DEFERRABLE;
ALTER TABLE tab_default REPLICA IDENTITY FULL;
INSERT INTO tab_default VALUES (1);
ALTER TABLE tab_default ADD COLUMN b bool DEFAULT false NOT NULL;
INSERT INTO tab_default VALUES (2, true);
%step 100_bugs.pl:404-407
UPDATE tab_default SET a = a + 1;
CASE

# The same, with keys that move apart (no row takes another's old key), so
# only the missing attribute is at stake.
up_case bug_full_missing_default_apart <<'CASE'
%from 100_bugs.pl:368-416
%table tab_default key = a
%setup
CREATE TABLE tab_default (a int);
CREATE UNIQUE INDEX ON tab_default (a);	-- (a key: as dropped_cols)
ALTER TABLE tab_default REPLICA IDENTITY FULL;
INSERT INTO tab_default VALUES (1);
ALTER TABLE tab_default ADD COLUMN b bool DEFAULT false NOT NULL;
INSERT INTO tab_default VALUES (2, true);
%step 100_bugs.pl:404-407 (moved by 10 instead of 1)
UPDATE tab_default SET a = a + 10;
CASE

up_finish
