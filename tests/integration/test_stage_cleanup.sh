#!/usr/bin/env bash
# An interrupted load leaves no staged objects behind for good.  A snapshot
# and a sync are killed (as by SIGKILL) at their fail points and by SIGKILL,
# SIGINT and SIGTERM sent from here; what a kill leaves under the job's
# _transient/ folder is seen in s3rver's store, and the next run of the job
# removes it and says so, while the output of `wharf stage` and of a
# keep = true load stays.  SIGINT/SIGTERM remove what the run staged
# themselves.  Last, a snapshot of a job that streams is refused (exit 2),
# and the next sync reloads nothing.
. "$(dirname "$0")/lib.sh"

slot_drop wharf_it_scsync
src -c "DROP PUBLICATION IF EXISTS wharf_it_scsync; DROP PUBLICATION IF EXISTS wharf_it_scsync_ins"
src <<'SQL'
DROP SCHEMA IF EXISTS sc CASCADE;
CREATE SCHEMA sc;
-- several 64 kB parts, so that a kill lands between them
CREATE TABLE sc.big (id int PRIMARY KEY, v int NOT NULL, pad text);
INSERT INTO sc.big SELECT g, 0, md5(g::text) || md5((g * 7)::text) FROM generate_series(1, 40000) g;
CREATE TABLE sc.t (id int PRIMARY KEY, v int NOT NULL);
INSERT INTO sc.t SELECT g, 0 FROM generate_series(1, 500) g;
CREATE TABLE sc.log (at int, what text);   -- append: a doubled change would show
INSERT INTO sc.log VALUES (0, 'start');
SQL
wh -c 'DROP SCHEMA IF EXISTS sc CASCADE' \
	-c "DELETE FROM public.wharf_state WHERE job IN ('it_scsnap', 'it_scsync', 'it_scfile')" 2>/dev/null || true

# objects under a prefix, through s3rver directly (test only), and removal
s3_keys() { curl -s "$WHARF_S3RVER_ENDPOINT/$WHARF_S3_BUCKET/?list-type=2&prefix=$1" | { grep -o '<Key>[^<]*' || true; } | sed 's/^<Key>//'; }
left() { s3_count "$1" | tr -d ' '; }
s3_clear() {
	local key
	for key in $(s3_keys "$1"); do curl -s -X DELETE "$WHARF_S3RVER_ENDPOINT/$WHARF_S3_BUCKET/$key" >/dev/null; done
}
s3_clear it/sc/

snapjob=$(job_file it_scsnap postgres "s3://$WHARF_S3_BUCKET/it/sc" '[table sc.big]' '[table sc.t]')
T=it/sc/it_scsnap/_transient/
grep -q . "$snapjob"

# --------------------------------------------------------------------------
# snapshot
# --------------------------------------------------------------------------
check "first snapshot" "$WHARF" -q -c "$snapjob" snapshot
check "a finished snapshot leaves nothing staged" test "$(left it/sc/it_scsnap/)" -eq 0

# retained output of the same job: `wharf stage`, and a keep = true snapshot
check "wharf stage exports" "$WHARF" -q -c "$snapjob" stage
sed 's/^part_size = .*/&\nkeep = true/' "$snapjob" >"$TMP/keep.ini"
chmod 600 "$TMP/keep.ini"
check "a keep = true snapshot" "$WHARF" -q -c "$TMP/keep.ini" snapshot
retained=$(s3_keys it/sc/it_scsnap/ | sort)
nretained=$(echo "$retained" | grep -c . || true)
check "retained output is in the stage ($nretained objects), none of it transient" \
	test "$nretained" -gt 4 -a "$(echo "$retained" | grep -c _transient/ || true)" -eq 0

src -c "UPDATE sc.t SET v = 1"
rc=0
WHARF_FAIL_AT=mid-load "$WHARF" -q -c "$snapjob" snapshot 2>/dev/null || rc=$?
check "snapshot killed mid-load (exit $rc)" test "$rc" -eq 137
n=$(left "$T")
check "the kill left $n objects under _transient/" test "$n" -gt 0
check "nothing of the killed snapshot committed" test "$(wh -c 'SELECT sum(v) FROM sc.t')" -eq 0
"$WHARF" -c "$snapjob" snapshot >/dev/null 2>"$TMP/rerun.err" || true
check "the next snapshot says what it removed" \
	grep -q "stage: removed $n objects of interrupted loads (1 load under s3://$WHARF_S3_BUCKET/$T" "$TMP/rerun.err"
check "the next snapshot loaded" test "$(wh -c 'SELECT sum(v) FROM sc.t')" -eq 500
check "nothing transient is left" test "$(left "$T")" -eq 0
check "the retained output is untouched" test "$(s3_keys it/sc/it_scsnap/ | sort)" == "$retained"

