/*
 * load.c
 *    Building and running one load's statements (see load.h).
 */
#include "load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* The strings a sink_files points into, owned here. */
typedef struct load_files_owned
{
	strlist		names;
	strlist		fetch;
	char	   *manifest_url;
	char	   *folder_url;
} load_files_owned;

/* Where the warehouse reads one table's parts: real ones, or placeholders. */
static void
load_files(const stage *s, const load_table *lt, sink_files *f, load_files_owned *o)
{
	memset(f, 0, sizeof(*f));
	memset(o, 0, sizeof(*o));
	f->fetch_is_url = s->kind == STAGE_S3;
	if (lt->staged)
	{
		const stage_result *r = lt->staged;

		o->manifest_url = xstrdup(r->manifest_url);
		o->folder_url = xstrdup(r->folder_url);
		for (int i = 0; i < r->nparts; i++)
		{
			strlist_add(&o->names, r->part_names[i]);
			strlist_push(&o->fetch, stage_part_fetch(s, r, i, LOAD_URL_EXPIRES_S));
		}
	}
	else
	{
		/* planning: the first part of a load that has not been staged yet */
		o->folder_url = stage_table_folder_url(s, "<load_id>", lt->t);
		o->manifest_url = xasprintf("%smanifest.json", o->folder_url);
		strlist_add(&o->names, "part-00001.csv.gz");
		if (s->kind == STAGE_S3)
			strlist_push(&o->fetch, xasprintf("<presigned GET URL of %spart-00001.csv.gz, valid %d s>",
											  o->folder_url, LOAD_URL_EXPIRES_S));
		else
			strlist_push(&o->fetch, xasprintf("%spart-00001.csv.gz",
											  o->folder_url + strlen("file://")));
	}
	f->manifest_url = o->manifest_url;
	f->folder_url = o->folder_url;
	f->nparts = o->names.n;
	f->part_names = (const char *const *) o->names.items;
	f->part_fetch = (const char *const *) o->fetch.items;
}

static void
load_files_free(load_files_owned *o)
{
	strlist_free(&o->names);
	strlist_free(&o->fetch);
	free(o->manifest_url);
	free(o->folder_url);
}

bool
load_ddl_script(const sink_dialect *d, const job *j, const load_table *tables,
				int ntables, strlist *script)
{
	/* schemas first, each once */
	for (int i = 0; i < ntables; i++)
	{
		bool		seen = false;

		for (int k = 0; k < i; k++)
			seen |= strcmp(tables[k].t->target_schema, tables[i].t->target_schema) == 0;
		if (!seen)
			sink_create_schema(d, script, tables[i].t->target_schema);
	}
	if (j->schema == NULL)
	{
		bool		seen = false;

		for (int i = 0; i < ntables; i++)
			seen |= strcmp(tables[i].t->target_schema, JOB_DEFAULT_SCHEMA) == 0;
		if (!seen)
			sink_create_schema(d, script, JOB_DEFAULT_SCHEMA);
	}
	sink_state_create(d, script, job_state_schema(j), j->state_table);
	for (int i = 0; i < ntables; i++)
	{
		if (!sink_create_table(d, script, tables[i].t))
			return false;			/* errors have already been logged */
		sink_add_meta_columns(d, script, tables[i].t, NULL);
	}
	return true;
}

char *
load_partition_row_name(const table_def *t, const table_partition *p)
{
	char	   *display = table_display_name(t);
	char	   *name = xasprintf("%s partition %u:%u:%u %s", display, p->relid, p->attach_xid,
								 p->filenode, p->name);

	free(display);
	return name;
}

bool
load_partition_row_parse(const table_def *t, const char *source_table, table_partition *out)
{
	char	   *prefix = table_display_name(t);
	size_t		n = strlen(prefix);
	const char *p = source_table;
	unsigned int relid;
	unsigned int xid;
	unsigned int filenode;
	int			used = 0;
	bool		ok;

	ok = strncmp(p, prefix, n) == 0 && strncmp(p + n, " partition ", 11) == 0;
	free(prefix);
	if (!ok)
		return false;
	p += n + 11;
	if (sscanf(p, "%u:%u:%u %n", &relid, &xid, &filenode, &used) != 3 || used == 0 || p[used] == '\0')
		return false;
	memset(out, 0, sizeof(*out));
	out->relid = relid;
	out->attach_xid = xid;
	out->filenode = filenode;
	out->leaf = filenode != 0;
	out->name = xstrdup(p + used);
	return true;
}

