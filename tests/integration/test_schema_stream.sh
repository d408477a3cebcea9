#!/usr/bin/env bash
# Columns follow the stream, and unchanged TOAST values survive key changes.
# Each case starts from t (a int primary key, b text) loaded by a first sync,
# then plays its steps in two shapes: a sync after every step ("step"), and
# all steps first, then one sync ("once").  Each ends with source and
# warehouse compared row by row, plus the case's own checks.
. "$(dirname "$0")/lib.sh"

slot_drop() { src -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$1' AND NOT active" >/dev/null; }

# begin_case ID SETUP_SQL [TABLE_OPTION_LINES...]: fresh schema ss_ID with
# t, a job of the same name, and the first sync (the snapshot).
begin_case() {
	id=$1
	schema=ss_$1
	local setup=$2
	shift 2
	slot_drop "wharf_$id"
	src -c "SET client_min_messages = warning" -c "DROP PUBLICATION IF EXISTS wharf_$id" \
		-c "DROP PUBLICATION IF EXISTS wharf_${id}_ins"
	src -c "SET client_min_messages = warning" -c "DROP SCHEMA IF EXISTS $schema CASCADE" \
		-c "CREATE SCHEMA $schema" -c "SET search_path = $schema" \
		-c "CREATE TABLE t (a int PRIMARY KEY, b text)" -c "$setup"
	wh -c "SET client_min_messages = warning" -c "DROP SCHEMA IF EXISTS $schema CASCADE" \
		-c "DELETE FROM public.wharf_state WHERE job = '$id'" 2>/dev/null || true
	job=$(job_file "$id" postgres "s3://$WHARF_S3_BUCKET/it/$id" "[table $schema.t]" "$@")
	log=$TMP/$id.log
	: >"$log"
	failed_before=$FAILED
	check "$id: first sync" sync_job
}
sync_job() { "$WHARF" -c "$job" sync >>"$log" 2>&1; }
end_case() {
	slot_drop "wharf_$id"
	src -c "DROP PUBLICATION IF EXISTS wharf_$id" -c "DROP PUBLICATION IF EXISTS wharf_${id}_ins"
	if [[ $FAILED -gt $failed_before ]]; then show_log; fi
}
# play SHAPE STEP_SQL...: each step at the source, and syncs as the shape says.
play() {
	local shape=$1 ok=true
	shift
	for step in "$@"; do
		src -c "SET search_path = $schema" -c "$step"
		if [[ $shape == step ]] && ! sync_job; then ok=false; fi
	done
	if [[ $shape == once ]] && ! sync_job; then ok=false; fi
	$ok
}
same_t() { same_table "$schema.t" "$schema.t"; }
whv() { wh -c "SET search_path = $schema" -c "$1"; }
show_log() { sed 's/^/  # /' "$log"; }

BIG="repeat(md5('big'), 16000)"    # 512 kB, stored out of line (STORAGE EXTERNAL)

# --- unchanged TOAST values under a key change ---
for shape in step once; do
	# REPLICA IDENTITY FULL: the old row is in the stream
	begin_case "toastfull_$shape" "ALTER TABLE t REPLICA IDENTITY FULL; ALTER TABLE t ALTER b SET STORAGE EXTERNAL; INSERT INTO t VALUES (2, 'two')"
	check "toastfull_$shape: sync" play "$shape" \
		"INSERT INTO t VALUES (1, $BIG)" \
		"UPDATE t SET a = 10 WHERE a = 1"
	check "toastfull_$shape: the moved row keeps its TOAST value" same_t
	check "toastfull_$shape: no b became NULL" test "$(whv 'SELECT count(*) FROM t WHERE b IS NULL')" -eq 0
	end_case

	# the default identity: the old value is in the warehouse under the old key
	begin_case "toastkey_$shape" "ALTER TABLE t ALTER b SET STORAGE EXTERNAL; INSERT INTO t VALUES (2, 'two'), (3, $BIG)"
	check "toastkey_$shape: sync" play "$shape" \
		"INSERT INTO t VALUES (1, $BIG || 'one')" \
		"UPDATE t SET a = 10 WHERE a = 1" \
		"UPDATE t SET a = 30 WHERE a = 3; UPDATE t SET a = 2 WHERE a = 30 AND false" \
		"DELETE FROM t WHERE a = 2; UPDATE t SET a = 2 WHERE a = 10" \
		"UPDATE t SET a = 40 WHERE a = 30; UPDATE t SET a = 41 WHERE a = 40" \
		"UPDATE t SET a = a + 100"
	check "toastkey_$shape: moved rows keep their TOAST values" same_t
	check "toastkey_$shape: no b became NULL" test "$(whv 'SELECT count(*) FROM t WHERE b IS NULL')" -eq 0
	end_case
done

finish
