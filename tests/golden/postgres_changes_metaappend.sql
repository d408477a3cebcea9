DROP TABLE IF EXISTS pg_temp."wharf_staging_1";

CREATE TEMP TABLE "wharf_staging_1" (
	"_wharf_lsn" BIGINT,
	"_wharf_seq" BIGINT,
	"_wharf_op" TEXT,
	"_wharf_unchanged" TEXT,
	"at" timestamp with time zone,
	"kind" text,
	"payload" jsonb,
	"value" double precision
);

COPY "wharf_staging_1" ("_wharf_lsn", "_wharf_seq", "_wharf_op", "_wharf_unchanged", "at", "kind", "payload", "value")
FROM PROGRAM 'gzip -dc ''/var/lib/wharf/stage/it''\''''s here/public.events/part-00001.csv.gz'''
WITH (FORMAT csv);

COPY "wharf_staging_1" ("_wharf_lsn", "_wharf_seq", "_wharf_op", "_wharf_unchanged", "at", "kind", "payload", "value")
FROM PROGRAM 'gzip -dc ''/var/lib/wharf/stage/it''\''''s here/public.events/part-00002.csv.gz'''
WITH (FORMAT csv);

INSERT INTO "events" ("at", "kind", "payload", "value", "_wharf_synced_at", "_wharf_lsn", "_wharf_op")
SELECT s."at", s."kind", s."payload", s."value", CURRENT_TIMESTAMP, s."_wharf_lsn", CASE WHEN s."_wharf_op" = 'I' THEN 'I' ELSE 'U' END
FROM "wharf_staging_1" AS s
WHERE s."_wharf_op" = 'I'
ORDER BY s."_wharf_lsn", s."_wharf_seq";
