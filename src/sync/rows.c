/*
 * rows.c
 *    One staged CSV row per change: the values of a pgoutput tuple mapped
 *    onto the table's columns, the op and its position; key changes,
 *    unchanged TOAST values, and REPLICA IDENTITY FULL removals and
 *    additions (sink.h tells what each op means to the apply).
 */
#include "sync_int.h"

#include "guard.h"

/*
 * Rows of one transaction a full-identity table remembers, at most: past
 * this, removals of its rows are staged as plain deletes ordered before its
 * additions, which is exact unless rows pass through each other's keys.
 */
#define SYNC_ADDED_MAX (1 << 20)

/* Appends " (k1, k2)=(v1, v2)" of tup's key columns, each value cut short. */
static void
sync_key_text(const sync_table *t, const pgoutput_tuple *tup, buf *out)
{
	buf			vals = BUF_INIT;

	if (t->def.nkeys == 0 || tup == NULL)
		return;
	buf_puts(out, ", key (");
	for (int pos = 1; pos <= t->def.nkeys; pos++)
		for (int k = 0; k < t->def.ncols; k++)
		{
			int			r = t->colsrc[k];
			const pgoutput_value *v;

			if (t->def.cols[k].key_pos != pos)
				continue;
			buf_printf(out, "%s\"%s\"", pos > 1 ? ", " : "", t->def.cols[k].name);
			if (pos > 1)
				buf_puts(&vals, ", ");
			v = (r >= 0 && r < tup->ncols) ? &tup->values[r] : NULL;
			if (v != NULL && v->kind == PGOUTPUT_VALUE_TEXT)
				buf_printf(&vals, "%.*s", (int) (v->len > 100 ? 100 : v->len), v->data);
			else
				buf_puts(&vals, "NULL");
		}
	buf_printf(out, ")=(%s)", vals.data ? vals.data : "");
	buf_free(&vals);
}

/*
 * A value the warehouse cannot hold: one error naming table, column, key,
 * position, warehouse and limits, with the value's first bytes.
 */
static void
sync_report_guard(const sync_state *st, const sync_table *t, int k,
				  const pgoutput_tuple *tup, const pgoutput_value *v)
{
	buf			msg = BUF_INIT;
	char		at[32];

	sync_key_text(t, tup, &msg);
	buf_printf(&msg, ", at %s: %s cannot hold its value ", pg_lsn_format(st->txn_lsn, at),
			   t->renders[k].warehouse ? t->renders[k].warehouse : "the warehouse");
	guard_value_prefix(v->data, v->len, &msg);
	buf_puts(&msg, " (");
	guard_limits_text(&t->def.cols[k], &t->renders[k], &msg);
	/* the change stays in the stream: only a new snapshot of the table gets past it */
	buf_printf(&msg, "); fix it at the source, then run: wharf -c %s sync --reload %s",
			   st->c->j.path, t->display);
	log_error("sync: table %s, column \"%s\"%s", t->display, t->def.cols[k].name, msg.data);
	buf_free(&msg);
}

/*
 * Writes one change row for t: op at commit position lsn, and the values
 * of tup (NULL for a truncate or a cancel), mapped from the relation's
 * columns onto t's; a cancel ('C') names the seq of the addition it takes
 * back (see sink.h).
 */