# SIGKILL, SIGINT, SIGTERM sent while the snapshot is loading its parts
for sig in KILL INT TERM; do
	src -c "UPDATE sc.t SET v = v + 1"
	WHARF_PAUSE_AT=mid-load WHARF_PAUSE_SECONDS=4 "$WHARF" -c "$snapjob" snapshot >/dev/null 2>"$TMP/sig$sig.err" &
	pid=$!
	for ((i = 0; i < 200; i++)); do grep -qs 'pausing' "$TMP/sig$sig.err" && break; sleep 0.1; done
	kill -"$sig" "$pid"
	rc=0
	wait "$pid" || rc=$?
	before=$(wh -c 'SELECT sum(v) FROM sc.t')
	if [[ $sig == KILL ]]; then
		check "snapshot killed by SIGKILL (exit $rc)" test "$rc" -eq 137
		n=$(left "$T")
		check "SIGKILL left $n objects under _transient/" test "$n" -gt 0
		check "the next snapshot removes them" "$WHARF" -q -c "$snapjob" snapshot
		check "the next snapshot loaded" test "$(wh -c 'SELECT sum(v) FROM sc.t')" -eq "$(src -c 'SELECT sum(v) FROM sc.t')"
	else
		check "snapshot stopped by SIG$sig exits 1 (exit $rc)" test "$rc" -eq 1
		check "SIG$sig: the snapshot says it is interrupted and rolls back" \
			grep -q "interrupted: stopping; the load is rolled back and its staged objects removed" "$TMP/sig$sig.err"
		check "SIG$sig: the snapshot says what became of the load" \
			grep -q "snapshot: interrupted by SIG$sig: the load was rolled back, and what it had staged is removed" "$TMP/sig$sig.err"
		check "SIG$sig: nothing was loaded" test "$before" -ne "$(src -c 'SELECT sum(v) FROM sc.t')"
		check "SIG$sig: the snapshot removed what it staged" test "$(left "$T")" -eq 0
	fi
	check "SIG$sig: the retained output is untouched" test "$(s3_keys it/sc/it_scsnap/ | sort)" == "$retained"
done

# SIGTERM while the tables are still being read (no pipeline pause: a big read)
src -c "INSERT INTO sc.big SELECT g, 0, repeat(md5(g::text), 8) FROM generate_series(40001, 200000) g"
"$WHARF" -c "$snapjob" snapshot >/dev/null 2>"$TMP/read.err" &
pid=$!
for ((i = 0; i < 300; i++)); do [[ $(left "$T") -gt 0 ]] && break; sleep 0.05; done
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
check "SIGTERM while reading exits 1 (exit $rc)" test "$rc" -eq 1
check "SIGTERM while reading: nothing transient is left" test "$(left "$T")" -eq 0
check "SIGTERM while reading: the warehouse kept its rows" test "$(wh -c 'SELECT count(*) FROM sc.big')" -eq 40000
src -c "DELETE FROM sc.big WHERE id > 40000"

# a file:// stage: the same
# in the folder the warehouse server can read (ci/services), not below TMP:
# a clone may sit below a folder the server user cannot enter
fdir=$WHARF_FILES_DIR/stage_cleanup
rm -rf "$fdir"
filejob=$(job_file it_scfile postgres "file://$fdir" '[table sc.big]')
check "file stage: first snapshot" "$WHARF" -q -c "$filejob" snapshot
check "file stage: wharf stage exports" "$WHARF" -q -c "$filejob" stage
fretained=$(cd "$fdir" && find . -type f | sort)
rc=0
WHARF_FAIL_AT=mid-load "$WHARF" -q -c "$filejob" snapshot 2>/dev/null || rc=$?
check "file stage: snapshot killed mid-load (exit $rc)" test "$rc" -eq 137
n=$(find "$fdir/it_scfile/_transient" -type f | wc -l)
check "file stage: the kill left $n files" test "$n" -gt 0
"$WHARF" -c "$filejob" snapshot >/dev/null 2>"$TMP/frerun.err" || true
check "file stage: the next snapshot says what it removed" grep -q "stage: removed $n objects of interrupted loads" "$TMP/frerun.err"
check "file stage: nothing transient is left" test "$(find "$fdir/it_scfile/_transient" -mindepth 1 | wc -l)" -eq 0
check "file stage: the exported files are untouched" test "$(cd "$fdir" && find . -type f | sort)" == "$fretained"

