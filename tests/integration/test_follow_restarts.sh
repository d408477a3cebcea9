#!/usr/bin/env bash
# `sync --follow` rides out outages: under pgbench load (a TPC-B-like script
# on tables of its own), the warehouse Postgres crashes (pg_ctl stop -m
# immediate) and comes back, the source Postgres restarts (fast), and the S3
# endpoint (the signature gate in front of s3rver) is gone for a while. Each
# time wharf logs the loss, its attempts and waits, reconnects and streams on
# from the position the warehouse holds; pgbench stops, wharf catches up,
# SIGTERM ends it with exit 0, and every table is identical to the source
# (history is an append table: a batch applied twice would show). Then an
# outage longer than a short retry_for ends the run with exit 1 and a clear
# error, and a plain sync converges; errors that are no outage (a missing
# table, an unknown role, a dropped slot) are not retried.
. "$(dirname "$0")/lib.sh"

JOB=it_follow
SLOT=wharf_$JOB
WHARF_PID=
LOAD_PID=
cleanup() {
	touch "$TMP/stop-load"
	for p in $WHARF_PID $LOAD_PID; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	# leave the services as ci/services left them
	warehouse_up >/dev/null 2>&1 || true
	gate_up >/dev/null 2>&1 || true
	wh -c "ALTER DATABASE wh RESET synchronous_commit" 2>/dev/null || true
}
trap cleanup EXIT

# pg_ctl as the clusters' owner, as ci/services runs it
pg_ctl_as() {
	if [[ $(id -u) -eq 0 ]]; then
		(cd / && runuser -u "$WHARF_PG_USER" -- env PATH="/usr/local/bin:/usr/bin:/bin" "$WHARF_PG_BINDIR/pg_ctl" "$@")
	else
		(cd / && "$WHARF_PG_BINDIR/pg_ctl" "$@")
	fi
}
ready() { # ready PORT DB: until the server accepts connections
	local deadline=$((SECONDS + 60))
	until "$WHARF_PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$1" -d "$2" -U "$WHARF_PG_USER"; do
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
}
WH_DATA=$WHARF_PG_SOCKET_DIR/warehouse
warehouse_crash() { pg_ctl_as -D "$WH_DATA" stop -m immediate -w -t 60 >/dev/null; }
warehouse_up() {
	if ! "$WHARF_PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$WHARF_WAREHOUSE_PORT" -d wh -U "$WHARF_PG_USER"; then
		pg_ctl_as -D "$WH_DATA" -l "$WHARF_PG_SOCKET_DIR/warehouse.log" -o "-p $WHARF_WAREHOUSE_PORT" \
			-w -t 60 start >/dev/null || true
	fi
	ready "$WHARF_WAREHOUSE_PORT" wh
}
source_restart() {
	pg_ctl_as -D "$WHARF_PG_SOCKET_DIR/source" -l "$WHARF_PG_SOCKET_DIR/source.log" -m fast -w -t 60 restart >/dev/null &&
		ready "$WHARF_SOURCE_PORT" src
}

