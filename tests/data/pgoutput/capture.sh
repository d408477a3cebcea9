#!/usr/bin/env bash
# capture.sh CONNINFO: recaptures stream.hex (and binary.hex) from a throwaway
# Postgres 15 with wal_level=logical, e.g. one started by ci/services.
# Each output line is "LSN HEX": the lsn column and encode(data, 'hex') of
# pg_logical_slot_peek_binary_changes for one pgoutput message.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
conn=$1
# The slot functions decode only flushed WAL: commit synchronously, or the
# last transactions may be missing when synchronous_commit is off.
export PGOPTIONS='-c synchronous_commit=on'
q() { psql "$conn" -X -q -v ON_ERROR_STOP=1 -At "$@"; }

q -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name IN ('cap', 'capbin')"
q -f "$here/setup.sql"
q -c "SELECT pg_create_logical_replication_slot('cap', 'pgoutput')" >/dev/null
q -f "$here/workload.sql" >/dev/null
peek="SELECT lsn || ' ' || encode(data, 'hex') FROM pg_logical_slot_peek_binary_changes"
q -c "$peek('cap', NULL, NULL, 'proto_version', '1', 'publication_names', 'pub', 'messages', 'true')" \
	>"$here/stream.hex"
# One more transaction, with values in binary ('b').
q -c "SELECT pg_create_logical_replication_slot('capbin', 'pgoutput')" >/dev/null
q -c "INSERT INTO t_basic VALUES (6, 'bin', 2.5, true, NULL)"
q -c "$peek('capbin', NULL, NULL, 'proto_version', '1', 'publication_names', 'pub', 'binary', 'true')" \
	>"$here/binary.hex"
q -c "SELECT pg_drop_replication_slot('cap'), pg_drop_replication_slot('capbin')" >/dev/null
wc -l "$here/stream.hex" "$here/binary.hex"
