/*
 * schema.c
 *    Columns follow the stream: the one place that maps a Relation
 *    message's columns onto a table's warehouse columns, brings the
 *    warehouse table in line with the source at start, and turns schema
 *    changes into statements for the table's next segment.
 *
 * A table's columns are the catalog's at start, plus the warehouse columns
 * no source column holds any more; which source column (attnum) each
 * warehouse column holds is recorded in the job's state rows of kind
 * "column" (load.h), so renames are told from drops and adds.
 */
#include "sync_int.h"

/* A relation column that is a column dropped since, of a name taken again. */
#define SYNC_REL_DROPPED (-2)

void
sync_table_add_column(sync_table *t, const table_column *c, col_render render)
{
	int			n = t->def.ncols;

	t->def.cols = xrealloc(t->def.cols, sizeof(table_column) * (size_t) (n + 1));
	t->renders = xrealloc(t->renders, sizeof(col_render) * (size_t) (n + 1));
	t->colsrc = xrealloc(t->colsrc, sizeof(int) * (size_t) (n + 1));
	t->reltype = xrealloc(t->reltype, sizeof(uint32_t) * (size_t) (n + 1));
	t->reltypmod = xrealloc(t->reltypmod, sizeof(int32_t) * (size_t) (n + 1));
	t->missing = xrealloc(t->missing, sizeof(char *) * (size_t) (n + 1));
	t->def.cols[n] = *c;
	t->renders[n] = render;
	t->colsrc[n] = SYNC_COL_ABSENT;
	t->missing[n] = NULL;
	t->reltype[n] = c->type_oid;
	t->reltypmod[n] = -1;
	t->def.ncols = n + 1;
}

static const source_attr *
sync_attr(const source_attr *attrs, int nattrs, int attnum)
{
	for (int i = 0; attnum > 0 && i < nattrs; i++)
		if (attrs[i].attnum == attnum)
			return &attrs[i];
	return NULL;
}

static bool
sync_attnum_taken(const sync_table *t, int attnum)
{
	for (int k = 0; k < t->def.ncols; k++)
		if (t->def.cols[k].attnum == attnum)
			return true;
	return false;
}

static char *
sync_attr_missing(const source_attr *a)
{
	return a && !a->dropped && a->has_missing && a->missing ? xstrdup(a->missing) : NULL;
}

/*
 * The type facts of relation column rc for table t's warehouse: false,
 * reported, when the warehouse cannot hold it.
 */
static bool
sync_relation_type(sync_state *st, const sync_table *t, const pgoutput_column *rc,
				   table_column *out)
{
	buf			type = BUF_INIT;
	bool		ok;

	memset(out, 0, sizeof(*out));
	out->name = xstrdup(rc->name);
	ok = source_column_type(st->c->src, rc->type_oid, rc->typmod, out) &&
		sink_column_type(st->c->d, &t->def, out, &type);
	buf_free(&type);
	if (!ok)
	{
		free(out->name);
		free(out->pg_type);
	}
	return ok;
}

/*
 * Whether column name (attribute a), just added, is one whose values the
 * source computed row by row (a volatile default, an identity): the ALTER
 * rewrote the table with nothing in the stream, so t (loaded already) is
 * marked for a snapshot of its own.
 */
static bool
sync_rewritten(sync_table *t, const source_attr *a, const char *name)
{
	char	   *why;

	if (a == NULL || a->dropped || !a->has_default || a->has_missing || t->is_new)
		return false;
	why = xasprintf("column \"%s\" was added with a value computed row by row (a volatile "
					"default or an identity), which rewrote the table without changes in the "
					"stream", name);
	sync_reload(t, why);
	free(why);
	return true;
}

/* Appends (attnum, name) to t's column rows as read at start (rec_*). */
void
sync_table_recorded(sync_table *t, int attnum, const char *name)
{
	t->rec_attnum = xrealloc(t->rec_attnum, sizeof(int) * (size_t) (t->nrec + 1));
	t->rec_name = xrealloc(t->rec_name, sizeof(char *) * (size_t) (t->nrec + 1));
	t->rec_attnum[t->nrec] = attnum;
	t->rec_name[t->nrec++] = xstrdup(name);
}

/*
 * A column the stream names for the first time: added at the source, its
 * attnum the catalog's between its neighbours' (lo, hi).  The warehouse
 * adds it with what older rows hold for it; a column whose values the
 * source computed row by row (a volatile default, an identity) rewrote the
 * table with nothing in the stream, so the table gets a snapshot of its own.
 */