# --------------------------------------------------------------------------
# sync
# --------------------------------------------------------------------------
syncjob=$(job_file it_scsync postgres "s3://$WHARF_S3_BUCKET/it/sc" '[table sc.t]' '[table sc.log]' 'mode = append')
S=it/sc/it_scsync/_transient/
same() { same_table sc.t sc.t && same_table sc.log sc.log; }
change() { src -c "UPDATE sc.t SET v = v + 1 WHERE id % 5 = $1; INSERT INTO sc.log SELECT g, 'c$1' FROM generate_series(1, 3000) g"; }

rc=0
WHARF_FAIL_AT=snapshot-staged "$WHARF" -q -c "$syncjob" sync 2>/dev/null || rc=$?
check "first sync killed with its snapshot staged (exit $rc)" test "$rc" -eq 137
n=$(left "$S")
check "the kill left $n objects" test "$n" -gt 0
"$WHARF" -c "$syncjob" sync >/dev/null 2>"$TMP/s0.err" || true
check "the next sync removes them and says so" grep -q "stage: removed $n objects of interrupted loads" "$TMP/s0.err"
check "the next sync loaded" same
check "nothing of the sync is left" test "$(left it/sc/it_scsync/)" -eq 0
check "sync leaves the other job's retained output alone" test "$(s3_keys it/sc/it_scsnap/ | sort)" == "$retained"

i=0
for point in after-upload mid-copy after-merge; do
	i=$((i + 1))
	change $i
	rc=0
	WHARF_FAIL_AT=$point "$WHARF" -q -c "$syncjob" sync 2>/dev/null || rc=$?
	check "sync killed at $point (exit $rc)" test "$rc" -eq 137
	n=$(left "$S")
	check "the kill at $point left $n batch objects" test "$n" -gt 0
	"$WHARF" -c "$syncjob" sync >/dev/null 2>"$TMP/s$i.err" || true
	check "the next sync removes them ($point)" grep -q "stage: removed $n objects of interrupted loads" "$TMP/s$i.err"
	check "converged after a kill at $point" same
	check "nothing transient is left after $point" test "$(left "$S")" -eq 0
done

# SIGKILL, SIGINT and SIGTERM from outside while a batch waits to be applied
for sig in KILL INT TERM; do
	change 7
	WHARF_PAUSE_AT=after-upload WHARF_PAUSE_SECONDS=3 "$WHARF" -c "$syncjob" sync >/dev/null 2>"$TMP/ssig$sig.err" &
	pid=$!
	for ((i = 0; i < 200; i++)); do grep -qs 'pausing' "$TMP/ssig$sig.err" && break; sleep 0.1; done
	kill -"$sig" "$pid"
	rc=0
	wait "$pid" || rc=$?
	if [[ $sig == KILL ]]; then
		check "sync killed by SIGKILL (exit $rc)" test "$rc" -eq 137
		check "SIGKILL left batch objects" test "$(left "$S")" -gt 0
		check "the next sync converges" "$WHARF" -q -c "$syncjob" sync
	else
		check "sync stopped by SIG$sig exits 0 (exit $rc)" test "$rc" -eq 0
		check "SIG$sig: sync says it finishes the batch" \
			grep -q "sync: interrupted by SIG$sig: applying the transactions read so far, then stopping" "$TMP/ssig$sig.err"
	fi
	check "SIG$sig: converged" same
	check "SIG$sig: nothing transient is left" test "$(left "$S")" -eq 0
done

# --------------------------------------------------------------------------
# a snapshot of a job that streams
# --------------------------------------------------------------------------
change 3
check "sync before the snapshot" "$WHARF" -q -c "$syncjob" sync
change 4
rc=0
"$WHARF" -c "$syncjob" snapshot >/dev/null 2>"$TMP/snap.err" || rc=$?
check "a snapshot of a streaming job is refused with exit 2 (exit $rc)" test "$rc" -eq 2
check "the refusal names sync --reload and sync --resnapshot" \
	grep -q "sync --reload TABLE.*sync --resnapshot" "$TMP/snap.err"
check "the refused snapshot changed nothing" test "$(wh -c "SELECT count(*) FROM sc.log WHERE what = 'c4'")" -eq 0
"$WHARF" -c "$syncjob" sync >"$TMP/after.out" 2>"$TMP/after.err"
check "the next sync reloads no table" test "$(grep -c 'loaded .* from the snapshot\|joined the job' "$TMP/after.err" || true)" -eq 0
check "the next sync applies the changes it should" grep -q "synced job it_scsync to .*: 3100 changes" "$TMP/after.out"
check "after the refused snapshot: converged, the append history once" same
# --reload: the way a streaming table is refreshed
check "sync --reload sc.t" "$WHARF" -q -c "$syncjob" sync --reload sc.t
check "after --reload: converged" same

slot_drop wharf_it_scsync
finish
