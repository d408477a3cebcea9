/*
 * test_sinks.c
 *    The warehouse dialects piece by piece: the registry, identifier and
 *    literal quoting and folding, where a snapshot lands, the type map and
 *    its refusals, staging renders, COPY options, the change batch's
 *    staging columns and script shape, and widenings refused.  The whole
 *    scripts are compared with goldens in test_sinks_golden.c.
 */
#include "sink_fixtures.h"

static void
test_registry(void **state)
{
	static const char *const names[] = {"postgres", "redshift", "snowflake"};
	int			n = 0;

	(void) state;
	for (; sink_dialects[n] != NULL; n++)
	{
		assert_ptr_equal(sink_dialect_by_name(sink_dialects[n]->name), sink_dialects[n]);
		for (int k = 0; k < n; k++)
			assert_string_not_equal(sink_dialects[k]->name, sink_dialects[n]->name);
	}
	assert_int_equal(n, (int) (sizeof(names) / sizeof(names[0])));
	for (int i = 0; i < n; i++)
		assert_string_equal(sink_dialects[i]->name, names[i]);
	assert_null(sink_dialect_by_name("Snowflake"));
	assert_null(sink_dialect_by_name("bigquery"));
	assert_null(sink_dialect_by_name(""));
	assert_null(sink_dialect_by_name(NULL));
}

static void
test_quote_ident(void **state)
{
	/*
	 * Postgres keeps every name as written; Snowflake stores a name a
	 * Postgres user writes unquoted in upper case, others as written;
	 * Redshift folds ASCII letters to lower case.
	 */
	static const struct
	{
		const char *in;
		const char *pg;
		const char *sf;
		const char *rs;
	}			cases[] = {
		{"plain", "\"plain\"", "\"PLAIN\"", "\"plain\""},
		{"_x$1", "\"_x$1\"", "\"_X$1\"", "\"_x$1\""},
		{"1st", "\"1st\"", "\"1st\"", "\"1st\""},
		{"Order \"Lines\"", "\"Order \"\"Lines\"\"\"", "\"Order \"\"Lines\"\"\"",
		"\"order \"\"lines\"\"\""},
		{"\"", "\"\"\"\"", "\"\"\"\"", "\"\"\"\""},
		{"select", "\"select\"", "\"SELECT\"", "\"select\""},
		{"Mixed", "\"Mixed\"", "\"Mixed\"", "\"mixed\""},
		{"naïve 日本", "\"naïve 日本\"", "\"naïve 日本\"", "\"naïve 日本\""},
		{"ÉTÉ", "\"ÉTÉ\"", "\"ÉTÉ\"", "\"ÉtÉ\""},	/* ASCII letters only */
		{"it's \\", "\"it's \\\"", "\"it's \\\"", "\"it's \\\""},
		{"", "\"\"", "\"\"", "\"\""},
	};
	buf			out = BUF_INIT;

	(void) state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
	{
		buf_reset(&out);
		sink_quote_ident(dialect("postgres"), &out, cases[k].in);
		assert_string_equal(out.data, cases[k].pg);
		buf_reset(&out);
		sink_quote_ident(dialect("snowflake"), &out, cases[k].in);
		assert_string_equal(out.data, cases[k].sf);
		buf_reset(&out);
		sink_quote_ident(dialect("redshift"), &out, cases[k].in);
		assert_string_equal(out.data, cases[k].rs);
	}
	buf_free(&out);
}

/*
 * Names the warehouse cannot keep apart or hold are refused, naming the
 * table and columns; the catalog is asked for names as stored.
 */
static void
test_names_folded(void **state)
{
	table_column two[] = {COL("id", COL_INT4, "integer"), COL("Name", COL_TEXT, "text"),
	COL("name", COL_TEXT, "text")};
	table_column upper[] = {COL("id", COL_INT4, "integer"), COL("NOTE", COL_TEXT, "text"),
	COL("note", COL_TEXT, "text")};
	table_column own[] = {COL("id", COL_INT4, "integer"), COL("_Wharf_Op", COL_TEXT, "text")};
	char		longname[130];
	table_column lng[] = {COL("id", COL_INT4, "integer"), COL(longname, COL_TEXT, "text")};
	table_def	t = {.schema = "public", .name = "t", .target_schema = "Analytics",
	.target_name = "Customers", .ncols = 3, .cols = two};
	sink_dialect kept = *dialect("snowflake");
	buf			out = BUF_INIT;

	(void) state;
	assert_true(sink_check_names(dialect("postgres"), &t));
	assert_true(sink_check_names(dialect("snowflake"), &t));
	assert_false(sink_check_names(dialect("redshift"), &t));
	t.cols = upper;
	assert_true(sink_check_names(dialect("postgres"), &t));
	assert_false(sink_check_names(dialect("snowflake"), &t));
	assert_false(sink_check_names(dialect("redshift"), &t));
	kept.fold = SINK_FOLD_NONE;
	assert_true(sink_check_names(&kept, &t));
	t.cols = own;
	t.ncols = 2;
	assert_false(sink_check_names(dialect("redshift"), &t));
	assert_true(sink_check_names(&kept, &t));	/* "_Wharf_Op" is not "_wharf_op" there */
	memset(longname, 'c', 127);
	longname[127] = '\0';
	t.cols = lng;
	assert_true(sink_check_names(dialect("redshift"), &t));
	assert_false(sink_check_names(dialect("postgres"), &t));
	longname[127] = 'c';
	longname[128] = '\0';
	assert_false(sink_check_names(dialect("redshift"), &t));
	assert_true(sink_check_names(dialect("snowflake"), &t));

	assert_true(sink_same_name(dialect("redshift"), "Customers", "customers"));
	assert_false(sink_same_name(dialect("postgres"), "Customers", "customers"));
	assert_true(sink_same_name(dialect("snowflake"), "customers", "CUSTOMERS"));
	assert_false(sink_same_name(dialect("snowflake"), "Customers", "CUSTOMERS"));
	assert_false(sink_same_name(&kept, "customers", "CUSTOMERS"));

	sink_target_columns_query(dialect("redshift"), &out, "Analytics", "Customers");
	assert_non_null(strstr(out.data, "table_schema = 'analytics' AND table_name = 'customers'"));
	buf_reset(&out);
	sink_target_columns_query(dialect("snowflake"), &out, "analytics", "Customers");
	assert_non_null(strstr(out.data, "table_schema = 'ANALYTICS' AND table_name = 'Customers'"));
	buf_reset(&out);
	sink_target_columns_query(&kept, &out, "analytics", "customers");
	assert_non_null(strstr(out.data, "table_schema = 'analytics' AND table_name = 'customers'"));
	buf_free(&out);
}

