/*
 * connstr.h
 *    ODBC connection strings ("key=value" pairs separated by ';', a value
 *    optionally in braces with "}}" for '}'): the one reader of them, for
 *    the job file (which registers their passwords as secrets) and the
 *    warehouse module (which looks up the driver, the DSN and the password).
 *    Keys compare without regard to case; blanks around keys and unbraced
 *    values are not part of them.
 */
#ifndef WHARF_CONNSTR_H
#define WHARF_CONNSTR_H

#include <stdbool.h>
#include <stddef.h>

/* One pair, as connstr_next reads it. */
typedef struct connstr_pair
{
	const char *key;			/* into the string, keylen bytes */
	size_t		keylen;
	char	   *value;			/* decoded ("}}" as '}'); the caller frees it */
	const char *raw;			/* the value as written, braces left out */
	size_t		rawlen;
	bool		unclosed;		/* a '{' that never closed: the value ran to the end */
} connstr_pair;

/*
 * The next pair at *p (advanced past it) into *out; false at the end.  A
 * bare word without '=' is skipped.
 */
extern bool connstr_next(const char **p, connstr_pair *out);
/* Whether pair's key is key. */
extern bool connstr_key_is(const connstr_pair *pair, const char *key);
/* The value of key (a new string), or NULL; *unclosed (may be NULL) as in connstr_pair. */
extern char *connstr_get(const char *connstr, const char *key, bool *unclosed);

#endif