static bool
sync_write_row_at(sync_state *st, sync_table *t, char op, const pgoutput_tuple *tup,
				  pg_lsn lsn, uint64_t cancels)
{
	char		num[32];
	bool		any_unchanged = false;
	size_t		lead_len;

	if (!sync_segment_open(st, t))
		return false;			/* errors have already been logged */
	buf_reset(&st->vals);
	buf_reset(&st->unchanged);
	int			staged = 0;

	for (int k = 0; k < t->def.ncols; k++)
	{
		int			r = t->colsrc[k];
		const pgoutput_value *v;

		if (t->def.cols[k].dropped)
			continue;			/* not staged: the warehouse sets it NULL */
		staged++;
		if (r == SYNC_COL_FUTURE && tup != NULL && t->missing[k] != NULL)
		{
			/* what the source gives rows older than the column: checked alike */
			pgoutput_value missing = {.kind = PGOUTPUT_VALUE_TEXT, .data = t->missing[k],
			.len = (uint32_t) strlen(t->missing[k])};

			if (t->renders[k].guarded &&
				!guard_value_fits(&t->def.cols[k], &t->renders[k], missing.data, missing.len))
			{
				sync_report_guard(st, t, k, tup, &missing);
				return false;
			}
			csv_field(&st->vals, false, missing.data, missing.len);
			continue;
		}
		if (tup == NULL || r < 0 || r >= tup->ncols)
		{
			csv_null_as(&st->vals, false, t->renders[k].null_as);
			continue;
		}
		v = &tup->values[r];
		switch (v->kind)
		{
			case PGOUTPUT_VALUE_NULL:
				csv_null_as(&st->vals, false, t->renders[k].null_as);
				break;
			case PGOUTPUT_VALUE_UNCHANGED:
				csv_null_as(&st->vals, false, t->renders[k].null_as);
				buf_printf(&st->unchanged, "%s%d,", any_unchanged ? "" : ",", staged);
				any_unchanged = true;
				break;
			case PGOUTPUT_VALUE_TEXT:
				/* only a column with a guard is looked at */
				if (t->renders[k].guarded &&
					!guard_value_fits(&t->def.cols[k], &t->renders[k], v->data, v->len))
				{
					sync_report_guard(st, t, k, tup, v);
					return false;
				}
				csv_field(&st->vals, false, v->data, v->len);
				break;
			default:
				log_error("sync: table %s: column \"%s\" arrived in binary form",
						  t->display, t->def.cols[k].name);
				return false;
		}
	}
	buf_reset(&st->row);
	snprintf(num, sizeof(num), "%llu", (unsigned long long) lsn);
	csv_field(&st->row, true, num, strlen(num));
	snprintf(num, sizeof(num), "%llu", (unsigned long long) ++st->seq);
	csv_field(&st->row, false, num, strlen(num));
	csv_field(&st->row, false, &op, 1);
	if (op == 'C')
	{
		snprintf(num, sizeof(num), "%llu", (unsigned long long) cancels);
		csv_field(&st->row, false, num, strlen(num));
		st->segs[t->open_segment].has_cancels = true;
	}
	else if (any_unchanged)
	{
		csv_field(&st->row, false, st->unchanged.data, st->unchanged.len);
		st->segs[t->open_segment].has_unchanged = true;
	}
	else
		csv_null_as(&st->row, false, t->def.ncols > 0 ? t->renders[0].null_as : NULL);
	/* even when its unchanged values were in dropped columns only */
	if (op == 'K')
		st->segs[t->open_segment].has_moves = true;
	else if (op == 'T')
		st->segs[t->open_segment].has_truncates = true;
	lead_len = st->row.len;
	buf_append(&st->row, st->vals.data ? st->vals.data : "", st->vals.len);
	csv_end_row(&st->row);
	if (!sync_segment_write(st, t, st->row.data, st->row.len, lead_len))
		return false;			/* errors have already been logged */
	t->batch_rows++;
	st->batch_rows++;
	st->batch_bytes += st->row.len;
	return true;
}

bool
sync_write_row(sync_state *st, sync_table *t, char op, const pgoutput_tuple *tup)
{
	return sync_write_row_at(st, t, op, tup, st->txn_lsn, 0);
}

/*
 * FNV-1a over the values of tup in t's columns: the key's (in key order),
 * or with image every staged column's (a whole row, as full replica
 * identity sends old rows).
 */
static uint64_t
sync_tuple_hash(const sync_table *t, const pgoutput_tuple *tup, bool image)
{
	uint64_t	h = 14695981039346656037ULL;

	for (int pos = 1; pos <= (image ? 1 : t->def.nkeys); pos++)
		for (int k = 0; k < t->def.ncols; k++)
		{
			int			r = t->colsrc[k];
			const pgoutput_value *v;
			uint32_t	len;

			if (image ? t->def.cols[k].dropped : t->def.cols[k].key_pos != pos)
				continue;
			v = (r >= 0 && r < tup->ncols) ? &tup->values[r] : NULL;
			len = v ? v->len : 0;
			h = (h ^ (uint8_t) (v ? v->kind : 0)) * 1099511628211ULL;
			for (int b = 0; b < 4; b++)
				h = (h ^ ((len >> (8 * b)) & 0xff)) * 1099511628211ULL;
			for (uint32_t i = 0; v && i < len; i++)
				h = (h ^ (uint8_t) v->data[i]) * 1099511628211ULL;
		}
	return h;
}

