/*
 * fuzz_csv.c
 *    libFuzzer harness for the staged CSV encoding (src/stage/csv.c): what
 *    csv_field/csv_null write, csv_read_field must read back exactly, the
 *    same values row by row, NULL and the empty string kept apart.
 *
 * An input is three control bytes and a body:
 *   byte 0  the field separator F
 *   byte 1  the row separator R (when R == F there is one row)
 *   byte 2  the NULL marker N: a field that is exactly the one byte N is NULL
 *   rest    rows separated by R, fields separated by F (every byte value,
 *           NUL included, can appear in a value)
 * Each row is encoded and ended with csv_end_row; then the whole text is
 * read back field by field and compared.  Any difference aborts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csv.h"
#include "fuzz_common.h"

typedef struct field
{
	const uint8_t *data;
	size_t		len;
	bool		is_null;
	bool		last_in_row;
} field;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_stderr(argc, argv);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t		fsep,
				rsep,
				nullmark;
	const uint8_t *body;
	size_t		blen;
	field	   *fields;
	size_t		nfields = 0;
	size_t		start = 0;
	buf			text = BUF_INIT;
	buf			value = BUF_INIT;
	size_t		pos = 0;
	bool		first = true;

	if (size < 3)
		return 0;
	fsep = data[0];
	rsep = data[1];
	nullmark = data[2];
	body = data + 3;
	blen = size - 3;

	/* at most one field per body byte, plus one */
	fields = malloc(sizeof(field) * (blen + 1));
	FUZZ_CHECK(fields != NULL);
	for (size_t i = 0; i <= blen; i++)
	{
		bool		end_field = i == blen || body[i] == fsep;
		bool		end_row = i == blen || (body[i] == rsep && rsep != fsep);
		field	   *f;

		if (!end_field && !end_row)
			continue;
		f = &fields[nfields++];
		f->data = body + start;
		f->len = i - start;
		f->is_null = f->len == 1 && f->data[0] == nullmark;
		f->last_in_row = end_row;
		start = i + 1;
	}

	/* encode */
	for (size_t k = 0; k < nfields; k++)
	{
		if (fields[k].is_null)
			csv_null(&text, first);
		else
			csv_field(&text, first, (const char *) fields[k].data, fields[k].len);
		first = fields[k].last_in_row;
		if (fields[k].last_in_row)
			csv_end_row(&text);
	}
	FUZZ_CHECK(text.len > 0 && text.data[text.len - 1] == '\n');

	/* decode, field by field */
	for (size_t k = 0; k < nfields; k++)
	{
		bool		is_null;
		bool		end_of_row;
		size_t		before = pos;

		buf_reset(&value);
		FUZZ_CHECK(csv_read_field(text.data, text.len, &pos, &value, &is_null, &end_of_row));
		FUZZ_CHECK(pos > before);	/* every field ends in ',' or a newline */
		FUZZ_CHECK(is_null == fields[k].is_null);
		FUZZ_CHECK(end_of_row == fields[k].last_in_row);
		if (is_null)
			FUZZ_CHECK(value.len == 0);
		else
			FUZZ_CHECK(value.len == fields[k].len &&
					   (value.len == 0 || memcmp(value.data, fields[k].data, value.len) == 0));
	}
	FUZZ_CHECK(pos == text.len);

	buf_free(&value);
	buf_free(&text);
	free(fields);
	return 0;
}
