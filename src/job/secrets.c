/*
 * secrets.c
 *    The passwords a job file's connection strings hold: in a libpq
 *    key/value conninfo or URI (as libpq reads it), and in an ODBC string,
 *    as written and as decoded, for the log scrubber.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "buf.h"
#include "connstr.h"
#include "job_int.h"
#include "log.h"

/* ---------------------------------------------------------------------
 * Secrets inside connection strings
 * --------------------------------------------------------------------- */

/* Adds [s, s+n) to l, and its %-decoding when that differs. */
static void
add_uri_secret(strlist *l, const char *s, size_t n)
{
	buf			dec = BUF_INIT;

	if (n == 0)
		return;
	strlist_push(l, xstrndup(s, n));
	for (size_t i = 0; i < n; i++)
	{
		int			hi,
					lo;

		if (s[i] == '%' && i + 2 < n && (hi = hex_digit_value(s[i + 1])) >= 0 &&
			(lo = hex_digit_value(s[i + 2])) >= 0)
		{
			buf_putc(&dec, (char) (hi * 16 + lo));
			i += 2;
		}
		else
			buf_putc(&dec, s[i]);
	}
	if (dec.len > 0 && (dec.len != n || memcmp(dec.data, s, n) != 0))
		strlist_push(l, buf_detach(&dec));
	buf_free(&dec);
}

/* The passwords in a postgres:// URI: user:PASSWORD@ and ?password=. */
void
job_uri_passwords(const char *s, strlist *out)
{
	const char *p = strstr(s, "://") + 3;
	const char *q = p;
	const char *query;

	/* as libpq does: credentials end at the first '@' before any '/' */
	while (*q && *q != '@' && *q != '/')
		q++;
	if (*q == '@')
	{
		const char *colon = memchr(p, ':', (size_t) (q - p));

		if (colon)
			add_uri_secret(out, colon + 1, (size_t) (q - colon - 1));
	}
	query = strchr(s, '?');
	while (query)
	{
		const char *param = query + 1;
		const char *end = strchr(param, '&');
		size_t		len = end ? (size_t) (end - param) : strlen(param);

		if (len > 9 && strncmp(param, "password=", 9) == 0)
			add_uri_secret(out, param + 9, len - 9);
		query = end;
	}
}

/*
 * The password of a libpq conninfo, key/value or URI, as libpq itself reads
 * it (PQconninfoParse: no second parser of that syntax here), and the forms
 * it may be written in: in a key/value string, unquoted with backslash
 * escapes or single-quoted (both rebuilt from the value); in a URI, as
 * written with its %-escapes, which cannot be rebuilt from the value, so
 * job_uri_passwords finds them in the text.
 */
void
job_conninfo_passwords(const char *s, strlist *out)
{
	char	   *err = NULL;
	PQconninfoOption *opts = PQconninfoParse(s, &err);
	bool		uri = strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0;

	PQfreemem(err);				/* malformed: libpq says so when it connects */
	if (uri)
		job_uri_passwords(s, out);
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
	{
		buf			plain = BUF_INIT;
		buf			quoted = BUF_INIT;

		if (strcmp(o->keyword, "password") != 0 || o->val == NULL || o->val[0] == '\0')
			continue;
		strlist_add(out, o->val);
		buf_putc(&quoted, '\'');
		for (const char *c = o->val; *c; c++)
		{
			if (*c == '\\' || *c == '\'' || isspace((unsigned char) *c))
				buf_putc(&plain, '\\');
			buf_putc(&plain, *c);
			if (*c == '\\' || *c == '\'')
				buf_putc(&quoted, '\\');
			buf_putc(&quoted, *c);
		}
		buf_putc(&quoted, '\'');
		if (strcmp(plain.data, o->val) != 0)
			strlist_push(out, buf_detach(&plain));
		strlist_push(out, buf_detach(&quoted));
		buf_free(&plain);
		buf_free(&quoted);
	}
	PQconninfoFree(opts);
}

/* The PWD= / Password= values of an ODBC connection string (connstr.h), as written and decoded. */
void
job_odbc_passwords(const char *s, strlist *out)
{
	connstr_pair pair;

	while (connstr_next(&s, &pair))
	{
		if ((connstr_key_is(&pair, "pwd") || connstr_key_is(&pair, "password")) &&
			pair.value[0] != '\0')
		{
			if (pair.rawlen != strlen(pair.value) ||
				memcmp(pair.raw, pair.value, pair.rawlen) != 0)
				strlist_push(out, xstrndup(pair.raw, pair.rawlen));
			strlist_push(out, pair.value);
			continue;
		}
		free(pair.value);
	}
}
