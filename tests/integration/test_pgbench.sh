#!/usr/bin/env bash
# pgbench (a real client no one here wrote) writes while the first sync takes
# its snapshot and between syncs; after catch-up the four pgbench tables are
# identical in the warehouse, compared row by row in SQL.
. "$(dirname "$0")/lib.sh"

src -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'wharf_it_bench'" >/dev/null
src -c "DROP PUBLICATION IF EXISTS wharf_it_bench; DROP PUBLICATION IF EXISTS wharf_it_bench_ins"
pgbench -q -i -s 2 "$WHARF_SOURCE_CONNINFO" >/dev/null 2>&1
wh -c 'DROP TABLE IF EXISTS public.pgbench_accounts, public.pgbench_tellers, public.pgbench_branches, public.pgbench_history' \
	-c "DELETE FROM public.wharf_state WHERE job = 'it_bench'" 2>/dev/null || true

job=$(job_file it_bench postgres "s3://$WHARF_S3_BUCKET/it/bench" \
	'[table public.pgbench_accounts]' '[table public.pgbench_tellers]' \
	'[table public.pgbench_branches]' '[table public.pgbench_history]' 'mode = append')
all_same() {
	same_table public.pgbench_accounts public.pgbench_accounts &&
		same_table public.pgbench_tellers public.pgbench_tellers &&
		same_table public.pgbench_branches public.pgbench_branches &&
		same_table public.pgbench_history public.pgbench_history
}

pgbench -n -c 4 -j 2 -T 15 "$WHARF_SOURCE_CONNINFO" >"$TMP/pgbench1.log" 2>&1 &
bench=$!
sleep 2
check "first sync (snapshot) while pgbench writes" "$WHARF" -c "$job" sync
wait $bench
check "pgbench ran" grep -q "number of transactions actually processed" "$TMP/pgbench1.log"
check "catch-up sync after pgbench" "$WHARF" -c "$job" sync
check "all four pgbench tables identical" all_same

pgbench -n -c 4 -j 2 -T 8 "$WHARF_SOURCE_CONNINFO" >"$TMP/pgbench2.log" 2>&1 &
bench=$!
sleep 2
check "sync while pgbench writes" "$WHARF" -c "$job" sync
wait $bench
check "catch-up sync" "$WHARF" -c "$job" sync
check "identical again after the second round" all_same
check "history rows arrived" test "$(wh -c 'SELECT count(*) FROM public.pgbench_history')" -gt 100

# leave no slot behind: it would hold WAL on the shared source for the other tests
src -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'wharf_it_bench' AND NOT active" >/dev/null

finish
