DELETE FROM "wharf"."wharf_state"
WHERE "job" = 'nightly ''prod'' \ run' AND "kind" = 'partition' AND "source_table" LIKE '"Sales Dept"."Order!_Lines 100!%!!" partition %' ESCAPE '!';

MERGE INTO "wharf"."wharf_state" AS t
USING (SELECT 'nightly ''prod'' \ run' AS "job", '"Sales Dept"."Order_Lines 100%!" partition 16400:731:16410 "Sales Dept"."Lines 100%_!"' AS "source_table", '"Sales Dept"."Order_Lines 100%!"' AS "target_table", 'partition' AS "kind", '0/16B3748' AS "lsn", CAST(0 AS BIGINT) AS "rows", '20240101T100000Z-ab12' AS "load_id", CURRENT_TIMESTAMP AS "loaded_at") AS s
ON t."job" = s."job" AND t."source_table" = s."source_table"
WHEN MATCHED THEN UPDATE SET "target_table" = s."target_table", "kind" = s."kind", "lsn" = s."lsn", "rows" = s."rows", "load_id" = s."load_id", "loaded_at" = s."loaded_at"
WHEN NOT MATCHED THEN INSERT ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES (s."job", s."source_table", s."target_table", s."kind", s."lsn", s."rows", s."load_id", s."loaded_at");

MERGE INTO "wharf"."wharf_state" AS t
USING (SELECT 'nightly ''prod'' \ run' AS "job", '"Sales Dept"."Order_Lines 100%!" partition 16402:4294967295:0 "Sales Dept".lines_sub' AS "source_table", '"Sales Dept"."Order_Lines 100%!"' AS "target_table", 'partition' AS "kind", '0/16B3748' AS "lsn", CAST(0 AS BIGINT) AS "rows", '20240101T100000Z-ab12' AS "load_id", CURRENT_TIMESTAMP AS "loaded_at") AS s
ON t."job" = s."job" AND t."source_table" = s."source_table"
WHEN MATCHED THEN UPDATE SET "target_table" = s."target_table", "kind" = s."kind", "lsn" = s."lsn", "rows" = s."rows", "load_id" = s."load_id", "loaded_at" = s."loaded_at"
WHEN NOT MATCHED THEN INSERT ("job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at")
VALUES (s."job", s."source_table", s."target_table", s."kind", s."lsn", s."rows", s."load_id", s."loaded_at");
