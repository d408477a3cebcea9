#!/usr/bin/env bash
# Security: (a) SQL injection through table, column and key names and
# through values must round-trip exactly through snapshot and sync, leave a
# canary table alone on both sides, and plan must quote every identifier in
# all three dialects; (b) secrets (the S3 secret through ${ENV} and
# literally, the conninfo password, the ODBC Pwd) appear nowhere: not in
# stdout or stderr at any verbosity, with --json, in failing runs, nor in the
# warehouse's own statement log (only presigned URLs reach it); (c) TLS: an
# https endpoint with a self-signed certificate is refused by default, and
# libpq's and ODBC's TLS settings pass through unchanged.
. "$(dirname "$0")/lib.sh"

repo=$(cd "$(dirname "$0")/../.." && pwd)

export SEC_S3_SECRET='secS3+Secret/Kx81=Vv'
export SEC_PG_PASSWORD='secPgPw-9902-Rt'
export SEC_ODBC_PASSWORD='secOdbcPw-4471-Lm'
# the secrets and the forms they could leak in (URL-encoded, JSON-escaped)
SECRETS=("$SEC_S3_SECRET" 'secS3%2BSecret%2FKx81%3DVv' 'secS3+Secret\/Kx81=Vv' "$SEC_PG_PASSWORD" "$SEC_ODBC_PASSWORD")


GATE_PID=
TLS_PID=
LOG_STATEMENT_SET=
cleanup() {
	set +e
	export PGOPTIONS='-c client_min_messages=warning'
	if [[ -n $GATE_PID ]]; then kill "$GATE_PID" 2>/dev/null; fi
	if [[ -n $TLS_PID ]]; then kill "$TLS_PID" 2>/dev/null; fi
	if [[ -n $LOG_STATEMENT_SET ]]; then
		wh -c 'ALTER SYSTEM RESET log_statement' -c 'SELECT pg_reload_conf()' >/dev/null
	fi
	src -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'wharf\_sec%'" >/dev/null
	src -c 'DROP PUBLICATION IF EXISTS wharf_sec_sync, wharf_sec_sync_ins, wharf_sec_secrets, wharf_sec_secrets_ins' >/dev/null
	src -c 'DROP SCHEMA IF EXISTS "sec; ""q"" --" CASCADE; DROP TABLE IF EXISTS public.wharf_canary' >/dev/null
	wh -c 'DROP SCHEMA IF EXISTS "sec; ""q"" --" CASCADE; DROP SCHEMA IF EXISTS sec_sync CASCADE; DROP SCHEMA IF EXISTS sec_secrets CASCADE; DROP TABLE IF EXISTS public.wharf_canary, public.sec_state' >/dev/null
	unset PGOPTIONS
}
trap cleanup EXIT
cleanup

# A signature gate of our own whose secret is distinctive (same s3rver behind it).
gate_start "$SEC_S3_SECRET" "$TMP/gate.log"
export SEC_S3_ENDPOINT=$GATE_ENDPOINT

