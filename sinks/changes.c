/*
 * changes.c
 *    The statements that apply one change batch (LOAD_CHANGES) at the
 *    warehouse, for every dialect: the winners per key, unchanged TOAST
 *    values resolved, truncates, key changes and cancelled additions.
 */
#include "sink.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sink_shared.h"

/*
 * Change batches (LOAD_CHANGES).  The statements below apply one batch of
 * staged changes; the caller runs them in one transaction with the rest of
 * the load.  Their meaning, whatever order the rows were staged in:
 *
 *   1. A truncate ('T') empties the target (soft deletes: marks every live
 *      row deleted), and only the changes after the batch's last truncate,
 *      by (_wharf_lsn, _wharf_seq), count from then on.
 *   2. Per key, the last change by (_wharf_lsn, _wharf_seq) wins.
 *   3. A column the winner staged as an unchanged TOASTed value takes its
 *      value from the latest earlier insert or update of that key (after
 *      the truncate) that carried one; failing that the target's value
 *      stays (a new row gets NULL).  Deletes carry the key only and never
 *      provide values.  A key change ('K', LOAD_CHANGES_MOVED) carries
 *      every column: its unchanged ones are the old key's as they were
 *      just before it (see moved_changes).
 *   4. A winning delete deletes (soft: marks) the row; a winning insert or
 *      update replaces the row's columns (soft: unmarking it), or inserts
 *      it.  A delete of a key the target lacks does nothing.
 *
 * Step 3 needs window functions only.  For column c, seen_c counts the rows
 * of the key so far, in batch order, that carried c; the rows sharing a key
 * and a seen_c then begin with the one whose value of c they should use,
 * which FIRST_VALUE over (key, seen_c) reads back.  Redshift wants an
 * explicit frame on FIRST_VALUE and on any aggregate with an ORDER BY, so
 * every window here has one.
 *
 * The MERGE dialects (Postgres, Snowflake) apply the resolved winners with
 * one MERGE whose source is that query, needing no temporary object
 * (Snowflake would commit the transaction on creating one).  Redshift's
 * MERGE takes no conditions: it resolves the winners and the target's kept
 * values into a temporary table named after the staging table, so that the
 * batches of several tables can share one transaction, then deletes and
 * inserts, as its snapshot apply does.
 */

#define WINDOW_FRAME "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"

/* rel.k1, rel.k2, ... */
static void
key_list(const sink_dialect *d, buf *out, const table_column **keys, int nkeys,
		 const char *rel)
{
	for (int k = 0; k < nkeys; k++)
	{
		if (k > 0)
			buf_puts(out, ", ");
		sink_column_ref(d, out, rel, keys[k]->name);
	}
}

/* rel.lsn, rel.seq, ascending or descending: batch order. */
static void
change_order(const sink_dialect *d, buf *out, const char *rel, bool desc)
{
	sink_column_ref(d, out, rel, SINK_CHANGE_LSN);
	if (desc)
		buf_puts(out, " DESC");
	buf_puts(out, ", ");
	sink_column_ref(d, out, rel, SINK_CHANGE_SEQ);
	if (desc)
		buf_puts(out, " DESC");
}

/* An identifier wharf derives from a column's 1-based ordinal, such as "_wharf_seen_3". */
static void
ordinal_ident(const sink_dialect *d, buf *out, const char *prefix, int ordinal)
{
	char	   *name = xasprintf("%s%d", prefix, ordinal);

	sink_quote_ident(d, out, name);
	free(name);
}

static void
ordinal_ref(const sink_dialect *d, buf *out, const char *rel, const char *prefix, int ordinal)
{
	buf_printf(out, "%s.", rel);
	ordinal_ident(d, out, prefix, ordinal);
}

#define SEEN_PREFIX	"_wharf_seen_"
#define HAS_PREFIX	"_wharf_has_"
#define RANK_COL	"_wharf_rank"
#define TRUNC_LSN	"_wharf_truncate_lsn"
#define TRUNC_SEQ	"_wharf_truncate_seq"
#define OLD_PREFIX	"_wharf_old_"

/* target.k1 = rel.k1 AND ... (both already of the target's types) */
static void
key_equal(const sink_dialect *d, buf *out, const table_column **keys, int nkeys,
		  const char *target, const char *rel)
{
	for (int k = 0; k < nkeys; k++)
	{
		if (k > 0)
			buf_puts(out, " AND ");
		sink_column_ref(d, out, target, keys[k]->name);
		buf_puts(out, " = ");
		sink_column_ref(d, out, rel, keys[k]->name);
	}
}

