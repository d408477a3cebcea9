#!/usr/bin/env bash
# Hostile input: a table of broken job files and broken environments, run
# through one `expect`.  Each case must end with the right exit code (2 for
# the job file, 1 at run time), exactly one "wharf: error" line naming the
# culprit, no secret anywhere in the output, and no change anywhere: no
# warehouse schema or table, no staged object, no replication slot and no
# publication.  Cases run for `snapshot` and, where the path differs, for
# `sync` (wal_level, REPLICATION, slot and publication ownership).
#
# The environments are made here: roles without REPLICATION, without SELECT
# or without ownership at the source; warehouse roles without CREATE on the
# database or on the target schema; a slot under the job's name made with
# test_decoding; a publication under the job's name made by hand; a small
# extra cluster with wal_level = replica; and a private signature gate whose secret
# is distinctive, so a leak of it is visible.
. "$(dirname "$0")/lib.sh"

repo=$(cd "$(dirname "$0")/../.." && pwd)

# Distinctive secrets: none may ever show up in wharf's output.
export HX_S3_SECRET='hxS3-Secret+Zq9/Wv4'
export HX_PG_PASSWORD='hxPgPass-7731-Qk'
export HX_ODBC_PASSWORD='hxOdbcPwd-5520-Jy'
SECRETS=("$HX_S3_SECRET" "$HX_PG_PASSWORD" "$HX_ODBC_PASSWORD" SECRET-XYZZY)

as_pg() { # runs a command as the OS user of the service clusters
	if [[ $(id -u) -eq 0 ]]; then
		(cd / && runuser -u "$WHARF_PG_USER" -- "$@")
	else
		(cd / && "$@")
	fi
}

# ---------------------------------------------------------------------------
# Services of our own: a signature gate with a distinctive secret (in front of the
# same s3rver), and a cluster with wal_level = replica.
# ---------------------------------------------------------------------------
GATE_PID=
REPLICA_DIR=
cleanup() {
	set +e
	export PGOPTIONS='-c client_min_messages=warning'
	if [[ -n $GATE_PID ]]; then kill "$GATE_PID" 2>/dev/null; fi
	if [[ -n $REPLICA_DIR && -f $REPLICA_DIR/data/postmaster.pid ]]; then
		as_pg "$WHARF_PG_BINDIR/pg_ctl" -D "$REPLICA_DIR/data" stop -m immediate -w -t 30 >/dev/null 2>&1
	fi
	if [[ -n $REPLICA_DIR ]]; then rm -rf "$REPLICA_DIR"; fi
	src -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
	        WHERE slot_name LIKE 'hx\_%' OR slot_name LIKE 'wharf\_hx%'" >/dev/null 2>&1
	src -c "DROP PUBLICATION IF EXISTS hx_foreign_pub, wharf_hx, wharf_hx_ins" >/dev/null 2>&1
	src -c 'DROP SCHEMA IF EXISTS hx CASCADE' >/dev/null 2>&1
	for r in hx_norepl hx_nosel hx_notowner; do
		src -c "DROP OWNED BY $r; DROP ROLE $r" >/dev/null 2>&1
	done
	wh -c 'DROP SCHEMA IF EXISTS hx CASCADE; DROP SCHEMA IF EXISTS hxw CASCADE; DROP TABLE IF EXISTS public.hx_state' >/dev/null 2>&1
	for r in hx_wh_nocreate hx_wh_noschema; do
		wh -c "DROP OWNED BY $r; DROP ROLE $r" >/dev/null 2>&1
	done
	unset PGOPTIONS
	set -e
}
trap cleanup EXIT
cleanup

gate_start "$HX_S3_SECRET" "$TMP/gate.log"
export HX_S3_ENDPOINT=$GATE_ENDPOINT

