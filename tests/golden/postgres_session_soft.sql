-- 1. the snapshot

-- schema work: each statement commits on its own

CREATE SCHEMA IF NOT EXISTS "analytics";

CREATE SCHEMA IF NOT EXISTS "public";

CREATE TABLE IF NOT EXISTS "public"."wharf_state" (
	"job" TEXT NOT NULL,
	"source_table" TEXT NOT NULL,
	"target_table" TEXT NOT NULL,
	"kind" TEXT NOT NULL,
	"lsn" TEXT,
	"rows" BIGINT,
	"load_id" TEXT,
	"loaded_at" TIMESTAMPTZ NOT NULL,
	PRIMARY KEY ("job", "source_table")
);

CREATE TABLE IF NOT EXISTS "analytics"."Customers" (
	"id" bigint NOT NULL,
	"email" character varying(255) NOT NULL,
	"Name" text,
	"signed up" timestamp with time zone,
	"avatar" bytea,
	"prefs" jsonb,
	"_wharf_deleted" BOOLEAN NOT NULL DEFAULT FALSE,
	"_wharf_deleted_at" TIMESTAMPTZ,
	PRIMARY KEY ("id")
);

DROP TABLE IF EXISTS pg_temp."wharf_staging_1";

CREATE TEMP TABLE "wharf_staging_1" (
	"id" bigint,
	"email" character varying(255),
	"Name" text,
	"signed up" timestamp with time zone,
	"avatar" bytea,
	"prefs" jsonb
);

-- then one transaction
BEGIN;

COPY "wharf_staging_1" ("id", "email", "Name", "signed up", "avatar", "prefs")
FROM PROGRAM 'curl -sSf --retry 5 --retry-connrefused ''<presigned GET URL of s3://wharf-bucket/o''\''''brien/wharf/<load_id>/public.customers/part-00001.csv.gz, valid 3600 s>'' | gzip -dc'
WITH (FORMAT csv);

UPDATE "analytics"."Customers" SET "_wharf_deleted" = TRUE, "_wharf_deleted_at" = CURRENT_TIMESTAMP
WHERE "analytics"."Customers"."_wharf_deleted" = FALSE
  AND NOT EXISTS (SELECT 1 FROM "wharf_staging_1" AS s WHERE "analytics"."Customers"."id" = s."id");

MERGE INTO "analytics"."Customers" AS t
USING "wharf_staging_1" AS s
ON t."id" = s."id"
WHEN MATCHED THEN UPDATE SET "email" = s."email", "Name" = s."Name", "signed up" = s."signed up", "avatar" = s."avatar", "prefs" = s."prefs", "_wharf_deleted" = FALSE, "_wharf_deleted_at" = NULL
WHEN NOT MATCHED THEN INSERT ("id", "email", "Name", "signed up", "avatar", "prefs")
VALUES (s."id", s."email", s."Name", s."signed up", s."avatar", s."prefs");

MERGE INTO "public"."wharf_state" AS t
USING (SELECT 'wharf' AS "job", 'public.customers' AS "source_table", 'analytics."Customers"' AS "target_table", 'snapshot' AS "kind", '0/16B3748' AS "lsn", CAST(0 AS BIGINT) AS "rows", '20240101T100000Z-ab12' AS "load_id", CURRENT_TIMESTAMP AS "loaded_at") AS s
ON t."job" = s."job" AND t."source_table" = s."source_table"
WHEN MATCHED THEN UPDATE SET "target_table" = s."target_table", "kind" = s."kind", "lsn" = s."lsn", "rows" = s."rows", "load_id" = s."load_id", "loaded_at" = s."loaded_at"
WHEN NOT MATCHED THEN INSERT ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES (s."job", s."source_table", s."target_table", s."kind", s."lsn", s."rows", s."load_id", s."loaded_at");

