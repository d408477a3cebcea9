#!/usr/bin/env bash
# Operating a job on the source as a nightly job (issue 11): `check` says
# what sync needs (the role's rights, the publications, slot and WAL sender
# headroom, replica identities), a DBA's publication used as it is
# (use_publication), a failed first sync leaving nothing behind (in-process:
# dropped at once; SIGKILL: the next run drops the slot and reuses the
# publications), publication edits that converge when tables are dropped
# under them, and `wharf retire`.
. "$(dirname "$0")/lib.sh"

JOBS=(it_op it_op_dba it_op_leaf it_op_arch)
cleanup() {
	set +e
	export PGOPTIONS='-c client_min_messages=warning'
	for j in "${JOBS[@]}"; do
		slot_drop "wharf_$j"
		src -c "DROP PUBLICATION IF EXISTS wharf_$j; DROP PUBLICATION IF EXISTS wharf_${j}_ins"
	done
	src -c "DROP PUBLICATION IF EXISTS it_op_dba_pub" -c "DROP SCHEMA IF EXISTS op CASCADE" \
		-c "DROP SCHEMA IF EXISTS op_archive CASCADE" \
		-c "DROP OWNED BY it_op_user" -c "DROP ROLE IF EXISTS it_op_user"
	wh -c "DROP SCHEMA IF EXISTS op CASCADE" \
		-c "DELETE FROM public.wharf_state WHERE job IN ('it_op', 'it_op_dba', 'it_op_leaf', 'it_op_arch')"
	[[ -n ${LOCKER_PID:-} ]] && kill "$LOCKER_PID" 2>/dev/null
	return 0
}
cleanup >/dev/null 2>&1
trap cleanup EXIT
src <<'SQL'
CREATE SCHEMA op;
CREATE TABLE op.items (id int PRIMARY KEY, v text);
INSERT INTO op.items SELECT g, 'v' || g FROM generate_series(1, 50) g;
CREATE TABLE op.full_t (id int NOT NULL UNIQUE, v text);
ALTER TABLE op.full_t REPLICA IDENTITY FULL;
INSERT INTO op.full_t VALUES (1, 'a'), (2, 'b');
CREATE TABLE op.log (at int, what text);
INSERT INTO op.log VALUES (1, 'x');
CREATE TABLE op.dba_items (id int PRIMARY KEY, v text);
INSERT INTO op.dba_items SELECT g, 'v' || g FROM generate_series(1, 20) g;
CREATE TABLE op.dba_log (at int, what text);
CREATE TABLE op.orders (id int, d date, v text, PRIMARY KEY (id, d)) PARTITION BY RANGE (d);
CREATE TABLE op.orders_2026_10 PARTITION OF op.orders FOR VALUES FROM ('2026-10-01') TO ('2026-11-01');
CREATE TABLE op.orders_2026_11 PARTITION OF op.orders FOR VALUES FROM ('2026-11-01') TO ('2026-12-01');
CREATE TABLE op.orders_2026_12 PARTITION OF op.orders FOR VALUES FROM ('2026-12-01') TO ('2027-01-01');
INSERT INTO op.orders SELECT g, DATE '2026-10-01' + g, 'o' || g FROM generate_series(0, 80) g;
CREATE ROLE it_op_user LOGIN;
GRANT USAGE ON SCHEMA op TO it_op_user;
GRANT SELECT ON ALL TABLES IN SCHEMA op TO it_op_user;
SQL
wh -c "CREATE SCHEMA op"

job=$(job_file it_op postgres "s3://$WHARF_S3_BUCKET/it/op" '[table op.items]' '[table op.full_t]' 'key = id' \
	'[table op.log]' 'mode = append' '[table op.orders]')
run() { "$WHARF" -c "$1" "${@:2}" >"$TMP/out" 2>"$TMP/err"; }
has() { grep -q -- "$1" "$2"; }
lacks() { ! grep -q -- "$1" "$2"; }
slots_of() { src -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'wharf_$1'"; }
state_rows() { wh -c "SELECT count(*) FROM public.wharf_state WHERE job = '$1'" 2>/dev/null || echo 0; }
wh_tables() { wh -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'op' AND tablename IN ($1)"; }
pubs_of() { src -c "SELECT count(*) FROM pg_publication WHERE pubname IN ('wharf_$1', 'wharf_$1_ins')"; }
json_get() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {"d": d}))' "$@"; }