/*
 * The state row of table t: source and target named as in SQL, the load's
 * kind ("snapshot", "sync", ...), its position, rows and load id.
 */
void
load_table_state_script(const sink_dialect *d, const job *j, const table_def *t,
						const char *kind, const char *lsn, int64_t rows,
						const char *load_id, strlist *script)
{
	char	   *source = table_display_name(t);
	char	   *target = table_target_display_name(t);
	sink_state_row row;

	row.job = j->name;
	row.source_table = source;
	row.target_table = target;
	row.kind = kind;
	row.lsn = lsn;
	row.rows = rows;
	row.load_id = load_id;
	sink_state_record(d, script, job_state_schema(j), j->state_table, &row);
	free(source);
	free(target);
}

/*
 * Forgets the job's state rows of kind (partition or column rows) of the
 * table displayed as name: their source_table is "<name> <word> ...".
 */
static void
load_forget_rows(const sink_dialect *d, const job *j, const char *kind, const char *name,
				 const char *word, strlist *script)
{
	char	   *prefix = xasprintf("%s %s ", name, word);

	sink_state_forget(d, script, job_state_schema(j), j->state_table, j->name,
					  kind, prefix);
	free(prefix);
}

void
load_forget_partitions_script(const sink_dialect *d, const job *j, const char *name,
							  strlist *script)
{
	load_forget_rows(d, j, LOAD_PARTITION_KIND, name, "partition", script);
}

void
load_partitions_script(const sink_dialect *d, const job *j, const table_def *t,
					   const table_partitions *parts, const char *lsn, const char *load_id,
					   strlist *script)
{
	char	   *source = table_display_name(t);
	char	   *target = table_target_display_name(t);

	/* the old ones go, the ones read now come */
	load_forget_partitions_script(d, j, source, script);
	for (int i = 0; parts && i < parts->n; i++)
	{
		sink_state_row row;
		char	   *name = load_partition_row_name(t, &parts->items[i]);

		row.job = j->name;
		row.source_table = name;
		row.target_table = target;
		row.kind = LOAD_PARTITION_KIND;
		row.lsn = lsn;
		row.rows = 0;
		row.load_id = load_id;
		sink_state_record(d, script, job_state_schema(j), j->state_table, &row);
		free(name);
	}
	free(source);
	free(target);
}

bool
load_column_row_parse(const table_def *t, const char *source_table, int *attnum)
{
	char	   *display = table_display_name(t);
	char	   *prefix = xasprintf("%s column ", display);
	size_t		len = strlen(prefix);
	char	   *end;
	long		n;

	free(display);
	if (strncmp(source_table, prefix, len) != 0)
	{
		free(prefix);
		return false;
	}
	n = strtol(source_table + len, &end, 10);
	free(prefix);
	if (*end != '\0' || n <= 0 || n > 32767)
		return false;
	*attnum = (int) n;
	return true;
}

void
load_forget_columns_script(const sink_dialect *d, const job *j, const char *name,
						   strlist *script)
{
	load_forget_rows(d, j, LOAD_COLUMN_KIND, name, "column", script);
}

void
load_columns_script(const sink_dialect *d, const job *j, const table_def *t,
					const char *lsn, strlist *script)
{
	char	   *display = table_display_name(t);

	load_forget_columns_script(d, j, display, script);
	for (int k = 0; k < t->ncols; k++)
	{
		sink_state_row row;
		char	   *source;

		if (t->cols[k].attnum <= 0)
			continue;
		source = xasprintf("%s column %d", display, t->cols[k].attnum);
		row.job = j->name;
		row.source_table = source;
		row.target_table = t->cols[k].name;
		row.kind = LOAD_COLUMN_KIND;
		row.lsn = lsn;
		row.rows = t->cols[k].attnum;
		row.load_id = NULL;
		sink_state_record(d, script, job_state_schema(j), j->state_table, &row);
		free(source);
	}
	free(display);
}

