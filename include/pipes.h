/*
 * pipes.h
 *    The Dagster Pipes protocol, spoken by wharf itself when an orchestrator
 *    runs it as a Pipes external process (Dagster's PipesSubprocessClient).
 *
 * The module owns the Pipes session: the context it reads from the
 * DAGSTER_PIPES_CONTEXT bootstrap variable (the asset keys the step
 * targets), the message channel DAGSTER_PIPES_MESSAGES names (a file, or
 * stdout or stderr), and the materializations of the run, which it gathers
 * per asset and writes when the run ends.  Every message is one JSON object
 * on a line of its own, written whole and flushed, with every registered
 * secret masked (log.h).  When wharf does not run under Dagster every
 * function here does nothing.
 *
 * Tables map to assets by their warehouse table: an asset key of the
 * context names a table when its last component is the table's name in
 * the warehouse (as the job writes it, before a warehouse folds its case)
 * and the components before it are either nothing, or end with the
 * warehouse schema, or with the source schema.  So "customers",
 * "analytics/customers" and "raw/analytics/customers" all name the table
 * loaded into analytics.customers.  Only tables an asset key names are
 * reported; a step that targets no asset (an op) gets logs only.
 */
#ifndef WHARF_PIPES_H
#define WHARF_PIPES_H

#include <stdbool.h>
#include <stdint.h>

#include "table.h"

/* What one commit did to one table, for its materialization. */
typedef struct pipes_load
{
	bool		snapshot;		/* rows loaded from a snapshot; else changes of a batch */
	uint64_t	count;			/* rows loaded, or changes applied */
	const char *load_id;		/* the load or batch id, or NULL */
	const char *lsn;			/* stream position committed with it, or NULL */
	/*
	 * Seconds from the source's state it holds (the snapshot read, the
	 * commit of the batch's last transaction) to the warehouse commit; < 0
	 * when not known.
	 */
	double		lag_s;
	double		duration_s;		/* how long the load or batch took */
} pipes_load;

/*
 * Reads the bootstrap variables and opens the message channel, writing the
 * `opened` message.  Not under Dagster (DAGSTER_PIPES_CONTEXT unset): does
 * nothing and returns true.  A context or channel it cannot use is reported
 * (log_error) and returns false.
 */
extern bool pipes_open(void);
extern bool pipes_active(void);

/*
 * A `log` message: level is log.c's name of it ("error", "warning", "info",
 * "debug"), message the line as written, secrets already masked.  Called by
 * log.c for every line it writes, under its lock: it never logs itself.
 */
extern void pipes_log(const char *level, const char *message);

/*
 * Records what a committed load or batch did to table t, if an asset key
 * of the context names it (see above); reported at pipes_close, one
 * materialization per asset with the run's totals, since the protocol
 * leaves a second report of an asset undefined.  Thread-safe.
 */
extern void pipes_materialization(const table_def *t, const pipes_load *load);

/*
 * Writes the materializations gathered, then `closed`: with an exception
 * when exit_code is not 0, whose message is error_message or else the
 * first error line logged.  Returns false (reported) when a message could
 * not be written: Dagster then misses part of the run.
 */
extern bool pipes_close(int exit_code, const char *error_message);

#endif
