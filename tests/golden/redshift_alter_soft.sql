ALTER TABLE "analytics"."customers" ADD COLUMN "nickname" VARCHAR(65535);

ALTER TABLE "analytics"."customers" ADD COLUMN "nickname" VARCHAR(65535);

UPDATE "analytics"."customers" SET "nickname" = CAST('' AS VARCHAR(65535))
WHERE "nickname" IS NULL;

ALTER TABLE "analytics"."customers" ADD COLUMN "it's \ ""odd""" VARCHAR(160);

ALTER TABLE "analytics"."customers" ADD COLUMN "it's \ ""odd""" VARCHAR(160);

UPDATE "analytics"."customers" SET "it's \ ""odd""" = CAST('it''s \\ ''quoted''' AS VARCHAR(160))
WHERE "it's \ ""odd""" IS NULL;

ALTER TABLE "analytics"."customers" ADD COLUMN "credit" DECIMAL(12,2);

ALTER TABLE "analytics"."customers" ADD COLUMN "credit" DECIMAL(12,2);

UPDATE "analytics"."customers" SET "credit" = CAST('42.50' AS DECIMAL(12,2))
WHERE "credit" IS NULL;

ALTER TABLE "analytics"."customers" ADD COLUMN "active" BOOLEAN;

ALTER TABLE "analytics"."customers" ADD COLUMN "active" BOOLEAN;

UPDATE "analytics"."customers" SET "active" = CAST('true' AS BOOLEAN)
WHERE "active" IS NULL;

ALTER TABLE "analytics"."customers" ADD COLUMN "seen at" TIMESTAMPTZ;

ALTER TABLE "analytics"."customers" ADD COLUMN "seen at" TIMESTAMPTZ;

UPDATE "analytics"."customers" SET "seen at" = CAST('2024-01-01 10:00:00+00' AS TIMESTAMPTZ)
WHERE "seen at" IS NULL;

ALTER TABLE "analytics"."customers" ADD COLUMN "badge" VARBYTE(1024000);

ALTER TABLE "analytics"."customers" ADD COLUMN "badge" VARBYTE(1024000);

UPDATE "analytics"."customers" SET "badge" = TO_VARBYTE(SUBSTRING(CAST('\\x00ff' AS VARCHAR(65535)) FROM 3), 'hex')
WHERE "badge" IS NULL;

ALTER TABLE "analytics"."customers" ADD COLUMN "extra" SUPER;

ALTER TABLE "analytics"."customers" ADD COLUMN "extra" SUPER;

UPDATE "analytics"."customers" SET "extra" = JSON_PARSE('{"a": "it''s"}')
WHERE "extra" IS NULL;

ALTER TABLE "analytics"."customers" ADD COLUMN "ratio" DOUBLE PRECISION;

ALTER TABLE "analytics"."customers" ADD COLUMN "ratio" DOUBLE PRECISION;

UPDATE "analytics"."customers" SET "ratio" = CAST('Infinity' AS DOUBLE PRECISION)
WHERE "ratio" IS NULL;

ALTER TABLE "analytics"."customers" ALTER COLUMN "email" TYPE VARCHAR(4000);

ALTER TABLE "analytics"."customers" ADD COLUMN "credit__wharf_rebuild" DECIMAL(20,2);

UPDATE "analytics"."customers" SET "credit__wharf_rebuild" = "credit";

ALTER TABLE "analytics"."customers" DROP COLUMN "credit";

ALTER TABLE "analytics"."customers" RENAME COLUMN "credit__wharf_rebuild" TO "credit";

ALTER TABLE "analytics"."customers" ALTER COLUMN "name" TYPE VARCHAR(65535);

-- widen_column "tags": nothing to do;

-- widen_column "prefs": nothing to do;

ALTER TABLE "analytics"."customers" RENAME COLUMN "nick ""old""" TO "nickname";

ALTER TABLE "analytics"."customers" DROP COLUMN "nickname";

ALTER TABLE "analytics"."customers" ADD COLUMN "nickname" VARCHAR(65535);

UPDATE "analytics"."customers" SET "nickname" = CAST('' AS VARCHAR(65535))
WHERE "nickname" IS NULL;

ALTER TABLE "analytics"."customers" DROP COLUMN "it's \ ""odd""";

ALTER TABLE "analytics"."customers" ADD COLUMN "it's \ ""odd""" VARCHAR(160);

UPDATE "analytics"."customers" SET "it's \ ""odd""" = CAST('it''s \\ ''quoted''' AS VARCHAR(160))
WHERE "it's \ ""odd""" IS NULL;

ALTER TABLE "analytics"."customers" DROP COLUMN "credit";

ALTER TABLE "analytics"."customers" ADD COLUMN "credit" DECIMAL(12,2);

UPDATE "analytics"."customers" SET "credit" = CAST('42.50' AS DECIMAL(12,2))
WHERE "credit" IS NULL;

ALTER TABLE "analytics"."customers" DROP COLUMN "active";

ALTER TABLE "analytics"."customers" ADD COLUMN "active" BOOLEAN;

UPDATE "analytics"."customers" SET "active" = CAST('true' AS BOOLEAN)
WHERE "active" IS NULL;

ALTER TABLE "analytics"."customers" DROP COLUMN "seen at";

ALTER TABLE "analytics"."customers" ADD COLUMN "seen at" TIMESTAMPTZ;

UPDATE "analytics"."customers" SET "seen at" = CAST('2024-01-01 10:00:00+00' AS TIMESTAMPTZ)
WHERE "seen at" IS NULL;

ALTER TABLE "analytics"."customers" DROP COLUMN "badge";

ALTER TABLE "analytics"."customers" ADD COLUMN "badge" VARBYTE(1024000);

UPDATE "analytics"."customers" SET "badge" = TO_VARBYTE(SUBSTRING(CAST('\\x00ff' AS VARCHAR(65535)) FROM 3), 'hex')
WHERE "badge" IS NULL;

ALTER TABLE "analytics"."customers" DROP COLUMN "extra";

ALTER TABLE "analytics"."customers" ADD COLUMN "extra" SUPER;

UPDATE "analytics"."customers" SET "extra" = JSON_PARSE('{"a": "it''s"}')
WHERE "extra" IS NULL;

ALTER TABLE "analytics"."customers" DROP COLUMN "ratio";

ALTER TABLE "analytics"."customers" ADD COLUMN "ratio" DOUBLE PRECISION;

UPDATE "analytics"."customers" SET "ratio" = CAST('Infinity' AS DOUBLE PRECISION)
WHERE "ratio" IS NULL;

ALTER TABLE "analytics"."customers" DROP COLUMN "nickname";

ALTER TABLE "analytics"."customers" ADD COLUMN "nickname" VARCHAR(65535);