/*
 * A snapshot whose target holds rows that it replaces: a merge table with
 * hard deletes mirrors the source, so emptying it and loading the snapshot
 * in the same transaction ends as a merge would, without comparing rows;
 * soft deletes keep history and merge, as does refresh = merge.
 */
static bool
load_replaces(const load_table *lt, load_kind kind)
{
	const table_def *t = lt->t;

	return kind == LOAD_SNAPSHOT && !lt->target_empty && !lt->changed && t->mode == MODE_MERGE &&
		t->deletes == DELETES_HARD && t->refresh == REFRESH_REPLACE && t->nkeys > 0;
}

/* A snapshot whose rows land as in an empty target: inserted, not merged. */
static bool
load_as_new(const load_table *lt, load_kind kind)
{
	return kind == LOAD_SNAPSHOT && !lt->changed &&
		(lt->target_empty || load_replaces(lt, kind));
}

/* The staging table of table number index's reconciliation keys; caller frees. */
static char *
load_keys_staging(int index)
{
	return xasprintf("wharf_keys_%d", index + 1);
}

/* ... and that COPY loads straight into the target, with no staging table. */
static bool
load_goes_direct(const sink_dialect *d, const load_table *lt, load_kind kind)
{
	return load_as_new(lt, kind) && sink_copies_direct(d, lt->t);
}

bool
load_target_empty(wh_session *wh, const sink_dialect *d, const table_def *t, bool *empty)
{
	buf			sql = BUF_INIT;
	wh_result	rows = {0};
	bool		ok;

	sink_target_columns_query(d, &sql, t->target_schema, t->target_name);
	ok = wh_query(wh, sql.data, &rows);
	*empty = ok && rows.nrows == 0;
	wh_result_free(&rows);
	if (ok && !*empty)
	{
		buf_reset(&sql);
		buf_puts(&sql, "SELECT 1 FROM ");
		sink_qualified(d, &sql, t->target_schema, t->target_name);
		buf_puts(&sql, " LIMIT 1");
		ok = wh_query(wh, sql.data, &rows);
		*empty = ok && rows.nrows == 0;
		wh_result_free(&rows);
	}
	buf_free(&sql);
	return ok;
}

bool
load_script_begin(const sink_dialect *d, const job *j, load_kind kind,
				  const load_table *tables, int ntables, strlist *script, int *nddl)
{
	/* schema work first, each statement committed on its own (load.h) */
	if (!load_ddl_script(d, j, tables, ntables, script))
		return false;			/* errors have already been logged */
	/* schema changes the stream saw for a table loaded anew, as a change batch runs them */
	for (int i = 0; i < ntables; i++)
		if (tables[i].pre_ddl)
			for (int k = 0; k < tables[i].pre_ddl->n; k++)
				strlist_add(script, tables[i].pre_ddl->items[k]);
	for (int i = 0; i < ntables; i++)
	{
		char	   *staging;
		bool		ok;

		if (load_goes_direct(d, &tables[i], kind))
			continue;
		staging = xasprintf("wharf_staging_%d", i + 1);
		ok = sink_create_staging(d, script, tables[i].t, staging, kind);
		free(staging);
		if (ok && tables[i].keys_def)
		{
			staging = load_keys_staging(i);
			ok = sink_create_staging(d, script, tables[i].keys_def, staging, kind);
			free(staging);
		}
		if (!ok)
			return false;
	}
	*nddl = script->n;

	/* then the data, in one transaction: what goes before any rows */
	for (int i = 0; i < ntables; i++)
		if (tables[i].pre)
			for (int k = 0; k < tables[i].pre->n; k++)
				strlist_add(script, tables[i].pre->items[k]);
	for (int i = 0; i < ntables; i++)
		if (load_replaces(&tables[i], kind))
			sink_empty_target(d, script, tables[i].t);
	return true;
}

/* The COPY of files into table number index's target, or its staging table. */
static void
load_copy_files(const sink_dialect *d, const job *j, const load_table *lt, int index,
				load_kind kind, const sink_files *files, strlist *script)
{
	sink_options opt = {j->region, j->iam_role, j->storage_integration};

	if (load_goes_direct(d, lt, kind))
		sink_copy_target(d, script, lt->t, files, &opt);
	else
	{
		char	   *staging = xasprintf("wharf_staging_%d", index + 1);

		sink_copy_staging(d, script, lt->t, staging, kind, files, &opt);
		free(staging);
	}
}