static bool
sync_relation_add(sync_state *st, sync_table *t, const pgoutput_column *rc, int lo, int hi,
				  const source_attr *attrs, int nattrs, int *attnum)
{
	const source_attr *a = NULL;
	table_column nc;
	int			k = t->def.ncols;

	for (int i = 0; i < nattrs && a == NULL; i++)
		if (!attrs[i].dropped && strcmp(attrs[i].name, rc->name) == 0 &&
			attrs[i].attnum > lo && attrs[i].attnum < hi && !sync_attnum_taken(t, attrs[i].attnum))
			a = &attrs[i];
	for (int i = 0; i < nattrs && a == NULL; i++)
		if (!attrs[i].generated && attrs[i].attnum > lo && attrs[i].attnum < hi &&
			!sync_attnum_taken(t, attrs[i].attnum))
			a = &attrs[i];
	if (!sync_relation_type(st, t, rc, &nc))
		return false;			/* errors have already been logged */
	nc.attnum = a ? a->attnum : 0;
	*attnum = nc.attnum;
	sync_table_add_column(t, &nc, sink_column_render(st->c->d, &nc));
	t->missing[k] = sync_attr_missing(a);
	t->reltypmod[k] = rc->typmod;
	sink_add_column(st->c->d, &t->pending_ddl, &t->pending, &t->def, &t->def.cols[k], t->missing[k]);
	log_info("table %s: column \"%s\" added at the source%s%s", t->display, rc->name,
			 t->missing[k] ? ", existing rows get " : "", t->missing[k] ? t->missing[k] : "");
	t->record_columns = true;
	if (sync_rewritten(t, a, rc->name))
		st->reload = true;
	return true;
}

/*
 * A column of the stream whose type differs from the last one seen: a
 * widening widens the warehouse column; an older, narrower type of a
 * column widened since needs nothing; anything else stops the job.
 */
static bool
sync_relation_retype(sync_state *st, sync_table *t, int k, const pgoutput_column *rc,
					 bool *changed)
{
	table_column nc;

	if (t->reltype[k] == rc->type_oid &&
		(t->reltypmod[k] == rc->typmod || t->reltypmod[k] == -1))
	{
		t->reltypmod[k] = rc->typmod;
		return true;
	}
	if (!sync_relation_type(st, t, rc, &nc))
		return false;			/* errors have already been logged */
	if (table_column_widens(&t->def.cols[k], &nc))
	{
		table_column was = t->def.cols[k];	/* its type as the warehouse holds it */
		bool		ok;

		nc.key_pos = t->def.cols[k].key_pos;
		nc.not_null = t->def.cols[k].not_null;
		nc.attnum = t->def.cols[k].attnum;
		free(nc.name);
		nc.name = t->def.cols[k].name;
		t->def.cols[k] = nc;
		t->renders[k] = sink_column_render(st->c->d, &nc);
		ok = sink_widen_column(st->c->d, &t->pending_ddl, &t->def, &was, &t->def.cols[k]);
		free(was.pg_type);
		if (!ok)
			return false;
		log_info("table %s: column \"%s\" widened at the source", t->display, rc->name);
		*changed = true;
	}
	else if (table_column_widens(&nc, &t->def.cols[k]) ||
			 (nc.kind == t->def.cols[k].kind && nc.is_array == t->def.cols[k].is_array))
	{
		/*
		 * Older changes of a column widened since: the wider type holds
		 * them.  Of the same kind (a column known only by its warehouse
		 * type, a user type replaced by another): the same column.
		 */
		free(nc.name);
		free(nc.pg_type);
	}
	else
	{
		log_error("sync: table %s: column \"%s\" changed type at the source (%s to %s), "
				  "which is not a safe widening; change the warehouse column by hand, or "
				  "start the table over (remove it from the job, run sync, drop the warehouse "
				  "table, add it back)", t->display, rc->name,
				  t->def.cols[k].pg_type ? t->def.cols[k].pg_type : "a user type",
				  nc.pg_type ? nc.pg_type : "a user type");
		free(nc.name);
		free(nc.pg_type);
		return false;
	}
	t->reltype[k] = rc->type_oid;
	t->reltypmod[k] = rc->typmod;
	return true;
}

/*
 * Updates and deletes carry their old row's replica identity columns (flag
 * 1 of a Relation message's columns).  Where those do not carry the job's
 * key, because the identity moved to another unique index (REPLICA
 * IDENTITY USING INDEX), the rows after the message apply by the
 * identity's columns instead: a unique, non-partial index on NOT NULL
 * columns backs them, so they tell rows apart at the source as the key
 * does.  The key comes back with a message whose identity carries it.  A
 * soft-delete table keeps the rows it marked deleted, which such columns
 * need not tell apart: it stops instead.
 */