REPLICA_DIR=$(mktemp -d /tmp/wharf-hx-pg.XXXXXX)
chmod 755 "$REPLICA_DIR"
if [[ $(id -u) -eq 0 ]]; then chown "$WHARF_PG_USER" "$REPLICA_DIR"; fi
replica_port=$(free_port $((WHARF_WAREHOUSE_PORT + 7)))
as_pg "$WHARF_PG_BINDIR/initdb" -D "$REPLICA_DIR/data" -U "$WHARF_PG_USER" -A trust -E UTF8 --locale=C \
	--no-sync --no-instructions >"$TMP/replica.initdb.log" 2>&1
as_pg tee -a "$REPLICA_DIR/data/postgresql.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$REPLICA_DIR'
wal_level = replica
fsync = off
EOF
# a port that looked free may be taken by an outgoing connection by now: try the next ones
for ((attempt = 0; ; attempt++)); do
	if as_pg "$WHARF_PG_BINDIR/pg_ctl" -D "$REPLICA_DIR/data" -l "$REPLICA_DIR/log" -o "-p $replica_port" \
		-w -t 60 start >/dev/null; then
		break
	fi
	((attempt < 10)) || { echo "cannot start the wal_level=replica cluster" >&2; exit 1; }
	replica_port=$(free_port $((replica_port + 1)))
done
REPLICA_CONNINFO="host=127.0.0.1 port=$replica_port dbname=src user=$WHARF_PG_USER"
psql "host=127.0.0.1 port=$replica_port dbname=postgres user=$WHARF_PG_USER" -X -q -c 'CREATE DATABASE src'
rsrc() { psql "$REPLICA_CONNINFO" -X -q -v ON_ERROR_STOP=1 -At "$@"; }
rsrc -c 'CREATE SCHEMA hx; CREATE TABLE hx.ok (id int PRIMARY KEY, v text); INSERT INTO hx.ok VALUES (1, $$a$$)'

# ---------------------------------------------------------------------------
# Source and warehouse objects
# ---------------------------------------------------------------------------
src <<'SQL'
CREATE SCHEMA hx;
CREATE TABLE hx.ok (id int PRIMARY KEY, v text);
INSERT INTO hx.ok VALUES (1, 'a'), (2, NULL);
CREATE TABLE hx.nokey (v text);
CREATE UNIQUE INDEX nokey_v ON hx.nokey (v);    -- key = v is unique, but no replica identity
CREATE TABLE hx.other (id int PRIMARY KEY);
CREATE TABLE hx.ident (id int PRIMARY KEY, code text NOT NULL UNIQUE);
CREATE TABLE hx.wide (id int PRIMARY KEY, n numeric);
INSERT INTO hx.wide VALUES (1, 1.5), (2, 123456789012345678901234567890123456789012.5);
CREATE TABLE hx.frac (id int PRIMARY KEY, f numeric);
INSERT INTO hx.frac VALUES (1, 0.5), (2, 0.12345678901234567);
CREATE TABLE hx.typed (id int PRIMARY KEY, t numeric(50,10));
INSERT INTO hx.typed VALUES (1, 1), (2, 1234567890123456789012345678901234567890.0123456789);
-- a role that may read and own the tables, but not replicate
CREATE ROLE hx_norepl LOGIN;
GRANT USAGE, CREATE ON SCHEMA hx TO hx_norepl;
GRANT CREATE ON DATABASE src TO hx_norepl;
ALTER TABLE hx.ok OWNER TO hx_norepl;
-- a role that may replicate but not read hx.ok
CREATE ROLE hx_nosel LOGIN REPLICATION;
GRANT USAGE ON SCHEMA hx TO hx_nosel;
-- a role that may replicate and read, but does not own hx.ok (cannot publish it)
CREATE ROLE hx_notowner LOGIN REPLICATION;
GRANT USAGE ON SCHEMA hx TO hx_notowner;
GRANT SELECT ON hx.ok TO hx_notowner;
GRANT CREATE ON DATABASE src TO hx_notowner;
-- a publication under the job's name, made by hand, holding another table
CREATE PUBLICATION hx_foreign_pub FOR TABLE hx.other;
SQL
src -c "SELECT pg_create_logical_replication_slot('hx_td_slot', 'test_decoding')" >/dev/null