static void
test_quote_literal(void **state)
{
	static const struct
	{
		const char *in;
		const char *std;		/* postgres, standard_conforming_strings */
		const char *bs;			/* snowflake, redshift */
	}			cases[] = {
		{"plain", "'plain'", "'plain'"},
		{"", "''", "''"},
		{"it's", "'it''s'", "'it''s'"},
		{"a\\b", "'a\\b'", "'a\\\\b'"},
		{"\\'", "'\\'''", "'\\\\'''"},
		{"'\\'\\\\", "'''\\''\\\\'", "'''\\\\''\\\\\\\\'"},
		{"line\nbreak \"q\" naïve", "'line\nbreak \"q\" naïve'", "'line\nbreak \"q\" naïve'"},
	};
	buf			out = BUF_INIT;

	(void) state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
	{
		buf_reset(&out);
		sink_quote_literal(dialect("postgres"), &out, cases[k].in);
		assert_string_equal(out.data, cases[k].std);
		buf_reset(&out);
		sink_quote_literal(dialect("snowflake"), &out, cases[k].in);
		assert_string_equal(out.data, cases[k].bs);
		buf_reset(&out);
		sink_quote_literal(dialect("redshift"), &out, cases[k].in);
		assert_string_equal(out.data, cases[k].bs);
	}
	buf_free(&out);
}

static void
test_qualified_and_column_list(void **state)
{
	table_column cols[] = {COL("a", COL_INT4, "integer"), COL("B \"c\"", COL_TEXT, "text")};
	table_def	t = {.ncols = 2, .cols = cols};
	buf			out = BUF_INIT;

	(void) state;
	sink_qualified(dialect("postgres"), &out, "Sales Dept", "Order \"Lines\"");
	assert_string_equal(out.data, "\"Sales Dept\".\"Order \"\"Lines\"\"\"");
	buf_reset(&out);
	sink_qualified(dialect("snowflake"), &out, NULL, "events");
	assert_string_equal(out.data, "\"EVENTS\"");
	buf_reset(&out);
	sink_column_list(dialect("redshift"), &out, &t, NULL);
	assert_string_equal(out.data, "\"a\", \"b \"\"c\"\"\"");
	buf_reset(&out);
	sink_column_list(dialect("redshift"), &out, &t, "s.");
	assert_string_equal(out.data, "s.\"a\", s.\"b \"\"c\"\"\"");
	buf_free(&out);
}

/* The SQL literal of a PROGRAM command, unquoted again. */
static char *
sql_unquote(const char *lit)
{
	buf			b = BUF_INIT;

	assert_true(lit[0] == '\'');
	for (const char *p = lit + 1; *p; p++)
	{
		if (*p == '\'')
		{
			if (p[1] != '\'')
				break;
			p++;
		}
		buf_putc(&b, *p);
	}
	return buf_detach(&b);
}

/*
 * The FROM PROGRAM command, decoded from its SQL literal and given to a
 * real shell with curl and gzip replaced by printf, yields each URL and
 * path exactly, one argument, nothing run.
 */
static void
test_copy_program_quoting(void **state)
{
	table_column cols[] = {COL("a", COL_INT4, "integer")};
	table_def	t = {.target_name = "t", .ncols = 1, .cols = cols};
	const char *hostile_words[] = {
		"https://h/p?a=1&b=it's&c=$(touch /tmp/pwned)`id`;x|y",
		"/tmp/it's a \"path\"/with \\ and $HOME and\nnewline.csv.gz",
	};

	(void) state;
	for (size_t k = 0; k < sizeof(hostile_words) / sizeof(hostile_words[0]); k++)
	{
		sink_files	files = {.nparts = 1, .part_names = part_names,
		.part_fetch = &hostile_words[k], .fetch_is_url = k == 0};
		strlist		script = {0};
		const char *from;
		char	   *cmd;
		char	   *shell;
		buf			got = BUF_INIT;
		FILE	   *p;
		char		chunk[256];
		size_t		n;

		sink_copy_staging(dialect("postgres"), &script, &t, "staging", LOAD_SNAPSHOT, &files, &bare_opt);
		assert_int_equal(script.n, 1);
		from = strstr(script.items[0], "FROM PROGRAM ");
		assert_non_null(from);
		cmd = sql_unquote(from + strlen("FROM PROGRAM "));
		assert_non_null(strstr(from, "\nWITH (FORMAT csv)"));
		/* run it with the fetch commands swapped for printing their argument */
		if (files.fetch_is_url)
			shell = xasprintf("curl() { for a; do :; done; printf '[%%s]' \"$a\"; }; gzip() { cat; }; %s", cmd);
		else
			shell = xasprintf("gzip() { printf '[%%s]' \"$2\"; }; %s", cmd);
		p = popen(shell, "r");
		assert_non_null(p);
		while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
			buf_append(&got, chunk, n);
		assert_int_equal(pclose(p), 0);
		{
			char	   *want = xasprintf("[%s]", hostile_words[k]);

			assert_string_equal(got.data, want);
			free(want);
		}
		buf_free(&got);
		free(shell);
		free(cmd);
		strlist_free(&script);
	}
}