# ---------------------------------------------------------------------------
# (a) injection
# ---------------------------------------------------------------------------
src <<'SQL'
CREATE TABLE public.wharf_canary (id int PRIMARY KEY, v text);
INSERT INTO public.wharf_canary VALUES (1, 'alive');
CREATE SCHEMA "sec; ""q"" --";
SET search_path = "sec; ""q"" --";
-- names: quotes, semicolons, comments, backslashes, Unicode, reserved words
CREATE TABLE """; DROP TABLE wharf_canary; --" (
  """; DROP TABLE wharf_canary; --" int,
  "it's" text,
  "back\slash" text,
  "select" text,
  "Ünïcødé ✓ 日本" text,
  "a""b'c;d" text,
  "from" int,
  PRIMARY KEY ("""; DROP TABLE wharf_canary; --", "it's"));
INSERT INTO """; DROP TABLE wharf_canary; --" VALUES
  (1, 'k1', 'v', 'x', 'y', 'z', 1),
  (2, $$'); DROP TABLE wharf_canary; --$$, $$\'; DROP TABLE wharf_canary; --$$, $$"; DROP TABLE wharf_canary; --$$,
      E'\\x27 \\ \' \n \r \t', $q$$$ $body$ E'x' \N NULL$q$, NULL),
  (3, $$a'b"c\d$$, '', NULL, '"', '''', -1),
  (4, 'ünï 🚀 ✓', E'\\N', '\N', 'NULL', ',', 0);
CREATE TABLE "it's ""quoted"" table" ("order" int PRIMARY KEY, "user" text, "x;y" text);
INSERT INTO "it's ""quoted"" table" VALUES (1, 'u', 'v'), (2, $$';--$$, $$\$$);
CREATE TABLE "back\slash\" ("\" int PRIMARY KEY, "\\" text);
INSERT INTO "back\slash\" VALUES (1, '\'), (2, '\\');
CREATE TABLE "select" ("table" int, "where" text NOT NULL, "group" text);
CREATE UNIQUE INDEX "where; --" ON "select" ("where");   -- backs key = "where", "table"
ALTER TABLE "select" REPLICA IDENTITY FULL;
INSERT INTO "select" VALUES (1, 'w1', 'g'), (2, $$w'2$$, NULL);
CREATE TABLE "a/../../b" (id int PRIMARY KEY, v text);
INSERT INTO "a/../../b" VALUES (1, 'slashes');
-- every type of the type list, in columns whose names need quoting
CREATE TYPE "mood; --" AS ENUM ('sad', 'it''s "fine"', 'x; DROP TABLE wharf_canary; --');
CREATE TABLE "types ' ; --" (
  "id'" int PRIMARY KEY,
  "i2 ""q""" smallint, "i4;" integer, "i8 --" bigint,
  "n'" numeric, "n12\" numeric(12,2), "r "" r" real, "d'd" double precision, "m;m" money,
  "b--" boolean, "t ' t" text, "vc;" varchar(20), "c\c" char(5),
  "dt'" date, "ts""" timestamp, "tstz;" timestamptz, "tm--" time, "tmtz'" timetz, "iv\" interval,
  "by'" bytea, "u;" uuid, "j""" json, "jb--" jsonb, "x'" xml,
  "ai;" int[], "at""" text[], "ip'" inet, "cd;" cidr, "mac""" macaddr, "mac8'" macaddr8,
  "e;" "mood; --", "rng'" int4range, "bits""" bit(4), "vbits;" varbit(10));
INSERT INTO "types ' ; --" VALUES
 (1, -32768, -2147483648, -9223372036854775808, 'NaN', 12.34, 'NaN', 'Infinity', '-12.34',
  true, $$'); DROP TABLE wharf_canary; --$$, '', '', '0001-01-01', '0001-01-01 00:00:00', '0001-01-01 00:00:00+00',
  '00:00', '00:00+14', '-178000000 years', '\x00', '00000000-0000-0000-0000-000000000000',
  '{"a''": "\"; DROP TABLE wharf_canary; --"}', '{"k": "'');--"}', '<a>''x''</a>', '{}', $${"a'b","\"c\"",NULL}$$,
  '::1', '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05',
  'x; DROP TABLE wharf_canary; --', 'empty', B'0000', B''),
 (2, 32767, 2147483647, 9223372036854775807, '-0.000000000000000000000000000001', -9999999999.99,
  '-Infinity', 'NaN', '0', false, E'a,b "q" \\ \n ''', 'tab	here', 'x', '9999-12-31',
  '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999999+00', '24:00:00', '23:59:59.999999-12',
  '1 year 2 mons 3 days 04:05:06.789', '\x000102ff00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '"\u00e9\n"', '{"k": "line\nbreak", "n": null}', '<doc/>', '{1,NULL,3}', '{"a,b","NULL",NULL,"","\\\\N"}',
  '2001:db8::ff00:42:8329/128', '2001:db8::/32', 'ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00:00:00',
  'it''s "fine"', '[1,10)', B'1111', B'1010101010'),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SQL
wh -c 'CREATE TABLE public.wharf_canary (id int PRIMARY KEY, v text); INSERT INTO public.wharf_canary VALUES (1, $$alive$$)'

# The tables as [table] headers (SQL names) and as psql relation names.
SCH='"sec; ""q"" --"'
T1="$SCH.\"\"\"; DROP TABLE wharf_canary; --\""
T2="$SCH.\"it's \"\"quoted\"\" table\""
T3="$SCH.\"back\\slash\\\""
T4="$SCH.\"select\""
T5="$SCH.\"a/../../b\""
T6="$SCH.\"types ' ; --\""
TABLES=("$T1" "$T2" "$T3" "$T4" "$T5" "$T6")

# job NAME DIALECT [EXTRA-WAREHOUSE-LINE]: the injection job, secrets through ${ENV}
job() {
	local f="$TMP/$1.ini"
	{
		printf '[job]\nname = %s\n\n[source]\nconninfo = ${WHARF_SOURCE_CONNINFO} password=${SEC_PG_PASSWORD}\n\n' "$1"
		printf '[stage]\nurl = s3://%s/it/sec/%s\nendpoint = ${SEC_S3_ENDPOINT}\nregion = us-east-1\n' "$WHARF_S3_BUCKET" "$1"
		printf 'access_key_id = ${WHARF_S3_KEY}\nsecret_access_key = ${SEC_S3_SECRET}\n\n'
		printf '[warehouse]\ndialect = %s\nodbc = ${WHARF_WAREHOUSE_ODBC}${SEC_ODBC_PASSWORD}\n%s\n\n' "$2" "${3:-}"
		printf '[table %s]\n' "$T1"
		printf '[table %s]\nkey = "order"\n' "$T2"
		printf '[table %s]\n' "$T3"
		printf '[table %s]\nkey = "where", "table"\n' "$T4"
		printf '[table %s]\n' "$T5"
		printf '[table %s]\n' "$T6"
	} >"$f"
	chmod 600 "$f"
	echo "$f"
}
canaries_alive() {
	[[ $(src -c 'SELECT v FROM public.wharf_canary') == alive && $(wh -c 'SELECT v FROM public.wharf_canary') == alive ]]
}
# all_same TARGET-SCHEMA: every injection table equals its warehouse copy
all_same() {
	local target=$1 bad=0 n
	for tb in "${TABLES[@]}"; do
		n=${tb#"$SCH".}
		if ! same_table "$tb" "$target.$n"; then
			echo "differs: $tb" >&2
			bad=1
		fi
	done
	return $bad
}

snapjob=$(job sec_snap postgres)
check "snapshot of hostile names and values exits 0" "$WHARF" -c "$snapjob" snapshot
check "snapshot: every hostile table round-trips exactly" all_same "$SCH"
check "snapshot: the canaries survive" canaries_alive
check "a table named a/../../b stays inside the stage prefix" \
	test "$(curl -s "$WHARF_S3RVER_ENDPOINT/$WHARF_S3_BUCKET/?list-type=2" | grep -o '<Key>[^<]*' | grep -c '\.\./\|^<Key>b/' || true)" -eq 0
# a file:// stage with the same names: nothing is written outside its folder
fdir="$TMP/filestage/inner"
mkdir -p "$fdir"
sed "s#^url = .*#url = file://$fdir\nkeep = true#" "$snapjob" >"$TMP/sec_file.ini"
chmod 600 "$TMP/sec_file.ini"
check "stage to a file:// folder exits 0" "$WHARF" -c "$TMP/sec_file.ini" stage
check "file:// stage writes nothing outside its folder" test "$(find "$TMP/filestage" -type f -not -path "$fdir/*" | wc -l)" -eq 0

synjob=$(job sec_sync postgres 'schema = sec_sync')
check "first sync of hostile names exits 0" "$WHARF" -c "$synjob" sync
check "sync snapshot: every hostile table round-trips" all_same sec_sync
src <<'SQL'
SET search_path = "sec; ""q"" --";
INSERT INTO """; DROP TABLE wharf_canary; --" VALUES
  (5, $$'); DROP TABLE wharf_canary; --$$, $$\$$, 'new', $$"$$, $$'$$, 5);
UPDATE """; DROP TABLE wharf_canary; --" SET "back\slash" = $$'; DROP TABLE wharf_canary; --$$, "select" = E'\\' WHERE """; DROP TABLE wharf_canary; --" = 1;
UPDATE """; DROP TABLE wharf_canary; --" SET "it's" = $$k'changed"$$ WHERE """; DROP TABLE wharf_canary; --" = 3;  -- a key change
DELETE FROM """; DROP TABLE wharf_canary; --" WHERE """; DROP TABLE wharf_canary; --" = 4;
UPDATE "it's ""quoted"" table" SET "x;y" = $$"; DROP TABLE wharf_canary; --$$ WHERE "order" = 1;
INSERT INTO "back\slash\" VALUES (3, E'\\\\\\');
DELETE FROM "back\slash\" WHERE "\" = 1;
UPDATE "select" SET "group" = $$';--$$ WHERE "table" = 1;
DELETE FROM "select" WHERE "where" = $$w'2$$;
INSERT INTO "types ' ; --" ("id'", "t ' t", "e;", "j""") VALUES (4, $$'); DROP TABLE wharf_canary; --$$, 'x; DROP TABLE wharf_canary; --', '"x"');
UPDATE "types ' ; --" SET "t ' t" = $$\'$$, "at""" = '{"\";--"}' WHERE "id'" = 2;
DELETE FROM "types ' ; --" WHERE "id'" = 1;
SQL
check "sync of hostile changes exits 0" "$WHARF" -c "$synjob" sync
check "sync: every hostile table round-trips after changes" all_same sec_sync
check "sync: the canaries survive" canaries_alive

# plan in every dialect: every identifier is a balanced, properly doubled quoted name
quoting_ok() { # quoting_ok DIALECT: parses the plan's statements
	local f="$TMP/plan_$1.ini" rc=0
	sed "s/^dialect = .*/dialect = $1/" "$snapjob" >"$f"
	chmod 600 "$f"
	"$WHARF" -c "$f" --json plan >"$TMP/plan_$1.json" 2>"$TMP/plan_$1.err" || return 1
	python3 - "$1" "$TMP/plan_$1.json" <<'PY'
import json, re, sys
dialect, path = sys.argv[1], sys.argv[2]
stmts = json.load(open(path))["statements"]
names = ['"; DROP TABLE wharf_canary; --', "it's", "back\\slash", "select", "Ünïcødé ✓ 日本", "a\"b'c;d",
         'it\'s "quoted" table', "x;y", "back\\slash\\", "\\", "\\\\", "a/../../b", "types ' ; --",
         'sec; "q" --', "id'", 'i2 "q"', "i4;", "i8 --", "t ' t", "e;", 'at"']
backslash_escapes = dialect != "postgres"
seen = set()
for s in stmts:
    i, code = 0, []
    while i < len(s):
        c = s[i]
        if c == "'":                      # a literal: skip it whole
            i += 1
            while True:
                if i >= len(s):
                    sys.exit(f"unbalanced ' in: {s[:300]}")
                if backslash_escapes and s[i] == "\\":
                    i += 2
                    continue
                if s[i] == "'":
                    if i + 1 < len(s) and s[i + 1] == "'":
                        i += 2
                        continue
                    break
                i += 1
            i += 1
            code.append(" ")
        elif c == '"':                    # a quoted identifier: "" stands for "
            j, ident = i + 1, []
            while True:
                if j >= len(s):
                    sys.exit(f'unbalanced " in: {s[:300]}')
                if s[j] == '"':
                    if j + 1 < len(s) and s[j + 1] == '"':
                        ident.append('"'); j += 2
                        continue
                    break
                ident.append(s[j]); j += 1
            seen.add("".join(ident))
            i = j + 1
            code.append(" ")
        else:
            code.append(c)
            i += 1
    bare = "".join(code)
    for bad in ("DROP TABLE wharf_canary", ";", "\\", "--", "'"):
        if bad in bare:
            sys.exit(f"{bad!r} outside quotes in: {s[:400]}")
def stored(n):  # as the dialect stores a quoted name (sinks: sink_stored_name)
    if dialect == "redshift":
        return "".join(c.lower() if "A" <= c <= "Z" else c for c in n)
    if dialect == "snowflake" and re.fullmatch(r"[a-z_][a-z0-9_$]*", n):
        return n.upper()
    return n
missing = [n for n in names if stored(n) not in seen]
if missing:
    sys.exit(f"names never quoted: {missing}")
PY
}
for d in postgres redshift snowflake; do
	check "plan ($d): every identifier quoted, no unbalanced quote" quoting_ok "$d"
done
check "plan: the canaries survive" canaries_alive

# ---------------------------------------------------------------------------
# (b) secrets
# ---------------------------------------------------------------------------
src -c 'CREATE TABLE "sec; ""q"" --".plain (id int PRIMARY KEY, v text); INSERT INTO "sec; ""q"" --".plain VALUES (1, $$x$$)'
secjob="$TMP/sec_secrets.ini"
cat >"$secjob" <<EOF
[job]
name = sec_secrets

[source]
conninfo = \${WHARF_SOURCE_CONNINFO} password=\${SEC_PG_PASSWORD}

[stage]
url = s3://$WHARF_S3_BUCKET/it/sec/secrets
endpoint = \${SEC_S3_ENDPOINT}
region = us-east-1
access_key_id = \${WHARF_S3_KEY}
secret_access_key = \${SEC_S3_SECRET}
retries = 2

[warehouse]
dialect = postgres
odbc = \${WHARF_WAREHOUSE_ODBC}\${SEC_ODBC_PASSWORD}
schema = sec_secrets

[table "sec; ""q"" --".plain]
EOF
chmod 600 "$secjob"
# the same with every secret written literally (mode 600: no warning expected)
litjob="$TMP/sec_literal.ini"
sed -e "s#\${SEC_PG_PASSWORD}#$SEC_PG_PASSWORD#" -e "s#\${SEC_S3_SECRET}#$SEC_S3_SECRET#" \
	-e "s#\${SEC_ODBC_PASSWORD}#$SEC_ODBC_PASSWORD#" "$secjob" >"$litjob"
chmod 600 "$litjob"
# and with the passwords given URI-style and in braces
urijob="$TMP/sec_uri.ini"
sed -e "s#^conninfo = .*#conninfo = postgresql://$WHARF_PG_USER:$SEC_PG_PASSWORD@127.0.0.1:$WHARF_SOURCE_PORT/src#" \
	-e "s#^odbc = .*#odbc = Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=$WHARF_WAREHOUSE_PORT;Database=wh;Uid=$WHARF_PG_USER;PWD={$SEC_ODBC_PASSWORD}#" \
	"$litjob" >"$urijob"
chmod 600 "$urijob"

wh -c "ALTER SYSTEM SET log_statement = 'all'" -c 'SELECT pg_reload_conf()' >/dev/null
LOG_STATEMENT_SET=1
sleep 0.5
all_out="$TMP/secrets.all"
: >"$all_out"
runs=0
run_all() { # run_all EXPECTED-EXIT ARGS...: output kept for the secret scan
	local want=$1 rc=0
	shift
	"$WHARF" "$@" >"$TMP/run.out" 2>"$TMP/run.err" || rc=$?
	{
		echo "### wharf $* (exit $rc)"
		cat "$TMP/run.out" "$TMP/run.err"
	} >>"$all_out"
	runs=$((runs + 1))
	if [[ $rc -ne $want ]]; then
		not_ok "wharf $*: exit $rc, expected $want: $(tail -c 300 "$TMP/run.err")"
	fi
}
# every snapshot before the first sync: a job that streams refuses a snapshot
for cmds in "check plan stage snapshot" "sync status"; do
	for jf in "$secjob" "$litjob" "$urijob"; do
		for cmd in $cmds; do
			run_all 0 -v -v -c "$jf" "$cmd"
			run_all 0 -v -v --json -c "$jf" "$cmd"
		done
	done
done
src -c 'INSERT INTO "sec; ""q"" --".plain VALUES (2, $$y$$)'
run_all 0 -v -v -c "$secjob" sync
# failing runs: missing bucket, warehouse and source down
for jf in "$secjob" "$urijob"; do
	if [[ $jf == "$secjob" ]]; then # secrets through ${ENV}
		wh_down="odbc = Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=1;Database=wh;Uid=$WHARF_PG_USER;Pwd=\${SEC_ODBC_PASSWORD}"
		src_down="conninfo = host=127.0.0.1 port=1 dbname=src user=$WHARF_PG_USER password=\${SEC_PG_PASSWORD}"
	else # literally, URI and braces
		wh_down="odbc = Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=1;Database=wh;Uid=$WHARF_PG_USER;PWD={$SEC_ODBC_PASSWORD}"
		src_down="conninfo = postgresql://$WHARF_PG_USER:$SEC_PG_PASSWORD@127.0.0.1:1/src"
	fi
	sed "s#^url = .*#url = s3://no-such-bucket-sec/x#" "$jf" >"$TMP/f1.ini"
	sed "s#^odbc = .*#$wh_down#" "$jf" >"$TMP/f2.ini"
	sed "s#^conninfo = .*#$src_down#" "$jf" >"$TMP/f3.ini"
	sed "s#^secret_access_key = .*#secret_access_key = $SEC_S3_SECRET-wrong#" "$jf" >"$TMP/f4.ini"
	chmod 600 "$TMP"/f?.ini
	for f in "$TMP"/f?.ini; do
		for cmd in check snapshot sync; do
			run_all 1 -v -v -c "$f" "$cmd"
			run_all 1 -v -v --json -c "$f" "$cmd"
		done
	done
	run_all 1 -v -v -c "$TMP/f2.ini" status
	run_all 1 -v -v --json -c "$TMP/f2.ini" status
done
check "the secret-leak runs did run ($runs runs, debug output present)" bash -c 'wharf_msgs "$0" | grep -q "^wharf: \(debug\|trace\)"' "$all_out"
for s in "${SECRETS[@]}"; do
	check "no secret (${s:0:6}...) in any output of $runs runs" bash -c '! grep -qF -- "$0" "$1"' "$s" "$all_out"
done
check "no literal-secret warning for a mode-600 file" bash -c '! wharf_msgs "$0" | grep -q "^wharf: warning: .*literally"' "$all_out"
wh -c 'ALTER SYSTEM RESET log_statement' -c 'SELECT pg_reload_conf()' >/dev/null
LOG_STATEMENT_SET=
whlog=$(ls "$WHARF_PG_SOCKET_DIR/warehouse.log" "$WHARF_SERVICES_DIR/warehouse.log" 2>/dev/null | head -n 1)
check "the warehouse log holds the statements wharf sent (presigned URLs)" grep -q 'X-Amz-Signature' "$whlog"
for s in "${SECRETS[@]}"; do
	check "the warehouse log does not hold the secret ${s:0:6}..." bash -c '! grep -qF -- "$0" "$1"' "$s" "$whlog"
done
check "the warehouse log has no long-lived credentials in SQL" bash -c '! grep -qiE "aws_secret_access_key|CREDENTIALS *\\(|SECRET_ACCESS_KEY *=" "$0"' "$whlog"

# ---------------------------------------------------------------------------
# (c) TLS
# ---------------------------------------------------------------------------
# a port the kernel says nothing uses (a connect probe misses ports held by outgoing connections)
tls_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=127.0.0.1' -addext 'subjectAltName=IP:127.0.0.1' \
	-keyout "$TMP/tls.key" -out "$TMP/tls.crt" >/dev/null 2>&1
setsid openssl s_server -accept "$tls_port" -cert "$TMP/tls.crt" -key "$TMP/tls.key" -www -quiet \
	</dev/null >"$TMP/tls.log" 2>&1 &
TLS_PID=$!
for ((i = 0; i < 200; i++)); do curl -sk -o /dev/null "https://127.0.0.1:$tls_port/" && break; sleep 0.1; done
sed "s#^endpoint = .*#endpoint = https://127.0.0.1:$tls_port#" "$secjob" >"$TMP/tls.ini"
chmod 600 "$TMP/tls.ini"
rc=0
"$WHARF" -c "$TMP/tls.ini" check >"$TMP/tls.out" 2>"$TMP/tls.err" || rc=$?
check "https with a self-signed certificate is refused (exit 1)" test "$rc" -eq 1
check "... with a clear certificate error" bash -c 'wharf_msgs "$0" | grep -qiE "^wharf: error: .*certificate"' "$TMP/tls.err"
rc=0
"$WHARF" -c "$TMP/tls.ini" snapshot >/dev/null 2>"$TMP/tls2.err" || rc=$?
check "snapshot through that endpoint is refused before anything is loaded" \
	bash -c '[[ $0 -eq 1 ]] && grep -qi certificate "$1" && [[ $(wharf_msgs "$1" | grep -c "^wharf: error") -eq 1 ]]' "$rc" "$TMP/tls2.err"
check "... and nothing was loaded" test "$(wh -c "SELECT count(*) FROM pg_namespace WHERE nspname = 'sec_secrets'")" -eq 1 # from (b) only

sed "s#^conninfo = .*#conninfo = \${WHARF_SOURCE_CONNINFO} sslmode=require#" "$secjob" >"$TMP/sslmode.ini"
chmod 600 "$TMP/sslmode.ini"
rc=0
"$WHARF" -c "$TMP/sslmode.ini" check >/dev/null 2>"$TMP/sslmode.err" || rc=$?
check "libpq sslmode=require is passed through (libpq's own SSL error)" \
	bash -c '[[ $0 -eq 1 ]] && wharf_msgs "$1" | grep -qE "^wharf: error: source: .*SSL"' "$rc" "$TMP/sslmode.err"
sed "s#^odbc = .*#odbc = \${WHARF_WAREHOUSE_ODBC}\${SEC_ODBC_PASSWORD};SSLmode=require#" "$secjob" >"$TMP/odbcssl.ini"
chmod 600 "$TMP/odbcssl.ini"
rc=0
"$WHARF" -c "$TMP/odbcssl.ini" check >/dev/null 2>"$TMP/odbcssl.err" || rc=$?
check "ODBC SSLmode=require is passed through (the driver's SSL error)" \
	bash -c '[[ $0 -eq 1 ]] && wharf_msgs "$1" | grep -qE "^wharf: error: warehouse: .*SSL"' "$rc" "$TMP/odbcssl.err"

finish
