/*
 * log.h
 *    Messages to stderr, progress lines, and the secret scrubber.
 *
 * Every error is reported once, where it happens, through log_error; callers
 * only pass failure up.  Each registered secret (passwords, S3 keys) is
 * replaced by "***" in anything written through this module, so a secret
 * cannot leak through a library's error text either.
 *
 * A message is always one line: the newlines of a library's text (a
 * Postgres DETAIL or HINT) are joined into it.  On a terminal a line reads
 * "wharf: error: ..."; otherwise (cron, an orchestrator) it carries the
 * time, the process and the job:
 *     2026-12-03 07:45:01.123 UTC wharf[4242]: shop: error: ...
 * Levels: error, warning, info (the default), debug (-v: each step and
 * its time), trace (-v -v: also every statement sent).
 */
#ifndef WHARF_LOG_H
#define WHARF_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

typedef enum log_level
{
	LOG_ERROR = 0,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
	LOG_TRACE
} log_level;

extern void log_set_level(log_level level);
extern log_level log_get_level(void);
/*
 * Whether lines carry the time, process and job (the default when stderr
 * is not a terminal) or read "wharf: level: ..." (on a terminal).
 */
extern void log_set_stamped(bool stamped);
/* The job named on every line from now on (NULL: none). */
extern void log_set_job(const char *name);
/*
 * Called with every error and warning line as written (scrubbed, without
 * its prefix), for the run's summary (report.c) and Dagster Pipes.
 */
typedef void (*log_listener) (log_level level, const char *message);
extern void log_set_listener(log_listener fn);
extern void log_secret_register(const char *secret);
extern void log_secrets_clear(void);
/* Writes s with every registered secret masked, into a new string. */
extern char *log_scrub(const char *s);
/* Wall-clock time as ISO 8601 UTC with milliseconds, into out[32]. */
extern char *log_iso_time(double epoch_seconds, char *out);
extern double log_wall_now(void);
/* Seconds on CLOCK_MONOTONIC: the one clock every duration and timeout is measured on. */
extern double log_monotonic_now(void);

extern void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A state no input can bring about (a bug): says where and what, then
 * aborts.  Anything the job, the source, the stage or the warehouse can
 * cause is an error reported where it happens and passed up instead.
 */
#define WHARF_BUG(...) log_bug(__FILE__, __LINE__, __VA_ARGS__)
extern void log_bug(const char *file, int line, const char *fmt, ...)
			__attribute__((noreturn, format(printf, 3, 4)));
extern void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern void log_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * From log_hold_errors on, this thread's error lines go into *into instead
 * of stderr (NULL: to stderr again), for a worker whose failure may only be
 * the consequence of another's: log_release_errors prints them once that
 * is known not to be so (and frees them either way: buf_free to drop).
 */
extern void log_hold_errors(buf *into);
extern void log_release_errors(buf *held);

/*
 * Progress of long work.  On a terminal: one line redrawn in place, a few
 * times a second.  Otherwise: an info line every log_set_progress_interval
 * seconds (default 10; 0 turns them off).  log_progress_done ends it.
 */
extern void log_set_progress_interval(double seconds);
extern void log_progress(const char *what, uint64_t rows, uint64_t bytes);
extern void log_progress_done(void);

#endif
