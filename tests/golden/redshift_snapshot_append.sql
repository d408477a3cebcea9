CREATE TABLE IF NOT EXISTS "events" (
	"at" TIMESTAMPTZ,
	"kind" VARCHAR(65535),
	"payload" SUPER,
	"value" DOUBLE PRECISION
);

DROP TABLE IF EXISTS "staging";

CREATE TEMP TABLE "staging" (
	"at" TIMESTAMPTZ,
	"kind" VARCHAR(65535),
	"payload" SUPER,
	"value" DOUBLE PRECISION
);

COPY "staging" ("at", "kind", "payload", "value")
FROM 's3://wharf-bucket/o''brien\\data/nightly/20240101T100000Z-ab12/Sales Dept.Order "Lines"/manifest.json'
IAM_ROLE default
MANIFEST
FORMAT AS CSV
GZIP
NULL AS '\\N'
TIMEFORMAT 'auto'
COMPUPDATE OFF
STATUPDATE OFF;

DELETE FROM "events";

INSERT INTO "events" ("at", "kind", "payload", "value")
SELECT s."at", s."kind", s."payload", s."value"
FROM "staging" AS s;

CREATE TABLE IF NOT EXISTS "wharf_state" (
	"job" VARCHAR(1024) NOT NULL,
	"source_table" VARCHAR(1024) NOT NULL,
	"target_table" VARCHAR(1024) NOT NULL,
	"kind" VARCHAR(1024) NOT NULL,
	"lsn" VARCHAR(1024),
	"rows" BIGINT,
	"load_id" VARCHAR(1024),
	"loaded_at" TIMESTAMPTZ NOT NULL,
	PRIMARY KEY ("job", "source_table")
);

DELETE FROM "wharf_state"
WHERE "job" = 'nightly ''prod'' \\ run' AND "source_table" = 'public.events';

INSERT INTO "wharf_state" ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES ('nightly ''prod'' \\ run', 'public.events', 'events', 'snapshot', NULL, 12345, '20240101T100000Z-ab12', (SYSDATE AT TIME ZONE 'UTC'));

SELECT "source_table", "target_table", "kind", "lsn", "rows", TO_CHAR("loaded_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00' AS "loaded_at", "load_id"
FROM "wharf_state"
WHERE "job" = 'nightly ''prod'' \\ run'
ORDER BY "source_table";
