-- setup.sql: the tables and publication of the capture (see capture.sh).
DROP PUBLICATION IF EXISTS pub;
DROP TABLE IF EXISTS t_basic, t_toast, t_full, t_trunc1, t_trunc2, t_enum;
DROP TYPE IF EXISTS mood;
CREATE TABLE t_basic (id int PRIMARY KEY, txt text, n numeric, flag bool);
CREATE TABLE t_toast (id int PRIMARY KEY, big text, note text);
ALTER TABLE t_toast ALTER COLUMN big SET STORAGE EXTERNAL;
INSERT INTO t_toast
	SELECT 1, string_agg(md5(i::text), ''), 'original' FROM generate_series(1, 400) i;
CREATE TABLE t_full (a int, b text);
ALTER TABLE t_full REPLICA IDENTITY FULL;
INSERT INTO t_full VALUES (1, 'one'), (2, 'two');
CREATE TABLE t_trunc1 (id serial PRIMARY KEY, v text);
CREATE TABLE t_trunc2 (id serial PRIMARY KEY, v text);
INSERT INTO t_trunc1 (v) VALUES ('a');
INSERT INTO t_trunc2 (v) VALUES ('b');
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE t_enum (id int PRIMARY KEY, m mood);
CREATE PUBLICATION pub FOR ALL TABLES;
SELECT pg_replication_origin_drop('cap_origin')
	WHERE EXISTS (SELECT FROM pg_replication_origin WHERE roname = 'cap_origin');
SELECT pg_replication_origin_create('cap_origin');