void
load_part_script(const sink_dialect *d, const job *j, const stage *s, const load_table *lt,
				 int index, load_kind kind, const char *folder, const char *name,
				 strlist *script)
{
	char	   *fetch = stage_fetch(s, folder, name, LOAD_URL_EXPIRES_S);
	const char *names[1] = {name};
	const char *fetches[1] = {fetch};
	sink_files	files = {
		.fetch_is_url = s->kind == STAGE_S3, .folder_url = folder,
		.nparts = 1, .part_names = names, .part_fetch = fetches
	};

	load_copy_files(d, j, lt, index, kind, &files, script);
	free(fetch);
}

/* The COPY of table number index's reconciliation keys into their staging table. */
static void
load_copy_keys(const sink_dialect *d, const job *j, const stage *s, const load_table *lt,
			   int index, strlist *script)
{
	load_table	keys = {.t = lt->keys_def, .staged = lt->keys_staged};
	sink_options opt = {j->region, j->iam_role, j->storage_integration};
	load_files_owned owned;
	sink_files	files;
	char	   *staging = load_keys_staging(index);

	load_files(s, &keys, &files, &owned);
	sink_copy_staging(d, script, lt->keys_def, staging, LOAD_SNAPSHOT, &files, &opt);
	load_files_free(&owned);
	free(staging);
}

/* A mark row's source_table: its table's display name, then this. */
#define LOAD_MARK_SUFFIX " mark"

/* The statement that records t's high-water mark (LOAD_MARK_KIND). */
static void
load_mark_script(const sink_dialect *d, const job *j, const table_def *t, const char *mark,
				 int64_t loads, const char *load_id, strlist *script)
{
	char	   *display = table_display_name(t);
	char	   *source = xasprintf("%s" LOAD_MARK_SUFFIX, display);
	sink_state_row row = {
		.job = j->name, .source_table = source, .target_table = mark,
		.kind = LOAD_MARK_KIND, .lsn = NULL, .rows = loads, .load_id = load_id
	};

	sink_state_record(d, script, job_state_schema(j), j->state_table, &row);
	free(source);
	free(display);
}

bool
load_mark_row_parse(const char *source_table, char **table)
{
	size_t		n = strlen(source_table);
	size_t		sn = strlen(LOAD_MARK_SUFFIX);

	if (n <= sn || strcmp(source_table + n - sn, LOAD_MARK_SUFFIX) != 0)
		return false;
	if (table)
		*table = xstrndup(source_table, n - sn);
	return true;
}

bool
load_mark_row_is(const table_def *t, const char *source_table)
{
	char	   *display = table_display_name(t);
	size_t		n = strlen(display);
	bool		is = strncmp(source_table, display, n) == 0 &&
		strcmp(source_table + n, LOAD_MARK_SUFFIX) == 0;

	free(display);
	return is;
}

bool
load_state_read(wh_session *wh, const sink_dialect *d, const job *j, load_state *out)
{
	const char *schema = job_state_schema(j);
	buf			sql = BUF_INIT;
	bool		ok;

	memset(out, 0, sizeof(*out));
	sink_target_columns_query(d, &sql, schema, j->state_table);
	ok = wh_query(wh, sql.data, &out->res);
	out->exists = ok && out->res.nrows > 0;
	wh_result_free(&out->res);
	buf_reset(&sql);
	if (ok && out->exists)
	{
		/* in sink_state_query's order: source_table, target_table, kind, lsn, rows, loaded_at, load_id */
		sink_state_query(d, &sql, schema, j->state_table, j->name);
		ok = wh_query(wh, sql.data, &out->res);
	}
	if (ok && out->res.nrows > 0)
	{
		out->n = out->res.nrows;
		out->rows = xcalloc((size_t) out->n, sizeof(load_state_row));
		for (int r = 0; r < out->n; r++)
		{
			load_state_row *row = &out->rows[r];
			const char *rows = wh_value(&out->res, r, 4);

			row->source_table = wh_value(&out->res, r, 0);
			row->target_table = wh_value(&out->res, r, 1);
			row->kind = wh_value(&out->res, r, 2);
			row->lsn = wh_value(&out->res, r, 3);
			row->has_rows = rows != NULL;
			row->rows = rows ? strtoll(rows, NULL, 10) : 0;
			row->loaded_at = wh_value(&out->res, r, 5);
			row->load_id = wh_value(&out->res, r, 6);
			/* NOT NULL columns: never NULL, but a row of another writer may be odd */
			if (row->source_table == NULL)
				row->source_table = "";
			if (row->target_table == NULL)
				row->target_table = "";
			if (row->kind == NULL)
				row->kind = "";
		}
	}
	if (!ok)
		log_error("warehouse: cannot read job %s's rows of the state table %s.%s", j->name,
				  schema, j->state_table);
	buf_free(&sql);
	return ok;
}

