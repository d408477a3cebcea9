CREATE SCHEMA IF NOT EXISTS "Sales Dept";

CREATE TABLE IF NOT EXISTS "Sales Dept"."Order ""Lines""" (
	"line" INTEGER NOT NULL,
	"Order ID" BIGINT NOT NULL,
	"select" VARCHAR,
	"naïve" VARCHAR(40) NOT NULL,
	"Quote""d" CHAR(3),
	"Flag" BOOLEAN,
	"small" SMALLINT,
	"price" NUMBER(12,2),
	"amount" NUMBER(38,9),
	"huge" NUMBER(38,10),
	"ratio" FLOAT,
	"measure" FLOAT,
	"cash" VARCHAR,
	"day" DATE,
	"at time" TIME(3),
	"at timetz" VARCHAR,
	"created" TIMESTAMP_NTZ(6),
	"updated" TIMESTAMP_TZ(6),
	"span" VARCHAR,
	"blob" BINARY,
	"uid" VARCHAR(36),
	"doc" VARIANT,
	"docb" VARIANT,
	"markup" VARCHAR,
	"ip" VARCHAR,
	"net" VARCHAR,
	"mac" VARCHAR,
	"mac8" VARCHAR,
	"bits" VARCHAR,
	"vbits" VARCHAR,
	"period" VARCHAR,
	"mood" VARCHAR,
	"custom" VARCHAR,
	"tags" ARRAY,
	"scores" ARRAY,
	"moods" ARRAY,
	"prices" ARRAY,
	PRIMARY KEY ("Order ID", "line")
);

CREATE OR REPLACE TEMPORARY TABLE "staging" (
	"line" INTEGER,
	"Order ID" BIGINT,
	"select" VARCHAR,
	"naïve" VARCHAR(40),
	"Quote""d" CHAR(3),
	"Flag" BOOLEAN,
	"small" SMALLINT,
	"price" NUMBER(12,2),
	"amount" NUMBER(38,9),
	"huge" NUMBER(38,10),
	"ratio" VARCHAR,
	"measure" VARCHAR,
	"cash" VARCHAR,
	"day" DATE,
	"at time" TIME(3),
	"at timetz" VARCHAR,
	"created" TIMESTAMP_NTZ(6),
	"updated" TIMESTAMP_TZ(6),
	"span" VARCHAR,
	"blob" VARCHAR,
	"uid" VARCHAR(36),
	"doc" VARCHAR,
	"docb" VARCHAR,
	"markup" VARCHAR,
	"ip" VARCHAR,
	"net" VARCHAR,
	"mac" VARCHAR,
	"mac8" VARCHAR,
	"bits" VARCHAR,
	"vbits" VARCHAR,
	"period" VARCHAR,
	"mood" VARCHAR,
	"custom" VARCHAR,
	"tags" VARCHAR,
	"scores" VARCHAR,
	"moods" VARCHAR,
	"prices" VARCHAR
);

COPY INTO "staging"
FROM 's3://wharf-bucket/o''brien\\data/nightly/20240101T100000Z-ab12/Sales Dept.Order "Lines"/'
STORAGE_INTEGRATION = wharf_s3
FILES = ('part-00001.csv.gz', 'part-00002.csv.gz')
FILE_FORMAT = (TYPE = CSV COMPRESSION = GZIP FIELD_DELIMITER = ',' SKIP_HEADER = 0 FIELD_OPTIONALLY_ENCLOSED_BY = '"' ESCAPE = NONE ESCAPE_UNENCLOSED_FIELD = NONE EMPTY_FIELD_AS_NULL = TRUE NULL_IF = () TRIM_SPACE = FALSE ERROR_ON_COLUMN_COUNT_MISMATCH = TRUE REPLACE_INVALID_CHARACTERS = FALSE ENCODING = 'UTF8' DATE_FORMAT = 'YYYY-MM-DD' TIME_FORMAT = AUTO TIMESTAMP_FORMAT = AUTO)
ON_ERROR = ABORT_STATEMENT
PURGE = FALSE
FORCE = TRUE;

DELETE FROM "Sales Dept"."Order ""Lines"""
WHERE NOT EXISTS (SELECT 1 FROM "staging" AS s WHERE "Sales Dept"."Order ""Lines"""."Order ID" = s."Order ID" AND "Sales Dept"."Order ""Lines"""."line" = s."line");

