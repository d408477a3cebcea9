/*
 * catalog.c
 *    Describes the job's source tables from the Postgres catalog: columns,
 *    what kind of value each holds, the key, and where the table lands.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "source.h"

/* What we need to know of one pg_type row. */
typedef struct source_type
{
	uint32_t	oid;
	char		typtype;
	uint32_t	basetype;
	int			typtypmod;
	uint32_t	elem;
	char		category;
	bool		in_pg_catalog;
} source_type;

static bool
catalog_type(PGconn *conn, uint32_t oid, source_type *out)
{
	char		oidtext[16];
	const char *params[1] = {oidtext};
	PGresult   *res;
	bool		ok;

	snprintf(oidtext, sizeof(oidtext), "%u", oid);
	res = source_query(conn,
					   "SELECT t.typtype, t.typbasetype, t.typtypmod, t.typelem, t.typcategory, "
					   "       n.nspname = 'pg_catalog' "
					   "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
					   "WHERE t.oid = $1::oid",
					   1, params, "read type %u", oid);
	ok = res != NULL && PQntuples(res) == 1;
	if (res != NULL && !ok)
		log_error("source: type %u does not exist (dropped while read?)", oid);
	else if (ok)
	{
		out->oid = oid;
		out->typtype = PQgetvalue(res, 0, 0)[0];
		out->basetype = (uint32_t) strtoul(PQgetvalue(res, 0, 1), NULL, 10);
		out->typtypmod = atoi(PQgetvalue(res, 0, 2));
		out->elem = (uint32_t) strtoul(PQgetvalue(res, 0, 3), NULL, 10);
		out->category = PQgetvalue(res, 0, 4)[0];
		out->in_pg_catalog = PQgetvalue(res, 0, 5)[0] == 't';
	}
	PQclear(res);
	return ok;
}

/* Follows domains down to their base type (and its typmod). */
static bool
catalog_resolve_domain(PGconn *conn, source_type *ty, int *typmod)
{
	for (int depth = 0; ty->typtype == 'd'; depth++)
	{
		if (depth > 16)
		{
			log_error("source: domain nesting too deep for type %u", ty->oid);
			return false;
		}
		if (ty->typtypmod >= 0)
			*typmod = ty->typtypmod;
		if (!catalog_type(conn, ty->basetype, ty))
			return false;			/* errors have already been logged */
	}
	return true;
}

static col_kind
catalog_kind(const source_type *ty)
{
	if (ty->typtype == 'e')
		return COL_ENUM;
	if (ty->in_pg_catalog && (ty->typtype == 'r' || ty->typtype == 'm'))
		return COL_RANGE;
	switch (ty->oid)
	{
		case 16: return COL_BOOL;
		case 21: return COL_INT2;
		case 23: return COL_INT4;
		case 20: return COL_INT8;
		case 1700: return COL_NUMERIC;
		case 700: return COL_FLOAT4;
		case 701: return COL_FLOAT8;
		case 790: return COL_MONEY;
		case 25: case 19: case 18: return COL_TEXT;
		case 1043: return COL_VARCHAR;
		case 1042: return COL_CHAR;
		case 1082: return COL_DATE;
		case 1083: return COL_TIME;
		case 1266: return COL_TIMETZ;
		case 1114: return COL_TIMESTAMP;
		case 1184: return COL_TIMESTAMPTZ;
		case 1186: return COL_INTERVAL;
		case 17: return COL_BYTEA;
		case 2950: return COL_UUID;
		case 114: return COL_JSON;
		case 3802: return COL_JSONB;
		case 142: return COL_XML;
		case 869: return COL_INET;
		case 650: return COL_CIDR;
		case 829: return COL_MACADDR;
		case 774: return COL_MACADDR8;
		case 1560: return COL_BIT;
		case 1562: return COL_VARBIT;
		default: return COL_OTHER;
	}
}

/*
 * Fills the type facts of c from the column's type oid and typmod; ty and
 * formatted, when not NULL, are the type's pg_type row and format_type()
 * as a query read them with the column (saving two queries a column).
 */