void
load_state_free(load_state *s)
{
	free(s->rows);
	wh_result_free(&s->res);
	memset(s, 0, sizeof(*s));
}

bool
load_state_row_is_detail(const load_state_row *row)
{
	return strcmp(row->kind, LOAD_PARTITION_KIND) == 0 || strcmp(row->kind, LOAD_COLUMN_KIND) == 0;
}

bool
load_read_marks(wh_session *wh, const sink_dialect *d, const job *j, const table_def *tables,
				int n, load_mark *marks)
{
	load_state	st;

	memset(marks, 0, sizeof(load_mark) * (size_t) n);
	if (!load_state_read(wh, d, j, &st))
		return false;			/* errors have already been logged */
	for (int r = 0; r < st.n; r++)
	{
		const load_state_row *row = &st.rows[r];
		char	   *table = NULL;

		if (strcmp(row->kind, LOAD_MARK_KIND) != 0 ||
			!load_mark_row_parse(row->source_table, &table))
			continue;
		for (int i = 0; i < n; i++)
		{
			char	   *display = tables[i].cursor ? table_display_name(&tables[i]) : NULL;
			bool		ours = display != NULL && strcmp(display, table) == 0;

			free(display);
			if (ours)
			{
				free(marks[i].mark);
				free(marks[i].loaded_at);
				marks[i].mark = xstrdup(row->target_table);
				marks[i].loads = row->rows;
				marks[i].loaded_at = row->loaded_at ? xstrdup(row->loaded_at) : NULL;
			}
		}
		free(table);
	}
	load_state_free(&st);
	return true;
}

void
load_marks_free(load_mark *marks, int n)
{
	for (int i = 0; marks && i < n; i++)
	{
		free(marks[i].mark);
		free(marks[i].loaded_at);
	}
}

/* After table number index's rows: its apply from staging and its state rows. */
static void
load_table_end(const sink_dialect *d, const job *j, load_kind kind, const char *load_id,
			   const char *lsn, const load_table *lt, int index, strlist *script)
{
	const table_def *t = lt->t;

	if (!load_goes_direct(d, lt, kind))
	{
		char	   *staging = xasprintf("wharf_staging_%d", index + 1);

		if (load_as_new(lt, kind))
			sink_insert_staged(d, script, t, staging, lsn);
		else if (lt->changed)
		{
			/* deletes first, so that the upsert never meets a row it is about to remove */
			if (lt->keys_def)
			{
				char	   *keys = load_keys_staging(index);

				sink_reconcile(d, script, t, lt->keys_def, keys);
				free(keys);
			}
			sink_apply_upsert(d, script, t, staging);
		}
		else if (kind == LOAD_SNAPSHOT)
			sink_apply_snapshot(d, script, t, staging, lsn);
		else
			sink_apply(d, script, t, staging, kind);
		free(staging);
	}
	load_table_state_script(d, j, t, kind != LOAD_SNAPSHOT ? "sync" :
							lt->changed ? LOAD_INCREMENTAL_KIND : "snapshot", lsn,
							lt->staged ? (int64_t) lt->staged->rows : 0, load_id, script);
	if (lt->mark)
		load_mark_script(d, j, t, lt->mark, lt->mark_loads, load_id, script);
	if (t->partitioned)
		load_partitions_script(d, j, t, lt->partitions, lsn, load_id, script);
}

