/*
 * test_sinks_golden.c
 *    Every dialect's whole scripts compared with the golden files in
 *    tests/golden (WHARF_UPDATE_GOLDEN=1 rewrites them): a snapshot load
 *    and a change batch of each table shape, an incremental load, the
 *    schema-change and retire statements, the session statements, the
 *    state rows of partitions, and the NULL contract of staged CSV.
 */
#include "sink_fixtures.h"


/* Reads a whole file into a new string, or NULL. */
static char *
read_file(const char *path)
{
	FILE	   *f = fopen(path, "rb");
	buf			b = BUF_INIT;
	char		chunk[4096];
	size_t		n;

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	return buf_detach(&b);
}

/* tests/golden/<dialect>_<what>_<shape>.sql */
static char *
golden_path(const char *dialect, const char *what, const char *shape)
{
	const char *dir = getenv("WHARF_GOLDEN_DIR");
	const char *src = getenv("WHARF_SOURCE_DIR");

	if (dir != NULL)
		return xasprintf("%s/%s_%s_%s.sql", dir, dialect, what, shape);
	if (src != NULL)
		return xasprintf("%s/tests/golden/%s_%s_%s.sql", src, dialect, what, shape);
	fail_msg("set WHARF_GOLDEN_DIR (or WHARF_SOURCE_DIR) to find the golden files");
	return NULL;
}


static bool
has_meta_names(const table_def *t)
{
	return t->synced_at_col != NULL || t->lsn_col != NULL || t->op_col != NULL;
}

/* Every statement of one table's snapshot load, in the order a load runs them. */
static char *
build_script(const sink_dialect *d, const table_def *t, const sink_files *files,
			 const sink_options *opt, const char *state_schema, const char *lsn)
{
	strlist		script = {0};
	buf			query = BUF_INIT;
	char	   *source = table_display_name(t);
	table_def	tgt = {.schema = t->target_schema, .name = t->target_name};
	char	   *target = t->target_schema ? table_display_name(&tgt) : xstrdup(t->target_name);
	char	   *text;
	sink_state_row row = {
		.job = JOB_NAME,
		.source_table = source,
		.target_table = target,
		.kind = "snapshot",
		.lsn = lsn,
		.rows = 12345,
		.load_id = "20240101T100000Z-ab12",
	};

	if (t->target_schema != NULL)
		sink_create_schema(d, &script, t->target_schema);
	assert_true(sink_create_table(d, &script, t));
	sink_add_meta_columns(d, &script, t, NULL);
	assert_true(sink_create_staging(d, &script, t, "staging", LOAD_SNAPSHOT));
	sink_copy_staging(d, &script, t, "staging", LOAD_SNAPSHOT, files, opt);
	sink_apply_snapshot(d, &script, t, "staging", lsn);
	/* the other ending, into a new or empty target */
	if (has_meta_names(t))
		sink_insert_staged(d, &script, t, "staging", lsn);
	sink_state_create(d, &script, state_schema, "wharf_state");
	sink_state_record(d, &script, state_schema, "wharf_state", &row);
	sink_state_query(d, &query, state_schema, "wharf_state", JOB_NAME);
	strlist_push(&script, buf_detach(&query));
	text = join_script(&script);
	strlist_free(&script);
	free(source);
	free(target);
	return text;
}

/* t with the metadata columns ([warehouse] synced_at_column, ...) */
static table_def
with_meta(const table_def *t)
{
	table_def	m = *t;

	m.synced_at_col = "_wharf_synced_at";
	m.lsn_col = "_wharf_lsn";
	m.op_col = "_wharf_op";
	return m;
}

static void
check_golden(const sink_dialect *d, const char *what, const char *shape, const char *got)
{
	char	   *path = golden_path(d->name, what, shape);
	const char *update = getenv("WHARF_UPDATE_GOLDEN");

	if (update != NULL && strcmp(update, "1") == 0)
	{
		FILE	   *f = fopen(path, "wb");

		if (f == NULL)
			fail_msg("cannot write %s", path);
		fputs(got, f);
		fclose(f);
	}
	else
	{
		char	   *want = read_file(path);

		if (want == NULL)
			fail_msg("cannot read %s (WHARF_UPDATE_GOLDEN=1 writes it)", path);
		if (strcmp(want, got) != 0)
		{
			fprintf(stderr, "--- %s\n+++ generated\n%s", path, got);
			fail_msg("%s differs from the generated script", path);
		}
		free(want);
	}
	free(path);
}

