/*
 * connstr.c
 *    The reader of ODBC connection strings (see connstr.h).
 */
#include "connstr.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"

static bool
connstr_blank(char c)
{
	return c == ' ' || c == '\t';
}

bool
connstr_next(const char **pp, connstr_pair *out)
{
	const char *p = *pp;

	memset(out, 0, sizeof(*out));
	for (;;)
	{
		const char *kend;
		buf			val = BUF_INIT;

		while (connstr_blank(*p) || *p == ';' || *p == '\n' || *p == '\r')
			p++;
		if (*p == '\0')
		{
			*pp = p;
			return false;
		}
		out->key = p;
		while (*p && *p != '=' && *p != ';')
			p++;
		kend = p;
		while (kend > out->key && connstr_blank(kend[-1]))
			kend--;
		out->keylen = (size_t) (kend - out->key);
		if (*p != '=')
			continue;			/* a bare word without value */
		p++;
		while (connstr_blank(*p))
			p++;
		if (*p == '{')
		{
			out->unclosed = true;
			out->raw = ++p;
			while (*p)
			{
				if (*p == '}')
				{
					if (p[1] == '}')
					{
						buf_putc(&val, '}');
						p += 2;
						continue;
					}
					out->unclosed = false;
					break;
				}
				buf_putc(&val, *p++);
			}
			out->rawlen = (size_t) (p - out->raw);
			while (*p && *p != ';')
				p++;
		}
		else
		{
			const char *vend;

			out->raw = p;
			while (*p && *p != ';')
				p++;
			vend = p;
			while (vend > out->raw && connstr_blank(vend[-1]))
				vend--;
			out->rawlen = (size_t) (vend - out->raw);
			buf_append(&val, out->raw, out->rawlen);
		}
		out->value = val.data ? buf_detach(&val) : xstrdup("");
		*pp = p;
		return true;
	}
}

bool
connstr_key_is(const connstr_pair *pair, const char *key)
{
	return pair->keylen == strlen(key) && strncasecmp(pair->key, key, pair->keylen) == 0;
}

char *
connstr_get(const char *connstr, const char *key, bool *unclosed)
{
	const char *p = connstr;
	connstr_pair pair;

	if (unclosed)
		*unclosed = false;
	while (connstr_next(&p, &pair))
	{
		if (connstr_key_is(&pair, key))
		{
			if (unclosed)
				*unclosed = pair.unclosed;
			return pair.value;
		}
		free(pair.value);
	}
	return NULL;
}
