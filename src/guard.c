/*
 * guard.c
 *    The checks of a column's render on one value's text (guard.h): what the
 *    change stream stages is looked at here, byte by byte, before it is
 *    written, and only for columns whose render has a guard.
 */
#include "guard.h"

#include <stdio.h>
#include <string.h>

#define GUARD_PREFIX 40			/* bytes of a refused value shown in a message */

static bool
is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

bool
guard_any(const table_column *c, const col_render *r)
{
	(void) c;
	return r->max_scale >= 0 || r->max_int_digits >= 0 || r->no_special ||
		r->max_bytes > 0 || r->max_json_string > 0 || r->json_exact_numbers ||
		r->no_infinity || r->no_bc || r->max_year > 0 || r->no_time_24;
}

static bool
is_special(const char *v, size_t len)
{
	return (len == 3 && memcmp(v, "NaN", 3) == 0) ||
		(len == 8 && memcmp(v, "Infinity", 8) == 0) ||
		(len == 9 && memcmp(v, "-Infinity", 9) == 0);
}

/* Integer digits (leading zeros aside) and decimals (trailing zeros aside). */
bool
guard_numeric_fits(const char *v, size_t len, const col_render *r)
{
	size_t		i = 0;
	int			int_digits = 0;
	int			frac_digits = 0;
	bool		leading = true;

	if (is_special(v, len))
		return !r->no_special;
	if (i < len && (v[i] == '-' || v[i] == '+'))
		i++;
	for (; i < len && v[i] != '.'; i++)
	{
		if (leading && v[i] == '0')
			continue;
		leading = false;
		int_digits++;
	}
	if (i < len && v[i] == '.')
	{
		size_t		frac_end = len;

		while (frac_end > i + 1 && v[frac_end - 1] == '0')
			frac_end--;
		frac_digits = (int) (frac_end - i - 1);
	}
	if (r->max_int_digits >= 0 && int_digits > r->max_int_digits)
		return false;
	if (r->max_scale >= 0 && frac_digits > r->max_scale)
		return false;
	return true;
}

/*
 * A JSON number (RFC 8259 syntax) as a warehouse that parses JSON numbers
 * into a 38-digit decimal, or else a DOUBLE, keeps it: exactly when it is
 * written without an exponent with at most 38 digits, at most 37 of them
 * decimals; or else when the DOUBLE holds it, which we take as at most 15
 * significant digits (DBL_DIG: any such decimal survives the round trip)
 * and a magnitude within 1e-307 <= |x| < 1e308 (normal doubles, with room
 * at the top).  Zero is exact in any form.
 */
bool
guard_json_number_exact(const char *v, size_t len)
{
	size_t		i = 0;
	size_t		int_start;
	size_t		int_len;
	size_t		frac_start;
	size_t		frac_len = 0;
	size_t		int_zeros = 0;
	bool		e_notation = false;
	long		exp = 0;
	size_t		total;
	size_t		lead;
	size_t		trail;
	long		adj;

	if (i < len && v[i] == '-')
		i++;
	int_start = i;
	while (i < len && is_digit(v[i]))
		i++;
	int_len = i - int_start;
	frac_start = i;
	if (i < len && v[i] == '.')
	{
		frac_start = ++i;
		while (i < len && is_digit(v[i]))
			i++;
		frac_len = i - frac_start;
	}
	if (i < len && (v[i] == 'e' || v[i] == 'E'))
	{
		bool		neg = false;

		e_notation = true;
		i++;
		if (i < len && (v[i] == '+' || v[i] == '-'))
			neg = v[i++] == '-';
		for (; i < len && is_digit(v[i]); i++)
			if (exp < 1000000)
				exp = exp * 10 + (v[i] - '0');
		if (neg)
			exp = -exp;
	}
	while (int_zeros < int_len && v[int_start + int_zeros] == '0')
		int_zeros++;
	if (!e_notation && int_len - int_zeros + frac_len <= 38 && frac_len <= 37)
		return true;

	/* a DOUBLE: its significant digits, over the integer then the decimals */
	total = int_len + frac_len;
#define DIGIT(k) ((k) < int_len ? v[int_start + (k)] : v[frac_start + (k) - int_len])
	for (lead = 0; lead < total && DIGIT(lead) == '0'; lead++)
		;
	if (lead == total)
		return true;			/* zero */
	for (trail = total - 1; DIGIT(trail) == '0'; trail--)
		;
#undef DIGIT
	if (trail - lead + 1 > 15)
		return false;
	adj = exp + (long) int_len - 1 - (long) lead;
	return adj >= -307 && adj <= 307;
}

/*
 * Scans JSON text: strings (their unescaped length in UTF-8 bytes: \uXXXX
 * is one to three bytes, a surrogate pair four) and numbers outside them.
 */