static char *
type_of(const sink_dialect *d, const table_column *c)
{
	table_def	t = {.schema = "s", .name = "t", .ncols = 1, .cols = (table_column *) c};
	buf			out = BUF_INIT;

	assert_true(sink_column_type(d, &t, c, &out));
	return buf_detach(&out);
}

static void
test_type_map(void **state)
{
	static const struct
	{
		table_column c;
		const char *pg;
		const char *rs;
		const char *sf;
	}			cases[] = {
		{COL("x", COL_BOOL, "boolean"), "boolean", "BOOLEAN", "BOOLEAN"},
		{COL("x", COL_INT2, "smallint"), "smallint", "SMALLINT", "SMALLINT"},
		{COL("x", COL_INT8, "bigint"), "bigint", "BIGINT", "BIGINT"},
		{{.name = "x", .kind = COL_NUMERIC, .pg_type = "numeric(12,2)", .precision = 12, .scale = 2},
		"numeric(12,2)", "DECIMAL(12,2)", "NUMBER(12,2)"},
		{COL("x", COL_NUMERIC, "numeric"), "numeric", "DECIMAL(38,9)", "NUMBER(38,9)"},
		{{.name = "x", .kind = COL_NUMERIC, .pg_type = "numeric(60,5)", .precision = 60, .scale = 5},
		"numeric(60,5)", "DECIMAL(38,5)", "NUMBER(38,5)"},
		{{.name = "x", .kind = COL_NUMERIC, .pg_type = "numeric(38,37)", .precision = 38, .scale = 37},
		"numeric(38,37)", "DECIMAL(38,37)", "NUMBER(38,37)"},
		{{.name = "x", .kind = COL_NUMERIC, .pg_type = "numeric(5,-2)", .precision = 5, .scale = -2},
		"numeric(5,-2)", "DECIMAL(7,0)", "NUMBER(7,0)"},
		{{.name = "x", .kind = COL_NUMERIC, .pg_type = "numeric(3,5)", .precision = 3, .scale = 5},
		"numeric(3,5)", "DECIMAL(5,5)", "NUMBER(5,5)"},
		{COL("x", COL_FLOAT4, "real"), "real", "REAL", "FLOAT"},
		{COL("x", COL_FLOAT8, "double precision"), "double precision", "DOUBLE PRECISION", "FLOAT"},
		{COL("x", COL_MONEY, "money"), "money", "VARCHAR(65535)", "VARCHAR"},
		{COL("x", COL_TEXT, "text"), "text", "VARCHAR(65535)", "VARCHAR"},
		{{.name = "x", .kind = COL_VARCHAR, .pg_type = "character varying(20)", .length = 20},
		"character varying(20)", "VARCHAR(80)", "VARCHAR(20)"},
		{{.name = "x", .kind = COL_VARCHAR, .pg_type = "character varying(20000)", .length = 20000},
		"character varying(20000)", "VARCHAR(65535)", "VARCHAR(20000)"},
		{COL("x", COL_VARCHAR, "character varying"), "character varying", "VARCHAR(65535)", "VARCHAR"},
		{{.name = "x", .kind = COL_CHAR, .pg_type = "character(2)", .length = 2},
		"character(2)", "VARCHAR(8)", "CHAR(2)"},
		{COL("x", COL_DATE, "date"), "date", "DATE", "DATE"},
		{{.name = "x", .kind = COL_TIME, .pg_type = "time(0) without time zone", .time_precision = 0},
		"time(0) without time zone", "TIME", "TIME(0)"},
		{COL("x", COL_TIMETZ, "time with time zone"), "time with time zone", "TIMETZ", "VARCHAR"},
		{COL("x", COL_TIMESTAMP, "timestamp without time zone"),
		"timestamp without time zone", "TIMESTAMP", "TIMESTAMP_NTZ(6)"},
		{{.name = "x", .kind = COL_TIMESTAMPTZ, .pg_type = "timestamp(3) with time zone", .time_precision = 3},
		"timestamp(3) with time zone", "TIMESTAMPTZ", "TIMESTAMP_TZ(3)"},
		{COL("x", COL_INTERVAL, "interval"), "interval", "VARCHAR(65535)", "VARCHAR"},
		{COL("x", COL_BYTEA, "bytea"), "bytea", "VARBYTE(1024000)", "BINARY"},
		{COL("x", COL_UUID, "uuid"), "uuid", "VARCHAR(36)", "VARCHAR(36)"},
		{COL("x", COL_JSON, "json"), "json", "SUPER", "VARIANT"},
		{COL("x", COL_JSONB, "jsonb"), "jsonb", "SUPER", "VARIANT"},
		{COL("x", COL_INET, "inet"), "inet", "VARCHAR(65535)", "VARCHAR"},
		{{.name = "x", .kind = COL_BIT, .pg_type = "bit(3)", .length = 3}, "bit(3)", "VARCHAR(65535)", "VARCHAR"},
		{COL("x", COL_RANGE, "tstzrange"), "tstzrange", "VARCHAR(65535)", "VARCHAR"},
		{COL("x", COL_ENUM, NULL), "text", "VARCHAR(65535)", "VARCHAR"},
		{COL("x", COL_OTHER, NULL), "text", "VARCHAR(65535)", "VARCHAR"},
		{{.name = "x", .kind = COL_ENUM, .is_array = true}, "text[]", "SUPER", "ARRAY"},
		{{.name = "x", .kind = COL_INT4, .is_array = true, .pg_type = "integer[]"}, "integer[]", "SUPER", "ARRAY"},
		/* a domain over a built-in type: no pg_catalog spelling, typed by kind */
		{{.name = "x", .kind = COL_NUMERIC, .precision = 8, .scale = 3}, "numeric(8,3)", "DECIMAL(8,3)", "NUMBER(8,3)"},
		{{.name = "x", .kind = COL_TIMESTAMPTZ, .time_precision = 2},
		"timestamp(2) with time zone", "TIMESTAMPTZ", "TIMESTAMP_TZ(2)"},
		{{.name = "x", .kind = COL_VARBIT, .length = 7, .is_array = true}, "bit varying(7)[]", "SUPER", "ARRAY"},
	};

	(void) state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
	{
		const char *names[] = {"postgres", "redshift", "snowflake"};
		const char *want[] = {cases[k].pg, cases[k].rs, cases[k].sf};

		for (int i = 0; i < 3; i++)
		{
			char	   *got = type_of(dialect(names[i]), &cases[k].c);

			if (strcmp(got, want[i]) != 0)
				fail_msg("case %zu, %s: got %s, want %s", k, names[i], got, want[i]);
			free(got);
		}
	}
}