static bool
catalog_column_type(PGconn *conn, uint32_t typoid, int typmod, const source_type *known,
					const char *formatted, table_column *c)
{
	source_type ty;

	c->type_oid = typoid;
	c->precision = c->scale = c->length = c->time_precision = -1;
	if (known != NULL)
		ty = *known;
	else if (!catalog_type(conn, typoid, &ty))
		return false;			/* errors have already been logged */
	/* a domain or an array: its base or element type is read, and formatted, here */
	if (ty.typtype == 'd' || (ty.category == 'A' && ty.elem != 0))
		formatted = NULL;
	if (!catalog_resolve_domain(conn, &ty, &typmod))
		return false;			/* errors have already been logged */
	if (ty.category == 'A' && ty.elem != 0)
	{
		c->is_array = true;
		if (!catalog_type(conn, ty.elem, &ty) || !catalog_resolve_domain(conn, &ty, &typmod))
			return false;
	}
	c->kind = catalog_kind(&ty);
	switch (c->kind)
	{
		case COL_NUMERIC:
			if (typmod >= 4)
			{
				c->precision = ((typmod - 4) >> 16) & 0xffff;
				/* PostgreSQL 15 allows negative scales: 11 bits, signed */
				c->scale = (((typmod - 4) & 0x7ff) ^ 1024) - 1024;
			}
			break;
		case COL_VARCHAR:
		case COL_CHAR:
			if (typmod >= 4)
				c->length = typmod - 4;
			break;
		case COL_BIT:
		case COL_VARBIT:
			c->length = typmod;
			break;
		case COL_TIME:
		case COL_TIMETZ:
		case COL_TIMESTAMP:
		case COL_TIMESTAMPTZ:
			c->time_precision = typmod;
			break;
		default:
			break;
	}
	if (ty.in_pg_catalog && (ty.typtype == 'b' || ty.typtype == 'r' || ty.typtype == 'm') &&
		formatted != NULL)
		c->pg_type = xstrdup(formatted);
	else if (ty.in_pg_catalog && (ty.typtype == 'b' || ty.typtype == 'r' || ty.typtype == 'm'))
	{
		char		oidtext[16];
		char		modtext[16];
		const char *params[2] = {oidtext, modtext};
		PGresult   *res;

		snprintf(oidtext, sizeof(oidtext), "%u", ty.oid);
		snprintf(modtext, sizeof(modtext), "%d", typmod);
		res = source_query(conn, "SELECT pg_catalog.format_type($1::oid, $2::int)", 2, params,
						   "format type %u", ty.oid);
		if (res == NULL)
			return false;		/* errors have already been logged */
		c->pg_type = xasprintf("%s%s", PQgetvalue(res, 0, 0), c->is_array ? "[]" : "");
		PQclear(res);
	}
	return true;
}

bool
source_column_type(PGconn *conn, uint32_t typoid, int typmod, table_column *c)
{
	return catalog_column_type(conn, typoid, typmod, NULL, NULL, c);
}

static int
catalog_find_column(const table_def *t, const char *name)
{
	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return i;
	return -1;
}

static bool
catalog_excluded(const job_table *jt, const char *name)
{
	for (int e = 0; e < jt->nexclude_columns; e++)
		if (strcmp(jt->exclude_columns[e], name) == 0)
			return true;
	return false;
}

static bool
catalog_is_generated(const strlist *generated, const char *name)
{
	for (int i = 0; i < generated->n; i++)
		if (strcmp(generated->items[i], name) == 0)
			return true;
	return false;
}

/*
 * Marks the key columns: the job's key list, else the primary key (pk: its
 * key columns in order, as the catalog read them).  A generated column
 * cannot be one: it is not in t (see catalog_describe).  pattern is the
 * pattern section that selected the table, or NULL.
 */
static bool
catalog_key(const job_table *jt, table_def *t, const strlist *generated, const strlist *pk,
			const char *display, const char *pattern)
{
	if (jt->mode == MODE_APPEND)
		return true;
	if (jt->nkey > 0)
	{
		for (int k = 0; k < jt->nkey; k++)
		{
			int			i = catalog_find_column(t, jt->key[k]);

			if (i < 0 && catalog_is_generated(generated, jt->key[k]))
			{
				log_error("source: table %s: key column \"%s\" is a generated column, which logical "
						  "replication does not publish: name other key columns with \"key = ...\" in "
						  "[table %s], or set \"mode = append\"", display, jt->key[k], display);
				return false;
			}
			if (i < 0)
			{
				log_error("source: table %s: key column \"%s\" does not exist", display, jt->key[k]);
				return false;
			}
			t->cols[i].key_pos = k + 1;
		}
		t->nkeys = jt->nkey;
	}
	else
	{
		for (int k = 0; k < pk->n; k++)
		{
			const char *name = pk->items[k];
			int			i = catalog_find_column(t, name);

			if (i < 0)
			{
				if (catalog_is_generated(generated, name))
					log_error("source: table %s: primary key column \"%s\" is a generated column, which "
							  "logical replication does not publish, so it cannot be the key: name other "
							  "key columns with \"key = ...\" in [table %s], or set \"mode = append\"",
							  display, name, display);
				else
					log_error("source: table %s: primary key column \"%s\" is not among its columns",
							  display, name);
				return false;
			}
			t->cols[i].key_pos = k + 1;
		}
		t->nkeys = pk->n;
	}
	if (t->nkeys == 0 && pattern != NULL)
	{
		log_error("source: table %s, which [table %s] selects, has no primary key: give it a "
				  "section of its own, [table %s], with its key columns (\"key = ...\") or "
				  "\"mode = append\"; or leave it out with \"exclude_tables = %s\" in [table %s]",
				  display, pattern, display, display, pattern);
		return false;
	}
	if (t->nkeys == 0)
	{
		log_error("source: table %s has no primary key: name its key columns with \"key = ...\" "
				  "in [table %s], or set \"mode = append\"", display, display);
		return false;
	}
	return true;
}

