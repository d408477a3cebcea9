#!/usr/bin/env bash
# What an operator and an orchestrator read: the log lines wharf writes when
# stderr is not a terminal (cron), progress and per-table warehouse lines,
# -v against -v -v, library messages kept on one prefixed line, the exit
# codes of status, and the --json summary of every command on success and
# on failure, checked against the documented shape by an independent
# checker (tests/tools/check_summary.py).
. "$(dirname "$0")/lib.sh"

CHECK="python3 $WHARF_SOURCE_DIR/tests/tools/check_summary.py"
STAMP='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} UTC wharf\[[0-9]+\]: '

src <<'SQL'
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS ops CASCADE;
CREATE SCHEMA ops;
CREATE TABLE ops.big (id int PRIMARY KEY, v text);
INSERT INTO ops.big SELECT g, repeat('x', 40) || g FROM generate_series(1, 300000) g;
CREATE TABLE ops.small (id int PRIMARY KEY, v text);
INSERT INTO ops.small SELECT g, 'v' || g FROM generate_series(1, 10) g;
SQL
wh <<'SQL'
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS ops CASCADE;
DO $$ BEGIN
  IF to_regclass('public.wharf_state') IS NOT NULL THEN
    DELETE FROM public.wharf_state WHERE job LIKE 'ops%';
  END IF;
END $$;
SQL
src -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'wharf_ops%'" >/dev/null
job=$(job_file ops postgres "s3://$WHARF_S3_BUCKET/ops" \
	'[table ops.big]' '[table ops.small]')

# --- log lines under cron: every line stamped, opened and closed -------------
rc=0
"$WHARF" -c "$job" --progress-interval 0.05 snapshot >"$TMP/snap.out" 2>"$TMP/snap.err" || rc=$?
check "snapshot exits 0" test "$rc" -eq 0
check "every stderr line carries time, process, job and level" \
	bash -c '! grep -vE "$1(ops: )?(error|warning|info|debug|trace): " "$0"' "$TMP/snap.err" "$STAMP"
check "the job name is on the lines" grep -qE "${STAMP}ops: info: " "$TMP/snap.err"
check "the first line says what the run will do" \
	bash -c 'head -1 "$0" | grep -qE "info: snapshot of job ops \(.*ops\.ini, 2 tables\): full refresh"' "$TMP/snap.err"
check "the last line says how long it took" \
	bash -c 'tail -1 "$0" | grep -qE "info: snapshot finished in [0-9.]+ s$"' "$TMP/snap.err"
check "progress lines without a terminal" grep -qE "info: ops\.big: [0-9]+ rows, [0-9.]+ MiB, .* rows/s, [0-9]+ s so far$" "$TMP/snap.err"
check "the warehouse phase: a line per table with COPY and apply times" \
	bash -c 'grep -qE "info: warehouse: ops\.big: COPY [0-9.]+ s, apply [0-9.]+ s \(table [12] of 2" "$0" &&
	         grep -qE "info: warehouse: ops\.small: COPY [0-9.]+ s, apply [0-9.]+ s" "$0"' "$TMP/snap.err"
check "--progress-interval 0: no progress lines" bash -c \
	'"$0" -c "$1" --progress-interval 0 stage 2>&1 >/dev/null | grep -c "rows/s" | grep -qx 0' "$WHARF" "$job"

# --- -v and -v -v differ ----------------------------------------------------
"$WHARF" -v -c "$job" snapshot >/dev/null 2>"$TMP/v1.err" || true
"$WHARF" -v -v -c "$job" snapshot >/dev/null 2>"$TMP/v2.err" || true
check "-v: each statement's time, not its text" \
	bash -c 'grep -qE "debug: warehouse: statement [0-9]+ of [0-9]+ took [0-9.]+ s" "$0" && ! grep -q "trace: " "$0"' "$TMP/v1.err"
check "-v -v: also every statement sent" \
	bash -c 'grep -qE "trace: warehouse: (COPY|INSERT|MERGE|DELETE)" "$0" && grep -q "debug: warehouse: statement" "$0"' "$TMP/v2.err"
check "default: neither" bash -c '! grep -qE "(debug|trace): " "$0"' "$TMP/snap.err"
check "-q: errors only, no opening or closing line" bash -c \
	'[[ -z $("$0" -q -c "$1" snapshot 2>&1 >/dev/null) ]]' "$WHARF" "$job"

# --- a library's multi-line message stays on one prefixed line --------------
bad=$TMP/bad.ini
sed "s|^conninfo = .*|conninfo = host=127.0.0.1 port=$(free_port 14000) dbname=src user=wharf connect_timeout=3|" "$job" >"$bad"
chmod 600 "$bad"
"$WHARF" -c "$bad" snapshot >/dev/null 2>"$TMP/bad.err" || true
check "libpq's two-line connection error: one line, prefixed" \
	bash -c 'grep -qE "error: source: .*refused.*Is the server running" "$0" && ! grep -vqE "$1" "$0"' "$TMP/bad.err" "$STAMP"
