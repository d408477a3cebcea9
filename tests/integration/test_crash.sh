#!/usr/bin/env bash
# Exactly once under crashes: wharf is killed (as by SIGKILL) at each named
# point of a batch, and at random moments under pgbench load; every rerun
# converges to identical tables, with nothing lost and nothing doubled.
# SIGTERM during --follow finishes the batch in flight and exits 0.
. "$(dirname "$0")/lib.sh"

src -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'wharf_it_crash'" >/dev/null
src -c "DROP PUBLICATION IF EXISTS wharf_it_crash; DROP PUBLICATION IF EXISTS wharf_it_crash_ins"
src <<'SQL'
DROP SCHEMA IF EXISTS crash CASCADE;
CREATE SCHEMA crash;
CREATE TABLE crash.t (id int PRIMARY KEY, v int NOT NULL, note text);
INSERT INTO crash.t SELECT g, 0, 'n' || g FROM generate_series(1, 1000) g;
CREATE TABLE crash.log (id bigserial, at timestamptz DEFAULT now(), v int);   -- append: doubles would show
SQL
wh -c 'DROP SCHEMA IF EXISTS crash CASCADE' -c "DELETE FROM public.wharf_state WHERE job = 'it_crash'" 2>/dev/null || true
job=$(job_file it_crash postgres "s3://$WHARF_S3_BUCKET/it/crash" '[table crash.t]' '[table crash.log]' 'mode = append')
same() { same_table crash.t crash.t && same_table crash.log crash.log; }
change() { src -c "UPDATE crash.t SET v = v + 1 WHERE id % 7 = $1; INSERT INTO crash.log (v) SELECT g FROM generate_series(1, 50) g; DELETE FROM crash.t WHERE id = $((500 + $1)); INSERT INTO crash.t VALUES ($((2000 + $1)), $1, 'new')"; }

check "first sync" "$WHARF" -c "$job" sync

i=0
for point in before-upload after-upload mid-copy after-merge after-commit; do
	i=$((i + 1))
	change $i
	rc=0
	WHARF_FAIL_AT=$point "$WHARF" -q -c "$job" sync 2>/dev/null || rc=$?
	check "killed at $point (exit $rc)" test "$rc" -eq 137
	check "rerun after a kill at $point" "$WHARF" -q -c "$job" sync
	check "converged after a kill at $point" same
done

# random kills of --follow under pgbench-style load
pgbench -n -c 2 -T 12 -f <(printf 'UPDATE crash.t SET v = v + 1 WHERE id = 1 + (random() * 999)::int;\nINSERT INTO crash.log (v) VALUES (1);\n') \
	"$WHARF_SOURCE_CONNINFO" >"$TMP/load.log" 2>&1 &
load=$!
for k in 1 2 3 4 5; do
	"$WHARF" -q -c "$job" sync --follow >/dev/null 2>>"$TMP/follow.err" &
	pid=$!
	sleep "$(python3 -c 'import random; print(round(random.uniform(0.5, 2.5), 2))')"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
done
wait $load
check "rerun after random kills" "$WHARF" -q -c "$job" sync
check "converged after random kills under load" same

# SIGTERM finishes the batch in flight and exits 0
change 9
"$WHARF" -q -c "$job" sync --follow >/dev/null 2>"$TMP/term.err" &
pid=$!
sleep 3
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
check "SIGTERM during --follow exits 0 (exit $rc)" test "$rc" -eq 0
check "the batch in flight was applied" same

# leave no slot behind: it would hold WAL on the shared source for the other tests
src -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'wharf_it_crash' AND NOT active" >/dev/null

finish