wh <<'SQL'
CREATE ROLE hx_wh_nocreate LOGIN;               -- no CREATE on the database nor on public
CREATE SCHEMA hxw;
CREATE ROLE hx_wh_noschema LOGIN;               -- may create schemas, but not in hxw
GRANT CREATE ON DATABASE wh TO hx_wh_noschema;
GRANT USAGE ON SCHEMA hxw TO hx_wh_noschema;
SQL

# The base job: every secret through ${ENV}, the state table of its own.
base="$TMP/base.ini"
cat >"$base" <<EOF
[job]
name = hx

[source]
conninfo = \${WHARF_SOURCE_CONNINFO} password=\${HX_PG_PASSWORD}

[stage]
url = s3://$WHARF_S3_BUCKET/it/hx
endpoint = \${HX_S3_ENDPOINT}
region = us-east-1
access_key_id = \${WHARF_S3_KEY}
secret_access_key = \${HX_S3_SECRET}
retries = 2

[warehouse]
dialect = postgres
odbc = \${WHARF_WAREHOUSE_ODBC}\${HX_ODBC_PASSWORD}
state_table = hx_state

[table hx.ok]
EOF
chmod 600 "$base"
ODBC_BASE="Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=$WHARF_WAREHOUSE_PORT;Database=wh"

# What "no change" means: the warehouse's schemas and relations, the
# source's slots and publications (with their tables) on both clusters, and
# the staged objects under the job's prefix.
fingerprint() {
	wh -c "SELECT n.nspname || ':' || coalesce(string_agg(c.relname, ',' ORDER BY c.relname), '')
	       FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid
	       WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
	       GROUP BY n.nspname ORDER BY n.nspname"
	local q="SELECT 'slot ' || slot_name || ' ' || plugin FROM pg_replication_slots
	         UNION ALL SELECT 'pub ' || p.pubname || ' ' || coalesce(string_agg(t.schemaname || '.' || t.tablename, ',' ORDER BY 1), '')
	           FROM pg_publication p LEFT JOIN pg_publication_tables t ON t.pubname = p.pubname GROUP BY p.pubname
	         ORDER BY 1"
	src -c "$q"
	rsrc -c "$q"
	echo "staged $(s3_count it/hx)"
}

# Puts back what a misbehaving case changed, so later cases start clean.
restore() {
	export PGOPTIONS='-c client_min_messages=warning'
	src -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'wharf\_hx%'" >/dev/null
	src -c "DROP PUBLICATION IF EXISTS wharf_hx, wharf_hx_ins" >/dev/null
	rsrc -c "DROP PUBLICATION IF EXISTS wharf_hx, wharf_hx_ins" >/dev/null
	wh -c 'DROP SCHEMA IF EXISTS hx CASCADE; DROP TABLE IF EXISTS public.hx_state, hxw.hx_state, hxw.ok' >/dev/null
	unset PGOPTIONS
}

# expect NAME EXIT COMMAND PATTERN JOBFILE: runs wharf with -v, checks the
# exit code, exactly one error line, that the error names the culprit, that
# no secret is in stdout or stderr, and that nothing changed.
expect() {
	local name=$1 code=$2 cmd=$3 pattern=$4 jobf=$5
	local out="$TMP/case.out" err="$TMP/case.err" rc=0 before after lines why=
	before=$(fingerprint)
	timeout 120 "$WHARF" -v -c "$jobf" $cmd >"$out" 2>"$err" </dev/null || rc=$?
	after=$(fingerprint)
	lines=$(wharf_msgs "$err" | grep -c '^wharf: error' || true)
	if [[ $rc -ne $code ]]; then
		why="exit $rc, expected $code"
	elif ! wharf_msgs "$err" | grep '^wharf: error' | grep -qE -- "$pattern"; then
		why="the error does not name the culprit ($pattern)"
	elif [[ $lines -ne 1 ]]; then
		why="$lines error lines, expected one"
	elif [[ $before != "$after" ]]; then
		why="something changed: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | tr '\n' ' ')"
	fi
	for s in "${SECRETS[@]}"; do
		if grep -qF -- "$s" "$out" "$err"; then why="${why:+$why; }a secret leaked into the output"; fi
	done
	if [[ -n $why ]]; then
		not_ok "$name ($cmd): $why: $(wharf_msgs "$err" | grep -v '^wharf: \(info\|debug\|trace\)' | head -c 500)"
		restore
	else
		ok "$name ($cmd): exit $code, $(wharf_msgs "$err" | grep '^wharf: error' | sed 's/^wharf: error: //' | head -c 150)"
	fi
}