/* Appends v to out, a text[] literal being built ("{" first, "}" last). */
static void
catalog_array_add(buf *out, const char *v)
{
	if (out->len > 1)
		buf_putc(out, ',');
	buf_putc(out, '"');
	for (const char *p = v; *p; p++)
	{
		if (*p == '"' || *p == '\\')
			buf_putc(out, '\\');
		buf_putc(out, *p);
	}
	buf_putc(out, '"');
}

/*
 * What the catalog says of the job's tables, read in one query: a row per
 * column of each table (one row of NULL columns for a table that is not
 * there), in the job's order, then by attnum.
 */
struct source_catalog
{
	PGresult   *res;
	int		   *first;			/* per job table: its first row */
	int			ntables;
};

/* the columns of the catalog query's rows */
enum
{
	CAT_ORD, CAT_RELID, CAT_RELKIND, CAT_SELECT, CAT_ATTNAME, CAT_TYPID, CAT_TYPMOD,
	CAT_NOTNULL, CAT_GENERATED, CAT_ATTNUM, CAT_TYPTYPE, CAT_BASETYPE, CAT_TYPTYPMOD,
	CAT_ELEM, CAT_CATEGORY, CAT_IN_PG_CATALOG, CAT_FORMATTED, CAT_PK_ORD
};

bool
source_catalog_read(PGconn *conn, const job *j, source_catalog **out)
{
	buf			schemas = BUF_INIT;
	buf			names = BUF_INIT;
	const char *params[2];
	source_catalog *cat;
	int			row = 0;

	buf_putc(&schemas, '{');
	buf_putc(&names, '{');
	for (int i = 0; i < j->ntables; i++)
	{
		catalog_array_add(&schemas, j->tables[i].schema);
		catalog_array_add(&names, j->tables[i].name);
	}
	buf_putc(&schemas, '}');
	buf_putc(&names, '}');
	params[0] = schemas.data;
	params[1] = names.data;
	cat = xcalloc(1, sizeof(source_catalog));
	/*
	 * Only the first indnkeyatts entries of indkey are key columns; the
	 * rest are INCLUDE columns, carried in the index but neither unique
	 * nor part of the replica identity.
	 */
	cat->res = source_query(conn,
							"SELECT j.ord, c.oid, c.relkind, pg_catalog.has_table_privilege(c.oid, 'SELECT'), "
							"       a.attname, a.atttypid, a.atttypmod, a.attnotnull, a.attgenerated <> '', "
							"       a.attnum, t.typtype, t.typbasetype, t.typtypmod, t.typelem, t.typcategory, "
							"       tn.nspname = 'pg_catalog', pg_catalog.format_type(a.atttypid, a.atttypmod), "
							"       (SELECT k.ord FROM pg_catalog.pg_index i "
							"        CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
							"        WHERE i.indrelid = c.oid AND i.indisprimary AND k.ord <= i.indnkeyatts "
							"          AND k.attnum = a.attnum) "
							"FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS j(nspname, relname, ord) "
							"LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = j.nspname "
							"LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = j.relname "
							"LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 "
							"     AND NOT a.attisdropped AND c.relkind IN ('r', 'p') "
							"LEFT JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
							"LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace "
							"ORDER BY j.ord, a.attnum",
							2, params, "read the catalog of the job's tables");
	buf_free(&schemas);
	buf_free(&names);
	if (cat->res == NULL)
	{
		source_catalog_free(cat);
		return false;			/* errors have already been logged */
	}
	cat->ntables = j->ntables;
	cat->first = xcalloc((size_t) j->ntables + 1, sizeof(int));
	for (int i = 0; i < j->ntables; i++)
	{
		cat->first[i] = row;
		while (row < PQntuples(cat->res) && atoi(PQgetvalue(cat->res, row, CAT_ORD)) == i + 1)
			row++;
	}
	cat->first[j->ntables] = row;
	*out = cat;
	return true;
}

