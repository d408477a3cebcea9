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

COPY "wharf_staging_1" ("_wharf_lsn", "_wharf_seq", "_wharf_op", "_wharf_unchanged", "id", "email", "name", "signed up", "avatar", "prefs")
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

UPDATE "analytics"."customers" SET "_wharf_deleted" = TRUE, "_wharf_deleted_at" = (SYSDATE AT TIME ZONE 'UTC')
WHERE "analytics"."customers"."_wharf_deleted" = FALSE
  AND EXISTS (SELECT 1 FROM "wharf_staging_1" AS x WHERE x."_wharf_op" = 'T');

CREATE TEMP TABLE "wharf_staging_1_final" AS
SELECT r."id" AS "id",
	CASE WHEN r."_wharf_has_2" THEN r."email" ELSE t."email" END AS "email",
	CASE WHEN r."_wharf_has_3" THEN r."name" ELSE t."name" END AS "name",
	CASE WHEN r."_wharf_has_4" THEN r."signed up" ELSE t."signed up" END AS "signed up",
	CASE WHEN r."_wharf_has_5" THEN r."avatar" ELSE t."avatar" END AS "avatar",
	CASE WHEN r."_wharf_has_6" THEN r."prefs" ELSE t."prefs" END AS "prefs",
	r."_wharf_op", r."_wharf_lsn"
FROM (
SELECT b."id", b."email", b."name", b."signed up", b."avatar", b."prefs", b."_wharf_op", b."_wharf_lsn", b."_wharf_has_2", b."_wharf_has_3", b."_wharf_has_4", b."_wharf_has_5", b."_wharf_has_6"
FROM (
	SELECT a."id", a."_wharf_op", a."_wharf_lsn",
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
					FROM "wharf_staging_1" AS s
					CROSS JOIN (SELECT MAX(x."_wharf_lsn") AS "_wharf_truncate_lsn", MAX(x."_wharf_seq") AS "_wharf_truncate_seq"
						FROM "wharf_staging_1" AS x
						WHERE x."_wharf_op" = 'T' AND x."_wharf_lsn" = (SELECT MAX(y."_wharf_lsn") FROM "wharf_staging_1" AS y WHERE y."_wharf_op" = 'T')) AS tp
					WHERE s."_wharf_op" <> 'T'
					  AND (tp."_wharf_truncate_lsn" IS NULL OR s."_wharf_lsn" > tp."_wharf_truncate_lsn"
					       OR (s."_wharf_lsn" = tp."_wharf_truncate_lsn" AND s."_wharf_seq" > tp."_wharf_truncate_seq"))
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
FROM "wharf_staging_1_final"
WHERE "analytics"."customers"."id" = "wharf_staging_1_final"."id" AND "wharf_staging_1_final"."_wharf_op" = 'D';

DELETE FROM "analytics"."customers"
USING "wharf_staging_1_final"
WHERE "analytics"."customers"."id" = "wharf_staging_1_final"."id" AND "wharf_staging_1_final"."_wharf_op" <> 'D';

INSERT INTO "analytics"."customers" ("id", "email", "name", "signed up", "avatar", "prefs", "_wharf_synced_at", "_wharf_lsn", "_wharf_op")
SELECT "wharf_staging_1_final"."id", "wharf_staging_1_final"."email", "wharf_staging_1_final"."name", "wharf_staging_1_final"."signed up", "wharf_staging_1_final"."avatar", "wharf_staging_1_final"."prefs", (SYSDATE AT TIME ZONE 'UTC'), "wharf_staging_1_final"."_wharf_lsn", CASE WHEN "wharf_staging_1_final"."_wharf_op" = 'I' THEN 'I' ELSE 'U' END
FROM "wharf_staging_1_final"
WHERE "wharf_staging_1_final"."_wharf_op" <> 'D';

DROP TABLE "wharf_staging_1_final";
