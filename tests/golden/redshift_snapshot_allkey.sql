CREATE SCHEMA IF NOT EXISTS "public";

CREATE TABLE IF NOT EXISTS "public"."post_tags" (
	"post_id" BIGINT NOT NULL,
	"tag" VARCHAR(65535) NOT NULL,
	PRIMARY KEY ("post_id", "tag")
);

DROP TABLE IF EXISTS "staging";

CREATE TEMP TABLE "staging" (
	"post_id" BIGINT,
	"tag" VARCHAR(65535)
);

COPY "staging" ("post_id", "tag")
FROM 's3://wharf-bucket/o''brien\\data/nightly/20240101T100000Z-ab12/Sales Dept.Order "Lines"/manifest.json'
IAM_ROLE 'arn:aws:iam::123456789012:role/wharf-loader'
MANIFEST
REGION 'us-east-1'
FORMAT AS CSV
GZIP
NULL AS '\\N'
TIMEFORMAT 'auto'
COMPUPDATE OFF
STATUPDATE OFF;

DELETE FROM "public"."post_tags"
WHERE NOT EXISTS (SELECT 1 FROM "staging" AS s WHERE "public"."post_tags"."post_id" = s."post_id" AND "public"."post_tags"."tag" = s."tag");

DELETE FROM "public"."post_tags"
USING "staging"
WHERE "public"."post_tags"."post_id" = "staging"."post_id" AND "public"."post_tags"."tag" = "staging"."tag";

INSERT INTO "public"."post_tags" ("post_id", "tag")
SELECT s."post_id", s."tag"
FROM "staging" AS s;

CREATE TABLE IF NOT EXISTS "wharf ""state"""."wharf_state" (
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

DELETE FROM "wharf ""state"""."wharf_state"
WHERE "job" = 'nightly ''prod'' \\ run' AND "source_table" = 'public.post_tags';

INSERT INTO "wharf ""state"""."wharf_state" ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES ('nightly ''prod'' \\ run', 'public.post_tags', 'public.post_tags', 'snapshot', NULL, 12345, '20240101T100000Z-ab12', (SYSDATE AT TIME ZONE 'UTC'));

SELECT "source_table", "target_table", "kind", "lsn", "rows", TO_CHAR("loaded_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00' AS "loaded_at", "load_id"
FROM "wharf ""state"""."wharf_state"
WHERE "job" = 'nightly ''prod'' \\ run'
ORDER BY "source_table";