void
source_catalog_free(source_catalog *cat)
{
	if (cat == NULL)
		return;
	PQclear(cat->res);
	free(cat->first);
	free(cat);
}

bool
source_describe(PGconn *conn, const source_catalog *cat, const job *j, int index,
				table_def *out)
{
	const job_table *jt = &j->tables[index];
	PGresult   *res = cat->res;
	int			from = cat->first[index];
	int			to = cat->first[index + 1];
	char	   *display;
	char		relkind;
	strlist		generated = {0};
	strlist		pk = {0};
	int		   *pk_ord = NULL;
	int			excluded = 0;	/* of the job's exclude_columns, how many it has */
	table_def	t;

	memset(&t, 0, sizeof(t));
	t.schema = jt->schema;
	t.name = jt->name;
	display = table_display_name(&t);

	if (from == to || PQgetisnull(res, from, CAT_RELID))
	{
		log_error("source: table %s does not exist", display);
		goto fail;
	}
	relkind = PQgetvalue(res, from, CAT_RELKIND)[0];
	if (relkind != 'r' && relkind != 'p')
	{
		log_error("source: %s is not a table (relkind '%c')", display, relkind);
		goto fail;
	}
	if (PQgetvalue(res, from, CAT_SELECT)[0] != 't')
	{
		log_error("source: no SELECT privilege on table %s", display);
		goto fail;
	}
	t.relid = (uint32_t) strtoul(PQgetvalue(res, from, CAT_RELID), NULL, 10);
	t.partitioned = relkind == 'p';

	/*
	 * Generated columns are left out of the warehouse: pgoutput (Postgres
	 * 15) does not publish them, so the stream could never keep them
	 * current, and a snapshot that copied them would make a table of
	 * another shape than the stream's.  Each is named in a warning.
	 */
	if (PQgetisnull(res, from, CAT_ATTNAME))
		to = from;				/* no columns at all */
	for (int r = from; r < to; r++)
		if (PQgetvalue(res, r, CAT_GENERATED)[0] == 't')
		{
			strlist_add(&generated, PQgetvalue(res, r, CAT_ATTNAME));
			log_warn("table %s: column \"%s\" is a generated column, which logical replication does "
					 "not publish: left out of the warehouse", display, PQgetvalue(res, r, CAT_ATTNAME));
		}
	/* the columns the job leaves out: each must be one of the table's (of a pattern: of one match) */
	for (int e = 0; e < jt->nexclude_columns; e++)
	{
		bool		found = false;

		for (int r = from; r < to && !found; r++)
			if (strcmp(PQgetvalue(res, r, CAT_ATTNAME), jt->exclude_columns[e]) == 0)
			{
				found = true;
				excluded += PQgetvalue(res, r, CAT_GENERATED)[0] != 't';
			}
		if (found)
			continue;
		if (jt->pattern < 0)
		{
			const char **names = xcalloc((size_t) (to - from + 1), sizeof(char *));
			const char *near;

			for (int r = from; r < to; r++)
				names[r - from] = PQgetvalue(res, r, CAT_ATTNAME);
			near = job_closest(jt->exclude_columns[e], names, to - from);
			log_error("source: table %s: exclude_columns names column \"%s\", which it does not "
					  "have%s%s%s", display, jt->exclude_columns[e], near ? " (did you mean \"" : "",
					  near ? near : "", near ? "\"?)" : "");
			free(names);
			goto fail;
		}
	}
	if (to - from == generated.n + excluded)
	{
		if (excluded > 0)
		{
			log_error("source: table %s: exclude_columns leaves none of its columns", display);
			goto fail;
		}
		log_error("source: table %s has no columns%s", display,
				  generated.n ? " but generated ones, which logical replication does not publish" : "");
		goto fail;
	}
	t.cols = xcalloc((size_t) (to - from - generated.n - excluded), sizeof(table_column));
	pk_ord = xcalloc((size_t) (to - from), sizeof(int));
	for (int r = from; r < to; r++)
	{
		table_column *c;
		source_type ty;

		if (!PQgetisnull(res, r, CAT_PK_ORD))
			pk_ord[r - from] = atoi(PQgetvalue(res, r, CAT_PK_ORD));
		if (PQgetvalue(res, r, CAT_GENERATED)[0] == 't' ||
			catalog_excluded(jt, PQgetvalue(res, r, CAT_ATTNAME)))
			continue;
		c = &t.cols[t.ncols++];
		c->name = xstrdup(PQgetvalue(res, r, CAT_ATTNAME));
		c->not_null = PQgetvalue(res, r, CAT_NOTNULL)[0] == 't';
		c->attnum = atoi(PQgetvalue(res, r, CAT_ATTNUM));
		ty.oid = (uint32_t) strtoul(PQgetvalue(res, r, CAT_TYPID), NULL, 10);
		ty.typtype = PQgetvalue(res, r, CAT_TYPTYPE)[0];
		ty.basetype = (uint32_t) strtoul(PQgetvalue(res, r, CAT_BASETYPE), NULL, 10);
		ty.typtypmod = atoi(PQgetvalue(res, r, CAT_TYPTYPMOD));
		ty.elem = (uint32_t) strtoul(PQgetvalue(res, r, CAT_ELEM), NULL, 10);
		ty.category = PQgetvalue(res, r, CAT_CATEGORY)[0];
		ty.in_pg_catalog = PQgetvalue(res, r, CAT_IN_PG_CATALOG)[0] == 't';
		if (!catalog_column_type(conn, ty.oid, atoi(PQgetvalue(res, r, CAT_TYPMOD)), &ty,
								 PQgetvalue(res, r, CAT_FORMATTED), c))
			goto fail_cols;
	}
	/* the primary key's columns in key order */
	for (int ord = 1; ord <= to - from; ord++)
		for (int r = from; r < to; r++)
			if (pk_ord[r - from] == ord)
				strlist_add(&pk, PQgetvalue(res, r, CAT_ATTNAME));

	t.mode = jt->mode;
	t.deletes = jt->deletes;
	t.refresh = jt->refresh;
	if (jt->incremental)
	{
		t.cursor = jt->cursor;
		t.lookback = jt->lookback;
		t.reconcile_every = jt->reconcile_every;
		t.deletes_none = jt->deletes_none;
	}
	t.synced_at_col = j->synced_at_column;
	t.lsn_col = j->lsn_column;
	t.op_col = j->op_column;
	/* a key column left out could not be merged on (nor be the replica identity) */
	if (jt->mode == MODE_MERGE && jt->nkey == 0)
		for (int k = 0; k < pk.n; k++)
			if (catalog_excluded(jt, pk.items[k]))
			{
				log_error("source: table %s: column \"%s\" is a primary key column, which "
						  "exclude_columns cannot leave out: the warehouse applies changes by it%s",
						  display, pk.items[k], jt->pattern >= 0 ?
						  "; give the table a section of its own without it" : "");
				goto fail_cols;
			}
	if (!catalog_key(jt, &t, &generated, &pk, display,
					 jt->pattern >= 0 ? j->patterns[jt->pattern].text : NULL))
		goto fail_cols;

	t.schema = xstrdup(jt->schema);
	t.name = xstrdup(jt->name);
	t.target_schema = xstrdup(j->schema ? j->schema : jt->schema);
	t.target_name = xstrdup(jt->name);
	t.nexcluded = jt->nexclude_columns;
	if (t.nexcluded > 0)
		t.excluded = xcalloc((size_t) t.nexcluded, sizeof(char *));
	for (int e = 0; e < t.nexcluded; e++)
		t.excluded[e] = xstrdup(jt->exclude_columns[e]);
	strlist_free(&generated);
	strlist_free(&pk);
	free(pk_ord);
	free(display);
	*out = t;
	return true;

fail_cols:
	table_def_free_columns(&t);
fail:
	strlist_free(&generated);
	strlist_free(&pk);
	free(pk_ord);
	free(display);
	return false;
}

