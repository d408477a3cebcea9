/*
 * log.h
 *    Messages to stderr, progress lines, and the secret scrubber.
 *
 * Every error is reported once, where it happens, through log_error; callers
 * only pass failure up.  Each registered secret (passwords, S3 keys) is
 * replaced by "***" in anything written through this module, so a secret
 * cannot leak through a library's error text either.
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
	LOG_DEBUG
} log_level;

extern void log_set_level(log_level level);
extern log_level log_get_level(void);
extern void log_secret_register(const char *secret);
extern void log_secrets_clear(void);
/* Writes s with every registered secret masked, into a new string. */
extern char *log_scrub(const char *s);

extern void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Progress on a terminal only: a single line redrawn in place on stderr, at
 * most a few times a second.  log_progress_done ends the line.
 */
/*
 * From log_hold_errors on, this thread's error lines go into *into instead
 * of stderr (NULL: to stderr again), for a worker whose failure may only be
 * the consequence of another's: log_release_errors prints them once that
 * is known not to be so (and frees them either way: buf_free to drop).
 */
extern void log_hold_errors(buf *into);
extern void log_release_errors(buf *held);

extern void log_progress(const char *what, uint64_t rows, uint64_t bytes);
extern void log_progress_done(void);

#endif
