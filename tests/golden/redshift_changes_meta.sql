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
	CASE WHEN r."_wharf_has_3" THEN r."select" ELSE t."select" END AS "select",
	CASE WHEN r."_wharf_has_4" THEN r."naïve" ELSE t."naïve" END AS "naïve",
	CASE WHEN r."_wharf_has_5" THEN r."quote""d" ELSE t."quote""d" END AS "quote""d",
	CASE WHEN r."_wharf_has_6" THEN r."flag" ELSE t."flag" END AS "flag",
	CASE WHEN r."_wharf_has_7" THEN r."small" ELSE t."small" END AS "small",
	CASE WHEN r."_wharf_has_8" THEN r."price" ELSE t."price" END AS "price",
	CASE WHEN r."_wharf_has_9" THEN r."amount" ELSE t."amount" END AS "amount",
	CASE WHEN r."_wharf_has_10" THEN r."huge" ELSE t."huge" END AS "huge",
	CASE WHEN r."_wharf_has_11" THEN r."ratio" ELSE t."ratio" END AS "ratio",
	CASE WHEN r."_wharf_has_12" THEN r."measure" ELSE t."measure" END AS "measure",
	CASE WHEN r."_wharf_has_13" THEN r."cash" ELSE t."cash" END AS "cash",
	CASE WHEN r."_wharf_has_14" THEN r."day" ELSE t."day" END AS "day",
	CASE WHEN r."_wharf_has_15" THEN r."at time" ELSE t."at time" END AS "at time",
	CASE WHEN r."_wharf_has_16" THEN r."at timetz" ELSE t."at timetz" END AS "at timetz",
	CASE WHEN r."_wharf_has_17" THEN r."created" ELSE t."created" END AS "created",
	CASE WHEN r."_wharf_has_18" THEN r."updated" ELSE t."updated" END AS "updated",
	CASE WHEN r."_wharf_has_19" THEN r."span" ELSE t."span" END AS "span",
	CASE WHEN r."_wharf_has_20" THEN TO_VARBYTE(SUBSTRING(r."blob" FROM 3), 'hex') ELSE t."blob" END AS "blob",
	CASE WHEN r."_wharf_has_21" THEN r."uid" ELSE t."uid" END AS "uid",
	CASE WHEN r."_wharf_has_22" THEN r."doc" ELSE t."doc" END AS "doc",
	CASE WHEN r."_wharf_has_23" THEN r."docb" ELSE t."docb" END AS "docb",
	CASE WHEN r."_wharf_has_24" THEN r."markup" ELSE t."markup" END AS "markup",
	CASE WHEN r."_wharf_has_25" THEN r."ip" ELSE t."ip" END AS "ip",
	CASE WHEN r."_wharf_has_26" THEN r."net" ELSE t."net" END AS "net",
	CASE WHEN r."_wharf_has_27" THEN r."mac" ELSE t."mac" END AS "mac",
	CASE WHEN r."_wharf_has_28" THEN r."mac8" ELSE t."mac8" END AS "mac8",
	CASE WHEN r."_wharf_has_29" THEN r."bits" ELSE t."bits" END AS "bits",
	CASE WHEN r."_wharf_has_30" THEN r."vbits" ELSE t."vbits" END AS "vbits",
	CASE WHEN r."_wharf_has_31" THEN r."period" ELSE t."period" END AS "period",
	CASE WHEN r."_wharf_has_32" THEN r."mood" ELSE t."mood" END AS "mood",
	CASE WHEN r."_wharf_has_33" THEN r."custom" ELSE t."custom" END AS "custom",
	CASE WHEN r."_wharf_has_34" THEN r."tags" ELSE t."tags" END AS "tags",
	CASE WHEN r."_wharf_has_35" THEN r."scores" ELSE t."scores" END AS "scores",
	CASE WHEN r."_wharf_has_36" THEN r."moods" ELSE t."moods" END AS "moods",
	CASE WHEN r."_wharf_has_37" THEN r."prices" ELSE t."prices" END AS "prices",
	r."_wharf_op", r."_wharf_lsn"