wh <<'SQL'
SET client_min_messages = warning;
CREATE OR REPLACE FUNCTION ops.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ops.small refuses rows'
    USING DETAIL = 'the detail of the refusal', HINT = 'the hint of the refusal';
END $$;
CREATE TRIGGER refuse BEFORE INSERT ON ops.small FOR EACH ROW EXECUTE FUNCTION ops.refuse();
TRUNCATE ops.small;
SQL
"$WHARF" -c "$job" snapshot >/dev/null 2>"$TMP/hint.err" || true
# (psqlODBC passes the DETAIL on, not the HINT)
check "a warehouse error with a DETAIL: one prefixed line holds both" \
	bash -c 'grep -E "error: warehouse: .*refuses rows" "$0" | grep -q "DETAIL: the detail of the refusal" && ! grep -vqE "$1" "$0"' \
	"$TMP/hint.err" "$STAMP"
"$WHARF" --json -c "$job" snapshot >"$TMP/hint.json" 2>/dev/null || true
check "... its JSON: failure, the message, the part and the table" \
	$CHECK "$TMP/hint.json" --command snapshot --fail --exit 1 --error-part warehouse --error-table ops.small
wh -c "DROP TRIGGER refuse ON ops.small"

# --- JSON of every command, success and failure -----------------------------
"$WHARF" --json -c "$job" check >"$TMP/check.json" 2>/dev/null || true
check "check --json: the documented shape" $CHECK "$TMP/check.json" --command check --ok --table ops.big
"$WHARF" --json -c "$job" plan >"$TMP/plan.json" 2>/dev/null || true
check "plan --json" $CHECK "$TMP/plan.json" --command plan --ok --table ops.small
"$WHARF" --json -c "$job" stage >"$TMP/stage.json" 2>/dev/null || true
check "stage --json: rows, parts, bytes, manifest per table" $CHECK "$TMP/stage.json" --command stage --ok --table ops.big
check "... 300000 rows of ops.big" python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
t = {x["table"]: x for x in o["tables"]}
sys.exit(0 if t["ops.big"]["rows"] == 300000 and t["ops.small"]["rows"] == 10 and t["ops.big"]["manifest"] else 1)' "$TMP/stage.json"
"$WHARF" --json -c "$job" snapshot >"$TMP/snapshot.json" 2>/dev/null || true
check "snapshot --json" $CHECK "$TMP/snapshot.json" --command snapshot --ok --table ops.big
"$WHARF" --json -c "$job" status >"$TMP/status.json" 2>/dev/null || true
check "status --json: no pseudo-rows, ISO times, a null stream for a job that does not sync" \
	$CHECK "$TMP/status.json" --command status --ok --table ops.big
check "... its slot: none, and status exits 0 for a job that does not sync" python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
sys.exit(0 if o["stream"] is None and o["slot"]["exists"] is False and o["exit_code"] == 0 else 1)' "$TMP/status.json"

nowh=$TMP/nowh.ini
sed "s|^odbc = .*|odbc = Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=$(free_port 14100);Database=wh;Uid=wharf;Pwd=not-the-password|" "$job" >"$nowh"
chmod 600 "$nowh"
"$WHARF" --json -c "$nowh" check >"$TMP/check-fail.json" 2>/dev/null || true
check "check --json on failure: printed, with the warehouse as the culprit" \
	$CHECK "$TMP/check-fail.json" --command check --fail --exit 1 --error-part warehouse
"$WHARF" --json -c "$nowh" status >"$TMP/status-fail.json" 2>/dev/null || true
check "status --json on failure: printed" $CHECK "$TMP/status-fail.json" --command status --fail --exit 1 --error-part warehouse
missing=$(job_file ops_missing postgres "s3://$WHARF_S3_BUCKET/ops" '[table ops.nosuch]')
"$WHARF" --json -c "$missing" plan >"$TMP/plan-fail.json" 2>/dev/null || true
check "plan --json on failure: the missing table named as the culprit" \
	$CHECK "$TMP/plan-fail.json" --command plan --fail --exit 1 --error-part source --error-table ops.nosuch
printf '[job]\nname = ops\n[warehouse]\ndialect = snowflak\n' >"$TMP/typo.ini"
"$WHARF" --json -c "$TMP/typo.ini" snapshot >"$TMP/typo.json" 2>/dev/null || true
check "a job-file error: exit 2, its JSON names the job file as the part" \
	$CHECK "$TMP/typo.json" --command snapshot --fail --exit 2 --error-part job

