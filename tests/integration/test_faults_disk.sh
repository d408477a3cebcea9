#!/usr/bin/env bash
# Disk faults: wharf spools each S3 part in TMPDIR while it is written.  The
# spool fills up (a 1 MB tmpfs when this machine lets us mount one: ENOSPC;
# always also a file size limit, ulimit -f: EFBIG) or does not exist.  wharf
# exits 1 with an error naming the table, the part and the reason; nothing
# is applied (warehouse rows, state rows and stream position unchanged), no
# spool file and no staged object is left, and the next run converges.
# Both `snapshot` and `sync` (its first run and a later batch).
. "$(dirname "$0")/lib.sh"

SLOT=wharf_it_faults_disk
SPOOL=$TMP/spool
MOUNTED=
cleanup() {
	if [[ -n $MOUNTED ]]; then
		umount "$SPOOL" 2>/dev/null || true
	fi
}
trap cleanup EXIT

src -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$SLOT'" >/dev/null
src -c "DROP PUBLICATION IF EXISTS $SLOT; DROP PUBLICATION IF EXISTS ${SLOT}_ins"
src <<'SQL'
DROP SCHEMA IF EXISTS fdisk CASCADE;
CREATE SCHEMA fdisk;
-- about 3 MB of gzip: more than the spool holds
CREATE TABLE fdisk.t (id int PRIMARY KEY, v int NOT NULL, note text);
INSERT INTO fdisk.t SELECT g, 0, md5(g::text) || md5((-g)::text) FROM generate_series(1, 60000) g;
CREATE TABLE fdisk.s (id int PRIMARY KEY, v int NOT NULL, note text);   -- the snapshot job's
INSERT INTO fdisk.s SELECT g, 0, md5(g::text) || md5((-g)::text) FROM generate_series(1, 60000) g;
SQL
wh -c 'DROP SCHEMA IF EXISTS fdisk CASCADE' -c "DELETE FROM public.wharf_state WHERE job LIKE 'it_faults_disk%'" 2>/dev/null || true
job=$(job_file it_faults_disk postgres "s3://$WHARF_S3_BUCKET/it/faults-disk" '[table fdisk.t]')
snapjob=$(job_file it_faults_disksnap postgres "s3://$WHARF_S3_BUCKET/it/faults-disksnap" '[table fdisk.s]')
# one big part: the spool must hold it whole
sed -i 's/^part_size = 64kB$/part_size = 64MB/' "$job" "$snapjob"

spool_empty() { [[ -z $(find "$1" -name 'wharf-*' 2>/dev/null) ]]; }

mkdir -p "$SPOOL"
if mount -t tmpfs -o size=1m tmpfs "$SPOOL" 2>/dev/null; then
	MOUNTED=1
	LIMITS=(tmpfs ulimit missing)
else
	echo "# cannot mount a tmpfs here: the full-disk (ENOSPC) case is left out, the file size limit stays"
	LIMITS=(ulimit missing)
fi

# limited LIMIT NAME ARGS...: wharf with the spool limited; exit code in RC, stderr in ERR
limited() {
	local limit=$1 name=$2
	shift 2
	ERR=$TMP/$name.err
	RC=0
	case $limit in
		tmpfs) TMPDIR=$SPOOL "$WHARF" "$@" >/dev/null 2>"$ERR" || RC=$? ;;
		ulimit) (trap '' XFSZ; ulimit -f 512; TMPDIR=$TMP exec "$WHARF" "$@") >/dev/null 2>"$ERR" || RC=$? ;;
		missing) TMPDIR=$TMP/no-such-dir "$WHARF" "$@" >/dev/null 2>"$ERR" || RC=$? ;;
	esac
}
reason() {
	case $1 in
		tmpfs) echo "No space left on device" ;;
		ulimit) echo "File too large" ;;
		missing) echo "No such file or directory" ;;
	esac
}
spool_of() { case $1 in tmpfs) echo "$SPOOL" ;; *) echo "$TMP" ;; esac; }

# --------------------------------------------------------------------------
# snapshot
# --------------------------------------------------------------------------
check "first snapshot" "$WHARF" -q -c "$snapjob" snapshot
i=0
for limit in "${LIMITS[@]}"; do
	i=$((i + 1))
	src -c "UPDATE fdisk.s SET v = v + 1 WHERE id % 4 = $i"
	before=$(job_fingerprint it_faults_disksnap fdisk.s)
	limited "$limit" "snap-$limit" -c "$snapjob" snapshot
	check "snapshot, spool $limit: exit 1 (exit $RC)" test "$RC" -eq 1
	check "snapshot, spool $limit: the error names the table, the part and the reason" \
		grep -Eq "stage: table fdisk.s: cannot (write|create) part .*$(reason "$limit")" "$ERR"
	check "snapshot, spool $limit: nothing applied" test "$(job_fingerprint it_faults_disksnap fdisk.s)" = "$before"
	check "snapshot, spool $limit: no spool file left" spool_empty "$(spool_of "$limit")"
	check "snapshot, spool $limit: no staged object left" test "$(s3_count it/faults-disksnap/)" -eq 0
	check "snapshot, spool $limit: the next run converges" "$WHARF" -q -c "$snapjob" snapshot
	check "snapshot, spool $limit: converged" same_table fdisk.s fdisk.s
done

# --------------------------------------------------------------------------
# sync: the first run (its snapshot), then a batch
# --------------------------------------------------------------------------
limited ulimit sync-first -c "$job" sync
check "sync first run, spool limited: exit 1 (exit $RC)" test "$RC" -eq 1
check "sync first run, spool limited: the error names the part and the reason" grep -q "cannot write part .*File too large" "$ERR"
check "sync first run, spool limited: no table appeared" test "$(wh -c "SELECT count(*) FROM public.wharf_state WHERE job = 'it_faults_disk'")" -eq 0
check "sync first run, spool limited: no spool file left" spool_empty "$TMP"
check "sync: the next first run converges" "$WHARF" -q -c "$job" sync
check "sync: converged after the first run" same_table fdisk.t fdisk.t

for limit in "${LIMITS[@]}"; do
	i=$((i + 1))
	# every row changes: the batch is about as big as the table
	change_end=$(src -c "UPDATE fdisk.t SET v = v + 1, note = md5(note) || md5(v::text)" -c "SELECT pg_current_wal_insert_lsn()")
	before=$(job_fingerprint it_faults_disk fdisk.t)
	limited "$limit" "sync-$limit" -c "$job" sync
	check "sync batch, spool $limit: exit 1 (exit $RC)" test "$RC" -eq 1
	check "sync batch, spool $limit: the error names the table, the part and the reason" \
		grep -Eq "stage: table fdisk.t: cannot (write|create) part .*$(reason "$limit")" "$ERR"
	check "sync batch, spool $limit: nothing applied, position unchanged" test "$(job_fingerprint it_faults_disk fdisk.t)" = "$before"
	check "sync batch, spool $limit: the slot still holds the change" \
		test "$(src -c "SELECT confirmed_flush_lsn < '$change_end' FROM pg_replication_slots WHERE slot_name = '$SLOT'")" = t
	check "sync batch, spool $limit: no spool file left" spool_empty "$(spool_of "$limit")"
	check "sync batch, spool $limit: no staged object left" test "$(s3_count it/faults-disk/)" -eq 0
	check "sync batch, spool $limit: the next run converges" "$WHARF" -q -c "$job" sync
	check "sync batch, spool $limit: converged" same_table fdisk.t fdisk.t
done

src -c "SELECT pg_drop_replication_slot('$SLOT')" >/dev/null
finish