static bool
sync_relation_identity(sync_table *t, const pgoutput_relation *rel, const int *matched,
					   bool *changed)
{
	int			nident = 0;
	bool		carries = true;
	bool		same = true;
	int			pos = 0;

	for (int r = 0; r < rel->ncols; r++)
		if (rel->cols[r].key && matched[r] >= 0)
			nident++;
	if (nident == 0)
		return true;			/* FULL or NOTHING: nothing to apply by */
	for (int k = 0; k < t->def.ncols; k++)
	{
		int			job_pos = t->job_key ? (k < t->njob_key ? t->job_key[k] : 0) : t->def.cols[k].key_pos;
		bool		ident = t->colsrc[k] >= 0 && rel->cols[t->colsrc[k]].key;

		if (job_pos > 0 && !ident)
			carries = false;
	}
	if (carries)
	{
		if (t->job_key == NULL)
			return true;
		for (int k = 0; k < t->def.ncols; k++)
			t->def.cols[k].key_pos = k < t->njob_key ? t->job_key[k] : 0;
		t->def.nkeys = t->job_nkeys;
		free(t->job_key);
		t->job_key = NULL;
		log_info("table %s: its replica identity carries its key again: its changes apply by "
				 "the key", t->display);
		*changed = true;
		return true;
	}
	if (t->def.deletes == DELETES_SOFT)
	{
		log_error("sync: table %s: its replica identity does not carry its key, and a "
				  "soft-delete table cannot apply its changes by other columns: ALTER TABLE %s "
				  "REPLICA IDENTITY FULL (or back to an index of the key), then reload it: "
				  "remove it from the job, run sync, add it back and run sync --reload %s",
				  t->display, t->display, t->display);
		return false;
	}
	for (int r = 0; r < rel->ncols; r++)
		if (rel->cols[r].key && matched[r] >= 0)
			same &= t->def.cols[matched[r]].key_pos == ++pos;
	if (same && t->def.nkeys == nident)
		return true;
	if (t->job_key == NULL)
	{
		t->njob_key = t->def.ncols;
		t->job_nkeys = t->def.nkeys;
		t->job_key = xcalloc((size_t) t->njob_key, sizeof(int));
		for (int k = 0; k < t->def.ncols; k++)
			t->job_key[k] = t->def.cols[k].key_pos;
	}
	for (int k = 0; k < t->def.ncols; k++)
		t->def.cols[k].key_pos = 0;
	pos = 0;
	for (int r = 0; r < rel->ncols; r++)
		if (rel->cols[r].key && matched[r] >= 0)
			t->def.cols[matched[r]].key_pos = ++pos;
	t->def.nkeys = nident;
	log_info("table %s: its replica identity does not carry its key: its changes apply by "
			 "the identity's columns, unique at the source, while it does not", t->display);
	*changed = true;
	return true;
}

/*
 * A rename runs with the batch's schema work, before any of its rows: the
 * segments of t the batch already holds name the column as the warehouse
 * will by then.
 */
static void
sync_segments_rename(sync_state *st, const sync_table *t, const char *from, const char *to)
{
	for (int i = 0; i < st->nsegs; i++)
	{
		sync_segment *seg = &st->segs[i];

		if (seg->table != (int) (t - st->tables))
			continue;
		for (int k = 0; k < seg->def.ncols; k++)
			if (strcmp(seg->def.cols[k].name, from) == 0)
			{
				free(seg->def.cols[k].name);
				seg->def.cols[k].name = xstrdup(to);
			}
		for (int k = 0; k < seg->cleared.n; k++)
			if (strcmp(seg->cleared.items[k], from) == 0)
			{
				free(seg->cleared.items[k]);
				seg->cleared.items[k] = xstrdup(to);
			}
	}
}

/*
 * Whether relation column rc, coming after attnum lo, is not the table's
 * column of its name (attnum now) but the one the warehouse recorded under
 * that name before the source dropped it and added a new one of another
 * type: its values have no column any more.
 */
static bool
sync_relation_dropped_namesake(const sync_table *t, const pgoutput_column *rc, int lo, int now,
							   const source_attr *attrs, int nattrs)
{
	const source_attr *live = sync_attr(attrs, nattrs, now);
	const char *name = rc->name;

	/* of the same type, the two cannot be told apart: the live one */
	if (live == NULL || live->dropped || live->type_oid == rc->type_oid)
		return false;
	for (int i = 0; i < t->nrec; i++)
	{
		const source_attr *a = sync_attr(attrs, nattrs, t->rec_attnum[i]);

		if (strcmp(t->rec_name[i], name) == 0 && t->rec_attnum[i] != now &&
			t->rec_attnum[i] > lo && (now <= 0 || t->rec_attnum[i] < now) && a && a->dropped)
			return true;
	}
	return false;
}