bool
source_describe_table(PGconn *conn, const job *j, const job_table *jt, table_def *out)
{
	job			one = *j;
	source_catalog *cat;
	bool		ok;

	one.tables = (job_table *) jt;
	one.ntables = 1;
	if (!source_catalog_read(conn, &one, &cat))
		return false;			/* errors have already been logged */
	ok = source_describe(conn, cat, &one, 0, out);
	source_catalog_free(cat);
	return ok;
}

bool
source_read_partitions(PGconn *conn, const table_def *t, table_partitions *out)
{
	char		oidtext[16];
	const char *params[1] = {oidtext};
	PGresult   *res;
	char	   *display;

	memset(out, 0, sizeof(*out));
	if (!t->partitioned)
		return true;

	/*
	 * pg_inherits read through SQL, so under the transaction's snapshot (the
	 * one the rows are read with); pg_partition_tree() would read the
	 * catalog as it is now.
	 */
	snprintf(oidtext, sizeof(oidtext), "%u", t->relid);
	display = table_display_name(t);
	res = source_query(conn,
					   "WITH RECURSIVE tree(relid, xid) AS ("
					   "  SELECT i.inhrelid, i.xmin FROM pg_catalog.pg_inherits i WHERE i.inhparent = $1::oid"
					   "  UNION ALL"
					   "  SELECT i.inhrelid, i.xmin FROM pg_catalog.pg_inherits i JOIN tree ON i.inhparent = tree.relid) "
					   "SELECT c.oid, tree.xid::text, c.relfilenode, c.relkind <> 'p', n.nspname, c.relname "
					   "FROM tree JOIN pg_catalog.pg_class c ON c.oid = tree.relid "
					   "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
					   "ORDER BY c.oid",
					   1, params, "read the partitions of %s", display);
	free(display);
	if (res == NULL)
		return false;			/* errors have already been logged */
	out->n = PQntuples(res);
	out->items = xcalloc((size_t) (out->n ? out->n : 1), sizeof(table_partition));
	for (int i = 0; i < out->n; i++)
	{
		table_partition *p = &out->items[i];
		table_def	name = {0};

		name.schema = PQgetvalue(res, i, 4);
		name.name = PQgetvalue(res, i, 5);
		p->name = table_display_name(&name);
		p->relid = (uint32_t) strtoul(PQgetvalue(res, i, 0), NULL, 10);
		p->attach_xid = (uint32_t) strtoul(PQgetvalue(res, i, 1), NULL, 10);
		p->filenode = (uint32_t) strtoul(PQgetvalue(res, i, 2), NULL, 10);
		p->leaf = PQgetvalue(res, i, 3)[0] == 't';
	}
	PQclear(res);
	return true;
}

