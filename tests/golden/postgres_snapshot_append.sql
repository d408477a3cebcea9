CREATE TABLE IF NOT EXISTS "events" (
	"at" timestamp with time zone,
	"kind" text,
	"payload" jsonb,
	"value" double precision
);

DROP TABLE IF EXISTS pg_temp."staging";

CREATE TEMP TABLE "staging" (
	"at" timestamp with time zone,
	"kind" text,
	"payload" jsonb,
	"value" double precision
);

COPY "staging" ("at", "kind", "payload", "value")
FROM PROGRAM 'gzip -dc ''/var/lib/wharf/stage/it''\''''s here/public.events/part-00001.csv.gz'''
WITH (FORMAT csv);

COPY "staging" ("at", "kind", "payload", "value")
FROM PROGRAM 'gzip -dc ''/var/lib/wharf/stage/it''\''''s here/public.events/part-00002.csv.gz'''
WITH (FORMAT csv);

DELETE FROM "events";

INSERT INTO "events" ("at", "kind", "payload", "value")
SELECT s."at", s."kind", s."payload", s."value"
FROM "staging" AS s;

CREATE TABLE IF NOT EXISTS "wharf_state" (
	"job" TEXT NOT NULL,
	"source_table" TEXT NOT NULL,
	"target_table" TEXT NOT NULL,
	"kind" TEXT NOT NULL,
	"lsn" TEXT,
	"rows" BIGINT,
	"load_id" TEXT,
	"loaded_at" TIMESTAMPTZ NOT NULL,
	PRIMARY KEY ("job", "source_table")
);

MERGE INTO "wharf_state" AS t
USING (SELECT 'nightly ''prod'' \ run' AS "job", 'public.events' AS "source_table", 'events' AS "target_table", 'snapshot' AS "kind", CAST(NULL AS TEXT) AS "lsn", CAST(12345 AS BIGINT) AS "rows", '20240101T100000Z-ab12' AS "load_id", CURRENT_TIMESTAMP AS "loaded_at") AS s
ON t."job" = s."job" AND t."source_table" = s."source_table"
WHEN MATCHED THEN UPDATE SET "target_table" = s."target_table", "kind" = s."kind", "lsn" = s."lsn", "rows" = s."rows", "load_id" = s."load_id", "loaded_at" = s."loaded_at"
WHEN NOT MATCHED THEN INSERT ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES (s."job", s."source_table", s."target_table", s."kind", s."lsn", s."rows", s."load_id", s."loaded_at");

SELECT "source_table", "target_table", "kind", "lsn", "rows", TO_CHAR("loaded_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00' AS "loaded_at", "load_id"
FROM "wharf_state"
WHERE "job" = 'nightly ''prod'' \ run'
ORDER BY "source_table";
