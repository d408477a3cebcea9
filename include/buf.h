/*
 * buf.h
 *    Growable byte buffers and the few allocation helpers every module uses.
 *
 * A buf owns its data; buf_free releases it.  Allocation failure aborts the
 * process (there is no sensible recovery from it), so callers never check.
 * The data is always NUL-terminated, so a buf holding text is a C string.
 */
#ifndef WHARF_BUF_H
#define WHARF_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct buf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} buf;

#define BUF_INIT {NULL, 0, 0}

extern void *xmalloc(size_t n);
extern void *xcalloc(size_t n, size_t size);
extern void *xrealloc(void *p, size_t n);
extern char *xstrdup(const char *s);
extern char *xstrndup(const char *s, size_t n);
extern char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

extern void buf_init(buf *b);
extern void buf_free(buf *b);
extern void buf_reset(buf *b);
extern void buf_reserve(buf *b, size_t extra);
extern void buf_append(buf *b, const void *data, size_t n);
extern void buf_puts(buf *b, const char *s);
extern void buf_putc(buf *b, char c);
extern void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
extern void buf_vprintf(buf *b, const char *fmt, va_list ap);
/* Appends s as a JSON string literal, quotes included (NULL: null). */
extern void buf_put_json_string(buf *b, const char *s);
/* Hands the data to the caller (who frees it) and leaves b empty. */
extern char *buf_detach(buf *b);

/* The value of a hexadecimal digit, or -1. */
extern int hex_digit_value(char c);

/* A list of owned strings, e.g. the statements of a SQL script. */
typedef struct strlist
{
	char	  **items;
	int			n;
	int			cap;
} strlist;

extern void strlist_push(strlist *l, char *owned);
extern void strlist_add(strlist *l, const char *s);
extern void strlist_free(strlist *l);

#endif
