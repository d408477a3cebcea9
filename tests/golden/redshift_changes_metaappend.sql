DROP TABLE IF EXISTS "wharf_staging_1";

CREATE TEMP TABLE "wharf_staging_1" (
	"_wharf_lsn" BIGINT,
	"_wharf_seq" BIGINT,
	"_wharf_op" VARCHAR(1024),
	"_wharf_unchanged" VARCHAR(65535),
	"at" TIMESTAMPTZ,
	"kind" VARCHAR(65535),
	"payload" SUPER,
	"value" DOUBLE PRECISION
);

COPY "wharf_staging_1" ("_wharf_lsn", "_wharf_seq", "_wharf_op", "_wharf_unchanged", "at", "kind", "payload", "value")
FROM 's3://wharf-bucket/o''brien\\data/nightly/20240101T100000Z-ab12/Sales Dept.Order "Lines"/manifest.json'
IAM_ROLE default
MANIFEST
FORMAT AS CSV
GZIP
NULL AS '\\N'
TIMEFORMAT 'auto'
COMPUPDATE OFF
STATUPDATE OFF;

INSERT INTO "events" ("at", "kind", "payload", "value", "_wharf_synced_at", "_wharf_lsn", "_wharf_op")
SELECT s."at", s."kind", s."payload", s."value", (SYSDATE AT TIME ZONE 'UTC'), s."_wharf_lsn", CASE WHEN s."_wharf_op" = 'I' THEN 'I' ELSE 'U' END
FROM "wharf_staging_1" AS s
WHERE s."_wharf_op" = 'I'
ORDER BY s."_wharf_lsn", s."_wharf_seq";