bool
source_partition_empty(PGconn *conn, const table_partition *p, bool *empty)
{
	char		oidtext[16];
	const char *params[1] = {oidtext};
	PGresult   *res;
	char	   *s;
	char	   *n;
	char	   *sql;
	bool		ok;

	*empty = false;
	snprintf(oidtext, sizeof(oidtext), "%u", p->relid);
	res = source_query(conn,
					   "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c "
					   "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1::oid",
					   1, params, "look up partition %s", p->name);
	if (res == NULL)
		return false;			/* errors have already been logged */
	if (PQntuples(res) == 0)
	{
		/* gone since: not known to be empty */
		PQclear(res);
		return true;
	}
	s = PQescapeIdentifier(conn, PQgetvalue(res, 0, 0), strlen(PQgetvalue(res, 0, 0)));
	n = PQescapeIdentifier(conn, PQgetvalue(res, 0, 1), strlen(PQgetvalue(res, 0, 1)));
	PQclear(res);
	if (s == NULL || n == NULL)
	{
		log_error("source: cannot quote partition %s: %s", p->name, PQerrorMessage(conn));
		PQfreemem(s);
		PQfreemem(n);
		return false;
	}
	/* a partition that is partitioned again holds its own partitions' rows */
	sql = xasprintf("SELECT NOT EXISTS (SELECT FROM %s.%s)", s, n);
	PQfreemem(s);
	PQfreemem(n);
	res = source_query(conn, sql, 0, NULL, "read partition %s", p->name);
	free(sql);
	ok = res != NULL;
	if (ok)
		*empty = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return ok;
}

