#!/usr/bin/env bash
# Source faults: during `wharf sync --follow` under a write workload, wharf's
# walsender is terminated (pg_terminate_backend), and the source Postgres is
# restarted (fast shutdown, then a crash: immediate shutdown); the walsender
# is also terminated right after a batch committed at the warehouse, before
# the slot heard of it.  wharf exits 1 with a message naming the replication
# stream, the slot survives (never dropped, no new snapshot), and the next
# run converges with nothing lost and nothing applied twice.
. "$(dirname "$0")/lib.sh"

SLOT=wharf_it_faults_src
WHARF_PID=
LOAD_PID=
cleanup() {
	for p in $WHARF_PID $LOAD_PID; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT

src -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$SLOT'" >/dev/null
src -c "DROP PUBLICATION IF EXISTS $SLOT; DROP PUBLICATION IF EXISTS ${SLOT}_ins"
src <<'SQL'
DROP SCHEMA IF EXISTS fsrc CASCADE;
CREATE SCHEMA fsrc;
CREATE TABLE fsrc.t (id int PRIMARY KEY, v int NOT NULL, note text);
INSERT INTO fsrc.t SELECT g, 0, 'n' || g FROM generate_series(1, 1000) g;
CREATE TABLE fsrc.log (id bigserial, v int);   -- append: a change applied twice would show
SQL
wh -c 'DROP SCHEMA IF EXISTS fsrc CASCADE' -c "DELETE FROM public.wharf_state WHERE job = 'it_faults_src'" 2>/dev/null || true
job=$(job_file it_faults_src postgres "s3://$WHARF_S3_BUCKET/it/faults-src" '[table fsrc.t]' '[table fsrc.log]' 'mode = append')
sed -i 's/^conninfo = \(.*\)$/conninfo = \1\nbatch_interval = 1/' "$job"
# --follow stops at the first outage here, as sync does: what these cases look
# at (test_follow_restarts has --follow ride outages out)
printf '[sync]\nretry_for = 0\n' >>"$job"
same() { same_table fsrc.t fsrc.t && same_table fsrc.log fsrc.log; }
slot_exists() { [[ $(src -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$SLOT'") == 1 ]]; }

# workload SECONDS: small transactions in the background; errors (a restarting source) are ridden out
workload() {
	local secs=$1
	(
		end=$((SECONDS + secs))
		while ((SECONDS < end)); do
			psql "$WHARF_SOURCE_CONNINFO" -X -q -c "UPDATE fsrc.t SET v = v + 1 WHERE id = 1 + (random() * 999)::int; INSERT INTO fsrc.log (v) VALUES (1), (2)" \
				>/dev/null 2>&1 || sleep 0.2
			sleep 0.02
		done
	) &
	LOAD_PID=$!
}
workload_wait() {
	wait "$LOAD_PID" 2>/dev/null || true
	LOAD_PID=
}

# follow NAME: wharf sync --follow in the background, stderr in $TMP/NAME.err
follow() {
	ERR=$TMP/$1.err
	"$WHARF" -c "$job" sync --follow >"$TMP/$1.out" 2>"$ERR" &
	WHARF_PID=$!
}
# wharf_exit SECONDS: waits for wharf (killing it past SECONDS); exit code in RC
wharf_exit() {
	local deadline=$((SECONDS + $1))
	while kill -0 "$WHARF_PID" 2>/dev/null && ((SECONDS < deadline)); do
		sleep 0.1
	done
	if kill -0 "$WHARF_PID" 2>/dev/null; then
		echo "# wharf still runs ${1}s after the fault: stopping it" >&2
		kill -TERM "$WHARF_PID" 2>/dev/null || true
	fi
	RC=0
	wait "$WHARF_PID" || RC=$?
	WHARF_PID=
}
# rerun NAME: a plain sync that must converge without a new slot or snapshot
rerun() {
	local what=$1 rc=0
	"$WHARF" -c "$job" sync >"$TMP/$what.rerun.out" 2>"$TMP/$what.rerun.err" || rc=$?
	check "$what: the next run succeeds (exit $rc)" test "$rc" -eq 0
	check "$what: the next run kept the slot (no drop, no new snapshot)" \
		bash -c "! grep -Eq 'dropping replication slot|created replication slot|from the snapshot' '$TMP/$what.rerun.err'"
	check "$what: converged" same
}

pg_ctl_source() {
	local data=$WHARF_PG_SOCKET_DIR/source log=$WHARF_PG_SOCKET_DIR/source.log
	if [[ $(id -u) -eq 0 ]]; then
		(cd / && runuser -u "$WHARF_PG_USER" -- env PATH="/usr/local/bin:/usr/bin:/bin" \
			"$WHARF_PG_BINDIR/pg_ctl" -D "$data" -l "$log" -w -t 60 "$@")
	else
		(cd / && "$WHARF_PG_BINDIR/pg_ctl" -D "$data" -l "$log" -w -t 60 "$@")
	fi
}
source_ready() {
	local deadline=$((SECONDS + 60))
	until "$WHARF_PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$WHARF_SOURCE_PORT" -d src -U "$WHARF_PG_USER"; do
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
}

check "first sync" "$WHARF" -q -c "$job" sync

# --------------------------------------------------------------------------
# the walsender terminated mid-stream
# --------------------------------------------------------------------------
workload 8
follow walsender
if wait_for "$ERR" "applied batch"; then
	sleep 0.5
	n=$(src -c "SELECT count(pg_terminate_backend(active_pid)) FROM pg_replication_slots WHERE slot_name = '$SLOT' AND active")
	check "walsender: terminated wharf's walsender ($n)" test "$n" -eq 1
else
	not_ok "walsender: wharf --follow never applied a batch"
fi
wharf_exit 20
check "walsender: wharf exits 1 (exit $RC)" test "$RC" -eq 1
check "walsender: says the replication stream failed" grep -Eq "source: (the )?replication stream" "$ERR"
check "walsender: the slot survives" slot_exists
workload_wait
rerun walsender

# terminated right after a batch committed at the warehouse, before the slot was told
src -c "UPDATE fsrc.t SET v = v + 1 WHERE id % 3 = 0; INSERT INTO fsrc.log (v) SELECT g FROM generate_series(1, 100) g"
ERR=$TMP/after-commit.err
WHARF_PAUSE_AT=after-commit WHARF_PAUSE_SECONDS=3 "$WHARF" -c "$job" sync >/dev/null 2>"$ERR" &
WHARF_PID=$!
if wait_for "$ERR" "pausing"; then
	n=$(src -c "SELECT count(pg_terminate_backend(active_pid)) FROM pg_replication_slots WHERE slot_name = '$SLOT' AND active")
	check "after commit: terminated wharf's walsender ($n)" test "$n" -eq 1
else
	not_ok "after commit: wharf never paused"
fi
wharf_exit 20
# the batch is in the warehouse whatever the exit; the slot may lag behind it
check "after commit: wharf ends (exit $RC)" test "$RC" -le 1
check "after commit: the slot survives" slot_exists
src -c "INSERT INTO fsrc.log (v) VALUES (-1)"
rerun "after commit"

# --------------------------------------------------------------------------
# the source restarts: fast shutdown, then immediate (a crash and recovery)
# --------------------------------------------------------------------------
for mode in fast immediate; do
	workload 8
	follow "restart-$mode"
	if wait_for "$ERR" "applied batch"; then
		sleep 0.5
		check "restart -m $mode: the source restarted" pg_ctl_source restart -m "$mode"
		source_ready || true
	else
		not_ok "restart -m $mode: wharf --follow never applied a batch"
	fi
	wharf_exit 30
	check "restart -m $mode: wharf exits 1 (exit $RC)" test "$RC" -eq 1
	check "restart -m $mode: says the source connection or stream failed" grep -Eq "source: (the )?replication stream|source: .*(terminat|closed|connection)" "$ERR"
	check "restart -m $mode: the slot survives" slot_exists
	workload_wait
	rerun "restart -m $mode"
done

finish