void
load_script_end(const sink_dialect *d, const job *j, load_kind kind, const char *load_id,
				const char *lsn, const load_table *tables, int ntables, strlist *script)
{
	for (int i = 0; i < ntables; i++)
	{
		/* the COPYs ran part by part, before: the span holds the apply only */
		if (tables[i].span)
			tables[i].span->copy = tables[i].span->apply = script->n;
		load_table_end(d, j, kind, load_id, lsn, &tables[i], i, script);
		if (tables[i].span)
			tables[i].span->end = script->n;
	}
}

bool
load_pipelines(const sink_dialect *d, load_kind kind)
{
	return d->copies_each_part && kind == LOAD_SNAPSHOT;
}

bool
load_script(const sink_dialect *d, const job *j, const stage *s,
			load_kind kind, const char *load_id, const char *lsn,
			const load_table *tables, int ntables, strlist *script, int *nddl)
{
	if (!load_script_begin(d, j, kind, tables, ntables, script, nddl))
		return false;			/* errors have already been logged */
	for (int i = 0; i < ntables; i++)
	{
		load_files_owned owned;
		sink_files	files;

		int			copy = script->n;

		load_files(s, &tables[i], &files, &owned);
		load_copy_files(d, j, &tables[i], i, kind, &files, script);
		load_files_free(&owned);
		if (tables[i].keys_def)
			load_copy_keys(d, j, s, &tables[i], i, script);
		if (tables[i].span)
		{
			tables[i].span->copy = copy;
			tables[i].span->apply = script->n;
		}
		load_table_end(d, j, kind, load_id, lsn, &tables[i], i, script);
		if (tables[i].span)
			tables[i].span->end = script->n;
	}
	return true;
}

/* Runs statement i of script (schema work alone); rolls back on failure. */
static bool
load_run_one(wh_session *wh, const strlist *script, int nddl, int i, double *seconds)
{
	double		start = log_monotonic_now();

	log_trace("warehouse: %s", script->items[i]);
	if (!(i < nddl ? wh_exec_alone(wh, script->items[i]) : wh_exec(wh, script->items[i], NULL)))
	{
		wh_rollback(wh);
		return false;
	}
	*seconds = log_monotonic_now() - start;
	log_debug("warehouse: statement %d of %d took %.3f s", i + 1, script->n, *seconds);
	return true;
}

bool
load_run_open(wh_session *wh, const strlist *script, int nddl)
{
	double		seconds;

	for (int i = 0; i < script->n; i++)
		if (!load_run_one(wh, script, nddl, i, &seconds))
			return false;			/* errors have already been logged */
	return true;
}

bool
load_run_tables(wh_session *wh, const strlist *script, int nddl,
				const load_table *tables, int ntables)
{
	double		copy_s = 0;
	double		apply_s = 0;
	int			t = 0;

	if (ntables > 0 && tables[0].span)
		copy_s = tables[0].span->copy_seconds;

	for (int i = 0; i < script->n; i++)
	{
		double		seconds;

		if (!load_run_one(wh, script, nddl, i, &seconds))
			return false;			/* errors have already been logged */
		while (t < ntables && tables[t].span && i >= tables[t].span->end)
			t++;
		if (t >= ntables || tables[t].span == NULL || i < tables[t].span->copy)
			continue;
		if (i < tables[t].span->apply)
			copy_s += seconds;
		else
			apply_s += seconds;
		if (i + 1 == tables[t].span->end)
		{
			char	   *target = table_target_display_name(tables[t].t);

			if (copy_s > 0 || tables[t].span->copy < tables[t].span->apply)
				log_info("warehouse: %s: COPY %.1f s, apply %.1f s (table %d of %d)",
						 target, copy_s, apply_s, t + 1, ntables);
			else
				log_info("warehouse: %s: apply %.1f s (table %d of %d)",
						 target, apply_s, t + 1, ntables);
			free(target);
			apply_s = 0;
			copy_s = t + 1 < ntables && tables[t + 1].span ? tables[t + 1].span->copy_seconds : 0;
		}
	}
	return true;
}

bool
load_run(wh_session *wh, const strlist *script, int nddl)
{
	return load_run_open(wh, script, nddl) && wh_commit(wh);
}