bool
source_table_attributes(PGconn *conn, const table_def *t, source_attr **out, int *n)
{
	char		oid[16];
	const char *params[1] = {oid};
	PGresult   *res;
	char	   *display = table_display_name(t);

	*out = NULL;
	*n = 0;
	snprintf(oid, sizeof(oid), "%u", t->relid);
	/* attmissingval is a one-element array of the column's type: its text as text[] */
	res = source_query(conn,
					   "SELECT a.attnum, a.attname, a.atttypid, a.atttypmod, a.attisdropped, "
					   "       a.attgenerated <> '', a.atthasdef OR a.attidentity <> '', "
					   "       a.atthasmissing, "
					   "       CASE WHEN a.atthasmissing THEN (a.attmissingval::text::text[])[1] END "
					   "FROM pg_catalog.pg_attribute a "
					   "WHERE a.attrelid = $1::oid AND a.attnum > 0 ORDER BY a.attnum",
					   1, params, "read the columns of %s", display);
	if (res == NULL)
	{
		free(display);
		return false;			/* errors have already been logged */
	}
	*n = PQntuples(res);
	*out = xcalloc((size_t) (*n ? *n : 1), sizeof(source_attr));
	for (int i = 0; i < *n; i++)
	{
		source_attr *a = &(*out)[i];

		a->attnum = atoi(PQgetvalue(res, i, 0));
		a->name = xstrdup(PQgetvalue(res, i, 1));
		a->type_oid = (uint32_t) strtoul(PQgetvalue(res, i, 2), NULL, 10);
		a->typmod = atoi(PQgetvalue(res, i, 3));
		a->dropped = PQgetvalue(res, i, 4)[0] == 't';
		a->generated = PQgetvalue(res, i, 5)[0] == 't';
		a->has_default = PQgetvalue(res, i, 6)[0] == 't';
		a->has_missing = PQgetvalue(res, i, 7)[0] == 't';
		if (a->has_missing && !PQgetisnull(res, i, 8))
			a->missing = xstrdup(PQgetvalue(res, i, 8));
	}
	PQclear(res);
	free(display);
	return true;
}

void
source_attrs_free(source_attr *attrs, int n)
{
	for (int i = 0; i < n; i++)
	{
		free(attrs[i].name);
		free(attrs[i].missing);
	}
	free(attrs);
}

/*
 * The catalog's candidates for pattern sections: every ordinary and
 * partitioned table outside the system schemas, with the oids of the
 * partitioned tables it is a partition of.
 */
enum
{
	SEL_SCHEMA, SEL_NAME, SEL_OID, SEL_ANCESTORS
};

/* Whether pattern pat's exclude_tables leaves table schema.name out. */
static bool
catalog_pattern_excludes(const job_pattern *pat, const char *schema, const char *name)
{
	for (int k = 0; k < pat->nexclude; k++)
		if (job_glob_match(pat->exclude_schema[k], schema) &&
			job_glob_match(pat->exclude_name[k], name))
			return true;
	return false;
}

static int
catalog_oid_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *) a;
	uint32_t	y = *(const uint32_t *) b;

	return x < y ? -1 : x > y;
}

/* Whether any oid of the text of an oid[] ("{1,2}") is among the n sorted oids. */
static bool
catalog_any_oid_in(const char *array, const uint32_t *oids, size_t n)
{
	const char *p = array;

	while (*p == '{' || *p == ',')
	{
		char	   *end;
		uint32_t	oid = (uint32_t) strtoul(p + 1, &end, 10);

		if (end == p + 1)
			break;
		if (bsearch(&oid, oids, n, sizeof(uint32_t), catalog_oid_cmp))
			return true;
		p = end;
	}
	return false;
}

/*
 * Of pattern number pi, which selected the tables at rows[0..n), each column
 * of its exclude_columns must be a column of one of them: a misspelt name
 * would publish the column it meant to keep out.
 */
static bool
catalog_pattern_columns(PGconn *conn, const job *j, int pi, const PGresult *res,
						const int *which, int nrows)
{
	const job_pattern *pat = &j->patterns[pi];
	buf			oids = BUF_INIT;
	buf			names = BUF_INIT;
	const char *params[2];
	PGresult   *cols;
	bool		ok = true;

	if (pat->table.nexclude_columns == 0)
		return true;
	buf_putc(&oids, '{');
	for (int r = 0; r < nrows; r++)
		if (which[r] == pi)
			buf_printf(&oids, "%s%s", oids.len > 1 ? "," : "", PQgetvalue(res, r, SEL_OID));
	buf_putc(&oids, '}');
	buf_putc(&names, '{');
	for (int e = 0; e < pat->table.nexclude_columns; e++)
		catalog_array_add(&names, pat->table.exclude_columns[e]);
	buf_putc(&names, '}');
	params[0] = oids.data;
	params[1] = names.data;
	cols = source_query(conn,
						"SELECT e.name FROM unnest($2::text[]) AS e(name) "
						"WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a "
						"                  WHERE a.attrelid = ANY ($1::pg_catalog.oid[]) "
						"                    AND a.attname = e.name AND a.attnum > 0 AND NOT a.attisdropped)",
						2, params, "read the columns of the tables [table %s] selects", pat->text);
	if (cols == NULL)
		ok = false;
	else if (PQntuples(cols) > 0)
	{
		log_error("%s: [table %s]: exclude_columns names column \"%s\", which none of the "
				  "tables it selects has", j->path, pat->text, PQgetvalue(cols, 0, 0));
		ok = false;
	}
	PQclear(cols);
	buf_free(&oids);
	buf_free(&names);
	return ok;
}

