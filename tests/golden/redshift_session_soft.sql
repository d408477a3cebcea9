-- 0. once per session, first

SET timezone TO 'UTC';

-- 1. the snapshot

-- schema work: each statement commits on its own

CREATE SCHEMA IF NOT EXISTS "analytics";

CREATE SCHEMA IF NOT EXISTS "public";

CREATE TABLE IF NOT EXISTS "public"."wharf_state" (
	"job" VARCHAR(1024) NOT NULL,
	"source_table" VARCHAR(1024) NOT NULL,
	"target_table" VARCHAR(1024) NOT NULL,
	"kind" VARCHAR(1024) NOT NULL,
	"lsn" VARCHAR(1024),
	"rows" BIGINT,
	"load_id" VARCHAR(1024),
	"loaded_at" TIMESTAMPTZ NOT NULL,
	PRIMARY KEY ("job", "source_table")
);

CREATE TABLE IF NOT EXISTS "analytics"."customers" (
	"id" BIGINT NOT NULL,
	"email" VARCHAR(1020) NOT NULL,
	"name" VARCHAR(65535),
	"signed up" TIMESTAMPTZ,
	"avatar" VARBYTE(1024000),
	"prefs" SUPER,
	"_wharf_deleted" BOOLEAN NOT NULL DEFAULT FALSE,
	"_wharf_deleted_at" TIMESTAMPTZ,
	PRIMARY KEY ("id")
);

DROP TABLE IF EXISTS "wharf_staging_1";

CREATE TEMP TABLE "wharf_staging_1" (
	"id" BIGINT,
	"email" VARCHAR(1020),
	"name" VARCHAR(65535),
	"signed up" TIMESTAMPTZ,
	"avatar" VARCHAR(65535),
	"prefs" SUPER
);

-- then one transaction
BEGIN;

COPY "wharf_staging_1" ("id", "email", "name", "signed up", "avatar", "prefs")
FROM 's3://wharf-bucket/o''brien/wharf/<load_id>/public.customers/manifest.json'
IAM_ROLE default
MANIFEST
REGION 'us-east-1'
FORMAT AS CSV
GZIP
NULL AS '\\N'
TIMEFORMAT 'auto'
COMPUPDATE OFF
STATUPDATE OFF;

UPDATE "analytics"."customers" SET "_wharf_deleted" = TRUE, "_wharf_deleted_at" = (SYSDATE AT TIME ZONE 'UTC')
WHERE "analytics"."customers"."_wharf_deleted" = FALSE
  AND NOT EXISTS (SELECT 1 FROM "wharf_staging_1" AS s WHERE "analytics"."customers"."id" = s."id");

DELETE FROM "analytics"."customers"
USING "wharf_staging_1"
WHERE "analytics"."customers"."id" = "wharf_staging_1"."id";

INSERT INTO "analytics"."customers" ("id", "email", "name", "signed up", "avatar", "prefs")
SELECT s."id", s."email", s."name", s."signed up", TO_VARBYTE(SUBSTRING(s."avatar" FROM 3), 'hex'), s."prefs"
FROM "wharf_staging_1" AS s;

DELETE FROM "public"."wharf_state"
WHERE "job" = 'wharf' AND "source_table" = 'public.customers';

INSERT INTO "public"."wharf_state" ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES ('wharf', 'public.customers', 'analytics."Customers"', 'snapshot', '0/16B3748', 0, '20240101T100000Z-ab12', (SYSDATE AT TIME ZONE 'UTC'));

DELETE FROM "public"."wharf_state"
WHERE "job" = 'wharf' AND "source_table" = '*';

INSERT INTO "public"."wharf_state" ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES ('wharf', '*', '*', 'position', '0/16B3748', 0, '20240101T100000Z-ab12', (SYSDATE AT TIME ZONE 'UTC'));

COMMIT;

-- 2. a change batch

-- schema work: each statement commits on its own

