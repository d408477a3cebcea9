# Runner for the test_upstream_*.sh scripts: scenarios of PostgreSQL 15's
# own logical replication suite (src/test/subscription/t/*.pl), restated as
# wharf cases.  Each case is a data block read from standard input:
#
#   up_case NAME <<'CASE'
#   %from 001_rep_changes.pl:36-37,129-132    upstream file and lines
#   %table tab_rep                            a job table ([table SCHEMA.tab_rep])
#   %table tab_ins mode = append              ... with option lines, ';' between them
#   %history tab_ins                          an append table: compare the warehouse
#                                             with every row ever inserted (kept on the
#                                             source by a trigger the runner adds)
#   %absent tab_notrep                        the warehouse must not have this table
#   %refuse REGEX                             wharf must refuse the job up front with a
#                                             message matching REGEX (no shapes run)
#   %srcdb NAME ENCODING                      source database of the case (made if missing)
#   %whdb NAME ENCODING                       warehouse database of the case (made if missing)
#   %otherdb NAME                             another source database the case uses
#   %jobs 2                                   a second job on the same tables, into SCHEMA_b
#   %setup                                    SQL run before the first sync
#   %step 001_rep_changes.pl:124-127          one step: SQL and directive lines:
#                                               !restart-source fast|immediate
#                                               !add-table NAME [options]
#                                               !remove-table NAME (not compared while out)
#                                               !wait SQL (until it is true, 60 s at most)
#   %cleanup                                  SQL run on the source when the case ends
#   CASE
#
# In SQL, @S@ is the case's schema (the search_path starts with it),
# @CONN@ a string literal of the source conninfo (for dblink sessions) and
# @CONNDB=NAME@ the same for database NAME of the source cluster.
#
# Every case runs in two shapes, each in its own schema, job, slot and
# publication (dropped at the end): shape 1 syncs after every step, shape 2
# runs every step and then syncs once, so schema changes fall between DML
# inside one sync.  Both start with a sync that snapshots, and compare every
# table row by row (the columns the source table has now) after each sync.
#
# PENDING (set by the script before up_case) lists known failures, one entry
# per case: "NAME reason" or "NAME:SHAPE reason".  A pending failure prints
# "not ok - ... # TODO pending: reason" and is not counted as failed; a
# pending case that passes prints "ok - ... # TODO passed unexpectedly".
# UPSTREAM_CASES="a b" runs only those cases; UPSTREAM_KEEP=1 keeps the
# schemas of the last run for a look.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PENDING_FAILED=0
PENDING_PASSED=0
declare -a PENDING
: "${PENDING:=}"

diag() { printf '#   %s\n' "$@"; }

# The helpers of the source and the warehouse the case uses (the SQL of the
# cases is UTF-8, whatever the database's encoding).
usrc() { PGCLIENTENCODING=UTF8 psql "$UP_SRC_CONN" -X -q -v ON_ERROR_STOP=1 -At "$@"; }
uwh() { PGCLIENTENCODING=UTF8 psql "$UP_WH_CONN" -X -q -v ON_ERROR_STOP=1 -At "$@"; }

# Extensions the scenarios use, in a schema of their own on the source.
src -c "SET client_min_messages = warning" -c "CREATE SCHEMA IF NOT EXISTS upstream_ext" \
	-c "CREATE EXTENSION IF NOT EXISTS hstore SCHEMA upstream_ext" \
	-c "CREATE EXTENSION IF NOT EXISTS dblink SCHEMA upstream_ext" >/dev/null