/* A Relation message being mapped onto a table's columns (below). */
typedef struct sync_relmap
{
	const pgoutput_relation *rel;
	source_attr *attrs;			/* the catalog's attributes now */
	int			nattrs;
	int		   *matched;		/* relation column -> table column, -1, SYNC_REL_DROPPED */
	int		   *attnum;			/* relation column -> attnum, 0 unknown */
} sync_relmap;

/* Each relation column to the table's column of its name, if any. */
static void
sync_relation_by_name(sync_table *t, sync_relmap *m)
{
	int			last = 0;

	for (int r = 0; r < m->rel->ncols; r++)
	{
		m->matched[r] = -1;
		for (int k = 0; k < t->def.ncols && m->matched[r] == -1; k++)
		{
			if (t->colsrc[k] != SYNC_COL_ABSENT || strcmp(t->def.cols[k].name, m->rel->cols[r].name) != 0)
				continue;
			if (sync_relation_dropped_namesake(t, &m->rel->cols[r], last, t->def.cols[k].attnum,
											   m->attrs, m->nattrs))
			{
				m->matched[r] = SYNC_REL_DROPPED;
				break;
			}
			t->colsrc[k] = r;
			m->matched[r] = k;
			m->attnum[r] = t->def.cols[k].attnum;
			if (m->attnum[r] > last)
				last = m->attnum[r];
		}
	}
}

/*
 * Each relation column no name matched: in the gap between its neighbours'
 * attnums, a table column the message does not name (renamed: forward, at
 * the warehouse too, when the catalog's name moved on from the table's;
 * else an older name), or else a column added.
 */
static bool
sync_relation_by_gap(sync_state *st, sync_table *t, sync_relmap *m, bool *changed)
{
	for (int r = 0; r < m->rel->ncols; r++)
	{
		const pgoutput_column *rc = &m->rel->cols[r];
		const source_attr *a;
		int			lo = 0;
		int			hi = 32768;
		int			k = -1;
		char	   *from;

		if (m->matched[r] != -1)
			continue;
		if (table_column_excluded(&t->def, rc->name))
		{
			/* published before the column list left it out, or added since: it stays out */
			m->matched[r] = SYNC_REL_DROPPED;
			continue;
		}
		for (int q = r - 1; q >= 0 && lo == 0; q--)
			lo = m->matched[q] >= 0 ? m->attnum[q] : 0;
		for (int q = r + 1; q < m->rel->ncols && hi == 32768; q++)
			if (m->matched[q] >= 0 && m->attnum[q] > 0)
				hi = m->attnum[q];
		for (int j = 0; j < t->def.ncols; j++)
			if (t->colsrc[j] == SYNC_COL_ABSENT && t->def.cols[j].attnum > lo &&
				t->def.cols[j].attnum < hi &&
				(k < 0 || t->def.cols[j].attnum < t->def.cols[k].attnum))
				k = j;
		if (k < 0)
		{
			if (!sync_relation_add(st, t, rc, lo, hi, m->attrs, m->nattrs, &m->attnum[r]))
				return false;			/* errors have already been logged */
			m->matched[r] = t->def.ncols - 1;
			t->colsrc[m->matched[r]] = r;
			*changed = true;
			continue;
		}
		t->colsrc[k] = r;
		m->matched[r] = k;
		m->attnum[r] = t->def.cols[k].attnum;
		a = sync_attr(m->attrs, m->nattrs, t->def.cols[k].attnum);
		if (!a || a->dropped || strcmp(a->name, t->def.cols[k].name) == 0)
			continue;			/* an older name of it */
		from = t->def.cols[k].name;
		t->def.cols[k].name = xstrdup(rc->name);
		sink_rename_column(st->c->d, &t->pending_ddl, &t->def, from, &t->def.cols[k]);
		sync_segments_rename(st, t, from, rc->name);
		log_info("table %s: column \"%s\" renamed at the source to \"%s\"", t->display,
				 from, rc->name);
		free(from);
		t->record_columns = true;
		*changed = true;
	}
	return true;
}

/*
 * Each table column the message lacks: added later in the stream when the
 * catalog has it past the message's last attnum (these rows get its missing
 * value), else dropped (not staged: NULL from now on).
 */
static void
sync_relation_absent(sync_table *t, const sync_relmap *m, int last, bool *changed)
{
	for (int k = 0; k < t->def.ncols; k++)
	{
		const source_attr *a = sync_attr(m->attrs, m->nattrs, t->def.cols[k].attnum);
		bool		dropped;

		if (t->colsrc[k] == SYNC_COL_ABSENT && a && !a->dropped && a->attnum > last)
		{
			t->colsrc[k] = SYNC_COL_FUTURE;
			free(t->missing[k]);
			t->missing[k] = sync_attr_missing(a);
		}
		dropped = t->colsrc[k] == SYNC_COL_ABSENT;
		if (dropped != t->def.cols[k].dropped)
		{
			if (dropped)
				log_info("table %s: column \"%s\" dropped at the source: NULL from now on",
						 t->display, t->def.cols[k].name);
			t->def.cols[k].dropped = dropped;
			*changed = true;
		}
	}
}