/* rel.op = 'X' (or <> with negate) */
static void
op_is(const sink_dialect *d, buf *out, const char *rel, const char *op, bool negate)
{
	sink_column_ref(d, out, rel, SINK_CHANGE_OP);
	buf_printf(out, " %s '%s'", negate ? "<>" : "=", op);
}

/* EXISTS (SELECT 1 FROM staging AS x WHERE x.op = 'T') */
static void
batch_truncates(const sink_dialect *d, buf *out, const char *stg)
{
	buf_printf(out, "EXISTS (SELECT 1 FROM %s AS x WHERE ", stg);
	op_is(d, out, "x", "T", false);
	buf_putc(out, ')');
}

/*
 * seen_i of column i (ordinal) in rel's rows, counting those that carry it:
 *   COUNT(CASE WHEN [rel.op = 'K' OR] (rel.op IN ops AND <i not unchanged>) THEN 1 END)
 *     OVER (PARTITION BY <key> ORDER BY <batch order> <frame>) AS seen_i
 */
static void
seen_count(const sink_dialect *d, buf *out, const table_column **keys, int nkeys,
		   int ordinal, const char *ops, bool key_change_carries)
{
	buf_puts(out, "COUNT(CASE WHEN ");
	if (key_change_carries)
	{
		op_is(d, out, "s", "K", false);
		buf_puts(out, " OR (");
	}
	sink_column_ref(d, out, "s", SINK_CHANGE_OP);
	buf_printf(out, " IN %s AND (", ops);
	sink_column_ref(d, out, "s", SINK_CHANGE_UNCHANGED);
	buf_printf(out, " IS NULL OR POSITION(',%d,' IN ", ordinal);
	sink_column_ref(d, out, "s", SINK_CHANGE_UNCHANGED);
	buf_puts(out, ") = 0)");
	if (key_change_carries)
		buf_putc(out, ')');
	buf_puts(out, " THEN 1 END) OVER (PARTITION BY ");
	key_list(d, out, keys, nkeys, "s");
	buf_puts(out, " ORDER BY ");
	change_order(d, out, "s", false);
	buf_puts(out, " " WINDOW_FRAME ") AS ");
	ordinal_ident(d, out, SEEN_PREFIX, ordinal);
}

/*
 * FROM staging AS s, only its rows after the batch's last truncate (all
 * of them without one; without the subqueries when truncates says the
 * rows hold none), each line starting with ind:
 *   FROM staging AS s CROSS JOIN (<the last truncate's position, one row>) AS tp
 *   WHERE s.op <> 'T' AND <s after tp>
 */
static void
after_truncate(const sink_dialect *d, buf *out, const char *stg, const char *ind, bool truncates)
{
	if (!truncates)
	{
		/* no truncate among the rows: all of them */
		buf_printf(out, "\n%sFROM %s AS s", ind, stg);
		return;
	}
	buf_printf(out, "\n%sFROM %s AS s\n%sCROSS JOIN (SELECT MAX(x.", ind, stg, ind);
	sink_quote_ident(d, out, SINK_CHANGE_LSN);
	buf_puts(out, ") AS ");
	sink_quote_ident(d, out, TRUNC_LSN);
	buf_puts(out, ", MAX(x.");
	sink_quote_ident(d, out, SINK_CHANGE_SEQ);
	buf_puts(out, ") AS ");
	sink_quote_ident(d, out, TRUNC_SEQ);
	buf_printf(out, "\n%s\tFROM %s AS x\n%s\tWHERE ", ind, stg, ind);
	op_is(d, out, "x", "T", false);
	buf_puts(out, " AND ");
	sink_column_ref(d, out, "x", SINK_CHANGE_LSN);
	buf_puts(out, " = (SELECT MAX(y.");
	sink_quote_ident(d, out, SINK_CHANGE_LSN);
	buf_printf(out, ") FROM %s AS y WHERE ", stg);
	op_is(d, out, "y", "T", false);
	buf_printf(out, ")) AS tp\n%sWHERE ", ind);
	op_is(d, out, "s", "T", true);
	buf_printf(out, "\n%s  AND (", ind);
	sink_column_ref(d, out, "tp", TRUNC_LSN);
	buf_puts(out, " IS NULL OR ");
	sink_column_ref(d, out, "s", SINK_CHANGE_LSN);
	buf_puts(out, " > ");
	sink_column_ref(d, out, "tp", TRUNC_LSN);
	buf_printf(out, "\n%s       OR (", ind);
	sink_column_ref(d, out, "s", SINK_CHANGE_LSN);
	buf_puts(out, " = ");
	sink_column_ref(d, out, "tp", TRUNC_LSN);
	buf_puts(out, " AND ");
	sink_column_ref(d, out, "s", SINK_CHANGE_SEQ);
	buf_puts(out, " > ");
	sink_column_ref(d, out, "tp", TRUNC_SEQ);
	buf_puts(out, "))");
}