up_parse() {
	local line rest name section=""
	UP_FROM=() UP_TABLES=() UP_TOPTS=() UP_ABSENT=() UP_STEPS=() UP_LABELS=()
	UP_HISTORY=()
	UP_REFUSE="" UP_SETUP="" UP_CLEANUP="" UP_JOBS=1
	UP_SRCDB="" UP_SRCENC="" UP_WHDB="" UP_WHENC="" UP_OTHERDB=()
	while IFS= read -r line; do
		case $line in
		'%from '*) UP_FROM+=("${line#%from }") ;;
		'%table '*)
			rest=${line#%table }
			name=${rest%% *}
			UP_TABLES+=("$name")
			if [[ $rest == *' '* ]]; then UP_TOPTS+=("${rest#* }"); else UP_TOPTS+=(""); fi
			;;
		'%history '*) UP_HISTORY+=("${line#%history }") ;;
		'%absent '*) UP_ABSENT+=("${line#%absent }") ;;
		'%refuse '*) UP_REFUSE=${line#%refuse } ;;
		'%srcdb '*) read -r UP_SRCDB UP_SRCENC <<<"${line#%srcdb }" ;;
		'%whdb '*) read -r UP_WHDB UP_WHENC <<<"${line#%whdb }" ;;
		'%jobs '*) UP_JOBS=${line#%jobs } ;;
		'%otherdb '*) UP_OTHERDB+=("${line#%otherdb }") ;;
		'%setup') section=setup ;;
		'%step' | '%step '*)
			section=step
			UP_STEPS+=("")
			UP_LABELS+=("${line#%step}")
			;;
		'%cleanup') section=cleanup ;;
		*)
			case $section in
			setup) UP_SETUP+="$line"$'\n' ;;
			cleanup) UP_CLEANUP+="$line"$'\n' ;;
			step) UP_STEPS[-1]+="$line"$'\n' ;;
			esac
			;;
		esac
	done
}

# Makes a database of the given encoding if it is missing: up_database CONNINFO NAME ENCODING
up_database() {
	local conn=$1 db=$2 enc=$3
	if [[ -z $(psql "$conn" -X -q -At -c "SELECT 1 FROM pg_database WHERE datname = '$db'") ]]; then
		psql "$conn" -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db ENCODING '$enc' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" >/dev/null
	fi
}

