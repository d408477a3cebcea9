#!/usr/bin/env bash
# wharf under Dagster Pipes: tests/tools/pipes_orchestrator.py plays Dagster's
# PipesSubprocessClient from the protocol's documentation (standard library
# only: the context file or inline context, both bootstrap variables as
# base64 of zlib-compressed JSON, a messages file or stderr), runs wharf
# snapshot and sync on a small job, and checks every message against the
# documented shape (opened first, closed last, version, methods, params,
# metadata types, one materialization per asset); the test then checks what
# they say against the warehouse itself.
. "$(dirname "$0")/lib.sh"

orch=$(cd "$(dirname "$0")/../tools" && pwd)/pipes_orchestrator.py
# q SUMMARY EXPRESSION: a value of a run's summary (s)
q() { python3 "$orch" get "$1" "$2"; }
# dagster SUMMARY [ORCHESTRATOR OPTIONS] -- WHARF ARGS: wharf under the orchestrator
dagster() {
	local summary=$1
	shift
	python3 "$orch" run --summary "$summary" "$@"
}
conforms() { [[ $(q "$1" 's["violations"]') == '[]' ]]; }
is() { [[ $(q "$1" "$2") == "$3" ]] || { echo "  $2 = $(q "$1" "$2"), expected $3" >&2; return 1; }; }

GATE_PID=
cleanup() {
	set +e
	if [[ -n $GATE_PID ]]; then kill "$GATE_PID" 2>/dev/null; fi
	slot_drop wharf_it_pipes 2>/dev/null
	set -e
}
trap cleanup EXIT
cleanup
src -c "DROP PUBLICATION IF EXISTS wharf_it_pipes; DROP PUBLICATION IF EXISTS wharf_it_pipes_ins"
src <<'SQL'
DROP SCHEMA IF EXISTS pipes CASCADE;
CREATE SCHEMA pipes;
CREATE TABLE pipes.customers (id int PRIMARY KEY, name text);
INSERT INTO pipes.customers SELECT g, 'customer ' || g FROM generate_series(1, 3) g;
CREATE TABLE pipes.orders (id int PRIMARY KEY, customer int, total numeric(10,2));
INSERT INTO pipes.orders SELECT g, 1 + g % 3, g * 1.5 FROM generate_series(1, 5) g;
CREATE TABLE pipes.notes (id int PRIMARY KEY, body text);
INSERT INTO pipes.notes VALUES (1, 'not an asset'), (2, 'nor this');
SQL
wh -c 'DROP SCHEMA IF EXISTS pipes CASCADE' -c "DELETE FROM public.wharf_state WHERE job IN ('it_pipes', 'it_pipes_bad')" 2>/dev/null || true

# A gate of our own whose secret is also the stage folder: the secret is in
# every URL the debug lines show, so it must be masked in the messages too.
secret="pipesSecret$RANDOM$RANDOM"
gate_start "$secret" "$TMP/gate.log"
job=$(job_file it_pipes postgres "s3://$WHARF_S3_BUCKET/it/$secret" \
	'[table pipes.customers]' '[table pipes.orders]' '[table pipes.notes]')
run() { WHARF_S3_ENDPOINT=$GATE_ENDPOINT WHARF_S3_SECRET=$secret "$@"; }
keys=(--asset-key wharf/pipes/customers --asset-key orders --asset-key elsewhere/unmatched)
wh_count() { wh -c "SELECT count(*) FROM $1"; }

# --- snapshot: context file, messages file -----------------------------------
s=$TMP/snapshot.json
run dagster "$s" "${keys[@]}" -- "$WHARF" -v -v -c "$job" snapshot >"$TMP/snapshot.out" 2>"$TMP/snapshot.err"
check "snapshot under dagster: exit 0" is "$s" 's["exit"]' 0
check "snapshot: every message has the documented shape" conforms "$s"
check "snapshot: opened first, closed last, closed without exception" is "$s" 's["closed"]' '{}'
check "snapshot: one materialization per targeted table, none for the others" \
	is "$s" 'sorted(s["materializations"])' '["orders", "wharf/pipes/customers"]'
