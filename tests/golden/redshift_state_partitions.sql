DELETE FROM "wharf"."wharf_state"
WHERE "job" = 'nightly ''prod'' \\ run' AND "kind" = 'partition' AND "source_table" LIKE '"Sales Dept"."Order!_Lines 100!%!!" partition %' ESCAPE '!';

DELETE FROM "wharf"."wharf_state"
WHERE "job" = 'nightly ''prod'' \\ run' AND "source_table" = '"Sales Dept"."Order_Lines 100%!" partition 16400:731:16410 "Sales Dept"."Lines 100%_!"';

INSERT INTO "wharf"."wharf_state" ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES ('nightly ''prod'' \\ run', '"Sales Dept"."Order_Lines 100%!" partition 16400:731:16410 "Sales Dept"."Lines 100%_!"', '"Sales Dept"."Order_Lines 100%!"', 'partition', '0/16B3748', 0, '20240101T100000Z-ab12', (SYSDATE AT TIME ZONE 'UTC'));

DELETE FROM "wharf"."wharf_state"
WHERE "job" = 'nightly ''prod'' \\ run' AND "source_table" = '"Sales Dept"."Order_Lines 100%!" partition 16402:4294967295:0 "Sales Dept".lines_sub';

INSERT INTO "wharf"."wharf_state" ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES ('nightly ''prod'' \\ run', '"Sales Dept"."Order_Lines 100%!" partition 16402:4294967295:0 "Sales Dept".lines_sub', '"Sales Dept"."Order_Lines 100%!"', 'partition', '0/16B3748', 0, '20240101T100000Z-ab12', (SYSDATE AT TIME ZONE 'UTC'));