# --- 1. check: what sync needs --------------------------------------------------
echo "# check, before and after the first sync"
check "check passes for a superuser" run "$job" check
cp "$TMP/out" "$TMP/check_before.out"
check "check says sync is ready" has '^sync       ready' "$TMP/out"
check "check names the job's publications, none yet" has 'publications wharf_it_op, wharf_it_op_ins: none yet' "$TMP/out"
check "check names the slot, none yet, and the slot headroom" \
	grep -Eq 'slot wharf_it_op: none yet .*replication slots [0-9]+ of [0-9]+ in use, WAL senders [0-9]+ of [0-9]+' "$TMP/out"
check "check reports each table's replica identity" \
	bash -c 'grep -q "op.items: replica identity default (its primary key)" "$0" && grep -q "op.full_t: replica identity full" "$0" && grep -q "op.log: replica identity default (append" "$0"' "$TMP/out"
check "check --json" run "$job" check --json
check "json: sync.ready, one entry per table with its identity" \
	test "$(json_get "$TMP/out" '(d["sync"]["ready"], [t["replica_identity"] for t in d["sync"]["tables"]], d["ok"])')" \
	= "(True, ['default', 'full', 'default', 'default'], True)"
check "json: slot headroom numbers are the server's" \
	test "$(json_get "$TMP/out" 'd["sync"]["replication_slots"]["max"]')" = "$(src -c 'SHOW max_replication_slots')"
check "json: the documented shape" python3 "$WHARF_SOURCE_DIR/tests/tools/check_summary.py" "$TMP/out" --command check --ok
check "json: the existing fields stay" \
	test "$(json_get "$TMP/out" 'sorted({"command", "job", "partitioned", "source", "stage", "warehouse", "ok"} - set(d))')" = "[]"

# a role with no rights for sync: each problem named, with its fix; snapshot still possible (exit 0)
sed 's/^conninfo = .*/conninfo = ${WHARF_SOURCE_CONNINFO} user=it_op_user/' "$job" >"$TMP/user.ini"
chmod 600 "$TMP/user.ini"
check "check as a role without rights exits 0 (snapshot works)" run "$TMP/user.ini" check
check "it names the missing REPLICATION, with ALTER ROLE" has 'role it_op_user has neither the REPLICATION attribute nor superuser.*ALTER ROLE it_op_user REPLICATION' "$TMP/err"
check "it names the missing CREATE on the database, with the GRANT" has 'lacks CREATE on database src, which CREATE PUBLICATION needs: GRANT CREATE ON DATABASE src TO it_op_user' "$TMP/err"
check "it names each table the role does not own" \
	test "$(grep -c 'role it_op_user does not own it, and adding it to publication' "$TMP/err")" -eq 4
check "the append table's is the insert-only publication" has 'table op.log: .*publication wharf_it_op_ins' "$TMP/err"
check "check says sync is not ready, with the count" has '^sync       not ready: 6 problems' "$TMP/out"
run "$TMP/user.ini" check --json
check "json: ready false, every problem listed" \
	test "$(json_get "$TMP/out" '(d["sync"]["ready"], d["sync"]["replication"], d["sync"]["create_on_database"], len(d["sync"]["problems"]))')" \
	= "(False, False, False, 6)"
src -c "ALTER ROLE it_op_user REPLICATION" -c "GRANT CREATE ON DATABASE src TO it_op_user" \
	-c "ALTER TABLE op.items OWNER TO it_op_user" -c "ALTER TABLE op.full_t OWNER TO it_op_user" \
	-c "ALTER TABLE op.log OWNER TO it_op_user" -c "ALTER TABLE op.orders OWNER TO it_op_user"
run "$TMP/user.ini" check
check "granted those, the role is ready" has '^sync       ready' "$TMP/out"
check "and owns every table" has 'role it_op_user: REPLICATION, CREATE on database src, owns 4 of 4 tables' "$TMP/out"

# a publication under the job's name that wharf did not make: sync refuses it, check says so
src -c "CREATE PUBLICATION wharf_it_op"
run "$job" check
check "check names a foreign publication under the job's name" has 'publication wharf_it_op exists and was not made by wharf job it_op.*use_publication = wharf_it_op' "$TMP/err"
src -c "DROP PUBLICATION wharf_it_op"