N=0
VARIANT=
variant() { # variant SED-EXPRESSION...: a copy of the base job, edited, in $VARIANT
	local args=()
	N=$((N + 1))
	VARIANT="$TMP/case$N.ini"
	for e in "$@"; do args+=(-e "$e"); done
	sed "${args[@]}" "$base" >"$VARIANT"
	chmod 600 "$VARIANT"
}
# t NAME EXIT COMMANDS PATTERN SED-EXPRESSION...: one row of the table, run
# for each of the space-separated COMMANDS.
t() {
	local name=$1 code=$2 cmds=$3 pattern=$4
	shift 4
	variant "$@"
	for cmd in $cmds; do expect "$name" "$code" "$cmd" "$pattern" "$VARIANT"; done
}

check "the base job passes check" "$WHARF" -c "$base" check

TBL='^\[table hx.ok\]'
S='snapshot sync'

# --- the job file: exit 2 -------------------------------------------------
expect "missing job file" 2 snapshot 'nonexistent\.ini' "$TMP/nonexistent.ini"
t "misspelled key" 2 "$S" 'acess_key_id' 's/^access_key_id/acess_key_id/'
t "misspelled table key" 2 snapshot 'mdoe' "s/$TBL/&\nmdoe = append/"
t "key in the wrong section" 2 snapshot '"schema".*\[warehouse\]' 's/^region = .*/&\nschema = hx/'
t "unknown section" 2 snapshot 'stag\]' 's/^\[stage\]/[stag]/'
t "missing section [stage]" 2 snapshot '\[stage\]' '/^\[stage\]/,/^$/d'
t "missing section [warehouse]" 2 snapshot '\[warehouse\]' '/^\[warehouse\]/,/^$/d'
t "missing conninfo" 2 snapshot 'conninfo' '/^conninfo/d'
t "no table" 2 "$S" 'table' "/$TBL/d"
t "parallel not a number" 2 snapshot 'parallel.*two' 's/^conninfo = .*/&\nparallel = two/'
t "parallel out of range" 2 snapshot 'parallel.*64' 's/^conninfo = .*/&\nparallel = 64/'
t "size with a bad unit" 2 snapshot 'part_size.*elephants' 's/^retries = .*/&\npart_size = 64 elephants/'
t "boolean that is not one" 2 snapshot 'keep.*perhaps' 's/^retries = .*/&\nkeep = perhaps/'
t "compression 0" 2 snapshot 'compression' 's/^retries = .*/&\ncompression = 0/'
t "unknown mode" 2 snapshot 'upsert' "s/$TBL/&\nmode = upsert/"
t "soft deletes in append mode" 2 snapshot 'deletes' "s/$TBL/&\nmode = append\ndeletes = soft/"
t "stage URL of another scheme" 2 snapshot 'ftp://' 's#^url = .*#url = ftp://host/x#'
t "s3 URL without a bucket" 2 snapshot 'url' 's#^url = .*#url = s3://#'
t "relative file URL" 2 snapshot 'url.*relative' 's#^url = .*#url = file://relative/dir#'
t "endpoint without scheme" 2 snapshot 'endpoint.*127\.0\.0\.1:9' 's#^endpoint = .*#endpoint = 127.0.0.1:9000#'
t "endpoint with a path" 2 snapshot 'endpoint.*/bucket' 's#^endpoint = .*#endpoint = http://127.0.0.1:9000/bucket#'
t "region with a blank" 2 snapshot 'region' 's/^region = .*/region = us east 1/'
t "conninfo syntax" 2 "$S" 'conninfo' 's/^conninfo = .*/conninfo = host=127.0.0.1 port/'
t "conninfo unknown option" 2 "$S" 'hots' 's/^conninfo = .*/conninfo = hots=127.0.0.1 dbname=src/'
t "conninfo bad URI" 2 snapshot 'conninfo' 's#^conninfo = .*#conninfo = postgresql://[::1:5432/src#'
t "conninfo bad URI holding a password" 2 "$S" 'conninfo' 's#^conninfo = .*#conninfo = postgresql://wharf:${HX_PG_PASSWORD}@[::1/src#'
t "conninfo with an unterminated quote around the password" 2 snapshot 'conninfo' "s#^conninfo = .*#conninfo = host=127.0.0.1 password='\${HX_PG_PASSWORD}#"
t "unset variable" 2 "$S" 'HX_NOT_SET_ANYWHERE' 's/^region = .*/region = ${HX_NOT_SET_ANYWHERE}/'
t "unset variable in a secret" 2 snapshot 'HX_NO_SECRET_VAR' 's/^secret_access_key = .*/secret_access_key = ${HX_NO_SECRET_VAR}/'
t "duplicate table" 2 "$S" 'hx\.ok' "s/$TBL/&\n\n[table hx.ok]/"
t "duplicate table, spelled otherwise" 2 snapshot 'hx\.ok|"ok"' "s/$TBL/&\n\n[table HX.\"ok\"]/"
t "key set twice" 2 snapshot 'url' 's#^url = .*#&\nurl = s3://other/x#'
t "unknown dialect" 2 "$S" 'oracle' 's/^dialect = .*/dialect = oracle/'
t "no odbc" 2 "$S" 'odbc' '/^odbc = /d'
t "unterminated table name" 2 snapshot 'unterminated' "s/$TBL/[table hx.\"ok]/"
t "schema of two words" 2 snapshot 'schema' 's/^state_table = .*/&\nschema = two words/'
t "bad job name" 2 snapshot 'hx-job' 's/^name = .*/name = hx-job!/'
t "bad slot name" 2 sync 'Hx-Slot' 's/^conninfo = .*/&\nslot = Hx-Slot/'
t "iam_role not an ARN" 2 snapshot 'iam_role' 's/^dialect = .*/dialect = redshift\niam_role = loader/'
t "unbalanced quotes" 2 snapshot 'quote' 's/^region = .*/region = "us-east-1/'
t "empty name in a key list" 2 snapshot 'key' "s/$TBL/&\nkey = id,,v/"
t "key column listed twice" 2 snapshot 'twice' "s/$TBL/&\nkey = id, id/"