/*
 * A Relation message: columns follow the stream.  It lists the relation's
 * columns as they were when the rows after it were written, in attnum
 * order, by name and type but without attnums; the catalog has every
 * attnum, live or dropped, as it is now.  Each of its columns is the
 * table's column of that name; else, in the gap between its neighbours'
 * attnums, a column of the table it does not name (renamed: forward when
 * the catalog's name moved on from the table's, else an older name); else
 * a column added.  A table column it lacks was added later in the stream
 * when the catalog has it past the message's last attnum (these rows get
 * its missing value), or was dropped (not staged: NULL from now on).
 * What changed becomes schema changes for the table's next segment.
 */
bool
sync_relation(sync_state *st, const pgoutput_relation *rel)
{
	sync_table *t = sync_table_by_name(st, rel->schema[0] ? rel->schema : "pg_catalog", rel->name);
	sync_relmap m = {.rel = rel};
	int			last = 0;
	bool		changed = false;
	bool		ok;

	if (t == NULL)
		return true;			/* not a job table (any more) */
	t->relid = rel->oid;
	t->full_identity = rel->replident == 'f' && t->def.mode == MODE_MERGE;
	/* sent again after its partitions changed, among other reasons */
	t->check_partitions = t->def.partitioned;
	if (!source_table_attributes(st->c->src, &t->def, &m.attrs, &m.nattrs))
		return false;			/* errors have already been logged */
	m.matched = xcalloc((size_t) rel->ncols + 1, sizeof(int));
	m.attnum = xcalloc((size_t) rel->ncols + 1, sizeof(int));
	for (int k = 0; k < t->def.ncols; k++)
		t->colsrc[k] = SYNC_COL_ABSENT;
	sync_relation_by_name(t, &m);
	ok = sync_relation_by_gap(st, t, &m, &changed);
	for (int r = 0; ok && r < rel->ncols; r++)
	{
		if (m.matched[r] == SYNC_REL_DROPPED)
			continue;
		ok = sync_relation_retype(st, t, m.matched[r], &rel->cols[r], &changed);
		if (m.attnum[r] > last)
			last = m.attnum[r];
	}
	if (ok)
		sync_relation_absent(t, &m, last, &changed);
	if (ok && t->def.mode == MODE_MERGE && !t->full_identity)
		ok = sync_relation_identity(t, rel, m.matched, &changed);
	free(m.matched);
	free(m.attnum);
	source_attrs_free(m.attrs, m.nattrs);
	/* rows from now on carry the new columns (or key): they go in a new segment */
	if (ok && changed)
		return sink_check_names(st->c->d, &t->def) && sync_segment_close(st, t);
	return ok;
}

/*
 * Whether the warehouse's data_type names the type the dialect makes for c
 * (an enum is text there, a varchar(20) is "character varying").
 */
static bool
sync_same_type_name(const sink_dialect *d, const table_def *t, const table_column *c,
					const char *data_type)
{
	buf			type = BUF_INIT;
	buf			bare = BUF_INIT;
	int			depth = 0;
	bool		same;

	if (!sink_column_type(d, t, c, &type))
	{
		buf_free(&type);
		return false;
	}
	/* "timestamp(3) without time zone" names "timestamp without time zone" */
	for (const char *p = type.data; *p; p++)
	{
		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		else if (depth == 0)
			buf_putc(&bare, *p);
	}
	same = bare.data && strcasecmp(bare.data, data_type) == 0;
	buf_free(&type);
	buf_free(&bare);
	return same;
}

static const char *
sync_recorded_name(const sync_table *t, int attnum)
{
	for (int i = 0; i < t->nrec; i++)
		if (t->rec_attnum[i] == attnum)
			return t->rec_name[i];
	return NULL;
}

static int
sync_target_column(const sink_dialect *d, const wh_result *cols, const char *name)
{
	for (int r = 0; name && r < cols->nrows; r++)
		if (sink_same_name(d, wh_value(cols, r, 0), name))
			return r;
	return -1;
}

/*
 * Whether the warehouse column (row w of cols) can hold column k as
 * the source has it now: the same type, or one it widens to (a widening
 * for the next segment).  False, reported, when it cannot.
 */
