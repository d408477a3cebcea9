CREATE OR REPLACE TEMPORARY TABLE "Sales Dept"."WHARF_STAGING_1" (
	"_WHARF_LSN" BIGINT,
	"_WHARF_SEQ" BIGINT,
	"_WHARF_OP" VARCHAR,
	"_WHARF_UNCHANGED" VARCHAR,
	"LINE" INTEGER,
	"Order ID" BIGINT,
	"SELECT" VARCHAR,
	"naïve" VARCHAR(40),
	"Quote""d" CHAR(3),
	"Flag" BOOLEAN,
	"SMALL" SMALLINT,
	"PRICE" NUMBER(12,2),
	"AMOUNT" NUMBER(38,9),
	"HUGE" NUMBER(38,10),
	"RATIO" VARCHAR,
	"MEASURE" VARCHAR,
	"CASH" VARCHAR,
	"DAY" DATE,
	"at time" TIME(3),
	"at timetz" VARCHAR,
	"CREATED" TIMESTAMP_NTZ(6),
	"UPDATED" VARCHAR,
	"SPAN" VARCHAR,
	"BLOB" VARCHAR,
	"UID" VARCHAR(36),
	"DOC" VARCHAR,
	"DOCB" VARCHAR,
	"MARKUP" VARCHAR,
	"IP" VARCHAR,
	"NET" VARCHAR,
	"MAC" VARCHAR,
	"MAC8" VARCHAR,
	"BITS" VARCHAR,
	"VBITS" VARCHAR,
	"PERIOD" VARCHAR,
	"MOOD" VARCHAR,
	"CUSTOM" VARCHAR,
	"TAGS" VARCHAR,
	"SCORES" VARCHAR,
	"MOODS" VARCHAR,
	"PRICES" VARCHAR
);

COPY INTO "Sales Dept"."WHARF_STAGING_1"
FROM 's3://wharf-bucket/o''brien\\data/nightly/20240101T100000Z-ab12/Sales Dept.Order "Lines"/'
STORAGE_INTEGRATION = wharf_s3
FILES = ('part-00001.csv.gz', 'part-00002.csv.gz')
FILE_FORMAT = (TYPE = CSV COMPRESSION = GZIP FIELD_DELIMITER = ',' SKIP_HEADER = 0 FIELD_OPTIONALLY_ENCLOSED_BY = '"' ESCAPE = NONE ESCAPE_UNENCLOSED_FIELD = NONE EMPTY_FIELD_AS_NULL = TRUE NULL_IF = () TRIM_SPACE = FALSE ERROR_ON_COLUMN_COUNT_MISMATCH = TRUE REPLACE_INVALID_CHARACTERS = FALSE ENCODING = 'UTF8' DATE_FORMAT = 'YYYY-MM-DD' TIME_FORMAT = AUTO TIMESTAMP_FORMAT = AUTO)
ON_ERROR = ABORT_STATEMENT
PURGE = FALSE
FORCE = TRUE;

DELETE FROM "Sales Dept"."Order ""Lines"""
WHERE EXISTS (SELECT 1 FROM "Sales Dept"."WHARF_STAGING_1" AS x WHERE x."_WHARF_OP" = 'T');

