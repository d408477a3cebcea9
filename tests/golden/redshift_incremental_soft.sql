DROP TABLE IF EXISTS "wharf_staging_1";

CREATE TEMP TABLE "wharf_staging_1" (
	"id" BIGINT,
	"email" VARCHAR(1020),
	"name" VARCHAR(65535),
	"signed up" TIMESTAMPTZ,
	"avatar" VARCHAR(65535),
	"prefs" SUPER
);

DROP TABLE IF EXISTS "wharf_keys_1";

CREATE TEMP TABLE "wharf_keys_1" (
	"id" BIGINT
);

COPY "wharf_staging_1" ("id", "email", "name", "signed up", "avatar", "prefs")
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

COPY "wharf_keys_1" ("id")
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
  AND NOT EXISTS (SELECT 1 FROM "wharf_keys_1" AS s WHERE "analytics"."customers"."id" = s."id");

DELETE FROM "analytics"."customers"
USING "wharf_staging_1"
WHERE "analytics"."customers"."id" = "wharf_staging_1"."id";

INSERT INTO "analytics"."customers" ("id", "email", "name", "signed up", "avatar", "prefs")
SELECT s."id", s."email", s."name", s."signed up", TO_VARBYTE(SUBSTRING(s."avatar" FROM 3), 'hex'), s."prefs"
FROM "wharf_staging_1" AS s;

DELETE FROM "wharf"."wharf_state"
WHERE "job" = 'nightly ''prod'' \\ run' AND "source_table" = 's.t mark';

INSERT INTO "wharf"."wharf_state" ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES ('nightly ''prod'' \\ run', 's.t mark', '7301:7305:7302', 'mark', NULL, 0, '20240101T100000Z-ab12', (SYSDATE AT TIME ZONE 'UTC'));