static bool
sync_target_type(sync_state *st, sync_table *t, int k, const wh_result *cols, int w)
{
	const char *data_type = wh_value(cols, w, 1);
	cmd_ctx    *c = st->c;
	const table_column *col = &t->def.cols[k];
	table_column was;
	table_column now;

	if (!data_type || col->is_array || !sink_column_from_type_name(c->d, data_type, &was))
		return true;
	/* the column as the warehouse would make it now, in the shape its catalog shows */
	sink_held_shape(c->d, col, &now);
	if (was.kind == now.kind)
	{
		/* of the same kind: a length, precision or scale may have grown */
		const char *length = wh_value(cols, w, 2);
		const char *precision = wh_value(cols, w, 3);
		const char *scale = wh_value(cols, w, 4);
		const char *time = wh_value(cols, w, 5);

		was.length = length ? atoi(length) : -1;
		was.precision = precision && was.kind == COL_NUMERIC ? atoi(precision) : -1;
		was.scale = scale && was.kind == COL_NUMERIC ? atoi(scale) : -1;
		was.time_precision = time ? atoi(time) : -1;
		if (was.kind != COL_VARCHAR && was.kind != COL_CHAR && was.kind != COL_NUMERIC &&
			was.kind != COL_VARBIT)
			return true;
		if (was.length == now.length && was.precision == now.precision && was.scale == now.scale)
			return true;
		/* wider, or more decimals (which a value that no longer fits refuses loudly) */
		if (!table_column_widens(&was, &now) && !(was.kind == COL_NUMERIC && now.scale > was.scale))
			return true;
		return sink_widen_column(c->d, &t->pending_ddl, &t->def, &was, col);
	}
	if (sync_same_type_name(c->d, &t->def, col, data_type))
		return true;
	if (!table_column_widens(&was, &now))
	{
		log_error("sync: table %s: column \"%s\" changed type at the source (the warehouse holds "
				  "%s, the source now %s), which is not a safe widening; change the warehouse "
				  "column by hand, or start the table over", t->display, col->name,
				  data_type, col->pg_type ? col->pg_type : "a user type");
		return false;
	}
	return sink_widen_column(c->d, &t->pending_ddl, &t->def, &was, col);
}

/*
 * Row of cols holding the column a rebuild of name (SINK_WIDEN_REBUILD)
 * builds, -1 if none: an earlier run began the rebuild and stopped.
 */
static int
sync_rebuild_column(const sink_dialect *d, const wh_result *cols, const char *name)
{
	char	   *rebuild = xasprintf("%s%s", name, SINK_REBUILD_SUFFIX);
	int			r = sync_target_column(d, cols, rebuild);

	free(rebuild);
	return r;
}

/*
 * Brings t's warehouse table to the columns the source has now, with
 * statements for its next segment: t's columns are the catalog's, each
 * found in the warehouse by its attnum's column row (renamed there when
 * the source renamed it), or by name when the table has no column rows
 * yet.  A column the warehouse lacks was added since the position: added,
 * its older rows given its missing value, and the rows the stream still
 * carries without it staged with that value (SYNC_COL_FUTURE); one the
 * source computed row by row gives the table a snapshot of its own.
 * Warehouse columns no source column holds are kept, NULL from now on;
 * those the job excludes are kept and never written.
 */
/* How many tables' warehouse columns one catalog query at start asks for. */
#define SYNC_CATALOG_TABLES 100

