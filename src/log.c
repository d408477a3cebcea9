/*
 * log.c
 *    Messages, progress lines and secret scrubbing.
 */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "pipes.h"

#define MAX_SECRETS 32

static log_level current_level = LOG_INFO;
static char *secrets[MAX_SECRETS];
static int	nsecrets;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static bool progress_open;
static double progress_last;
static double progress_start;
/* this thread's held error lines (log_hold_errors), or NULL */
static __thread buf *held_errors;

void
log_set_level(log_level level)
{
	current_level = level;
}

log_level
log_get_level(void)
{
	return current_level;
}

void
log_secret_register(const char *secret)
{
	if (secret == NULL || secret[0] == '\0' || nsecrets == MAX_SECRETS)
		return;
	for (int i = 0; i < nsecrets; i++)
		if (strcmp(secrets[i], secret) == 0)
			return;
	secrets[nsecrets++] = xstrdup(secret);
}

void
log_secrets_clear(void)
{
	for (int i = 0; i < nsecrets; i++)
		free(secrets[i]);
	nsecrets = 0;
}

char *
log_scrub(const char *s)
{
	buf			out = BUF_INIT;
	const char *p = s;

	while (*p)
	{
		int			hit = -1;
		size_t		hitlen = 0;

		for (int i = 0; i < nsecrets; i++)
		{
			size_t		n = strlen(secrets[i]);

			if (n > hitlen && strncmp(p, secrets[i], n) == 0)
			{
				hit = i;
				hitlen = n;
			}
		}
		if (hit >= 0)
		{
			buf_puts(&out, "***");
			p += hitlen;
		}
		else
			buf_putc(&out, *p++);
	}
	return buf_detach(&out);
}

static void
log_write(log_level level, const char *fmt, va_list ap)
{
	static const char *const prefix[] = {"error", "warning", "info", "debug"};
	buf			msg = BUF_INIT;
	char	   *clean;

	if (level > current_level)
		return;
	buf_vprintf(&msg, fmt, ap);
	/* one line per message: drop the trailing newline libraries add */
	while (msg.len > 0 && (msg.data[msg.len - 1] == '\n' || msg.data[msg.len - 1] == ' '))
		msg.data[--msg.len] = '\0';
	clean = log_scrub(msg.data ? msg.data : "");
	if (level == LOG_ERROR && held_errors != NULL)
	{
		buf_printf(held_errors, "wharf: %s: %s\n", prefix[level], clean);
		free(clean);
		buf_free(&msg);
		return;
	}
	pthread_mutex_lock(&log_lock);
	if (progress_open)
	{
		fputs("\r\033[K", stderr);
		progress_open = false;
	}
	fprintf(stderr, "wharf: %s: %s\n", prefix[level], clean);
	fflush(stderr);
	/* under the lock: the orchestrator gets the lines in stderr's order */
	pipes_log(prefix[level], clean);
	pthread_mutex_unlock(&log_lock);
	free(clean);
	buf_free(&msg);
}

void
log_hold_errors(buf *into)
{
	held_errors = into;
}

void
log_release_errors(buf *held)
{
	if (held->len > 0)
	{
		pthread_mutex_lock(&log_lock);
		if (progress_open)
		{
			fputs("\r\033[K", stderr);
			progress_open = false;
		}
		fputs(held->data, stderr);
		fflush(stderr);
		/* each held message is "wharf: error: MESSAGE\n" (log_write) */
		for (char *p = held->data; strncmp(p, "wharf: error: ", 14) == 0;)
		{
			char	   *msg = p + 14;
			char	   *next = strstr(msg, "\nwharf: error: ");
			char	   *end = next ? next : msg + strlen(msg);

			if (end > msg && end[-1] == '\n')
				end--;
			*end = '\0';
			pipes_log("error", msg);
			if (next == NULL)
				break;
			p = next + 1;
		}
		pthread_mutex_unlock(&log_lock);
	}
	buf_free(held);
}

#define LOG_FN(fn, level) \
void \
fn(const char *fmt, ...) \
{ \
	va_list		ap; \
	va_start(ap, fmt); \
	log_write(level, fmt, ap); \
	va_end(ap); \
}

LOG_FN(log_error, LOG_ERROR)
LOG_FN(log_warn, LOG_WARN)
LOG_FN(log_info, LOG_INFO)
LOG_FN(log_debug, LOG_DEBUG)

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

void
log_progress(const char *what, uint64_t rows, uint64_t bytes)
{
	double		now;
	double		elapsed;

	if (!isatty(STDERR_FILENO) || current_level < LOG_INFO)
		return;
	now = now_seconds();
	pthread_mutex_lock(&log_lock);
	if (progress_start == 0)
		progress_start = now;
	if (now - progress_last < 0.25)
	{
		pthread_mutex_unlock(&log_lock);
		return;
	}
	progress_last = now;
	elapsed = now - progress_start;
	fprintf(stderr, "\r\033[K%s: %llu rows, %.1f MiB, %.0f rows/s",
			what, (unsigned long long) rows, bytes / 1048576.0,
			elapsed > 0 ? rows / elapsed : 0.0);
	fflush(stderr);
	progress_open = true;
	pthread_mutex_unlock(&log_lock);
}

void
log_progress_done(void)
{
	pthread_mutex_lock(&log_lock);
	if (progress_open)
		fputs("\r\033[K", stderr);
	progress_open = false;
	progress_start = 0;
	pthread_mutex_unlock(&log_lock);
}