static void
golden_shape(const char *shape, const table_def *t, bool local_for_postgres,
			 const sink_options *opt, const char *state_schema, const char *lsn)
{
	for (int i = 0; sink_dialects[i] != NULL; i++)
	{
		const sink_dialect *d = sink_dialects[i];
		const sink_files *files = (local_for_postgres && d == dialect("postgres"))
			? &local_files : &s3_files;
		char	   *got = build_script(d, t, files, opt, state_schema, lsn);

		check_golden(d, "snapshot", shape, got);
		free(got);
	}
}

/* Every statement of one table's change batch, in the order a load runs them. */
static char *
build_changes_script(const sink_dialect *d, const table_def *t, const char *staging,
					 const sink_files *files, const sink_options *opt, load_kind kind)
{
	strlist		script = {0};
	char	   *text;

	assert_true(sink_create_staging(d, &script, t, staging, kind));
	sink_copy_staging(d, &script, t, staging, kind, files, opt);
	sink_apply(d, &script, t, staging, kind);
	text = join_script(&script);
	strlist_free(&script);
	return text;
}

static void
golden_changes_kind(const char *shape, const table_def *t, bool local_for_postgres,
					const sink_options *opt, load_kind kind)
{
	for (int i = 0; sink_dialects[i] != NULL; i++)
	{
		const sink_dialect *d = sink_dialects[i];
		const sink_files *files = (local_for_postgres && d == dialect("postgres"))
			? &local_files : &s3_files;
		char	   *got = build_changes_script(d, t, "wharf_staging_1", files, opt, kind);

		check_golden(d, "changes", shape, got);
		free(got);
	}
}

static void
golden_changes(const char *shape, const table_def *t, bool local_for_postgres,
			   const sink_options *opt)
{
	golden_changes_kind(shape, t, local_for_postgres, opt, LOAD_CHANGES);
}

/*
 * Every statement of an incremental load of one table (incremental.h): its
 * changed rows and, to reconcile deletes, every key, each COPYed into its
 * staging table; the deletes, the merge by key, and the mark.
 */
static char *
build_incremental_script(const sink_dialect *d, const table_def *t, const sink_files *files,
						 const sink_options *opt)
{
	strlist		script = {0};
	table_def	keys;
	char	   *text;
	sink_state_row mark = {
		.job = JOB_NAME, .source_table = "s.t mark", .target_table = "7301:7305:7302",
		.kind = "mark", .rows = 0, .load_id = "20240101T100000Z-ab12",
	};

	table_def_keys(t, NULL, &keys, NULL);
	assert_true(sink_create_staging(d, &script, t, "wharf_staging_1", LOAD_SNAPSHOT));
	assert_true(sink_create_staging(d, &script, &keys, "wharf_keys_1", LOAD_SNAPSHOT));
	sink_copy_staging(d, &script, t, "wharf_staging_1", LOAD_SNAPSHOT, files, opt);
	sink_copy_staging(d, &script, &keys, "wharf_keys_1", LOAD_SNAPSHOT, files, opt);
	sink_reconcile(d, &script, t, &keys, "wharf_keys_1");
	sink_apply_upsert(d, &script, t, "wharf_staging_1");
	sink_state_record(d, &script, "wharf", "wharf_state", &mark);
	text = join_script(&script);
	strlist_free(&script);
	table_def_free(&keys);
	return text;
}

static void
golden_incremental(const char *shape, const table_def *t)
{
	for (int i = 0; sink_dialects[i] != NULL; i++)
	{
		char	   *got = build_incremental_script(sink_dialects[i], t, &s3_files, &full_opt);

		check_golden(sink_dialects[i], "incremental", shape, got);
		free(got);
	}
}

static void
test_golden_incremental(void **state)
{
	(void) state;
	golden_incremental("merge", &hostile);
	golden_incremental("soft", &soft);
}

static void
test_golden_merge(void **state)
{
	(void) state;
	golden_shape("merge", &hostile, false, &full_opt, "wharf", "0/16B3748");
}

static void
test_golden_soft(void **state)
{
	(void) state;
	golden_shape("soft", &soft, false, &full_opt, "wharf", "0/16B3748");
}

static void
test_golden_allkey(void **state)
{
	(void) state;
	golden_shape("allkey", &allkey, false, &full_opt, "Wharf \"State\"", NULL);
}

static void
test_golden_append(void **state)
{
	(void) state;
	golden_shape("append", &append, true, &bare_opt, NULL, NULL);
}

