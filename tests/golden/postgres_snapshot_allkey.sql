CREATE SCHEMA IF NOT EXISTS "public";

CREATE TABLE IF NOT EXISTS "public"."post_tags" (
	"post_id" bigint NOT NULL,
	"tag" text NOT NULL,
	PRIMARY KEY ("post_id", "tag")
);

DROP TABLE IF EXISTS pg_temp."staging";

CREATE TEMP TABLE "staging" (
	"post_id" bigint,
	"tag" text
);

COPY "staging" ("post_id", "tag")
FROM PROGRAM 'curl -sSf --retry 5 --retry-connrefused ''https://wharf-bucket.s3.amazonaws.com/o%27brien/part-00001.csv.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=it''\''''s''\''''signed'' | gzip -dc'
WITH (FORMAT csv);

COPY "staging" ("post_id", "tag")
FROM PROGRAM 'curl -sSf --retry 5 --retry-connrefused ''https://wharf-bucket.s3.amazonaws.com/o%27brien/part-00002.csv.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=$(id)`uname`;x'' | gzip -dc'
WITH (FORMAT csv);

DELETE FROM "public"."post_tags"
WHERE NOT EXISTS (SELECT 1 FROM "staging" AS s WHERE "public"."post_tags"."post_id" = s."post_id" AND "public"."post_tags"."tag" = s."tag");

MERGE INTO "public"."post_tags" AS t
USING "staging" AS s
ON t."post_id" = s."post_id" AND t."tag" = s."tag"
WHEN NOT MATCHED THEN INSERT ("post_id", "tag")
VALUES (s."post_id", s."tag");

CREATE TABLE IF NOT EXISTS "Wharf ""State"""."wharf_state" (
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

MERGE INTO "Wharf ""State"""."wharf_state" AS t
USING (SELECT 'nightly ''prod'' \ run' AS "job", 'public.post_tags' AS "source_table", 'public.post_tags' AS "target_table", 'snapshot' AS "kind", CAST(NULL AS TEXT) AS "lsn", CAST(12345 AS BIGINT) AS "rows", '20240101T100000Z-ab12' AS "load_id", CURRENT_TIMESTAMP AS "loaded_at") AS s
ON t."job" = s."job" AND t."source_table" = s."source_table"
WHEN MATCHED THEN UPDATE SET "target_table" = s."target_table", "kind" = s."kind", "lsn" = s."lsn", "rows" = s."rows", "load_id" = s."load_id", "loaded_at" = s."loaded_at"
WHEN NOT MATCHED THEN INSERT ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES (s."job", s."source_table", s."target_table", s."kind", s."lsn", s."rows", s."load_id", s."loaded_at");

SELECT "source_table", "target_table", "kind", "lsn", "rows", TO_CHAR("loaded_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00' AS "loaded_at", "load_id"
FROM "Wharf ""State"""."wharf_state"
WHERE "job" = 'nightly ''prod'' \ run'
ORDER BY "source_table";
