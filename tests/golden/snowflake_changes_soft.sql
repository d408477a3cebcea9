CREATE OR REPLACE TEMPORARY TABLE "wharf_staging_1" (
	"_wharf_lsn" BIGINT,
	"_wharf_seq" BIGINT,
	"_wharf_op" VARCHAR,
	"_wharf_unchanged" VARCHAR,
	"id" BIGINT,
	"email" VARCHAR(255),
	"Name" VARCHAR,
	"signed up" TIMESTAMP_TZ(6),
	"avatar" VARCHAR,
	"prefs" VARCHAR
);

COPY INTO "wharf_staging_1"
FROM 's3://wharf-bucket/o''brien\\data/nightly/20240101T100000Z-ab12/Sales Dept.Order "Lines"/'
STORAGE_INTEGRATION = wharf_s3
FILES = ('part-00001.csv.gz', 'part-00002.csv.gz')
FILE_FORMAT = (TYPE = CSV COMPRESSION = GZIP FIELD_DELIMITER = ',' SKIP_HEADER = 0 FIELD_OPTIONALLY_ENCLOSED_BY = '"' ESCAPE = NONE ESCAPE_UNENCLOSED_FIELD = NONE EMPTY_FIELD_AS_NULL = TRUE NULL_IF = () TRIM_SPACE = FALSE ERROR_ON_COLUMN_COUNT_MISMATCH = TRUE REPLACE_INVALID_CHARACTERS = FALSE ENCODING = 'UTF8' DATE_FORMAT = 'YYYY-MM-DD' TIME_FORMAT = AUTO TIMESTAMP_FORMAT = AUTO)
ON_ERROR = ABORT_STATEMENT
PURGE = FALSE
FORCE = TRUE;

UPDATE "analytics"."Customers" SET "_wharf_deleted" = TRUE, "_wharf_deleted_at" = CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP())
WHERE "analytics"."Customers"."_wharf_deleted" = FALSE
  AND EXISTS (SELECT 1 FROM "wharf_staging_1" AS x WHERE x."_wharf_op" = 'T');

MERGE INTO "analytics"."Customers" AS t
USING (
SELECT b."id", b."email", b."Name", b."signed up", b."avatar", b."prefs", b."_wharf_op", b."_wharf_has_2", b."_wharf_has_3", b."_wharf_has_4", b."_wharf_has_5", b."_wharf_has_6"
FROM (
	SELECT a."id", a."_wharf_op",
		ROW_NUMBER() OVER (PARTITION BY a."id" ORDER BY a."_wharf_lsn" DESC, a."_wharf_seq" DESC) AS "_wharf_rank",
		CASE WHEN a."_wharf_seen_2" > 0 THEN FIRST_VALUE(a."email") OVER (PARTITION BY a."id", a."_wharf_seen_2" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "email",
		a."_wharf_seen_2" > 0 AS "_wharf_has_2",
		CASE WHEN a."_wharf_seen_3" > 0 THEN FIRST_VALUE(a."Name") OVER (PARTITION BY a."id", a."_wharf_seen_3" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "Name",
		a."_wharf_seen_3" > 0 AS "_wharf_has_3",
		CASE WHEN a."_wharf_seen_4" > 0 THEN FIRST_VALUE(a."signed up") OVER (PARTITION BY a."id", a."_wharf_seen_4" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "signed up",
		a."_wharf_seen_4" > 0 AS "_wharf_has_4",
		CASE WHEN a."_wharf_seen_5" > 0 THEN FIRST_VALUE(a."avatar") OVER (PARTITION BY a."id", a."_wharf_seen_5" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "avatar",
		a."_wharf_seen_5" > 0 AS "_wharf_has_5",
		CASE WHEN a."_wharf_seen_6" > 0 THEN FIRST_VALUE(a."prefs") OVER (PARTITION BY a."id", a."_wharf_seen_6" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "prefs",
		a."_wharf_seen_6" > 0 AS "_wharf_has_6"
	FROM (
		SELECT s."id", s."email", s."Name", s."signed up", s."avatar", s."prefs", s."_wharf_lsn", s."_wharf_seq", s."_wharf_op",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',2,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_2",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',3,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_3",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',4,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_4",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',5,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_5",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',6,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_6"
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
ON t."id" = s."id"
WHEN MATCHED AND s."_wharf_op" = 'D' THEN UPDATE SET "_wharf_deleted" = TRUE, "_wharf_deleted_at" = CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP())
WHEN MATCHED THEN UPDATE SET "email" = CASE WHEN s."_wharf_has_2" THEN s."email" ELSE t."email" END, "Name" = CASE WHEN s."_wharf_has_3" THEN s."Name" ELSE t."Name" END, "signed up" = CASE WHEN s."_wharf_has_4" THEN s."signed up" ELSE t."signed up" END, "avatar" = CASE WHEN s."_wharf_has_5" THEN TO_BINARY(SUBSTR(s."avatar", 3), 'HEX') ELSE t."avatar" END, "prefs" = CASE WHEN s."_wharf_has_6" THEN PARSE_JSON(s."prefs", 'd') ELSE t."prefs" END, "_wharf_deleted" = FALSE, "_wharf_deleted_at" = NULL
WHEN NOT MATCHED AND s."_wharf_op" <> 'D' THEN INSERT ("id", "email", "Name", "signed up", "avatar", "prefs")
VALUES (s."id", s."email", s."Name", s."signed up", TO_BINARY(SUBSTR(s."avatar", 3), 'HEX'), PARSE_JSON(s."prefs", 'd'));
