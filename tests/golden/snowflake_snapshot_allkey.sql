CREATE SCHEMA IF NOT EXISTS "public";

CREATE TABLE IF NOT EXISTS "public"."post_tags" (
	"post_id" BIGINT NOT NULL,
	"tag" VARCHAR NOT NULL,
	PRIMARY KEY ("post_id", "tag")
);

CREATE OR REPLACE TEMPORARY TABLE "staging" (
	"post_id" BIGINT,
	"tag" VARCHAR
);

COPY INTO "staging"
FROM 's3://wharf-bucket/o''brien\\data/nightly/20240101T100000Z-ab12/Sales Dept.Order "Lines"/'
STORAGE_INTEGRATION = wharf_s3
FILES = ('part-00001.csv.gz', 'part-00002.csv.gz')
FILE_FORMAT = (TYPE = CSV COMPRESSION = GZIP FIELD_DELIMITER = ',' SKIP_HEADER = 0 FIELD_OPTIONALLY_ENCLOSED_BY = '"' ESCAPE = NONE ESCAPE_UNENCLOSED_FIELD = NONE EMPTY_FIELD_AS_NULL = TRUE NULL_IF = () TRIM_SPACE = FALSE ERROR_ON_COLUMN_COUNT_MISMATCH = TRUE REPLACE_INVALID_CHARACTERS = FALSE ENCODING = 'UTF8' DATE_FORMAT = 'YYYY-MM-DD' TIME_FORMAT = AUTO TIMESTAMP_FORMAT = AUTO)
ON_ERROR = ABORT_STATEMENT
PURGE = FALSE
FORCE = TRUE;

DELETE FROM "public"."post_tags"
WHERE NOT EXISTS (SELECT 1 FROM "staging" AS s WHERE "public"."post_tags"."post_id" = s."post_id" AND "public"."post_tags"."tag" = s."tag");

MERGE INTO "public"."post_tags" AS t
USING "staging" AS s
ON t."post_id" = s."post_id" AND t."tag" = s."tag"
WHEN NOT MATCHED THEN INSERT ("post_id", "tag")
VALUES (s."post_id", s."tag");

CREATE TABLE IF NOT EXISTS "Wharf ""State"""."wharf_state" (
	"job" VARCHAR NOT NULL,
	"source_table" VARCHAR NOT NULL,
	"target_table" VARCHAR NOT NULL,
	"kind" VARCHAR NOT NULL,
	"lsn" VARCHAR,
	"rows" BIGINT,
	"load_id" VARCHAR,
	"loaded_at" TIMESTAMP_TZ NOT NULL,
	PRIMARY KEY ("job", "source_table")
);

MERGE INTO "Wharf ""State"""."wharf_state" AS t
USING (SELECT 'nightly ''prod'' \\ run' AS "job", 'public.post_tags' AS "source_table", 'public.post_tags' AS "target_table", 'snapshot' AS "kind", CAST(NULL AS VARCHAR) AS "lsn", CAST(12345 AS BIGINT) AS "rows", '20240101T100000Z-ab12' AS "load_id", CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP()) AS "loaded_at") AS s
ON t."job" = s."job" AND t."source_table" = s."source_table"
WHEN MATCHED THEN UPDATE SET "target_table" = s."target_table", "kind" = s."kind", "lsn" = s."lsn", "rows" = s."rows", "load_id" = s."load_id", "loaded_at" = s."loaded_at"
WHEN NOT MATCHED THEN INSERT ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES (s."job", s."source_table", s."target_table", s."kind", s."lsn", s."rows", s."load_id", s."loaded_at");

SELECT "source_table", "target_table", "kind", "lsn", "rows", TO_VARCHAR(CONVERT_TIMEZONE('UTC', "loaded_at"), 'YYYY-MM-DD HH24:MI:SS') || '+00' AS "loaded_at", "load_id"
FROM "Wharf ""State"""."wharf_state"
WHERE "job" = 'nightly ''prod'' \\ run'
ORDER BY "source_table";
