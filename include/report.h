/*
 * report.h
 *    What a run did, said once at its end: the closing log line and, with
 *    --json, the one summary object on stdout.
 *
 * Every command, whether it succeeds or fails, prints the same envelope
 * (README, "JSON summary"):
 *     {"wharf": VERSION, "command": ..., "job": ... | null, "ok": ...,
 *      "exit_code": ..., "started_at": ISO 8601, "finished_at": ISO 8601,
 *      "duration_s": ..., "errors": [{"message", "part", "table"}],
 *      "warnings": [...], "tables": [{"table", "target", ...}], ...}
 * followed by the command's own members.  This module owns the envelope,
 * the errors and warnings the run logged (log.c hands each over), the
 * per-table objects and the command's members; the commands only add to
 * them.  Everything printed goes through the secret scrubber.
 */
#ifndef WHARF_REPORT_H
#define WHARF_REPORT_H

#include <stdbool.h>

#include "buf.h"

/*
 * Starts the run: its command, what it will do (for the opening line) and
 * whether the summary goes to stdout as JSON.
 */
extern void report_begin(const char *version, const char *command, const char *what,
						 const char *job_path, bool json);
/*
 * The job is known: names it on every log line from now on, remembers the
 * job's table names (an error naming one has it as its culprit) and logs
 * the opening line.
 */
extern void report_job(const char *name, char **tables, int ntables);
/* The command's own members of the object, each written as ", \"key\": value". */
extern buf *report_members(void);
/*
 * The object of table `name` in "tables", made on first use (target: its
 * warehouse name), to which the caller adds members as into
 * report_members.
 */
extern buf *report_table(const char *name, const char *target);
/* Logs the run's closing line: how long it took, how it ended. */
extern void report_close(int exit_code);
/*
 * Ends the run: prints the JSON object when asked for, and frees
 * everything.  Returns exit_code.
 */
extern int	report_end(int exit_code);

#endif
