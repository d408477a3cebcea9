CREATE OR REPLACE TEMPORARY TABLE "wharf_staging_1" (
	"_wharf_lsn" BIGINT,
	"_wharf_seq" BIGINT,
	"_wharf_op" VARCHAR,
	"_wharf_unchanged" VARCHAR,
	"at" TIMESTAMP_TZ(6),
	"kind" VARCHAR,
	"payload" VARCHAR,
	"value" VARCHAR
);

COPY INTO "wharf_staging_1"
FROM 's3://wharf-bucket/o''brien\\data/nightly/20240101T100000Z-ab12/Sales Dept.Order "Lines"/'
FILES = ('part-00001.csv.gz', 'part-00002.csv.gz')
FILE_FORMAT = (TYPE = CSV COMPRESSION = GZIP FIELD_DELIMITER = ',' SKIP_HEADER = 0 FIELD_OPTIONALLY_ENCLOSED_BY = '"' ESCAPE = NONE ESCAPE_UNENCLOSED_FIELD = NONE EMPTY_FIELD_AS_NULL = TRUE NULL_IF = () TRIM_SPACE = FALSE ERROR_ON_COLUMN_COUNT_MISMATCH = TRUE REPLACE_INVALID_CHARACTERS = FALSE ENCODING = 'UTF8' DATE_FORMAT = 'YYYY-MM-DD' TIME_FORMAT = AUTO TIMESTAMP_FORMAT = AUTO)
ON_ERROR = ABORT_STATEMENT
PURGE = FALSE
FORCE = TRUE;

INSERT INTO "events" ("at", "kind", "payload", "value")
SELECT s."at", s."kind", PARSE_JSON(s."payload", 'd'), TO_DOUBLE(REPLACE(s."value", 'Infinity', 'inf'))
FROM "wharf_staging_1" AS s
WHERE s."_wharf_op" = 'I'
ORDER BY s."_wharf_lsn", s."_wharf_seq";
