DROP TABLE IF EXISTS pg_temp."wharf_staging_1";

CREATE TEMP TABLE "wharf_staging_1" (
	"id" bigint,
	"email" character varying(255),
	"Name" text,
	"signed up" timestamp with time zone,
	"avatar" bytea,
	"prefs" jsonb
);

DROP TABLE IF EXISTS pg_temp."wharf_keys_1";

CREATE TEMP TABLE "wharf_keys_1" (
	"id" bigint
);

COPY "wharf_staging_1" ("id", "email", "Name", "signed up", "avatar", "prefs")
FROM PROGRAM 'curl -sSf --retry 5 --retry-connrefused ''https://wharf-bucket.s3.amazonaws.com/o%27brien/part-00001.csv.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=it''\''''s''\''''signed'' | gzip -dc'
WITH (FORMAT csv);

COPY "wharf_staging_1" ("id", "email", "Name", "signed up", "avatar", "prefs")
FROM PROGRAM 'curl -sSf --retry 5 --retry-connrefused ''https://wharf-bucket.s3.amazonaws.com/o%27brien/part-00002.csv.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=$(id)`uname`;x'' | gzip -dc'
WITH (FORMAT csv);

COPY "wharf_keys_1" ("id")
FROM PROGRAM 'curl -sSf --retry 5 --retry-connrefused ''https://wharf-bucket.s3.amazonaws.com/o%27brien/part-00001.csv.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=it''\''''s''\''''signed'' | gzip -dc'
WITH (FORMAT csv);

COPY "wharf_keys_1" ("id")
FROM PROGRAM 'curl -sSf --retry 5 --retry-connrefused ''https://wharf-bucket.s3.amazonaws.com/o%27brien/part-00002.csv.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=$(id)`uname`;x'' | gzip -dc'
WITH (FORMAT csv);

UPDATE "analytics"."Customers" SET "_wharf_deleted" = TRUE, "_wharf_deleted_at" = CURRENT_TIMESTAMP
WHERE "analytics"."Customers"."_wharf_deleted" = FALSE
  AND NOT EXISTS (SELECT 1 FROM "wharf_keys_1" AS s WHERE "analytics"."Customers"."id" = s."id");

MERGE INTO "analytics"."Customers" AS t
USING "wharf_staging_1" AS s
ON t."id" = s."id"
WHEN MATCHED THEN UPDATE SET "email" = s."email", "Name" = s."Name", "signed up" = s."signed up", "avatar" = s."avatar", "prefs" = s."prefs", "_wharf_deleted" = FALSE, "_wharf_deleted_at" = NULL
WHEN NOT MATCHED THEN INSERT ("id", "email", "Name", "signed up", "avatar", "prefs")
VALUES (s."id", s."email", s."Name", s."signed up", s."avatar", s."prefs");

MERGE INTO "wharf"."wharf_state" AS t
USING (SELECT 'nightly ''prod'' \ run' AS "job", 's.t mark' AS "source_table", '7301:7305:7302' AS "target_table", 'mark' AS "kind", CAST(NULL AS TEXT) AS "lsn", CAST(0 AS BIGINT) AS "rows", '20240101T100000Z-ab12' AS "load_id", CURRENT_TIMESTAMP AS "loaded_at") AS s
ON t."job" = s."job" AND t."source_table" = s."source_table"
WHEN MATCHED THEN UPDATE SET "target_table" = s."target_table", "kind" = s."kind", "lsn" = s."lsn", "rows" = s."rows", "load_id" = s."load_id", "loaded_at" = s."loaded_at"
WHEN NOT MATCHED THEN INSERT ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES (s."job", s."source_table", s."target_table", s."kind", s."lsn", s."rows", s."load_id", s."loaded_at");