# --- sync: per-table counts, reloads and why; status of a streaming job -----
sjob=$(job_file ops_sync postgres "s3://$WHARF_S3_BUCKET/ops-sync" '[table ops.small]')
"$WHARF" --json -c "$sjob" sync >"$TMP/sync1.json" 2>"$TMP/sync1.err" || true
check "first sync --json" $CHECK "$TMP/sync1.json" --command sync --ok --table ops.small
check "... ops.small loaded from a snapshot, and why" python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
t = o["tables"][0]
sys.exit(0 if t["snapshot"]["rows"] == 10 and "first sync" in t["snapshot"]["reason"] else 1)' "$TMP/sync1.json"
src <<'SQL'
INSERT INTO ops.small VALUES (11, 'a'), (12, 'b'), (13, 'c');
UPDATE ops.small SET v = 'u' WHERE id IN (1, 2);
DELETE FROM ops.small WHERE id = 3;
SQL
"$WHARF" --json -c "$sjob" sync >"$TMP/sync2.json" 2>/dev/null || true
check "second sync --json: 3 inserts, 2 updates, 1 delete, no snapshot" python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
t = o["tables"][0]
ok = (t["inserts"], t["updates"], t["deletes"], t["truncates"], t["changes"], t["snapshot"]) == (3, 2, 1, 0, 6, None)
sys.exit(0 if ok and o["ok"] and o["batches"] >= 1 else 1)' "$TMP/sync2.json"
check "... the documented shape" $CHECK "$TMP/sync2.json" --command sync --ok
sjob2=$(job_file ops_sync postgres "s3://$WHARF_S3_BUCKET/ops-sync" '[table ops.small]' '[table ops.big]')
"$WHARF" --json -c "$sjob2" sync >"$TMP/sync3.json" 2>/dev/null || true
check "a table added to the job: loaded, and the reason says it joined" python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
t = {x["table"]: x for x in o["tables"]}
sys.exit(0 if t["ops.big"]["snapshot"]["reason"] == "it joined the job" and t["ops.small"]["snapshot"] is None else 1)' "$TMP/sync3.json"
rc=0
"$WHARF" -c "$sjob2" status >"$TMP/status-sync.out" 2>"$TMP/status-sync.err" || rc=$?
check "status of a streaming job: exit 0, lag in human units" \
	bash -c '[[ $0 -eq 0 ]] && grep -qE "^slot wharf_ops_sync: wal_status [a-z]+, holding [0-9.]+ (bytes|KiB|MiB|GiB) of WAL" "$1"' "$rc" "$TMP/status-sync.out"
check "... the stream position with its time" grep -qE "^stream position [0-9A-F]+/[0-9A-F]+ \(batch .*, applied [0-9T:-]+Z, [0-9.]+ (s|min|h|days) ago\)" "$TMP/status-sync.out"
"$WHARF" --json -c "$sjob2" status >"$TMP/status-sync.json" 2>/dev/null || true
check "status --json of a streaming job: stream and slot with lag and wal_status" \
	$CHECK "$TMP/status-sync.json" --command status --ok --table ops.big
check "... stream position and slot fields" python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
s = o["slot"]
sys.exit(0 if o["stream"]["position"] and s["exists"] and s["wal_status"] and isinstance(s["lag_bytes"], int) else 1)' "$TMP/status-sync.json"
# a job left alone: the warehouse not updated for 8 days while its slot holds WAL
wh -c "UPDATE public.wharf_state SET loaded_at = loaded_at - interval '8 days' WHERE job = 'ops_sync'"
src -c "INSERT INTO ops.small VALUES (100, 'unsynced')"
rc=0
"$WHARF" -c "$sjob2" status >"$TMP/stale.out" 2>"$TMP/stale.err" || rc=$?
check "a stale job: status exits 0 and suggests retire" \
	bash -c '[[ $0 -eq 0 ]] && grep -qE "warning: job ops_sync: the warehouse was last updated 8\.[0-9] days ago while slot wharf_ops_sync holds .* of WAL.*retire it: wharf -c .* retire" "$1"' \
	"$rc" "$TMP/stale.err"
src -c "SELECT pg_drop_replication_slot('wharf_ops_sync')" >/dev/null
rc=0
"$WHARF" -c "$sjob2" status >/dev/null 2>"$TMP/lost.err" || rc=$?
check "status exits 1 when the slot of a streaming job is gone" test "$rc" -eq 1
check "... and says how to start over" grep -qE "error: source: replication slot wharf_ops_sync is missing.*sync --resnapshot" "$TMP/lost.err"
"$WHARF" --json -c "$sjob2" status >"$TMP/lost.json" 2>/dev/null || true
check "... its JSON: failure, slot exists false" bash -c '
	python3 "$0" "$1" --command status --fail --exit 1 --error-part source &&
	python3 -c "import json,sys; o=json.load(open(sys.argv[1])); sys.exit(0 if o[\"slot\"][\"exists\"] is False else 1)" "$1"' \
	"$WHARF_SOURCE_DIR/tests/tools/check_summary.py" "$TMP/lost.json"
"$WHARF" -q -c "$sjob2" sync --resnapshot >/dev/null 2>&1 || true

src -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'wharf_ops%'" >/dev/null
finish