static void
test_golden_changes_merge(void **state)
{
	(void) state;
	golden_changes("merge", &hostile, false, &full_opt);
}

static void
test_golden_changes_soft(void **state)
{
	(void) state;
	golden_changes("soft", &soft, false, &full_opt);
}

/* With key changes ('K'): their unchanged values from the old key's row. */
static void
test_golden_changes_moved(void **state)
{
	(void) state;
	golden_changes_kind("moved", &soft, false, &full_opt, LOAD_CHANGES_MOVED);
}

static void
test_golden_changes_allkey(void **state)
{
	(void) state;
	golden_changes("allkey", &allkey, false, &full_opt);
}

static void
test_golden_changes_append(void **state)
{
	(void) state;
	golden_changes("append", &append, true, &bare_opt);
}

/*
 * The metadata columns: a snapshot's rows (op 'S', the snapshot's LSN),
 * merged and into a new target; a change batch's winners (their LSN, 'I'
 * or 'U'), with unchanged values, complete, with key changes, appended.
 */
static void
test_golden_meta(void **state)
{
	table_def	merge = with_meta(&hostile);
	table_def	soft_meta = with_meta(&soft);
	table_def	allkey_meta = with_meta(&allkey);
	table_def	append_meta = with_meta(&append);

	(void) state;
	golden_shape("meta", &merge, false, &full_opt, "wharf", "0/16B3748");
	golden_shape("metasoft", &soft_meta, false, &full_opt, "wharf", NULL);
	golden_changes("meta", &merge, false, &full_opt);
	golden_changes_kind("metacomplete", &merge, false, &full_opt, LOAD_CHANGES_COMPLETE);
	golden_changes_kind("metamoved", &soft_meta, false, &full_opt, LOAD_CHANGES_MOVED);
	golden_changes("metaallkey", &allkey_meta, false, &full_opt);
	golden_changes("metaappend", &append_meta, true, &bare_opt);
}

/* Columns added to, and widened in, the soft-delete table. */
static table_column added_cols[] = {
	COL("nickname", COL_TEXT, "text"),
	{.name = "it's \\ \"odd\"", .kind = COL_VARCHAR, .pg_type = "character varying(40)",
	.length = 40, .precision = -1, .scale = -1, .time_precision = -1},
	{.name = "credit", .kind = COL_NUMERIC, .pg_type = "numeric(12,2)", .precision = 12, .scale = 2,
	.length = -1, .time_precision = -1},
	COL("active", COL_BOOL, "boolean"),
	COL("seen at", COL_TIMESTAMPTZ, "timestamp with time zone"),
	COL("badge", COL_BYTEA, "bytea"),
	COL("extra", COL_JSONB, "jsonb"),
	COL("ratio", COL_FLOAT8, "double precision"),
};

static const char *const added_defaults[] = {
	"", "it's \\ 'quoted'", "42.50", "true", "2024-01-01 10:00:00+00", "\\x00ff",
	"{\"a\": \"it's\"}", "Infinity",
};

/* The soft table's columns after a schema change, for widen_column. */
static table_column widened_cols[] = {
	{.name = "email", .kind = COL_VARCHAR, .pg_type = "character varying(1000)", .length = 1000,
	.not_null = true, .precision = -1, .scale = -1, .time_precision = -1},
	{.name = "credit", .kind = COL_NUMERIC, .pg_type = "numeric(20,2)", .precision = 20, .scale = 2,
	.length = -1, .time_precision = -1},
	COL("Name", COL_TEXT, "text"),
	{.name = "tags", .kind = COL_TEXT, .is_array = true, .pg_type = "text[]",
	.precision = -1, .scale = -1, .length = -1, .time_precision = -1},
	COL("prefs", COL_JSONB, "jsonb"),
};

/*
 * add_column for each added column (with and without a value for the
 * existing rows), then widen_column for each widened one (a refusal shows
 * as a comment), then rename_column and reset_column.  Refusals log: stderr goes to /dev/null meanwhile.
 */
