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

COPY "wharf_staging_1" ("_wharf_lsn", "_wharf_seq", "_wharf_op", "_wharf_unchanged", "id", "email", "Name", "signed up", "avatar", "prefs")
FROM PROGRAM 'curl -sSf --retry 5 --retry-connrefused ''https://wharf-bucket.s3.amazonaws.com/o%27brien/part-00001.csv.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=it''\''''s''\''''signed'' | gzip -dc'
WITH (FORMAT csv);

COPY "wharf_staging_1" ("_wharf_lsn", "_wharf_seq", "_wharf_op", "_wharf_unchanged", "id", "email", "Name", "signed up", "avatar", "prefs")
FROM PROGRAM 'curl -sSf --retry 5 --retry-connrefused ''https://wharf-bucket.s3.amazonaws.com/o%27brien/part-00002.csv.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=$(id)`uname`;x'' | gzip -dc'
WITH (FORMAT csv);

UPDATE "analytics"."Customers" SET "_wharf_deleted" = TRUE, "_wharf_deleted_at" = CURRENT_TIMESTAMP
WHERE "analytics"."Customers"."_wharf_deleted" = FALSE
  AND EXISTS (SELECT 1 FROM "wharf_staging_1" AS x WHERE x."_wharf_op" = 'T');

MERGE INTO "analytics"."Customers" AS t
USING (
SELECT b."id", b."email", b."Name", b."signed up", b."avatar", b."prefs", b."_wharf_op", b."_wharf_lsn", b."_wharf_has_2", b."_wharf_has_3", b."_wharf_has_4", b."_wharf_has_5", b."_wharf_has_6"
FROM (
	SELECT a."id", a."_wharf_op", a."_wharf_lsn",
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
					FROM "wharf_staging_1" AS s
					CROSS JOIN (SELECT MAX(x."_wharf_lsn") AS "_wharf_truncate_lsn", MAX(x."_wharf_seq") AS "_wharf_truncate_seq"
						FROM "wharf_staging_1" AS x
						WHERE x."_wharf_op" = 'T' AND x."_wharf_lsn" = (SELECT MAX(y."_wharf_lsn") FROM "wharf_staging_1" AS y WHERE y."_wharf_op" = 'T')) AS tp
					WHERE s."_wharf_op" <> 'T'
					  AND (tp."_wharf_truncate_lsn" IS NULL OR s."_wharf_lsn" > tp."_wharf_truncate_lsn"
					       OR (s."_wharf_lsn" = tp."_wharf_truncate_lsn" AND s."_wharf_seq" > tp."_wharf_truncate_seq"))
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
WHEN MATCHED THEN UPDATE SET "email" = CASE WHEN s."_wharf_has_2" THEN s."email" ELSE t."email" END, "Name" = CASE WHEN s."_wharf_has_3" THEN s."Name" ELSE t."Name" END, "signed up" = CASE WHEN s."_wharf_has_4" THEN s."signed up" ELSE t."signed up" END, "avatar" = CASE WHEN s."_wharf_has_5" THEN s."avatar" ELSE t."avatar" END, "prefs" = CASE WHEN s."_wharf_has_6" THEN s."prefs" ELSE t."prefs" END, "_wharf_deleted" = FALSE, "_wharf_deleted_at" = NULL, "_wharf_synced_at" = CURRENT_TIMESTAMP, "_wharf_lsn" = s."_wharf_lsn", "_wharf_op" = CASE WHEN s."_wharf_op" = 'I' THEN 'I' ELSE 'U' END
WHEN NOT MATCHED AND s."_wharf_op" <> 'D' THEN INSERT ("id", "email", "Name", "signed up", "avatar", "prefs", "_wharf_synced_at", "_wharf_lsn", "_wharf_op")
VALUES (s."id", s."email", s."Name", s."signed up", s."avatar", s."prefs", CURRENT_TIMESTAMP, s."_wharf_lsn", CASE WHEN s."_wharf_op" = 'I' THEN 'I' ELSE 'U' END);