/*
 * The batch's rows after its last truncate, with seen_c for each non-key
 * column c (ordinal i):
 *   SELECT s.<columns>, s.lsn, s.seq, s.op,
 *     COUNT(CASE WHEN <row carries c> THEN 1 END) OVER (<key, batch order>) AS seen_i
 *   FROM staging AS s CROSS JOIN (<the last truncate's position, one row>) AS tp
 *   WHERE s.op <> 'T' AND <s after tp>
 * A row carries c when it is an insert or update whose unchanged list lacks i.
 */
static void
changes_after_truncate(const sink_dialect *d, buf *out, const table_def *t,
					   const table_column **keys, const char *stg, bool complete, bool truncates)
{
	buf_puts(out, "\t\tSELECT ");
	sink_column_list(d, out, t, "s.");
	for (int i = 0; i < 3; i++)
	{
		buf_puts(out, ", ");
		sink_column_ref(d, out, "s", sink_change_cols[i]);
	}
	for (int i = 0; i < t->ncols && !complete; i++)
	{
		if (t->cols[i].key_pos > 0)
			continue;
		buf_puts(out, ",\n\t\t\t");
		seen_count(d, out, keys, t->nkeys, i + 1, "('I', 'U')", false);
	}
	after_truncate(d, out, stg, "\t\t", truncates);
}

/*
 * Column number i of t as the key's rows in rel carried it last (step 3):
 *   CASE WHEN rel.seen_i > 0 THEN FIRST_VALUE(rel.c) OVER (PARTITION BY
 *   keys, rel.seen_i ORDER BY <batch order> <frame>)
 * left open for the caller's ELSE and END.
 */
static void
carried_value(const sink_dialect *d, buf *out, const table_def *t, const table_column **keys,
			  int i, const char *rel)
{
	buf_puts(out, "CASE WHEN ");
	ordinal_ref(d, out, rel, SEEN_PREFIX, i + 1);
	buf_puts(out, " > 0 THEN FIRST_VALUE(");
	sink_column_ref(d, out, rel, t->cols[i].name);
	buf_puts(out, ") OVER (PARTITION BY ");
	key_list(d, out, keys, t->nkeys, rel);
	buf_puts(out, ", ");
	ordinal_ref(d, out, rel, SEEN_PREFIX, i + 1);
	buf_puts(out, " ORDER BY ");
	change_order(d, out, rel, false);
	buf_puts(out, " " WINDOW_FRAME ")");
}

/*
 * With key changes ('K' rows): the rows after the last truncate, converted
 * to the target's types, each key change's unchanged columns holding the
 * old key's values as they were just before it, that is at the delete
 * staged right before the 'K' row: the batch's latest carrier of the old
 * key, else the target's row of the old key.  Over that, seen_i as in
 * changes_after_truncate, a key change carrying every column:
 *   SELECT s.<columns>, s.lsn, s.seq, s.op,
 *     COUNT(CASE WHEN s.op = 'K' OR <s carries c> THEN 1 END) OVER (<key, batch order>) AS seen_i
 *   FROM (
 *     SELECT m.<keys>, CASE WHEN m.op = 'K' AND <i unchanged> THEN LAG(m.old_i) OVER (<batch order>)
 *       ELSE m.c END AS c, m.lsn, m.seq, m.op, m.unchanged
 *     FROM (
 *       SELECT v.<columns>, v.lsn, v.seq, v.op, v.unchanged,
 *         CASE WHEN v.seen_i > 0 THEN FIRST_VALUE(v.c) OVER (<key, seen_i, batch order>)
 *           ELSE o.c END AS old_i
 *       FROM (SELECT <converted s.columns>, s.lsn, s.seq, s.op, s.unchanged, <seen_i>
 *             FROM <after the last truncate>) AS v
 *       LEFT JOIN target AS o ON v.op = 'D' AND <o's key is v's>
 *     ) AS m
 *   ) AS s
 * A chain of such key changes (a row moved twice) would need the first
 * one resolved before the second: the change stream starts a new segment
 * before one.
 */