/* Every dialect's type map names a type for every kind. */
static void
test_type_map_complete(void **state)
{
	(void) state;
	for (int i = 0; sink_dialects[i] != NULL; i++)
		for (int k = 0; k < COL_NKINDS; k++)
			if (sink_dialects[i]->types[k].name == NULL)
				fail_msg("%s: no type for col_kind %d", sink_dialects[i]->name, k);
}

/* Runs column_type with stderr captured; returns what was logged. */
static char *
column_type_logged(const sink_dialect *d, const table_def *t, const table_column *c, bool *ok)
{
	FILE	   *tmp = tmpfile();
	int			saved = dup(STDERR_FILENO);
	buf			out = BUF_INIT;
	char		chunk[512];
	size_t		n;
	buf			log = BUF_INIT;

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	*ok = sink_column_type(d, t, c, &out);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	while ((n = fread(chunk, 1, sizeof(chunk), tmp)) > 0)
		buf_append(&log, chunk, n);
	fclose(tmp);
	buf_free(&out);
	return buf_detach(&log);
}

static void
test_type_errors(void **state)
{
	table_column bad = {.name = "tiny \"frac\"", .kind = COL_NUMERIC, .pg_type = "numeric(40,38)",
	.precision = 40, .scale = 38, .length = -1, .time_precision = -1};
	table_def	t = {.schema = "Sales Dept", .name = "Order \"Lines\"",
	.target_schema = "Sales Dept", .target_name = "Order \"Lines\"",
	.mode = MODE_MERGE, .ncols = 1, .cols = &bad};
	table_column injected = COL("x", COL_INT4, "integer); DROP TABLE t; --");
	table_def	ti = {.schema = "public", .name = "t", .target_name = "t", .ncols = 1, .cols = &injected};
	const sink_dialect *strict[] = {dialect("snowflake"), dialect("redshift")};
	strlist		script = {0};
	bool		ok;
	char	   *log;

	(void) state;
	for (size_t i = 0; i < 2; i++)
	{
		log = column_type_logged(strict[i], &t, &bad, &ok);
		assert_false(ok);
		assert_non_null(strstr(log, "\"Sales Dept\".\"Order \"\"Lines\"\"\""));
		assert_non_null(strstr(log, "column \"tiny \"frac\"\""));
		assert_non_null(strstr(log, strict[i]->name));
		free(log);
	}

	/* Postgres holds every kind */
	for (int k = COL_BOOL; k <= COL_OTHER; k++)
	{
		table_column c = COL("x", (col_kind) k, NULL);

		log = column_type_logged(dialect("postgres"), &t, &c, &ok);
		assert_true(ok);
		assert_string_equal(log, "");
		free(log);
	}
	/* ... but takes no type name that is not one */
	log = column_type_logged(dialect("postgres"), &ti, &injected, &ok);
	assert_false(ok);
	assert_non_null(strstr(log, "public.t"));
	free(log);
	{
		const char *bad_types[] = {"integer--", "numeric(5,-", "text -1", "Integer", "text'"};

		for (size_t i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++)
		{
			injected.pg_type = (char *) bad_types[i];
			log = column_type_logged(dialect("postgres"), &ti, &injected, &ok);
			assert_false(ok);
			free(log);
		}
	}

	/* a table with a column that cannot be held creates nothing */
	log = column_type_logged(dialect("postgres"), &t, &bad, &ok);
	assert_true(ok);
	free(log);
	{
		FILE	   *devnull = fopen("/dev/null", "w");
		int			saved = dup(STDERR_FILENO);

		dup2(fileno(devnull), STDERR_FILENO);
		assert_false(sink_create_table(dialect("snowflake"), &script, &t));
		assert_false(sink_create_staging(dialect("redshift"), &script, &t, "staging", LOAD_SNAPSHOT));
		dup2(saved, STDERR_FILENO);
		close(saved);
		fclose(devnull);
	}
	assert_int_equal(script.n, 0);
}

