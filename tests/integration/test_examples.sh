#!/usr/bin/env bash
# examples/: the Dagster definitions and the Airflow DAGs compile
# (py_compile: neither Dagster nor Airflow is installed here), the cron
# wrapper parses (bash -n) and the crontab is one cron reads
# (tests/tools/crontab_check.py, itself shown to refuse bad lines); then the
# wrapper runs real wharf commands against the services: its log, its exit
# codes, and the lock that makes a second run skip.
. "$(dirname "$0")/lib.sh"

root=$(cd "$(dirname "$0")/../.." && pwd)
ex=$root/examples
cron_check() { python3 "$root/tests/tools/crontab_check.py" "$@"; }
export PYTHONPYCACHEPREFIX=$TMP/pycache

check "examples/dagster/definitions.py compiles" python3 -m py_compile "$ex/dagster/definitions.py"
check "examples/airflow/wharf_dags.py compiles" python3 -m py_compile "$ex/airflow/wharf_dags.py"
check "examples/cron/wharf-cron parses" bash -n "$ex/cron/wharf-cron"
check "examples/cron/wharf-cron is executable" test -x "$ex/cron/wharf-cron"
check "examples/cron/wharf.cron is a crontab cron reads" cron_check "$ex/cron/wharf.cron"
for bad in '61 * * * * wharf /bin/true' '*/0 * * * * wharf /bin/true' '* * * 13 * wharf /bin/true' \
	'* * * * fri-mon wharf /bin/true' '* * * * * /bin/true' '* * * * * wharf wharf-cron' \
	'*/15 * * * wharf /bin/true' '@sometimes wharf /bin/true'; do
	printf '%s\n' "$bad" >"$TMP/bad.cron"
	check "the crontab check refuses: $bad" bash -c '! python3 "$1" "$2" >/dev/null' _ \
		"$root/tests/tools/crontab_check.py" "$TMP/bad.cron"
done
printf '*/15 * * * * wharf /bin/true' >"$TMP/nonl.cron"
check "the crontab check refuses a last line without its newline" bash -c '! python3 "$1" "$2" >/dev/null' _ \
	"$root/tests/tools/crontab_check.py" "$TMP/nonl.cron"
printf '0 3 * jan-mar 1-5 wharf /bin/true\n@daily wharf /bin/true\n' >"$TMP/good.cron"
check "the crontab check takes names, ranges and nicknames" cron_check "$TMP/good.cron"

# --- the wrapper, for real --------------------------------------------------
job=$(job_file it_examples postgres "s3://$WHARF_S3_BUCKET/it/examples" '[table public.it_examples]')
src -c 'DROP TABLE IF EXISTS public.it_examples; CREATE TABLE public.it_examples (id int PRIMARY KEY)'
export WHARF WHARF_LOG_DIR=$TMP/log WHARF_LOCK_DIR=$TMP/lock
log=$WHARF_LOG_DIR/it_examples.log
"$ex/cron/wharf-cron" "$job" check >"$TMP/cron1.out" 2>&1 && rc=0 || rc=$?
check "wrapper: wharf check succeeds, exit 0" test "$rc" = 0
check "wrapper: nothing on its output when the run succeeds (cron mails nothing)" test ! -s "$TMP/cron1.out"
check "wrapper: the log has the run between header and footer" \
	bash -c 'grep -q "^=== .* wharf -c .* check (pid [0-9]*)$" "$1" && grep -q "^=== .* exit 0 after [0-9]* s$" "$1" && grep -q "^warehouse  *ok" "$1"' _ "$log"

# the same job's name, so the same log
mkdir -p "$TMP/bad"
printf '[job]\nname = it_examples\nbogus = 1\n' >"$TMP/bad/it_examples.ini"
"$ex/cron/wharf-cron" "$TMP/bad/it_examples.ini" check >"$TMP/cron2.out" 2>&1 && rc=0 || rc=$?
check "wrapper: a job-file error passes wharf's exit 2 on" test "$rc" = 2
check "wrapper: a failure prints the log's end for cron to mail" grep -q 'unknown key "bogus"' "$TMP/cron2.out"

# the lock: held by a run still going, the next one skips with 75
runs=$(grep -c '^=== .* (pid' "$log")
mkdir -p "$WHARF_LOCK_DIR"
exec {held}>"$WHARF_LOCK_DIR/wharf-it_examples.lock"
flock -n "$held"
"$ex/cron/wharf-cron" "$job" check >"$TMP/cron3.out" 2>&1 && rc=0 || rc=$?
exec {held}>&-
check "wrapper: a run that finds the lock held exits 75" test "$rc" = 75
check "wrapper: ... and logs that it skipped" grep -q 'the previous run still holds .*: skipped$' "$log"
check "wrapper: ... without running wharf" test "$(grep -c '^=== .* (pid' "$log")" = "$runs"
"$ex/cron/wharf-cron" "$job" >/dev/null 2>&1 && rc=0 || rc=$?
check "wrapper: bad usage exits 64" test "$rc" = 64
src -c 'DROP TABLE public.it_examples'

finish