static void
moved_changes(const sink_dialect *d, buf *out, const table_def *t,
			  const table_column **keys, const char *stg, const char *target, bool truncates)
{
	buf_puts(out, "\t\tSELECT ");
	sink_column_list(d, out, t, "s.");
	for (int i = 0; i < 3; i++)
	{
		buf_puts(out, ", ");
		sink_column_ref(d, out, "s", sink_change_cols[i]);
	}
	for (int i = 0; i < t->ncols; i++)
	{
		if (t->cols[i].key_pos > 0)
			continue;
		buf_puts(out, ",\n\t\t\t");
		seen_count(d, out, keys, t->nkeys, i + 1, "('I', 'U')", true);
	}
	/* m: the key changes' unchanged columns from the old key */
	buf_puts(out, "\n\t\tFROM (\n\t\t\tSELECT ");
	for (int i = 0; i < t->ncols; i++)
	{
		const table_column *c = &t->cols[i];

		if (i > 0)
			buf_puts(out, ",\n\t\t\t\t");
		if (c->key_pos > 0)
		{
			sink_column_ref(d, out, "m", c->name);
			continue;
		}
		buf_puts(out, "CASE WHEN ");
		op_is(d, out, "m", "K", false);
		buf_printf(out, " AND POSITION(',%d,' IN ", i + 1);
		sink_column_ref(d, out, "m", SINK_CHANGE_UNCHANGED);
		buf_puts(out, ") > 0 THEN LAG(");
		ordinal_ref(d, out, "m", OLD_PREFIX, i + 1);
		buf_puts(out, ") OVER (ORDER BY ");
		change_order(d, out, "m", false);
		buf_puts(out, ") ELSE ");
		sink_column_ref(d, out, "m", c->name);
		buf_puts(out, " END AS ");
		sink_quote_ident(d, out, c->name);
	}
	for (int i = 0; i < SINK_NCHANGE_COLS; i++)
	{
		buf_puts(out, ", ");
		sink_column_ref(d, out, "m", sink_change_cols[i]);
	}
	/* v's rows, each delete with its key's values just before it */
	buf_puts(out, "\n\t\t\tFROM (\n\t\t\t\tSELECT ");
	sink_column_list(d, out, t, "v.");
	for (int i = 0; i < SINK_NCHANGE_COLS; i++)
	{
		buf_puts(out, ", ");
		sink_column_ref(d, out, "v", sink_change_cols[i]);
	}
	for (int i = 0; i < t->ncols; i++)
	{
		const table_column *c = &t->cols[i];

		if (c->key_pos > 0)
			continue;
		buf_puts(out, ",\n\t\t\t\t\t");
		carried_value(d, out, t, keys, i, "v");
		buf_puts(out, " ELSE ");
		sink_column_ref(d, out, "o", c->name);
		buf_puts(out, " END AS ");
		ordinal_ident(d, out, OLD_PREFIX, i + 1);
	}
	/* v: the rows after the last truncate, converted, with their own seen_i */
	buf_puts(out, "\n\t\t\t\tFROM (\n\t\t\t\t\tSELECT ");
	for (int i = 0; i < t->ncols; i++)
	{
		if (i > 0)
			buf_puts(out, ", ");
		sink_staged_value(d, out, &t->cols[i], "s");
		buf_puts(out, " AS ");
		sink_quote_ident(d, out, t->cols[i].name);
	}
	for (int i = 0; i < SINK_NCHANGE_COLS; i++)
	{
		buf_puts(out, ", ");
		sink_column_ref(d, out, "s", sink_change_cols[i]);
	}
	for (int i = 0; i < t->ncols; i++)
	{
		if (t->cols[i].key_pos > 0)
			continue;
		buf_puts(out, ",\n\t\t\t\t\t\t");
		seen_count(d, out, keys, t->nkeys, i + 1, "('I', 'U', 'K')", false);
	}
	after_truncate(d, out, stg, "\t\t\t\t\t", truncates);
	buf_printf(out, "\n\t\t\t\t) AS v\n\t\t\t\tLEFT JOIN %s AS o ON ", target);
	op_is(d, out, "v", "D", false);
	buf_puts(out, " AND ");
	key_equal(d, out, keys, t->nkeys, "o", "v");
	buf_puts(out, "\n\t\t\t) AS m\n\t\t) AS s");
}

/* ", rel.lsn" when t has metadata columns: the winner's commit LSN goes along. */
static void
winner_lsn(const sink_dialect *d, buf *out, const table_def *t, const char *rel)
{
	if (!sink_has_meta(t))
		return;
	buf_puts(out, ", ");
	sink_column_ref(d, out, rel, SINK_CHANGE_LSN);
}

