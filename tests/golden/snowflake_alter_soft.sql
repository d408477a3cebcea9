ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "nickname" VARCHAR;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "nickname" VARCHAR;

UPDATE "analytics"."Customers" SET "nickname" = CAST('' AS VARCHAR)
WHERE "nickname" IS NULL;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "it's \ ""odd""" VARCHAR(40);

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "it's \ ""odd""" VARCHAR(40);

UPDATE "analytics"."Customers" SET "it's \ ""odd""" = CAST('it''s \\ ''quoted''' AS VARCHAR(40))
WHERE "it's \ ""odd""" IS NULL;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "credit" NUMBER(12,2);

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "credit" NUMBER(12,2);

UPDATE "analytics"."Customers" SET "credit" = CAST('42.50' AS NUMBER(12,2))
WHERE "credit" IS NULL;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "active" BOOLEAN;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "active" BOOLEAN;

UPDATE "analytics"."Customers" SET "active" = CAST('true' AS BOOLEAN)
WHERE "active" IS NULL;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "seen at" TIMESTAMP_TZ(6);

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "seen at" TIMESTAMP_TZ(6);

UPDATE "analytics"."Customers" SET "seen at" = CAST('2024-01-01 10:00:00+00' AS TIMESTAMP_TZ(6))
WHERE "seen at" IS NULL;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "badge" BINARY;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "badge" BINARY;

UPDATE "analytics"."Customers" SET "badge" = TO_BINARY(SUBSTR(CAST('\\x00ff' AS VARCHAR), 3), 'HEX')
WHERE "badge" IS NULL;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "extra" VARIANT;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "extra" VARIANT;

UPDATE "analytics"."Customers" SET "extra" = PARSE_JSON(CAST('{"a": "it''s"}' AS VARCHAR), 'd')
WHERE "extra" IS NULL;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "ratio" FLOAT;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "ratio" FLOAT;

UPDATE "analytics"."Customers" SET "ratio" = TO_DOUBLE(REPLACE(CAST('Infinity' AS VARCHAR), 'Infinity', 'inf'))
WHERE "ratio" IS NULL;

ALTER TABLE "analytics"."Customers" ALTER COLUMN "email" SET DATA TYPE VARCHAR(1000);

ALTER TABLE "analytics"."Customers" ALTER COLUMN "credit" SET DATA TYPE NUMBER(20,2);

ALTER TABLE "analytics"."Customers" ALTER COLUMN "Name" SET DATA TYPE VARCHAR;

-- widen_column "tags": nothing to do;

-- widen_column "prefs": nothing to do;

ALTER TABLE "analytics"."Customers" RENAME COLUMN "nick ""old""" TO "nickname";

ALTER TABLE "analytics"."Customers" DROP COLUMN "nickname";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "nickname" VARCHAR;

UPDATE "analytics"."Customers" SET "nickname" = CAST('' AS VARCHAR)
WHERE "nickname" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "it's \ ""odd""";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "it's \ ""odd""" VARCHAR(40);

UPDATE "analytics"."Customers" SET "it's \ ""odd""" = CAST('it''s \\ ''quoted''' AS VARCHAR(40))
WHERE "it's \ ""odd""" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "credit";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "credit" NUMBER(12,2);

UPDATE "analytics"."Customers" SET "credit" = CAST('42.50' AS NUMBER(12,2))
WHERE "credit" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "active";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "active" BOOLEAN;

UPDATE "analytics"."Customers" SET "active" = CAST('true' AS BOOLEAN)
WHERE "active" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "seen at";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "seen at" TIMESTAMP_TZ(6);

UPDATE "analytics"."Customers" SET "seen at" = CAST('2024-01-01 10:00:00+00' AS TIMESTAMP_TZ(6))
WHERE "seen at" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "badge";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "badge" BINARY;

UPDATE "analytics"."Customers" SET "badge" = TO_BINARY(SUBSTR(CAST('\\x00ff' AS VARCHAR), 3), 'HEX')
WHERE "badge" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "extra";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "extra" VARIANT;

UPDATE "analytics"."Customers" SET "extra" = PARSE_JSON(CAST('{"a": "it''s"}' AS VARCHAR), 'd')
WHERE "extra" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "ratio";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "ratio" FLOAT;

UPDATE "analytics"."Customers" SET "ratio" = TO_DOUBLE(REPLACE(CAST('Infinity' AS VARCHAR), 'Infinity', 'inf'))
WHERE "ratio" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "nickname";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "nickname" VARCHAR;
