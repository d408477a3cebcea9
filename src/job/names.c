/*
 * names.c
 *    SQL names in the job file: identifiers (quoted or folded), qualified
 *    table names, key lists, table patterns and their globs, and the "did
 *    you mean" of a misspelt key or column.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "job_int.h"
#include "log.h"

/* Levenshtein distance, case-insensitive; large for long strings. */
int
job_edit_distance(const char *a, const char *b)
{
	size_t		la = strlen(a);
	size_t		lb = strlen(b);
	int			row[65];

	if (la > 64 || lb > 64)
		return 1000;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int) j;
	for (size_t i = 1; i <= la; i++)
	{
		int			diag = row[0];

		row[0] = (int) i;
		for (size_t j = 1; j <= lb; j++)
		{
			int			up = row[j];
			int			cost = tolower((unsigned char) a[i - 1]) !=
				tolower((unsigned char) b[j - 1]);
			int			best = diag + cost;

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* Whether a misspelling is close enough to candidate to suggest it. */
bool
job_close_enough(const char *candidate, int distance)
{
	int			len = (int) strlen(candidate);

	if (distance == 0)
		return true;			/* differs only in case */
	return distance <= 2 && distance * 3 <= len;
}


/* ---------------------------------------------------------------------
 * SQL names
 * --------------------------------------------------------------------- */

static bool
ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		c >= 0x80;
}

static bool
ident_char(unsigned char c)
{
	return ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

/*
 * Reads one SQL identifier at *pp (after blanks), folding an unquoted one to
 * lower case.  On failure *err says why.  what names the thing for messages
 * ("name", "column name").
 */
bool
job_parse_ident(const char **pp, char **out, const char *what, char **err)
{
	const char *s = *pp;
	buf			b = BUF_INIT;

	while (is_blank(*s))
		s++;
	if (*s == '"')
	{
		s++;
		for (;;)
		{
			if (*s == '\0')
			{
				*err = xasprintf("unterminated quoted %s", what);
				buf_free(&b);
				return false;
			}
			if (*s == '"')
			{
				if (s[1] != '"')
					break;
				s++;
			}
			buf_putc(&b, *s++);
		}
		s++;
		if (b.len == 0)
		{
			*err = xasprintf("empty quoted %s (\"\")", what);
			buf_free(&b);
			return false;
		}
	}
	else
	{
		if (!ident_start((unsigned char) *s))
		{
			if (*s == '\0' || *s == '.' || *s == ',')
				*err = xasprintf("empty %s", what);
			else
				*err = xasprintf("unexpected '%c' at the start of a %s "
								 "(double-quote names that are not plain identifiers)",
								 *s, what);
			return false;
		}
		while (ident_char((unsigned char) *s))
		{
			char		c = *s++;

			if (c >= 'A' && c <= 'Z')
				c = (char) (c - 'A' + 'a');
			buf_putc(&b, c);
		}
	}
	if (b.len > PG_NAME_MAX)
	{
		*err = xasprintf("%s \"%s\" is longer than %d bytes", what, b.data,
						 PG_NAME_MAX);
		buf_free(&b);
		return false;
	}
	while (is_blank(*s))
		s++;
	*pp = s;
	*out = buf_detach(&b);
	return true;
}

/* job_parse_qualified_name, with the reason for a failure in *err. */
bool
job_parse_qualified(const char *text, char **schema, char **name, char **err)
{
	const char *s = text;
	char	   *first = NULL;
	char	   *second = NULL;

	if (!job_parse_ident(&s, &first, "name", err))
		return false;
	if (*s == '.')
	{
		s++;
		if (!job_parse_ident(&s, &second, "name", err))
		{
			free(first);
			return false;
		}
	}
	if (*s != '\0')
	{
		if (*s == '.')
			*err = xstrdup("too many parts (at most schema.name)");
		else
			*err = xasprintf("unexpected '%c' after a name", *s);
		free(first);
		free(second);
		return false;
	}
	if (second)
	{
		*schema = first;
		*name = second;
	}
	else
	{
		*schema = xstrdup(JOB_DEFAULT_SCHEMA);
		*name = first;
	}
	return true;
}

bool
job_parse_qualified_name(const char *text, char **schema, char **name)
{
	char	   *err = NULL;

	if (!job_parse_qualified(text, schema, name, &err))
	{
		log_error("bad table name \"%s\": %s", text, err);
		free(err);
		return false;
	}
	return true;
}

/* A comma-separated list of unqualified column names. */
bool
job_parse_key_list(const char *text, char ***out, int *nout, char **err)
{
	strlist		cols = {NULL, 0, 0};
	const char *s = text;

	for (;;)
	{
		char	   *col;

		if (!job_parse_ident(&s, &col, "column name", err))
		{
			strlist_free(&cols);
			return false;
		}
		for (int i = 0; i < cols.n; i++)
		{
			if (strcmp(cols.items[i], col) == 0)
			{
				*err = xasprintf("column \"%s\" is listed twice", col);
				free(col);
				strlist_free(&cols);
				return false;
			}
		}
		strlist_push(&cols, col);
		if (*s == '\0')
			break;
		if (*s == ',')
		{
			s++;
			continue;
		}
		if (*s == '.')
			*err = xstrdup("key columns are written without a table or schema");
		else
			*err = xasprintf("unexpected '%c' (separate columns with ',')", *s);
		strlist_free(&cols);
		return false;
	}
	/* hand over as a NULL-terminated array */
	strlist_push(&cols, NULL);
	*out = cols.items;
	*nout = cols.n - 1;
	return true;
}

/*
 * One part of a table pattern at *pp: quoted names, taken literally (their
 * '*', '?' and '\\' escaped with a backslash), and runs of identifier
 * characters, '*' and '?', folded to lower case, one after the other
 * ("Order"_* is the names that begin with Order_).  *wild is set when the
 * part holds an unquoted '*' or '?'.
 */
static bool
parse_glob_part(const char **pp, char **out, bool *wild, char **err)
{
	const char *s = *pp;
	buf			b = BUF_INIT;

	while (is_blank(*s))
		s++;
	for (;;)
	{
		if (*s == '"')
		{
			char	   *name;

			if (!job_parse_ident(&s, &name, "name", err))
			{
				buf_free(&b);
				return false;
			}
			for (const char *c = name; *c; c++)
			{
				if (*c == '*' || *c == '?' || *c == '\\')
					buf_putc(&b, '\\');
				buf_putc(&b, *c);
			}
			free(name);
		}
		else if (ident_char((unsigned char) *s) || *s == '*' || *s == '?')
		{
			char		c = *s++;

			if (c == '*' || c == '?')
				*wild = true;
			if (c >= 'A' && c <= 'Z')
				c = (char) (c - 'A' + 'a');
			buf_putc(&b, c);
		}
		else
			break;
	}
	if (b.len == 0)
	{
		*err = *s == '\0' || *s == '.' || *s == ',' ? xstrdup("empty name") :
			xasprintf("unexpected '%c' in a table pattern (double-quote names that are not "
					  "plain identifiers)", *s);
		buf_free(&b);
		return false;
	}
	while (is_blank(*s))
		s++;
	*pp = s;
	*out = buf_detach(&b);
	return true;
}

/*
 * A table pattern at *pp, "schema.name" or "name" (schema public), each part
 * a glob (parse_glob_part); it ends at the end of the text or at a ','.
 */
bool
job_parse_pattern(const char **pp, char **schema, char **name, bool *wild, char **err)
{
	char	   *first = NULL;
	char	   *second = NULL;

	if (!parse_glob_part(pp, &first, wild, err))
		return false;
	if (**pp == '.')
	{
		(*pp)++;
		if (!parse_glob_part(pp, &second, wild, err))
		{
			free(first);
			return false;
		}
	}
	if (**pp != '\0' && **pp != ',')
	{
		*err = **pp == '.' ? xstrdup("too many parts (at most schema.name)") :
			xasprintf("unexpected '%c' after a name", **pp);
		free(first);
		free(second);
		return false;
	}
	*schema = second ? first : xstrdup(JOB_DEFAULT_SCHEMA);
	*name = second ? second : first;
	return true;
}

/* A comma-separated list of table patterns, for exclude_tables. */
bool
job_parse_pattern_list(const char *text, job_pattern *pat, char **err)
{
	const char *s = text;
	strlist		schemas = {NULL, 0, 0};
	strlist		names = {NULL, 0, 0};

	for (;;)
	{
		char	   *schema;
		char	   *name;
		bool		wild = false;

		if (!job_parse_pattern(&s, &schema, &name, &wild, err))
		{
			strlist_free(&schemas);
			strlist_free(&names);
			return false;
		}
		strlist_push(&schemas, schema);
		strlist_push(&names, name);
		if (*s == '\0')
			break;
		s++;					/* ',' */
	}
	pat->exclude_schema = schemas.items;
	pat->exclude_name = names.items;
	pat->nexclude = names.n;
	return true;
}

bool
job_glob_match(const char *glob, const char *name)
{
	const char *star = NULL;	/* the last '*' seen, to retry from */
	const char *resume = NULL;

	while (*name)
	{
		if (*glob == '\\' && glob[1] != '\0' && glob[1] == *name)
		{
			glob += 2;
			name++;
		}
		else if (*glob == '?' || (*glob != '*' && *glob != '\\' && *glob == *name))
		{
			glob++;
			name++;
		}
		else if (*glob == '*')
		{
			star = glob++;
			resume = name;
		}
		else if (star)
		{
			/* let the last '*' take one more character */
			glob = star + 1;
			name = ++resume;
		}
		else
			return false;
	}
	while (*glob == '*')
		glob++;
	return *glob == '\0';
}

int
job_find_table(const job *j, const char *schema, const char *name)
{
	for (int i = 0; i < j->ntables; i++)
		if (strcmp(j->tables[i].schema, schema) == 0 && strcmp(j->tables[i].name, name) == 0)
			return i;
	return -1;
}

const char *
job_closest(const char *word, const char *const *candidates, int n)
{
	const char *best = NULL;
	int			bestd = 1000;

	for (int i = 0; i < n; i++)
	{
		int			d = job_edit_distance(word, candidates[i]);

		if (d < bestd && job_close_enough(candidates[i], d))
		{
			best = candidates[i];
			bestd = d;
		}
	}
	return best;
}
