CREATE SCHEMA IF NOT EXISTS "analytics";

CREATE TABLE IF NOT EXISTS "analytics"."Customers" (
	"id" bigint NOT NULL,
	"email" character varying(255) NOT NULL,
	"Name" text,
	"signed up" timestamp with time zone,
	"avatar" bytea,
	"prefs" jsonb,
	"_wharf_deleted" BOOLEAN NOT NULL DEFAULT FALSE,
	"_wharf_deleted_at" TIMESTAMPTZ,
	"_wharf_synced_at" TIMESTAMPTZ,
	"_wharf_lsn" BIGINT,
	"_wharf_op" VARCHAR(1),
	PRIMARY KEY ("id")
);

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "_wharf_synced_at" TIMESTAMPTZ;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "_wharf_lsn" BIGINT;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "_wharf_op" VARCHAR(1);

DROP TABLE IF EXISTS pg_temp."staging";

CREATE TEMP TABLE "staging" (
	"id" bigint,
	"email" character varying(255),
	"Name" text,
	"signed up" timestamp with time zone,
	"avatar" bytea,
	"prefs" jsonb
);

COPY "staging" ("id", "email", "Name", "signed up", "avatar", "prefs")
FROM PROGRAM 'curl -sSf --retry 5 --retry-connrefused ''https://wharf-bucket.s3.amazonaws.com/o%27brien/part-00001.csv.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=it''\''''s''\''''signed'' | gzip -dc'
WITH (FORMAT csv);

COPY "staging" ("id", "email", "Name", "signed up", "avatar", "prefs")
FROM PROGRAM 'curl -sSf --retry 5 --retry-connrefused ''https://wharf-bucket.s3.amazonaws.com/o%27brien/part-00002.csv.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=$(id)`uname`;x'' | gzip -dc'
WITH (FORMAT csv);

UPDATE "analytics"."Customers" SET "_wharf_deleted" = TRUE, "_wharf_deleted_at" = CURRENT_TIMESTAMP
WHERE "analytics"."Customers"."_wharf_deleted" = FALSE
  AND NOT EXISTS (SELECT 1 FROM "staging" AS s WHERE "analytics"."Customers"."id" = s."id");

MERGE INTO "analytics"."Customers" AS t
USING "staging" AS s
ON t."id" = s."id"
WHEN MATCHED THEN UPDATE SET "email" = s."email", "Name" = s."Name", "signed up" = s."signed up", "avatar" = s."avatar", "prefs" = s."prefs", "_wharf_deleted" = FALSE, "_wharf_deleted_at" = NULL, "_wharf_synced_at" = CURRENT_TIMESTAMP, "_wharf_lsn" = NULL, "_wharf_op" = 'S'
WHEN NOT MATCHED THEN INSERT ("id", "email", "Name", "signed up", "avatar", "prefs", "_wharf_synced_at", "_wharf_lsn", "_wharf_op")
VALUES (s."id", s."email", s."Name", s."signed up", s."avatar", s."prefs", CURRENT_TIMESTAMP, NULL, 'S');

INSERT INTO "analytics"."Customers" ("id", "email", "Name", "signed up", "avatar", "prefs", "_wharf_synced_at", "_wharf_lsn", "_wharf_op")
SELECT s."id", s."email", s."Name", s."signed up", s."avatar", s."prefs", CURRENT_TIMESTAMP, NULL, 'S'
FROM "staging" AS s;

CREATE TABLE IF NOT EXISTS "wharf"."wharf_state" (
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

MERGE INTO "wharf"."wharf_state" AS t
USING (SELECT 'nightly ''prod'' \ run' AS "job", 'public.customers' AS "source_table", 'analytics."Customers"' AS "target_table", 'snapshot' AS "kind", CAST(NULL AS TEXT) AS "lsn", CAST(12345 AS BIGINT) AS "rows", '20240101T100000Z-ab12' AS "load_id", CURRENT_TIMESTAMP AS "loaded_at") AS s
ON t."job" = s."job" AND t."source_table" = s."source_table"
WHEN MATCHED THEN UPDATE SET "target_table" = s."target_table", "kind" = s."kind", "lsn" = s."lsn", "rows" = s."rows", "load_id" = s."load_id", "loaded_at" = s."loaded_at"
WHEN NOT MATCHED THEN INSERT ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES (s."job", s."source_table", s."target_table", s."kind", s."lsn", s."rows", s."load_id", s."loaded_at");

SELECT "source_table", "target_table", "kind", "lsn", "rows", TO_CHAR("loaded_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00' AS "loaded_at", "load_id"
FROM "wharf"."wharf_state"
WHERE "job" = 'nightly ''prod'' \ run'
ORDER BY "source_table";