void
load_format(buf *out, const strlist *script, int nddl)
{
	if (nddl > 0)
		buf_puts(out, "-- schema work: each statement commits on its own\n\n");
	for (int i = 0; i < script->n; i++)
	{
		if (i == nddl)
			buf_puts(out, "-- then one transaction\nBEGIN;\n\n");
		buf_printf(out, "%s;\n\n", script->items[i]);
	}
	if (script->n > nddl)
		buf_puts(out, "COMMIT;\n");
}

static void
load_position_row(const sink_dialect *d, const job *j, const char *batch_id,
				  const char *lsn, strlist *script)
{
	sink_state_row row;

	row.job = j->name;
	row.source_table = LOAD_POSITION_ROW;
	row.target_table = LOAD_POSITION_ROW;
	row.kind = "position";
	row.lsn = lsn;
	row.rows = 0;
	row.load_id = batch_id;
	sink_state_record(d, script, job_state_schema(j), j->state_table, &row);
}

void
load_position_script(const sink_dialect *d, const job *j, const char *batch_id,
					 const char *lsn, strlist *script)
{
	load_position_row(d, j, batch_id, lsn, script);	/* the state table exists: load_ddl_script */
}

/*
 * A change batch's state rows go in statements of at most this many rows:
 * one statement for a batch of many tables, none of a size that nears any
 * warehouse's limit on a statement's text.
 */
#define LOAD_STATE_ROWS 500

void
load_bundle_init(table_def *bundle, const table_def *first, int number)
{
	memset(bundle, 0, sizeof(*bundle));
	bundle->schema = xstrdup("_wharf");
	bundle->name = xasprintf("bundle_%d", number);
	bundle->target_schema = xstrdup(first->target_schema);
	bundle->target_name = xstrdup(bundle->name);
	bundle->cols = xcalloc(1, sizeof(table_column));
	bundle->ncols = 1;
	bundle->cols[0].name = xstrdup(SINK_BUNDLE_SEGMENT);
	bundle->cols[0].kind = COL_INT4;
	bundle->cols[0].type_oid = 23;	/* int4 */
	bundle->cols[0].pg_type = xstrdup("integer");
	bundle->cols[0].precision = bundle->cols[0].scale = -1;
	bundle->cols[0].length = bundle->cols[0].time_precision = -1;
}

bool
load_bundle_add(table_def *bundle, const table_def *t, int *first)
{
	if (bundle->ncols > 1 && bundle->ncols + t->ncols > LOAD_BUNDLE_COLUMNS)
		return false;
	*first = bundle->ncols;
	bundle->cols = xrealloc(bundle->cols, sizeof(table_column) * (size_t) (bundle->ncols + t->ncols));
	for (int i = 0; i < t->ncols; i++)
	{
		table_column *c = &bundle->cols[bundle->ncols];

		*c = t->cols[i];
		c->name = xasprintf("_wharf_c%d", bundle->ncols);
		c->pg_type = t->cols[i].pg_type ? xstrdup(t->cols[i].pg_type) : NULL;
		c->key_pos = 0;
		c->not_null = false;
		bundle->ncols++;
	}
	return true;
}