MERGE INTO "public"."wharf_state" AS t
USING (SELECT 'wharf' AS "job", '*' AS "source_table", '*' AS "target_table", 'position' AS "kind", '0/16B3748' AS "lsn", CAST(0 AS BIGINT) AS "rows", '20240101T100000Z-ab12' AS "load_id", CURRENT_TIMESTAMP AS "loaded_at") AS s
ON t."job" = s."job" AND t."source_table" = s."source_table"
WHEN MATCHED THEN UPDATE SET "target_table" = s."target_table", "kind" = s."kind", "lsn" = s."lsn", "rows" = s."rows", "load_id" = s."load_id", "loaded_at" = s."loaded_at"
WHEN NOT MATCHED THEN INSERT ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES (s."job", s."source_table", s."target_table", s."kind", s."lsn", s."rows", s."load_id", s."loaded_at");

COMMIT;

-- 2. a change batch

-- schema work: each statement commits on its own

CREATE TABLE IF NOT EXISTS "public"."wharf_state" (
	"job" TEXT NOT NULL,
	"source_table" TEXT NOT NULL,
	"target_table" TEXT NOT NULL,
	"kind" TEXT NOT NULL,
	"lsn" TEXT,
	"rows" BIGINT,
	"load_id" TEXT,
	"loaded_at" TIMESTAMPTZ NOT NULL,
	PRIMARY KEY ("job", "source_table")
);

DROP TABLE IF EXISTS pg_temp."wharf_staging_1";

CREATE TEMP TABLE "wharf_staging_1" (
	"_wharf_lsn" BIGINT,
	"_wharf_seq" BIGINT,
	"_wharf_op" TEXT,
	"_wharf_unchanged" TEXT,
	"id" bigint,
	"email" character varying(255),
	"Name" text,
	"signed up" timestamp with time zone,
	"avatar" bytea,
	"prefs" jsonb
);

-- then one transaction
BEGIN;

COPY "wharf_staging_1" ("_wharf_lsn", "_wharf_seq", "_wharf_op", "_wharf_unchanged", "id", "email", "Name", "signed up", "avatar", "prefs")
FROM PROGRAM 'curl -sSf --retry 5 --retry-connrefused ''<presigned GET URL of s3://wharf-bucket/o''\''''brien/wharf/<load_id>/public.customers/part-00001.csv.gz, valid 3600 s>'' | gzip -dc'
WITH (FORMAT csv);

UPDATE "analytics"."Customers" SET "_wharf_deleted" = TRUE, "_wharf_deleted_at" = CURRENT_TIMESTAMP
WHERE "analytics"."Customers"."_wharf_deleted" = FALSE
  AND EXISTS (SELECT 1 FROM "wharf_staging_1" AS x WHERE x."_wharf_op" = 'T');