# --- the environment: exit 1 ----------------------------------------------
t "source unreachable" 1 "$S" '127\.0\.0\.1.*1|port 1' \
	"s/^conninfo = .*/conninfo = host=127.0.0.1 port=1 dbname=src user=wharf password=\${HX_PG_PASSWORD} connect_timeout=2/"
t "source database missing" 1 "$S" 'nosuchdb' \
	"s/^conninfo = .*/conninfo = host=127.0.0.1 port=$WHARF_SOURCE_PORT dbname=nosuchdb user=wharf password=\${HX_PG_PASSWORD}/"
t "missing table" 1 "$S" 'hx\.missing' "s/$TBL/[table hx.missing]/"
t "missing key column" 1 "$S" 'no_such_col' "s/$TBL/&\nkey = no_such_col/"
t "no key in merge mode" 1 "$S" 'hx\.nokey' "s/$TBL/[table hx.nokey]/"
t "key no unique index backs" 1 "$S" 'hx\.ok.*key \("v"\).*unique index' "s/$TBL/&\nkey = v/"
t "no SELECT on the table" 1 "$S" 'hx\.ok' \
	"s/^conninfo = .*/conninfo = host=127.0.0.1 port=$WHARF_SOURCE_PORT dbname=src user=hx_nosel password=\${HX_PG_PASSWORD}/"
