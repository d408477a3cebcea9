ALTER TABLE "analytics"."Customers" ADD COLUMN "nickname" VARCHAR(65535);

ALTER TABLE "analytics"."Customers" ADD COLUMN "nickname" VARCHAR(65535);

UPDATE "analytics"."Customers" SET "nickname" = CAST('' AS VARCHAR(65535))
WHERE "nickname" IS NULL;

ALTER TABLE "analytics"."Customers" ADD COLUMN "it's \ ""odd""" VARCHAR(160);

ALTER TABLE "analytics"."Customers" ADD COLUMN "it's \ ""odd""" VARCHAR(160);

UPDATE "analytics"."Customers" SET "it's \ ""odd""" = CAST('it''s \\ ''quoted''' AS VARCHAR(160))
WHERE "it's \ ""odd""" IS NULL;

ALTER TABLE "analytics"."Customers" ADD COLUMN "credit" DECIMAL(12,2);

ALTER TABLE "analytics"."Customers" ADD COLUMN "credit" DECIMAL(12,2);

UPDATE "analytics"."Customers" SET "credit" = CAST('42.50' AS DECIMAL(12,2))
WHERE "credit" IS NULL;

ALTER TABLE "analytics"."Customers" ADD COLUMN "active" BOOLEAN;

ALTER TABLE "analytics"."Customers" ADD COLUMN "active" BOOLEAN;

UPDATE "analytics"."Customers" SET "active" = CAST('true' AS BOOLEAN)
WHERE "active" IS NULL;

ALTER TABLE "analytics"."Customers" ADD COLUMN "seen at" TIMESTAMPTZ;

ALTER TABLE "analytics"."Customers" ADD COLUMN "seen at" TIMESTAMPTZ;

UPDATE "analytics"."Customers" SET "seen at" = CAST('2024-01-01 10:00:00+00' AS TIMESTAMPTZ)
WHERE "seen at" IS NULL;

ALTER TABLE "analytics"."Customers" ADD COLUMN "badge" VARBYTE(1024000);

ALTER TABLE "analytics"."Customers" ADD COLUMN "badge" VARBYTE(1024000);

UPDATE "analytics"."Customers" SET "badge" = TO_VARBYTE(SUBSTRING(CAST('\\x00ff' AS VARCHAR(65535)) FROM 3), 'hex')
WHERE "badge" IS NULL;

ALTER TABLE "analytics"."Customers" ADD COLUMN "extra" SUPER;

ALTER TABLE "analytics"."Customers" ADD COLUMN "extra" SUPER;

UPDATE "analytics"."Customers" SET "extra" = JSON_PARSE('{"a": "it''s"}')
WHERE "extra" IS NULL;

ALTER TABLE "analytics"."Customers" ADD COLUMN "ratio" DOUBLE PRECISION;

ALTER TABLE "analytics"."Customers" ADD COLUMN "ratio" DOUBLE PRECISION;

UPDATE "analytics"."Customers" SET "ratio" = CAST('Infinity' AS DOUBLE PRECISION)
WHERE "ratio" IS NULL;

ALTER TABLE "analytics"."Customers" ALTER COLUMN "email" TYPE VARCHAR(4000);

-- widen_column "credit": refused;

ALTER TABLE "analytics"."Customers" ALTER COLUMN "Name" TYPE VARCHAR(65535);

-- widen_column "tags": nothing to do;

-- widen_column "prefs": nothing to do;

ALTER TABLE "analytics"."Customers" RENAME COLUMN "nick ""old""" TO "nickname";

ALTER TABLE "analytics"."Customers" DROP COLUMN "nickname";

ALTER TABLE "analytics"."Customers" ADD COLUMN "nickname" VARCHAR(65535);

UPDATE "analytics"."Customers" SET "nickname" = CAST('' AS VARCHAR(65535))
WHERE "nickname" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "it's \ ""odd""";

ALTER TABLE "analytics"."Customers" ADD COLUMN "it's \ ""odd""" VARCHAR(160);

UPDATE "analytics"."Customers" SET "it's \ ""odd""" = CAST('it''s \\ ''quoted''' AS VARCHAR(160))
WHERE "it's \ ""odd""" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "credit";

ALTER TABLE "analytics"."Customers" ADD COLUMN "credit" DECIMAL(12,2);

UPDATE "analytics"."Customers" SET "credit" = CAST('42.50' AS DECIMAL(12,2))
WHERE "credit" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "active";

ALTER TABLE "analytics"."Customers" ADD COLUMN "active" BOOLEAN;

UPDATE "analytics"."Customers" SET "active" = CAST('true' AS BOOLEAN)
WHERE "active" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "seen at";

ALTER TABLE "analytics"."Customers" ADD COLUMN "seen at" TIMESTAMPTZ;

UPDATE "analytics"."Customers" SET "seen at" = CAST('2024-01-01 10:00:00+00' AS TIMESTAMPTZ)
WHERE "seen at" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "badge";

ALTER TABLE "analytics"."Customers" ADD COLUMN "badge" VARBYTE(1024000);

UPDATE "analytics"."Customers" SET "badge" = TO_VARBYTE(SUBSTRING(CAST('\\x00ff' AS VARCHAR(65535)) FROM 3), 'hex')
WHERE "badge" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "extra";

ALTER TABLE "analytics"."Customers" ADD COLUMN "extra" SUPER;

UPDATE "analytics"."Customers" SET "extra" = JSON_PARSE('{"a": "it''s"}')
WHERE "extra" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "ratio";

ALTER TABLE "analytics"."Customers" ADD COLUMN "ratio" DOUBLE PRECISION;

UPDATE "analytics"."Customers" SET "ratio" = CAST('Infinity' AS DOUBLE PRECISION)
WHERE "ratio" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "nickname";

ALTER TABLE "analytics"."Customers" ADD COLUMN "nickname" VARCHAR(65535);
