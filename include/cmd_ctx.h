/*
 * cmd_ctx.h
 *    What every command sets up before it changes anything: the job, its
 *    dialect, the source connection and table descriptions, the stage and
 *    the warehouse session.  Each ctx_ function reports its own failure and
 *    returns an exit code (see commands.h); ctx_close releases everything.
 */
#ifndef WHARF_CMD_CTX_H
#define WHARF_CMD_CTX_H

#include <libpq-fe.h>
#include <signal.h>

#include "commands.h"
#include "job.h"
#include "sink.h"
#include "stage.h"
#include "table.h"
#include "warehouse.h"

typedef struct cmd_ctx
{
	job			j;
	bool		job_loaded;
	const sink_dialect *d;
	sink_dialect dialect_kept;	/* d with the job's keep_case: its fold left out */
	PGconn	   *src;
	table_def  *tables;
	col_render **renders;
	int			ntables;
	stage		st;
	bool		stage_opened;
	wh_session *wh;
} cmd_ctx;

extern int	ctx_job(const cmd_options *o, cmd_ctx *c);
extern int	ctx_source(cmd_ctx *c);
/*
 * Checks every merge table's key and replica identity (source_check_keys),
 * reporting each table's problem: what check, snapshot and sync refuse
 * before they create anything.
 */
extern int	ctx_check_tables(cmd_ctx *c);
/*
 * Keeps the tables of mode = incremental (incremental true) or the others,
 * in the context and its job; an error when none is left.
 */
extern int	ctx_keep_tables(cmd_ctx *c, bool incremental);
extern int	ctx_stage(cmd_ctx *c, bool check);
extern int	ctx_warehouse(cmd_ctx *c, const char *command);
/*
 * Runs the load's DDL (schemas, state table, tables) and rolls it back, so
 * missing rights show before anything is staged or created.
 */
extern int	ctx_probe_warehouse(cmd_ctx *c);
extern void ctx_close(cmd_ctx *c);
/*
 * The run's object of each table (report.h), with what was staged of it
 * when r is not NULL (its manifest when kept).
 */
extern void ctx_report_tables(const cmd_ctx *c, const stage_result *r, bool kept);
/*
 * SIGINT/SIGTERM: the signal's number once one arrived (0 before), after
 * cmd_catch_interrupts; a stage whose stop points here drops its load.
 */
extern volatile sig_atomic_t cmd_interrupted;
/* Set once a load's last transaction runs: a signal then lets it commit. */
extern volatile sig_atomic_t cmd_committing;
extern void cmd_catch_interrupts(void);
/*
 * Test builds only (WHARF_TESTS, which defines WHARF_TEST_SWITCHES): kills
 * the process (WHARF_FAIL_AT) or pauses it (WHARF_PAUSE_AT) at this point,
 * for the crash and fault tests (context.c lists the points).  Elsewhere a
 * no-op.
 */
extern void ctx_fail_point(const char *point);

#endif