# --- 2. a failed first sync leaves nothing behind -------------------------------
echo "# a first sync that fails: the warehouse refuses its load"
wh <<'SQL'
CREATE TABLE op.items (id int PRIMARY KEY, v text);
CREATE FUNCTION op.refuse() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'the warehouse refuses'; END$$;
CREATE TRIGGER refuse BEFORE INSERT ON op.items FOR EACH ROW EXECUTE FUNCTION op.refuse();
SQL
rc=0
run "$job" sync || rc=$?
check "the first sync fails (exit 1)" test "$rc" -eq 1
check "after the slot and publications were made" \
	bash -c 'grep -q "created replication slot wharf_it_op" "$0" && grep -q "the warehouse refuses" "$0"' "$TMP/err"
check "no slot of the job is left" test "$(slots_of it_op)" -eq 0
check "no publication of the job is left" test "$(pubs_of it_op)" -eq 0
check "the log says what it dropped" \
	bash -c 'grep -q "dropped replication slot wharf_it_op: the first load did not land" "$0" && grep -q "dropped publication wharf_it_op_ins" "$0"' "$TMP/err"
check "the warehouse recorded no position" test "$(state_rows it_op)" -eq 0
wh -c "DROP TABLE op.items" -c "DROP FUNCTION op.refuse()"

echo "# a first sync killed after creating the slot: the next run finds and reuses the leftovers"
rc=0
WHARF_FAIL_AT=after-slot "$WHARF" -c "$job" sync >"$TMP/out" 2>"$TMP/err" || rc=$?
check "the kill (SIGKILL) ends it" test "$rc" -eq 137
check "its slot and publications are left behind" test "$(slots_of it_op)$(pubs_of it_op)" = 12
run "$job" check
check "check shows them" \
	bash -c 'grep -q "slot wharf_it_op: exists" "$0" && grep -q "publications wharf_it_op, wharf_it_op_ins: made by wharf" "$0"' "$TMP/out"
check "the next sync succeeds" run "$job" sync
check "it dropped the old slot, made for a snapshot that never landed" has 'dropping replication slot wharf_it_op: the warehouse never received' "$TMP/err"
check "and used the publications again (none created)" lacks 'created publication' "$TMP/err"
check "one slot, two publications" test "$(slots_of it_op)$(pubs_of it_op)" = 12
for t in op.items op.full_t op.log op.orders; do
	check "$t loaded" same_table "$t" "$t"
done

# --- 3. publication edits converge --------------------------------------------
echo "# tables dropped at the source under the publication"
leaf=$(job_file it_op_leaf postgres "s3://$WHARF_S3_BUCKET/it/opleaf" \
	'[table op.orders_2026_10]' '[table op.orders_2026_11]' '[table op.orders_2026_12]')
check "a job of leaf partitions: first sync" run "$leaf" sync
check "its publication holds the three leaves" \
	test "$(src -c "SELECT count(*) FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid WHERE p.pubname = 'wharf_it_op_leaf'")" -eq 3
# the retention job drops a leaf while sync takes it out of the publication:
# it holds the leaf locked, sync's ALTER PUBLICATION ... DROP TABLE waits, the leaf goes
leaf2=$(job_file it_op_leaf postgres "s3://$WHARF_S3_BUCKET/it/opleaf" '[table op.orders_2026_10]' '[table op.orders_2026_12]')
mkfifo "$TMP/locker"
src <"$TMP/locker" >"$TMP/locker.out" 2>&1 &
LOCKER_PID=$!
exec 3>"$TMP/locker"
echo "BEGIN; LOCK TABLE op.orders_2026_11 IN ACCESS EXCLUSIVE MODE; SELECT 'locked';" >&3
for ((i = 0; i < 100; i++)); do grep -q locked "$TMP/locker.out" && break; sleep 0.1; done
"$WHARF" -c "$leaf2" sync >"$TMP/leaf.out" 2>"$TMP/leaf.err" &
sync_pid=$!
waited=no
for ((i = 0; i < 200; i++)); do
	if [[ $(src -c "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'op.orders_2026_11'::regclass") -gt 0 ]]; then
		waited=yes
		break
	fi
	sleep 0.1
done
check "sync waits on the leaf while taking it out of the publication" test "$waited" = yes
echo "DROP TABLE op.orders_2026_11; COMMIT;" >&3
exec 3>&-
wait "$LOCKER_PID" || true
LOCKER_PID=
rc=0
wait "$sync_pid" || rc=$?
check "the sync whose leaf was dropped under it succeeds" test "$rc" -eq 0
check "it says the leaf is gone" has 'table op.orders_2026_11 is gone from the source, and so from publication wharf_it_op_leaf' "$TMP/leaf.err"
check "the publication holds the two leaves left" \
	test "$(src -c "SELECT string_agg(prrelid::regclass::text, ',' ORDER BY 1) FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid WHERE p.pubname = 'wharf_it_op_leaf'")" = "op.orders_2026_10,op.orders_2026_12"
