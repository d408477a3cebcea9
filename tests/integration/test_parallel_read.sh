#!/usr/bin/env bash
# Parallel readers inside one table: a plain table of many pages is read in
# ranges of its pages by several readers under the one exported snapshot
# (TID range scans), each staging parts of its own; one manifest lists them
# all, and the warehouse ends equal to the source, for snapshot and for the
# initial load of sync.  A small table beside it is read whole.
. "$(dirname "$0")/lib.sh"

src <<'SQL'
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS pr CASCADE;
CREATE SCHEMA pr;
CREATE TABLE pr.big (id bigint PRIMARY KEY, v text, n numeric(12,2));
INSERT INTO pr.big
SELECT g, md5(g::text) || md5((g * 7)::text) || repeat('x', g % 50), g / 100.0
FROM generate_series(1, 200000) g;
CREATE TABLE pr.small (id int PRIMARY KEY, v text);
INSERT INTO pr.small SELECT g, 'v' || g FROM generate_series(1, 100) g;
-- holes, and rows that moved to later pages
DELETE FROM pr.big WHERE id % 97 = 0;
UPDATE pr.big SET v = v || '-updated' WHERE id % 89 = 0;
SQL
pages=$(src -c "SELECT pg_relation_size('pr.big') / current_setting('block_size')::int")
rows=$(src -c "SELECT count(*) FROM pr.big")
check "pr.big is large enough for two ranges ($pages pages)" test "$pages" -ge 2048

# manifest_parts JOB_PREFIX: the parts pr.big's manifest lists, and the parts stored
manifest_parts() {
	local key
	key=$(curl -s "$WHARF_S3RVER_ENDPOINT/$WHARF_S3_BUCKET/?list-type=2&prefix=$1" |
		grep -o '<Key>[^<]*pr\.big/manifest\.json</Key>' | sed 's/<[^>]*>//g' | head -1)
	[[ -n $key ]] || { echo "none none"; return; }
	local listed stored
	listed=$(curl -s "$WHARF_S3RVER_ENDPOINT/$WHARF_S3_BUCKET/$key" | grep -o '"url"' | wc -l)
	stored=$(curl -s "$WHARF_S3RVER_ENDPOINT/$WHARF_S3_BUCKET/?list-type=2&prefix=${key%manifest.json}" |
		grep -o '<Key>[^<]*part-[^<]*</Key>' | wc -l)
	echo "$listed $stored"
}

for readers in 1 2 3; do
	name=it_pr_$readers
	job=$(job_file "$name" postgres "s3://$WHARF_S3_BUCKET/it/pr$readers" '[table pr.big]' '[table pr.small]')
	sed -i "s/^conninfo = \(.*\)$/conninfo = \1\nparallel = $readers/" "$job"
	sed -i 's/^part_size = .*/part_size = 1MB\nkeep = true/' "$job"
	wh -c "SET client_min_messages = warning" -c 'DROP SCHEMA IF EXISTS pr CASCADE' \
		-c "DELETE FROM public.wharf_state WHERE job = '$name'" 2>/dev/null || true
	err=$TMP/$name.err
	check "parallel = $readers: snapshot exits 0" "$WHARF" -c "$job" snapshot 2>"$err"
	check "parallel = $readers: pr.big equal" same_table pr.big pr.big
	check "parallel = $readers: pr.small equal" same_table pr.small pr.small
	want=$((pages / 1024 < readers ? pages / 1024 : readers))
	read -r listed stored < <(manifest_parts "it/pr$readers/")
	check "parallel = $readers: the manifest lists every stored part ($listed of $stored)" \
		test "$listed" = "$stored" -a "$stored" != none
	if ((readers > 1)); then
		check "parallel = $readers: pr.big read by $want readers" \
			grep -q "staged pr.big: $rows rows in [0-9]* parts by $want readers" "$err"
		check "parallel = $readers: parts of range $want stored" \
			test "$(s3_count "it/pr$readers/$name/" | tr -d ' ')" -gt 0 -a \
			"$(curl -s "$WHARF_S3RVER_ENDPOINT/$WHARF_S3_BUCKET/?list-type=2&prefix=it/pr$readers/" | grep -c "part-r$((want - 1))-")" -ge 1
	else
		check "parallel = 1: pr.big read whole" grep -q "staged pr.big: $rows rows in [0-9]* parts, " "$err"
	fi
	check "parallel = $readers: pr.small read whole" grep -q "staged pr.small: 100 rows in 1 part," "$err"
