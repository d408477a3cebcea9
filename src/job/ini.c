/*
 * ini.c
 *    The job file's INI syntax (job.c says why it is not libinih's): lines,
 *    "[section]" headers with ']' and ';' inside double quotes, "key =
 *    value" pairs whose value ends at a comment outside double quotes,
 *    comments, a UTF-8 byte order mark, CRLF line ends, and each line's
 *    number.  What the sections and keys mean is job.c's.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "job_int.h"

/* A syntax error on line: said through the handler, with the section's header when in one. */
static bool
ini_error(const job_ini_handlers *h, void *arg, int line, bool in_section, char *message)
{
	bool		ok = h->error(arg, line, in_section, message);

	free(message);
	return ok;
}

/* A "[...]" line: its content, trimmed, to the section handler. */
static bool
ini_header(const job_ini_handlers *h, void *arg, int line, const char *s, const char *end)
{
	const char *c = s + 1;
	const char *close = NULL;
	const char *after;
	const char *cs;
	const char *ce;
	bool		inq = false;
	char	   *content;
	bool		ok;

	for (; c < end; c++)
	{
		if (*c == '"')
			inq = !inq;
		else if (*c == ']' && !inq)
		{
			close = c;
			break;
		}
	}
	if (close == NULL && inq)
	{
		char	   *header = xstrndup(s, (size_t) (end - s));
		char	   *msg = xasprintf("unterminated double quote in the section header %s", header);

		free(header);
		return ini_error(h, arg, line, false, msg);
	}
	if (close == NULL)
		return ini_error(h, arg, line, false,
						 xstrdup("unterminated section header (missing ']')"));
	after = close + 1;
	while (after < end && is_blank(*after))
		after++;
	if (after < end && *after != ';' && *after != '#')
		return ini_error(h, arg, line, false,
						 xstrdup("unexpected text after the section header"));
	cs = s + 1;
	ce = close;
	trim_range(&cs, &ce);
	content = xstrndup(cs, (size_t) (ce - cs));
	ok = h->section(arg, line, content);
	free(content);
	return ok;
}

/* A "key = value" line: key and value, trimmed, the value's comment cut off. */
static bool
ini_pair(const job_ini_handlers *h, void *arg, int line, const char *s, const char *end)
{
	const char *eq = memchr(s, '=', (size_t) (end - s));
	const char *ks = s;
	const char *ke;
	const char *vs;
	const char *ve;
	bool		inq = false;
	char	   *key;
	char	   *value;
	bool		ok;

	if (eq == NULL)
		return ini_error(h, arg, line, true,
						 xstrdup("expected \"key = value\", a [section] or a comment "
								 "(no '=' in this line)"));
	ke = eq;
	trim_range(&ks, &ke);
	if (ks == ke)
		return ini_error(h, arg, line, true, xstrdup("missing key name before '='"));
	key = xstrndup(ks, (size_t) (ke - ks));
	for (const char *c = ks; c < ke; c++)
		if (!(isalnum((unsigned char) *c) || *c == '_' || *c == '-' || *c == '.'))
		{
			char	   *msg = xasprintf("bad key name \"%s\" (expected \"key = value\")", key);

			free(key);
			return ini_error(h, arg, line, true, msg);
		}
	/* the value ends at a comment: blank, then ';' or '#', outside quotes */
	vs = eq + 1;
	for (ve = vs; ve < end; ve++)
	{
		if (*ve == '"')
			inq = !inq;
		else if (!inq && (*ve == ';' || *ve == '#') && is_blank(ve[-1]))
			break;
	}
	if (inq)
	{
		char	   *msg = xasprintf("%s: unterminated double quote in the value (inside quotes, "
									"write \"\" for a literal \")", key);

		free(key);
		return ini_error(h, arg, line, true, msg);
	}
	trim_range(&vs, &ve);
	value = xstrndup(vs, (size_t) (ve - vs));
	ok = h->pair(arg, line, key, value);
	free(key);
	free(value);
	return ok;
}

bool
job_ini_read(const char *text, size_t len, const job_ini_handlers *h, void *arg)
{
	const char *s = text;
	const char *end = text + len;
	int			line = 0;
	bool		ok = true;

	if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	while (ok && s < end)
	{
		const char *nl = memchr(s, '\n', (size_t) (end - s));
		const char *ls = s;
		const char *le = nl ? nl : end;

		line++;
		if (le > ls && le[-1] == '\r')
			le--;
		trim_range(&ls, &le);
		if (ls == le || *ls == ';' || *ls == '#')
			;					/* blank or a comment */
		else if (*ls == '[')
			ok = ini_header(h, arg, line, ls, le);
		else
			ok = ini_pair(h, arg, line, ls, le);
		s = nl ? nl + 1 : end;
	}
	return ok;
}