static char *
build_alter_script(const sink_dialect *d)
{
	strlist		script = {0};
	char	   *text;
	FILE	   *devnull = fopen("/dev/null", "w");
	int			saved = dup(STDERR_FILENO);

	for (size_t i = 0; i < sizeof(added_cols) / sizeof(added_cols[0]); i++)
	{
		sink_add_column(d, &script, &script, &soft, &added_cols[i], NULL);
		sink_add_column(d, &script, &script, &soft, &added_cols[i], added_defaults[i]);
	}
	fflush(stderr);
	dup2(fileno(devnull), STDERR_FILENO);
	for (size_t i = 0; i < sizeof(widened_cols) / sizeof(widened_cols[0]); i++)
	{
		int			before = script.n;

		if (!sink_widen_column(d, &script, &soft, NULL, &widened_cols[i]))
		{
			assert_int_equal(script.n, before);
			strlist_push(&script, xasprintf("-- widen_column \"%s\": refused", widened_cols[i].name));
		}
		else if (script.n == before)
			strlist_push(&script, xasprintf("-- widen_column \"%s\": nothing to do", widened_cols[i].name));
	}
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	fclose(devnull);
	/* a rename, and every row set again (with a value, and to NULL) */
	sink_rename_column(d, &script, &soft, "nick \"old\"", &added_cols[0]);
	for (size_t i = 0; i < sizeof(added_cols) / sizeof(added_cols[0]); i++)
		assert_true(sink_reset_column(d, &script, &script, &soft, &added_cols[i], added_defaults[i]));
	assert_true(sink_reset_column(d, &script, &script, &soft, &added_cols[0], NULL));
	text = join_script(&script);
	strlist_free(&script);
	return text;
}

/*
 * One session's statements as load.c orders them: the snapshot of the
 * soft-delete table, a change batch, then a batch whose table changed
 * schema between its DML (two segments: a column added with a value for
 * the older rows, then rows that carry it), each with the position row.
 * Pins the order and the lifecycle (schema work first, each statement on
 * its own; staging tables replaced, never left to ON COMMIT; no DDL after
 * the first row written), not only single statements.
 */
static char *
build_session(const sink_dialect *d)
{
	char	   *text = xasprintf("[job]\nname = wharf\n\n[source]\nconninfo = host=src dbname=app\n\n"
								 "[stage]\nurl = s3://wharf-bucket/o'brien\nregion = us-east-1\n"
								 "access_key_id = AKIDEXAMPLE\nsecret_access_key = it-is-secret\n\n"
								 "[warehouse]\ndialect = %s\nodbc = DSN=wh\n\n"
								 "[table public.customers]\ndeletes = soft\n", d->name);
	job			j;
	stage		s;
	buf			out = BUF_INIT;
	strlist		script = {0};
	strlist		ddl = {0};
	strlist		dml = {0};
	int			nddl = 0;
	table_def	wider = soft;
	table_column cols[NCOLS(soft_cols) + 1];
	load_table	lt = {.t = &soft};
	load_table_state touched[1] = {{.t = &soft, .rows = 3}};
	load_segment one[1] = {{.t = &soft, .has_unchanged = true, .has_truncates = true}};
	load_segment two[2] = {{.t = &soft, .has_moves = true}, {.t = &wider, .has_unchanged = true}};
	table_def	bundle_def;
	load_bundle bundle[1] = {{0}};

	assert_true(job_load_string(text, "session.ini", &j));
	assert_true(stage_open(&j, &s));
	memcpy(cols, soft_cols, sizeof(soft_cols));
	cols[NCOLS(soft_cols)] = added_cols[1];
	wider.cols = cols;
	wider.ncols = NCOLS(cols);

	if (d->session_setup != NULL)
		buf_printf(&out, "-- 0. once per session, first\n\n%s;\n\n", d->session_setup);
	buf_puts(&out, "-- 1. the snapshot\n\n");
	assert_true(load_script(d, &j, &s, LOAD_SNAPSHOT, "20240101T100000Z-ab12", "0/16B3748", &lt, 1,
							&script, &nddl));
	load_position_script(d, &j, "20240101T100000Z-ab12", "0/16B3748", &script);
	load_format(&out, &script, nddl);
	strlist_free(&script);

	buf_puts(&out, "\n-- 2. a change batch\n\n");
	assert_true(load_changes_script(d, &j, &s, "20240101T100100Z-cd34", "0/16B4000", NULL, 0, one, 1,
									touched, 1, &script, &nddl));
	load_format(&out, &script, nddl);
	strlist_free(&script);

	buf_puts(&out, "\n-- 3. a change batch with a column added between its DML, its two segments bundled\n\n");
	sink_add_column(d, &ddl, &dml, &wider, &added_cols[1], added_defaults[1]);
	two[1].pre_ddl = &ddl;
	two[1].pre = &dml;
	touched[0].t = &wider;
	load_bundle_init(&bundle_def, &soft, 1);
	for (int i = 0; i < 2; i++)
	{
		assert_true(load_bundle_add(&bundle_def, two[i].t, &two[i].bundle_first));
		two[i].bundle = 1;
	}
	bundle[0].t = &bundle_def;
	assert_true(load_changes_script(d, &j, &s, "20240101T100200Z-ef56", "0/16B5000", bundle, 1,
									two, 2, touched, 1, &script, &nddl));
	table_def_free(&bundle_def);
	load_format(&out, &script, nddl);
	strlist_free(&script);
	strlist_free(&ddl);
	strlist_free(&dml);
	stage_close(&s);
	job_free(&j);
	free(text);
	return buf_detach(&out);
}