MERGE INTO "analytics"."Customers" AS t
USING (
SELECT b."id", b."email", b."Name", b."signed up", b."avatar", b."prefs", b."_wharf_op", b."_wharf_has_2", b."_wharf_has_3", b."_wharf_has_4", b."_wharf_has_5", b."_wharf_has_6"
FROM (
	SELECT a."id", a."_wharf_op",
		ROW_NUMBER() OVER (PARTITION BY a."id" ORDER BY a."_wharf_lsn" DESC, a."_wharf_seq" DESC) AS "_wharf_rank",
		CASE WHEN a."_wharf_seen_2" > 0 THEN FIRST_VALUE(a."email") OVER (PARTITION BY a."id", a."_wharf_seen_2" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "email",
		a."_wharf_seen_2" > 0 AS "_wharf_has_2",
		CASE WHEN a."_wharf_seen_3" > 0 THEN FIRST_VALUE(a."Name") OVER (PARTITION BY a."id", a."_wharf_seen_3" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "Name",
		a."_wharf_seen_3" > 0 AS "_wharf_has_3",
		CASE WHEN a."_wharf_seen_4" > 0 THEN FIRST_VALUE(a."signed up") OVER (PARTITION BY a."id", a."_wharf_seen_4" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "signed up",
		a."_wharf_seen_4" > 0 AS "_wharf_has_4",
		CASE WHEN a."_wharf_seen_5" > 0 THEN FIRST_VALUE(a."avatar") OVER (PARTITION BY a."id", a."_wharf_seen_5" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "avatar",
		a."_wharf_seen_5" > 0 AS "_wharf_has_5",
		CASE WHEN a."_wharf_seen_6" > 0 THEN FIRST_VALUE(a."prefs") OVER (PARTITION BY a."id", a."_wharf_seen_6" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "prefs",
		a."_wharf_seen_6" > 0 AS "_wharf_has_6"
	FROM (
		SELECT s."id", s."email", s."Name", s."signed up", s."avatar", s."prefs", s."_wharf_lsn", s."_wharf_seq", s."_wharf_op",
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
) AS s
ON t."id" = s."id"
WHEN MATCHED AND s."_wharf_op" = 'D' THEN UPDATE SET "_wharf_deleted" = TRUE, "_wharf_deleted_at" = CURRENT_TIMESTAMP
WHEN MATCHED THEN UPDATE SET "email" = CASE WHEN s."_wharf_has_2" THEN s."email" ELSE t."email" END, "Name" = CASE WHEN s."_wharf_has_3" THEN s."Name" ELSE t."Name" END, "signed up" = CASE WHEN s."_wharf_has_4" THEN s."signed up" ELSE t."signed up" END, "avatar" = CASE WHEN s."_wharf_has_5" THEN s."avatar" ELSE t."avatar" END, "prefs" = CASE WHEN s."_wharf_has_6" THEN s."prefs" ELSE t."prefs" END, "_wharf_deleted" = FALSE, "_wharf_deleted_at" = NULL
WHEN NOT MATCHED AND s."_wharf_op" <> 'D' THEN INSERT ("id", "email", "Name", "signed up", "avatar", "prefs")
VALUES (s."id", s."email", s."Name", s."signed up", s."avatar", s."prefs");

MERGE INTO "public"."wharf_state" AS t
USING (SELECT 'wharf' AS "job", 'public.customers' AS "source_table", 'analytics."Customers"' AS "target_table", 'sync' AS "kind", '0/16B4000' AS "lsn", CAST(3 AS BIGINT) AS "rows", '20240101T100100Z-cd34' AS "load_id", CURRENT_TIMESTAMP AS "loaded_at"
	UNION ALL SELECT 'wharf' AS "job", '*' AS "source_table", '*' AS "target_table", 'position' AS "kind", '0/16B4000' AS "lsn", CAST(0 AS BIGINT) AS "rows", '20240101T100100Z-cd34' AS "load_id", CURRENT_TIMESTAMP AS "loaded_at") AS s
ON t."job" = s."job" AND t."source_table" = s."source_table"
WHEN MATCHED THEN UPDATE SET "target_table" = s."target_table", "kind" = s."kind", "lsn" = s."lsn", "rows" = s."rows", "load_id" = s."load_id", "loaded_at" = s."loaded_at"
WHEN NOT MATCHED THEN INSERT ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES (s."job", s."source_table", s."target_table", s."kind", s."lsn", s."rows", s."load_id", s."loaded_at");

COMMIT;

-- 3. a change batch with a column added between its DML, its two segments bundled

-- schema work: each statement commits on its own

CREATE TABLE IF NOT EXISTS "public"."wharf_state" (
	"job" TEXT NOT NULL,
	"source_table" TEXT NOT NULL,
	"target_table" TEXT NOT NULL,
	"kind" TEXT NOT NULL,
	"lsn" TEXT,
	"rows" BIGINT,
	"load_id" TEXT,
	"loaded_at" TIMESTAMPTZ NOT NULL,
	PRIMARY KEY ("job", "source_table")
);

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "it's \ ""odd""" character varying(40);

DROP TABLE IF EXISTS pg_temp."wharf_bundle_1";

CREATE TEMP TABLE "wharf_bundle_1" (
	"_wharf_lsn" BIGINT,
	"_wharf_seq" BIGINT,
	"_wharf_op" TEXT,
	"_wharf_unchanged" TEXT,
	"_wharf_segment" integer,
	"_wharf_c1" bigint,
	"_wharf_c2" character varying(255),
	"_wharf_c3" text,
	"_wharf_c4" timestamp with time zone,
	"_wharf_c5" bytea,
	"_wharf_c6" jsonb,
	"_wharf_c7" bigint,
	"_wharf_c8" character varying(255),
	"_wharf_c9" text,
	"_wharf_c10" timestamp with time zone,
	"_wharf_c11" bytea,
	"_wharf_c12" jsonb,
	"_wharf_c13" character varying(40)
);

-- then one transaction
BEGIN;

COPY "wharf_bundle_1" ("_wharf_lsn", "_wharf_seq", "_wharf_op", "_wharf_unchanged", "_wharf_segment", "_wharf_c1", "_wharf_c2", "_wharf_c3", "_wharf_c4", "_wharf_c5", "_wharf_c6", "_wharf_c7", "_wharf_c8", "_wharf_c9", "_wharf_c10", "_wharf_c11", "_wharf_c12", "_wharf_c13")
FROM PROGRAM 'curl -sSf --retry 5 --retry-connrefused ''<presigned GET URL of s3://wharf-bucket/o''\''''brien/wharf/<load_id>/_wharf.bundle_1/part-00001.csv.gz, valid 3600 s>'' | gzip -dc'
WITH (FORMAT csv);

MERGE INTO "analytics"."Customers" AS t
USING (
SELECT b."id", b."email", b."Name", b."signed up", b."avatar", b."prefs", b."_wharf_op", b."_wharf_has_2", b."_wharf_has_3", b."_wharf_has_4", b."_wharf_has_5", b."_wharf_has_6"
FROM (
	SELECT a."id", a."_wharf_op",
		ROW_NUMBER() OVER (PARTITION BY a."id" ORDER BY a."_wharf_lsn" DESC, a."_wharf_seq" DESC) AS "_wharf_rank",
		CASE WHEN a."_wharf_seen_2" > 0 THEN FIRST_VALUE(a."email") OVER (PARTITION BY a."id", a."_wharf_seen_2" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "email",
		a."_wharf_seen_2" > 0 AS "_wharf_has_2",
		CASE WHEN a."_wharf_seen_3" > 0 THEN FIRST_VALUE(a."Name") OVER (PARTITION BY a."id", a."_wharf_seen_3" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "Name",
		a."_wharf_seen_3" > 0 AS "_wharf_has_3",
		CASE WHEN a."_wharf_seen_4" > 0 THEN FIRST_VALUE(a."signed up") OVER (PARTITION BY a."id", a."_wharf_seen_4" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "signed up",
		a."_wharf_seen_4" > 0 AS "_wharf_has_4",
		CASE WHEN a."_wharf_seen_5" > 0 THEN FIRST_VALUE(a."avatar") OVER (PARTITION BY a."id", a."_wharf_seen_5" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "avatar",
		a."_wharf_seen_5" > 0 AS "_wharf_has_5",
		CASE WHEN a."_wharf_seen_6" > 0 THEN FIRST_VALUE(a."prefs") OVER (PARTITION BY a."id", a."_wharf_seen_6" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "prefs",
		a."_wharf_seen_6" > 0 AS "_wharf_has_6"
	FROM (
		SELECT s."id", s."email", s."Name", s."signed up", s."avatar", s."prefs", s."_wharf_lsn", s."_wharf_seq", s."_wharf_op",
			COUNT(CASE WHEN s."_wharf_op" = 'K' OR (s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',2,' IN s."_wharf_unchanged") = 0)) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_2",
			COUNT(CASE WHEN s."_wharf_op" = 'K' OR (s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',3,' IN s."_wharf_unchanged") = 0)) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_3",
			COUNT(CASE WHEN s."_wharf_op" = 'K' OR (s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',4,' IN s."_wharf_unchanged") = 0)) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_4",
			COUNT(CASE WHEN s."_wharf_op" = 'K' OR (s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',5,' IN s."_wharf_unchanged") = 0)) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_5",
			COUNT(CASE WHEN s."_wharf_op" = 'K' OR (s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',6,' IN s."_wharf_unchanged") = 0)) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_6"
		FROM (
			SELECT m."id",
				CASE WHEN m."_wharf_op" = 'K' AND POSITION(',2,' IN m."_wharf_unchanged") > 0 THEN LAG(m."_wharf_old_2") OVER (ORDER BY m."_wharf_lsn", m."_wharf_seq") ELSE m."email" END AS "email",
				CASE WHEN m."_wharf_op" = 'K' AND POSITION(',3,' IN m."_wharf_unchanged") > 0 THEN LAG(m."_wharf_old_3") OVER (ORDER BY m."_wharf_lsn", m."_wharf_seq") ELSE m."Name" END AS "Name",
				CASE WHEN m."_wharf_op" = 'K' AND POSITION(',4,' IN m."_wharf_unchanged") > 0 THEN LAG(m."_wharf_old_4") OVER (ORDER BY m."_wharf_lsn", m."_wharf_seq") ELSE m."signed up" END AS "signed up",
				CASE WHEN m."_wharf_op" = 'K' AND POSITION(',5,' IN m."_wharf_unchanged") > 0 THEN LAG(m."_wharf_old_5") OVER (ORDER BY m."_wharf_lsn", m."_wharf_seq") ELSE m."avatar" END AS "avatar",
				CASE WHEN m."_wharf_op" = 'K' AND POSITION(',6,' IN m."_wharf_unchanged") > 0 THEN LAG(m."_wharf_old_6") OVER (ORDER BY m."_wharf_lsn", m."_wharf_seq") ELSE m."prefs" END AS "prefs", m."_wharf_lsn", m."_wharf_seq", m."_wharf_op", m."_wharf_unchanged"
			FROM (
				SELECT v."id", v."email", v."Name", v."signed up", v."avatar", v."prefs", v."_wharf_lsn", v."_wharf_seq", v."_wharf_op", v."_wharf_unchanged",
					CASE WHEN v."_wharf_seen_2" > 0 THEN FIRST_VALUE(v."email") OVER (PARTITION BY v."id", v."_wharf_seen_2" ORDER BY v."_wharf_lsn", v."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) ELSE o."email" END AS "_wharf_old_2",
					CASE WHEN v."_wharf_seen_3" > 0 THEN FIRST_VALUE(v."Name") OVER (PARTITION BY v."id", v."_wharf_seen_3" ORDER BY v."_wharf_lsn", v."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) ELSE o."Name" END AS "_wharf_old_3",
					CASE WHEN v."_wharf_seen_4" > 0 THEN FIRST_VALUE(v."signed up") OVER (PARTITION BY v."id", v."_wharf_seen_4" ORDER BY v."_wharf_lsn", v."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) ELSE o."signed up" END AS "_wharf_old_4",
					CASE WHEN v."_wharf_seen_5" > 0 THEN FIRST_VALUE(v."avatar") OVER (PARTITION BY v."id", v."_wharf_seen_5" ORDER BY v."_wharf_lsn", v."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) ELSE o."avatar" END AS "_wharf_old_5",
					CASE WHEN v."_wharf_seen_6" > 0 THEN FIRST_VALUE(v."prefs") OVER (PARTITION BY v."id", v."_wharf_seen_6" ORDER BY v."_wharf_lsn", v."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) ELSE o."prefs" END AS "_wharf_old_6"
				FROM (
					SELECT s."id" AS "id", s."email" AS "email", s."Name" AS "Name", s."signed up" AS "signed up", s."avatar" AS "avatar", s."prefs" AS "prefs", s."_wharf_lsn", s."_wharf_seq", s."_wharf_op", s."_wharf_unchanged",
						COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U', 'K') AND (s."_wharf_unchanged" IS NULL OR POSITION(',2,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_2",
						COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U', 'K') AND (s."_wharf_unchanged" IS NULL OR POSITION(',3,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_3",
						COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U', 'K') AND (s."_wharf_unchanged" IS NULL OR POSITION(',4,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_4",
						COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U', 'K') AND (s."_wharf_unchanged" IS NULL OR POSITION(',5,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_5",
						COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U', 'K') AND (s."_wharf_unchanged" IS NULL OR POSITION(',6,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_6"
					FROM (SELECT b."_wharf_lsn", b."_wharf_seq", b."_wharf_op", b."_wharf_unchanged", b."_wharf_c1" AS "id", b."_wharf_c2" AS "email", b."_wharf_c3" AS "Name", b."_wharf_c4" AS "signed up", b."_wharf_c5" AS "avatar", b."_wharf_c6" AS "prefs" FROM "wharf_bundle_1" AS b WHERE b."_wharf_segment" = 1) AS s
				) AS v
				LEFT JOIN "analytics"."Customers" AS o ON v."_wharf_op" = 'D' AND o."id" = v."id"
			) AS m
		) AS s
	) AS a
) AS b
WHERE b."_wharf_rank" = 1
) AS s
ON t."id" = s."id"
WHEN MATCHED AND s."_wharf_op" = 'D' THEN UPDATE SET "_wharf_deleted" = TRUE, "_wharf_deleted_at" = CURRENT_TIMESTAMP
WHEN MATCHED THEN UPDATE SET "email" = CASE WHEN s."_wharf_has_2" THEN s."email" ELSE t."email" END, "Name" = CASE WHEN s."_wharf_has_3" THEN s."Name" ELSE t."Name" END, "signed up" = CASE WHEN s."_wharf_has_4" THEN s."signed up" ELSE t."signed up" END, "avatar" = CASE WHEN s."_wharf_has_5" THEN s."avatar" ELSE t."avatar" END, "prefs" = CASE WHEN s."_wharf_has_6" THEN s."prefs" ELSE t."prefs" END, "_wharf_deleted" = FALSE, "_wharf_deleted_at" = NULL
WHEN NOT MATCHED AND s."_wharf_op" <> 'D' THEN INSERT ("id", "email", "Name", "signed up", "avatar", "prefs")
VALUES (s."id", s."email", s."Name", s."signed up", s."avatar", s."prefs");

UPDATE "analytics"."Customers" SET "it's \ ""odd""" = CAST('it''s \ ''quoted''' AS character varying(40))
WHERE "it's \ ""odd""" IS NULL;

MERGE INTO "analytics"."Customers" AS t
USING (
SELECT b."id", b."email", b."Name", b."signed up", b."avatar", b."prefs", b."it's \ ""odd""", b."_wharf_op", b."_wharf_has_2", b."_wharf_has_3", b."_wharf_has_4", b."_wharf_has_5", b."_wharf_has_6", b."_wharf_has_7"
FROM (
	SELECT a."id", a."_wharf_op",
		ROW_NUMBER() OVER (PARTITION BY a."id" ORDER BY a."_wharf_lsn" DESC, a."_wharf_seq" DESC) AS "_wharf_rank",
		CASE WHEN a."_wharf_seen_2" > 0 THEN FIRST_VALUE(a."email") OVER (PARTITION BY a."id", a."_wharf_seen_2" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "email",
		a."_wharf_seen_2" > 0 AS "_wharf_has_2",
		CASE WHEN a."_wharf_seen_3" > 0 THEN FIRST_VALUE(a."Name") OVER (PARTITION BY a."id", a."_wharf_seen_3" ORDER BY a."_wharf_lsn", a."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS "Name",
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
		SELECT s."id", s."email", s."Name", s."signed up", s."avatar", s."prefs", s."it's \ ""odd""", s."_wharf_lsn", s."_wharf_seq", s."_wharf_op",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',2,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_2",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',3,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_3",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',4,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_4",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',5,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_5",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',6,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_6",
			COUNT(CASE WHEN s."_wharf_op" IN ('I', 'U') AND (s."_wharf_unchanged" IS NULL OR POSITION(',7,' IN s."_wharf_unchanged") = 0) THEN 1 END) OVER (PARTITION BY s."id" ORDER BY s."_wharf_lsn", s."_wharf_seq" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_wharf_seen_7"
		FROM (SELECT b."_wharf_lsn", b."_wharf_seq", b."_wharf_op", b."_wharf_unchanged", b."_wharf_c7" AS "id", b."_wharf_c8" AS "email", b."_wharf_c9" AS "Name", b."_wharf_c10" AS "signed up", b."_wharf_c11" AS "avatar", b."_wharf_c12" AS "prefs", b."_wharf_c13" AS "it's \ ""odd""" FROM "wharf_bundle_1" AS b WHERE b."_wharf_segment" = 2) AS s
	) AS a
) AS b
WHERE b."_wharf_rank" = 1
) AS s
ON t."id" = s."id"
WHEN MATCHED AND s."_wharf_op" = 'D' THEN UPDATE SET "_wharf_deleted" = TRUE, "_wharf_deleted_at" = CURRENT_TIMESTAMP
WHEN MATCHED THEN UPDATE SET "email" = CASE WHEN s."_wharf_has_2" THEN s."email" ELSE t."email" END, "Name" = CASE WHEN s."_wharf_has_3" THEN s."Name" ELSE t."Name" END, "signed up" = CASE WHEN s."_wharf_has_4" THEN s."signed up" ELSE t."signed up" END, "avatar" = CASE WHEN s."_wharf_has_5" THEN s."avatar" ELSE t."avatar" END, "prefs" = CASE WHEN s."_wharf_has_6" THEN s."prefs" ELSE t."prefs" END, "it's \ ""odd""" = CASE WHEN s."_wharf_has_7" THEN s."it's \ ""odd""" ELSE t."it's \ ""odd""" END, "_wharf_deleted" = FALSE, "_wharf_deleted_at" = NULL
WHEN NOT MATCHED AND s."_wharf_op" <> 'D' THEN INSERT ("id", "email", "Name", "signed up", "avatar", "prefs", "it's \ ""odd""")
VALUES (s."id", s."email", s."Name", s."signed up", s."avatar", s."prefs", s."it's \ ""odd""");

MERGE INTO "public"."wharf_state" AS t
USING (SELECT 'wharf' AS "job", 'public.customers' AS "source_table", 'analytics."Customers"' AS "target_table", 'sync' AS "kind", '0/16B5000' AS "lsn", CAST(3 AS BIGINT) AS "rows", '20240101T100200Z-ef56' AS "load_id", CURRENT_TIMESTAMP AS "loaded_at"
	UNION ALL SELECT 'wharf' AS "job", '*' AS "source_table", '*' AS "target_table", 'position' AS "kind", '0/16B5000' AS "lsn", CAST(0 AS BIGINT) AS "rows", '20240101T100200Z-ef56' AS "load_id", CURRENT_TIMESTAMP AS "loaded_at") AS s
ON t."job" = s."job" AND t."source_table" = s."source_table"
WHEN MATCHED THEN UPDATE SET "target_table" = s."target_table", "kind" = s."kind", "lsn" = s."lsn", "rows" = s."rows", "load_id" = s."load_id", "loaded_at" = s."loaded_at"
WHEN NOT MATCHED THEN INSERT ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES (s."job", s."source_table", s."target_table", s."kind", s."lsn", s."rows", s."load_id", s."loaded_at");

COMMIT;