src -c "INSERT INTO op.orders VALUES (500, '2026-12-24', 'late'), (501, '2026-10-24', 'early')"
check "the next sync streams on" run "$leaf2" sync
check "leaf 2026_12 equals its source" same_table op.orders_2026_12 op.orders_2026_12
check "leaf 2026_10 equals its source" same_table op.orders_2026_10 op.orders_2026_10

# a job table dropped at the source: refused, naming it, until it leaves the job
src -c "DROP TABLE op.orders_2026_12"
rc=0
run "$leaf2" sync || rc=$?
check "a job table dropped at the source: sync fails" test "$rc" -ne 0
check "naming the table" has 'op.orders_2026_12' "$TMP/err"
leaf3=$(job_file it_op_leaf postgres "s3://$WHARF_S3_BUCKET/it/opleaf" '[table op.orders_2026_10]')
check "out of the job, sync converges" run "$leaf3" sync
check "it records the table as left" has 'table op.orders_2026_12 left the job' "$TMP/err"
check "the publication holds the one leaf left" \
	test "$(src -c "SELECT string_agg(prrelid::regclass::text, ',') FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid WHERE p.pubname = 'wharf_it_op_leaf'")" = op.orders_2026_10
check "and a run after that too" run "$leaf3" sync
# a table that left the job, moved to a schema the role cannot reach: it
# cannot leave the publication, which never fails the run
src -c "CREATE TABLE op.arch_a (id int PRIMARY KEY)" -c "CREATE TABLE op.arch_b (id int PRIMARY KEY)" \
	-c "ALTER TABLE op.arch_a OWNER TO it_op_user" -c "ALTER TABLE op.arch_b OWNER TO it_op_user" \
	-c "INSERT INTO op.arch_a VALUES (1); INSERT INTO op.arch_b VALUES (1)"
arch=$(job_file it_op_arch postgres "s3://$WHARF_S3_BUCKET/it/oparch" '[table op.arch_a]' '[table op.arch_b]')
sed -i 's/^conninfo = .*/conninfo = ${WHARF_SOURCE_CONNINFO} user=it_op_user/' "$arch"
check "a job run by a role of its own: first sync" run "$arch" sync
src -c "CREATE SCHEMA op_archive" -c "ALTER TABLE op.arch_b SET SCHEMA op_archive"
arch2=$(job_file it_op_arch postgres "s3://$WHARF_S3_BUCKET/it/oparch" '[table op.arch_a]')
sed -i 's/^conninfo = .*/conninfo = ${WHARF_SOURCE_CONNINFO} user=it_op_user/' "$arch2"
check "the table archived out of reach left the job: sync succeeds" run "$arch2" sync
check "with a warning naming the statement a DBA can run" \
	has 'warning: source: table op_archive.arch_b stays in publication wharf_it_op_arch, which no longer needs it: permission denied for schema op_archive.*ALTER PUBLICATION "wharf_it_op_arch" DROP TABLE "op_archive"."arch_b"' "$TMP/err"
src -c "INSERT INTO op.arch_a VALUES (2); INSERT INTO op_archive.arch_b VALUES (2)"
check "the next run too, streaming the job's table" run "$arch2" sync
check "op.arch_a equals its source" same_table op.arch_a op.arch_a
src -c "GRANT USAGE ON SCHEMA op_archive TO it_op_user"
check "once the role reaches it, a run takes it out" run "$arch2" sync
check "the log says so" has 'table op_archive.arch_b left publication wharf_it_op_arch' "$TMP/err"
check "the publication holds the job's table alone" \
	test "$(src -c "SELECT string_agg(prrelid::regclass::text, ',') FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid WHERE p.pubname = 'wharf_it_op_arch'")" = op.arch_a
check "retire the role's job" run "$arch2" retire --yes --drop-tables

# the root job saw a partition detached and dropped: loaded again, equal
check "the root's job syncs after its partitions were dropped" run "$job" sync
check "op.orders equals its source" same_table op.orders op.orders

