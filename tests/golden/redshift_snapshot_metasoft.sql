CREATE SCHEMA IF NOT EXISTS "analytics";

CREATE TABLE IF NOT EXISTS "analytics"."customers" (
	"id" BIGINT NOT NULL,
	"email" VARCHAR(1020) NOT NULL,
	"name" VARCHAR(65535),
	"signed up" TIMESTAMPTZ,
	"avatar" VARBYTE(1024000),
	"prefs" SUPER,
	"_wharf_deleted" BOOLEAN NOT NULL DEFAULT FALSE,
	"_wharf_deleted_at" TIMESTAMPTZ,
	"_wharf_synced_at" TIMESTAMPTZ,
	"_wharf_lsn" BIGINT,
	"_wharf_op" VARCHAR(1),
	PRIMARY KEY ("id")
);

DROP TABLE IF EXISTS "staging";

CREATE TEMP TABLE "staging" (
	"id" BIGINT,
	"email" VARCHAR(1020),
	"name" VARCHAR(65535),
	"signed up" TIMESTAMPTZ,
	"avatar" VARCHAR(65535),
	"prefs" SUPER
);

COPY "staging" ("id", "email", "name", "signed up", "avatar", "prefs")
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

UPDATE "analytics"."customers" SET "_wharf_deleted" = TRUE, "_wharf_deleted_at" = (SYSDATE AT TIME ZONE 'UTC')
WHERE "analytics"."customers"."_wharf_deleted" = FALSE
  AND NOT EXISTS (SELECT 1 FROM "staging" AS s WHERE "analytics"."customers"."id" = s."id");

DELETE FROM "analytics"."customers"
USING "staging"
WHERE "analytics"."customers"."id" = "staging"."id";

INSERT INTO "analytics"."customers" ("id", "email", "name", "signed up", "avatar", "prefs", "_wharf_synced_at", "_wharf_lsn", "_wharf_op")
SELECT s."id", s."email", s."name", s."signed up", TO_VARBYTE(SUBSTRING(s."avatar" FROM 3), 'hex'), s."prefs", (SYSDATE AT TIME ZONE 'UTC'), NULL, 'S'
FROM "staging" AS s;

INSERT INTO "analytics"."customers" ("id", "email", "name", "signed up", "avatar", "prefs", "_wharf_synced_at", "_wharf_lsn", "_wharf_op")
SELECT s."id", s."email", s."name", s."signed up", TO_VARBYTE(SUBSTRING(s."avatar" FROM 3), 'hex'), s."prefs", (SYSDATE AT TIME ZONE 'UTC'), NULL, 'S'
FROM "staging" AS s;

CREATE TABLE IF NOT EXISTS "wharf"."wharf_state" (
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

DELETE FROM "wharf"."wharf_state"
WHERE "job" = 'nightly ''prod'' \\ run' AND "source_table" = 'public.customers';

INSERT INTO "wharf"."wharf_state" ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES ('nightly ''prod'' \\ run', 'public.customers', 'analytics."Customers"', 'snapshot', NULL, 12345, '20240101T100000Z-ab12', (SYSDATE AT TIME ZONE 'UTC'));

SELECT "source_table", "target_table", "kind", "lsn", "rows", TO_CHAR("loaded_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00' AS "loaded_at", "load_id"
FROM "wharf"."wharf_state"
WHERE "job" = 'nightly ''prod'' \\ run'
ORDER BY "source_table";
