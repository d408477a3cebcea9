/*
 * alter.c
 *    Schema changes at the warehouse for every dialect: metadata columns
 *    added, columns added, renamed, reset and widened (rebuilt where ALTER
 *    cannot), and tables dropped.
 */
#include "sink.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sink_shared.h"

void
sink_add_meta_columns(const sink_dialect *d, strlist *script, const table_def *t,
					  const bool *missing)
{
	const char *names[3];
	const char *types[3] = {d->tstz_type, "BIGINT", "VARCHAR(1)"};

	if (missing == NULL && !d->add_if_not_exists)
		return;
	sink_meta_names(t, names);
	for (int i = 0; i < 3; i++)
		if (names[i] != NULL && (missing == NULL || missing[i]))
		{
			buf			sql = BUF_INIT;

			buf_puts(&sql, "ALTER TABLE ");
			sink_qualified(d, &sql, t->target_schema, t->target_name);
			buf_printf(&sql, " ADD COLUMN %s", d->add_if_not_exists ? "IF NOT EXISTS " : "");
			sink_quote_ident(d, &sql, names[i]);
			buf_printf(&sql, " %s", types[i]);
			strlist_push(script, buf_detach(&sql));
		}
}

/*
 * Schema changes.
 *
 * A value for the existing rows of an added column comes as its staged
 * text (for Postgres, and for every column but those staged as JSON, the
 * value's Postgres text) and is converted as a staged value would be: a
 * cast to its staged type, then the dialect's conversion.  Added columns
 * take no NOT NULL: the rows before them may not have it.
 */
static bool
literal_value(const sink_dialect *d, buf *out, const table_def *t, const table_column *c,
			  const char *text)
{
	buf			lit = BUF_INIT;
	buf			type = BUF_INIT;
	buf			cast = BUF_INIT;
	bool		staged;
	bool		ok = true;

	sink_quote_literal(d, &lit, text);
	if (d->literal_value != NULL && d->literal_value(out, c, lit.data))
		goto done;
	staged = d->staged_type != NULL && d->staged_type(c, &type);
	if (!staged && !sink_column_type(d, t, c, &type))
	{
		ok = false;
		goto done;
	}
	buf_printf(&cast, "CAST(%s AS %s)", lit.data, type.data);
	if (staged && d->staged_value != NULL)
		d->staged_value(out, c, cast.data);
	else
		buf_puts(out, cast.data);
done:
	buf_free(&lit);
	buf_free(&type);
	buf_free(&cast);
	return ok;
}

/*
 * ADD COLUMN (schema work, run before the batch's transaction), then, in
 * the transaction at the point of the change, the value the existing rows
 * get: rows the batch applies before that point, older than the column
 * too, get it as well.
 */
void
sink_add_column(const sink_dialect *d, strlist *ddl, strlist *dml, const table_def *t,
				const table_column *c, const char *default_value)
{
	buf			target = BUF_INIT;
	buf			col = BUF_INIT;
	buf			value = BUF_INIT;
	buf			sql = BUF_INIT;

	sink_qualified(d, &target, t->target_schema, t->target_name);
	sink_quote_ident(d, &col, c->name);
	buf_printf(&sql, "ALTER TABLE %s ADD COLUMN %s%s ", target.data,
			   d->add_if_not_exists ? "IF NOT EXISTS " : "", col.data);
	/* a type the dialect cannot hold was reported: nothing to add */
	if (!sink_column_type(d, t, c, &sql) ||
		(default_value != NULL && !literal_value(d, &value, t, c, default_value)))
	{
		buf_free(&sql);
		goto done;
	}
	strlist_push(ddl, buf_detach(&sql));
	/* rows already holding a value were not added now: leave them */
	if (default_value != NULL)
	{
		buf_printf(&sql, "UPDATE %s SET %s = %s\nWHERE %s IS NULL",
				   target.data, col.data, value.data, col.data);
		strlist_push(dml, buf_detach(&sql));
	}
done:
	buf_free(&target);
	buf_free(&col);
	buf_free(&value);
}

void
sink_rename_column(const sink_dialect *d, strlist *script, const table_def *t,
				   const char *from, const table_column *c)
{
	buf			sql = BUF_INIT;

	if (sink_same_name(d, from, c->name))
		return;					/* one name in the warehouse (its fold) */
	buf_puts(&sql, "ALTER TABLE ");
	sink_qualified(d, &sql, t->target_schema, t->target_name);
	buf_puts(&sql, " RENAME COLUMN ");
	sink_quote_ident(d, &sql, from);
	buf_puts(&sql, " TO ");
	sink_quote_ident(d, &sql, c->name);
	strlist_push(script, buf_detach(&sql));
}