bool
load_changes_script(const sink_dialect *d, const job *j, const stage *s,
					const char *batch_id, const char *lsn,
					const load_bundle *bundles, int nbundles,
					const load_segment *segments, int nsegments,
					const load_table_state *tables, int ntables,
					strlist *script, int *nddl)
{
	sink_options opt = {j->region, j->iam_role, j->storage_integration};
	sink_state_row *rows;
	char	  **names;

	/* schema work first, each statement committed on its own (load.h) */
	sink_state_create(d, script, job_state_schema(j), j->state_table);
	for (int i = 0; i < nsegments; i++)
		if (segments[i].pre_ddl)
			for (int k = 0; k < segments[i].pre_ddl->n; k++)
				strlist_add(script, segments[i].pre_ddl->items[k]);
	for (int i = 0; i < nbundles; i++)
	{
		char	   *staging = xasprintf("wharf_bundle_%d", i + 1);
		bool		ok = sink_create_staging(d, script, bundles[i].t, staging, LOAD_CHANGES);

		free(staging);
		if (!ok)
			return false;
	}
	for (int i = 0; i < nsegments; i++)
	{
		char	   *staging;
		bool		ok;

		if (segments[i].bundle > 0)
			continue;
		staging = xasprintf("wharf_staging_%d", i + 1);
		ok = sink_create_staging(d, script, segments[i].t, staging, LOAD_CHANGES);
		free(staging);
		if (!ok)
			return false;
	}
	*nddl = script->n;

	/* then the bundles' rows, the segments in order, the state rows and the position: one transaction */
	for (int i = 0; i < nbundles; i++)
	{
		char	   *staging = xasprintf("wharf_bundle_%d", i + 1);
		load_table	lt = {.t = bundles[i].t, .staged = bundles[i].staged};
		load_files_owned owned;
		sink_files	files;

		load_files(s, &lt, &files, &owned);
		sink_copy_staging(d, script, bundles[i].t, staging, LOAD_CHANGES, &files, &opt);
		/* a _wharf_seq is unique in the batch: one pass for all its segments */
		if (bundles[i].has_cancels)
			sink_drop_cancelled(d, script, bundles[i].t, staging);
		load_files_free(&owned);
		free(staging);
	}
	for (int i = 0; i < nsegments; i++)
	{
		const load_segment *seg = &segments[i];
		char	   *staging;
		sink_changes ch = {0};

		if (seg->pre)
			for (int k = 0; k < seg->pre->n; k++)
				strlist_add(script, seg->pre->items[k]);
		if (seg->bundle > 0)
		{
			staging = xasprintf("wharf_bundle_%d", seg->bundle);
			ch.bundle = bundles[seg->bundle - 1].t;
			ch.segment = i + 1;
			ch.first = seg->bundle_first;
		}
		else
		{
			load_table	lt = {.t = seg->t, .staged = seg->staged};
			load_files_owned owned;
			sink_files	files;

			staging = xasprintf("wharf_staging_%d", i + 1);
			load_files(s, &lt, &files, &owned);
			sink_copy_staging(d, script, seg->t, staging, LOAD_CHANGES, &files, &opt);
			if (seg->has_cancels)
				sink_drop_cancelled(d, script, seg->t, staging);
			load_files_free(&owned);
		}
		ch.staging = staging;
		/* without unchanged values the apply needs no per-column resolution */
		ch.kind = seg->has_moves ? LOAD_CHANGES_MOVED :
			seg->has_unchanged ? LOAD_CHANGES : LOAD_CHANGES_COMPLETE;
		ch.truncates = seg->has_truncates;
		sink_apply_changes(d, script, seg->t, &ch);
		if (seg->cleared && seg->cleared->n > 0)
			sink_clear_changed(d, script, seg->t, &ch,
							   (const char *const *) seg->cleared->items, seg->cleared->n);
		free(staging);
	}

	/* the state rows of the tables it touched and the position, in few statements */
	rows = xcalloc((size_t) ntables + 1, sizeof(sink_state_row));
	names = xcalloc((size_t) ntables * 2 + 1, sizeof(char *));
	for (int i = 0; i < ntables; i++)
	{
		names[2 * i] = table_display_name(tables[i].t);
		names[2 * i + 1] = table_target_display_name(tables[i].t);
		rows[i] = (sink_state_row) {
			.job = j->name, .source_table = names[2 * i], .target_table = names[2 * i + 1],
			.kind = "sync", .lsn = lsn, .rows = tables[i].rows, .load_id = batch_id
		};
	}
	rows[ntables] = (sink_state_row) {
		.job = j->name, .source_table = LOAD_POSITION_ROW, .target_table = LOAD_POSITION_ROW,
		.kind = "position", .lsn = lsn, .rows = 0, .load_id = batch_id
	};
	for (int i = 0; i <= ntables; i += LOAD_STATE_ROWS)
		sink_state_record_rows(d, script, job_state_schema(j), j->state_table,
							   &rows[i], ntables + 1 - i < LOAD_STATE_ROWS ? ntables + 1 - i : LOAD_STATE_ROWS);
	for (int i = 0; i < 2 * ntables; i++)
		free(names[i]);
	free(names);
	free(rows);
	return true;
}