static void
test_render(void **state)
{
	static const struct
	{
		table_column c;
		col_render	want;			/* snowflake and redshift */
	}			cases[] = {
		{COL("x", COL_TEXT, "text"), COL_RENDER_TEXT},
		{COL("x", COL_INT8, "bigint"), COL_RENDER_TEXT},
		/* (floats, text, dates and JSON: per dialect, in test_guards.c) */
		{{.name = "x", .kind = COL_TEXT, .is_array = true}, {.as_json = true, .max_scale = -1, .max_int_digits = -1, .no_special = false}},
		{{.name = "x", .kind = COL_NUMERIC, .is_array = true, .precision = 60, .scale = 2},
		{.as_json = true, .max_scale = -1, .max_int_digits = -1, .no_special = false}},
		{{.name = "x", .kind = COL_NUMERIC, .precision = 12, .scale = 2}, {.as_json = false, .max_scale = -1, .max_int_digits = -1, .no_special = true}},
		{{.name = "x", .kind = COL_NUMERIC, .precision = 38, .scale = 0}, {.as_json = false, .max_scale = -1, .max_int_digits = -1, .no_special = true}},
		{{.name = "x", .kind = COL_NUMERIC, .precision = 39, .scale = 0}, {.as_json = false, .max_scale = 0, .max_int_digits = 38, .no_special = true}},
		{{.name = "x", .kind = COL_NUMERIC, .precision = 50, .scale = 10}, {.as_json = false, .max_scale = 10, .max_int_digits = 28, .no_special = true}},
		{{.name = "x", .kind = COL_NUMERIC, .precision = -1, .scale = -1}, {.as_json = false, .max_scale = 9, .max_int_digits = 29, .no_special = true}},
		{{.name = "x", .kind = COL_NUMERIC, .precision = 40, .scale = -5}, {.as_json = false, .max_scale = 0, .max_int_digits = 38, .no_special = true}},
	};

	(void) state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
	{
		const sink_dialect *ds[] = {dialect("snowflake"), dialect("redshift")};
		col_render	pg = sink_column_render(dialect("postgres"), &cases[k].c);

		assert_false(pg.as_json);
		assert_int_equal(pg.max_scale, -1);
		assert_int_equal(pg.max_int_digits, -1);
		assert_false(pg.no_special);
		for (int i = 0; i < 2; i++)
		{
			col_render	r = sink_column_render(ds[i], &cases[k].c);

			if (r.as_json != cases[k].want.as_json || r.max_scale != cases[k].want.max_scale ||
				r.max_int_digits != cases[k].want.max_int_digits ||
				r.no_special != cases[k].want.no_special)
				fail_msg("case %zu, %s: got {%d, %d, %d, %d}", k, ds[i]->name,
						 r.as_json, r.max_scale, r.max_int_digits, r.no_special);
		}
	}
}

static void
test_copy_part_counts(void **state)
{
	enum
	{
		MANY = 2345
	};
	const char **names = xcalloc(MANY, sizeof(char *));
	sink_files	files = s3_files;
	strlist		script = {0};

	(void) state;
	/* nothing staged: no COPY at all (Snowflake would load the whole folder) */
	files.nparts = 0;
	for (int i = 0; sink_dialects[i] != NULL; i++)
	{
		sink_copy_staging(sink_dialects[i], &script, &allkey, "staging", LOAD_SNAPSHOT, &files, &full_opt);
		assert_int_equal(script.n, 0);
	}

	/* Snowflake names at most 1000 files per COPY */
	for (int i = 0; i < MANY; i++)
		names[i] = xasprintf("part-%05d.csv.gz", i + 1);
	files.nparts = MANY;
	files.part_names = names;
	sink_copy_staging(dialect("snowflake"), &script, &allkey, "staging", LOAD_SNAPSHOT, &files, &full_opt);
	assert_int_equal(script.n, 3);
	assert_non_null(strstr(script.items[0], "'part-00001.csv.gz', "));
	assert_non_null(strstr(script.items[0], ", 'part-01000.csv.gz')"));
	assert_non_null(strstr(script.items[1], "('part-01001.csv.gz', "));
	assert_non_null(strstr(script.items[1], ", 'part-02000.csv.gz')"));
	assert_non_null(strstr(script.items[2], "('part-02001.csv.gz', "));
	assert_non_null(strstr(script.items[2], ", 'part-02345.csv.gz')"));
	strlist_free(&script);

	/* Redshift reads the manifest once, whatever the count */
	sink_copy_staging(dialect("redshift"), &script, &allkey, "staging", LOAD_SNAPSHOT, &files, &full_opt);
	assert_int_equal(script.n, 1);
	strlist_free(&script);

	for (int i = 0; i < MANY; i++)
		free((char *) names[i]);
	free(names);
}

/* Storage integrations named like plain identifiers stay unquoted. */
static void
test_storage_integration(void **state)
{
	static const struct
	{
		const char *name;
		const char *want;
	}			cases[] = {
		{"wharf_s3", "\nSTORAGE_INTEGRATION = wharf_s3\n"},
		{"WHARF$INT", "\nSTORAGE_INTEGRATION = WHARF$INT\n"},
		{"My Integration", "\nSTORAGE_INTEGRATION = \"My Integration\"\n"},
		{"x; DROP TABLE t", "\nSTORAGE_INTEGRATION = \"x; DROP TABLE t\"\n"},
		{"9lives", "\nSTORAGE_INTEGRATION = \"9lives\"\n"},
	};

	(void) state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
	{
		sink_options opt = {.storage_integration = cases[k].name};
		strlist		script = {0};

		sink_copy_staging(dialect("snowflake"), &script, &allkey, "staging", LOAD_SNAPSHOT, &s3_files, &opt);
		assert_int_equal(script.n, 1);
		assert_non_null(strstr(script.items[0], cases[k].want));
		strlist_free(&script);
	}
}