# The S3 endpoint the job uses is the services' gate: stopped, then started
# again with the command line it had (its pid file kept for ci/services stop).
GATE_PIDFILE=$WHARF_SERVICES_DIR/gate.pid
GATE_CMD=()
gate_down() {
	local pid
	pid=$(<"$GATE_PIDFILE")
	mapfile -d '' -t GATE_CMD <"/proc/$pid/cmdline"
	kill -TERM "$pid"
	for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	! curl -s -o /dev/null --max-time 2 "$WHARF_S3_ENDPOINT/"
}
gate_up() {
	[[ ${#GATE_CMD[@]} -gt 0 ]] || return 0
	if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$WHARF_S3_ENDPOINT/$WHARF_S3_BUCKET/" || true) == 403 ]]; then
		return 0
	fi
	# shellcheck disable=SC2016 # expanded by the inner bash
	(cd / && exec setsid bash -c 'echo $$ >"$0"; exec "$@"' "$GATE_PIDFILE" "${GATE_CMD[@]}") \
		</dev/null >>"$WHARF_SERVICES_DIR/gate.log" 2>&1 &
	for _ in $(seq 1 100); do
		[[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$WHARF_S3_ENDPOINT/$WHARF_S3_BUCKET/" || true) == 403 ]] && return 0
		sleep 0.1
	done
	return 1
}

lines() { wc -l <"$1"; }

src -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$SLOT'" >/dev/null
src -c "DROP PUBLICATION IF EXISTS $SLOT; DROP PUBLICATION IF EXISTS ${SLOT}_ins"
src <<'SQL'
DROP SCHEMA IF EXISTS fr CASCADE;
CREATE SCHEMA fr;
CREATE TABLE fr.branches (bid int PRIMARY KEY, bbalance int NOT NULL, filler char(88));
CREATE TABLE fr.tellers (tid int PRIMARY KEY, bid int NOT NULL, tbalance int NOT NULL, filler char(84));
CREATE TABLE fr.accounts (aid int PRIMARY KEY, bid int NOT NULL, abalance int NOT NULL, filler char(84));
CREATE TABLE fr.history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22));
INSERT INTO fr.branches SELECT g, 0, '' FROM generate_series(1, 2) g;
INSERT INTO fr.tellers SELECT g, 1 + (g - 1) / 10, 0, '' FROM generate_series(1, 20) g;
INSERT INTO fr.accounts SELECT g, 1 + (g - 1) / 100000, 0, '' FROM generate_series(1, 200000) g;
SQL
wh -c 'DROP SCHEMA IF EXISTS fr CASCADE' -c "DELETE FROM public.wharf_state WHERE job = '$JOB'" 2>/dev/null || true
# The services run with synchronous_commit = off, which a crash (stop -m
# immediate) makes forget commits it acknowledged: no warehouse wharf is
# meant for does that, and the slot has been told of them. Commits at the
# warehouse are durable for this test, as they are at a real one.
wh -c "ALTER DATABASE wh SET synchronous_commit = on"

job=$(job_file $JOB postgres "s3://$WHARF_S3_BUCKET/it/follow" '[table fr.branches]' '[table fr.tellers]' \
	'[table fr.accounts]' '[table fr.history]' 'mode = append')
sed -i 's/^conninfo = \(.*\)$/conninfo = \1\nbatch_interval = 1/' "$job"
printf '[sync]\nretry_for = 90s\nretry_max_wait = 4\n' >>"$job"
all_same() {
	same_table fr.branches fr.branches && same_table fr.tellers fr.tellers &&
		same_table fr.accounts fr.accounts && same_table fr.history fr.history
}

# pgbench's TPC-B transaction on fr.*, rate-limited, in rounds so that a
# source restart (which ends pgbench's sessions) only ends a round
cat >"$TMP/tpcb.sql" <<'SQL'
\set aid random(1, 200000)
\set bid random(1, 2)
\set tid random(1, 20)
\set delta random(-5000, 5000)
BEGIN;
UPDATE fr.accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT abalance FROM fr.accounts WHERE aid = :aid;
UPDATE fr.tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
UPDATE fr.branches SET bbalance = bbalance + :delta WHERE bid = :bid;
INSERT INTO fr.history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
END;
SQL
load_start() {
	rm -f "$TMP/stop-load"
	(
		while [[ ! -f $TMP/stop-load ]]; do
			pgbench -n -c 2 -j 2 -R 100 -T 3 -f "$TMP/tpcb.sql" "$WHARF_SOURCE_CONNINFO" >>"$TMP/pgbench.log" 2>&1 || sleep 0.5
		done
	) &
	LOAD_PID=$!
}
load_stop() {
	touch "$TMP/stop-load"
	wait "$LOAD_PID" 2>/dev/null || true
	LOAD_PID=
}

check "first sync (snapshot)" "$WHARF" -q -c "$job" sync

# --------------------------------------------------------------------------
# one --follow run through three outages
# --------------------------------------------------------------------------
load_start
ERR=$TMP/follow.err
"$WHARF" -c "$job" sync --follow >"$TMP/follow.out" 2>"$ERR" &
WHARF_PID=$!
check "follow applies batches under pgbench" wait_for "$ERR" "applied batch" 30

# the warehouse crashes and is back after a few seconds
at=$(lines "$ERR")
check "the warehouse crashed (stop -m immediate)" warehouse_crash
sleep 5
check "the warehouse is back" warehouse_up
check "warehouse: the loss is logged with the attempt and the wait" \
	wait_for "$ERR" "sync: lost the warehouse: .*reconnecting in [0-9]+ s \(attempt 1," 30 "$at"
check "warehouse: reconnected" wait_for "$ERR" "reconnected after an outage of the warehouse" 60 "$at"
at_back=$(lines "$ERR")
check "warehouse: batches apply again" wait_for "$ERR" "applied batch" 30 "$at_back"
check "warehouse: still running" kill -0 "$WHARF_PID"

# the source restarts (fast shutdown)
at=$(lines "$ERR")
check "the source restarted (-m fast)" source_restart
check "source: the loss is logged" wait_for "$ERR" "sync: lost the source: .*reconnecting in" 30 "$at"
check "source: reconnected" wait_for "$ERR" "reconnected after an outage of the source" 60 "$at"
at_back=$(lines "$ERR")
check "source: batches apply again" wait_for "$ERR" "applied batch" 30 "$at_back"
check "source: still running" kill -0 "$WHARF_PID"

# the S3 endpoint goes away for a while
at=$(lines "$ERR")
check "S3 is down (the gate stopped)" gate_down
check "stage: the loss is logged" wait_for "$ERR" "sync: lost the stage: .*reconnecting in" 40 "$at"
check "stage: a later attempt is logged" wait_for "$ERR" "sync: the stage is still out .*reconnecting in [0-9]+ s \(attempt [2-9]" 40 "$at"
check "S3 is back" gate_up
check "stage: reconnected" wait_for "$ERR" "reconnected after an outage of the stage" 60 "$at"
at_back=$(lines "$ERR")
check "stage: batches apply again" wait_for "$ERR" "applied batch" 30 "$at_back"
check "stage: still running" kill -0 "$WHARF_PID"

# pgbench stops; follow catches up; SIGTERM
load_stop
check "pgbench ran" grep -q "number of transactions actually processed" "$TMP/pgbench.log"
deadline=$((SECONDS + 60))
until all_same || ((SECONDS >= deadline)); do sleep 1; done
kill -TERM "$WHARF_PID"
rc=0
wait "$WHARF_PID" || rc=$?
WHARF_PID=
check "SIGTERM after the outages: exit 0 (exit $rc)" test "$rc" -eq 0
check "every table identical to the source" all_same
check "history rows arrived (none doubled: compared above)" test "$(wh -c 'SELECT count(*) FROM fr.history')" -gt 100
check "the slot was never dropped nor a snapshot taken again" \
	bash -c "! grep -Eq 'dropping replication slot|created replication slot' '$ERR'"
check "the summary counts the changes of every attempt" grep -Eq "^synced job $JOB to [0-9A-F]+/[0-9A-F]+: [1-9][0-9]* changes" "$TMP/follow.out"
echo "# reconnect lines:"
grep -E "sync: (lost|the .* is still out|reconnected)" "$ERR" | sed 's/^/#   /'

# --------------------------------------------------------------------------
# an outage longer than retry_for: exit 1, then a plain sync converges
# --------------------------------------------------------------------------
short=$TMP/short.ini
sed 's/^retry_for = .*/retry_for = 6s/; s/^retry_max_wait = .*/retry_max_wait = 2s/' "$job" >"$short"
chmod 600 "$short"
src -c "UPDATE fr.accounts SET abalance = abalance + 1 WHERE aid <= 50; INSERT INTO fr.history (tid, bid, aid, delta) VALUES (1, 1, 1, 1)"
ERR=$TMP/budget.err
"$WHARF" -c "$short" sync --follow >/dev/null 2>"$ERR" &
WHARF_PID=$!
check "budget: streaming" wait_for "$ERR" "streaming from" 30
start=$SECONDS
check "budget: the warehouse crashed" warehouse_crash
src -c "INSERT INTO fr.history (tid, bid, aid, delta) VALUES (2, 2, 2, 2)"
deadline=$((SECONDS + 40))
while kill -0 "$WHARF_PID" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
kill -TERM "$WHARF_PID" 2>/dev/null || true    # still running: a failure below
rc=0
wait "$WHARF_PID" || rc=$?
WHARF_PID=
took=$((SECONDS - start))
check "budget: exit 1 past retry_for (exit $rc)" test "$rc" -eq 1
check "budget: it tried more than once (with waits of at most 2 s)" grep -Eq "still out .*reconnecting in [12] s \(attempt [2-9]" "$ERR"
check "budget: a clear error names the service and retry_for" \
	grep -Eq "error: sync: the warehouse has been out for [0-9]+ s, past retry_for = 6 s, after [0-9]+ attempts to reconnect: giving up" "$ERR"
check "budget: given up about when the budget ran out (${took}s)" test "$took" -ge 6 -a "$took" -le 25
check "budget: the warehouse is back" warehouse_up
check "budget: a plain sync converges" "$WHARF" -q -c "$job" sync
check "budget: every table identical" all_same

# --------------------------------------------------------------------------
# errors that are no outage are not retried
# --------------------------------------------------------------------------
not_retried() { # not_retried NAME JOBFILE PATTERN: --follow exits 1 at once, naming it
	local name=$1 file=$2 pattern=$3 rc=0 start=$SECONDS
	timeout 30 "$WHARF" -c "$file" sync --follow >/dev/null 2>"$TMP/$name.err" || rc=$?
	check "$name: exit 1 (exit $rc)" test "$rc" -eq 1
	check "$name: says why" grep -Eq -- "$pattern" "$TMP/$name.err"
	check "$name: no reconnect attempt" bash -c "! grep -q 'reconnecting' '$TMP/$name.err'"
	check "$name: at once ($((SECONDS - start))s)" test $((SECONDS - start)) -le 10
}
sed 's/^\[table fr.history\]/[table fr.nosuch]/' "$job" >"$TMP/missing.ini"
chmod 600 "$TMP/missing.ini"
not_retried "missing table" "$TMP/missing.ini" "fr.nosuch"
sed 's/^odbc = .*/odbc = Driver=PostgreSQL Unicode;Server=127.0.0.1;Port='"$WHARF_WAREHOUSE_PORT"';Database=wh;Uid=wharf_nosuch;Pwd=/' "$job" >"$TMP/role.ini"
chmod 600 "$TMP/role.ini"
not_retried "unknown warehouse role" "$TMP/role.ini" 'role "wharf_nosuch" does not exist'
sed 's/^conninfo = .*/conninfo = '"$WHARF_SOURCE_CONNINFO"' dbname=nosuch/' "$job" >"$TMP/db.ini"
chmod 600 "$TMP/db.ini"
not_retried "unknown source database" "$TMP/db.ini" 'database "nosuch" does not exist'

# the slot dropped while following: the walsender's end is an outage, the
# missing slot found on reconnecting is not
ERR=$TMP/dropped.err
"$WHARF" -c "$job" sync --follow >/dev/null 2>"$ERR" &
WHARF_PID=$!
check "dropped slot: streaming" wait_for "$ERR" "streaming from" 30
src -c "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '$SLOT' AND active" >/dev/null
for _ in $(seq 1 50); do
	src -c "SELECT pg_drop_replication_slot('$SLOT')" >/dev/null 2>&1 && break
	sleep 0.1
done
deadline=$((SECONDS + 30))
while kill -0 "$WHARF_PID" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
kill -TERM "$WHARF_PID" 2>/dev/null || true
rc=0
wait "$WHARF_PID" || rc=$?
WHARF_PID=
check "dropped slot: exit 1 (exit $rc)" test "$rc" -eq 1
check "dropped slot: says the slot is missing and how to start over" grep -q "replication slot $SLOT is missing.*--resnapshot" "$ERR"
check "dropped slot: one reconnect, not more" test "$(grep -c 'reconnecting in' "$ERR")" -eq 1

src -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$SLOT' AND NOT active" >/dev/null
finish
