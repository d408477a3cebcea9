/*
 * capture.h
 *    For tests: catching what wharf writes to stderr (its error lines) while
 *    a call runs, to check that exactly one clear line names the culprit.
 *    Header-only: each test is one executable.
 */
#ifndef WHARF_TEST_CAPTURE_H
#define WHARF_TEST_CAPTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"

static FILE *capture_file;
static int	capture_saved = -1;

/* Sends stderr to a temporary file until capture_end. */
static inline void
capture_begin(void)
{
	fflush(stderr);
	capture_file = tmpfile();
	assert_non_null(capture_file);
	capture_saved = dup(STDERR_FILENO);
	assert_true(capture_saved >= 0);
	assert_true(dup2(fileno(capture_file), STDERR_FILENO) >= 0);
}

/* Ends the capture; returns what was written (caller frees). */
static inline char *
capture_end(void)
{
	buf			out = BUF_INIT;
	char		chunk[4096];
	size_t		n;

	fflush(stderr);
	dup2(capture_saved, STDERR_FILENO);
	close(capture_saved);
	capture_saved = -1;
	rewind(capture_file);
	while ((n = fread(chunk, 1, sizeof(chunk), capture_file)) > 0)
		buf_append(&out, chunk, n);
	fclose(capture_file);
	capture_file = NULL;
	return buf_detach(&out);
}

static inline int
count_lines(const char *s)
{
	int			n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

#endif