/*
 * The winning change of each key, its non-key columns resolved, with a flag
 * has_i telling whether column i has a value from the batch (else the
 * target's stays), staged values unconverted:
 *   SELECT b.<columns>, b.op, b.has_i... FROM (
 *     SELECT a.<keys>, a.op, ROW_NUMBER() OVER (<key, batch order desc>) AS rank,
 *       CASE WHEN a.seen_i > 0 THEN FIRST_VALUE(a.c) OVER (<key, seen_i, batch order>) END AS c,
 *       a.seen_i > 0 AS has_i ...
 *     FROM (<changes_after_truncate>) AS a
 *   ) AS b WHERE b.rank = 1
 */
static void
resolved_changes(const sink_dialect *d, buf *out, const table_def *t,
				 const table_column **keys, const char *stg, bool complete,
				 const char *moved_target, bool truncates)
{
	if (complete)
	{
		/* no unchanged values: the last change of each key is the row */
		buf_puts(out, "SELECT ");
		sink_column_list(d, out, t, "b.");
		buf_puts(out, ", ");
		sink_column_ref(d, out, "b", SINK_CHANGE_OP);
		winner_lsn(d, out, t, "b");
		buf_puts(out, "\nFROM (\n\tSELECT ");
		sink_column_list(d, out, t, "a.");
		buf_puts(out, ", ");
		sink_column_ref(d, out, "a", SINK_CHANGE_OP);
		winner_lsn(d, out, t, "a");
		buf_puts(out, ",\n\t\tROW_NUMBER() OVER (PARTITION BY ");
		key_list(d, out, keys, t->nkeys, "a");
		buf_puts(out, " ORDER BY ");
		change_order(d, out, "a", true);
		buf_puts(out, ") AS ");
		sink_quote_ident(d, out, RANK_COL);
		buf_puts(out, "\n\tFROM (\n");
		changes_after_truncate(d, out, t, keys, stg, true, truncates);
		buf_puts(out, "\n\t) AS a\n) AS b\nWHERE ");
		sink_column_ref(d, out, "b", RANK_COL);
		buf_puts(out, " = 1");
		return;
	}
	buf_puts(out, "SELECT ");
	sink_column_list(d, out, t, "b.");
	buf_puts(out, ", ");
	sink_column_ref(d, out, "b", SINK_CHANGE_OP);
	winner_lsn(d, out, t, "b");
	for (int i = 0; i < t->ncols; i++)
	{
		if (t->cols[i].key_pos > 0)
			continue;
		buf_puts(out, ", ");
		ordinal_ref(d, out, "b", HAS_PREFIX, i + 1);
	}
	buf_puts(out, "\nFROM (\n\tSELECT ");
	key_list(d, out, keys, t->nkeys, "a");
	buf_puts(out, ", ");
	sink_column_ref(d, out, "a", SINK_CHANGE_OP);
	winner_lsn(d, out, t, "a");
	buf_puts(out, ",\n\t\tROW_NUMBER() OVER (PARTITION BY ");
	key_list(d, out, keys, t->nkeys, "a");
	buf_puts(out, " ORDER BY ");
	change_order(d, out, "a", true);
	buf_puts(out, ") AS ");
	sink_quote_ident(d, out, RANK_COL);
	for (int i = 0; i < t->ncols; i++)
	{
		const table_column *c = &t->cols[i];

		if (c->key_pos > 0)
			continue;
		buf_puts(out, ",\n\t\t");
		carried_value(d, out, t, keys, i, "a");
		buf_puts(out, " END AS ");
		sink_quote_ident(d, out, c->name);
		buf_puts(out, ",\n\t\t");
		ordinal_ref(d, out, "a", SEEN_PREFIX, i + 1);
		buf_puts(out, " > 0 AS ");
		ordinal_ident(d, out, HAS_PREFIX, i + 1);
	}
	buf_puts(out, "\n\tFROM (\n");
	if (moved_target != NULL)
		moved_changes(d, out, t, keys, stg, moved_target, truncates);
	else
		changes_after_truncate(d, out, t, keys, stg, false, truncates);
	buf_puts(out, "\n\t) AS a\n) AS b\nWHERE ");
	sink_column_ref(d, out, "b", RANK_COL);
	buf_puts(out, " = 1");
}

/*
 * CASE WHEN rel.has_i THEN <converted rel.c> ELSE kept END; rel's values are
 * converted already with key changes (see moved_changes).
 */
static void
resolved_value(const sink_dialect *d, buf *out, const table_column *c, int ordinal,
			   const char *rel, const char *kept_rel, bool complete, bool converted)
{
	if (complete)
	{
		sink_value_of(d, out, c, rel, converted);
		return;
	}
	buf_puts(out, "CASE WHEN ");
	ordinal_ref(d, out, rel, HAS_PREFIX, ordinal);
	buf_puts(out, " THEN ");
	sink_value_of(d, out, c, rel, converted);
	buf_puts(out, " ELSE ");
	sink_column_ref(d, out, kept_rel, c->name);
	buf_puts(out, " END");
}

