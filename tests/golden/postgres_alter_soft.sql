ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "nickname" text;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "nickname" text;

UPDATE "analytics"."Customers" SET "nickname" = CAST('' AS text)
WHERE "nickname" IS NULL;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "it's \ ""odd""" character varying(40);

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "it's \ ""odd""" character varying(40);

UPDATE "analytics"."Customers" SET "it's \ ""odd""" = CAST('it''s \ ''quoted''' AS character varying(40))
WHERE "it's \ ""odd""" IS NULL;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "credit" numeric(12,2);

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "credit" numeric(12,2);

UPDATE "analytics"."Customers" SET "credit" = CAST('42.50' AS numeric(12,2))
WHERE "credit" IS NULL;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "active" boolean;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "active" boolean;

UPDATE "analytics"."Customers" SET "active" = CAST('true' AS boolean)
WHERE "active" IS NULL;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "seen at" timestamp with time zone;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "seen at" timestamp with time zone;

UPDATE "analytics"."Customers" SET "seen at" = CAST('2024-01-01 10:00:00+00' AS timestamp with time zone)
WHERE "seen at" IS NULL;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "badge" bytea;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "badge" bytea;

UPDATE "analytics"."Customers" SET "badge" = CAST('\x00ff' AS bytea)
WHERE "badge" IS NULL;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "extra" jsonb;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "extra" jsonb;

UPDATE "analytics"."Customers" SET "extra" = CAST('{"a": "it''s"}' AS jsonb)
WHERE "extra" IS NULL;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "ratio" double precision;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "ratio" double precision;

UPDATE "analytics"."Customers" SET "ratio" = CAST('Infinity' AS double precision)
WHERE "ratio" IS NULL;

ALTER TABLE "analytics"."Customers" ALTER COLUMN "email" TYPE character varying(1000) USING "email"::character varying(1000);

ALTER TABLE "analytics"."Customers" ALTER COLUMN "credit" TYPE numeric(20,2) USING "credit"::numeric(20,2);

ALTER TABLE "analytics"."Customers" ALTER COLUMN "Name" TYPE text USING "Name"::text;

ALTER TABLE "analytics"."Customers" ALTER COLUMN "tags" TYPE text[] USING "tags"::text[];

ALTER TABLE "analytics"."Customers" ALTER COLUMN "prefs" TYPE jsonb USING "prefs"::jsonb;

ALTER TABLE "analytics"."Customers" RENAME COLUMN "nick ""old""" TO "nickname";

ALTER TABLE "analytics"."Customers" DROP COLUMN "nickname";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "nickname" text;

UPDATE "analytics"."Customers" SET "nickname" = CAST('' AS text)
WHERE "nickname" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "it's \ ""odd""";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "it's \ ""odd""" character varying(40);

UPDATE "analytics"."Customers" SET "it's \ ""odd""" = CAST('it''s \ ''quoted''' AS character varying(40))
WHERE "it's \ ""odd""" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "credit";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "credit" numeric(12,2);

UPDATE "analytics"."Customers" SET "credit" = CAST('42.50' AS numeric(12,2))
WHERE "credit" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "active";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "active" boolean;

UPDATE "analytics"."Customers" SET "active" = CAST('true' AS boolean)
WHERE "active" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "seen at";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "seen at" timestamp with time zone;

UPDATE "analytics"."Customers" SET "seen at" = CAST('2024-01-01 10:00:00+00' AS timestamp with time zone)
WHERE "seen at" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "badge";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "badge" bytea;

UPDATE "analytics"."Customers" SET "badge" = CAST('\x00ff' AS bytea)
WHERE "badge" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "extra";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "extra" jsonb;

UPDATE "analytics"."Customers" SET "extra" = CAST('{"a": "it''s"}' AS jsonb)
WHERE "extra" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "ratio";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "ratio" double precision;

UPDATE "analytics"."Customers" SET "ratio" = CAST('Infinity' AS double precision)
WHERE "ratio" IS NULL;

ALTER TABLE "analytics"."Customers" DROP COLUMN "nickname";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "nickname" text;
