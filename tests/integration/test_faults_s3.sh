#!/usr/bin/env bash
# Object-storage faults: a fault-injecting proxy (tests/tools/faultproxy.py)
# sits between wharf and the signature gate, so every request is still signature-checked.
# Faults fewer than the retry budget ([stage] retries) are ridden out: exit 0
# and identical tables.  Faults past it: exit 1, nothing applied (warehouse
# rows, state rows and stream position unchanged, no staged objects left),
# and the next run without faults converges.  Covered: HTTP 500/503, stalls
# (no answer), connection resets, the endpoint down for a while (at the
# start and mid-load), the warehouse's own fetch of the parts failing, and
# deletes failing after a committed load.  Both `snapshot` and `sync`.
. "$(dirname "$0")/lib.sh"

PROXY=$(cd "$(dirname "$0")/../tools" && pwd)/faultproxy.py
UPSTREAM=$WHARF_S3_ENDPOINT
export WHARF_S3_TIMEOUT_MS=1000   # a stalled request counts as failed after ~1 s
PROXY_PID=
PROXY_N=0

proxy_stop() {
	if [[ -n $PROXY_PID ]]; then
		kill "$PROXY_PID" 2>/dev/null || true
		wait "$PROXY_PID" 2>/dev/null || true
		PROXY_PID=
	fi
}
trap proxy_stop EXIT

# proxy_start FAULT_ARGS...: a fresh proxy; its port in PROXY_PORT, its log in PROXY_LOG
proxy_start() {
	proxy_stop
	PROXY_N=$((PROXY_N + 1))
	PROXY_LOG=$TMP/proxy.$PROXY_N.log
	rm -f "$TMP/proxy.port"
	python3 "$PROXY" --upstream "$UPSTREAM" --port-file "$TMP/proxy.port" "$@" 2>"$PROXY_LOG" &
	PROXY_PID=$!
	for _ in $(seq 100); do
		[[ -s $TMP/proxy.port ]] && break
		sleep 0.05
	done
	PROXY_PORT=$(<"$TMP/proxy.port")
}

# via_proxy ARGS...: runs wharf with the proxy as its endpoint; exit code in RC, stderr in ERR
via_proxy() {
	ERR=$TMP/wharf.$PROXY_N.err
	RC=0
	WHARF_S3_ENDPOINT=http://127.0.0.1:$PROXY_PORT "$WHARF" "$@" >"$TMP/wharf.$PROXY_N.out" 2>"$ERR" || RC=$?
	proxy_stop
}

injected() { grep -c -- "-> $1" "$PROXY_LOG" || true; }
err_has() { grep -q -- "$1" "$ERR"; }

src -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'wharf_it_faults_s3%'" >/dev/null
src -c "DROP PUBLICATION IF EXISTS wharf_it_faults_s3sync; DROP PUBLICATION IF EXISTS wharf_it_faults_s3sync_ins; DROP PUBLICATION IF EXISTS wharf_it_faults_s3new; DROP PUBLICATION IF EXISTS wharf_it_faults_s3new_ins"
src <<'SQL'
DROP SCHEMA IF EXISTS fs3 CASCADE;
CREATE SCHEMA fs3;
-- about 0.4 MB of gzip: several 64 kB parts per load
CREATE TABLE fs3.t (id int PRIMARY KEY, v int NOT NULL, note text);
INSERT INTO fs3.t SELECT g, 0, md5(g::text) FROM generate_series(1, 20000) g;
CREATE TABLE fs3.log (id bigserial, v int);   -- append: a change applied twice would show
INSERT INTO fs3.log (v) SELECT g FROM generate_series(1, 100) g;
CREATE TABLE fs3.n (id bigserial, v int);     -- the job whose first run fails
INSERT INTO fs3.n (v) SELECT g FROM generate_series(1, 100) g;
SQL
wh -c 'DROP SCHEMA IF EXISTS fs3 CASCADE' -c "DELETE FROM public.wharf_state WHERE job LIKE 'it_faults_s3%'" 2>/dev/null || true