t "missing bucket" 1 "$S" 'no-such-bucket' 's#^url = .*#url = s3://no-such-bucket/x#'
t "wrong S3 secret" 1 "$S" 'SignatureDoesNotMatch|signature' 's/^secret_access_key = .*/secret_access_key = SECRET-XYZZY/'
t "unknown access key id" 1 snapshot 'InvalidAccessKeyId|access key' 's/^access_key_id = .*/access_key_id = AKIANOSUCHKEY/'
t "S3 endpoint down" 1 "$S" '127\.0\.0\.1:1' 's#^endpoint = .*#endpoint = http://127.0.0.1:1#'
t "warehouse unreachable" 1 "$S" 'warehouse' \
	"s/^odbc = .*/odbc = Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=1;Database=wh;Uid=wharf;Pwd=\${HX_ODBC_PASSWORD}/"
t "warehouse database missing" 1 snapshot 'nosuchwh' \
	"s/^odbc = .*/odbc = $ODBC_BASE;Uid=wharf;Pwd=\${HX_ODBC_PASSWORD}/" 's/Database=wh/Database=nosuchwh/'
t "unknown ODBC driver" 1 "$S" 'NoSuchDriver' 's/^odbc = .*/odbc = Driver=NoSuchDriver;Server=127.0.0.1;Pwd=${HX_ODBC_PASSWORD}/'
t "ODBC driver name with an unterminated brace" 1 snapshot 'warehouse' \
	"s/^odbc = .*/odbc = Driver={PostgreSQL Unicode;Server=127.0.0.1;Port=$WHARF_WAREHOUSE_PORT;Database=wh;Uid=wharf;Pwd=\${HX_ODBC_PASSWORD}/"
t "ODBC string without a driver" 1 snapshot 'driver|Driver|DSN' 's/^odbc = .*/odbc = Server=127.0.0.1;Uid=wharf;Pwd=${HX_ODBC_PASSWORD}/'
t "ODBC data source not defined" 1 snapshot 'hx_no_dsn' 's/^odbc = .*/odbc = DSN=hx_no_dsn;Uid=wharf;Pwd=${HX_ODBC_PASSWORD}/'
t "ODBC password in braces, server down" 1 snapshot 'warehouse' \
	"s/^odbc = .*/odbc = Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=1;Database=wh;Uid=wharf;PWD={\${HX_ODBC_PASSWORD};x}/"
t "warehouse role without CREATE" 1 "$S" 'permission denied|CREATE' \
	"s/^odbc = .*/odbc = $ODBC_BASE;Uid=hx_wh_nocreate;Pwd=\${HX_ODBC_PASSWORD}/"
t "warehouse schema without CREATE" 1 "$S" 'hxw' \
	"s/^odbc = .*/odbc = $ODBC_BASE;Uid=hx_wh_noschema;Pwd=\${HX_ODBC_PASSWORD}/" 's/^state_table = .*/&\nschema = hxw/'
for d in snowflake redshift; do
	t "numeric too wide for $d" 1 stage 'hx\.wide.*"n"|"n".*hx\.wide' "s/$TBL/[table hx.wide]/" "s/^dialect = .*/dialect = $d/"
	t "numeric with too many decimals for $d" 1 stage 'hx\.frac.*"f"|"f".*hx\.frac' "s/$TBL/[table hx.frac]/" "s/^dialect = .*/dialect = $d/"
done
t "numeric(50,10) beyond 38 digits for snowflake" 1 stage 'hx\.typed.*"t"|"t".*hx\.typed' "s/$TBL/[table hx.typed]/" 's/^dialect = .*/dialect = snowflake/'
t "snowflake without a storage integration" 2 "$S" 'storage_integration.*snowflake' 's/^dialect = .*/dialect = snowflake/'