up_sql_text() { # SCHEMA SQL -> the SQL with @S@, @CONN@ and @CONNDB=NAME@ filled in
	local sql=${2//@S@/$1}
	while [[ $sql =~ @CONNDB=([A-Za-z0-9_]+)@ ]]; do
		sql=${sql//"${BASH_REMATCH[0]}"/$(sql_literal "$WHARF_SOURCE_CONNINFO dbname=${BASH_REMATCH[1]}")}
	done
	printf '%s' "${sql//@CONN@/$(sql_literal "$UP_SRC_CONN")}"
}

# Runs SQL on the source with the case's schema first in the search_path.
up_run_sql() { # SCHEMA SQL LOG
	{
		printf 'SET search_path TO %s, upstream_ext, public;\n' "$1"
		up_sql_text "$1" "$2"
		printf '\n'
	} | usrc >>"$3" 2>&1
}

up_run_sql_value() { # SCHEMA SQL -> its value
	{
		printf 'SET search_path TO %s, upstream_ext, public;\n' "$1"
		up_sql_text "$1" "$2"
		printf '\n'
	} | usrc
}

up_pg_ctl_source() {
	local data=$WHARF_PG_SOCKET_DIR/source log=$WHARF_PG_SOCKET_DIR/source.log
	if [[ $(id -u) -eq 0 ]]; then
		(cd / && runuser -u "$WHARF_PG_USER" -- env PATH="/usr/local/bin:/usr/bin:/bin" \
			"$WHARF_PG_BINDIR/pg_ctl" -D "$data" -l "$log" -w -t 60 "$@")
	else
		(cd / && "$WHARF_PG_BINDIR/pg_ctl" -D "$data" -l "$log" -w -t 60 "$@")
	fi
}

up_restart_source() { # MODE
	local deadline=$((SECONDS + 60))
	up_pg_ctl_source restart -m "$1" >/dev/null 2>&1 || return 1
	until "$WHARF_PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$WHARF_SOURCE_PORT" -d src -U "$WHARF_PG_USER"; do
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
}

# Writes the job file of job number N (1 or 2) of a shape.
up_job_file() { # JOB SCHEMA N
	local job=$1 schema=$2 n=$3 f="$TMP/$1.ini" i opt
	{
		printf '[job]\nname = %s\n\n[source]\nconninfo = %s\n\n' "$job" "$UP_SRC_CONN"
		printf '[stage]\nurl = s3://%s/it/upstream/%s\nendpoint = ${WHARF_S3_ENDPOINT}\nregion = ${WHARF_S3_REGION}\n' \
			"$WHARF_S3_BUCKET" "$job"
		printf 'access_key_id = ${WHARF_S3_KEY}\nsecret_access_key = ${WHARF_S3_SECRET}\npart_size = 1MB\n\n'
		printf '[warehouse]\ndialect = postgres\nodbc = %s\n' "$UP_WH_ODBC"
		if [[ $n == 2 ]]; then printf 'schema = %s_b\n' "$schema"; fi
		printf '\n'
		for i in "${!UP_TABLES[@]}"; do
			up_table_section "$schema" "${UP_TABLES[$i]}" "${UP_TOPTS[$i]}"
		done
	} >"$f"
	chmod 600 "$f"
	printf '%s\n' "$f"
}

up_table_section() { # SCHEMA NAME OPTIONS
	local opt
	printf '[table %s.%s]\n' "$1" "$2"
	if [[ -n $3 ]]; then
		IFS=';' read -ra opt <<<"$3"
		printf '%s\n' "${opt[@]}"
	fi
}

# Row-by-row difference of a source query and a warehouse table, as row
# text compared in the warehouse (through dblink to the source, and to the
# warehouse database of the case when it is not the default one).  Prints
# the count of differing rows, then up to 12 of them; fails when the
# comparison itself fails (a missing table or column), printing the error.
up_diff() { # SOURCE_RELATION WAREHOUSE_RELATION
	local opts="options='-c TimeZone=UTC -c extra_float_digits=3'"
	local s="SELECT r FROM dblink($(sql_literal "$UP_SRC_CONN $opts"), $(sql_literal "SELECT t::text FROM $1 t")) AS x(r text)"
	local w="SELECT t::text AS r FROM $2 t"
	if [[ -n $UP_WHDB ]]; then
		w="SELECT r FROM dblink($(sql_literal "$UP_WH_CONN $opts"), $(sql_literal "SELECT t::text FROM $2 t")) AS x(r text)"
	fi
	wh -c "SET TimeZone = 'UTC'; SET extra_float_digits = 3;" -c "
		WITH s AS ($s), w AS ($w),
		d AS ((SELECT 'source only' AS side, r FROM (SELECT r FROM s EXCEPT ALL SELECT r FROM w) a)
		      UNION ALL (SELECT 'warehouse only', r FROM (SELECT r FROM w EXCEPT ALL SELECT r FROM s) b))
		SELECT line FROM (
			SELECT 0 AS k, 0::bigint AS n, count(*)::text AS line FROM d
			UNION ALL
			SELECT 1, row_number() OVER (ORDER BY side DESC, r), side || ': ' || left(r, 240)
			FROM (SELECT * FROM d ORDER BY side DESC, r LIMIT 12) x) y
		ORDER BY k, n" 2>&1
}

# Compares every table of the case for one job's warehouse schema; prints
# what differs and fails if anything does.  Generated columns are left out
# of the comparison: wharf leaves them out of the warehouse (README), and
# test_keys.sh checks that they are absent there.
up_compare() { # SOURCE_SCHEMA WAREHOUSE_SCHEMA
	local schema=$1 wschema=$2 t cols out n same=0
	for t in "${UP_TABLES[@]}" "${UP_ADDED[@]}"; do
		[[ -n $t && " ${UP_REMOVED[*]} " != *" $t "* ]] || continue
		cols=$(usrc -c "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
			WHERE attrelid = '$schema.$t'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''" 2>&1) || {
			printf '%s: cannot read the source columns: %s\n' "$t" "$cols"
			same=1
			continue
		}
		local sq="(SELECT $cols FROM $schema.$t)"
		if [[ " ${UP_HISTORY[*]} " == *" $t "* ]]; then
			sq="(SELECT $cols FROM $schema._hist_$t)"
		fi
		if ! out=$(up_diff "$sq" "(SELECT $cols FROM $wschema.$t)"); then
			printf '%s: comparison failed: %s\n' "$t" "$(grep -m1 ERROR <<<"$out" || head -n1 <<<"$out")"
			same=1
			continue
		fi
		n=$(head -n1 <<<"$out")
		if [[ $n != 0 ]]; then
			printf '%s: %s rows differ%s\n' "$t" "$n" "$([[ " ${UP_HISTORY[*]} " == *" $t "* ]] && echo ' from the history of inserts')"
			tail -n +2 <<<"$out" | sed 's/^/    /'
			same=1
		fi
	done
	for t in "${UP_ABSENT[@]}"; do
		if [[ -n $(uwh -c "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = '$wschema' AND c.relname = '$t'") ]]; then
			printf '%s: is in the warehouse, but it is not a job table\n' "$t"
			same=1
		fi
	done
	return $same
}

# The errors a sync printed.
up_errors() { grep -E 'error|fatal|FATAL|ERROR' "$1" | head -n 4 || tail -n 3 "$1"; }

up_cleanup() { # SCHEMA JOBS...
	local schema=$1 j i
	shift
	{
		printf '%s\n' "SELECT format('ROLLBACK PREPARED %L', gid) FROM pg_prepared_xacts
			WHERE database = current_database() AND (gid LIKE '$schema%' OR gid = '') \\gexec"
	} | usrc >/dev/null 2>&1 || true
	for j in "$@"; do
		for ((i = 0; i < 50; i++)); do
			usrc -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
				WHERE slot_name = 'wharf_$j' AND NOT active" >/dev/null 2>&1 || true
			[[ -z $(usrc -c "SELECT 1 FROM pg_replication_slots WHERE slot_name = 'wharf_$j'" 2>/dev/null) ]] && break
			sleep 0.2
		done
		usrc -c "DROP PUBLICATION IF EXISTS wharf_$j, wharf_${j}_ins" >/dev/null 2>&1 || true
		uwh -c "DELETE FROM public.wharf_state WHERE job = '$j'" >/dev/null 2>&1 || true
	done
	if [[ -n $UP_CLEANUP ]]; then up_run_sql "$schema" "$UP_CLEANUP" /dev/null || true; fi
	if [[ -z ${UPSTREAM_KEEP:-} ]]; then
		usrc -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
		uwh -c "DROP SCHEMA IF EXISTS $schema CASCADE" -c "DROP SCHEMA IF EXISTS ${schema}_b CASCADE" >/dev/null 2>&1 || true
	fi
}

up_pending_reason() { # NAME SHAPE
	local e id
	for e in "${PENDING[@]}"; do
		[[ -n $e ]] || continue
		id=${e%% *}
		if [[ $id == "$1" || $id == "$1:$2" ]]; then
			printf '%s' "${e#* }"
			return 0
		fi
	done
	return 1
}

# Prints the result line of one shape (TODO-aware) and its diagnostics.
up_result() { # NAME SHAPE DESCRIPTION PASSED(0|1) DIAG
	local reason
	if reason=$(up_pending_reason "$1" "$2"); then
		if [[ $4 == 0 ]]; then
			PASSED=$((PASSED + 1))
			PENDING_PASSED=$((PENDING_PASSED + 1))
			echo "ok - $3 # TODO passed unexpectedly"
		else
			PENDING_FAILED=$((PENDING_FAILED + 1))
			echo "not ok - $3 # TODO pending: $reason"
		fi
	elif [[ $4 == 0 ]]; then
		ok "$3"
	else
		not_ok "$3"
	fi
	if [[ -n $5 ]]; then
		while IFS= read -r l; do diag "$l"; done <<<"$5"
	fi
}

# Syncs every job of the shape; LOG gets the output, the result is its status.
up_sync() { # LOG JOBFILES...
	local log=$1 f rc=0
	shift
	for f in "$@"; do
		echo "== wharf sync ($(basename "$f" .ini))" >>"$log"
		"$WHARF" -c "$f" sync >>"$log" 2>&1 || { rc=$?; break; }
	done
	return $rc
}

up_compare_all() { # SCHEMA
	up_compare "$1" "$1" || return 1
	if [[ $UP_JOBS == 2 ]]; then up_compare "$1" "${1}_b" || return 1; fi
}

# Runs one step (SQL or a directive) of a shape.
up_unremove() { # NAME
	local keep=() t
	for t in "${UP_REMOVED[@]}"; do [[ $t == "$1" ]] || keep+=("$t"); done
	UP_REMOVED=("${keep[@]}")
}

up_directive() { # SCHEMA DIRECTIVE LOG JOBFILES...
	local schema=$1 d=$2 log=$3 name rest f deadline v
	shift 3
	case $d in
	'!restart-source '*)
		echo "== restart the source (${d#!restart-source })" >>"$log"
		up_restart_source "${d#!restart-source }"
		;;
	'!add-table '*)
		rest=${d#!add-table }
		name=${rest%% *}
		[[ $rest == *' '* ]] && rest=${rest#* } || rest=""
		if [[ " ${UP_TABLES[*]} " != *" $name "* ]]; then UP_ADDED+=("$name"); fi
		up_unremove "$name"
		for f in "$@"; do up_table_section "$schema" "$name" "$rest" >>"$f"; done
		;;
	'!remove-table '*)
		name=${d#!remove-table }
		UP_REMOVED+=("$name")
		for f in "$@"; do
			awk -v h="[table $schema.$name]" '$0 == h { skip = 1; next } /^\[/ { skip = 0 } !skip' "$f" >"$f.tmp"
			mv "$f.tmp" "$f"
		done
		;;
	'!wait '*)
		echo "== wait for: ${d#!wait }" >>"$log"
		deadline=$((SECONDS + 60))
		while :; do
			v=$(up_run_sql_value "$schema" "${d#!wait }" 2>>"$log" || true)
			[[ $v == t ]] && break
			((SECONDS < deadline)) || { echo "ERROR: timed out waiting for: ${d#!wait }" >>"$log"; return 1; }
			sleep 0.2
		done
		;;
	*)
		echo "ERROR: unknown directive: $d" >>"$log"
		return 1
		;;
	esac
}

