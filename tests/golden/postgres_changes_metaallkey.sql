DROP TABLE IF EXISTS pg_temp."wharf_staging_1";

CREATE TEMP TABLE "wharf_staging_1" (
	"_wharf_lsn" BIGINT,
	"_wharf_seq" BIGINT,
	"_wharf_op" TEXT,
	"_wharf_unchanged" TEXT,
	"post_id" bigint,
	"tag" text
);

COPY "wharf_staging_1" ("_wharf_lsn", "_wharf_seq", "_wharf_op", "_wharf_unchanged", "post_id", "tag")
FROM PROGRAM 'curl -sSf --retry 5 --retry-connrefused ''https://wharf-bucket.s3.amazonaws.com/o%27brien/part-00001.csv.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=it''\''''s''\''''signed'' | gzip -dc'
WITH (FORMAT csv);

COPY "wharf_staging_1" ("_wharf_lsn", "_wharf_seq", "_wharf_op", "_wharf_unchanged", "post_id", "tag")
FROM PROGRAM 'curl -sSf --retry 5 --retry-connrefused ''https://wharf-bucket.s3.amazonaws.com/o%27brien/part-00002.csv.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=$(id)`uname`;x'' | gzip -dc'
WITH (FORMAT csv);

DELETE FROM "public"."post_tags"
WHERE EXISTS (SELECT 1 FROM "wharf_staging_1" AS x WHERE x."_wharf_op" = 'T');

MERGE INTO "public"."post_tags" AS t
USING (
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
) AS s
ON t."post_id" = s."post_id" AND t."tag" = s."tag"
WHEN MATCHED AND s."_wharf_op" = 'D' THEN DELETE
WHEN MATCHED THEN UPDATE SET "_wharf_synced_at" = CURRENT_TIMESTAMP, "_wharf_lsn" = s."_wharf_lsn", "_wharf_op" = CASE WHEN s."_wharf_op" = 'I' THEN 'I' ELSE 'U' END
WHEN NOT MATCHED AND s."_wharf_op" <> 'D' THEN INSERT ("post_id", "tag", "_wharf_synced_at", "_wharf_lsn", "_wharf_op")
VALUES (s."post_id", s."tag", CURRENT_TIMESTAMP, s."_wharf_lsn", CASE WHEN s."_wharf_op" = 'I' THEN 'I' ELSE 'U' END);