static bool
sync_table_reconcile(sync_state *st, sync_table *t, wh_result cols)
{
	cmd_ctx    *c = st->c;
	source_attr *attrs = NULL;
	int			nattrs = 0;
	bool	   *held;
	int			ncatalog = t->def.ncols;
	bool		ok = true;

	if (cols.nrows == 0)
	{
		wh_result_free(&cols);
		return true;			/* not in the warehouse: its snapshot makes it */
	}
	if (!source_table_attributes(c->src, &t->def, &attrs, &nattrs))
	{
		wh_result_free(&cols);
		return false;
	}
	held = xcalloc((size_t) cols.nrows, sizeof(bool));
	for (int k = 0; ok && k < ncatalog; k++)
	{
		table_column *col = &t->def.cols[k];
		const source_attr *a = sync_attr(attrs, nattrs, col->attnum);
		const char *was = t->nrec > 0 ? sync_recorded_name(t, col->attnum) : col->name;
		int			w = sync_target_column(c->d, &cols, was);
		int			wr = was ? sync_rebuild_column(c->d, &cols, was) : -1;

		t->missing[k] = sync_attr_missing(a);
		if (wr >= 0 && !held[wr])
		{
			/* its rebuild was begun and not finished: the rest of it, then the column as it is */
			bool		has_column = w >= 0 && !held[w];

			held[wr] = true;
			if (has_column)
				held[w] = true;
			sink_widen_resume(c->d, &t->pending_ddl, &t->def, was, has_column);
			log_info("table %s: column \"%s\": finishing the change of its type that an "
					 "earlier run began", t->display, was);
			if (strcmp(was, col->name) != 0)
			{
				sink_rename_column(c->d, &t->pending_ddl, &t->def, was, col);
				t->record_columns = true;
			}
			continue;
		}
		if (w >= 0 && !held[w])
		{
			held[w] = true;
			if (strcmp(was, col->name) != 0)
			{
				if (!sink_same_name(c->d, was, col->name) &&
					sync_target_column(c->d, &cols, col->name) >= 0)
				{
					log_error("sync: table %s: column \"%s\" was renamed at the source to \"%s\", "
							  "a name the warehouse table already has: rename or drop that "
							  "warehouse column by hand", t->display, was, col->name);
					ok = false;
					break;
				}
				sink_rename_column(c->d, &t->pending_ddl, &t->def, was, col);
				log_info("table %s: column \"%s\" renamed at the source to \"%s\"", t->display,
						 was, col->name);
				t->record_columns = true;
			}
			ok = sync_target_type(st, t, k, &cols, w);
			continue;
		}
		/* added since the position */
		w = sync_target_column(c->d, &cols, col->name);
		if (w >= 0 && !held[w])
		{
			/* under the name of a column the warehouse kept after the source dropped it */
			held[w] = true;
			ok = sink_reset_column(c->d, &t->pending_ddl, &t->pending, &t->def, col, t->missing[k]);
			log_info("table %s: column \"%s\" added again at the source: its older rows get %s",
					 t->display, col->name, t->missing[k] ? t->missing[k] : "NULL");
		}
		else
		{
			sink_add_column(c->d, &t->pending_ddl, &t->pending, &t->def, col, t->missing[k]);
			log_info("table %s: column \"%s\" added at the source%s%s", t->display, col->name,
					 t->missing[k] ? ", existing rows get " : "",
					 t->missing[k] ? t->missing[k] : "");
		}
		t->record_columns = true;
		if (ok)
			sync_rewritten(t, a, col->name);
	}
	/* the metadata columns are wharf's, no source column's: added where missing */
	{
		const char *meta[3] = {t->def.synced_at_col, t->def.lsn_col, t->def.op_col};
		bool		missing[3] = {false, false, false};
		bool		any = false;

		for (int m = 0; m < 3; m++)
		{
			int			w = meta[m] ? sync_target_column(c->d, &cols, meta[m]) : -1;

			if (w >= 0)
				held[w] = true;
			else if (meta[m] != NULL)
				missing[m] = any = true;
		}
		if (any)
		{
			sink_add_meta_columns(c->d, &t->pending_ddl, &t->def, missing);
			log_info("table %s: adding the metadata columns [warehouse] names", t->display);
		}
	}
	/* columns the warehouse kept after the source dropped them: NULL from now on */
	for (int r = 0; ok && r < cols.nrows; r++)
	{
		const char *name = wh_value(&cols, r, 0);
		table_column gone;
		bool		excluded = false;

		if (held[r] || strncmp(name, "_wharf_", 7) == 0)
			continue;
		/* one the job excludes now is never written again: not a column of the table */
		for (int e = 0; e < t->def.nexcluded && !excluded; e++)
			excluded = sink_same_name(c->d, name, t->def.excluded[e]);
		if (excluded)
			continue;
		memset(&gone, 0, sizeof(gone));
		if (!sink_column_from_type_name(c->d, wh_value(&cols, r, 1) ? wh_value(&cols, r, 1) : "", &gone))
		{
			memset(&gone, 0, sizeof(gone));
			gone.kind = COL_TEXT;
		}
		gone.name = xstrdup(name);
		gone.pg_type = NULL;
		gone.precision = gone.scale = gone.length = gone.time_precision = -1;
		gone.dropped = true;
		for (int i = 0; i < t->nrec; i++)
			if (strcmp(t->rec_name[i], name) == 0)
				gone.attnum = t->rec_attnum[i];
		sync_table_add_column(t, &gone, sink_column_render(c->d, &gone));
	}
	if (t->nrec == 0)
		t->record_columns = true;
	free(held);
	source_attrs_free(attrs, nattrs);
	wh_result_free(&cols);
	return ok;
}