CREATE TABLE IF NOT EXISTS "public"."wharf_state" (
	"job" VARCHAR(1024) NOT NULL,
	"source_table" VARCHAR(1024) NOT NULL,
	"target_table" VARCHAR(1024) NOT NULL,
	"kind" VARCHAR(1024) NOT NULL,
	"lsn" VARCHAR(1024),
	"rows" BIGINT,
	"load_id" VARCHAR(1024),
	"loaded_at" TIMESTAMPTZ NOT NULL,
	PRIMARY KEY ("job", "source_table")
);

DROP TABLE IF EXISTS "wharf_staging_1";

CREATE TEMP TABLE "wharf_staging_1" (
	"_wharf_lsn" BIGINT,
	"_wharf_seq" BIGINT,
	"_wharf_op" VARCHAR(1024),
	"_wharf_unchanged" VARCHAR(65535),
	"id" BIGINT,
	"email" VARCHAR(1020),
	"name" VARCHAR(65535),
	"signed up" TIMESTAMPTZ,
	"avatar" VARCHAR(65535),
	"prefs" SUPER
);

-- then one transaction
BEGIN;

COPY "wharf_staging_1" ("_wharf_lsn", "_wharf_seq", "_wharf_op", "_wharf_unchanged", "id", "email", "name", "signed up", "avatar", "prefs")
FROM 's3://wharf-bucket/o''brien/wharf/<load_id>/public.customers/manifest.json'
IAM_ROLE default
MANIFEST
REGION 'us-east-1'
FORMAT AS CSV
GZIP
NULL AS '\\N'
TIMEFORMAT 'auto'
COMPUPDATE OFF
STATUPDATE OFF;

UPDATE "analytics"."customers" SET "_wharf_deleted" = TRUE, "_wharf_deleted_at" = (SYSDATE AT TIME ZONE 'UTC')
WHERE "analytics"."customers"."_wharf_deleted" = FALSE
  AND EXISTS (SELECT 1 FROM "wharf_staging_1" AS x WHERE x."_wharf_op" = 'T');

CREATE TEMP TABLE "wharf_staging_1_final" AS
SELECT r."id" AS "id",
	CASE WHEN r."_wharf_has_2" THEN r."email" ELSE t."email" END AS "email",
	CASE WHEN r."_wharf_has_3" THEN r."name" ELSE t."name" END AS "name",
	CASE WHEN r."_wharf_has_4" THEN r."signed up" ELSE t."signed up" END AS "signed up",
	CASE WHEN r."_wharf_has_5" THEN TO_VARBYTE(SUBSTRING(r."avatar" FROM 3), 'hex') ELSE t."avatar" END AS "avatar",
	CASE WHEN r."_wharf_has_6" THEN r."prefs" ELSE t."prefs" END AS "prefs",
	r."_wharf_op"
