DROP TABLE IF EXISTS "wharf_staging_1";

CREATE TEMP TABLE "wharf_staging_1" (
	"_wharf_lsn" BIGINT,
	"_wharf_seq" BIGINT,
	"_wharf_op" VARCHAR(1024),
	"_wharf_unchanged" VARCHAR(65535),
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

COPY "wharf_staging_1" ("_wharf_lsn", "_wharf_seq", "_wharf_op", "_wharf_unchanged", "line", "order id", "select", "naïve", "quote""d", "flag", "small", "price", "amount", "huge", "ratio", "measure", "cash", "day", "at time", "at timetz", "created", "updated", "span", "blob", "uid", "doc", "docb", "markup", "ip", "net", "mac", "mac8", "bits", "vbits", "period", "mood", "custom", "tags", "scores", "moods", "prices")
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
WHERE EXISTS (SELECT 1 FROM "wharf_staging_1" AS x WHERE x."_wharf_op" = 'T');

CREATE TEMP TABLE "wharf_staging_1_final" AS
SELECT r."line" AS "line",
	r."order id" AS "order id",
	r."select" AS "select",
	r."naïve" AS "naïve",
	r."quote""d" AS "quote""d",
	r."flag" AS "flag",
	r."small" AS "small",
	r."price" AS "price",
	r."amount" AS "amount",
	r."huge" AS "huge",
	r."ratio" AS "ratio",
	r."measure" AS "measure",
	r."cash" AS "cash",
	r."day" AS "day",
	r."at time" AS "at time",
	r."at timetz" AS "at timetz",
	r."created" AS "created",
	r."updated" AS "updated",
	r."span" AS "span",
	TO_VARBYTE(SUBSTRING(r."blob" FROM 3), 'hex') AS "blob",
	r."uid" AS "uid",
	r."doc" AS "doc",
	r."docb" AS "docb",
	r."markup" AS "markup",
	r."ip" AS "ip",
	r."net" AS "net",
	r."mac" AS "mac",
	r."mac8" AS "mac8",
	r."bits" AS "bits",
	r."vbits" AS "vbits",
	r."period" AS "period",
	r."mood" AS "mood",
	r."custom" AS "custom",
	r."tags" AS "tags",
	r."scores" AS "scores",
	r."moods" AS "moods",
	r."prices" AS "prices",
	r."_wharf_op", r."_wharf_lsn"
FROM (
SELECT b."line", b."order id", b."select", b."naïve", b."quote""d", b."flag", b."small", b."price", b."amount", b."huge", b."ratio", b."measure", b."cash", b."day", b."at time", b."at timetz", b."created", b."updated", b."span", b."blob", b."uid", b."doc", b."docb", b."markup", b."ip", b."net", b."mac", b."mac8", b."bits", b."vbits", b."period", b."mood", b."custom", b."tags", b."scores", b."moods", b."prices", b."_wharf_op", b."_wharf_lsn"
FROM (
	SELECT a."line", a."order id", a."select", a."naïve", a."quote""d", a."flag", a."small", a."price", a."amount", a."huge", a."ratio", a."measure", a."cash", a."day", a."at time", a."at timetz", a."created", a."updated", a."span", a."blob", a."uid", a."doc", a."docb", a."markup", a."ip", a."net", a."mac", a."mac8", a."bits", a."vbits", a."period", a."mood", a."custom", a."tags", a."scores", a."moods", a."prices", a."_wharf_op", a."_wharf_lsn",
		ROW_NUMBER() OVER (PARTITION BY a."order id", a."line" ORDER BY a."_wharf_lsn" DESC, a."_wharf_seq" DESC) AS "_wharf_rank"
	FROM (
		SELECT s."line", s."order id", s."select", s."naïve", s."quote""d", s."flag", s."small", s."price", s."amount", s."huge", s."ratio", s."measure", s."cash", s."day", s."at time", s."at timetz", s."created", s."updated", s."span", s."blob", s."uid", s."doc", s."docb", s."markup", s."ip", s."net", s."mac", s."mac8", s."bits", s."vbits", s."period", s."mood", s."custom", s."tags", s."scores", s."moods", s."prices", s."_wharf_lsn", s."_wharf_seq", s."_wharf_op"
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
LEFT JOIN "sales dept"."order ""lines""" AS t ON t."order id" = r."order id" AND t."line" = r."line";

DELETE FROM "sales dept"."order ""lines"""
USING "wharf_staging_1_final"
WHERE "sales dept"."order ""lines"""."order id" = "wharf_staging_1_final"."order id" AND "sales dept"."order ""lines"""."line" = "wharf_staging_1_final"."line";

INSERT INTO "sales dept"."order ""lines""" ("line", "order id", "select", "naïve", "quote""d", "flag", "small", "price", "amount", "huge", "ratio", "measure", "cash", "day", "at time", "at timetz", "created", "updated", "span", "blob", "uid", "doc", "docb", "markup", "ip", "net", "mac", "mac8", "bits", "vbits", "period", "mood", "custom", "tags", "scores", "moods", "prices", "_wharf_synced_at", "_wharf_lsn", "_wharf_op")
SELECT "wharf_staging_1_final"."line", "wharf_staging_1_final"."order id", "wharf_staging_1_final"."select", "wharf_staging_1_final"."naïve", "wharf_staging_1_final"."quote""d", "wharf_staging_1_final"."flag", "wharf_staging_1_final"."small", "wharf_staging_1_final"."price", "wharf_staging_1_final"."amount", "wharf_staging_1_final"."huge", "wharf_staging_1_final"."ratio", "wharf_staging_1_final"."measure", "wharf_staging_1_final"."cash", "wharf_staging_1_final"."day", "wharf_staging_1_final"."at time", "wharf_staging_1_final"."at timetz", "wharf_staging_1_final"."created", "wharf_staging_1_final"."updated", "wharf_staging_1_final"."span", "wharf_staging_1_final"."blob", "wharf_staging_1_final"."uid", "wharf_staging_1_final"."doc", "wharf_staging_1_final"."docb", "wharf_staging_1_final"."markup", "wharf_staging_1_final"."ip", "wharf_staging_1_final"."net", "wharf_staging_1_final"."mac", "wharf_staging_1_final"."mac8", "wharf_staging_1_final"."bits", "wharf_staging_1_final"."vbits", "wharf_staging_1_final"."period", "wharf_staging_1_final"."mood", "wharf_staging_1_final"."custom", "wharf_staging_1_final"."tags", "wharf_staging_1_final"."scores", "wharf_staging_1_final"."moods", "wharf_staging_1_final"."prices", (SYSDATE AT TIME ZONE 'UTC'), "wharf_staging_1_final"."_wharf_lsn", CASE WHEN "wharf_staging_1_final"."_wharf_op" = 'I' THEN 'I' ELSE 'U' END
FROM "wharf_staging_1_final"
WHERE "wharf_staging_1_final"."_wharf_op" <> 'D';

DROP TABLE "wharf_staging_1_final";
