/*
 * load.h
 *    Turning staged tables into warehouse statements and running them: the
 *    one place that decides the order of DDL, COPY, apply and state, so that
 *    `plan` prints exactly what a load runs.
 *
 * A load is one warehouse transaction: every table's DDL, COPY into its
 * staging table, set-based apply, and its state row commit together or not
 * at all.
 */
#ifndef WHARF_LOAD_H
#define WHARF_LOAD_H

#include <stdbool.h>
#include <stdio.h>

#include "buf.h"
#include "job.h"
#include "sink.h"
#include "stage.h"
#include "table.h"
#include "warehouse.h"

/* Presigned URLs handed to the warehouse live this long. */
#define LOAD_URL_EXPIRES_S 3600

typedef struct load_table
{
	const table_def *t;
	const stage_result *staged; /* NULL when planning: placeholders stand in */
} load_table;

/*
 * Builds the statements of one load, in order, into script.  lsn is the
 * position the load brings the tables to (NULL for a plain snapshot).
 */
extern bool load_script(const sink_dialect *d, const job *j, const stage *s,
						load_kind kind, const char *load_id, const char *lsn,
						const load_table *tables, int ntables, strlist *script);
/* Runs script in one transaction and commits; rolls back on any failure. */
extern bool load_run(wh_session *wh, const strlist *script);
/* Prints script as SQL text, one statement after another. */
extern void load_print(FILE *out, const strlist *script);

#endif
