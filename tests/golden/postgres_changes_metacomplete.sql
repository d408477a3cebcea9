DROP TABLE IF EXISTS pg_temp."wharf_staging_1";

CREATE TEMP TABLE "wharf_staging_1" (
	"_wharf_lsn" BIGINT,
	"_wharf_seq" BIGINT,
	"_wharf_op" TEXT,
	"_wharf_unchanged" TEXT,
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

COPY "wharf_staging_1" ("_wharf_lsn", "_wharf_seq", "_wharf_op", "_wharf_unchanged", "line", "Order ID", "select", "naïve", "Quote""d", "Flag", "small", "price", "amount", "huge", "ratio", "measure", "cash", "day", "at time", "at timetz", "created", "updated", "span", "blob", "uid", "doc", "docb", "markup", "ip", "net", "mac", "mac8", "bits", "vbits", "period", "mood", "custom", "tags", "scores", "moods", "prices")
FROM PROGRAM 'curl -sSf --retry 5 --retry-connrefused ''https://wharf-bucket.s3.amazonaws.com/o%27brien/part-00001.csv.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=it''\''''s''\''''signed'' | gzip -dc'
WITH (FORMAT csv);

COPY "wharf_staging_1" ("_wharf_lsn", "_wharf_seq", "_wharf_op", "_wharf_unchanged", "line", "Order ID", "select", "naïve", "Quote""d", "Flag", "small", "price", "amount", "huge", "ratio", "measure", "cash", "day", "at time", "at timetz", "created", "updated", "span", "blob", "uid", "doc", "docb", "markup", "ip", "net", "mac", "mac8", "bits", "vbits", "period", "mood", "custom", "tags", "scores", "moods", "prices")
FROM PROGRAM 'curl -sSf --retry 5 --retry-connrefused ''https://wharf-bucket.s3.amazonaws.com/o%27brien/part-00002.csv.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=$(id)`uname`;x'' | gzip -dc'
WITH (FORMAT csv);

DELETE FROM "Sales Dept"."Order ""Lines"""
WHERE EXISTS (SELECT 1 FROM "wharf_staging_1" AS x WHERE x."_wharf_op" = 'T');

MERGE INTO "Sales Dept"."Order ""Lines""" AS t
USING (
SELECT b."line", b."Order ID", b."select", b."naïve", b."Quote""d", b."Flag", b."small", b."price", b."amount", b."huge", b."ratio", b."measure", b."cash", b."day", b."at time", b."at timetz", b."created", b."updated", b."span", b."blob", b."uid", b."doc", b."docb", b."markup", b."ip", b."net", b."mac", b."mac8", b."bits", b."vbits", b."period", b."mood", b."custom", b."tags", b."scores", b."moods", b."prices", b."_wharf_op", b."_wharf_lsn"
FROM (
	SELECT a."line", a."Order ID", a."select", a."naïve", a."Quote""d", a."Flag", a."small", a."price", a."amount", a."huge", a."ratio", a."measure", a."cash", a."day", a."at time", a."at timetz", a."created", a."updated", a."span", a."blob", a."uid", a."doc", a."docb", a."markup", a."ip", a."net", a."mac", a."mac8", a."bits", a."vbits", a."period", a."mood", a."custom", a."tags", a."scores", a."moods", a."prices", a."_wharf_op", a."_wharf_lsn",
		ROW_NUMBER() OVER (PARTITION BY a."Order ID", a."line" ORDER BY a."_wharf_lsn" DESC, a."_wharf_seq" DESC) AS "_wharf_rank"
	FROM (
		SELECT s."line", s."Order ID", s."select", s."naïve", s."Quote""d", s."Flag", s."small", s."price", s."amount", s."huge", s."ratio", s."measure", s."cash", s."day", s."at time", s."at timetz", s."created", s."updated", s."span", s."blob", s."uid", s."doc", s."docb", s."markup", s."ip", s."net", s."mac", s."mac8", s."bits", s."vbits", s."period", s."mood", s."custom", s."tags", s."scores", s."moods", s."prices", s."_wharf_lsn", s."_wharf_seq", s."_wharf_op"
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
ON t."Order ID" = s."Order ID" AND t."line" = s."line"
WHEN MATCHED AND s."_wharf_op" = 'D' THEN DELETE
WHEN MATCHED THEN UPDATE SET "select" = s."select", "naïve" = s."naïve", "Quote""d" = s."Quote""d", "Flag" = s."Flag", "small" = s."small", "price" = s."price", "amount" = s."amount", "huge" = s."huge", "ratio" = s."ratio", "measure" = s."measure", "cash" = s."cash", "day" = s."day", "at time" = s."at time", "at timetz" = s."at timetz", "created" = s."created", "updated" = s."updated", "span" = s."span", "blob" = s."blob", "uid" = s."uid", "doc" = s."doc", "docb" = s."docb", "markup" = s."markup", "ip" = s."ip", "net" = s."net", "mac" = s."mac", "mac8" = s."mac8", "bits" = s."bits", "vbits" = s."vbits", "period" = s."period", "mood" = s."mood", "custom" = s."custom", "tags" = s."tags", "scores" = s."scores", "moods" = s."moods", "prices" = s."prices", "_wharf_synced_at" = CURRENT_TIMESTAMP, "_wharf_lsn" = s."_wharf_lsn", "_wharf_op" = CASE WHEN s."_wharf_op" = 'I' THEN 'I' ELSE 'U' END
WHEN NOT MATCHED AND s."_wharf_op" <> 'D' THEN INSERT ("line", "Order ID", "select", "naïve", "Quote""d", "Flag", "small", "price", "amount", "huge", "ratio", "measure", "cash", "day", "at time", "at timetz", "created", "updated", "span", "blob", "uid", "doc", "docb", "markup", "ip", "net", "mac", "mac8", "bits", "vbits", "period", "mood", "custom", "tags", "scores", "moods", "prices", "_wharf_synced_at", "_wharf_lsn", "_wharf_op")
VALUES (s."line", s."Order ID", s."select", s."naïve", s."Quote""d", s."Flag", s."small", s."price", s."amount", s."huge", s."ratio", s."measure", s."cash", s."day", s."at time", s."at timetz", s."created", s."updated", s."span", s."blob", s."uid", s."doc", s."docb", s."markup", s."ip", s."net", s."mac", s."mac8", s."bits", s."vbits", s."period", s."mood", s."custom", s."tags", s."scores", s."moods", s."prices", CURRENT_TIMESTAMP, s."_wharf_lsn", CASE WHEN s."_wharf_op" = 'I' THEN 'I' ELSE 'U' END);
