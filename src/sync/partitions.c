/*
 * partitions.c
 *    Partitioned tables whose partitions were attached, detached or
 *    truncated since their last load, which changes their rows with nothing
 *    in the stream: compared with the partition rows the load recorded, and
 *    loaded again where the rows changed.
 */
#include "sync_int.h"

#define SYNC_PARTITIONS_NAMED 10

typedef struct sync_partition_diff
{
	const table_partition **attached;	/* new (CREATE ... PARTITION OF too) */
	const table_partition **again;	/* detached and attached again: a new pg_inherits row */
	const table_partition **detached;
	const table_partition **truncated;	/* a new relfilenode (VACUUM FULL, CLUSTER too) */
	int			nattached;
	int			nagain;
	int			ndetached;
	int			ntruncated;
} sync_partition_diff;

static const table_partition *
sync_partition_find(const table_partitions *set, uint32_t relid)
{
	for (int i = 0; i < set->n; i++)
		if (set->items[i].relid == relid)
			return &set->items[i];
	return NULL;
}

static void
sync_partitions_name(buf *out, const char *label, const table_partition *const *which, int n)
{
	if (n == 0)
		return;
	buf_printf(out, "%s%s: ", out->len ? "; " : "", label);
	for (int i = 0; i < n && i < SYNC_PARTITIONS_NAMED; i++)
		buf_printf(out, "%s%s", i ? ", " : "", which[i]->name);
	if (n > SYNC_PARTITIONS_NAMED)
		buf_printf(out, " and %d more", n - SYNC_PARTITIONS_NAMED);
}

static void
sync_partitions_compare(const table_partitions *was, const table_partitions *now,
						sync_partition_diff *d)
{
	int			cap = (was->n + now->n) ? was->n + now->n : 1;

	memset(d, 0, sizeof(*d));
	d->attached = xcalloc((size_t) cap, sizeof(table_partition *));
	d->again = xcalloc((size_t) cap, sizeof(table_partition *));
	d->detached = xcalloc((size_t) cap, sizeof(table_partition *));
	d->truncated = xcalloc((size_t) cap, sizeof(table_partition *));
	for (int i = 0; i < now->n; i++)
	{
		const table_partition *p = &now->items[i];
		const table_partition *old = sync_partition_find(was, p->relid);

		if (old == NULL)
			d->attached[d->nattached++] = p;
		else if (old->attach_xid != p->attach_xid)
			d->again[d->nagain++] = p;
		else if (old->filenode != p->filenode)
			d->truncated[d->ntruncated++] = p;
	}
	for (int i = 0; i < was->n; i++)
		if (sync_partition_find(now, was->items[i].relid) == NULL)
			d->detached[d->ndetached++] = &was->items[i];
}

static void
sync_partition_diff_free(sync_partition_diff *d)
{
	free(d->attached);
	free(d->again);
	free(d->detached);
	free(d->truncated);
}

static char *
sync_partitions_why(const sync_partition_diff *d)
{
	buf			detail = BUF_INIT;
	bool		moved = d->nattached + d->ndetached + d->nagain > 0;
	char	   *why;

	sync_partitions_name(&detail, "attached", d->attached, d->nattached);
	sync_partitions_name(&detail, "detached", d->detached, d->ndetached);
	sync_partitions_name(&detail, "detached and attached again", d->again, d->nagain);
	sync_partitions_name(&detail, "truncated or rewritten", d->truncated, d->ntruncated);
	if (moved && d->ntruncated > 0)
		why = xasprintf("partitions attached, detached or truncated since the last sync (%s)",
						detail.data);
	else if (moved)
		why = xasprintf("partitions attached or detached since the last sync (%s)", detail.data);
	else
		why = xasprintf("partitions truncated since the last sync, which the change stream "
						"does not carry (%s)", detail.data);
	buf_free(&detail);
	return why;
}

/*
 * Whether a partition that joined t since its last load (d's attached and
 * again) brought rows that the stream never carried: any it holds now.  One
 * created empty (CREATE TABLE ... PARTITION OF, say ahead of time) only
 * ever got rows through the stream.
 */
static bool
sync_partitions_brought_rows(sync_state *st, const sync_partition_diff *d, bool *rows)
{
	*rows = false;
	for (int i = 0; i < d->nattached + d->nagain && !*rows; i++)
	{
		const table_partition *p = i < d->nattached ? d->attached[i] : d->again[i - d->nattached];
		bool		empty;

		if (!source_partition_empty(st->c->src, p, &empty))
			return false;			/* errors have already been logged */
		*rows = !empty;
	}
	return true;
}

void
sync_set_load_reason(sync_table *t, const char *why)
{
	free(t->load_reason);
	t->load_reason = xstrdup(why);
}

void
sync_reload(sync_table *t, const char *why)
{
	log_info("table %s: %s: loading it again from a snapshot", t->display, why);
	sync_set_load_reason(t, why);
	if (t->def.mode == MODE_APPEND)
		log_warn("table %s is an append table: loading it again starts its history over "
				 "from the rows the source holds now", t->display);
	t->is_new = true;
}

/*
 * Compares each partitioned table's partitions with what its last load
 * recorded (ATTACH, DETACH and a TRUNCATE of one partition change its rows
 * with nothing in the stream).  A table that needs it is marked for a
 * snapshot of its own (is_new): in merge mode when a partition left, was
 * truncated or joined with rows; in append mode (a history that keeps
 * deleted and truncated rows) only when one joined with rows.  Otherwise
 * the new partitions are only recorded, with statements into record.
 * *changed says whether any table's were.
 */
bool
sync_check_partitions(sync_state *st, strlist *record, bool *changed)
{
	cmd_ctx    *c = st->c;

	*changed = false;
	st->partitions_checked = log_monotonic_now();
	for (int i = 0; i < st->ntables; i++)
	{
		sync_table *t = &st->tables[i];
		table_partitions now;
		sync_partition_diff d;
		bool		rows = false;
		bool		reload;
		char	   *why;
		bool		ok;

		t->check_partitions = false;
		if (!t->def.partitioned || t->is_new)
			continue;
		if (!source_read_partitions(c->src, &t->def, &now))
			return false;			/* errors have already been logged */
		sync_partitions_compare(&t->recorded, &now, &d);
		ok = sync_partitions_brought_rows(st, &d, &rows);
		if (!ok || d.nattached + d.nagain + d.ndetached + d.ntruncated == 0)
		{
			sync_partition_diff_free(&d);
			table_partitions_free(&now);
			if (!ok)
				return false;
			continue;
		}
		reload = rows || (t->def.mode == MODE_MERGE && d.ndetached + d.ntruncated > 0);
		why = sync_partitions_why(&d);
		*changed = true;
		if (reload)
			sync_reload(t, why);
		else
		{
			char		lsn[32];

			log_info("table %s: %s: %s, nothing to load", t->display, why,
					 t->def.mode == MODE_APPEND ? "an append table keeps the rows it has"
					 : "the new partitions were empty");
			load_partitions_script(c->d, &c->j, &t->def, &now, pg_lsn_format(st->position, lsn),
								   NULL, record);
			table_partitions_free(&t->recorded);
			t->recorded = now;
			memset(&now, 0, sizeof(now));
		}
		free(why);
		sync_partition_diff_free(&d);
		table_partitions_free(&now);
	}
	return true;
}

bool
sync_partitions_due(sync_state *st)
{
	if (!st->any_partitioned || st->in_txn)
		return false;
	for (int i = 0; i < st->ntables; i++)
		if (st->tables[i].check_partitions)
			return true;
	return log_monotonic_now() - st->partitions_checked >= st->c->j.batch_interval;
}