tables=('[table fs3.t]' '[table fs3.log]' 'mode = append')
snapjob=$(job_file it_faults_s3snap postgres "s3://$WHARF_S3_BUCKET/it/faults-s3snap" '[table fs3.t]')
syncjob=$(job_file it_faults_s3sync postgres "s3://$WHARF_S3_BUCKET/it/faults-s3sync" "${tables[@]}")
newjob=$(job_file it_faults_s3new postgres "s3://$WHARF_S3_BUCKET/it/faults-s3new" '[table fs3.n]' 'mode = append')
# 5 attempts: backoff sleeps of 0.1-0.2, 0.2-0.4, 0.4-0.8, 0.8-1.6 s between them
sed -i 's/^part_size = 64kB$/part_size = 64kB\nretries = 5/' "$snapjob" "$syncjob" "$newjob"
sed -i 's/^conninfo = \(.*\)$/conninfo = \1\nbatch_interval = 1/' "$syncjob"
# --follow stops at the first outage here, as sync does: what these cases look
# at (test_follow_restarts has --follow ride outages out)
printf '[sync]\nretry_for = 0\n' >>"$syncjob"

change() { src -c "UPDATE fs3.t SET v = v + 1 WHERE id % 5 = $1; DELETE FROM fs3.t WHERE id = $((100 + $1)); INSERT INTO fs3.t VALUES ($((30000 + $1)), $1, 'new'); INSERT INTO fs3.log (v) SELECT g FROM generate_series(1, 50) g"; }
# what must not move when a run fails: warehouse rows and the job's state rows
staged_left() { s3_count "it/$1/"; }
# removes every object under a prefix (through s3rver directly: test only)
s3_clear() {
	local key
	for key in $(curl -s "$WHARF_S3RVER_ENDPOINT/$WHARF_S3_BUCKET/?list-type=2&prefix=$1" | { grep -o '<Key>[^<]*' || true; }); do
		curl -s -X DELETE "$WHARF_S3RVER_ENDPOINT/$WHARF_S3_BUCKET/${key#<Key>}" >/dev/null
	done
}
for p in faults-s3snap faults-s3sync faults-s3new; do s3_clear "it/$p/"; done

# --------------------------------------------------------------------------
# snapshot
# --------------------------------------------------------------------------
check "first snapshot" "$WHARF" -q -c "$snapjob" snapshot

change 1
proxy_start --only PUT --fail 500:2 --fail 503:2
via_proxy -c "$snapjob" snapshot
check "snapshot: 4 HTTP 500/503 on uploads, retried (exit $RC)" test "$RC" -eq 0
check "snapshot: the 500s and 503s were injected ($(injected 500)+$(injected 503))" test "$(injected 500)$(injected 503)" = 22
check "snapshot: retries were logged" err_has "attempt 1 of 5: HTTP 500"
check "snapshot: converged after 500/503" same_table fs3.t fs3.t

change 2
proxy_start --only PUT --reset 1 --stall 1 --reset 1 --stall 1
via_proxy -c "$snapjob" snapshot
check "snapshot: resets and stalls on uploads, retried (exit $RC)" test "$RC" -eq 0
check "snapshot: a stall was cut off and retried" err_has "Operation too slow"
check "snapshot: a reset was retried" err_has "reset by peer"
check "snapshot: converged after resets and stalls" same_table fs3.t fs3.t

change 3
proxy_start --down-for 1
via_proxy -c "$snapjob" snapshot
check "snapshot: endpoint down for 1 s at the start, retried (exit $RC)" test "$RC" -eq 0
check "snapshot: refused connections were retried" err_has "Couldn't connect to server; retrying"
check "snapshot: converged after the endpoint came back" same_table fs3.t fs3.t

change 4
proxy_start --only PUT --after 2 --outage 1
via_proxy -c "$snapjob" snapshot
check "snapshot: endpoint down for 1 s mid-load, retried (exit $RC)" test "$RC" -eq 0
check "snapshot: converged after a mid-load outage" same_table fs3.t fs3.t