# --- 1b. a DBA's publication, used as it is ------------------------------------
echo "# use_publication"
dba=$(job_file it_op_dba postgres "s3://$WHARF_S3_BUCKET/it/opdba" '[table op.dba_items]' '[table op.dba_log]' 'mode = append')
sed -i 's/^\[source\]$/[source]\nuse_publication = it_op_dba_pub/' "$dba"
bad=$(job_file it_op_both postgres "s3://$WHARF_S3_BUCKET/it/opdba" '[table op.dba_items]')
sed -i 's/^\[source\]$/[source]\npublication = a\nuse_publication = b/' "$bad"
rc=0
run "$bad" check || rc=$?
check "publication and use_publication together are a job-file error (exit 2)" \
	bash -c '[[ $0 -eq 2 ]] && grep -q "use_publication" "$1"' "$rc" "$TMP/err"
run "$dba" check
check "check: the publication is missing, with the CREATE PUBLICATION to run" \
	has 'publication it_op_dba_pub (use_publication) does not exist: a DBA creates it with: CREATE PUBLICATION "it_op_dba_pub" FOR TABLE op.dba_items, op.dba_log' "$TMP/err"
rc=0
run "$dba" sync || rc=$?
check "sync refuses without it" test "$rc" -eq 1
check "and creates nothing" test "$(slots_of it_op_dba)$(pubs_of it_op_dba)" = 00
src -c "CREATE PUBLICATION it_op_dba_pub FOR TABLE op.dba_items (id) WITH (publish = 'insert, update')"
run "$dba" check
check "check: the missing table, with its ALTER PUBLICATION" \
	has 'table op.dba_log: publication it_op_dba_pub (use_publication) does not hold it.*ALTER PUBLICATION "it_op_dba_pub" ADD TABLE op.dba_log' "$TMP/err"
check "check: the column list that leaves a column out" \
	has 'table op.dba_items: publication it_op_dba_pub (use_publication) leaves out its column v' "$TMP/err"
check "check: the operations it does not publish" \
	has "does not publish the deletes, truncates of the job.s tables.*SET (publish = 'insert, update, delete, truncate')" "$TMP/err"
rc=0
run "$dba" sync || rc=$?
check "sync refuses it, naming the same" \
	bash -c '[[ $0 -eq 1 ]] && grep -q "ADD TABLE op.dba_log" "$1"' "$rc" "$TMP/err"
src -c "ALTER PUBLICATION it_op_dba_pub SET TABLE op.dba_items WHERE (id > 10)" -c "ALTER PUBLICATION it_op_dba_pub ADD TABLE op.dba_log" \
	-c "ALTER PUBLICATION it_op_dba_pub SET (publish = 'insert, update, delete, truncate')"
run "$dba" check
check "check: a row filter is refused" has 'publishes only its rows WHERE (id > 10)' "$TMP/err"
src -c "ALTER PUBLICATION it_op_dba_pub SET TABLE op.dba_items, op.dba_log"
pub_before=$(src -c "SELECT p.oid, obj_description(p.oid, 'pg_publication') IS NULL, string_agg(prrelid::regclass::text, ',' ORDER BY 1) FROM pg_publication p JOIN pg_publication_rel pr ON pr.prpubid = p.oid WHERE pubname = 'it_op_dba_pub' GROUP BY 1")
check "check passes with the DBA's publication as asked" run "$dba" check
check "and says it is used as it is" has 'publication it_op_dba_pub: made by a DBA (use_publication), used as it is' "$TMP/out"
check "sync with the DBA's publication" run "$dba" sync
check "it made no publication of its own" test "$(pubs_of it_op_dba)" -eq 0
src -c "INSERT INTO op.dba_items VALUES (1000, 'dba'); UPDATE op.dba_items SET v = 'upd' WHERE id = 3; DELETE FROM op.dba_items WHERE id = 4; INSERT INTO op.dba_log VALUES (2, 'y')"
check "and streams through it" run "$dba" sync
check "op.dba_items equal through the DBA's publication" same_table op.dba_items op.dba_items
check "op.dba_log equal through the DBA's publication" same_table op.dba_log op.dba_log
check "the DBA's publication is unchanged" \
	test "$(src -c "SELECT p.oid, obj_description(p.oid, 'pg_publication') IS NULL, string_agg(prrelid::regclass::text, ',' ORDER BY 1) FROM pg_publication p JOIN pg_publication_rel pr ON pr.prpubid = p.oid WHERE pubname = 'it_op_dba_pub' GROUP BY 1")" = "$pub_before"

