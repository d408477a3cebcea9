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
SELECT b."line", b."Order ID", b."select", b."naïve", b."Quote""d", b."Flag", b."small", b."price", b."amount", b."huge", b."ratio", b."measure", b."cash", b."day", b."at time", b."at timetz", b."created", b."updated", b."span", b."blob", b."uid", b."doc", b."docb", b."markup", b."ip", b."net", b."mac", b."mac8", b."bits", b."vbits", b."period", b."mood", b."custom", b."tags", b."scores", b."moods", b."prices", b."_wharf_op", b."_wharf_lsn", b."_wharf_has_3", b."_wharf_has_4", b."_wharf_has_5", b."_wharf_has_6", b."_wharf_has_7", b."_wharf_has_8", b."_wharf_has_9", b."_wharf_has_10", b."_wharf_has_11", b."_wharf_has_12", b."_wharf_has_13", b."_wharf_has_14", b."_wharf_has_15", b."_wharf_has_16", b."_wharf_has_17", b."_wharf_has_18", b."_wharf_has_19", b."_wharf_has_20", b."_wharf_has_21", b."_wharf_has_22", b."_wharf_has_23", b."_wharf_has_24", b."_wharf_has_25", b."_wharf_has_26", b."_wharf_has_27", b."_wharf_has_28", b."_wharf_has_29", b."_wharf_has_30", b."_wharf_has_31", b."_wharf_has_32", b."_wharf_has_33", b."_wharf_has_34", b."_wharf_has_35", b."_wharf_has_36", b."_wharf_has_37"
FROM (
	SELECT a."Order ID", a."line", a."_wharf_op", a."_wharf_lsn",
		ROW_NUMBER() OVER (PARTITION BY a."Order ID", a."line" ORDER BY a."_wharf_lsn" DESC, a."_wharf_seq" DESC) AS "_wharf_rank",
		CASE WHEN a."_wharf_seen_3" > 0 THEN FIRST_VALUE(a."select") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_3" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "select",
		a."_wharf_seen_3" > 0 AS "_wharf_has_3",
		CASE WHEN a."_wharf_seen_4" > 0 THEN FIRST_VALUE(a."naïve") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_4" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "naïve",
		a."_wharf_seen_4" > 0 AS "_wharf_has_4",
		CASE WHEN a."_wharf_seen_5" > 0 THEN FIRST_VALUE(a."Quote""d") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_5" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "Quote""d",
		a."_wharf_seen_5" > 0 AS "_wharf_has_5",
		CASE WHEN a."_wharf_seen_6" > 0 THEN FIRST_VALUE(a."Flag") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_6" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "Flag",
		a."_wharf_seen_6" > 0 AS "_wharf_has_6",
		CASE WHEN a."_wharf_seen_7" > 0 THEN FIRST_VALUE(a."small") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_7" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "small",
		a."_wharf_seen_7" > 0 AS "_wharf_has_7",
		CASE WHEN a."_wharf_seen_8" > 0 THEN FIRST_VALUE(a."price") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_8" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "price",
		a."_wharf_seen_8" > 0 AS "_wharf_has_8",
		CASE WHEN a."_wharf_seen_9" > 0 THEN FIRST_VALUE(a."amount") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_9" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "amount",
		a."_wharf_seen_9" > 0 AS "_wharf_has_9",
		CASE WHEN a."_wharf_seen_10" > 0 THEN FIRST_VALUE(a."huge") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_10" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "huge",
		a."_wharf_seen_10" > 0 AS "_wharf_has_10",
		CASE WHEN a."_wharf_seen_11" > 0 THEN FIRST_VALUE(a."ratio") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_11" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "ratio",
		a."_wharf_seen_11" > 0 AS "_wharf_has_11",
		CASE WHEN a."_wharf_seen_12" > 0 THEN FIRST_VALUE(a."measure") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_12" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "measure",
		a."_wharf_seen_12" > 0 AS "_wharf_has_12",
		CASE WHEN a."_wharf_seen_13" > 0 THEN FIRST_VALUE(a."cash") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_13" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "cash",
		a."_wharf_seen_13" > 0 AS "_wharf_has_13",
		CASE WHEN a."_wharf_seen_14" > 0 THEN FIRST_VALUE(a."day") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_14" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "day",
		a."_wharf_seen_14" > 0 AS "_wharf_has_14",
		CASE WHEN a."_wharf_seen_15" > 0 THEN FIRST_VALUE(a."at time") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_15" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "at time",
		a."_wharf_seen_15" > 0 AS "_wharf_has_15",
		CASE WHEN a."_wharf_seen_16" > 0 THEN FIRST_VALUE(a."at timetz") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_16" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "at timetz",
		a."_wharf_seen_16" > 0 AS "_wharf_has_16",
		CASE WHEN a."_wharf_seen_17" > 0 THEN FIRST_VALUE(a."created") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_17" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "created",
		a."_wharf_seen_17" > 0 AS "_wharf_has_17",
		CASE WHEN a."_wharf_seen_18" > 0 THEN FIRST_VALUE(a."updated") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_18" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "updated",
		a."_wharf_seen_18" > 0 AS "_wharf_has_18",
		CASE WHEN a."_wharf_seen_19" > 0 THEN FIRST_VALUE(a."span") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_19" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "span",
		a."_wharf_seen_19" > 0 AS "_wharf_has_19",
		CASE WHEN a."_wharf_seen_20" > 0 THEN FIRST_VALUE(a."blob") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_20" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "blob",
		a."_wharf_seen_20" > 0 AS "_wharf_has_20",
		CASE WHEN a."_wharf_seen_21" > 0 THEN FIRST_VALUE(a."uid") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_21" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "uid",
		a."_wharf_seen_21" > 0 AS "_wharf_has_21",
		CASE WHEN a."_wharf_seen_22" > 0 THEN FIRST_VALUE(a."doc") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_22" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "doc",
		a."_wharf_seen_22" > 0 AS "_wharf_has_22",
		CASE WHEN a."_wharf_seen_23" > 0 THEN FIRST_VALUE(a."docb") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_23" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "docb",
		a."_wharf_seen_23" > 0 AS "_wharf_has_23",
		CASE WHEN a."_wharf_seen_24" > 0 THEN FIRST_VALUE(a."markup") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_24" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "markup",
		a."_wharf_seen_24" > 0 AS "_wharf_has_24",
		CASE WHEN a."_wharf_seen_25" > 0 THEN FIRST_VALUE(a."ip") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_25" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "ip",
		a."_wharf_seen_25" > 0 AS "_wharf_has_25",
		CASE WHEN a."_wharf_seen_26" > 0 THEN FIRST_VALUE(a."net") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_26" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "net",
		a."_wharf_seen_26" > 0 AS "_wharf_has_26",
		CASE WHEN a."_wharf_seen_27" > 0 THEN FIRST_VALUE(a."mac") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_27" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "mac",
		a."_wharf_seen_27" > 0 AS "_wharf_has_27",
		CASE WHEN a."_wharf_seen_28" > 0 THEN FIRST_VALUE(a."mac8") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_28" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "mac8",
		a."_wharf_seen_28" > 0 AS "_wharf_has_28",
		CASE WHEN a."_wharf_seen_29" > 0 THEN FIRST_VALUE(a."bits") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_29" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "bits",
		a."_wharf_seen_29" > 0 AS "_wharf_has_29",
		CASE WHEN a."_wharf_seen_30" > 0 THEN FIRST_VALUE(a."vbits") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_30" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "vbits",
		a."_wharf_seen_30" > 0 AS "_wharf_has_30",
		CASE WHEN a."_wharf_seen_31" > 0 THEN FIRST_VALUE(a."period") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_31" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "period",
		a."_wharf_seen_31" > 0 AS "_wharf_has_31",
		CASE WHEN a."_wharf_seen_32" > 0 THEN FIRST_VALUE(a."mood") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_32" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "mood",
		a."_wharf_seen_32" > 0 AS "_wharf_has_32",
		CASE WHEN a."_wharf_seen_33" > 0 THEN FIRST_VALUE(a."custom") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_33" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "custom",
		a."_wharf_seen_33" > 0 AS "_wharf_has_33",
		CASE WHEN a."_wharf_seen_34" > 0 THEN FIRST_VALUE(a."tags") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_34" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "tags",
		a."_wharf_seen_34" > 0 AS "_wharf_has_34",
		CASE WHEN a."_wharf_seen_35" > 0 THEN FIRST_VALUE(a."scores") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_35" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "scores",
		a."_wharf_seen_35" > 0 AS "_wharf_has_35",
		CASE WHEN a."_wharf_seen_36" > 0 THEN FIRST_VALUE(a."moods") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_36" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "moods",
		a."_wharf_seen_36" > 0 AS "_wharf_has_36",
		CASE WHEN a."_wharf_seen_37" > 0 THEN FIRST_VALUE(a."prices") OVER (PARTITION BY a."Order ID", a."line", a."_wharf_seen_37" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "prices",
		a."_wharf_seen_37" > 0 AS "_wharf_has_37"
	FROM (
		SELECT s."line", s."Order ID", s."select", s."naïve", s."Quote""d", s."Flag", s."small", s."price", s."amount", s."huge", s."ratio", s."measure", s."cash", s."day", s."at time", s."at timetz", s."created", s."updated", s."span", s."blob", s."uid", s."doc", s."docb", s."markup", s."ip", s."net", s."mac", s."mac8", s."bits", s."vbits", s."period", s."mood", s."custom", s."tags", s."scores", s."moods", s."prices", s."_wharf_lsn", s."_wharf_seq", s."_wharf_op",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',3,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_3",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',4,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_4",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',5,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_5",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',6,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_6",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',7,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_7",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',8,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_8",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',9,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_9",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',10,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_10",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',11,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_11",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',12,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_12",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',13,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_13",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',14,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_14",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',15,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_15",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',16,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_16",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',17,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_17",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',18,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_18",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',19,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_19",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',20,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_20",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',21,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_21",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',22,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_22",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',23,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_23",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',24,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_24",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',25,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_25",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',26,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_26",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',27,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_27",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',28,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_28",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',29,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_29",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',30,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_30",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',31,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_31",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',32,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_32",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',33,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_33",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',34,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_34",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',35,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_35",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',36,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_36",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',37,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."Order ID", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_37"
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
WHEN MATCHED THEN UPDATE SET "select" = CASE WHEN s."_wharf_has_3" THEN s."select" ELSE t."select" END, "naïve" = CASE WHEN s."_wharf_has_4" THEN s."naïve" ELSE t."naïve" END, "Quote""d" = CASE WHEN s."_wharf_has_5" THEN s."Quote""d" ELSE t."Quote""d" END, "Flag" = CASE WHEN s."_wharf_has_6" THEN s."Flag" ELSE t."Flag" END, "small" = CASE WHEN s."_wharf_has_7" THEN s."small" ELSE t."small" END, "price" = CASE WHEN s."_wharf_has_8" THEN s."price" ELSE t."price" END, "amount" = CASE WHEN s."_wharf_has_9" THEN s."amount" ELSE t."amount" END, "huge" = CASE WHEN s."_wharf_has_10" THEN s."huge" ELSE t."huge" END, "ratio" = CASE WHEN s."_wharf_has_11" THEN s."ratio" ELSE t."ratio" END, "measure" = CASE WHEN s."_wharf_has_12" THEN s."measure" ELSE t."measure" END, "cash" = CASE WHEN s."_wharf_has_13" THEN s."cash" ELSE t."cash" END, "day" = CASE WHEN s."_wharf_has_14" THEN s."day" ELSE t."day" END, "at time" = CASE WHEN s."_wharf_has_15" THEN s."at time" ELSE t."at time" END, "at timetz" = CASE WHEN s."_wharf_has_16" THEN s."at timetz" ELSE t."at timetz" END, "created" = CASE WHEN s."_wharf_has_17" THEN s."created" ELSE t."created" END, "updated" = CASE WHEN s."_wharf_has_18" THEN s."updated" ELSE t."updated" END, "span" = CASE WHEN s."_wharf_has_19" THEN s."span" ELSE t."span" END, "blob" = CASE WHEN s."_wharf_has_20" THEN s."blob" ELSE t."blob" END, "uid" = CASE WHEN s."_wharf_has_21" THEN s."uid" ELSE t."uid" END, "doc" = CASE WHEN s."_wharf_has_22" THEN s."doc" ELSE t."doc" END, "docb" = CASE WHEN s."_wharf_has_23" THEN s."docb" ELSE t."docb" END, "markup" = CASE WHEN s."_wharf_has_24" THEN s."markup" ELSE t."markup" END, "ip" = CASE WHEN s."_wharf_has_25" THEN s."ip" ELSE t."ip" END, "net" = CASE WHEN s."_wharf_has_26" THEN s."net" ELSE t."net" END, "mac" = CASE WHEN s."_wharf_has_27" THEN s."mac" ELSE t."mac" END, "mac8" = CASE WHEN s."_wharf_has_28" THEN s."mac8" ELSE t."mac8" END, "bits" = CASE WHEN s."_wharf_has_29" THEN s."bits" ELSE t."bits" END, "vbits" = CASE WHEN s."_wharf_has_30" THEN s."vbits" ELSE t."vbits" END, "period" = CASE WHEN s."_wharf_has_31" THEN s."period" ELSE t."period" END, "mood" = CASE WHEN s."_wharf_has_32" THEN s."mood" ELSE t."mood" END, "custom" = CASE WHEN s."_wharf_has_33" THEN s."custom" ELSE t."custom" END, "tags" = CASE WHEN s."_wharf_has_34" THEN s."tags" ELSE t."tags" END, "scores" = CASE WHEN s."_wharf_has_35" THEN s."scores" ELSE t."scores" END, "moods" = CASE WHEN s."_wharf_has_36" THEN s."moods" ELSE t."moods" END, "prices" = CASE WHEN s."_wharf_has_37" THEN s."prices" ELSE t."prices" END, "_wharf_synced_at" = CURRENT_TIMESTAMP, "_wharf_lsn" = s."_wharf_lsn", "_wharf_op" = CASE WHEN s."_wharf_op" = 'I' THEN 'I' ELSE 'U' END
WHEN NOT MATCHED AND s."_wharf_op" <> 'D' THEN INSERT ("line", "Order ID", "select", "naïve", "Quote""d", "Flag", "small", "price", "amount", "huge", "ratio", "measure", "cash", "day", "at time", "at timetz", "created", "updated", "span", "blob", "uid", "doc", "docb", "markup", "ip", "net", "mac", "mac8", "bits", "vbits", "period", "mood", "custom", "tags", "scores", "moods", "prices", "_wharf_synced_at", "_wharf_lsn", "_wharf_op")
VALUES (s."line", s."Order ID", s."select", s."naïve", s."Quote""d", s."Flag", s."small", s."price", s."amount", s."huge", s."ratio", s."measure", s."cash", s."day", s."at time", s."at timetz", s."created", s."updated", s."span", s."blob", s."uid", s."doc", s."docb", s."markup", s."ip", s."net", s."mac", s."mac8", s."bits", s."vbits", s."period", s."mood", s."custom", s."tags", s."scores", s."moods", s."prices", CURRENT_TIMESTAMP, s."_wharf_lsn", CASE WHEN s."_wharf_op" = 'I' THEN 'I' ELSE 'U' END);
