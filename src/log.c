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

static const char *const level_names[] = {"error", "warning", "info", "debug", "trace"};

static log_level current_level = LOG_INFO;
static char *secrets[MAX_SECRETS];
static int	nsecrets;
static char *job_name;
static log_listener listener;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
/* stderr is a terminal: -1 not yet known */
static int	on_terminal = -1;
static bool progress_open;
static double progress_interval = 10;
static double progress_last;
static double progress_start;
/* this thread's held error messages (log_hold_errors), one a line, or NULL */
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
log_set_stamped(bool stamped)
{
	on_terminal = stamped ? 0 : 1;
}

void
log_set_job(const char *name)
{
	pthread_mutex_lock(&log_lock);
	free(job_name);
	job_name = name ? xstrdup(name) : NULL;
	pthread_mutex_unlock(&log_lock);
}

void
log_set_listener(log_listener fn)
{
	listener = fn;
}

void
log_set_progress_interval(double seconds)
{
	progress_interval = seconds;
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
	log_set_job(NULL);
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

double
log_wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

double
log_monotonic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

char *
log_iso_time(double epoch_seconds, char *out)
{
	time_t		secs = (time_t) epoch_seconds;
	int			ms = (int) ((epoch_seconds - (double) secs) * 1000);
	struct tm	tm;

	gmtime_r(&secs, &tm);
	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (tm.tm_year + 1900) % 10000,
			 (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
			 tm.tm_sec % 100, ms < 0 ? 0 : ms % 1000);
	return out;
}

static bool
log_on_terminal(void)
{
	if (on_terminal < 0)
		on_terminal = isatty(STDERR_FILENO) ? 1 : 0;
	return on_terminal == 1;
}

/*
 * One message as one line: a library's newlines (Postgres' DETAIL and HINT
 * lines) and tabs become single spaces, trailing blanks go.
 */
static void
log_one_line(buf *msg)
{
	size_t		w = 0;

	for (size_t r = 0; r < msg->len; r++)
	{
		char		ch = msg->data[r];

		if (ch == '\n' || ch == '\r' || ch == '\t')
			ch = ' ';
		if (ch == ' ' && (w == 0 || msg->data[w - 1] == ' '))
			continue;
		msg->data[w++] = ch;
	}
	while (w > 0 && msg->data[w - 1] == ' ')
		w--;
	msg->len = w;
	if (msg->data)
		msg->data[w] = '\0';
}

/* Writes one scrubbed message with its prefix; the caller holds log_lock. */
static void
log_emit_locked(log_level level, const char *clean)
{
	if (progress_open)
	{
		fputs("\r\033[K", stderr);
		progress_open = false;
	}
	if (log_on_terminal())
		fprintf(stderr, "wharf: %s: %s\n", level_names[level], clean);
	else
	{
		char		stamp[32];
		double		now = log_wall_now();
		time_t		secs = (time_t) now;
		struct tm	tm;

		gmtime_r(&secs, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(stderr, "%s.%03d UTC wharf[%d]: %s%s%s: %s\n", stamp,
				(int) ((now - (double) secs) * 1000), (int) getpid(),
				job_name ? job_name : "", job_name ? ": " : "", level_names[level], clean);
	}
	fflush(stderr);
	/* under the lock: the orchestrator gets the lines in stderr's order */
	pipes_log(level_names[level], clean);
}

static void
log_emit(log_level level, const char *clean)
{
	pthread_mutex_lock(&log_lock);
	log_emit_locked(level, clean);
	pthread_mutex_unlock(&log_lock);
	if (listener)
		listener(level, clean);
}

static void
log_write(log_level level, const char *fmt, va_list ap)
{
	buf			msg = BUF_INIT;
	char	   *clean;

	if (level > current_level)
		return;
	buf_vprintf(&msg, fmt, ap);
	log_one_line(&msg);
	clean = log_scrub(msg.data ? msg.data : "");
	if (level == LOG_ERROR && held_errors != NULL)
	{
		buf_printf(held_errors, "%s\n", clean);
		free(clean);
		buf_free(&msg);
		return;
	}
	log_emit(level, clean);
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
	char	   *line = held->data;

	while (line && *line)
	{
		char	   *end = strchr(line, '\n');

		*end = '\0';
		log_emit(LOG_ERROR, line);
		line = end + 1;
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
LOG_FN(log_trace, LOG_TRACE)

void
log_bug(const char *file, int line, const char *fmt,...)
{
	buf			msg = BUF_INIT;
	va_list		ap;

	buf_printf(&msg, "internal error at %s:%d: ", file, line);
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	held_errors = NULL;			/* said now, whatever was held */
	log_error("%s", msg.data);
	buf_free(&msg);
	abort();
}

static void
log_format_count(char *out, size_t size, double n)
{
	if (n >= 1e6)
		snprintf(out, size, "%.1fM", n / 1e6);
	else if (n >= 1e4)
		snprintf(out, size, "%.0fk", n / 1e3);
	else
		snprintf(out, size, "%.0f", n);
}

void
log_progress(const char *what, uint64_t rows, uint64_t bytes)
{
	double		now;
	double		elapsed;
	char		rate[32];
	buf			line = BUF_INIT;
	bool		terminal = log_on_terminal();

	if (current_level < LOG_INFO || (!terminal && progress_interval <= 0))
		return;
	now = log_monotonic_now();
	pthread_mutex_lock(&log_lock);
	if (progress_start == 0)
		progress_start = progress_last = now;
	if (now - progress_last < (terminal ? 0.25 : progress_interval))
	{
		pthread_mutex_unlock(&log_lock);
		return;
	}
	progress_last = now;
	elapsed = now - progress_start;
	log_format_count(rate, sizeof(rate), elapsed > 0 ? rows / elapsed : 0.0);
	buf_printf(&line, "%s: %llu rows", what, (unsigned long long) rows);
	if (bytes > 0)
		buf_printf(&line, ", %.1f MiB", bytes / 1048576.0);
	buf_printf(&line, ", %s rows/s, %.0f s so far", rate, elapsed);
	if (terminal)
	{
		fprintf(stderr, "\r\033[K%s", line.data);
		fflush(stderr);
		progress_open = true;
	}
	else
	{
		char	   *clean = log_scrub(line.data);

		log_emit_locked(LOG_INFO, clean);
		free(clean);
	}
	pthread_mutex_unlock(&log_lock);
	buf_free(&line);
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
