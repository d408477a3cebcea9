DROP TABLE IF EXISTS "wharf_staging_1";

CREATE TEMP TABLE "wharf_staging_1" (
	"line" INTEGER,
	"order id" BIGINT,
	"select" VARCHAR(65535),
	"naïve" VARCHAR(160),
	"quote""d" VARCHAR(12),
	"flag" BOOLEAN,
	"small" SMALLINT,
	"price" DECIMAL(12,2),
	"amount" DECIMAL(38,9),
	"huge" DECIMAL(38,10),
	"ratio" REAL,
	"measure" DOUBLE PRECISION,
	"cash" VARCHAR(65535),
	"day" DATE,
	"at time" TIME,
	"at timetz" TIMETZ,
	"created" TIMESTAMP,
	"updated" TIMESTAMPTZ,
	"span" VARCHAR(65535),
	"blob" VARCHAR(65535),
	"uid" VARCHAR(36),
	"doc" SUPER,
	"docb" SUPER,
	"markup" VARCHAR(65535),
	"ip" VARCHAR(65535),
	"net" VARCHAR(65535),
	"mac" VARCHAR(65535),
	"mac8" VARCHAR(65535),
	"bits" VARCHAR(65535),
	"vbits" VARCHAR(65535),
	"period" VARCHAR(65535),
	"mood" VARCHAR(65535),
	"custom" VARCHAR(65535),
	"tags" SUPER,
	"scores" SUPER,
	"moods" SUPER,
	"prices" SUPER
);

DROP TABLE IF EXISTS "wharf_keys_1";

CREATE TEMP TABLE "wharf_keys_1" (
	"order id" BIGINT,
	"line" INTEGER
);

COPY "wharf_staging_1" ("line", "order id", "select", "naïve", "quote""d", "flag", "small", "price", "amount", "huge", "ratio", "measure", "cash", "day", "at time", "at timetz", "created", "updated", "span", "blob", "uid", "doc", "docb", "markup", "ip", "net", "mac", "mac8", "bits", "vbits", "period", "mood", "custom", "tags", "scores", "moods", "prices")
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

COPY "wharf_keys_1" ("order id", "line")
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

DELETE FROM "sales dept"."order ""lines"""
WHERE NOT EXISTS (SELECT 1 FROM "wharf_keys_1" AS s WHERE "sales dept"."order ""lines"""."order id" = s."order id" AND "sales dept"."order ""lines"""."line" = s."line");

DELETE FROM "sales dept"."order ""lines"""
USING "wharf_staging_1"
WHERE "sales dept"."order ""lines"""."order id" = "wharf_staging_1"."order id" AND "sales dept"."order ""lines"""."line" = "wharf_staging_1"."line";

INSERT INTO "sales dept"."order ""lines""" ("line", "order id", "select", "naïve", "quote""d", "flag", "small", "price", "amount", "huge", "ratio", "measure", "cash", "day", "at time", "at timetz", "created", "updated", "span", "blob", "uid", "doc", "docb", "markup", "ip", "net", "mac", "mac8", "bits", "vbits", "period", "mood", "custom", "tags", "scores", "moods", "prices")
SELECT s."line", s."order id", s."select", s."naïve", s."quote""d", s."flag", s."small", s."price", s."amount", s."huge", s."ratio", s."measure", s."cash", s."day", s."at time", s."at timetz", s."created", s."updated", s."span", TO_VARBYTE(SUBSTRING(s."blob" FROM 3), 'hex'), s."uid", s."doc", s."docb", s."markup", s."ip", s."net", s."mac", s."mac8", s."bits", s."vbits", s."period", s."mood", s."custom", s."tags", s."scores", s."moods", s."prices"
FROM "wharf_staging_1" AS s;

DELETE FROM "wharf"."wharf_state"
WHERE "job" = 'nightly ''prod'' \\ run' AND "source_table" = 's.t mark';

INSERT INTO "wharf"."wharf_state" ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES ('nightly ''prod'' \\ run', 's.t mark', '7301:7305:7302', 'mark', NULL, 0, '20240101T100000Z-ab12', (SYSDATE AT TIME ZONE 'UTC'));
