/*
 * commands.h
 *    The CLI's commands.  Each returns the process exit code: 0 success,
 *    1 runtime failure, 2 usage or job-file error.
 */
#ifndef WHARF_COMMANDS_H
#define WHARF_COMMANDS_H

#include <stdbool.h>

#define EXIT_OK 0
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

typedef struct cmd_options
{
	const char *job_path;
	bool		json;			/* one summary object on stdout */
	bool		follow;			/* sync: keep streaming */
	bool		resnapshot;		/* sync: drop the slot and start over */
	/*
	 * sync: what to do with a table added back to the job whose warehouse
	 * table holds rows (named as in its [table ...] section): keep them and
	 * apply its changes from now on, or replace them from a new snapshot.
	 */
	char	  **continue_tables;
	int			ncontinue;
	char	  **reload_tables;
	int			nreload;
	/* retire: do it (without, only say what it would drop) */
	bool		confirm;
	bool		drop_state;		/* retire: also the job's state rows */
	bool		drop_tables;	/* retire: also the warehouse tables it loaded (and its state rows) */
} cmd_options;

extern int	cmd_check(const cmd_options *o);
extern int	cmd_plan(const cmd_options *o);
extern int	cmd_stage(const cmd_options *o);
extern int	cmd_snapshot(const cmd_options *o);
/* incremental: the job's mode = incremental tables, their rows changed since the last load. */
extern int	cmd_incremental(const cmd_options *o);
extern int	cmd_status(const cmd_options *o);
/* sync: catch up to the WAL position current at start; --follow: keep going. */
extern int	cmd_sync(const cmd_options *o);
/*
 * retire: drop the job's slot and its own publications (--drop-state: its
 * state rows; --drop-tables: its warehouse tables too), with --yes only.
 */
extern int	cmd_retire(const cmd_options *o);

#endif