/* SET deleted = TRUE, deleted_at = now (without SET) */
static void
mark_deleted(const sink_dialect *d, buf *out, bool deleted)
{
	sink_quote_ident(d, out, SINK_DELETED_COL);
	buf_puts(out, deleted ? " = TRUE, " : " = FALSE, ");
	sink_quote_ident(d, out, SINK_DELETED_AT_COL);
	buf_printf(out, " = %s", deleted ? d->now : "NULL");
}

static void
merge_changes(const sink_dialect *d, strlist *script, const table_def *t,
			  const table_column **keys, const char *target, const char *stg,
			  bool complete, bool moved, bool truncates)
{
	bool		soft = t->deletes == DELETES_SOFT;
	bool		first = true;
	buf			sql = BUF_INIT;

	buf_printf(&sql, "MERGE INTO %s AS t\nUSING (\n", target);
	resolved_changes(d, &sql, t, keys, stg, complete, moved ? target : NULL, truncates);
	buf_puts(&sql, "\n) AS s\nON ");
	sink_key_match_of(d, &sql, keys, t->nkeys, "t", "s", moved);
	buf_puts(&sql, "\nWHEN MATCHED AND ");
	op_is(d, &sql, "s", "D", false);
	if (soft)
	{
		buf_puts(&sql, " THEN UPDATE SET ");
		mark_deleted(d, &sql, true);
	}
	else
		buf_puts(&sql, " THEN DELETE");
	for (int i = 0; i < t->ncols; i++)
	{
		const table_column *c = &t->cols[i];

		if (c->key_pos > 0)
			continue;
		buf_puts(&sql, first ? "\nWHEN MATCHED THEN UPDATE SET " : ", ");
		first = false;
		sink_quote_ident(d, &sql, c->name);
		buf_puts(&sql, " = ");
		resolved_value(d, &sql, c, i + 1, "s", "t", complete, moved);
	}
	if (soft)
	{
		buf_puts(&sql, first ? "\nWHEN MATCHED THEN UPDATE SET " : ", ");
		mark_deleted(d, &sql, false);
		first = false;
	}
	sink_meta_change_values(d, &sql, t, "s", true, first ? "\nWHEN MATCHED THEN UPDATE SET " : NULL);
	buf_puts(&sql, "\nWHEN NOT MATCHED AND ");
	op_is(d, &sql, "s", "D", true);
	buf_puts(&sql, " THEN INSERT (");
	sink_column_list(d, &sql, t, NULL);
	sink_meta_column_list(d, &sql, t);
	buf_puts(&sql, ")\nVALUES (");
	sink_values_of(d, &sql, t, "s", moved);
	sink_meta_change_values(d, &sql, t, "s", false, NULL);
	buf_putc(&sql, ')');
	strlist_push(script, buf_detach(&sql));
}