static void
test_golden_session(void **state)
{
	(void) state;
	for (int i = 0; sink_dialects[i] != NULL; i++)
	{
		char	   *got = build_session(sink_dialects[i]);
		const char *ddl_seen = NULL;

		check_golden(sink_dialects[i], "session", "soft", got);

		/*
		 * After each "BEGIN;", no DDL before its "COMMIT;".  Redshift, whose
		 * DDL is transactional but for ALTER COLUMN ... TYPE, builds its
		 * apply's own temporary table there (CREATE TEMP TABLE ... AS, then
		 * DROP): only ALTER is ruled out for it.
		 */
		for (const char *p = strstr(got, "\nBEGIN;\n"); p; p = strstr(p + 1, "\nBEGIN;\n"))
		{
			const char *end = strstr(p, "\nCOMMIT;\n");
			bool		rs = sink_dialects[i] == dialect("redshift");

			assert_non_null(end);
			for (const char *q = p; q < end; q = strchr(q, '\n') + 1)
				if ((!rs && strncmp(q + 1, "CREATE ", 7) == 0) || strncmp(q + 1, "ALTER ", 6) == 0 ||
					(!rs && strncmp(q + 1, "DROP ", 5) == 0))
					ddl_seen = q + 1;
			if (ddl_seen)
				fail_msg("%s: DDL inside the transaction: %.60s", sink_dialects[i]->name, ddl_seen);
		}
		assert_null(strstr(got, "ON COMMIT"));
		free(got);
	}
}

/*
 * The NULL contract between the staged CSV and each dialect's COPY: NULL,
 * the empty string and a value that reads like a NULL marker are staged
 * apart (csv.h), and the COPY reads them back apart: an empty unquoted
 * field is NULL where the COPY says so (Postgres' CSV default,
 * Snowflake's EMPTY_FIELD_AS_NULL with "" quoted), the marker where it
 * cannot tell an empty field from "" (Redshift: NULL AS, no EMPTYASNULL).
 */
static void
test_null_contract(void **state)
{
	static table_column text_cols[] = {COL("v", COL_TEXT, "text")};
	static const table_def one = {
		.schema = "public", .name = "t", .target_schema = "public", .target_name = "t",
		.mode = MODE_APPEND, .ncols = 1, .cols = text_cols,
	};

	(void) state;
	for (int i = 0; sink_dialects[i] != NULL; i++)
	{
		const sink_dialect *d = sink_dialects[i];
		col_render	r = sink_column_render(d, &text_cols[0]);
		buf			row = BUF_INIT;
		strlist		script = {0};
		const char *copy;

		csv_null_as(&row, true, r.null_as);
		csv_field(&row, false, "", 0);
		csv_field(&row, false, "\\N", 2);
		csv_end_row(&row);
		sink_copy_staging(d, &script, &one, "staging", LOAD_SNAPSHOT, &s3_files, &full_opt);
		assert_true(script.n > 0);
		copy = script.items[0];
		if (strcmp(d->name, "redshift") == 0)
		{
			assert_string_equal(row.data, "\\N,\"\",\"\\N\"\n");
			assert_non_null(strstr(copy, "NULL AS '\\\\N'"));
			assert_null(strstr(copy, "EMPTYASNULL"));
		}
		else
		{
			assert_null(r.null_as);
			assert_string_equal(row.data, ",\"\",\"\\N\"\n");
			if (strcmp(d->name, "snowflake") == 0)
				assert_non_null(strstr(copy, "EMPTY_FIELD_AS_NULL = TRUE"));
			else
				assert_null(strstr(copy, "NULL '"));	/* Postgres: CSV's own NULL, the empty field */
		}
		buf_free(&row);
		strlist_free(&script);
	}
}