# --- change data capture only ---------------------------------------------
t "wal_level is not logical" 1 sync 'wal_level' "s/^conninfo = .*/conninfo = $REPLICA_CONNINFO password=\${HX_PG_PASSWORD}/"
t "role without REPLICATION" 1 sync 'hx_norepl|REPLICATION|replication' \
	"s/^conninfo = .*/conninfo = host=127.0.0.1 port=$WHARF_SOURCE_PORT dbname=src user=hx_norepl password=\${HX_PG_PASSWORD}/"
t "role that does not own the table" 1 sync 'hx\.ok' \
	"s/^conninfo = .*/conninfo = host=127.0.0.1 port=$WHARF_SOURCE_PORT dbname=src user=hx_notowner password=\${HX_PG_PASSWORD}/"
t "slot exists with another plugin" 1 sync 'hx_td_slot.*test_decoding' 's/^conninfo = .*/&\nslot = hx_td_slot/'
t "publication holds other tables" 1 sync 'hx_foreign_pub' 's/^conninfo = .*/&\npublication = hx_foreign_pub/'
# (with hard deletes such a key streams: rows apply by the identity's columns)
t "soft deletes, key outside the replica identity" 1 "$S" '"code"' "s/$TBL/[table hx.ident]\nkey = code\ndeletes = soft/"
t "no replica identity for the key" 1 "$S" 'hx\.nokey' "s/$TBL/[table hx.nokey]\nkey = v/"

# --- warnings, not errors -------------------------------------------------
# A world-readable job file holding a literal secret: a warning, and it runs.
open="$TMP/world_readable.ini"
sed "s#^secret_access_key = .*#secret_access_key = $HX_S3_SECRET#" "$base" >"$open"
chmod 644 "$open"
rc=0
"$WHARF" -c "$open" snapshot >"$TMP/open.out" 2>"$TMP/open.err" || rc=$?
check "world-readable job file with a literal secret still runs" test "$rc" -eq 0
check "... with a warning naming the file" bash -c 'wharf_msgs "$0" | grep -qE "^wharf: warning: .*world_readable\.ini.*(readable|mode)"' "$TMP/open.err"
check "... and no error line" test "$(wharf_msgs "$TMP/open.err" | grep -c '^wharf: error')" -eq 0
check "... and the warning does not print the secret" bash -c '! grep -qF -- "$0" "$1" "$2"' "$HX_S3_SECRET" "$TMP/open.out" "$TMP/open.err"
check "... and the rows landed" same_table hx.ok hx.ok
wh -c 'SET client_min_messages = warning' -c 'DROP SCHEMA IF EXISTS hx CASCADE; DROP TABLE IF EXISTS public.hx_state' >/dev/null
chmod 600 "$open"
rc=0
"$WHARF" -c "$open" check >/dev/null 2>"$TMP/closed.err" || rc=$?
check "the same file at mode 600: no warning" bash -c '[[ $0 -eq 0 ]] && ! wharf_msgs "$1" | grep -q "^wharf: warning"' "$rc" "$TMP/closed.err"

# check on a source with wal_level = replica: a warning, exit 0
variant "s/^conninfo = .*/conninfo = $REPLICA_CONNINFO/"
f=$VARIANT
rc=0
"$WHARF" -c "$f" check >/dev/null 2>"$TMP/replica.err" || rc=$?
check "check with wal_level = replica warns and exits 0" \
	bash -c '[[ $0 -eq 0 ]] && wharf_msgs "$1" | grep -q "^wharf: warning: .*wal_level" && ! wharf_msgs "$1" | grep -q "^wharf: error"' "$rc" "$TMP/replica.err"
# ... and snapshot works there
rc=0
"$WHARF" -c "$f" snapshot >/dev/null 2>"$TMP/replica_snap.err" || rc=$?
check "snapshot from a wal_level = replica source works" test "$rc" -eq 0
wh -c 'SET client_min_messages = warning' -c 'DROP SCHEMA IF EXISTS hx CASCADE; DROP TABLE IF EXISTS public.hx_state' >/dev/null

echo "$N job variants, $((PASSED + FAILED)) checks"
finish