# Runs one step: its SQL, and its directive lines (those starting with !)
# where they stand.
up_step() { # SCHEMA STEP LOG JOBFILES...
	local schema=$1 step=$2 log=$3 line sql=""
	shift 3
	while IFS= read -r line; do
		if [[ $line == '!'* ]]; then
			if [[ -n ${sql//[[:space:]]/} ]]; then
				echo "== step SQL" >>"$log"
				up_run_sql "$schema" "$sql" "$log" || return 1
			fi
			sql=""
			up_directive "$schema" "$line" "$log" "$@" || return 1
		else
			sql+="$line"$'\n'
		fi
	done <<<"$step"
	if [[ -n ${sql//[[:space:]]/} ]]; then
		echo "== step SQL" >>"$log"
		up_run_sql "$schema" "$sql" "$log" || return 1
	fi
}

up_shape() { # NAME SHAPE
	local name=$1 shape=$2 schema="up_${1}_s$2" job="up_${1}_s$2"
	local log="$TMP/$job.log" jobs=("$job") files=() i rc out diag="" failed=0 desc
	local stopped=0 differs=0 label
	if [[ $UP_JOBS == 2 ]]; then jobs+=("${job}_b"); fi
	UP_ADDED=() UP_REMOVED=()
	: >"$log"
	if [[ -n $UP_REFUSE ]]; then
		desc="$name: wharf refuses the job up front"
	elif [[ $shape == 1 ]]; then
		desc="$name shape 1 (sync after each of ${#UP_STEPS[@]} steps)"
	else
		desc="$name shape 2 (${#UP_STEPS[@]} steps, then one sync)"
	fi

	up_cleanup "$schema" "${jobs[@]}"
	uwh -c "DROP SCHEMA IF EXISTS $schema CASCADE" -c "DROP SCHEMA IF EXISTS ${schema}_b CASCADE" >/dev/null 2>&1 || true
	if ! usrc -c "DROP SCHEMA IF EXISTS $schema CASCADE" -c "CREATE SCHEMA $schema" >>"$log" 2>&1 ||
		! up_run_sql "$schema" "$UP_SETUP" "$log"; then
		up_result "$name" "$shape" "$desc" 1 "setup failed on the source: $(grep -m1 ERROR "$log")"
		up_cleanup "$schema" "${jobs[@]}"
		return
	fi
	for i in "${UP_HISTORY[@]}"; do
		up_run_sql "$schema" "CREATE TABLE _hist_$i AS SELECT * FROM $i;
			CREATE FUNCTION _hist_${i}_f() RETURNS trigger LANGUAGE plpgsql
				AS \$\$BEGIN INSERT INTO @S@._hist_$i SELECT NEW.*; RETURN NULL; END\$\$;
			CREATE TRIGGER _hist_${i}_t AFTER INSERT ON $i FOR EACH ROW EXECUTE FUNCTION _hist_${i}_f();" "$log"
	done
	files=("$(up_job_file "$job" "$schema" 1)")
	if [[ $UP_JOBS == 2 ]]; then files+=("$(up_job_file "${job}_b" "$schema" 2)"); fi

	rc=0
	up_sync "$log" "${files[@]}" || rc=$?
	if [[ -n $UP_REFUSE ]]; then
		out=$(up_errors "$log")
		if [[ $rc != 0 ]] && grep -Eq -- "$UP_REFUSE" "$log"; then
			up_result "$name" "$shape" "$desc" 0 "wharf (exit $rc): $out"
		else
			up_result "$name" "$shape" "$desc" 1 "expected a refusal matching /$UP_REFUSE/; wharf exit $rc: $out"
		fi
		up_cleanup "$schema" "${jobs[@]}"
		return
	fi
	if [[ $rc != 0 ]]; then
		diag="initial sync (snapshot) failed, exit $rc:"$'\n'"$(up_errors "$log")"
		failed=1
		stopped=1
	elif ! out=$(up_compare_all "$schema"); then
		diag="after the initial sync (snapshot):"$'\n'"$out"
		failed=1
		differs=1
	fi

	# shape 1: a sync and a comparison after each step; after a failed sync
	# the steps still run (so that the case ends as it should on the
	# source) but no more syncs; after a difference the syncs go on, to see
	# whether the warehouse converges
	for i in "${!UP_STEPS[@]}"; do
		label="step $((i + 1))"
		case ${UP_LABELS[$i]# } in
		'') ;;
		'('*) label+=" ${UP_LABELS[$i]# }" ;;
		*) label+=" (${UP_LABELS[$i]# })" ;;
		esac
		if ! up_step "$schema" "${UP_STEPS[$i]}" "$log" "${files[@]}"; then
			diag+="${diag:+$'\n'}$label failed on the source: $(grep -m1 -E 'ERROR|error' "$log" || true)"
			failed=1
			stopped=1
			break
		fi
		if [[ $shape == 1 && $stopped == 0 ]]; then
			rc=0
			up_sync "$log" "${files[@]}" || rc=$?
			if [[ $rc != 0 ]]; then
				diag+="${diag:+$'\n'}sync after $label failed, exit $rc:"$'\n'"$(up_errors "$log")"
				failed=1
				stopped=1
			elif ! out=$(up_compare_all "$schema"); then
				if [[ $differs == 0 ]]; then
					diag+="${diag:+$'\n'}first difference, after $label:"$'\n'"$out"
				fi
				differs=1
				failed=1
			elif [[ $differs == 1 ]]; then
				differs=2   # equal again
			fi
		fi
	done
	if [[ $shape == 1 && $stopped == 0 && $differs != 0 ]]; then
		if [[ $differs == 2 ]]; then
			diag+=$'\n'"after the last step the warehouse equals the source again"
		else
			diag+=$'\n'"after the last step:"$'\n'"$out"
		fi
	fi
	if [[ $shape == 2 && $stopped == 0 ]]; then
		rc=0
		up_sync "$log" "${files[@]}" || rc=$?
		if [[ $rc != 0 ]]; then
			diag+="${diag:+$'\n'}the sync after all steps failed, exit $rc:"$'\n'"$(up_errors "$log")"
			failed=1
		elif ! out=$(up_compare_all "$schema"); then
			diag+="${diag:+$'\n'}after the sync of all steps:"$'\n'"$out"
			failed=1
		elif [[ $differs == 1 ]]; then
			diag+=$'\n'"after the sync of all steps the warehouse equals the source"
		fi
	fi
	up_result "$name" "$shape" "$desc" "$failed" "$diag"
	up_cleanup "$schema" "${jobs[@]}"
}

up_case() { # NAME, the case on standard input
	local name=$1 start=$SECONDS i
	up_parse
	if [[ -n ${UPSTREAM_CASES:-} && " $UPSTREAM_CASES " != *" $name "* ]]; then
		return 0
	fi
	UP_SRC_CONN=$WHARF_SOURCE_CONNINFO UP_WH_CONN=$WHARF_WAREHOUSE_CONNINFO UP_WH_ODBC=$WHARF_WAREHOUSE_ODBC
	if [[ -n $UP_SRCDB ]]; then
		up_database "$WHARF_SOURCE_CONNINFO" "$UP_SRCDB" "$UP_SRCENC"
		UP_SRC_CONN="$WHARF_SOURCE_CONNINFO dbname=$UP_SRCDB"
	fi
	for i in "${UP_OTHERDB[@]}"; do up_database "$WHARF_SOURCE_CONNINFO" "$i" UTF8; done
	if [[ -n $UP_WHDB ]]; then
		up_database "$WHARF_WAREHOUSE_CONNINFO" "$UP_WHDB" "$UP_WHENC"
		UP_WH_CONN="$WHARF_WAREHOUSE_CONNINFO dbname=$UP_WHDB"
		UP_WH_ODBC=${WHARF_WAREHOUSE_ODBC/Database=wh;/Database=$UP_WHDB;}
	fi
	echo "# case $name, from ${UP_FROM[*]}"
	up_shape "$name" 1
	if [[ -z $UP_REFUSE ]]; then up_shape "$name" 2; fi
	echo "# case $name: $((SECONDS - start)) s"
}

up_finish() {
	echo "pending: $PENDING_FAILED pending failures (TODO, not counted as failed), $PENDING_PASSED pending cases passed unexpectedly"
	finish
}