bool
sync_tables_reconcile(sync_state *st)
{
	cmd_ctx    *c = st->c;

	/* the warehouse's columns of SYNC_CATALOG_TABLES tables a query */
	for (int from = 0; from < st->ntables; from += SYNC_CATALOG_TABLES)
	{
		int			n = st->ntables - from < SYNC_CATALOG_TABLES ? st->ntables - from : SYNC_CATALOG_TABLES;
		const table_def **defs = xcalloc((size_t) n, sizeof(table_def *));
		wh_result	all = {0};
		buf			sql = BUF_INIT;
		bool		ok;

		for (int i = 0; i < n; i++)
			defs[i] = &st->tables[from + i].def;
		sink_target_columns_query_many(c->d, &sql, defs, n);
		ok = wh_query(c->wh, sql.data, &all);
		buf_free(&sql);
		free(defs);
		for (int i = 0; ok && i < n; i++)
		{
			sync_table *t = &st->tables[from + i];
			wh_result	cols = {.ncols = all.ncols - 2};

			cols.values = xcalloc((size_t) all.nrows * (size_t) (cols.ncols > 0 ? cols.ncols : 1) + 1,
								  sizeof(char *));
			for (int r = 0; r < all.nrows; r++)
			{
				char	  **row = &all.values[r * all.ncols];

				if (row[0] == NULL || row[1] == NULL ||
					!sink_same_name(c->d, t->def.target_schema, row[0]) ||
					!sink_same_name(c->d, t->def.target_name, row[1]))
					continue;
				for (int k = 0; k < cols.ncols; k++)
					cols.values[cols.nrows * cols.ncols + k] = row[2 + k] ? xstrdup(row[2 + k]) : NULL;
				cols.nrows++;
			}
			ok = sync_table_reconcile(st, t, cols);
		}
		wh_result_free(&all);
		if (!ok)
		{
			wh_rollback(c->wh);
			return false;
		}
	}
	wh_rollback(c->wh);
	return true;
}

/*
 * Schema changes the start or the stream saw for tables no row followed
 * in this run: applied on their own, with the column rows, at the end of
 * the stream (every row the warehouse has is older than them).  Runs on
 * the warehouse session once the applier has stopped.
 */
bool
sync_apply_pending(sync_state *st)
{
	cmd_ctx    *c = st->c;
	strlist		script = {0};
	int			nddl = 0;
	bool		ok;

	for (int i = 0; i < st->ntables; i++)
	{
		sync_table *t = &st->tables[i];

		if (t->is_new || t->pending_ddl.n == 0)
			continue;
		for (int k = 0; k < t->pending_ddl.n; k++)
			strlist_add(&script, t->pending_ddl.items[k]);
		strlist_free(&t->pending_ddl);
	}
	nddl = script.n;
	for (int i = 0; i < st->ntables; i++)
	{
		sync_table *t = &st->tables[i];

		if (t->is_new || (t->pending.n == 0 && !t->record_columns))
			continue;
		if (t->record_columns)
			load_columns_script(c->d, &c->j, &t->def, NULL, &t->pending);
		for (int k = 0; k < t->pending.n; k++)
			strlist_add(&script, t->pending.items[k]);
		strlist_free(&t->pending);
		t->record_columns = false;
	}
	ok = script.n == 0 || load_run(c->wh, &script, nddl);
	strlist_free(&script);
	return ok;
}

/*
 * A table loaded again while streaming: its columns read anew from the
 * catalog and its warehouse table brought in line with them, as at start,
 * what the stream made of its warehouse columns standing in for its column
 * rows.
 */
bool
sync_table_refresh(sync_state *st, int i)
{
	cmd_ctx    *c = st->c;
	sync_table *t = &st->tables[i];
	table_def	now;
	wh_result	cols = {0};
	buf			sql = BUF_INIT;
	bool		ok;

	for (int k = 0; k < t->nrec; k++)
		free(t->rec_name[k]);
	t->nrec = 0;
	for (int k = 0; k < t->def.ncols; k++)
		if (t->def.cols[k].attnum > 0)
			sync_table_recorded(t, t->def.cols[k].attnum, t->def.cols[k].name);
	if (!source_describe_table(c->src, &c->j, &c->j.tables[i], &now))
		return false;			/* errors have already been logged */
	for (int k = 0; k < t->def.ncols; k++)
		free(t->missing[k]);
	table_def_free_columns(&t->def);
	free(t->renders);
	free(t->colsrc);
	free(t->reltype);
	free(t->reltypmod);
	free(t->missing);
	t->renders = NULL;
	t->colsrc = NULL;
	t->reltype = NULL;
	t->reltypmod = NULL;
	t->missing = NULL;
	for (int k = 0; k < now.ncols; k++)
		sync_table_add_column(t, &now.cols[k], sink_column_render(c->d, &now.cols[k]));
	t->def.nkeys = now.nkeys;
	free(now.cols);
	now.cols = NULL;
	now.ncols = 0;
	table_def_free(&now);
	t->relid = 0;
	if (!sink_check_names(st->c->d, &t->def))
		return false;			/* errors have already been logged */
	sink_target_columns_query(c->d, &sql, t->def.target_schema, t->def.target_name);
	ok = wh_query(c->wh, sql.data, &cols);
	buf_free(&sql);
	return ok && sync_table_reconcile(st, t, cols);
}