check "snapshot: rows_loaded is the warehouse's row count" \
	is "$s" 's["materializations"]["wharf/pipes/customers"]["rows_loaded"]' "$(wh_count pipes.customers)"
check "snapshot: orders' rows_loaded is the warehouse's row count" \
	is "$s" 's["materializations"]["orders"]["rows_loaded"]' "$(wh_count pipes.orders)"
check "snapshot: dagster/row_count as an int" \
	is "$s" '[s["materializations"]["orders"]["dagster/row_count"], s["metadata_types"]["orders"]["dagster/row_count"]]' '[5, "int"]'
check "snapshot: lag and duration are floats, the target text" \
	is "$s" '[s["metadata_types"]["orders"][k] for k in ("lag_seconds", "duration_seconds", "target")]' '["float", "float", "text"]'
check "snapshot: the load id is the one the state table records" \
	is "$s" 's["materializations"]["orders"]["load_id"]' \
	"$(wh -c "SELECT load_id FROM public.wharf_state WHERE job = 'it_pipes' AND source_table = 'pipes.orders'")"
check "snapshot: wharf's lines come as log messages, levels included" \
	is "$s" 'sorted(set(l[0] for l in s["logs"]))' '["DEBUG", "INFO"]'
check "snapshot: every line wharf wrote is a log message" \
	is "$s" 'len(s["logs"])' "$(wharf_msgs "$TMP/snapshot.err" | grep -c '^wharf: ')"
check "snapshot: the secret is in no message" bash -c '! grep -q "$1" "$2"' _ "$secret" "$TMP/snapshot.json"
check "snapshot: where a debug line held it, the messages have ***" \
	bash -c 'grep -q "it/\*\*\*/" "$1"' _ "$TMP/snapshot.json"
check "snapshot: stdout unchanged under dagster" grep -q '^loaded pipes.orders into pipes.orders: 5 rows$' "$TMP/snapshot.out"

# --- sync: the first run loads from the slot's snapshot ----------------------
s=$TMP/sync1.json
run dagster "$s" --context data "${keys[@]}" -- "$WHARF" -c "$job" sync >/dev/null 2>"$TMP/sync1.err"
check "first sync under dagster: exit 0" is "$s" 's["exit"]' 0
check "first sync: every message has the documented shape" conforms "$s"
check "first sync: its snapshot's rows, at the slot's position" \
	is "$s" '[s["materializations"]["orders"][k] for k in ("rows_loaded", "lsn")]' \
	"[5, \"$(sed -n 's/.*created replication slot wharf_it_pipes at \([0-9A-F/]*\).*/\1/p' "$TMP/sync1.err")\"]"

# --- sync: changes in many transactions, and to a table no asset names -------
for i in $(seq 1 20); do
	src -c "INSERT INTO pipes.customers VALUES (100 + $i, 'new $i'); INSERT INTO pipes.notes VALUES (100 + $i, 'x')"
done
src -c "UPDATE pipes.orders SET total = 0 WHERE id = 1; DELETE FROM pipes.orders WHERE id = 2;
        UPDATE pipes.customers SET name = 'last' WHERE id = 1"
s=$TMP/sync2.json
run dagster "$s" --messages stderr "${keys[@]}" -- "$WHARF" -c "$job" sync >/dev/null 2>"$TMP/sync2.err"
check "sync under dagster (messages on stderr): exit 0" is "$s" 's["exit"]' 0
check "sync: every message has the documented shape" conforms "$s"
check "sync: one materialization per changed targeted table" \
	is "$s" 'sorted(s["materializations"])' '["orders", "wharf/pipes/customers"]'