done

# a snapshot loads each part as soon as it is staged, all in one
# transaction: killed after its first part's COPY, with more of the table
# still to stage, the warehouse keeps what it had, and the next run converges
name=it_pr_pipe
job=$(job_file "$name" postgres "s3://$WHARF_S3_BUCKET/it/prpipe" '[table pr.big]' '[table pr.small]')
sed -i "s/^conninfo = \(.*\)$/conninfo = \1\nparallel = 2/" "$job"
sed -i 's/^part_size = .*/part_size = 1MB/' "$job"
wh -c "SET client_min_messages = warning" -c 'DROP SCHEMA IF EXISTS pr CASCADE' \
	-c "DELETE FROM public.wharf_state WHERE job = '$name'" 2>/dev/null || true
check "pipelined: first snapshot exits 0" "$WHARF" -q -c "$job" snapshot
fingerprint() { wh -c "SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM pr.big t"; }
src -c "UPDATE pr.small SET id = id" -c "DELETE FROM pr.big WHERE ctid IN (SELECT ctid FROM pr.big LIMIT 10)"
before=$(fingerprint)
(WHARF_FAIL_AT=mid-load exec "$WHARF" -v -v -c "$job" snapshot) >/dev/null 2>"$TMP/pipe.err" || true
check "pipelined: killed after its first part's COPY" grep -q "WHARF_FAIL_AT=mid-load" "$TMP/pipe.err"
check "pipelined: that COPY ran before pr.big was all staged" awk '
	/trace: warehouse: COPY "pr"\."big"/ && !c { c = NR }
	/staged pr\.big:/ { s = NR }
	END { exit !(c && (!s || c < s)) }' "$TMP/pipe.err"
check "pipelined: the warehouse kept what it had" test "$(fingerprint)" = "$before"
check "pipelined: the next snapshot converges" "$WHARF" -q -c "$job" snapshot
check "pipelined: pr.big equal" same_table pr.big pr.big

# the initial load of sync reads in ranges the same way
name=it_pr_sync
src -c "SELECT pg_drop_replication_slot('wharf_$name') FROM pg_replication_slots WHERE slot_name = 'wharf_$name'" >/dev/null
job=$(job_file "$name" postgres "s3://$WHARF_S3_BUCKET/it/prsync" '[table pr.big]' '[table pr.small]')
wh -c "SET client_min_messages = warning" -c 'DROP SCHEMA IF EXISTS pr CASCADE' \
	-c "DELETE FROM public.wharf_state WHERE job = '$name'" 2>/dev/null || true
check "sync: first run exits 0" "$WHARF" -c "$job" sync 2>"$TMP/$name.err"
check "sync: pr.big read by 2 readers" grep -q "staged pr.big: .* by 2 readers" "$TMP/$name.err"
src -c "UPDATE pr.big SET n = n + 1 WHERE id % 1000 = 1" -c "DELETE FROM pr.big WHERE id % 1000 = 2"
check "sync: changes after the load apply" "$WHARF" -q -c "$job" sync
check "sync: pr.big equal" same_table pr.big pr.big
check "sync: no staged objects left" test "$(s3_count it/prsync/ | tr -d ' ')" -eq 0
src -c "SELECT pg_drop_replication_slot('wharf_$name')" >/dev/null
src -c "SET client_min_messages = warning" -c "DROP PUBLICATION IF EXISTS wharf_$name" \
	-c "DROP PUBLICATION IF EXISTS wharf_${name}_ins"

finish
