DROP TABLE IF EXISTS "Sales Dept"."order_lines ""x""";

DROP TABLE IF EXISTS "public"."customers";

DELETE FROM "wharf"."wharf_state"
WHERE "job" = 'shop''job';