FROM (
SELECT b."id", b."email", b."name", b."signed up", b."avatar", b."prefs", b."_wharf_op", b."_wharf_has_2", b."_wharf_has_3", b."_wharf_has_4", b."_wharf_has_5", b."_wharf_has_6"
FROM (
	SELECT a."id", a."_wharf_op",
		ROW_NUMBER() OVER (PARTITION BY a."id" ORDER BY a."_wharf_lsn" DESC, a."_wharf_seq" DESC) AS "_wharf_rank",
		CASE WHEN a."_wharf_seen_2" > 0 THEN FIRST_VALUE(a."email") OVER (PARTITION BY a."id", a."_wharf_seen_2" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "email",
		a."_wharf_seen_2" > 0 AS "_wharf_has_2",
		CASE WHEN a."_wharf_seen_3" > 0 THEN FIRST_VALUE(a."name") OVER (PARTITION BY a."id", a."_wharf_seen_3" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "name",
		a."_wharf_seen_3" > 0 AS "_wharf_has_3",
		CASE WHEN a."_wharf_seen_4" > 0 THEN FIRST_VALUE(a."signed up") OVER (PARTITION BY a."id", a."_wharf_seen_4" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "signed up",
		a."_wharf_seen_4" > 0 AS "_wharf_has_4",
		CASE WHEN a."_wharf_seen_5" > 0 THEN FIRST_VALUE(a."avatar") OVER (PARTITION BY a."id", a."_wharf_seen_5" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "avatar",
		a."_wharf_seen_5" > 0 AS "_wharf_has_5",
		CASE WHEN a."_wharf_seen_6" > 0 THEN FIRST_VALUE(a."prefs") OVER (PARTITION BY a."id", a."_wharf_seen_6" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "prefs",
		a."_wharf_seen_6" > 0 AS "_wharf_has_6"
	FROM (
		SELECT s."id", s."email", s."name", s."signed up", s."avatar", s."prefs", s."_wharf_lsn", s."_wharf_seq", s."_wharf_op",
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
) AS r
LEFT JOIN "analytics"."customers" AS t ON t."id" = r."id";

UPDATE "analytics"."customers" SET "_wharf_deleted" = TRUE, "_wharf_deleted_at" = (SYSDATE AT TIME ZONE 'UTC')
FROM "wharf_staging_1_final"
WHERE "analytics"."customers"."id" = "wharf_staging_1_final"."id" AND "wharf_staging_1_final"."_wharf_op" = 'D';

DELETE FROM "analytics"."customers"
USING "wharf_staging_1_final"
WHERE "analytics"."customers"."id" = "wharf_staging_1_final"."id" AND "wharf_staging_1_final"."_wharf_op" <> 'D';

INSERT INTO "analytics"."customers" ("id", "email", "name", "signed up", "avatar", "prefs")
SELECT "wharf_staging_1_final"."id", "wharf_staging_1_final"."email", "wharf_staging_1_final"."name", "wharf_staging_1_final"."signed up", "wharf_staging_1_final"."avatar", "wharf_staging_1_final"."prefs"
FROM "wharf_staging_1_final"
WHERE "wharf_staging_1_final"."_wharf_op" <> 'D';

DROP TABLE "wharf_staging_1_final";

DELETE FROM "public"."wharf_state"
WHERE "job" = 'wharf' AND "source_table" = 'public.customers'
   OR "job" = 'wharf' AND "source_table" = '*';

INSERT INTO "public"."wharf_state" ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES ('wharf', 'public.customers', 'analytics."Customers"', 'sync', '0/16B4000', 3, '20240101T100100Z-cd34', (SYSDATE AT TIME ZONE 'UTC')),
	('wharf', '*', '*', 'position', '0/16B4000', 0, '20240101T100100Z-cd34', (SYSDATE AT TIME ZONE 'UTC'));

COMMIT;

-- 3. a change batch with a column added between its DML, its two segments bundled

-- schema work: each statement commits on its own

CREATE TABLE IF NOT EXISTS "public"."wharf_state" (
	"job" VARCHAR(1024) NOT NULL,
	"source_table" VARCHAR(1024) NOT NULL,
	"target_table" VARCHAR(1024) NOT NULL,
	"kind" VARCHAR(1024) NOT NULL,
	"lsn" VARCHAR(1024),
	"rows" BIGINT,
	"load_id" VARCHAR(1024),
	"loaded_at" TIMESTAMPTZ NOT NULL,
	PRIMARY KEY ("job", "source_table")
);

ALTER TABLE "analytics"."customers" ADD COLUMN "it's \ ""odd""" VARCHAR(160);

DROP TABLE IF EXISTS "wharf_bundle_1";

CREATE TEMP TABLE "wharf_bundle_1" (
	"_wharf_lsn" BIGINT,
	"_wharf_seq" BIGINT,
	"_wharf_op" VARCHAR(1024),
	"_wharf_unchanged" VARCHAR(65535),
	"_wharf_segment" INTEGER,
	"_wharf_c1" BIGINT,
	"_wharf_c2" VARCHAR(1020),
	"_wharf_c3" VARCHAR(65535),
	"_wharf_c4" TIMESTAMPTZ,
	"_wharf_c5" VARCHAR(65535),
	"_wharf_c6" SUPER,
	"_wharf_c7" BIGINT,
	"_wharf_c8" VARCHAR(1020),
	"_wharf_c9" VARCHAR(65535),
	"_wharf_c10" TIMESTAMPTZ,
	"_wharf_c11" VARCHAR(65535),
	"_wharf_c12" SUPER,
	"_wharf_c13" VARCHAR(160)
);

-- then one transaction
BEGIN;

COPY "wharf_bundle_1" ("_wharf_lsn", "_wharf_seq", "_wharf_op", "_wharf_unchanged", "_wharf_segment", "_wharf_c1", "_wharf_c2", "_wharf_c3", "_wharf_c4", "_wharf_c5", "_wharf_c6", "_wharf_c7", "_wharf_c8", "_wharf_c9", "_wharf_c10", "_wharf_c11", "_wharf_c12", "_wharf_c13")
FROM 's3://wharf-bucket/o''brien/wharf/<load_id>/_wharf.bundle_1/manifest.json'
IAM_ROLE default
MANIFEST
REGION 'us-east-1'
FORMAT AS CSV
GZIP
NULL AS '\\N'
TIMEFORMAT 'auto'
COMPUPDATE OFF
STATUPDATE OFF;

CREATE TEMP TABLE "wharf_bundle_1_final" AS
SELECT r."id" AS "id",
	CASE WHEN r."_wharf_has_2" THEN r."email" ELSE t."email" END AS "email",
	CASE WHEN r."_wharf_has_3" THEN r."name" ELSE t."name" END AS "name",
	CASE WHEN r."_wharf_has_4" THEN r."signed up" ELSE t."signed up" END AS "signed up",
	CASE WHEN r."_wharf_has_5" THEN r."avatar" ELSE t."avatar" END AS "avatar",
	CASE WHEN r."_wharf_has_6" THEN r."prefs" ELSE t."prefs" END AS "prefs",
	r."_wharf_op"
FROM (
SELECT b."id", b."email", b."name", b."signed up", b."avatar", b."prefs", b."_wharf_op", b."_wharf_has_2", b."_wharf_has_3", b."_wharf_has_4", b."_wharf_has_5", b."_wharf_has_6"
FROM (
	SELECT a."id", a."_wharf_op",
		ROW_NUMBER() OVER (PARTITION BY a."id" ORDER BY a."_wharf_lsn" DESC, a."_wharf_seq" DESC) AS "_wharf_rank",
		CASE WHEN a."_wharf_seen_2" > 0 THEN FIRST_VALUE(a."email") OVER (PARTITION BY a."id", a."_wharf_seen_2" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "email",
		a."_wharf_seen_2" > 0 AS "_wharf_has_2",
		CASE WHEN a."_wharf_seen_3" > 0 THEN FIRST_VALUE(a."name") OVER (PARTITION BY a."id", a."_wharf_seen_3" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "name",
		a."_wharf_seen_3" > 0 AS "_wharf_has_3",
		CASE WHEN a."_wharf_seen_4" > 0 THEN FIRST_VALUE(a."signed up") OVER (PARTITION BY a."id", a."_wharf_seen_4" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "signed up",
		a."_wharf_seen_4" > 0 AS "_wharf_has_4",
		CASE WHEN a."_wharf_seen_5" > 0 THEN FIRST_VALUE(a."avatar") OVER (PARTITION BY a."id", a."_wharf_seen_5" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "avatar",
		a."_wharf_seen_5" > 0 AS "_wharf_has_5",
		CASE WHEN a."_wharf_seen_6" > 0 THEN FIRST_VALUE(a."prefs") OVER (PARTITION BY a."id", a."_wharf_seen_6" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "prefs",
		a."_wharf_seen_6" > 0 AS "_wharf_has_6"
	FROM (
		SELECT s."id", s."email", s."name", s."signed up", s."avatar", s."prefs", s."_wharf_lsn", s."_wharf_seq", s."_wharf_op",
			COUNT(CASE WHEN s."_wharf_op" = 'K' OR (s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',2,' IN s."_wharf_unchanged") = 0)) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_2",
			COUNT(CASE WHEN s."_wharf_op" = 'K' OR (s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',3,' IN s."_wharf_unchanged") = 0)) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_3",
			COUNT(CASE WHEN s."_wharf_op" = 'K' OR (s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',4,' IN s."_wharf_unchanged") = 0)) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_4",
			COUNT(CASE WHEN s."_wharf_op" = 'K' OR (s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',5,' IN s."_wharf_unchanged") = 0)) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_5",
			COUNT(CASE WHEN s."_wharf_op" = 'K' OR (s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',6,' IN s."_wharf_unchanged") = 0)) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_6"
		FROM (
			SELECT m."id",
				CASE WHEN m."_wharf_op" = 'K' AND POSITION(',2,' IN m."_wharf_unchanged") > 0 THEN LAG(m."_wharf_old_2") OVER (ORDER BY m."_wharf_lsn", m."_wharf_seq") ELSE m."email" END AS "email",
				CASE WHEN m."_wharf_op" = 'K' AND POSITION(',3,' IN m."_wharf_unchanged") > 0 THEN LAG(m."_wharf_old_3") OVER (ORDER BY m."_wharf_lsn", m."_wharf_seq") ELSE m."name" END AS "name",
				CASE WHEN m."_wharf_op" = 'K' AND POSITION(',4,' IN m."_wharf_unchanged") > 0 THEN LAG(m."_wharf_old_4") OVER (ORDER BY m."_wharf_lsn", m."_wharf_seq") ELSE m."signed up" END AS "signed up",
				CASE WHEN m."_wharf_op" = 'K' AND POSITION(',5,' IN m."_wharf_unchanged") > 0 THEN LAG(m."_wharf_old_5") OVER (ORDER BY m."_wharf_lsn", m."_wharf_seq") ELSE m."avatar" END AS "avatar",
				CASE WHEN m."_wharf_op" = 'K' AND POSITION(',6,' IN m."_wharf_unchanged") > 0 THEN LAG(m."_wharf_old_6") OVER (ORDER BY m."_wharf_lsn", m."_wharf_seq") ELSE m."prefs" END AS "prefs", m."_wharf_lsn", m."_wharf_seq", m."_wharf_op", m."_wharf_unchanged"
			FROM (
				SELECT v."id", v."email", v."name", v."signed up", v."avatar", v."prefs", v."_wharf_lsn", v."_wharf_seq", v."_wharf_op", v."_wharf_unchanged",
					CASE WHEN v."_wharf_seen_2" > 0 THEN FIRST_VALUE(v."email") OVER (PARTITION BY v."id", v."_wharf_seen_2" ORDER BY v."_wharf_lsn", v."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) ELSE o."email" END AS "_wharf_old_2",
					CASE WHEN v."_wharf_seen_3" > 0 THEN FIRST_VALUE(v."name") OVER (PARTITION BY v."id", v."_wharf_seen_3" ORDER BY v."_wharf_lsn", v."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) ELSE o."name" END AS "_wharf_old_3",
					CASE WHEN v."_wharf_seen_4" > 0 THEN FIRST_VALUE(v."signed up") OVER (PARTITION BY v."id", v."_wharf_seen_4" ORDER BY v."_wharf_lsn", v."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) ELSE o."signed up" END AS "_wharf_old_4",
					CASE WHEN v."_wharf_seen_5" > 0 THEN FIRST_VALUE(v."avatar") OVER (PARTITION BY v."id", v."_wharf_seen_5" ORDER BY v."_wharf_lsn", v."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) ELSE o."avatar" END AS "_wharf_old_5",
					CASE WHEN v."_wharf_seen_6" > 0 THEN FIRST_VALUE(v."prefs") OVER (PARTITION BY v."id", v."_wharf_seen_6" ORDER BY v."_wharf_lsn", v."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) ELSE o."prefs" END AS "_wharf_old_6"
				FROM (
					SELECT s."id" AS "id", s."email" AS "email", s."name" AS "name", s."signed up" AS "signed up", TO_VARBYTE(SUBSTRING(s."avatar" FROM 3), 'hex') AS "avatar", s."prefs" AS "prefs", s."_wharf_lsn", s."_wharf_seq", s."_wharf_op", s."_wharf_unchanged",
						COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U', 'K') AND (s."_wharf_unchanged" IS NULL OR POSITION(',2,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_2",
						COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U', 'K') AND (s."_wharf_unchanged" IS NULL OR POSITION(',3,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_3",
						COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U', 'K') AND (s."_wharf_unchanged" IS NULL OR POSITION(',4,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_4",
						COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U', 'K') AND (s."_wharf_unchanged" IS NULL OR POSITION(',5,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_5",
						COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U', 'K') AND (s."_wharf_unchanged" IS NULL OR POSITION(',6,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_6"
					FROM (SELECT b."_wharf_lsn", b."_wharf_seq", b."_wharf_op", b."_wharf_unchanged", b."_wharf_c1" AS "id", b."_wharf_c2" AS "email", b."_wharf_c3" AS "name", b."_wharf_c4" AS "signed up", b."_wharf_c5" AS "avatar", b."_wharf_c6" AS "prefs" FROM "wharf_bundle_1" AS b WHERE b."_wharf_segment" = 1) AS s
				) AS v
				LEFT JOIN "analytics"."customers" AS o ON v."_wharf_op" = 'D' AND o."id" = v."id"
			) AS m
		) AS s
	) AS a
) AS b
WHERE b."_wharf_rank" = 1
) AS r
LEFT JOIN "analytics"."customers" AS t ON t."id" = r."id";

UPDATE "analytics"."customers" SET "_wharf_deleted" = TRUE, "_wharf_deleted_at" = (SYSDATE AT TIME ZONE 'UTC')
FROM "wharf_bundle_1_final"
WHERE "analytics"."customers"."id" = "wharf_bundle_1_final"."id" AND "wharf_bundle_1_final"."_wharf_op" = 'D';

DELETE FROM "analytics"."customers"
USING "wharf_bundle_1_final"
WHERE "analytics"."customers"."id" = "wharf_bundle_1_final"."id" AND "wharf_bundle_1_final"."_wharf_op" <> 'D';

INSERT INTO "analytics"."customers" ("id", "email", "name", "signed up", "avatar", "prefs")
SELECT "wharf_bundle_1_final"."id", "wharf_bundle_1_final"."email", "wharf_bundle_1_final"."name", "wharf_bundle_1_final"."signed up", "wharf_bundle_1_final"."avatar", "wharf_bundle_1_final"."prefs"
FROM "wharf_bundle_1_final"
WHERE "wharf_bundle_1_final"."_wharf_op" <> 'D';

DROP TABLE "wharf_bundle_1_final";

UPDATE "analytics"."customers" SET "it's \ ""odd""" = CAST('it''s \\ ''quoted''' AS VARCHAR(160))
WHERE "it's \ ""odd""" IS NULL;

CREATE TEMP TABLE "wharf_bundle_1_final" AS
SELECT r."id" AS "id",
	CASE WHEN r."_wharf_has_2" THEN r."email" ELSE t."email" END AS "email",
	CASE WHEN r."_wharf_has_3" THEN r."name" ELSE t."name" END AS "name",
	CASE WHEN r."_wharf_has_4" THEN r."signed up" ELSE t."signed up" END AS "signed up",
	CASE WHEN r."_wharf_has_5" THEN TO_VARBYTE(SUBSTRING(r."avatar" FROM 3), 'hex') ELSE t."avatar" END AS "avatar",
	CASE WHEN r."_wharf_has_6" THEN r."prefs" ELSE t."prefs" END AS "prefs",
	CASE WHEN r."_wharf_has_7" THEN r."it's \ ""odd""" ELSE t."it's \ ""odd""" END AS "it's \ ""odd""",
	r."_wharf_op"
FROM (
SELECT b."id", b."email", b."name", b."signed up", b."avatar", b."prefs", b."it's \ ""odd""", b."_wharf_op", b."_wharf_has_2", b."_wharf_has_3", b."_wharf_has_4", b."_wharf_has_5", b."_wharf_has_6", b."_wharf_has_7"
FROM (
	SELECT a."id", a."_wharf_op",
		ROW_NUMBER() OVER (PARTITION BY a."id" ORDER BY a."_wharf_lsn" DESC, a."_wharf_seq" DESC) AS "_wharf_rank",
		CASE WHEN a."_wharf_seen_2" > 0 THEN FIRST_VALUE(a."email") OVER (PARTITION BY a."id", a."_wharf_seen_2" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "email",
		a."_wharf_seen_2" > 0 AS "_wharf_has_2",
		CASE WHEN a."_wharf_seen_3" > 0 THEN FIRST_VALUE(a."name") OVER (PARTITION BY a."id", a."_wharf_seen_3" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "name",
		a."_wharf_seen_3" > 0 AS "_wharf_has_3",
		CASE WHEN a."_wharf_seen_4" > 0 THEN FIRST_VALUE(a."signed up") OVER (PARTITION BY a."id", a."_wharf_seen_4" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "signed up",
		a."_wharf_seen_4" > 0 AS "_wharf_has_4",
		CASE WHEN a."_wharf_seen_5" > 0 THEN FIRST_VALUE(a."avatar") OVER (PARTITION BY a."id", a."_wharf_seen_5" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "avatar",
		a."_wharf_seen_5" > 0 AS "_wharf_has_5",
		CASE WHEN a."_wharf_seen_6" > 0 THEN FIRST_VALUE(a."prefs") OVER (PARTITION BY a."id", a."_wharf_seen_6" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "prefs",
		a."_wharf_seen_6" > 0 AS "_wharf_has_6",
		CASE WHEN a."_wharf_seen_7" > 0 THEN FIRST_VALUE(a."it's \ ""odd""") OVER (PARTITION BY a."id", a."_wharf_seen_7" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "it's \ ""odd""",
		a."_wharf_seen_7" > 0 AS "_wharf_has_7"
	FROM (
		SELECT s."id", s."email", s."name", s."signed up", s."avatar", s."prefs", s."it's \ ""odd""", s."_wharf_lsn", s."_wharf_seq", s."_wharf_op",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',2,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_2",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',3,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_3",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',4,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_4",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',5,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_5",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',6,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_6",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',7,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_7"
		FROM (SELECT b."_wharf_lsn", b."_wharf_seq", b."_wharf_op", b."_wharf_unchanged", b."_wharf_c7" AS "id", b."_wharf_c8" AS "email", b."_wharf_c9" AS "name", b."_wharf_c10" AS "signed up", b."_wharf_c11" AS "avatar", b."_wharf_c12" AS "prefs", b."_wharf_c13" AS "it's \ ""odd""" FROM "wharf_bundle_1" AS b WHERE b."_wharf_segment" = 2) AS s
	) AS a
) AS b
WHERE b."_wharf_rank" = 1
) AS r
LEFT JOIN "analytics"."customers" AS t ON t."id" = r."id";

UPDATE "analytics"."customers" SET "_wharf_deleted" = TRUE, "_wharf_deleted_at" = (SYSDATE AT TIME ZONE 'UTC')
FROM "wharf_bundle_1_final"
WHERE "analytics"."customers"."id" = "wharf_bundle_1_final"."id" AND "wharf_bundle_1_final"."_wharf_op" = 'D';

DELETE FROM "analytics"."customers"
USING "wharf_bundle_1_final"
WHERE "analytics"."customers"."id" = "wharf_bundle_1_final"."id" AND "wharf_bundle_1_final"."_wharf_op" <> 'D';

INSERT INTO "analytics"."customers" ("id", "email", "name", "signed up", "avatar", "prefs", "it's \ ""odd""")
SELECT "wharf_bundle_1_final"."id", "wharf_bundle_1_final"."email", "wharf_bundle_1_final"."name", "wharf_bundle_1_final"."signed up", "wharf_bundle_1_final"."avatar", "wharf_bundle_1_final"."prefs", "wharf_bundle_1_final"."it's \ ""odd"""
FROM "wharf_bundle_1_final"
WHERE "wharf_bundle_1_final"."_wharf_op" <> 'D';

DROP TABLE "wharf_bundle_1_final";

DELETE FROM "public"."wharf_state"
WHERE "job" = 'wharf' AND "source_table" = 'public.customers'
   OR "job" = 'wharf' AND "source_table" = '*';

INSERT INTO "public"."wharf_state" ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES ('wharf', 'public.customers', 'analytics."Customers"', 'sync', '0/16B5000', 3, '20240101T100200Z-ef56', (SYSDATE AT TIME ZONE 'UTC')),
	('wharf', '*', '*', 'position', '0/16B5000', 0, '20240101T100200Z-ef56', (SYSDATE AT TIME ZONE 'UTC'));

COMMIT;