void
sync_note_added(sync_state *st, sync_table *t, const pgoutput_tuple *tup)
{
	if (t->added.n >= SYNC_ADDED_MAX)
	{
		if (!t->added_full)
		{
			char		at[32];

			log_warn("table %s: the transaction at %s changes more than %d rows; rows that "
					 "pass through each other's keys in it may be applied by key", t->display,
					 pg_lsn_format(st->txn_lsn, at), SYNC_ADDED_MAX);
			t->added_full = true;
		}
		return;
	}
	hash_map_put(&t->added, sync_tuple_hash(t, tup, true), st->seq);
}

/*
 * Full identity: the removal of old (a delete, or an update's old row).
 * Of a row this transaction added, it cancels that addition; of any other
 * row, it is a delete ordered before the transaction's additions (sink.h).
 */
bool
sync_remove_row(sync_state *st, sync_table *t, const pgoutput_tuple *old)
{
	uint64_t	h = sync_tuple_hash(t, old, true);
	uint64_t	added = 0;

	if (hash_map_get(&t->added, h, &added) && added != 0)
	{
		hash_map_put(&t->added, h, 0);	/* taken back: 0 is no seq */
		return sync_write_row_at(st, t, 'C', NULL, st->txn_lsn, added);
	}
	return sync_write_row_at(st, t, 'D', old, st->txn_lsn - 1, 0);
}

void
sync_forget_added(sync_state *st)
{
	for (int i = 0; i < st->ntables; i++)
		if (st->tables[i].added.n > 0 || st->tables[i].added_full)
		{
			hash_map_clear(&st->tables[i].added);
			st->tables[i].added_full = false;
		}
}

static bool
sync_has_unchanged(const pgoutput_tuple *tup)
{
	for (int r = 0; r < tup->ncols; r++)
		if (tup->values[r].kind == PGOUTPUT_VALUE_UNCHANGED)
			return true;
	return false;
}

/*
 * An update that moved a row to another key: a delete of the old key, then
 * the new row.  Unchanged TOAST values left in the new row are the old
 * key's: it goes as a 'K' right after the delete, and the apply takes them
 * from the batch or the warehouse row of the old key.  A row moved again
 * after such a move (its old key the new key of an earlier 'K') needs the
 * first move applied before: it starts a new segment.
 */
bool
sync_key_change(sync_state *st, sync_table *t, const pgoutput_tuple *old,
				const pgoutput_tuple *new)
{
	if (!sync_has_unchanged(new))
		return sync_write_row(st, t, 'D', old) && sync_write_row(st, t, 'U', new);
	if (hash_map_get(&t->moved, sync_tuple_hash(t, old, false), NULL) && !sync_segment_close(st, t))
		return false;
	if (!sync_write_row(st, t, 'D', old) || !sync_write_row(st, t, 'K', new))
		return false;
	hash_map_put(&t->moved, sync_tuple_hash(t, new, false), 0);
	return true;
}

bool
sync_key_changed(const sync_table *t, const pgoutput_tuple *old, const pgoutput_tuple *new)
{
	for (int k = 0; k < t->def.ncols; k++)
	{
		int			r = t->colsrc[k];
		const pgoutput_value *a;
		const pgoutput_value *b;

		if (t->def.cols[k].key_pos == 0 || r < 0 || r >= old->ncols || r >= new->ncols)
			continue;
		a = &old->values[r];
		b = &new->values[r];
		if (a->kind != b->kind || a->len != b->len ||
			(a->len > 0 && memcmp(a->data, b->data, a->len) != 0))
			return true;
	}
	return false;
}

/*
 * An update's unchanged TOAST values ('u') taken from its old row where the
 * stream has them there: REPLICA IDENTITY FULL sends the whole old row with
 * its TOAST values inline, an index identity its key columns.  The new row
 * is then complete for those columns, also when the update moved it to
 * another key.
 */
void
sync_unchanged_from_old(pgoutput_tuple *new, const pgoutput_tuple *old)
{
	for (int r = 0; r < new->ncols && r < old->ncols; r++)
		if (new->values[r].kind == PGOUTPUT_VALUE_UNCHANGED && old->values[r].kind == PGOUTPUT_VALUE_TEXT)
			new->values[r] = old->values[r];
}
