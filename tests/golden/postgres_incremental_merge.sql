DROP TABLE IF EXISTS pg_temp."wharf_staging_1";

CREATE TEMP TABLE "wharf_staging_1" (
	"line" integer,
	"Order ID" bigint,
	"select" text,
	"naïve" character varying(40),
	"Quote""d" character(3),
	"Flag" boolean,
	"small" smallint,
	"price" numeric(12,2),
	"amount" numeric,
	"huge" numeric(50,10),
	"ratio" real,
	"measure" double precision,
	"cash" money,
	"day" date,
	"at time" time(3) without time zone,
	"at timetz" time with time zone,
	"created" timestamp without time zone,
	"updated" timestamp(6) with time zone,
	"span" interval,
	"blob" bytea,
	"uid" uuid,
	"doc" json,
	"docb" jsonb,
	"markup" xml,
	"ip" inet,
	"net" cidr,
	"mac" macaddr,
	"mac8" macaddr8,
	"bits" bit(3),
	"vbits" bit varying(10),
	"period" int4range,
	"mood" text,
	"custom" text,
	"tags" text[],
	"scores" integer[],
	"moods" text[],
	"prices" numeric(10,2)[]
);

DROP TABLE IF EXISTS pg_temp."wharf_keys_1";

CREATE TEMP TABLE "wharf_keys_1" (
	"Order ID" bigint,
	"line" integer
);

COPY "wharf_staging_1" ("line", "Order ID", "select", "naïve", "Quote""d", "Flag", "small", "price", "amount", "huge", "ratio", "measure", "cash", "day", "at time", "at timetz", "created", "updated", "span", "blob", "uid", "doc", "docb", "markup", "ip", "net", "mac", "mac8", "bits", "vbits", "period", "mood", "custom", "tags", "scores", "moods", "prices")
FROM PROGRAM 'curl -sSf --retry 5 --retry-connrefused ''https://wharf-bucket.s3.amazonaws.com/o%27brien/part-00001.csv.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=it''\''''s''\''''signed'' | gzip -dc'
WITH (FORMAT csv);

COPY "wharf_staging_1" ("line", "Order ID", "select", "naïve", "Quote""d", "Flag", "small", "price", "amount", "huge", "ratio", "measure", "cash", "day", "at time", "at timetz", "created", "updated", "span", "blob", "uid", "doc", "docb", "markup", "ip", "net", "mac", "mac8", "bits", "vbits", "period", "mood", "custom", "tags", "scores", "moods", "prices")
FROM PROGRAM 'curl -sSf --retry 5 --retry-connrefused ''https://wharf-bucket.s3.amazonaws.com/o%27brien/part-00002.csv.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=$(id)`uname`;x'' | gzip -dc'
WITH (FORMAT csv);

COPY "wharf_keys_1" ("Order ID", "line")
FROM PROGRAM 'curl -sSf --retry 5 --retry-connrefused ''https://wharf-bucket.s3.amazonaws.com/o%27brien/part-00001.csv.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=it''\''''s''\''''signed'' | gzip -dc'
WITH (FORMAT csv);

COPY "wharf_keys_1" ("Order ID", "line")
FROM PROGRAM 'curl -sSf --retry 5 --retry-connrefused ''https://wharf-bucket.s3.amazonaws.com/o%27brien/part-00002.csv.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=$(id)`uname`;x'' | gzip -dc'
WITH (FORMAT csv);

DELETE FROM "Sales Dept"."Order ""Lines"""
WHERE NOT EXISTS (SELECT 1 FROM "wharf_keys_1" AS s WHERE "Sales Dept"."Order ""Lines"""."Order ID" = s."Order ID" AND "Sales Dept"."Order ""Lines"""."line" = s."line");

MERGE INTO "Sales Dept"."Order ""Lines""" AS t
USING "wharf_staging_1" AS s
ON t."Order ID" = s."Order ID" AND t."line" = s."line"
WHEN MATCHED THEN UPDATE SET "select" = s."select", "naïve" = s."naïve", "Quote""d" = s."Quote""d", "Flag" = s."Flag", "small" = s."small", "price" = s."price", "amount" = s."amount", "huge" = s."huge", "ratio" = s."ratio", "measure" = s."measure", "cash" = s."cash", "day" = s."day", "at time" = s."at time", "at timetz" = s."at timetz", "created" = s."created", "updated" = s."updated", "span" = s."span", "blob" = s."blob", "uid" = s."uid", "doc" = s."doc", "docb" = s."docb", "markup" = s."markup", "ip" = s."ip", "net" = s."net", "mac" = s."mac", "mac8" = s."mac8", "bits" = s."bits", "vbits" = s."vbits", "period" = s."period", "mood" = s."mood", "custom" = s."custom", "tags" = s."tags", "scores" = s."scores", "moods" = s."moods", "prices" = s."prices"
WHEN NOT MATCHED THEN INSERT ("line", "Order ID", "select", "naïve", "Quote""d", "Flag", "small", "price", "amount", "huge", "ratio", "measure", "cash", "day", "at time", "at timetz", "created", "updated", "span", "blob", "uid", "doc", "docb", "markup", "ip", "net", "mac", "mac8", "bits", "vbits", "period", "mood", "custom", "tags", "scores", "moods", "prices")
VALUES (s."line", s."Order ID", s."select", s."naïve", s."Quote""d", s."Flag", s."small", s."price", s."amount", s."huge", s."ratio", s."measure", s."cash", s."day", s."at time", s."at timetz", s."created", s."updated", s."span", s."blob", s."uid", s."doc", s."docb", s."markup", s."ip", s."net", s."mac", s."mac8", s."bits", s."vbits", s."period", s."mood", s."custom", s."tags", s."scores", s."moods", s."prices");

MERGE INTO "wharf"."wharf_state" AS t
USING (SELECT 'nightly ''prod'' \ run' AS "job", 's.t mark' AS "source_table", '7301:7305:7302' AS "target_table", 'mark' AS "kind", CAST(NULL AS TEXT) AS "lsn", CAST(0 AS BIGINT) AS "rows", '20240101T100000Z-ab12' AS "load_id", CURRENT_TIMESTAMP AS "loaded_at") AS s
ON t."job" = s."job" AND t."source_table" = s."source_table"
WHEN MATCHED THEN UPDATE SET "target_table" = s."target_table", "kind" = s."kind", "lsn" = s."lsn", "rows" = s."rows", "load_id" = s."load_id", "loaded_at" = s."loaded_at"
WHEN NOT MATCHED THEN INSERT ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES (s."job", s."source_table", s."target_table", s."kind", s."lsn", s."rows", s."load_id", s."loaded_at");