/* Without conditional MERGE: a temporary table of final rows, then DELETE and INSERT. */
static void
delete_insert_changes(const sink_dialect *d, strlist *script, const table_def *t,
					  const table_column **keys, const char *target, const char *staging,
					  const char *stg, bool complete, bool moved, bool truncates)
{
	char	   *final_name = xasprintf("%s_final", staging);
	buf			fin = BUF_INIT;
	buf			sql = BUF_INIT;

	sink_quote_ident(d, &fin, final_name);

	/* the final rows, converted, with the target's values where the batch has none */
	buf_printf(&sql, "CREATE %s TABLE %s AS\nSELECT ", d->temp_create, fin.data);
	for (int i = 0; i < t->ncols; i++)
	{
		const table_column *c = &t->cols[i];

		if (i > 0)
			buf_puts(&sql, ",\n\t");
		if (c->key_pos > 0)
			sink_value_of(d, &sql, c, "r", moved);
		else
			resolved_value(d, &sql, c, i + 1, "r", "t", complete, moved);
		buf_puts(&sql, " AS ");
		sink_quote_ident(d, &sql, c->name);
	}
	buf_puts(&sql, ",\n\t");
	sink_column_ref(d, &sql, "r", SINK_CHANGE_OP);
	winner_lsn(d, &sql, t, "r");
	buf_puts(&sql, "\nFROM (\n");
	resolved_changes(d, &sql, t, keys, stg, complete, moved ? target : NULL, truncates);
	buf_printf(&sql, "\n) AS r\nLEFT JOIN %s AS t ON ", target);
	sink_key_match_of(d, &sql, keys, t->nkeys, "t", "r", moved);
	strlist_push(script, buf_detach(&sql));

	if (t->deletes == DELETES_SOFT)
	{
		buf_printf(&sql, "UPDATE %s SET ", target);
		mark_deleted(d, &sql, true);
		buf_printf(&sql, "\nFROM %s\nWHERE ", fin.data);
		key_equal(d, &sql, keys, t->nkeys, target, fin.data);
		buf_puts(&sql, " AND ");
		op_is(d, &sql, fin.data, "D", false);
		strlist_push(script, buf_detach(&sql));
	}
	/* every row the batch replaces or (hard) deletes */
	buf_printf(&sql, "DELETE FROM %s\nUSING %s\nWHERE ", target, fin.data);
	key_equal(d, &sql, keys, t->nkeys, target, fin.data);
	if (t->deletes == DELETES_SOFT)
	{
		buf_puts(&sql, " AND ");
		op_is(d, &sql, fin.data, "D", true);
	}
	strlist_push(script, buf_detach(&sql));

	buf_printf(&sql, "INSERT INTO %s (", target);
	sink_column_list(d, &sql, t, NULL);
	sink_meta_column_list(d, &sql, t);
	buf_puts(&sql, ")\nSELECT ");
	for (int i = 0; i < t->ncols; i++)
	{
		if (i > 0)
			buf_puts(&sql, ", ");
		sink_column_ref(d, &sql, fin.data, t->cols[i].name);
	}
	sink_meta_change_values(d, &sql, t, fin.data, false, NULL);
	buf_printf(&sql, "\nFROM %s\nWHERE ", fin.data);
	op_is(d, &sql, fin.data, "D", true);
	strlist_push(script, buf_detach(&sql));

	buf_printf(&sql, "DROP TABLE %s", fin.data);
	strlist_push(script, buf_detach(&sql));

	free(final_name);
	buf_free(&fin);
}

/*
 * What a change apply reads its staged rows from: the segment's staging
 * table, or its rows of a bundle, under the segment's own column names:
 *   (SELECT <change columns>, b.<first> AS c1, ... FROM bundle AS b
 *    WHERE b._wharf_segment = <segment>)
 */
static void
changes_ref(const sink_dialect *d, buf *out, const table_def *t, const sink_changes *ch)
{
	if (ch->bundle == NULL)
	{
		sink_staging_ref(d, out, t, ch->staging);
		return;
	}
	buf_puts(out, "(SELECT ");
	for (int i = 0; i < SINK_NCHANGE_COLS; i++)
	{
		if (i > 0)
			buf_puts(out, ", ");
		sink_column_ref(d, out, "b", sink_change_cols[i]);
	}
	for (int i = 0; i < t->ncols; i++)
	{
		buf_puts(out, ", ");
		sink_column_ref(d, out, "b", ch->bundle->cols[ch->first + i].name);
		buf_puts(out, " AS ");
		sink_quote_ident(d, out, t->cols[i].name);
	}
	buf_puts(out, " FROM ");
	sink_staging_ref(d, out, ch->bundle, ch->staging);
	buf_puts(out, " AS b WHERE ");
	sink_column_ref(d, out, "b", SINK_BUNDLE_SEGMENT);
	buf_printf(out, " = %d)", ch->segment);
}

static void
apply_changes(const sink_dialect *d, strlist *script, const table_def *t, const sink_changes *ch)
{
	bool		complete = ch->kind == LOAD_CHANGES_COMPLETE;
	bool		moved = ch->kind == LOAD_CHANGES_MOVED;
	buf			target = BUF_INIT;
	buf			stg = BUF_INIT;
	buf			sql = BUF_INIT;
	const table_column **keys;

	sink_qualified(d, &target, t->target_schema, t->target_name);
	changes_ref(d, &stg, t, ch);

	if (t->mode == MODE_APPEND)
	{
		/* insert-only history: the inserts, in batch order */
		buf_printf(&sql, "INSERT INTO %s (", target.data);
		sink_column_list(d, &sql, t, NULL);
		sink_meta_column_list(d, &sql, t);
		buf_puts(&sql, ")\nSELECT ");
		sink_staged_values(d, &sql, t, "s");
		sink_meta_change_values(d, &sql, t, "s", false, NULL);
		buf_printf(&sql, "\nFROM %s AS s\nWHERE ", stg.data);
		op_is(d, &sql, "s", "I", false);
		buf_puts(&sql, "\nORDER BY ");
		change_order(d, &sql, "s", false);
		strlist_push(script, buf_detach(&sql));
		goto done;
	}
	/* without a key, changes could only be applied wrongly */
	if (t->nkeys <= 0)
		WHARF_BUG("table %s.%s: a merge table without a key", t->schema, t->name);
	keys = sink_key_columns(t);

	/* a truncate in the batch: the target is emptied (marked) before the rest */
	if (ch->truncates)
	{
		if (t->deletes == DELETES_SOFT)
		{
			buf_printf(&sql, "UPDATE %s SET ", target.data);
			mark_deleted(d, &sql, true);
			buf_puts(&sql, "\nWHERE ");
			sink_column_ref(d, &sql, target.data, SINK_DELETED_COL);
			buf_puts(&sql, " = FALSE\n  AND ");
		}
		else
			buf_printf(&sql, "DELETE FROM %s\nWHERE ", target.data);
		batch_truncates(d, &sql, stg.data);
		strlist_push(script, buf_detach(&sql));
	}

	if (d->merge)
		merge_changes(d, script, t, keys, target.data, stg.data, complete, moved, ch->truncates);
	else
		delete_insert_changes(d, script, t, keys, target.data, ch->staging, stg.data,
							  complete, moved, ch->truncates);
	free(keys);

done:
	buf_free(&target);
	buf_free(&stg);
}