/* Occurrences of needle in haystack. */
static int
count_of(const char *haystack, const char *needle)
{
	int			n = 0;

	for (const char *p = strstr(haystack, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	return n;
}

/*
 * The change apply of every dialect and shape: Snowflake and Postgres
 * create nothing (Snowflake commits on DDL); Redshift's temporary table is
 * named after the staging table and dropped at the end; every window with
 * an ORDER BY but ROW_NUMBER has an explicit frame (Redshift requires it).
 */
static void
test_changes_script_shape(void **state)
{
	const table_def *shapes[] = {&hostile, &soft, &allkey, &append};

	(void) state;
	for (int i = 0; sink_dialects[i] != NULL; i++)
		for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++)
		{
			const sink_dialect *d = sink_dialects[i];
			strlist		one = {0};
			strlist		two = {0};
			char	   *a;
			char	   *b;

			sink_apply(d, &one, shapes[k], "wharf_staging_1", LOAD_CHANGES);
			sink_apply(d, &two, shapes[k], "wharf_staging_2", LOAD_CHANGES);
			a = join_script(&one);
			b = join_script(&two);
			assert_true(one.n > 0);
			assert_int_equal(one.n, two.n);
			assert_int_equal(count_of(a, " OVER ("),
							 count_of(a, "ROW_NUMBER() OVER (") +
							 count_of(a, " ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"));
			assert_int_equal(count_of(a, "wharf_staging_2"), 0);
			if (d == dialect("redshift") && shapes[k]->mode == MODE_MERGE)
			{
				const char *want1 = "CREATE TEMP TABLE \"wharf_staging_1_final\" AS\n";
				const char *want2 = "CREATE TEMP TABLE \"wharf_staging_2_final\" AS\n";

				assert_true(strncmp(one.items[1], want1, strlen(want1)) == 0);
				assert_true(strncmp(two.items[1], want2, strlen(want2)) == 0);
				assert_string_equal(one.items[one.n - 1], "DROP TABLE \"wharf_staging_1_final\"");
			}
			else
			{
				assert_int_equal(count_of(a, "CREATE "), 0);
				assert_int_equal(count_of(a, "DROP "), 0);
			}
			if (shapes[k]->mode == MODE_APPEND)
			{
				char	   *op = quoted(d, SINK_CHANGE_OP);
				char	   *lsn = quoted(d, SINK_CHANGE_LSN);
				char	   *seq = quoted(d, SINK_CHANGE_SEQ);
				char	   *want = xasprintf("WHERE s.%s = 'I'\nORDER BY s.%s, s.%s", op, lsn, seq);

				assert_int_equal(one.n, 1);
				assert_non_null(strstr(a, want));
				free(want);
				free(op);
				free(lsn);
				free(seq);
			}
			else
				assert_true(strncmp(one.items[0], shapes[k]->deletes == DELETES_SOFT ?
									"UPDATE " : "DELETE FROM ", 6) == 0);
			free(a);
			free(b);
			strlist_free(&one);
			strlist_free(&two);
		}
}

/* A change batch's staging table and COPY list the four change columns first. */
static void
test_changes_staging_columns(void **state)
{
	(void) state;
	for (int i = 0; sink_dialects[i] != NULL; i++)
	{
		const sink_dialect *d = sink_dialects[i];
		strlist		script = {0};
		char	   *q[4] = {quoted(d, SINK_CHANGE_LSN), quoted(d, SINK_CHANGE_SEQ),
		quoted(d, SINK_CHANGE_OP), quoted(d, SINK_CHANGE_UNCHANGED)};
		char	   *post = quoted(d, "post_id");
		char	   *tag = quoted(d, "tag");
		buf			stg = BUF_INIT;
		char	   *create = xasprintf("\n\t%s BIGINT,\n\t%s BIGINT,\n\t%s ", q[0], q[1], q[2]);
		char	   *col = xasprintf(",\n\t%s ", post);
		char	   *copy;

		sink_staging_ref(d, &stg, &allkey, "stg");
		assert_true(sink_create_staging(d, &script, &allkey, "stg", LOAD_CHANGES));
		/* the last statement creates it (a DROP IF EXISTS may come first) */
		assert_non_null(strstr(script.items[script.n - 1], create));
		assert_non_null(strstr(script.items[script.n - 1], col));
		strlist_free(&script);
		if (d == dialect("snowflake"))
			copy = xasprintf("COPY INTO %s\nFROM ", stg.data);
		else
			copy = xasprintf("COPY %s (%s, %s, %s, %s, %s, %s)", stg.data, q[0], q[1], q[2], q[3],
							 post, tag);
		sink_copy_staging(d, &script, &allkey, "stg", LOAD_CHANGES, &s3_files, &full_opt);
		for (int k = 0; k < script.n; k++)
			assert_true(strncmp(script.items[k], copy, strlen(copy)) == 0);
		strlist_free(&script);
		for (int k = 0; k < 4; k++)
			free(q[k]);
		free(post);
		free(tag);
		free(create);
		free(col);
		free(copy);
		buf_free(&stg);
	}
}

/*
 * A snapshot into a new or empty target: COPY straight into it where every
 * value loads as staged and the files' columns can be named, else an
 * INSERT of the staging table's rows.
 */
static void
test_empty_target(void **state)
{
	static const struct
	{
		const char *dialect;
		const table_def *t;
		bool		direct;
	}			cases[] = {
		{"postgres", &allkey, true}, {"postgres", &soft, true}, {"postgres", &hostile, true},
		{"redshift", &allkey, true}, {"redshift", &soft, false},	/* bytea is staged as text */
		{"snowflake", &allkey, true}, {"snowflake", &soft, false},
		{"snowflake", &append, false},	/* float and json convert */
	};

	(void) state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
	{
		const sink_dialect *d = dialect(cases[k].dialect);
		const table_def *t = cases[k].t;
		strlist		script = {0};
		buf			target = BUF_INIT;
		char	   *want;

		sink_qualified(d, &target, t->target_schema, t->target_name);
		if (sink_copies_direct(d, t) != cases[k].direct)
			fail_msg("case %zu (%s, %s): direct is not %d", k, d->name, t->name, cases[k].direct);
		sink_copy_target(d, &script, t, &s3_files, &full_opt);
		want = xasprintf("COPY %s%s", d == dialect("snowflake") ? "INTO " : "", target.data);
		assert_true(script.n > 0);
		for (int i = 0; i < script.n; i++)
			assert_true(strncmp(script.items[i], want, strlen(want)) == 0);
		free(want);
		strlist_free(&script);
		sink_insert_staged(d, &script, t, "stg", NULL);
		want = xasprintf("INSERT INTO %s (", target.data);
		assert_int_equal(script.n, 1);
		assert_true(strncmp(script.items[0], want, strlen(want)) == 0);
		assert_null(strstr(script.items[0], "DELETE"));
		free(want);
		strlist_free(&script);
		buf_free(&target);
	}
}

/*
 * How a snapshot lands, by load_script: into a new or empty target, or a
 * refresh by replace (a merge table with hard deletes), rows are loaded as
 * new (emptied first for the refresh); soft deletes and refresh = merge
 * merge.
 */
static void
test_snapshot_landing(void **state)
{
	static const struct
	{
		const table_def *t;
		bool		empty;
		table_refresh refresh;
		bool		emptied;		/* TRUNCATE or DELETE of the whole target */
		bool		merged;			/* MERGE, or Redshift's DELETE USING */
	}			cases[] = {
		{&allkey, true, REFRESH_REPLACE, false, false},
		{&allkey, false, REFRESH_REPLACE, true, false},
		{&allkey, false, REFRESH_MERGE, false, true},
		{&soft, true, REFRESH_REPLACE, false, false},
		{&soft, false, REFRESH_REPLACE, false, true},
	};

	(void) state;
	for (int i = 0; sink_dialects[i] != NULL; i++)
	{
		const sink_dialect *d = sink_dialects[i];
		char	   *text = xasprintf("[job]\nname = wharf\n[source]\nconninfo = host=src\n"
									 "[stage]\nurl = s3://bucket/p\naccess_key_id = A\n"
									 "secret_access_key = landing-secret-7\n[warehouse]\ndialect = %s\n"
									 "storage_integration = I\n[table public.t]\n", d->name);
		job			j;
		stage		s;

		assert_true(job_load_string(text, "landing.ini", &j));
		assert_true(stage_open(&j, &s));
		for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		{
			table_def	t = *cases[k].t;
			load_table	lt = {.t = &t, .target_empty = cases[k].empty};
			strlist		script = {0};
			buf			target = BUF_INIT;
			char	   *empty_stmt;
			bool		emptied = false;
			bool		merged = false;
			bool		staging = false;
			int			nddl = 0;

			t.refresh = cases[k].refresh;
			sink_qualified(d, &target, t.target_schema, t.target_name);
			empty_stmt = xasprintf("%s%s", d->truncate_in_transaction ? "TRUNCATE TABLE " : "DELETE FROM ",
								   target.data);
			assert_true(load_script(d, &j, &s, LOAD_SNAPSHOT, "L", NULL, &lt, 1, &script, &nddl));
			for (int n = nddl; n < script.n; n++)
			{
				const char *stmt = script.items[n];
				bool		of_target = strstr(stmt, target.data) != NULL;

				emptied |= strcmp(stmt, empty_stmt) == 0;
				merged |= of_target && (strncmp(stmt, "MERGE ", 6) == 0 || strstr(stmt, "\nUSING ") != NULL);
			}
			for (int n = 0; n < nddl; n++)
				staging |= strstr(script.items[n], "wharf_staging") != NULL ||
					strstr(script.items[n], "WHARF_STAGING") != NULL;
			if (emptied != cases[k].emptied || merged != cases[k].merged)
				fail_msg("%s, case %zu: emptied %d merged %d", d->name, k, emptied, merged);
			/* no staging table where COPY loads the target itself */
			if (!cases[k].merged && sink_copies_direct(d, &t))
				assert_false(staging);
			else
				assert_true(staging);
			free(empty_stmt);
			buf_free(&target);
			strlist_free(&script);
		}
		stage_close(&s);
		job_free(&j);
		free(text);
	}
}

/* Runs widen_column with stderr captured; returns what was logged. */
static char *
widen_logged(const sink_dialect *d, const table_column *was, const table_column *c,
			 strlist *script, bool *ok)
{
	FILE	   *tmp = tmpfile();
	int			saved = dup(STDERR_FILENO);
	char		chunk[512];
	size_t		n;
	buf			log = BUF_INIT;

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	*ok = sink_widen_column(d, script, &hostile, was, c);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	while ((n = fread(chunk, 1, sizeof(chunk), tmp)) > 0)
		buf_append(&log, chunk, n);
	fclose(tmp);
	return buf_detach(&log);
}

static void
test_widen_refusals(void **state)
{
#define WCOL(k, p, s, n, tp, key, arr) {.name = "x", .kind = (k), .precision = (p), .scale = (s), \
	.length = (n), .time_precision = (tp), .key_pos = (key), .is_array = (arr)}
	/* was: the column as the warehouse holds it (NULL: unknown); a rebuild is 4 statements */
	static const struct
	{
		table_column was;
		bool		was_known;
		table_column c;
		bool		rs;				/* redshift widens it */
		int			rs_n;			/* statements */
		bool		sf;
		int			sf_n;
	}			cases[] = {
		{WCOL(COL_INT4, -1, -1, -1, -1, 0, false), true, {.name = "small \"n\"", .kind = COL_INT8, .pg_type = "bigint"},
		true, 4, true, 0},
		{WCOL(COL_NUMERIC, 12, 2, -1, -1, 0, false), true,
		WCOL(COL_NUMERIC, 20, 2, -1, -1, 0, false), true, 4, true, 1},
		/* a new scale: Snowflake's ALTER cannot, both rebuild */
		{WCOL(COL_INT8, -1, -1, -1, -1, 0, false), true, WCOL(COL_NUMERIC, 22, 2, -1, -1, 0, false), true, 4, true, 4},
		{WCOL(COL_NUMERIC, 38, 0, -1, -1, 0, false), true,
		WCOL(COL_NUMERIC, 12, 2, -1, -1, 0, false), true, 4, true, 4},
		/* the warehouse holds more already */
		{WCOL(COL_NUMERIC, 38, 2, -1, -1, 0, false), true,
		WCOL(COL_NUMERIC, 20, 2, -1, -1, 0, false), true, 0, true, 0},
		{WCOL(COL_NUMERIC, 12, 2, -1, -1, 0, false), false,
		WCOL(COL_NUMERIC, 20, 2, -1, -1, 0, false), true, 4, true, 1},
		{WCOL(COL_VARCHAR, -1, -1, 40, -1, 0, false), true, WCOL(COL_VARCHAR, -1, -1, 80, -1, 0, false), true, 1, true, 1},
		{WCOL(COL_VARCHAR, -1, -1, 40, -1, 0, false), true, WCOL(COL_TEXT, -1, -1, -1, -1, 0, false), true, 1, true, 1},
		/* a key column: Redshift cannot alter it, neither rebuilds it */
		{WCOL(COL_VARCHAR, -1, -1, 40, -1, 0, false), true, WCOL(COL_VARCHAR, -1, -1, 80, -1, 1, false),
		false, 0, true, 1},
		{WCOL(COL_NUMERIC, 10, 0, -1, -1, 0, false), true,
		WCOL(COL_NUMERIC, 12, 2, -1, -1, 1, false), false, 0, false, 0},
		{WCOL(COL_TIMESTAMP, -1, -1, -1, 3, 0, false), true, WCOL(COL_TIMESTAMP, -1, -1, -1, 6, 0, false),
		false, 0, false, 0},
		{WCOL(COL_FLOAT4, -1, -1, -1, -1, 0, false), true, WCOL(COL_FLOAT8, -1, -1, -1, -1, 0, false), false, 0, true, 0},
		{WCOL(COL_JSON, -1, -1, -1, -1, 0, false), true, WCOL(COL_JSONB, -1, -1, -1, -1, 0, false), true, 0, true, 0},
		{WCOL(COL_INT4, -1, -1, -1, -1, 0, true), true, WCOL(COL_INT8, -1, -1, -1, -1, 0, true), true, 0, true, 0},
		{WCOL(COL_BYTEA, -1, -1, -1, -1, 0, false), true, WCOL(COL_BYTEA, -1, -1, -1, -1, 0, false), false, 0, false, 0},
	};
#undef WCOL

	(void) state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
	{
		const sink_dialect *ds[] = {dialect("redshift"), dialect("snowflake"), dialect("postgres")};
		bool		want[] = {cases[k].rs, cases[k].sf, true};
		int			want_n[] = {cases[k].rs_n, cases[k].sf_n, 1};

		for (int i = 0; i < 3; i++)
		{
			strlist		script = {0};
			bool		ok;
			char	   *log = widen_logged(ds[i], cases[k].was_known ? &cases[k].was : NULL,
											&cases[k].c, &script, &ok);

			if (ok != want[i] || script.n != want_n[i])
				fail_msg("case %zu, %s: got %d with %d statements", k, ds[i]->name, ok, script.n);
			if (ok)
				assert_string_equal(log, "");
			else
			{
				char	   *col = xasprintf("column \"%s\"", cases[k].c.name);

				assert_non_null(strstr(log, "\"Sales Dept\".\"Order \"\"Lines\"\"\""));
				assert_non_null(strstr(log, col));
				assert_non_null(strstr(log, ds[i]->name));
				free(col);
			}
			free(log);
			strlist_free(&script);
		}
	}
}

