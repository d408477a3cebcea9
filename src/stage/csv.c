/*
 * csv.c
 *    The staged CSV encoding (see csv.h): one field at a time, quoted only
 *    when it must be, so that NULL and the empty string stay apart.
 */
#include "csv.h"

#include <string.h>

/*
 * Whether a value must be quoted.  Postgres' COPY ... CSV quotes values that
 * hold the delimiter, the quote or a line break, and the empty string (to
 * keep it apart from NULL), and a lone \. that would end COPY's data; we
 * also quote backslashes and edge white space, which some warehouses'
 * loaders would otherwise treat as escapes or trim.
 */
static bool
csv_needs_quotes(const char *v, size_t len)
{
	if (len == 0)
		return true;
	if (v[0] == ' ' || v[0] == '\t' || v[len - 1] == ' ' || v[len - 1] == '\t')
		return true;
	for (size_t i = 0; i < len; i++)
	{
		switch (v[i])
		{
			case ',':
			case '"':
			case '\r':
			case '\n':
			case '\\':
				return true;
			default:
				break;
		}
	}
	return false;
}

void
csv_field(buf *out, bool first, const char *value, size_t len)
{
	if (!first)
		buf_putc(out, ',');
	if (!csv_needs_quotes(value, len))
	{
		buf_append(out, value, len);
		return;
	}
	buf_reserve(out, len + 2);
	buf_putc(out, '"');
	for (;;)
	{
		const char *q = memchr(value, '"', len);
		size_t		n = q ? (size_t) (q - value) + 1 : len;

		buf_append(out, value, n);
		if (q == NULL)
			break;
		buf_putc(out, '"');		/* double the quote */
		value += n;
		len -= n;
	}
	buf_putc(out, '"');
}

void
csv_null(buf *out, bool first)
{
	if (!first)
		buf_putc(out, ',');
}

void
csv_null_as(buf *out, bool first, const char *marker)
{
	if (!first)
		buf_putc(out, ',');
	if (marker)
		buf_puts(out, marker);
}

void
csv_end_row(buf *out)
{
	buf_putc(out, '\n');
}

bool
csv_read_field(const char *data, size_t len, size_t *pos, buf *out,
			   bool *is_null, bool *end_of_row)
{
	size_t		i = *pos;

	*is_null = false;
	*end_of_row = false;
	if (i < len && data[i] == '"')
	{
		i++;
		for (;;)
		{
			if (i >= len)
				return false;	/* unterminated quoted field */
			if (data[i] == '"')
			{
				if (i + 1 < len && data[i + 1] == '"')
				{
					buf_putc(out, '"');
					i += 2;
					continue;
				}
				i++;
				break;
			}
			buf_putc(out, data[i++]);
		}
	}
	else
	{
		size_t		start = i;

		while (i < len && data[i] != ',' && data[i] != '\n' && data[i] != '\r')
		{
			if (data[i] == '"')
				return false;	/* a quote inside an unquoted field */
			i++;
		}
		buf_append(out, data + start, i - start);
		*is_null = (i == start);
	}
	if (i >= len)
		*end_of_row = true;
	else if (data[i] == ',')
		i++;
	else if (data[i] == '\n')
	{
		*end_of_row = true;
		i++;
	}
	else if (data[i] == '\r')
	{
		*end_of_row = true;
		i++;
		if (i < len && data[i] == '\n')
			i++;
	}
	else
		return false;			/* junk after a closing quote */
	*pos = i;
	return true;
}
