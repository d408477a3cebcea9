-- workload.sql: the statements whose pgoutput stream is captured in
-- stream.hex (see capture.sh).  Run after the slot "cap" exists.
INSERT INTO t_basic VALUES
	(1, 'plain', 1.5, true),
	(2, NULL, NULL, NULL),
	(3, E'it''s "quoted"\nsecond line\\', -0.000001, false),
	(4, 'naïve 日本 🚀', 12345678901234567890.123456789, true);

UPDATE t_toast SET note = 'changed' WHERE id = 1;

UPDATE t_basic SET id = 100 WHERE id = 1;

UPDATE t_full SET b = 'full-updated' WHERE a = 1;
DELETE FROM t_full WHERE a = 2;

DELETE FROM t_basic WHERE id = 2;

TRUNCATE t_trunc1, t_trunc2 RESTART IDENTITY CASCADE;

BEGIN;
SELECT pg_logical_emit_message(true, 'pfx', 'hello');
INSERT INTO t_enum VALUES (1, 'happy'), (2, NULL);
COMMIT;

SELECT pg_logical_emit_message(false, 'pfx', 'non-transactional');

ALTER TABLE t_basic ADD COLUMN extra text;
INSERT INTO t_basic VALUES (5, 'after alter', 0, false, 'extra!');

-- A transaction carrying a replication origin (Origin message 'O').
SELECT pg_replication_origin_session_setup('cap_origin');
BEGIN;
SELECT pg_replication_origin_xact_setup('1/23456789', '2024-01-02 03:04:05+00');
INSERT INTO t_enum VALUES (3, 'sad');
COMMIT;
SELECT pg_replication_origin_session_reset();