# the warehouse's own fetch of a part (COPY ... FROM PROGRAM curl --retry 5 --retry-connrefused) through the proxy
change 5
proxy_start --only GET --match part- --fail 503:2
via_proxy -c "$snapjob" snapshot
check "snapshot: the warehouse's fetch of a part got 503 twice, retried (exit $RC)" test "$RC" -eq 0
check "snapshot: converged after fetch faults" same_table fs3.t fs3.t

# persistent faults: exit 1, nothing applied, nothing left in the stage
change 6
before=$(job_fingerprint it_faults_s3snap fs3.t)
proxy_start --only PUT --after 1 --fail-all 503
via_proxy -c "$snapjob" snapshot
check "snapshot: uploads answered 503 for good: exit 1 (exit $RC)" test "$RC" -eq 1
check "snapshot: gave up after the retry budget" err_has "gave up after 5 attempts"
check "snapshot: nothing applied after persistent 503" test "$(job_fingerprint it_faults_s3snap fs3.t)" = "$before"
check "snapshot: the parts already uploaded were removed" test "$(staged_left faults-s3snap)" -eq 0

proxy_start --only PUT --after 1 --stall-all
via_proxy -c "$snapjob" snapshot
check "snapshot: uploads stalled for good: exit 1 (exit $RC)" test "$RC" -eq 1
check "snapshot: says the endpoint stopped responding" err_has "the endpoint stopped responding"
check "snapshot: nothing applied after persistent stalls" test "$(job_fingerprint it_faults_s3snap fs3.t)" = "$before"

proxy_start --down-for 600
via_proxy -c "$snapjob" snapshot
check "snapshot: endpoint down for good: exit 1 (exit $RC)" test "$RC" -eq 1
check "snapshot: says the endpoint is unreachable" err_has "the endpoint is unreachable"
check "snapshot: nothing applied while the endpoint is down" test "$(job_fingerprint it_faults_s3snap fs3.t)" = "$before"

proxy_start --only GET --match part- --fail-all 503
via_proxy -c "$snapjob" snapshot
check "snapshot: the warehouse cannot fetch the parts: exit 1 (exit $RC)" test "$RC" -eq 1
check "snapshot: nothing applied when the fetch fails" test "$(job_fingerprint it_faults_s3snap fs3.t)" = "$before"
check "snapshot: no staged objects left after a failed COPY" test "$(staged_left faults-s3snap)" -eq 0

check "snapshot: a run without faults converges" "$WHARF" -q -c "$snapjob" snapshot
check "snapshot: converged after persistent faults" same_table fs3.t fs3.t

# deletes failing after the load committed: the load stands (exit 0), the objects stay
change 7
proxy_start --only DELETE --match part-00001 --fail-all 503
via_proxy -c "$snapjob" snapshot
check "snapshot: deletes failing after commit do not fail the load (exit $RC)" test "$RC" -eq 0
check "snapshot: loaded although the cleanup failed" same_table fs3.t fs3.t
check "snapshot: the objects left behind are reported" err_has "were not all removed"
s3_clear it/faults-s3snap/

# --------------------------------------------------------------------------
# sync
# --------------------------------------------------------------------------
proxy_start --only PUT --fail 503:1 --reset 1
via_proxy -c "$syncjob" sync
check "sync: first run (snapshot) through 503 and a reset (exit $RC)" test "$RC" -eq 0
check "sync: converged after the first run" same_table fs3.t fs3.t
check "sync: append table converged after the first run" same_table fs3.log fs3.log

change 11
proxy_start --only PUT --stall 1 --fail 500:1 --outage 0.5
via_proxy -c "$syncjob" sync
check "sync: a batch through a stall, a 500 and an outage (exit $RC)" test "$RC" -eq 0
check "sync: converged" same_table fs3.t fs3.t
check "sync: append table converged (nothing doubled)" same_table fs3.log fs3.log