bool
guard_json_fits(const char *v, size_t len, int64_t max_string, bool exact_numbers)
{
	size_t		i = 0;

	while (i < len)
	{
		if (v[i] == '"')
		{
			int64_t		n = 0;

			for (i++; i < len && v[i] != '"'; n++)
			{
				if (v[i] != '\\' || i + 1 >= len)
				{
					i++;
					continue;
				}
				if (v[i + 1] == 'u' && i + 5 < len)
				{
					unsigned	cp = 0;

					for (int k = 2; k < 6; k++)
					{
						int			d = hex_digit_value(v[i + k]);

						cp = cp * 16 + (unsigned) (d > 0 ? d : 0);
					}
					if (cp >= 0xD800 && cp <= 0xDBFF && i + 11 < len &&
						v[i + 6] == '\\' && v[i + 7] == 'u')
					{
						n += 3; /* with the one the loop adds: four bytes */
						i += 12;
						continue;
					}
					n += cp < 0x80 ? 0 : cp < 0x800 ? 1 : 2;
					i += 6;
					continue;
				}
				i += 2;
			}
			i++;				/* the closing quote */
			if (max_string > 0 && n > max_string)
				return false;
		}
		else if (v[i] == '-' || is_digit(v[i]))
		{
			size_t		start = i;

			while (i < len && (is_digit(v[i]) || v[i] == '.' || v[i] == 'e' || v[i] == 'E' ||
							   v[i] == '+' || v[i] == '-'))
				i++;
			if (exact_numbers && !guard_json_number_exact(v + start, i - start))
				return false;
		}
		else
			i++;
	}
	return true;
}

/* Postgres writes infinity, -infinity, YYYY-MM-DD[ ...][ BC], years of 4 or more digits. */
static bool
guard_date_fits(const char *v, size_t len, const col_render *r)
{
	long		year = 0;

	if ((len == 8 && memcmp(v, "infinity", 8) == 0) || (len == 9 && memcmp(v, "-infinity", 9) == 0))
		return !r->no_infinity;
	if (r->no_bc && len >= 3 && memcmp(v + len - 3, " BC", 3) == 0)
		return false;
	for (size_t i = 0; i < len && is_digit(v[i]) && year < 100000000; i++)
		year = year * 10 + (v[i] - '0');
	return r->max_year <= 0 || year <= r->max_year;
}

bool
guard_value_fits(const table_column *c, const col_render *r, const char *v, size_t len)
{
	if (r->max_bytes > 0 && (int64_t) len > r->max_bytes)
		return false;
	if (c->is_array)
		return true;			/* as Postgres writes it: never staged as JSON from here */
	switch (c->kind)
	{
		case COL_NUMERIC:
			return guard_numeric_fits(v, len, r);
		case COL_FLOAT4:
		case COL_FLOAT8:
			return !(r->no_special && is_special(v, len));
		case COL_JSON:
		case COL_JSONB:
			return (r->max_json_string <= 0 && !r->json_exact_numbers) ||
				guard_json_fits(v, len, r->max_json_string, r->json_exact_numbers);
		case COL_DATE:
		case COL_TIMESTAMP:
		case COL_TIMESTAMPTZ:
			return guard_date_fits(v, len, r);
		case COL_TIME:
			return !(r->no_time_24 && len >= 2 && v[0] == '2' && v[1] == '4');
		default:
			return true;
	}
}

/* One more limit in the list, after a comma unless it is the first. */
static void
limit(buf *out, const char *text)
{
	if (out->len > 0)
		buf_puts(out, ", ");
	buf_puts(out, text);
}

void
guard_limits_text(const table_column *c, const col_render *r, buf *to)
{
	char		piece[160];
	buf			list = BUF_INIT;
	buf		   *out = &list;

	(void) c;
	if (r->max_int_digits >= 0)
	{
		snprintf(piece, sizeof(piece), "at most %d integer digits", r->max_int_digits);
		limit(out, piece);
	}
	if (r->max_scale >= 0)
	{
		snprintf(piece, sizeof(piece), "at most %d decimals", r->max_scale);
		limit(out, piece);
	}
	if (r->no_special)
		limit(out, "no NaN or Infinity");
	if (r->max_bytes > 0)
	{
		snprintf(piece, sizeof(piece), "at most %lld bytes%s%s", (long long) r->max_bytes,
				 r->max_bytes_in ? " in " : "", r->max_bytes_in ? r->max_bytes_in : "");
		limit(out, piece);
	}
	if (r->max_json_string > 0)
	{
		snprintf(piece, sizeof(piece), "JSON strings of at most %lld bytes",
				 (long long) r->max_json_string);
		limit(out, piece);
	}
	if (r->json_exact_numbers)
		limit(out, "JSON numbers of at most 38 digits and 37 decimals without an exponent, "
			  "or else of at most 15 significant digits");
	if (r->no_infinity)
		limit(out, "no infinity");
	if (r->no_bc)
		limit(out, "no year BC");
	if (r->max_year > 0)
	{
		snprintf(piece, sizeof(piece), "no year after %d", r->max_year);
		limit(out, piece);
	}
	if (r->no_time_24)
		limit(out, "no time 24:00:00");
	buf_append(to, list.data ? list.data : "", list.len);
	buf_free(&list);
}

void
guard_value_prefix(const char *v, size_t len, buf *out)
{
	size_t		n = len;

	if (n > GUARD_PREFIX)
	{
		n = GUARD_PREFIX;
		/* not in the middle of a UTF-8 sequence */
		while (n > 0 && ((unsigned char) v[n] & 0xC0) == 0x80)
			n--;
	}
	buf_putc(out, '\'');
	for (size_t i = 0; i < n; i++)
		buf_putc(out, ((unsigned char) v[i] < 0x20 || v[i] == 0x7f) ? ' ' : v[i]);
	buf_putc(out, '\'');
	if (n < len)
		buf_printf(out, "... (%zu bytes)", len);
}