/* A column the dialect cannot hold is reported and adds nothing. */
static void
test_add_column_unholdable(void **state)
{
	table_column bad = {.name = "tiny", .kind = COL_NUMERIC, .pg_type = "numeric(40,38)",
	.precision = 40, .scale = 38, .length = -1, .time_precision = -1};
	table_def	t = {.schema = "public", .name = "t", .target_name = "t", .ncols = 1, .cols = &bad};
	strlist		script = {0};
	FILE	   *devnull = fopen("/dev/null", "w");
	int			saved = dup(STDERR_FILENO);

	(void) state;
	fflush(stderr);
	dup2(fileno(devnull), STDERR_FILENO);
	sink_add_column(dialect("snowflake"), &script, &script, &soft, &bad, "1");
	sink_add_column(dialect("redshift"), &script, &script, &soft, &bad, NULL);
	assert_false(sink_widen_column(dialect("redshift"), &script, &soft, NULL, &bad));
	assert_false(sink_create_staging(dialect("snowflake"), &script, &t, "stg", LOAD_CHANGES));
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	fclose(devnull);
	assert_int_equal(script.n, 0);
	strlist_free(&script);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_quote_ident),
		cmocka_unit_test(test_names_folded),
		cmocka_unit_test(test_empty_target),
		cmocka_unit_test(test_snapshot_landing),
		cmocka_unit_test(test_quote_literal),
		cmocka_unit_test(test_qualified_and_column_list),
		cmocka_unit_test(test_copy_program_quoting),
		cmocka_unit_test(test_type_map),
		cmocka_unit_test(test_type_map_complete),
		cmocka_unit_test(test_type_errors),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_copy_part_counts),
		cmocka_unit_test(test_storage_integration),
		cmocka_unit_test(test_changes_script_shape),
		cmocka_unit_test(test_changes_staging_columns),
		cmocka_unit_test(test_widen_refusals),
		cmocka_unit_test(test_add_column_unholdable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