MERGE INTO "Sales Dept"."Order ""Lines""" AS t
USING (
SELECT b."LINE", b."Order ID", b."SELECT", b."naïve", b."Quote""d", b."Flag", b."SMALL", b."PRICE", b."AMOUNT", b."HUGE", b."RATIO", b."MEASURE", b."CASH", b."DAY", b."at time", b."at timetz", b."CREATED", b."UPDATED", b."SPAN", b."BLOB", b."UID", b."DOC", b."DOCB", b."MARKUP", b."IP", b."NET", b."MAC", b."MAC8", b."BITS", b."VBITS", b."PERIOD", b."MOOD", b."CUSTOM", b."TAGS", b."SCORES", b."MOODS", b."PRICES", b."_WHARF_OP", b."_WHARF_LSN"
FROM (
	SELECT a."LINE", a."Order ID", a."SELECT", a."naïve", a."Quote""d", a."Flag", a."SMALL", a."PRICE", a."AMOUNT", a."HUGE", a."RATIO", a."MEASURE", a."CASH", a."DAY", a."at time", a."at timetz", a."CREATED", a."UPDATED", a."SPAN", a."BLOB", a."UID", a."DOC", a."DOCB", a."MARKUP", a."IP", a."NET", a."MAC", a."MAC8", a."BITS", a."VBITS", a."PERIOD", a."MOOD", a."CUSTOM", a."TAGS", a."SCORES", a."MOODS", a."PRICES", a."_WHARF_OP", a."_WHARF_LSN",
		ROW_NUMBER() OVER (PARTITION BY a."Order ID", a."LINE" ORDER BY a."_WHARF_LSN" DESC, a."_WHARF_SEQ" DESC) AS "_WHARF_RANK"
	FROM (
		SELECT s."LINE", s."Order ID", s."SELECT", s."naïve", s."Quote""d", s."Flag", s."SMALL", s."PRICE", s."AMOUNT", s."HUGE", s."RATIO", s."MEASURE", s."CASH", s."DAY", s."at time", s."at timetz", s."CREATED", s."UPDATED", s."SPAN", s."BLOB", s."UID", s."DOC", s."DOCB", s."MARKUP", s."IP", s."NET", s."MAC", s."MAC8", s."BITS", s."VBITS", s."PERIOD", s."MOOD", s."CUSTOM", s."TAGS", s."SCORES", s."MOODS", s."PRICES", s."_WHARF_LSN", s."_WHARF_SEQ", s."_WHARF_OP"
		FROM "Sales Dept"."WHARF_STAGING_1" AS s
		CROSS JOIN (SELECT MAX(x."_WHARF_LSN") AS "_WHARF_TRUNCATE_LSN", MAX(x."_WHARF_SEQ") AS "_WHARF_TRUNCATE_SEQ"
			FROM "Sales Dept"."WHARF_STAGING_1" AS x
			WHERE x."_WHARF_OP" = 'T' AND x."_WHARF_LSN" = (SELECT MAX(y."_WHARF_LSN") FROM "Sales Dept"."WHARF_STAGING_1" AS y WHERE y."_WHARF_OP" = 'T')) AS tp
		WHERE s."_WHARF_OP" <> 'T'
		  AND (tp."_WHARF_TRUNCATE_LSN" IS NULL OR s."_WHARF_LSN" > tp."_WHARF_TRUNCATE_LSN"
		       OR (s."_WHARF_LSN" = tp."_WHARF_TRUNCATE_LSN" AND s."_WHARF_SEQ" > tp."_WHARF_TRUNCATE_SEQ"))
	) AS a
) AS b
WHERE b."_WHARF_RANK" = 1
) AS s
ON t."Order ID" = s."Order ID" AND t."LINE" = s."LINE"
WHEN MATCHED AND s."_WHARF_OP" = 'D' THEN DELETE
WHEN MATCHED THEN UPDATE SET "SELECT" = s."SELECT", "naïve" = s."naïve", "Quote""d" = s."Quote""d", "Flag" = s."Flag", "SMALL" = s."SMALL", "PRICE" = s."PRICE", "AMOUNT" = s."AMOUNT", "HUGE" = s."HUGE", "RATIO" = TO_DOUBLE(REPLACE(s."RATIO", 'Infinity', 'inf')), "MEASURE" = TO_DOUBLE(REPLACE(s."MEASURE", 'Infinity', 'inf')), "CASH" = s."CASH", "DAY" = s."DAY", "at time" = s."at time", "at timetz" = s."at timetz", "CREATED" = s."CREATED", "UPDATED" = TO_TIMESTAMP_TZ(s."UPDATED" || ':00'), "SPAN" = s."SPAN", "BLOB" = TO_BINARY(SUBSTR(s."BLOB", 3), 'HEX'), "UID" = s."UID", "DOC" = PARSE_JSON(s."DOC", 'd'), "DOCB" = PARSE_JSON(s."DOCB", 'd'), "MARKUP" = s."MARKUP", "IP" = s."IP", "NET" = s."NET", "MAC" = s."MAC", "MAC8" = s."MAC8", "BITS" = s."BITS", "VBITS" = s."VBITS", "PERIOD" = s."PERIOD", "MOOD" = s."MOOD", "CUSTOM" = s."CUSTOM", "TAGS" = TO_ARRAY(PARSE_JSON(s."TAGS")), "SCORES" = TO_ARRAY(PARSE_JSON(s."SCORES")), "MOODS" = TO_ARRAY(PARSE_JSON(s."MOODS")), "PRICES" = TO_ARRAY(PARSE_JSON(s."PRICES")), "_WHARF_SYNCED_AT" = CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP()), "_WHARF_LSN" = s."_WHARF_LSN", "_WHARF_OP" = CASE WHEN s."_WHARF_OP" = 'I' THEN 'I' ELSE 'U' END
WHEN NOT MATCHED AND s."_WHARF_OP" <> 'D' THEN INSERT ("LINE", "Order ID", "SELECT", "naïve", "Quote""d", "Flag", "SMALL", "PRICE", "AMOUNT", "HUGE", "RATIO", "MEASURE", "CASH", "DAY", "at time", "at timetz", "CREATED", "UPDATED", "SPAN", "BLOB", "UID", "DOC", "DOCB", "MARKUP", "IP", "NET", "MAC", "MAC8", "BITS", "VBITS", "PERIOD", "MOOD", "CUSTOM", "TAGS", "SCORES", "MOODS", "PRICES", "_WHARF_SYNCED_AT", "_WHARF_LSN", "_WHARF_OP")
VALUES (s."LINE", s."Order ID", s."SELECT", s."naïve", s."Quote""d", s."Flag", s."SMALL", s."PRICE", s."AMOUNT", s."HUGE", TO_DOUBLE(REPLACE(s."RATIO", 'Infinity', 'inf')), TO_DOUBLE(REPLACE(s."MEASURE", 'Infinity', 'inf')), s."CASH", s."DAY", s."at time", s."at timetz", s."CREATED", TO_TIMESTAMP_TZ(s."UPDATED" || ':00'), s."SPAN", TO_BINARY(SUBSTR(s."BLOB", 3), 'HEX'), s."UID", PARSE_JSON(s."DOC", 'd'), PARSE_JSON(s."DOCB", 'd'), s."MARKUP", s."IP", s."NET", s."MAC", s."MAC8", s."BITS", s."VBITS", s."PERIOD", s."MOOD", s."CUSTOM", TO_ARRAY(PARSE_JSON(s."TAGS")), TO_ARRAY(PARSE_JSON(s."SCORES")), TO_ARRAY(PARSE_JSON(s."MOODS")), TO_ARRAY(PARSE_JSON(s."PRICES")), CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP()), s."_WHARF_LSN", CASE WHEN s."_WHARF_OP" = 'I' THEN 'I' ELSE 'U' END);
