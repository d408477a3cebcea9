DROP TABLE IF EXISTS "wharf_staging_1";

CREATE TEMP TABLE "wharf_staging_1" (
	"_wharf_lsn" BIGINT,
	"_wharf_seq" BIGINT,
	"_wharf_op" VARCHAR(1024),
	"_wharf_unchanged" VARCHAR(65535),
	"post_id" BIGINT,
	"tag" VARCHAR(65535)
);

COPY "wharf_staging_1" ("_wharf_lsn", "_wharf_seq", "_wharf_op", "_wharf_unchanged", "post_id", "tag")
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
WHERE EXISTS (SELECT 1 FROM "wharf_staging_1" AS x WHERE x."_wharf_op" = 'T');

CREATE TEMP TABLE "wharf_staging_1_final" AS
SELECT r."post_id" AS "post_id",
	r."tag" AS "tag",
	r."_wharf_op", r."_wharf_lsn"
FROM (
SELECT b."post_id", b."tag", b."_wharf_op", b."_wharf_lsn"
FROM (
	SELECT a."post_id", a."tag", a."_wharf_op", a."_wharf_lsn",
		ROW_NUMBER() OVER (PARTITION BY a."post_id", a."tag" ORDER BY a."_wharf_lsn" DESC, a."_wharf_seq" DESC) AS "_wharf_rank"
	FROM (
		SELECT s."post_id", s."tag", s."_wharf_lsn", s."_wharf_seq", s."_wharf_op"
		FROM "wharf_staging_1" AS s
		CROSS JOIN (SELECT MAX(x."_wharf_lsn") AS "_wharf_truncate_lsn", MAX(x."_wharf_seq") AS "_wharf_truncate_seq"
			FROM "wharf_staging_1" AS x
			WHERE x."_wharf_op" = 'T' AND x."_wharf_lsn" = (SELECT MAX(y."_wharf_lsn") FROM "wharf_staging_1" AS y WHERE y."_wharf_op" = 'T')) AS tp
		WHERE s."_wharf_op" <> 'T'
		  AND (tp."_wharf_truncate_lsn" IS NULL OR s."_wharf_lsn" > tp."_wharf_truncate_lsn"
		       OR (s."_wharf_lsn" = tp."_wharf_truncate_lsn" AND s."_wharf_seq" > tp."_wharf_truncate_seq"))
	) AS a
) AS b
WHERE b."_wharf_rank" = 1
) AS r
LEFT JOIN "public"."post_tags" AS t ON t."post_id" = r."post_id" AND t."tag" = r."tag";

DELETE FROM "public"."post_tags"
USING "wharf_staging_1_final"
WHERE "public"."post_tags"."post_id" = "wharf_staging_1_final"."post_id" AND "public"."post_tags"."tag" = "wharf_staging_1_final"."tag";

INSERT INTO "public"."post_tags" ("post_id", "tag", "_wharf_synced_at", "_wharf_lsn", "_wharf_op")
SELECT "wharf_staging_1_final"."post_id", "wharf_staging_1_final"."tag", (SYSDATE AT TIME ZONE 'UTC'), "wharf_staging_1_final"."_wharf_lsn", CASE WHEN "wharf_staging_1_final"."_wharf_op" = 'I' THEN 'I' ELSE 'U' END
FROM "wharf_staging_1_final"
WHERE "wharf_staging_1_final"."_wharf_op" <> 'D';

DROP TABLE "wharf_staging_1_final";
