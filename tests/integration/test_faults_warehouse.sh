#!/usr/bin/env bash
# Warehouse faults: wharf's ODBC connection is terminated from another
# session (pg_terminate_backend) while a load is in flight: during COPY,
# during MERGE (wharf's MERGE waits on a row lock the test holds), and after
# the MERGE before the commit.  The transaction rolls back, wharf exits 1
# saying the warehouse connection was lost, the warehouse rows, state rows,
# stream position and slot stay as they were, and the next run converges.
# Both `sync` (the WHARF_PAUSE_AT points of sync.c; also `sync --follow`
# under a write workload) and `snapshot`.
. "$(dirname "$0")/lib.sh"

PROXY=$(cd "$(dirname "$0")/../tools" && pwd)/faultproxy.py
PROXY_PID=
LOCKER_PID=
WHARF_PID=
LOAD_PID=
cleanup() {
	for p in $PROXY_PID $LOCKER_PID $WHARF_PID $LOAD_PID; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT

src -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'wharf_it_faults_wh'" >/dev/null
src -c "DROP PUBLICATION IF EXISTS wharf_it_faults_wh; DROP PUBLICATION IF EXISTS wharf_it_faults_wh_ins"
src <<'SQL'
DROP SCHEMA IF EXISTS fwh CASCADE;
CREATE SCHEMA fwh;
CREATE TABLE fwh.t (id int PRIMARY KEY, v int NOT NULL, note text);
INSERT INTO fwh.t SELECT g, 0, md5(g::text) FROM generate_series(1, 20000) g;
CREATE TABLE fwh.log (id bigserial, v int);   -- append: a batch applied twice would show
CREATE TABLE fwh.s (id int PRIMARY KEY, v int NOT NULL, note text);   -- the snapshot job's
INSERT INTO fwh.s SELECT g, 0, md5(g::text) FROM generate_series(1, 20000) g;
SQL
wh -c 'DROP SCHEMA IF EXISTS fwh CASCADE' -c "DELETE FROM public.wharf_state WHERE job LIKE 'it_faults_wh%'" 2>/dev/null || true
job=$(job_file it_faults_wh postgres "s3://$WHARF_S3_BUCKET/it/faults-wh" '[table fwh.t]' '[table fwh.log]' 'mode = append')
# the snapshot job merges its refresh (MERGE waits on the row lock); a second replaces it
snapjob=$(job_file it_faults_whsnap postgres "s3://$WHARF_S3_BUCKET/it/faults-whsnap" '[table fwh.s]' 'refresh = merge')
repjob=$(job_file it_faults_whrep postgres "s3://$WHARF_S3_BUCKET/it/faults-whrep" '[table fwh.s]')
sed -i 's/^conninfo = \(.*\)$/conninfo = \1\nbatch_interval = 1/' "$job"
# --follow stops at the first outage here, as sync does: what these cases look
# at (test_follow_restarts has --follow ride outages out)
printf '[sync]\nretry_for = 0\n' >>"$job"

# change N: one source transaction; CHANGE_END is the WAL position just past its commit
change() {
	CHANGE_END=$(src -c "UPDATE fwh.t SET v = v + 1 WHERE id % 7 = $1 OR id = 7; DELETE FROM fwh.t WHERE id = $((500 + $1)); INSERT INTO fwh.t VALUES ($((30000 + $1)), $1, 'new'); INSERT INTO fwh.log (v) SELECT g FROM generate_series(1, 50) g" \
		-c "SELECT pg_current_wal_insert_lsn()")
}
same() { same_table fwh.t fwh.t && same_table fwh.log fwh.log; }
# the slot still holds the last change: it was not confirmed past that change's commit
slot_holds_change() {
	[[ $(src -c "SELECT confirmed_flush_lsn < '$CHANGE_END' FROM pg_replication_slots WHERE slot_name = 'wharf_it_faults_wh'") == t ]]
}

# wharf's sessions at the warehouse: every client of wh but this psql and the locker
WHARF_SESSIONS="datname = 'wh' AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND application_name <> 'wharf_faults_locker'"
terminate_wharf() {
	wh -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE $WHARF_SESSIONS"
}

# wharf_bg NAME ARGS...: wharf in the background, stderr in $TMP/NAME.err
wharf_bg() {
	local name=$1
	shift
	ERR=$TMP/$name.err
	"$WHARF" "$@" >"$TMP/$name.out" 2>"$ERR" &
	WHARF_PID=$!
}
wharf_wait() {
	RC=0
	wait "$WHARF_PID" || RC=$?
	WHARF_PID=
}

# lock_row TABLE ID: holds a row lock in the warehouse until unlock (its MERGE waits for it)
lock_row() {
	PGAPPNAME=wharf_faults_locker psql "$WHARF_WAREHOUSE_CONNINFO" -X -q -c "BEGIN" \
		-c "SELECT 1 FROM $1 WHERE id = $2 FOR UPDATE" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
	LOCKER_PID=$!
	local deadline=$((SECONDS + 10))
	until [[ $(wh -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'wharf_faults_locker' AND query LIKE '%pg_sleep%'") == 1 ]]; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}
unlock() {
	wh -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'wharf_faults_locker'" >/dev/null
	wait "$LOCKER_PID" 2>/dev/null || true
	LOCKER_PID=
}
# waits until one of wharf's warehouse sessions waits on a lock in a statement matching $1
wait_blocked() {
	local deadline=$((SECONDS + 30))
	until [[ $(wh -c "SELECT count(*) FROM pg_stat_activity WHERE $WHARF_SESSIONS AND wait_event_type = 'Lock' AND query LIKE '%$1%'") -ge 1 ]]; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

check "first sync" "$WHARF" -q -c "$job" sync
check "first snapshot" "$WHARF" -q -c "$snapjob" snapshot

# --------------------------------------------------------------------------
# sync: the connection dropped at the pause points, then during MERGE
# --------------------------------------------------------------------------
i=0
for point in mid-copy after-merge; do
	i=$((i + 1))
	change $i
	before=$(job_fingerprint it_faults_wh fwh.t fwh.log)
	WHARF_PAUSE_AT=$point WHARF_PAUSE_SECONDS=4 wharf_bg "sync-$point" -c "$job" sync
	if wait_for "$ERR" "pausing"; then
		n=$(terminate_wharf)
		check "sync $point: terminated wharf's warehouse session ($n)" test "$n" -ge 1
	else
		not_ok "sync $point: wharf never paused"
	fi
	wharf_wait
	check "sync $point: exit 1 after the connection dropped (exit $RC)" test "$RC" -eq 1
	check "sync $point: says the warehouse connection was lost" grep -q "warehouse connection lost" "$ERR"
	check "sync $point: rolled back: warehouse and position unchanged" test "$(job_fingerprint it_faults_wh fwh.t fwh.log)" = "$before"
	check "sync $point: the slot still holds the change" slot_holds_change
	check "sync $point: the next run converges" "$WHARF" -q -c "$job" sync
	check "sync $point: converged" same
done

change 3
before=$(job_fingerprint it_faults_wh fwh.t fwh.log)
if lock_row fwh.t 7; then
	wharf_bg sync-merge -c "$job" sync
	if wait_blocked "MERGE INTO"; then
		n=$(terminate_wharf)
		check "sync during MERGE: terminated wharf's warehouse session ($n)" test "$n" -ge 1
	else
		not_ok "sync during MERGE: wharf's MERGE never waited on the row lock"
	fi
	unlock
	wharf_wait
	check "sync during MERGE: exit 1 (exit $RC)" test "$RC" -eq 1
	check "sync during MERGE: says the warehouse connection was lost" grep -q "warehouse connection lost" "$ERR"
	check "sync during MERGE: rolled back: warehouse and position unchanged" test "$(job_fingerprint it_faults_wh fwh.t fwh.log)" = "$before"
	check "sync during MERGE: the slot still holds the change" slot_holds_change
else
	not_ok "sync during MERGE: could not take the row lock"
fi
check "sync during MERGE: the next run converges" "$WHARF" -q -c "$job" sync
check "sync during MERGE: converged" same

# sync --follow under a write workload: the connection dropped while the
# applier holds a batch mid-COPY, the reader going on meanwhile
(
	end=$((SECONDS + 6))
	while ((SECONDS < end)); do
		psql "$WHARF_SOURCE_CONNINFO" -X -q -c "UPDATE fwh.t SET v = v + 1 WHERE id = 1 + (random() * 999)::int; INSERT INTO fwh.log (v) VALUES (1)" >/dev/null 2>&1 || true
		sleep 0.02
	done
) &
LOAD_PID=$!
WHARF_PAUSE_AT=mid-copy WHARF_PAUSE_SECONDS=3 wharf_bg follow -c "$job" sync --follow
if wait_for "$ERR" "pausing"; then
	n=$(terminate_wharf)
	check "sync --follow mid-copy: terminated wharf's warehouse session ($n)" test "$n" -ge 1
else
	not_ok "sync --follow mid-copy: wharf never paused"
fi
deadline=$((SECONDS + 20))
while kill -0 "$WHARF_PID" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
kill -TERM "$WHARF_PID" 2>/dev/null || true    # still running: a failure below
wharf_wait
check "sync --follow mid-copy: exit 1 (exit $RC)" test "$RC" -eq 1
check "sync --follow mid-copy: says the warehouse connection was lost" grep -q "warehouse connection lost" "$ERR"
wait "$LOAD_PID" 2>/dev/null || true
LOAD_PID=
check "sync --follow mid-copy: the next run converges" "$WHARF" -q -c "$job" sync
check "sync --follow mid-copy: converged" same

# --------------------------------------------------------------------------
# snapshot: during COPY (the part's fetch is held by the proxy), during MERGE
# --------------------------------------------------------------------------
src -c "UPDATE fwh.s SET v = v + 1 WHERE id % 3 = 0 OR id = 7; DELETE FROM fwh.s WHERE id BETWEEN 100 AND 120"
before=$(job_fingerprint it_faults_whsnap fwh.s)
rm -f "$TMP/proxy.port"
python3 "$PROXY" --upstream "$WHARF_S3_ENDPOINT" --port-file "$TMP/proxy.port" --only GET --match part- --delay 3:1 \
	2>"$TMP/proxy.log" &
PROXY_PID=$!
wait_for "$TMP/proxy.port" "[0-9]" 5 || true
WHARF_S3_ENDPOINT=http://127.0.0.1:$(<"$TMP/proxy.port") wharf_bg snap-copy -c "$snapjob" snapshot
if wait_for "$TMP/proxy.log" "delayed"; then
	n=$(terminate_wharf)
	check "snapshot during COPY: terminated wharf's warehouse session ($n)" test "$n" -ge 1
else
	not_ok "snapshot during COPY: the warehouse never fetched a part"
fi
wharf_wait
kill "$PROXY_PID" 2>/dev/null || true
wait "$PROXY_PID" 2>/dev/null || true
PROXY_PID=
check "snapshot during COPY: exit 1 (exit $RC)" test "$RC" -eq 1
check "snapshot during COPY: says the warehouse connection was lost" grep -q "warehouse connection lost" "$ERR"
check "snapshot during COPY: rolled back: warehouse unchanged" test "$(job_fingerprint it_faults_whsnap fwh.s)" = "$before"

if lock_row fwh.s 7; then
	wharf_bg snap-merge -c "$snapjob" snapshot
	if wait_blocked "MERGE INTO"; then
		n=$(terminate_wharf)
		check "snapshot during MERGE: terminated wharf's warehouse session ($n)" test "$n" -ge 1
	else
		not_ok "snapshot during MERGE: wharf's MERGE never waited on the row lock"
	fi
	unlock
	wharf_wait
	check "snapshot during MERGE: exit 1 (exit $RC)" test "$RC" -eq 1
	check "snapshot during MERGE: says the warehouse connection was lost" grep -q "warehouse connection lost" "$ERR"
	check "snapshot during MERGE: rolled back: warehouse unchanged" test "$(job_fingerprint it_faults_whsnap fwh.s)" = "$before"
else
	not_ok "snapshot during MERGE: could not take the row lock"
fi
check "snapshot: no staged objects left by the failed loads" test "$(s3_count it/faults-whsnap/)" -eq 0
check "snapshot: the next run converges" "$WHARF" -q -c "$snapjob" snapshot
check "snapshot: converged" same_table fwh.s fwh.s

# a refresh by replace: its TRUNCATE waits on the row lock; the connection drops there
src -c "UPDATE fwh.s SET v = v + 1 WHERE id % 5 = 0 OR id = 7; DELETE FROM fwh.s WHERE id BETWEEN 130 AND 140"
before=$(job_fingerprint it_faults_whrep fwh.s)
if lock_row fwh.s 7; then
	wharf_bg snap-replace -c "$repjob" snapshot
	if wait_blocked "TRUNCATE TABLE"; then
		n=$(terminate_wharf)
		check "snapshot replacing: terminated wharf's warehouse session ($n)" test "$n" -ge 1
	else
		not_ok "snapshot replacing: wharf's TRUNCATE never waited on the row lock"
	fi
	unlock
	wharf_wait
	check "snapshot replacing: exit 1 (exit $RC)" test "$RC" -eq 1
	check "snapshot replacing: says the warehouse connection was lost" grep -q "warehouse connection lost" "$ERR"
	check "snapshot replacing: rolled back: warehouse unchanged" test "$(job_fingerprint it_faults_whrep fwh.s)" = "$before"
else
	not_ok "snapshot replacing: could not take the row lock"
fi
check "snapshot replacing: the next run converges" "$WHARF" -q -c "$repjob" snapshot
check "snapshot replacing: converged" same_table fwh.s fwh.s
check "snapshot replacing: no staged objects left" test "$(s3_count it/faults-whrep/)" -eq 0

finish
