/*
 * fuzz_common.h
 *    What the three libFuzzer harnesses share: keeping wharf's own messages
 *    off the terminal without losing libFuzzer's and the sanitizers' output,
 *    and a checked abort.
 *
 * wharf reports every malformed input with log_error, which always prints,
 * so a fuzzer run would write one line per input.  libFuzzer's
 * -close_fd_mask=2 points fd 2 at /dev/null once at startup after moving
 * its own output and the sanitizer reports to a duplicate of the original
 * stderr, which is exactly what is wanted here; fuzz_quiet_stderr adds that
 * flag to the command line (LLVMFuzzerInitialize runs before the flags are
 * parsed) unless the caller gave -close_fd_mask=N (e.g. 0 to see wharf's
 * messages while reproducing a crash).
 */
#ifndef WHARF_FUZZ_COMMON_H
#define WHARF_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/common_interface_defs.h>

static inline void
fuzz_quiet_stderr(int *argc, char ***argv)
{
	static char flag[] = "-close_fd_mask=2";
	char	  **args;

	for (int i = 1; i < *argc; i++)
		if (strncmp((*argv)[i], "-close_fd_mask=", 15) == 0)
			return;
	/* argv[0] must stay first; the copy lives as long as the process */
	args = malloc(sizeof(char *) * ((size_t) *argc + 2));
	if (args == NULL)
		abort();
	args[0] = (*argv)[0];
	args[1] = flag;
	for (int i = 1; i < *argc; i++)
		args[i + 1] = (*argv)[i];
	args[*argc + 1] = NULL;
	(*argc)++;
	*argv = args;
}

/*
 * Like assert(), but kept with NDEBUG, and saying what broke where the
 * sanitizer reports go (stderr itself is /dev/null); libFuzzer catches the
 * abort and saves the input.
 */
#define FUZZ_CHECK(cond) \
	do { \
		if (!(cond)) \
			fuzz_fail(__FILE__, __LINE__, #cond); \
	} while (0)

static inline __attribute__((noreturn)) void
fuzz_fail(const char *file, int line, const char *what)
{
	char		msg[512];

	snprintf(msg, sizeof(msg), "wharf fuzz check failed at %s:%d: %s", file, line, what);
	__sanitizer_report_error_summary(msg);
	abort();
}

#endif
