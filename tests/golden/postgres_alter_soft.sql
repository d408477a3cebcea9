ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "nickname" text;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "nickname" text DEFAULT CAST('' AS text);

ALTER TABLE "analytics"."Customers" ALTER COLUMN "nickname" DROP DEFAULT;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "it's \ ""odd""" character varying(40);

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "it's \ ""odd""" character varying(40) DEFAULT CAST('it''s \ ''quoted''' AS character varying(40));

ALTER TABLE "analytics"."Customers" ALTER COLUMN "it's \ ""odd""" DROP DEFAULT;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "credit" numeric(12,2);

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "credit" numeric(12,2) DEFAULT CAST('42.50' AS numeric(12,2));

ALTER TABLE "analytics"."Customers" ALTER COLUMN "credit" DROP DEFAULT;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "active" boolean;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "active" boolean DEFAULT CAST('true' AS boolean);

ALTER TABLE "analytics"."Customers" ALTER COLUMN "active" DROP DEFAULT;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "seen at" timestamp with time zone;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "seen at" timestamp with time zone DEFAULT CAST('2024-01-01 10:00:00+00' AS timestamp with time zone);

ALTER TABLE "analytics"."Customers" ALTER COLUMN "seen at" DROP DEFAULT;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "badge" bytea;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "badge" bytea DEFAULT CAST('\x00ff' AS bytea);

ALTER TABLE "analytics"."Customers" ALTER COLUMN "badge" DROP DEFAULT;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "extra" jsonb;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "extra" jsonb DEFAULT CAST('{"a": "it''s"}' AS jsonb);

ALTER TABLE "analytics"."Customers" ALTER COLUMN "extra" DROP DEFAULT;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "ratio" double precision;

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "ratio" double precision DEFAULT CAST('Infinity' AS double precision);

ALTER TABLE "analytics"."Customers" ALTER COLUMN "ratio" DROP DEFAULT;

ALTER TABLE "analytics"."Customers" ALTER COLUMN "email" TYPE character varying(1000) USING "email"::character varying(1000);

ALTER TABLE "analytics"."Customers" ALTER COLUMN "credit" TYPE numeric(20,2) USING "credit"::numeric(20,2);

ALTER TABLE "analytics"."Customers" ALTER COLUMN "Name" TYPE text USING "Name"::text;

ALTER TABLE "analytics"."Customers" ALTER COLUMN "tags" TYPE text[] USING "tags"::text[];

ALTER TABLE "analytics"."Customers" ALTER COLUMN "prefs" TYPE jsonb USING "prefs"::jsonb;

ALTER TABLE "analytics"."Customers" RENAME COLUMN "nick ""old""" TO "nickname";

ALTER TABLE "analytics"."Customers" DROP COLUMN "nickname";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "nickname" text DEFAULT CAST('' AS text);

ALTER TABLE "analytics"."Customers" ALTER COLUMN "nickname" DROP DEFAULT;

ALTER TABLE "analytics"."Customers" DROP COLUMN "it's \ ""odd""";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "it's \ ""odd""" character varying(40) DEFAULT CAST('it''s \ ''quoted''' AS character varying(40));

ALTER TABLE "analytics"."Customers" ALTER COLUMN "it's \ ""odd""" DROP DEFAULT;

ALTER TABLE "analytics"."Customers" DROP COLUMN "credit";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "credit" numeric(12,2) DEFAULT CAST('42.50' AS numeric(12,2));

ALTER TABLE "analytics"."Customers" ALTER COLUMN "credit" DROP DEFAULT;

ALTER TABLE "analytics"."Customers" DROP COLUMN "active";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "active" boolean DEFAULT CAST('true' AS boolean);

ALTER TABLE "analytics"."Customers" ALTER COLUMN "active" DROP DEFAULT;

ALTER TABLE "analytics"."Customers" DROP COLUMN "seen at";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "seen at" timestamp with time zone DEFAULT CAST('2024-01-01 10:00:00+00' AS timestamp with time zone);

ALTER TABLE "analytics"."Customers" ALTER COLUMN "seen at" DROP DEFAULT;

ALTER TABLE "analytics"."Customers" DROP COLUMN "badge";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "badge" bytea DEFAULT CAST('\x00ff' AS bytea);

ALTER TABLE "analytics"."Customers" ALTER COLUMN "badge" DROP DEFAULT;

ALTER TABLE "analytics"."Customers" DROP COLUMN "extra";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "extra" jsonb DEFAULT CAST('{"a": "it''s"}' AS jsonb);

ALTER TABLE "analytics"."Customers" ALTER COLUMN "extra" DROP DEFAULT;

ALTER TABLE "analytics"."Customers" DROP COLUMN "ratio";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "ratio" double precision DEFAULT CAST('Infinity' AS double precision);

ALTER TABLE "analytics"."Customers" ALTER COLUMN "ratio" DROP DEFAULT;

ALTER TABLE "analytics"."Customers" DROP COLUMN "nickname";

ALTER TABLE "analytics"."Customers" ADD COLUMN IF NOT EXISTS "nickname" text;