static void
test_golden_alter(void **state)
{
	(void) state;
	for (int i = 0; sink_dialects[i] != NULL; i++)
	{
		char	   *got = build_alter_script(sink_dialects[i]);

		check_golden(sink_dialects[i], "alter", "soft", got);
		free(got);
	}
}

/*
 * What `wharf retire --drop-tables` runs at the warehouse: a table the job
 * loaded dropped (a hostile name, folded as the dialect stores it), then
 * every state row of the job.
 */
static void
test_golden_retire(void **state)
{
	(void) state;
	for (int i = 0; sink_dialects[i] != NULL; i++)
	{
		strlist		script = {0};
		char	   *got;

		sink_drop_table(sink_dialects[i], &script, "Sales Dept", "order_lines \"x\"");
		sink_drop_table(sink_dialects[i], &script, "public", "customers");
		sink_state_forget_job(sink_dialects[i], &script, "wharf", "wharf_state", "shop'job");
		got = join_script(&script);
		check_golden(sink_dialects[i], "retire", "tables", got);
		strlist_free(&script);
		free(got);
	}
}

/*
 * A partitioned table's partition rows: the statements that replace them,
 * and their names read back (LIKE wildcards and the escape character in a
 * name stay literal).
 */
static void
test_golden_partitions(void **state)
{
	table_def	t = hostile;
	table_def	other = soft;
	table_partition items[] = {
		{.name = "\"Sales Dept\".\"Lines 100%_!\"", .relid = 16400, .attach_xid = 731,
		.filenode = 16410, .leaf = true},
		{.name = "\"Sales Dept\".lines_sub", .relid = 16402, .attach_xid = 4294967295u,
		.filenode = 0, .leaf = false},
	};
	table_partitions parts = {NCOLS(items), items};
	job			j = {.name = JOB_NAME, .schema = "wharf", .state_table = "wharf_state"};
	table_partition back;
	char	   *name;

	(void) state;
	t.name = t.target_name = "Order_Lines 100%!";
	t.partitioned = true;
	for (int i = 0; sink_dialects[i] != NULL; i++)
	{
		strlist		script = {0};
		char	   *got;

		load_partitions_script(sink_dialects[i], &j, &t, &parts, "0/16B3748", "20240101T100000Z-ab12",
							   &script);
		got = join_script(&script);
		check_golden(sink_dialects[i], "state", "partitions", got);
		strlist_free(&script);
		free(got);
	}
	for (int i = 0; i < parts.n; i++)
	{
		name = load_partition_row_name(&t, &items[i]);
		assert_true(load_partition_row_parse(&t, name, &back));
		assert_int_equal(back.relid, items[i].relid);
		assert_int_equal(back.attach_xid, items[i].attach_xid);
		assert_int_equal(back.filenode, items[i].filenode);
		assert_int_equal(back.leaf, items[i].leaf);
		assert_string_equal(back.name, items[i].name);
		free(back.name);
		assert_false(load_partition_row_parse(&other, name, &back));
		free(name);
	}
	name = table_display_name(&t);
	assert_false(load_partition_row_parse(&t, name, &back));
	free(name);
	assert_false(load_partition_row_parse(&t, "\"Sales Dept\".\"Order_Lines 100%!\" partition 1:2", &back));
	assert_false(load_partition_row_parse(&t, "\"Sales Dept\".\"Order_Lines 100%!\" partition 1:2:3", &back));
	assert_false(load_partition_row_parse(&t, "\"Sales Dept\".\"Order_Lines 100%!\" partition 1:2:3 ", &back));
}

/* The registry lists each dialect once, in order, and finds it by its exact name. */

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_merge),
		cmocka_unit_test(test_golden_incremental),
		cmocka_unit_test(test_golden_soft),
		cmocka_unit_test(test_golden_allkey),
		cmocka_unit_test(test_golden_append),
		cmocka_unit_test(test_golden_changes_merge),
		cmocka_unit_test(test_golden_changes_soft),
		cmocka_unit_test(test_golden_changes_moved),
		cmocka_unit_test(test_golden_changes_allkey),
		cmocka_unit_test(test_golden_changes_append),
		cmocka_unit_test(test_golden_meta),
		cmocka_unit_test(test_golden_alter),
		cmocka_unit_test(test_golden_session),
		cmocka_unit_test(test_null_contract),
		cmocka_unit_test(test_golden_partitions),
		cmocka_unit_test(test_golden_retire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
