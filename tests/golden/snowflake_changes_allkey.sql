CREATE OR REPLACE TEMPORARY TABLE "wharf_staging_1" (
	"_wharf_lsn" BIGINT,
	"_wharf_seq" BIGINT,
	"_wharf_op" VARCHAR,
	"_wharf_unchanged" VARCHAR,
	"post_id" BIGINT,
	"tag" VARCHAR
);

COPY INTO "wharf_staging_1"
FROM 's3://wharf-bucket/o''brien\\data/nightly/20240101T100000Z-ab12/Sales Dept.Order "Lines"/'
STORAGE_INTEGRATION = wharf_s3
FILES = ('part-00001.csv.gz', 'part-00002.csv.gz')
FILE_FORMAT = (TYPE = CSV COMPRESSION = GZIP FIELD_DELIMITER = ',' SKIP_HEADER = 0 FIELD_OPTIONALLY_ENCLOSED_BY = '"' ESCAPE = NONE ESCAPE_UNENCLOSED_FIELD = NONE EMPTY_FIELD_AS_NULL = TRUE NULL_IF = () TRIM_SPACE = FALSE ERROR_ON_COLUMN_COUNT_MISMATCH = TRUE REPLACE_INVALID_CHARACTERS = FALSE ENCODING = 'UTF8' DATE_FORMAT = 'YYYY-MM-DD' TIME_FORMAT = AUTO TIMESTAMP_FORMAT = AUTO)
ON_ERROR = ABORT_STATEMENT
PURGE = FALSE
FORCE = TRUE;

DELETE FROM "public"."post_tags"
WHERE EXISTS (SELECT 1 FROM "wharf_staging_1" AS x WHERE x."_wharf_op" = 'T');

MERGE INTO "public"."post_tags" AS t
USING (
SELECT b."post_id", b."tag", b."_wharf_op"
FROM (
	SELECT a."post_id", a."tag", a."_wharf_op",
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
WHEN NOT MATCHED AND s."_wharf_op" <> 'D' THEN INSERT ("post_id", "tag")
VALUES (s."post_id", s."tag");