FROM (
SELECT b."line", b."order id", b."select", b."naïve", b."quote""d", b."flag", b."small", b."price", b."amount", b."huge", b."ratio", b."measure", b."cash", b."day", b."at time", b."at timetz", b."created", b."updated", b."span", b."blob", b."uid", b."doc", b."docb", b."markup", b."ip", b."net", b."mac", b."mac8", b."bits", b."vbits", b."period", b."mood", b."custom", b."tags", b."scores", b."moods", b."prices", b."_wharf_op", b."_wharf_lsn", b."_wharf_has_3", b."_wharf_has_4", b."_wharf_has_5", b."_wharf_has_6", b."_wharf_has_7", b."_wharf_has_8", b."_wharf_has_9", b."_wharf_has_10", b."_wharf_has_11", b."_wharf_has_12", b."_wharf_has_13", b."_wharf_has_14", b."_wharf_has_15", b."_wharf_has_16", b."_wharf_has_17", b."_wharf_has_18", b."_wharf_has_19", b."_wharf_has_20", b."_wharf_has_21", b."_wharf_has_22", b."_wharf_has_23", b."_wharf_has_24", b."_wharf_has_25", b."_wharf_has_26", b."_wharf_has_27", b."_wharf_has_28", b."_wharf_has_29", b."_wharf_has_30", b."_wharf_has_31", b."_wharf_has_32", b."_wharf_has_33", b."_wharf_has_34", b."_wharf_has_35", b."_wharf_has_36", b."_wharf_has_37"
FROM (
	SELECT a."order id", a."line", a."_wharf_op", a."_wharf_lsn",
		ROW_NUMBER() OVER (PARTITION BY a."order id", a."line" ORDER BY a."_wharf_lsn" DESC, a."_wharf_seq" DESC) AS "_wharf_rank",
		CASE WHEN a."_wharf_seen_3" > 0 THEN FIRST_VALUE(a."select") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_3" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "select",
		a."_wharf_seen_3" > 0 AS "_wharf_has_3",
		CASE WHEN a."_wharf_seen_4" > 0 THEN FIRST_VALUE(a."naïve") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_4" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "naïve",
		a."_wharf_seen_4" > 0 AS "_wharf_has_4",
		CASE WHEN a."_wharf_seen_5" > 0 THEN FIRST_VALUE(a."quote""d") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_5" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "quote""d",
		a."_wharf_seen_5" > 0 AS "_wharf_has_5",
		CASE WHEN a."_wharf_seen_6" > 0 THEN FIRST_VALUE(a."flag") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_6" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "flag",
		a."_wharf_seen_6" > 0 AS "_wharf_has_6",
		CASE WHEN a."_wharf_seen_7" > 0 THEN FIRST_VALUE(a."small") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_7" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "small",
		a."_wharf_seen_7" > 0 AS "_wharf_has_7",
		CASE WHEN a."_wharf_seen_8" > 0 THEN FIRST_VALUE(a."price") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_8" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "price",
		a."_wharf_seen_8" > 0 AS "_wharf_has_8",
		CASE WHEN a."_wharf_seen_9" > 0 THEN FIRST_VALUE(a."amount") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_9" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "amount",
		a."_wharf_seen_9" > 0 AS "_wharf_has_9",
		CASE WHEN a."_wharf_seen_10" > 0 THEN FIRST_VALUE(a."huge") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_10" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "huge",
		a."_wharf_seen_10" > 0 AS "_wharf_has_10",
		CASE WHEN a."_wharf_seen_11" > 0 THEN FIRST_VALUE(a."ratio") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_11" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "ratio",
		a."_wharf_seen_11" > 0 AS "_wharf_has_11",
		CASE WHEN a."_wharf_seen_12" > 0 THEN FIRST_VALUE(a."measure") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_12" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "measure",
		a."_wharf_seen_12" > 0 AS "_wharf_has_12",
		CASE WHEN a."_wharf_seen_13" > 0 THEN FIRST_VALUE(a."cash") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_13" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "cash",
		a."_wharf_seen_13" > 0 AS "_wharf_has_13",
		CASE WHEN a."_wharf_seen_14" > 0 THEN FIRST_VALUE(a."day") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_14" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "day",
		a."_wharf_seen_14" > 0 AS "_wharf_has_14",
		CASE WHEN a."_wharf_seen_15" > 0 THEN FIRST_VALUE(a."at time") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_15" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "at time",
		a."_wharf_seen_15" > 0 AS "_wharf_has_15",
		CASE WHEN a."_wharf_seen_16" > 0 THEN FIRST_VALUE(a."at timetz") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_16" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "at timetz",
		a."_wharf_seen_16" > 0 AS "_wharf_has_16",
		CASE WHEN a."_wharf_seen_17" > 0 THEN FIRST_VALUE(a."created") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_17" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "created",
		a."_wharf_seen_17" > 0 AS "_wharf_has_17",
		CASE WHEN a."_wharf_seen_18" > 0 THEN FIRST_VALUE(a."updated") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_18" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "updated",
		a."_wharf_seen_18" > 0 AS "_wharf_has_18",
		CASE WHEN a."_wharf_seen_19" > 0 THEN FIRST_VALUE(a."span") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_19" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "span",
		a."_wharf_seen_19" > 0 AS "_wharf_has_19",
		CASE WHEN a."_wharf_seen_20" > 0 THEN FIRST_VALUE(a."blob") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_20" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "blob",
		a."_wharf_seen_20" > 0 AS "_wharf_has_20",
		CASE WHEN a."_wharf_seen_21" > 0 THEN FIRST_VALUE(a."uid") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_21" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "uid",
		a."_wharf_seen_21" > 0 AS "_wharf_has_21",
		CASE WHEN a."_wharf_seen_22" > 0 THEN FIRST_VALUE(a."doc") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_22" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "doc",
		a."_wharf_seen_22" > 0 AS "_wharf_has_22",
		CASE WHEN a."_wharf_seen_23" > 0 THEN FIRST_VALUE(a."docb") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_23" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "docb",
		a."_wharf_seen_23" > 0 AS "_wharf_has_23",
		CASE WHEN a."_wharf_seen_24" > 0 THEN FIRST_VALUE(a."markup") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_24" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "markup",
		a."_wharf_seen_24" > 0 AS "_wharf_has_24",
		CASE WHEN a."_wharf_seen_25" > 0 THEN FIRST_VALUE(a."ip") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_25" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "ip",
		a."_wharf_seen_25" > 0 AS "_wharf_has_25",
		CASE WHEN a."_wharf_seen_26" > 0 THEN FIRST_VALUE(a."net") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_26" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "net",
		a."_wharf_seen_26" > 0 AS "_wharf_has_26",
		CASE WHEN a."_wharf_seen_27" > 0 THEN FIRST_VALUE(a."mac") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_27" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "mac",
		a."_wharf_seen_27" > 0 AS "_wharf_has_27",
		CASE WHEN a."_wharf_seen_28" > 0 THEN FIRST_VALUE(a."mac8") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_28" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "mac8",
		a."_wharf_seen_28" > 0 AS "_wharf_has_28",
		CASE WHEN a."_wharf_seen_29" > 0 THEN FIRST_VALUE(a."bits") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_29" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "bits",
		a."_wharf_seen_29" > 0 AS "_wharf_has_29",
		CASE WHEN a."_wharf_seen_30" > 0 THEN FIRST_VALUE(a."vbits") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_30" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "vbits",
		a."_wharf_seen_30" > 0 AS "_wharf_has_30",
		CASE WHEN a."_wharf_seen_31" > 0 THEN FIRST_VALUE(a."period") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_31" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "period",
		a."_wharf_seen_31" > 0 AS "_wharf_has_31",
		CASE WHEN a."_wharf_seen_32" > 0 THEN FIRST_VALUE(a."mood") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_32" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "mood",
		a."_wharf_seen_32" > 0 AS "_wharf_has_32",
		CASE WHEN a."_wharf_seen_33" > 0 THEN FIRST_VALUE(a."custom") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_33" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "custom",
		a."_wharf_seen_33" > 0 AS "_wharf_has_33",
		CASE WHEN a."_wharf_seen_34" > 0 THEN FIRST_VALUE(a."tags") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_34" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "tags",
		a."_wharf_seen_34" > 0 AS "_wharf_has_34",
		CASE WHEN a."_wharf_seen_35" > 0 THEN FIRST_VALUE(a."scores") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_35" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "scores",
		a."_wharf_seen_35" > 0 AS "_wharf_has_35",
		CASE WHEN a."_wharf_seen_36" > 0 THEN FIRST_VALUE(a."moods") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_36" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "moods",
		a."_wharf_seen_36" > 0 AS "_wharf_has_36",
		CASE WHEN a."_wharf_seen_37" > 0 THEN FIRST_VALUE(a."prices") OVER (PARTITION BY a."order id", a."line", a."_wharf_seen_37" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "prices",
		a."_wharf_seen_37" > 0 AS "_wharf_has_37"
	FROM (
		SELECT s."line", s."order id", s."select", s."naïve", s."quote""d", s."flag", s."small", s."price", s."amount", s."huge", s."ratio", s."measure", s."cash", s."day", s."at time", s."at timetz", s."created", s."updated", s."span", s."blob", s."uid", s."doc", s."docb", s."markup", s."ip", s."net", s."mac", s."mac8", s."bits", s."vbits", s."period", s."mood", s."custom", s."tags", s."scores", s."moods", s."prices", s."_wharf_lsn", s."_wharf_seq", s."_wharf_op",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',3,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_3",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',4,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_4",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',5,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_5",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',6,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_6",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',7,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_7",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',8,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_8",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',9,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_9",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',10,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_10",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',11,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_11",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',12,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_12",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',13,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_13",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',14,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_14",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',15,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_15",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',16,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_16",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',17,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_17",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',18,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_18",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',19,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_19",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',20,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_20",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',21,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_21",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',22,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_22",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',23,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_23",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',24,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_24",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',25,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_25",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',26,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_26",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',27,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_27",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',28,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_28",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',29,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_29",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',30,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_30",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',31,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_31",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',32,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_32",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',33,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_33",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',34,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_34",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',35,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_35",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',36,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_36",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',37,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."order id", s."line" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_37"
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