void
sink_apply(const sink_dialect *d, strlist *script, const table_def *t,
		   const char *staging, load_kind kind)
{
	if (kind != LOAD_SNAPSHOT)
	{
		sink_changes ch = {.staging = staging, .kind = kind, .truncates = true};

		apply_changes(d, script, t, &ch);
	}
	else
		sink_apply_snapshot(d, script, t, staging, NULL);
}


void
sink_apply_changes(const sink_dialect *d, strlist *script, const table_def *t,
				   const sink_changes *ch)
{
	apply_changes(d, script, t, ch);
}

/*
 * DELETE FROM staging WHERE op = 'C' OR seq IN (SELECT CAST(unchanged AS
 * BIGINT) FROM staging WHERE op = 'C'): a _wharf_seq is unique in a batch.
 */
void
sink_drop_cancelled(const sink_dialect *d, strlist *script, const table_def *t,
					const char *staging)
{
	buf			stg = BUF_INIT;
	buf			sql = BUF_INIT;

	sink_staging_ref(d, &stg, t, staging);
	buf_printf(&sql, "DELETE FROM %s\nWHERE ", stg.data);
	sink_quote_ident(d, &sql, SINK_CHANGE_OP);
	buf_puts(&sql, " = 'C' OR ");
	sink_quote_ident(d, &sql, SINK_CHANGE_SEQ);
	buf_puts(&sql, " IN (SELECT CAST(c.");
	sink_quote_ident(d, &sql, SINK_CHANGE_UNCHANGED);
	buf_printf(&sql, " AS BIGINT) FROM %s AS c WHERE ", stg.data);
	op_is(d, &sql, "c", "C", false);
	buf_putc(&sql, ')');
	strlist_push(script, buf_detach(&sql));
	buf_free(&stg);
}

void
sink_clear_columns(const sink_dialect *d, strlist *script, const table_def *t,
				   const char *staging, const char *const *columns, int ncolumns)
{
	sink_changes ch = {.staging = staging, .kind = LOAD_CHANGES, .truncates = true};

	sink_clear_changed(d, script, t, &ch, columns, ncolumns);
}

void
sink_clear_changed(const sink_dialect *d, strlist *script, const table_def *t,
				   const sink_changes *ch, const char *const *columns, int ncolumns)
{
	const table_column **keys;
	buf			target = BUF_INIT;
	buf			sql = BUF_INIT;

	if (ncolumns == 0 || t->mode == MODE_APPEND || t->nkeys <= 0)
		return;
	keys = sink_key_columns(t);
	sink_qualified(d, &target, t->target_schema, t->target_name);
	buf_printf(&sql, "UPDATE %s SET ", target.data);
	for (int i = 0; i < ncolumns; i++)
	{
		if (i > 0)
			buf_puts(&sql, ", ");
		sink_quote_ident(d, &sql, columns[i]);
		buf_puts(&sql, " = NULL");
	}
	buf_puts(&sql, "\nWHERE EXISTS (SELECT 1 FROM ");
	changes_ref(d, &sql, t, ch);
	buf_puts(&sql, " AS s WHERE ");
	sink_key_match(d, &sql, keys, t->nkeys, target.data, "s");
	buf_puts(&sql, " AND ");
	op_is(d, &sql, "s", "D", true);
	buf_putc(&sql, ')');
	strlist_push(script, buf_detach(&sql));
	free(keys);
	buf_free(&target);
}