bool
sink_reset_column(const sink_dialect *d, strlist *ddl, strlist *dml, const table_def *t,
				  const table_column *c, const char *value)
{
	buf			sql = BUF_INIT;
	int			before;

	/* of another type, perhaps: the kept column goes, the new one comes */
	buf_puts(&sql, "ALTER TABLE ");
	sink_qualified(d, &sql, t->target_schema, t->target_name);
	buf_puts(&sql, " DROP COLUMN ");
	sink_quote_ident(d, &sql, c->name);
	strlist_push(ddl, buf_detach(&sql));
	before = ddl->n;
	sink_add_column(d, ddl, dml, t, c, value);
	return ddl->n > before;		/* nothing added: reported */
}

/*
 * ALTER TABLE target ALTER COLUMN c <widen_verb> <type> [USING c::<type>],
 * type being the dialect's type for c, where the dialect can and must.
 */
/* ALTER TABLE <t> <rest>: one statement into ddl. */
static void
alter_table(const sink_dialect *d, strlist *ddl, const table_def *t, const char *rest)
{
	buf			sql = BUF_INIT;

	buf_puts(&sql, "ALTER TABLE ");
	sink_qualified(d, &sql, t->target_schema, t->target_name);
	buf_printf(&sql, " %s", rest);
	strlist_push(ddl, buf_detach(&sql));
}

/*
 * A rebuild from the step that fills the new column on (has_column), else
 * its last step: UPDATE t SET <c>__wharf_rebuild = <c>; ALTER TABLE t DROP
 * COLUMN <c>; ALTER TABLE t RENAME COLUMN <c>__wharf_rebuild TO <c>.  Each
 * runs on its own as schema work; a kill between two leaves a target whose
 * columns say which step comes next (sync finds the rebuild column at
 * start and calls this again).
 */
void
sink_widen_resume(const sink_dialect *d, strlist *ddl, const table_def *t,
				  const char *name, bool has_column)
{
	char	   *rebuild = xasprintf("%s%s", name, SINK_REBUILD_SUFFIX);
	buf			col = BUF_INIT;
	buf			tmp = BUF_INIT;
	buf			sql = BUF_INIT;

	sink_quote_ident(d, &col, name);
	sink_quote_ident(d, &tmp, rebuild);
	if (has_column)
	{
		buf_puts(&sql, "UPDATE ");
		sink_qualified(d, &sql, t->target_schema, t->target_name);
		buf_printf(&sql, " SET %s = %s", tmp.data, col.data);
		strlist_push(ddl, buf_detach(&sql));
		buf_printf(&sql, "DROP COLUMN %s", col.data);
		alter_table(d, ddl, t, sql.data);
		buf_reset(&sql);
	}
	buf_printf(&sql, "RENAME COLUMN %s TO %s", tmp.data, col.data);
	alter_table(d, ddl, t, sql.data);
	buf_free(&sql);
	buf_free(&col);
	buf_free(&tmp);
	free(rebuild);
}

bool
sink_widen_column(const sink_dialect *d, strlist *ddl, const table_def *t,
				  const table_column *was, const table_column *c)
{
	buf			type = BUF_INIT;
	buf			sql = BUF_INIT;
	sink_widen	how;

	if (!sink_column_type(d, t, c, &type))
	{
		buf_free(&type);
		return false;
	}
	how = d->widen_check != NULL ? d->widen_check(t, was, c, type.data) : SINK_WIDEN_ALTER;
	if (how == SINK_WIDEN_ALTER)
	{
		buf_puts(&sql, "ALTER COLUMN ");
		sink_quote_ident(d, &sql, c->name);
		buf_printf(&sql, " %s %s", d->widen_verb, type.data);
		if (d->widen_using)
		{
			buf_puts(&sql, " USING ");
			sink_quote_ident(d, &sql, c->name);
			buf_printf(&sql, "::%s", type.data);
		}
		alter_table(d, ddl, t, sql.data);
	}
	else if (how == SINK_WIDEN_REBUILD)
	{
		char	   *rebuild = xasprintf("%s%s", c->name, SINK_REBUILD_SUFFIX);

		/* the new column holds no NOT NULL: a warehouse adds one only with a default */
		buf_printf(&sql, "ADD COLUMN %s", d->add_if_not_exists ? "IF NOT EXISTS " : "");
		sink_quote_ident(d, &sql, rebuild);
		buf_printf(&sql, " %s", type.data);
		alter_table(d, ddl, t, sql.data);
		sink_widen_resume(d, ddl, t, c->name, true);
		free(rebuild);
	}
	buf_free(&sql);
	buf_free(&type);
	return how != SINK_WIDEN_REFUSED;
}

void
sink_held_shape(const sink_dialect *d, const table_column *c, table_column *out)
{
	*out = *c;
	if (d->held_shape != NULL)
		d->held_shape(c, out);
}

void
sink_drop_table(const sink_dialect *d, strlist *script, const char *schema, const char *name)
{
	buf			sql = BUF_INIT;

	buf_puts(&sql, "DROP TABLE IF EXISTS ");
	sink_qualified(d, &sql, schema, name);
	strlist_push(script, buf_detach(&sql));
}