change 12
before=$(job_fingerprint it_faults_s3sync fs3.t fs3.log)
# the end of change 12's commit: the slot may move up to it (WAL of nothing
# of ours is acknowledged), never to it
change_end=$(src -c "SELECT pg_current_wal_insert_lsn()")
proxy_start --only PUT --fail-all 503
via_proxy -c "$syncjob" sync
check "sync: uploads answered 503 for good: exit 1 (exit $RC)" test "$RC" -eq 1
check "sync: says which upload failed" err_has "could not upload s3://$WHARF_S3_BUCKET/it/faults-s3sync/"
check "sync: nothing applied, position unchanged" test "$(job_fingerprint it_faults_s3sync fs3.t fs3.log)" = "$before"
check "sync: the slot was not told the failed batch" test "$(src -c "SELECT confirmed_flush_lsn < '$change_end'::pg_lsn FROM pg_replication_slots WHERE slot_name = 'wharf_it_faults_s3sync'")" = t
check "sync: no staged objects left" test "$(staged_left faults-s3sync)" -eq 0
proxy_start --down-for 600
via_proxy -c "$syncjob" sync
check "sync: endpoint down for good: exit 1 (exit $RC)" test "$RC" -eq 1
check "sync: nothing applied while the endpoint is down" test "$(job_fingerprint it_faults_s3sync fs3.t fs3.log)" = "$before"
check "sync: a run without faults converges" "$WHARF" -q -c "$syncjob" sync
check "sync: converged after persistent faults" same_table fs3.t fs3.t
check "sync: append table converged after persistent faults" same_table fs3.log fs3.log

# sync --follow under a write workload: uploads start failing for good mid-stream
src -c "INSERT INTO fs3.log (v) VALUES (0)"
(
	end=$((SECONDS + 5))
	while ((SECONDS < end)); do
		psql "$WHARF_SOURCE_CONNINFO" -X -q -c "UPDATE fs3.t SET v = v + 1 WHERE id = 1 + (random() * 999)::int; INSERT INTO fs3.log (v) VALUES (1)" >/dev/null 2>&1 || true
		sleep 0.02
	done
) &
load=$!
proxy_start --only PUT --after 4 --fail-all 503
ERR=$TMP/follow.err
WHARF_S3_ENDPOINT=http://127.0.0.1:$PROXY_PORT "$WHARF" -c "$syncjob" sync --follow >/dev/null 2>"$ERR" &
pid=$!
deadline=$((SECONDS + 30))
while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
kill -TERM "$pid" 2>/dev/null || true    # still running: a failure below
RC=0
wait "$pid" || RC=$?
proxy_stop
wait "$load" || true
check "sync --follow: uploads failing for good mid-stream: exit 1 (exit $RC)" test "$RC" -eq 1
check "sync --follow: says which upload failed" err_has "gave up after 5 attempts"
check "sync --follow: a run without faults converges" "$WHARF" -q -c "$syncjob" sync
check "sync --follow: converged" same_table fs3.t fs3.t
check "sync --follow: append table converged" same_table fs3.log fs3.log

# a first sync that cannot stage its snapshot: the next run starts over cleanly
proxy_start --only PUT --fail-all 500
via_proxy -c "$newjob" sync
check "sync: first run with uploads failing for good: exit 1 (exit $RC)" test "$RC" -eq 1
check "sync: no table appeared" test "$(wh -c "SELECT count(*) FROM public.wharf_state WHERE job = 'it_faults_s3new'")" -eq 0
src -c "INSERT INTO fs3.n (v) VALUES (-1)"
check "sync: the next first run converges" "$WHARF" -q -c "$newjob" sync
src -c "INSERT INTO fs3.n (v) VALUES (-2)"
check "sync: and streams on" "$WHARF" -q -c "$newjob" sync
check "sync: converged after a failed first run" same_table fs3.n fs3.n

src -c "SELECT pg_drop_replication_slot('wharf_it_faults_s3new')" >/dev/null
finish