MERGE INTO "Sales Dept"."Order ""Lines""" AS t
USING "staging" AS s
ON t."Order ID" = s."Order ID" AND t."line" = s."line"
WHEN MATCHED THEN UPDATE SET "select" = s."select", "naïve" = s."naïve", "Quote""d" = s."Quote""d", "Flag" = s."Flag", "small" = s."small", "price" = s."price", "amount" = s."amount", "huge" = s."huge", "ratio" = TO_DOUBLE(REPLACE(s."ratio", 'Infinity', 'inf')), "measure" = TO_DOUBLE(REPLACE(s."measure", 'Infinity', 'inf')), "cash" = s."cash", "day" = s."day", "at time" = s."at time", "at timetz" = s."at timetz", "created" = s."created", "updated" = s."updated", "span" = s."span", "blob" = TO_BINARY(SUBSTR(s."blob", 3), 'HEX'), "uid" = s."uid", "doc" = PARSE_JSON(s."doc", 'd'), "docb" = PARSE_JSON(s."docb", 'd'), "markup" = s."markup", "ip" = s."ip", "net" = s."net", "mac" = s."mac", "mac8" = s."mac8", "bits" = s."bits", "vbits" = s."vbits", "period" = s."period", "mood" = s."mood", "custom" = s."custom", "tags" = TO_ARRAY(PARSE_JSON(s."tags")), "scores" = TO_ARRAY(PARSE_JSON(s."scores")), "moods" = TO_ARRAY(PARSE_JSON(s."moods")), "prices" = TO_ARRAY(PARSE_JSON(s."prices"))
WHEN NOT MATCHED THEN INSERT ("line", "Order ID", "select", "naïve", "Quote""d", "Flag", "small", "price", "amount", "huge", "ratio", "measure", "cash", "day", "at time", "at timetz", "created", "updated", "span", "blob", "uid", "doc", "docb", "markup", "ip", "net", "mac", "mac8", "bits", "vbits", "period", "mood", "custom", "tags", "scores", "moods", "prices")
VALUES (s."line", s."Order ID", s."select", s."naïve", s."Quote""d", s."Flag", s."small", s."price", s."amount", s."huge", TO_DOUBLE(REPLACE(s."ratio", 'Infinity', 'inf')), TO_DOUBLE(REPLACE(s."measure", 'Infinity', 'inf')), s."cash", s."day", s."at time", s."at timetz", s."created", s."updated", s."span", TO_BINARY(SUBSTR(s."blob", 3), 'HEX'), s."uid", PARSE_JSON(s."doc", 'd'), PARSE_JSON(s."docb", 'd'), s."markup", s."ip", s."net", s."mac", s."mac8", s."bits", s."vbits", s."period", s."mood", s."custom", TO_ARRAY(PARSE_JSON(s."tags")), TO_ARRAY(PARSE_JSON(s."scores")), TO_ARRAY(PARSE_JSON(s."moods")), TO_ARRAY(PARSE_JSON(s."prices")));

CREATE TABLE IF NOT EXISTS "wharf"."wharf_state" (
	"job" VARCHAR NOT NULL,
	"source_table" VARCHAR NOT NULL,
	"target_table" VARCHAR NOT NULL,
	"kind" VARCHAR NOT NULL,
	"lsn" VARCHAR,
	"rows" BIGINT,
	"load_id" VARCHAR,
	"loaded_at" TIMESTAMP_TZ NOT NULL,
	PRIMARY KEY ("job", "source_table")
);

MERGE INTO "wharf"."wharf_state" AS t
USING (SELECT 'nightly ''prod'' \\ run' AS "job", '"Sales Dept"."Order ""Lines"""' AS "source_table", '"Sales Dept"."Order ""Lines"""' AS "target_table", 'snapshot' AS "kind", '0/16B3748' AS "lsn", CAST(12345 AS BIGINT) AS "rows", '20240101T100000Z-ab12' AS "load_id", CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP()) AS "loaded_at") AS s
ON t."job" = s."job" AND t."source_table" = s."source_table"
WHEN MATCHED THEN UPDATE SET "target_table" = s."target_table", "kind" = s."kind", "lsn" = s."lsn", "rows" = s."rows", "load_id" = s."load_id", "loaded_at" = s."loaded_at"
WHEN NOT MATCHED THEN INSERT ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES (s."job", s."source_table", s."target_table", s."kind", s."lsn", s."rows", s."load_id", s."loaded_at");

SELECT "source_table", "target_table", "kind", "lsn", "rows", TO_VARCHAR(CONVERT_TIMEZONE('UTC', "loaded_at"), 'YYYY-MM-DD HH24:MI:SS') || '+00' AS "loaded_at", "load_id"
FROM "wharf"."wharf_state"
WHERE "job" = 'nightly ''prod'' \\ run'
ORDER BY "source_table";