bool
source_select_tables(PGconn *conn, job *j)
{
	PGresult   *res;
	int			nrows;
	int		   *which;
	int		   *count;
	uint32_t   *selected;		/* oids of the tables selected, sorted */
	size_t		nselected = 0;
	bool		ok = true;

	if (j->npatterns == 0)
		return true;
	/* schemas named pg_* are the system's (CREATE SCHEMA refuses such names) */
	res = source_query(conn,
					   "SELECT n.nspname, c.relname, c.oid, "
					   "       CASE WHEN c.relispartition THEN "
					   "         ARRAY(SELECT a.relid::pg_catalog.oid "
					   "               FROM pg_catalog.pg_partition_ancestors(c.oid) AS a(relid) "
					   "               WHERE a.relid <> c.oid) END "
					   "FROM pg_catalog.pg_class c "
					   "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
					   "WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema' "
					   "  AND n.nspname !~ '^pg_' "
					   "ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE \"C\"",
					   0, NULL, "read the tables the job's patterns select from");
	if (res == NULL)
		return false;			/* errors have already been logged */
	nrows = PQntuples(res);
	which = xcalloc((size_t) nrows + 1, sizeof(int));
	count = xcalloc((size_t) j->npatterns, sizeof(int));
	selected = xcalloc((size_t) nrows + 1, sizeof(uint32_t));

	/* -2: named by a section of its own; -1: not selected; else the pattern */
	for (int r = 0; r < nrows; r++)
	{
		const char *schema = PQgetvalue(res, r, SEL_SCHEMA);
		const char *name = PQgetvalue(res, r, SEL_NAME);

		which[r] = job_find_table(j, schema, name) >= 0 ? -2 : -1;
		for (int p = 0; which[r] == -1 && p < j->npatterns; p++)
			if (job_glob_match(j->patterns[p].table.schema, schema) &&
				job_glob_match(j->patterns[p].table.name, name) &&
				!catalog_pattern_excludes(&j->patterns[p], schema, name))
				which[r] = p;
	}
	/* a partition of a selected partitioned table is read and streamed as part of it */
	for (int r = 0; r < nrows; r++)
		if (which[r] != -1)
			selected[nselected++] = (uint32_t) strtoul(PQgetvalue(res, r, SEL_OID), NULL, 10);
	qsort(selected, nselected, sizeof(uint32_t), catalog_oid_cmp);
	for (int r = 0; r < nrows; r++)
		if (which[r] >= 0 && !PQgetisnull(res, r, SEL_ANCESTORS) &&
			catalog_any_oid_in(PQgetvalue(res, r, SEL_ANCESTORS), selected, nselected))
			which[r] = -1;
	for (int r = 0; r < nrows; r++)
		if (which[r] >= 0)
			count[which[r]]++;
	for (int p = 0; ok && p < j->npatterns; p++)
	{
		if (count[p] == 0)
			log_warn("%s: [table %s] (line %d) matches no table at the source", j->path,
					 j->patterns[p].text, j->patterns[p].table.line);
		else
		{
			log_info("[table %s] selects %d table%s", j->patterns[p].text, count[p],
					 count[p] == 1 ? "" : "s");
			ok = catalog_pattern_columns(conn, j, p, res, which, nrows);
		}
	}
	for (int r = 0; ok && r < nrows; r++)
	{
		job_table  *t;

		if (which[r] < 0)
			continue;
		j->tables = xrealloc(j->tables, sizeof(job_table) * (size_t) (j->ntables + 1));
		t = &j->tables[j->ntables++];
		job_table_copy(&j->patterns[which[r]].table, t);
		free(t->schema);
		free(t->name);
		t->schema = xstrdup(PQgetvalue(res, r, SEL_SCHEMA));
		t->name = xstrdup(PQgetvalue(res, r, SEL_NAME));
	}
	if (ok && j->ntables == 0)
	{
		log_error("%s: the job selects no table: no [table ...] section names one, and no "
				  "pattern matches one at the source", j->path);
		ok = false;
	}
	free(which);
	free(count);
	free(selected);
	PQclear(res);
	return ok;
}
