DROP TABLE IF EXISTS "sales dept"."order_lines ""x""";

DROP TABLE IF EXISTS "public"."customers";

DELETE FROM "wharf"."wharf_state"
WHERE "job" = 'shop''job';