# --- 4. retire -----------------------------------------------------------------
echo "# retire"
rc=0
run "$dba" retire || rc=$?
check "retire without --yes exits 2" test "$rc" -eq 2
check "and says what it would drop" \
	bash -c 'grep -q "would drop replication slot wharf_it_op_dba" "$0" && grep -q "keeps publication it_op_dba_pub: a DBA made it" "$0"' "$TMP/out"
check "and that nothing was changed" has 'nothing was changed: run again with --yes' "$TMP/err"
check "the slot is still there" test "$(slots_of it_op_dba)" -eq 1
check "retire --yes" run "$dba" retire --yes
check "the slot is gone" test "$(slots_of it_op_dba)" -eq 0
check "the DBA's publication stays" test "$(src -c "SELECT count(*) FROM pg_publication WHERE pubname = 'it_op_dba_pub'")" -eq 1
check "the warehouse keeps its tables and state rows" \
	bash -c '[[ $0 -eq 2 && $1 -gt 0 ]]' "$(wh_tables "'dba_items', 'dba_log'")" "$(state_rows it_op_dba)"
rc=0
run "$dba" sync || rc=$?
check "a sync after retire without --drop-state asks for --resnapshot" \
	bash -c '[[ $0 -eq 1 ]] && grep -q "sync --resnapshot" "$1"' "$rc" "$TMP/err"

rc=0
run "$job" retire --drop-tables || rc=$?
check "retire --drop-tables without --yes exits 2" test "$rc" -eq 2
check "it lists the slot, both publications, every table and the state rows" \
	bash -c 'for w in "would drop replication slot wharf_it_op" "would drop publication wharf_it_op$" "would drop publication wharf_it_op_ins" \
		"would drop warehouse table op.items" "would drop warehouse table op.full_t" "would drop warehouse table op.log" \
		"would drop warehouse table op.orders" "would delete the job.s [0-9]* state rows"; do grep -q "$w" "$0" || exit 1; done' "$TMP/out"
check "nothing changed: the tables are there" test "$(wh_tables "'items', 'full_t', 'log', 'orders'")" -eq 4
check "retire --yes --drop-tables --json" run "$job" retire --yes --drop-tables --json
check "json: done, with the slot and publications" \
	test "$(json_get "$TMP/out" '(d["done"], d["slot"], d["publications"], sorted(t["table"] for t in d["tables"]), d["ok"])')" \
	= "(True, 'wharf_it_op', ['wharf_it_op', 'wharf_it_op_ins'], ['op.full_t', 'op.items', 'op.log', 'op.orders'], True)"
check "json: the documented shape" python3 "$WHARF_SOURCE_DIR/tests/tools/check_summary.py" "$TMP/out" --command retire --ok
check "slot and publications gone" test "$(slots_of it_op)$(pubs_of it_op)" = 00
check "the warehouse tables are gone" test "$(wh_tables "'items', 'full_t', 'log', 'orders'")" -eq 0
check "the other jobs' tables stay" test "$(wh_tables "'dba_items', 'orders_2026_10'")" -eq 2
check "the state rows are gone" test "$(state_rows it_op)" -eq 0
check "retire again: nothing left, still fine" run "$job" retire --yes --drop-tables
check "a new sync of the retired job starts over" run "$job" sync
check "it creates the slot and publications anew" \
	bash -c 'grep -q "created publication wharf_it_op$" "$0" && grep -q "created replication slot wharf_it_op " "$0"' "$TMP/err"
src -c "INSERT INTO op.items VALUES (2000, 'after retire'); DELETE FROM op.full_t WHERE id = 1"
check "and streams" run "$job" sync
for t in op.items op.full_t op.log op.orders; do
	check "$t equal after the job started over" same_table "$t" "$t"
done
check "retire --yes --drop-state: slot and publications" run "$job" retire --yes --drop-state
check "state rows gone, tables kept" \
	test "$(state_rows it_op),$(wh_tables "'items', 'full_t', 'log', 'orders'")" = "0,4"
check "retire --yes of the leaf job" run "$leaf3" retire --yes
check "the leaf job's slot and publications are gone" test "$(slots_of it_op_leaf)$(pubs_of it_op_leaf)" = 00
rc=0
"$WHARF" -c "$job" check --yes >/dev/null 2>&1 || rc=$?
check "--yes with another command is a usage error" test "$rc" -eq 2

finish