check "sync: customers' changes over all batches (one materialization)" \
	is "$s" 's["materializations"]["wharf/pipes/customers"]["changes_applied"]' 21
check "sync: orders' changes" is "$s" 's["materializations"]["orders"]["changes_applied"]' 2
check "sync: batches and lag typed" \
	is "$s" '[s["metadata_types"]["orders"][k] for k in ("batches", "lag_seconds", "changes_applied", "lsn")]' \
	'["int", "float", "int", "text"]'
check "sync: the lag is a time, not negative" is "$s" 's["materializations"]["orders"]["lag_seconds"] >= 0' true
check "sync: the lsn is the position the warehouse holds" \
	is "$s" 's["materializations"]["orders"]["lsn"]' \
	"$("$WHARF" -c "$job" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["stream"]["position"])')"
check "sync: the warehouse has every change" same_table pipes.customers pipes.customers
echo "  (sync applied $(q "$s" 's["materializations"]["wharf/pipes/customers"]["batches"]') batches to customers)"

# --- an op: no assets, logs only ----------------------------------------------
src -c "INSERT INTO pipes.orders VALUES (50, 1, 1)"
s=$TMP/op.json
run dagster "$s" --no-assets -- "$WHARF" -c "$job" sync >/dev/null 2>&1
check "sync in a step without assets: exit 0, conforming" conforms "$s"
check "sync in a step without assets: no materialization, the batch logged" \
	is "$s" '[len(s["materializations"]), any(l[1].startswith("applied batch") for l in s["logs"])]' '[0, true]'

# --- failures: closed with the exception, the error logged --------------------
bad=$(job_file it_pipes_bad postgres "s3://$WHARF_S3_BUCKET/it/pipes_bad" '[table pipes.missing]')
s=$TMP/fail.json
dagster "$s" "${keys[@]}" -- "$WHARF" -c "$bad" snapshot >/dev/null 2>"$TMP/fail.err" || true
check "failing snapshot: exit 1, conforming" is "$s" '[s["exit"], s["violations"]]' '[1, []]'
check "failing snapshot: closed with a wharf.RuntimeError" \
	is "$s" 's["closed"]["exception"]["name"]' wharf.RuntimeError
check "failing snapshot: the exception is the first error line" \
	is "$s" 's["closed"]["exception"]["message"]' "$(wharf_msgs "$TMP/fail.err" | sed -n 's/^wharf: error: //p' | head -1)"
check "failing snapshot: the error as a log at ERROR level" \
	is "$s" 'any(l[0] == "ERROR" for l in s["logs"])' true
check "failing snapshot: no materialization" is "$s" 'len(s["materializations"])' 0
printf '[job]\nname = it_pipes_bad\nno_such_key = 1\n' >"$TMP/usage.ini"
s=$TMP/usage.json
dagster "$s" "${keys[@]}" -- "$WHARF" -c "$TMP/usage.ini" snapshot >/dev/null 2>&1 || true
check "job-file error: exit 2, closed with a wharf.UsageError" \
	is "$s" '[s["exit"], s["violations"], s["closed"]["exception"]["name"]]' '[2, [], "wharf.UsageError"]'

# --- a context wharf cannot use -----------------------------------------------
out=$(DAGSTER_PIPES_CONTEXT='not base64' DAGSTER_PIPES_MESSAGES=x "$WHARF" -c "$job" snapshot 2>&1) && rc=0 || rc=$?
check "a bad context: exit 2, named" bash -c '[[ $1 == 2 && $2 == *"DAGSTER_PIPES_CONTEXT is not base64"* ]]' _ "$rc" "$out"
out=$(DAGSTER_PIPES_CONTEXT=x "$WHARF" -c "$job" snapshot 2>&1) && rc=0 || rc=$?
check "a context without messages: exit 2, named" bash -c '[[ $1 == 2 && $2 == *"DAGSTER_PIPES_MESSAGES is not"* ]]' _ "$rc" "$out"

finish
