/*
 * extract.h
 *    Reading every job table from one consistent snapshot into the stage,
 *    with parallel readers that share the snapshot.
 *
 * The snapshot comes from a provider: today an exported REPEATABLE READ
 * snapshot of a coordinator connection; with change data capture, the
 * snapshot a replication slot exports when it is created.  Readers only
 * need its name.
 */
#ifndef WHARF_EXTRACT_H
#define WHARF_EXTRACT_H

#include <stdbool.h>

#include "job.h"
#include "stage.h"
#include "table.h"

/*
 * Stages tables[0..n) as of snapshot_name into the stage, with up to
 * `readers` connections; renders[i] has tables[i].ncols entries.  On success
 * results[i] describes table i's staged load, and partitions[i] (when
 * partitions is not NULL) the partitions of a partitioned table as of the
 * same snapshot (empty for other tables; the caller frees them).  A
 * partitioned table is one unit of work, read whole by one reader.  On
 * failure nothing staged by this call is left behind.
 */
extern bool extract_tables(const job *j, const stage *s, const char *snapshot_name,
						   const char *load_id, const table_def *tables,
						   col_render *const *renders, int n, int readers,
						   stage_result *results, table_partitions *partitions);

/*
 * The same, telling on_part(arg, table, folder, name) of each part of
 * table number table as soon as it is in the stage (from the reader's
 * thread), so that a loader can load it while the rest is read.
 */
typedef void (*extract_part_fn) (void *arg, int table, const char *folder, const char *name);
extern bool extract_tables_notify(const job *j, const stage *s, const char *snapshot_name,
								  const char *load_id, const table_def *tables,
								  col_render *const *renders, int n, int readers,
								  stage_result *results, table_partitions *partitions,
								  extract_part_fn on_part, void *arg);

#endif
