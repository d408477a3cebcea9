/*
 * publication.c
 *    What change data capture needs of the source besides the stream: the
 *    job's publications, the key and replica identity checks, and the few
 *    catalog facts a schema change asks for.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "pgoutput.h"
#include "source.h"

#define PUBLICATION_COMMENT_PREFIX "wharf job "

char *
source_append_publication(const job *j)
{
	return xasprintf("%s_ins", j->publication);
}

static bool
append_relation(PGconn *conn, buf *out, const table_def *t)
{
	char	   *s = PQescapeIdentifier(conn, t->schema, strlen(t->schema));
	char	   *n = PQescapeIdentifier(conn, t->name, strlen(t->name));
	bool		ok = s && n;

	if (ok)
		buf_printf(out, "%s.%s", s, n);
	else
		log_error("source: cannot quote %s.%s: %s", t->schema, t->name, PQerrorMessage(conn));
	PQfreemem(s);
	PQfreemem(n);
	return ok;
}

/*
 * A table that leaves columns out (exclude_columns) is published with a
 * column list of the others: " (a, b)"; nothing for other tables.
 */
static bool
append_column_list(PGconn *conn, buf *out, const table_def *t)
{
	if (t->nexcluded == 0)
		return true;
	buf_puts(out, " (");
	for (int i = 0; i < t->ncols; i++)
	{
		char	   *c = PQescapeIdentifier(conn, t->cols[i].name, strlen(t->cols[i].name));

		if (c == NULL)
		{
			log_error("source: cannot quote column \"%s\" of %s.%s: %s", t->cols[i].name,
					  t->schema, t->name, PQerrorMessage(conn));
			return false;
		}
		buf_printf(out, "%s%s", i ? ", " : "", c);
		PQfreemem(c);
	}
	buf_putc(out, ')');
	return true;
}

/* Whether name is one of the names in list, separated by \1 (as the publication query gives them). */
static bool
column_listed(const char *list, const char *name)
{
	size_t		n = strlen(name);

	for (const char *p = list; p; p = strchr(p, '\1') ? strchr(p, '\1') + 1 : NULL)
		if (strncmp(p, name, n) == 0 && (p[n] == '\1' || p[n] == '\0'))
			return true;
	return false;
}

/*
 * Whether a member's column list (NULL: none, every column) is the one t
 * wants; *gained, when it is not, says whether t's would publish a column
 * the member's does not, whose values the stream has not carried.
 */
static bool
column_list_same(const char *listed, const table_def *t, bool *gained)
{
	int			n = 0;

	*gained = false;
	if (listed == NULL || t->nexcluded == 0)
	{
		*gained = listed != NULL;
		return listed == NULL && t->nexcluded == 0;
	}
	for (int i = 0; i < t->ncols; i++)
		if (!column_listed(listed, t->cols[i].name))
			*gained = true;
	for (const char *p = listed; p; p = strchr(p, '\1') ? strchr(p, '\1') + 1 : NULL)
		n++;
	return !*gained && n == t->ncols;
}

/* The key's columns in key order, quoted, for messages: "a", "b". */
static void
key_names(const table_def *t, buf *out)
{
	for (int pos = 1; pos <= t->nkeys; pos++)
	{
		const table_column *c = table_key_column(t, pos);

		buf_printf(out, "%s\"%s\"", pos > 1 ? ", " : "", c ? c->name : "?");
	}
}

/*
 * Checks that a unique index of the source makes t's key unique, so that no
 * two source rows ever become one warehouse row.  An index backs the key
 * when each of its key columns is a key column: the key's own columns, or
 * a subset of them.  A subset counts, since rows that differ in some key
 * columns differ in the key: UNIQUE (a) makes (a, b) unique.  INCLUDE
 * columns are not key columns of the index (unique (a) INCLUDE (b) says
 * nothing of b), and expression, partial and invalid indexes do not count
 * (they leave values or rows unchecked).
 *
 * A deferrable index backs the key too: every committed state is unique,
 * and inside a transaction the stream of a FULL identity tells the rows
 * apart (see sink.h).
 */
/*
 * The key columns of every valid, non-partial unique index of the tables
 * whose oids are relids ("{1,2}"), a row each: ord (the oid's place in
 * relids), indexrelid, attname (NULL for an expression).  NULL, reported,
 * on failure.
 */
static PGresult *
query_unique_indexes(PGconn *conn, const char *relids)
{
	const char *params[1] = {relids};

	return source_query(conn,
						"SELECT r.ord, i.indexrelid, a.attname "
						"FROM unnest($1::pg_catalog.oid[]) WITH ORDINALITY AS r(relid, ord) "
						"JOIN pg_catalog.pg_index i ON i.indrelid = r.relid "
						"CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
						"LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
						"WHERE i.indisunique AND i.indisvalid "
						"  AND i.indpred IS NULL AND k.ord <= i.indnkeyatts "
						"ORDER BY r.ord, i.indexrelid, k.ord",
						1, params, "read the unique indexes of the job's tables");
}

/* rows from .. to - 1 of res: t's unique indexes (query_unique_indexes) */
static bool
check_key_unique(const PGresult *res, int from, int to, const table_def *t, const char *display)
{
	bool		backed = false;

	for (int r = from; r < to;)
	{
		const char *indexrelid = PQgetvalue(res, r, 1);
		bool		backs = true;

		/* the rows of one index */
		for (; r < to && strcmp(PQgetvalue(res, r, 1), indexrelid) == 0; r++)
		{
			bool		key_column = false;

			/* an expression has no attribute: NULL */
			for (int i = 0; i < t->ncols && !key_column && !PQgetisnull(res, r, 2); i++)
				key_column = t->cols[i].key_pos > 0 &&
					strcmp(t->cols[i].name, PQgetvalue(res, r, 2)) == 0;
			backs &= key_column;
		}
		backed |= backs;
	}
	if (!backed)
	{
		buf			key = BUF_INIT;

		key_names(t, &key);
		log_error("source: table %s: no unique index backs key (%s), so source rows sharing a key would "
				  "become one row in the warehouse: create a unique index on those columns (or on some of "
				  "them), or set \"mode = append\" in [table %s]", display, key.data, display);
		buf_free(&key);
	}
	return backed;
}

/*
 * Checks that the replica identity of merge table t is one the server uses,
 * and that it carries t's key, so that publishing t's updates and deletes
 * neither makes the source's own UPDATE and DELETE fail nor sends a delete
 * without its key.
 *
 * The server takes the primary key (REPLICA IDENTITY DEFAULT) or the chosen
 * index (USING INDEX) only when that index is valid, immediate and not
 * partial; ALTER TABLE refuses a deferrable index for USING INDEX, but a
 * DEFERRABLE primary key is simply not used, and an index named by USING
 * INDEX may have been dropped since.  Any of these is no identity at all,
 * like NOTHING.  The identity's columns are the index's key columns, not its
 * INCLUDE columns (the first indnkeyatts entries of indkey).
 *
 * relid is t itself, or (partition names it) one of t's leaf partitions,
 * whose own replica identity is what pgoutput sends.
 */
/*
 * The replica identity of the tables whose oids are relids ("{1,2}"): rows
 * of ord (the oid's place in relids), relreplident, whether its index
 * exists, is immediate, is valid, unique and not partial, and one of its
 * key columns' names (NULL when it has none); at least one row an oid.
 * NULL, reported naming the tables as of says, on failure.
 */
static PGresult *
query_replica_identities(PGconn *conn, const char *relids, const char *of)
{
	const char *params[1] = {relids};

	return source_query(conn,
						"SELECT r.ord, c.relreplident, i.indexrelid IS NOT NULL, "
						"       coalesce(i.indimmediate, false), "
						"       coalesce(i.indisvalid AND i.indisunique AND i.indpred IS NULL, false), "
						"       a.attname "
						"FROM unnest($1::pg_catalog.oid[]) WITH ORDINALITY AS r(relid, ord) "
						"JOIN pg_catalog.pg_class c ON c.oid = r.relid "
						"LEFT JOIN pg_catalog.pg_index i ON i.indrelid = c.oid "
						"     AND ((c.relreplident = 'd' AND i.indisprimary) "
						"          OR (c.relreplident = 'i' AND i.indisreplident)) "
						"LEFT JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
						"     ON k.ord <= i.indnkeyatts "
						"LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum "
						"ORDER BY r.ord, k.ord",
						1, params, "read the replica identity of %s", of);
}

/* The rows of res (ordered by its first column, ord) whose ord is ord: [*from, *to). */
static void
rows_of(const PGresult *res, int ord, int *from, int *to)
{
	int			r = 0;
	int			n = PQntuples(res);

	while (r < n && atoi(PQgetvalue(res, r, 0)) < ord)
		r++;
	*from = r;
	while (r < n && atoi(PQgetvalue(res, r, 0)) == ord)
		r++;
	*to = r;
}

static bool check_identity_rows(const PGresult *res, int from, int to, const table_def *t,
								const char *display, const char *partition);

static bool
check_replica_identity_of(PGconn *conn, const table_def *t, const char *display,
						  uint32_t relid, const char *partition)
{
	char		relids[24];
	PGresult   *res;
	int			from;
	int			to;
	bool		ok;

	snprintf(relids, sizeof(relids), "{%u}", relid);
	res = query_replica_identities(conn, relids, partition ? partition : display);
	if (res == NULL)
		return false;			/* errors have already been logged */
	rows_of(res, 1, &from, &to);
	ok = check_identity_rows(res, from, to, t, display, partition);
	PQclear(res);
	return ok;
}

/* rows from .. to - 1 of res: one table's (query_replica_identities) */
static bool
check_identity_rows(const PGresult *res, int from, int to, const table_def *t,
					const char *display, const char *partition)
{
	char		ident;
	const char *why = NULL;
	char	   *what = partition ? xasprintf("table %s: partition %s", display, partition)
		: xasprintf("table %s", display);
	const char *alter = partition ? partition : display;
	bool		identity_apply = t->deletes != DELETES_SOFT;
	bool		ok = true;

	if (from == to)
	{
		log_error("source: cannot read the replica identity of %s: the table is gone",
				  partition ? partition : display);
		ok = false;
		goto done;
	}
	ident = PQgetvalue(res, from, 1)[0];
	/*
	 * A column list must hold the replica identity's columns, or Postgres
	 * refuses the source's own UPDATE and DELETE of a table published for
	 * them.
	 */
	if (ident == 'f' && t->nexcluded > 0)
	{
		log_error("source: %s has REPLICA IDENTITY FULL, whose old rows hold every column, so "
				  "exclude_columns cannot leave any out (the source's own UPDATE and DELETE would "
				  "fail): ALTER TABLE %s REPLICA IDENTITY DEFAULT (or USING INDEX on a unique index "
				  "of its key), or remove exclude_columns from [table %s]", what, alter, display);
		ok = false;
		goto done;
	}
	for (int r = from; r < to && t->nexcluded > 0; r++)
		if (!PQgetisnull(res, r, 5) && table_column_excluded(t, PQgetvalue(res, r, 5)))
		{
			log_error("source: %s: column \"%s\" is part of its replica identity, which "
					  "exclude_columns cannot leave out (the source's own UPDATE and DELETE would "
					  "fail): remove it from exclude_columns in [table %s]", what,
					  PQgetvalue(res, r, 5), display);
			ok = false;
			goto done;
		}
	if (ident == 'f')
		goto done;
	if (ident == 'n')
		why = "its REPLICA IDENTITY is NOTHING";
	else if (PQgetvalue(res, from, 2)[0] != 't')
		why = ident == 'd' ? "it has REPLICA IDENTITY DEFAULT and no primary key" :
			"its REPLICA IDENTITY USING INDEX names an index that no longer exists";
	else if (PQgetvalue(res, from, 3)[0] != 't')
		why = ident == 'd' ? "its primary key is deferrable" : "its replica identity index is deferrable";
	else if (PQgetvalue(res, from, 4)[0] != 't')
		why = ident == 'd' ? "its primary key index is not valid" :
			"its replica identity index is not valid, not unique or partial";
	if (why)
	{
		log_error("source: %s has no usable replica identity (%s), so publishing its updates and "
				  "deletes would make the source's own UPDATE and DELETE fail: ALTER TABLE %s REPLICA "
				  "IDENTITY FULL, with a key that a non-deferrable unique index backs (\"key = ...\" "
				  "unless that is the primary key); or ALTER TABLE %s REPLICA IDENTITY USING INDEX on a "
				  "non-deferrable unique index, with \"key = ...\" naming its columns; or set "
				  "\"mode = append\" in [table %s]", what, why, alter, alter, display);
		ok = false;
		goto done;
	}
	/*
	 * An identity of other columns than the key is a unique index too, so
	 * the stream applies such rows by its columns (sync.c), for a key of NOT
	 * NULL columns (the warehouse's key); a soft-delete table keeps deleted
	 * rows those columns need not tell apart.
	 */
	for (int i = 0; i < t->ncols; i++)
		if (t->cols[i].key_pos > 0 && !t->cols[i].not_null)
			identity_apply = false;
	for (int i = 0; !identity_apply && i < t->ncols; i++)
	{
		bool		found = false;

		if (t->cols[i].key_pos == 0)
			continue;
		for (int r = from; r < to && !found; r++)
			found = !PQgetisnull(res, r, 5) && strcmp(PQgetvalue(res, r, 5), t->cols[i].name) == 0;
		if (!found)
		{
			log_error("source: %s: key column \"%s\" is not part of the replica identity, so a "
					  "delete would not carry it: ALTER TABLE %s REPLICA IDENTITY FULL (or USING INDEX "
					  "on a unique index of the key)", what, t->cols[i].name, alter);
			ok = false;
			goto done;
		}
	}
done:
	free(what);
	return ok;
}

/*
 * Checks that updates and deletes of a merge table carry its key; for a
 * partitioned table, those of each of its leaf partitions.
 */
static bool
check_replica_identity(PGconn *conn, const table_def *t, const char *display)
{
	table_partitions parts;
	bool		ok;

	if (!t->partitioned)
		return check_replica_identity_of(conn, t, display, t->relid, NULL);
	ok = source_read_partitions(conn, t, &parts);
	for (int i = 0; ok && i < parts.n; i++)
		if (parts.items[i].leaf)
			ok = check_replica_identity_of(conn, t, display, parts.items[i].relid, parts.items[i].name);
	table_partitions_free(&parts);
	return ok;
}

bool
source_check_keys(PGconn *conn, const table_def *tables, int n)
{
	buf			relids = BUF_INIT;
	PGresult   *unique;
	PGresult   *identity;
	bool		ok = true;

	/* the catalog of every table in two queries; a partitioned table's leaves one by one */
	buf_putc(&relids, '{');
	for (int i = 0; i < n; i++)
		buf_printf(&relids, "%s%u", i > 0 ? "," : "", tables[i].relid);
	buf_putc(&relids, '}');
	unique = query_unique_indexes(conn, relids.data);
	identity = unique ? query_replica_identities(conn, relids.data, "the job's tables") : NULL;
	buf_free(&relids);
	if (unique == NULL || identity == NULL)
	{
		PQclear(unique);
		return false;			/* errors have already been logged */
	}
	for (int i = 0; i < n; i++)
	{
		const table_def *t = &tables[i];
		char	   *display;
		int			from;
		int			to;
		bool		table_ok;

		if (t->mode != MODE_MERGE)
			continue;			/* insert-only publication: no identity needed */
		display = table_display_name(t);
		/*
		 * A key that only a deferrable index backs is fine: its table's
		 * identity is FULL (a deferrable index is no replica identity),
		 * whose whole old rows let the stream tell rows apart that pass
		 * through each other's keys inside a transaction (see sink.h).
		 */
		rows_of(unique, i + 1, &from, &to);
		table_ok = check_key_unique(unique, from, to, t, display);
		if (table_ok && t->partitioned)
			table_ok = check_replica_identity(conn, t, display);
		else if (table_ok)
		{
			rows_of(identity, i + 1, &from, &to);
			table_ok = check_identity_rows(identity, from, to, t, display, NULL);
		}
		ok = table_ok && ok;
		free(display);
	}
	PQclear(unique);
	PQclear(identity);
	return ok;
}


bool
source_partition_overlap(PGconn *conn, const job *j, const table_def *tables, int ntables,
						 char **why)
{
	buf			oids = BUF_INIT;
	const char *params[1];
	PGresult   *res;
	bool		ok;

	*why = NULL;
	buf_putc(&oids, '{');
	for (int i = 0; i < ntables; i++)
		buf_printf(&oids, "%s%u", i ? "," : "", tables[i].relid);
	buf_putc(&oids, '}');
	params[0] = oids.data;
	res = source_query(conn,
					   "SELECT r.oid, a.relid::pg_catalog.oid FROM pg_catalog.unnest($1::pg_catalog.oid[]) AS r(oid) "
					   "CROSS JOIN LATERAL pg_catalog.pg_partition_ancestors(r.oid::pg_catalog.regclass) AS a(relid) "
					   "WHERE a.relid <> r.oid AND a.relid = ANY ($1::pg_catalog.oid[]) "
					   "ORDER BY 1, 2 LIMIT 1",
					   1, params, "read the partition ancestors of the job's tables");
	ok = res != NULL;
	if (ok && PQntuples(res) == 1)
	{
		uint32_t	part = (uint32_t) strtoul(PQgetvalue(res, 0, 0), NULL, 10);
		uint32_t	root = (uint32_t) strtoul(PQgetvalue(res, 0, 1), NULL, 10);
		char	   *pname = NULL;
		char	   *rname = NULL;

		for (int i = 0; i < ntables; i++)
		{
			if (tables[i].relid == part)
				pname = table_display_name(&tables[i]);
			if (tables[i].relid == root)
				rname = table_display_name(&tables[i]);
		}
		*why = xasprintf("table %s is a partition of %s, which job %s also replicates: a "
						 "partition's changes are published as its partitioned table's, so its "
						 "own warehouse table would get none; replicate it in a job of its own",
						 pname ? pname : "?", rname ? rname : "?", j->name);
		free(pname);
		free(rname);
	}
	PQclear(res);
	buf_free(&oids);
	return ok;
}

/*
 * Drops a table that is no longer the job's from publication pub, inside
 * the open transaction and under a savepoint, so that it never fails the
 * run: a table dropped since the publication was read (a partition leaf a
 * retention job drops while sync runs, say) left the publication with it;
 * one the role can no longer reach by name (moved to a schema it has no
 * USAGE on, say) stays in it with a warning naming the statement a DBA
 * would run, and its changes are ignored, as those of every table that is
 * not the job's.  False only when the savepoint itself fails.
 */
static bool
publication_drop_table(PGconn *conn, const char *sql, const char *pub, const char *display)
{
	PGresult   *res;
	const char *state;
	bool		ok;

	if (!source_exec(conn, "SAVEPOINT wharf_publication_edit", "starting a publication edit"))
		return false;			/* errors have already been logged */
	res = PQexec(conn, sql);
	if (PQresultStatus(res) == PGRES_COMMAND_OK)
	{
		log_info("table %s left publication %s", display, pub);
		PQclear(res);
		return source_exec(conn, "RELEASE SAVEPOINT wharf_publication_edit",
						   "ending a publication edit");
	}
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	/* undefined_table: dropped; undefined_object: no longer a member */
	if (state && (strcmp(state, "42P01") == 0 || strcmp(state, "42704") == 0))
		log_info("table %s is gone from the source, and so from publication %s", display, pub);
	else
		log_warn("source: table %s stays in publication %s, which no longer needs it: %s; its "
				 "changes are ignored (a DBA can run: %s)", display, pub,
				 PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) ?
				 PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : "dropping it failed", sql);
	PQclear(res);
	ok = source_exec(conn, "ROLLBACK TO SAVEPOINT wharf_publication_edit",
					 "undoing a publication edit") &&
		source_exec(conn, "RELEASE SAVEPOINT wharf_publication_edit", "ending a publication edit");
	return ok;
}

/*
 * Creates the publication if missing (with options) or checks that it is
 * ours, then adds and drops tables until it holds exactly want[].  *via_root
 * is set when an existing publication had to be told to publish via the
 * partition root.
 */
static bool
sync_one_publication(PGconn *conn, const job *j, const char *pub, const char *options,
					 const table_def *const *want, int nwant, bool *via_root,
					 const table_def *base, bool *gained)
{
	const char *params[2] = {pub, NULL};
	PGresult   *res;
	char	   *ident = PQescapeIdentifier(conn, pub, strlen(pub));
	char	   *comment = xasprintf(PUBLICATION_COMMENT_PREFIX "%s", j->name);
	buf			sql = BUF_INIT;
	bool		ok = true;

	res = source_query(conn,
					   "SELECT coalesce(pg_catalog.obj_description(p.oid, 'pg_publication'), ''), p.pubviaroot "
					   "FROM pg_catalog.pg_publication p WHERE p.pubname = $1",
					   1, params, "look up publication %s", pub);
	if (res == NULL)
		ok = false;		/* errors have already been logged */
	else if (PQntuples(res) == 0)
	{
		char	   *lit = PQescapeLiteral(conn, comment, strlen(comment));

		/*
		 * publish_via_partition_root: a partitioned table's changes are
		 * published as its own, not as its partitions' (which are no job
		 * tables).  It only matters for partitions whose partitioned table is
		 * in the publication too, and wharf puts no partition there along
		 * with its root (source_partition_overlap); a partition listed on its
		 * own is published as itself.
		 */
		buf_printf(&sql, "CREATE PUBLICATION %s WITH (publish = '%s', publish_via_partition_root = true); "
				   "COMMENT ON PUBLICATION %s IS %s", ident, options, ident, lit);
		PQfreemem(lit);
		ok = source_exec(conn, sql.data, "creating the publication");
		if (ok)
			log_info("created publication %s", pub);
	}
	else if (strcmp(PQgetvalue(res, 0, 0), comment) != 0)
	{
		log_error("source: publication %s already exists and was not made by wharf job %s: "
				  "name another with \"publication = ...\" in [source], or, to have wharf stream "
				  "from it as it is, \"use_publication = %s\"", pub, j->name, pub);
		ok = false;
	}
	else if (PQgetvalue(res, 0, 1)[0] != 't')
	{
		/* made by a wharf that did not set it yet */
		buf_printf(&sql, "ALTER PUBLICATION %s SET (publish_via_partition_root = true)", ident);
		ok = source_exec(conn, sql.data, "setting publish_via_partition_root");
		*via_root |= ok;
		if (ok)
			log_info("publication %s: set publish_via_partition_root = true, so partitioned tables' "
					 "changes are published as theirs", pub);
	}
	PQclear(res);

	/*
	 * The tables it holds now: its members, which ADD and DROP TABLE act on
	 * (pg_publication_tables would show the partitions of a partitioned
	 * member instead, where publish_via_partition_root is off).  What it
	 * should hold is derived anew each run from the job and the catalog, and
	 * only the difference is applied, by oid: a run that stopped half-way,
	 * or a table renamed since, converges on the next.
	 */
	if (ok)
	{
		res = source_query(conn,
						   "SELECT pr.prrelid, n.nspname, c.relname, "
						   "       (SELECT pg_catalog.string_agg(a.attname, pg_catalog.chr(1) ORDER BY a.attnum) "
						   "        FROM pg_catalog.pg_attribute a "
						   "        WHERE a.attrelid = c.oid AND a.attnum = ANY (pr.prattrs)) "
						   "FROM pg_catalog.pg_publication_rel pr "
						   "JOIN pg_catalog.pg_publication p ON p.oid = pr.prpubid "
						   "JOIN pg_catalog.pg_class c ON c.oid = pr.prrelid "
						   "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
						   "WHERE p.pubname = $1", 1, params, "read publication %s", pub);
		if (res == NULL)
			ok = false;		/* errors have already been logged */
		for (int r = 0; ok && r < PQntuples(res); r++)
		{
			uint32_t	relid = (uint32_t) strtoul(PQgetvalue(res, r, 0), NULL, 10);
			bool		wanted = false;
			table_def	t;

			for (int i = 0; i < nwant; i++)
				wanted |= want[i]->relid == relid;
			if (wanted)
				continue;
			memset(&t, 0, sizeof(t));
			t.schema = PQgetvalue(res, r, 1);
			t.name = PQgetvalue(res, r, 2);
			buf_reset(&sql);
			buf_printf(&sql, "ALTER PUBLICATION %s DROP TABLE ", ident);
			ok = append_relation(conn, &sql, &t);
			if (ok)
			{
				char	   *display = table_display_name(&t);

				ok = publication_drop_table(conn, sql.data, pub, display);
				free(display);
			}
		}
		for (int i = 0; ok && i < nwant; i++)
		{
			int			present = -1;
			bool		more = false;

			for (int r = 0; r < PQntuples(res); r++)
				if ((uint32_t) strtoul(PQgetvalue(res, r, 0), NULL, 10) == want[i]->relid)
					present = r;
			if (present >= 0 &&
				column_list_same(PQgetisnull(res, present, 3) ? NULL : PQgetvalue(res, present, 3),
								 want[i], &more))
				continue;
			buf_reset(&sql);
			if (present >= 0)
			{
				/* its column list changes: taken out and put back, in the one transaction */
				buf_printf(&sql, "ALTER PUBLICATION %s DROP TABLE ", ident);
				ok = append_relation(conn, &sql, want[i]);
				buf_puts(&sql, "; ");
				if (gained && more)
					gained[want[i] - base] = true;
			}
			buf_printf(&sql, "ALTER PUBLICATION %s ADD TABLE ", ident);
			ok = ok && append_relation(conn, &sql, want[i]) &&
				append_column_list(conn, &sql, want[i]);
			if (ok)
			{
				char	   *display = table_display_name(want[i]);
				char	   *what = xasprintf("%s table %s %s publication %s",
											 present >= 0 ? "changing the column list of" : "adding",
											 display, present >= 0 ? "in" : "to", pub);

				ok = source_exec(conn, sql.data, what);
				if (ok && present >= 0)
					log_info("table %s: publication %s now publishes all of its columns but "
							 "those exclude_columns leaves out", display, pub);
				free(what);
				free(display);
			}
		}
		PQclear(res);
	}
	PQfreemem(ident);
	free(comment);
	buf_free(&sql);
	return ok;
}

bool
source_publications_sync(PGconn *conn, const job *j, const table_def *tables, int ntables,
						 bool *merge_via_root_set, bool *append_via_root_set, bool *gained)
{
	const table_def **merge = xcalloc((size_t) ntables + 1, sizeof(table_def *));
	const table_def **append = xcalloc((size_t) ntables + 1, sizeof(table_def *));
	int			nmerge = 0;
	int			nappend = 0;
	char	   *ins = source_append_publication(j);
	bool		ok = true;

	*merge_via_root_set = false;
	*append_via_root_set = false;
	/* a partition along with its partitioned table would get no changes */
	{
		char	   *why = NULL;

		ok = source_partition_overlap(conn, j, tables, ntables, &why);
		if (ok && why)
		{
			log_error("source: %s", why);
			ok = false;
		}
		free(why);
	}
	for (int i = 0; ok && i < ntables; i++)
	{
		if (tables[i].mode == MODE_APPEND)
			append[nappend++] = &tables[i];
		else
			merge[nmerge++] = &tables[i];
	}

	/* a DBA's publication is used as it is: only checked */
	if (ok && j->use_publication)
	{
		strlist		problems = {0};

		ok = source_publication_verify(conn, j, tables, ntables, &problems);
		for (int i = 0; i < problems.n; i++)
			log_error("source: %s", problems.items[i]);
		ok = ok && problems.n == 0;
		strlist_free(&problems);
		free(merge);
		free(append);
		free(ins);
		return ok;
	}

	/*
	 * Publications are only worth making for a role that may stream: try a
	 * replication connection first, so that a role without REPLICATION
	 * leaves nothing behind.
	 */
	if (ok)
	{
		PGconn	   *probe = NULL;

		ok = source_connect(j->conninfo, true, &probe);
		PQfinish(probe);
	}

	/*
	 * Both publications change together or not at all (a caller already in
	 * a transaction keeps it: the changes are then part of it).
	 */
	if (ok)
	{
		bool		own = PQtransactionStatus(conn) == PQTRANS_IDLE;

		ok = !own || source_exec(conn, "BEGIN", "starting the publication changes");
		if (ok)
		{
			ok = sync_one_publication(conn, j, j->publication, "insert, update, delete, truncate",
									  merge, nmerge, merge_via_root_set, tables, gained) &&
				sync_one_publication(conn, j, ins, "insert", append, nappend, append_via_root_set,
									 tables, gained);
			if (own && ok)
				ok = source_exec(conn, "COMMIT", "committing the publication changes");
			else if (own)
				PQclear(PQexec(conn, "ROLLBACK"));
		}
	}
	free(merge);
	free(append);
	free(ins);
	return ok;
}

/* The relids of tables[0..n) as an oid[] literal, "{1,2}". */
static void
relid_array(buf *out, const table_def *tables, int n)
{
	buf_putc(out, '{');
	for (int i = 0; i < n; i++)
		buf_printf(out, "%s%u", i > 0 ? "," : "", tables[i].relid);
	buf_putc(out, '}');
}

bool
source_publication_verify(PGconn *conn, const job *j, const table_def *tables, int n,
						  strlist *problems)
{
	const char *pub = j->use_publication;
	char	   *ident = PQescapeIdentifier(conn, pub, strlen(pub));
	buf			relids = BUF_INIT;
	const char *params[2] = {pub, NULL};
	PGresult   *res;
	bool		any_merge = false;
	bool		any_partitioned = false;
	bool		ok = true;

	for (int i = 0; i < n; i++)
	{
		any_merge |= tables[i].mode == MODE_MERGE;
		any_partitioned |= tables[i].partitioned;
	}
	res = source_query(conn,
					   "SELECT pubinsert, pubupdate, pubdelete, pubtruncate, pubviaroot "
					   "FROM pg_catalog.pg_publication WHERE pubname = $1",
					   1, params, "look up publication %s", pub);
	if (res == NULL)
		ok = false;		/* errors have already been logged */
	else if (PQntuples(res) == 0)
	{
		buf			list = BUF_INIT;

		for (int i = 0; i < n; i++)
		{
			char	   *display = table_display_name(&tables[i]);

			buf_printf(&list, "%s%s", i ? ", " : "", display);
			free(display);
		}
		strlist_push(problems,
					 xasprintf("publication %s (use_publication) does not exist: a DBA creates it "
							   "with: CREATE PUBLICATION %s FOR TABLE %s%s", pub, ident, list.data,
							   any_partitioned ? " WITH (publish_via_partition_root = true)" : ""));
		buf_free(&list);
	}
	else
	{
		bool		insert = PQgetvalue(res, 0, 0)[0] == 't';
		bool		update = PQgetvalue(res, 0, 1)[0] == 't';
		bool		delete = PQgetvalue(res, 0, 2)[0] == 't';
		bool		truncate = PQgetvalue(res, 0, 3)[0] == 't';

		if (!insert || (any_merge && !(update && delete && truncate)))
		{
			buf			missing = BUF_INIT;
			const char *what[4] = {"inserts", "updates", "deletes", "truncates"};
			bool		lacks[4] = {!insert, any_merge && !update, any_merge && !delete,
			any_merge && !truncate};

			for (int k = 0; k < 4; k++)
				if (lacks[k])
					buf_printf(&missing, "%s%s", missing.len ? ", " : "", what[k]);
			strlist_push(problems,
						 xasprintf("publication %s (use_publication) does not publish the %s of the "
								   "job's tables, so sync would miss them: a DBA runs: ALTER "
								   "PUBLICATION %s SET (publish = '%s')", pub, missing.data, ident,
								   any_merge ? "insert, update, delete, truncate" : "insert"));
			buf_free(&missing);
		}
		if (any_partitioned && PQgetvalue(res, 0, 4)[0] != 't')
			strlist_push(problems,
						 xasprintf("publication %s (use_publication) does not publish via the "
								   "partition root, so a partitioned table's changes would reach "
								   "the stream as its partitions': a DBA runs: ALTER PUBLICATION %s "
								   "SET (publish_via_partition_root = true)", pub, ident));
	}
	PQclear(res);

	/*
	 * Each table as the publication publishes it (pg_publication_tables
	 * answers for FOR TABLE, FOR TABLES IN SCHEMA and FOR ALL TABLES alike):
	 * whether it is there, its row filter, and the columns a column list
	 * leaves out (generated ones are never published).
	 */
	relid_array(&relids, tables, n);
	params[1] = relids.data;
	res = ok ? source_query(conn,
							"SELECT r.ord, pt.tablename IS NOT NULL, pt.rowfilter, "
							"       (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum) "
							"        FROM pg_catalog.pg_attribute a "
							"        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
							"          AND a.attgenerated = '' AND a.attname <> ALL (pt.attnames)) "
							"FROM unnest($2::pg_catalog.oid[]) WITH ORDINALITY AS r(relid, ord) "
							"JOIN pg_catalog.pg_class c ON c.oid = r.relid "
							"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
							"LEFT JOIN pg_catalog.pg_publication_tables pt ON pt.pubname = $1 "
							"     AND pt.schemaname = n.nspname AND pt.tablename = c.relname "
							"ORDER BY r.ord", 2, params, "read the tables of publication %s", pub) : NULL;
	if (ok && res == NULL)
		ok = false;		/* errors have already been logged */
	for (int r = 0; ok && r < PQntuples(res); r++)
	{
		int			i = atoi(PQgetvalue(res, r, 0)) - 1;
		char	   *display;

		if (i < 0 || i >= n)
			continue;
		display = table_display_name(&tables[i]);
		if (PQgetvalue(res, r, 1)[0] != 't')
			strlist_push(problems,
						 xasprintf("table %s: publication %s (use_publication) does not hold it, so "
								   "sync would get none of its changes: a DBA runs: ALTER "
								   "PUBLICATION %s ADD TABLE %s", display, pub, ident, display));
		else if (!PQgetisnull(res, r, 2))
			strlist_push(problems,
						 xasprintf("table %s: publication %s (use_publication) publishes only its "
								   "rows WHERE %s, while wharf loads every row: a DBA runs: ALTER "
								   "PUBLICATION %s DROP TABLE %s; ALTER PUBLICATION %s ADD TABLE %s",
								   display, pub, PQgetvalue(res, r, 2), ident, display, ident,
								   display));
		else if (!PQgetisnull(res, r, 3))
			strlist_push(problems,
						 xasprintf("table %s: publication %s (use_publication) leaves out its "
								   "column%s %s, which wharf replicates: a DBA runs: ALTER "
								   "PUBLICATION %s DROP TABLE %s; ALTER PUBLICATION %s ADD TABLE %s",
								   display, pub, strchr(PQgetvalue(res, r, 3), ',') ? "s" : "",
								   PQgetvalue(res, r, 3), ident, display, ident, display));
		free(display);
	}
	PQclear(res);
	buf_free(&relids);
	PQfreemem(ident);
	return ok;
}

bool
source_job_publications(PGconn *conn, const job *j, strlist *names)
{
	char	   *ins = source_append_publication(j);
	char	   *comment = xasprintf(PUBLICATION_COMMENT_PREFIX "%s", j->name);
	const char *params[3] = {j->publication, ins, comment};
	PGresult   *res;
	bool		ok;

	/* by name and by the comment wharf gives them: never a DBA's publication */
	res = source_query(conn,
					   "SELECT p.pubname FROM pg_catalog.pg_publication p "
					   "WHERE p.pubname IN ($1, $2) "
					   "  AND pg_catalog.obj_description(p.oid, 'pg_publication') = $3 "
					   "ORDER BY p.pubname", 3, params, "look up the publications of job %s", j->name);
	ok = res != NULL;
	for (int r = 0; ok && r < PQntuples(res); r++)
		strlist_add(names, PQgetvalue(res, r, 0));
	PQclear(res);
	free(comment);
	free(ins);
	return ok;
}

bool
source_drop_publications(PGconn *conn, const strlist *names)
{
	bool		ok = true;

	for (int i = 0; ok && i < names->n; i++)
	{
		char	   *ident = PQescapeIdentifier(conn, names->items[i], strlen(names->items[i]));
		char	   *sql = xasprintf("DROP PUBLICATION IF EXISTS %s", ident);
		char	   *what = xasprintf("dropping publication %s", names->items[i]);

		ok = source_exec(conn, sql, what);
		if (ok)
			log_info("dropped publication %s", names->items[i]);
		free(what);
		free(sql);
		PQfreemem(ident);
	}
	return ok;
}

bool
source_column_missing_value(PGconn *conn, const table_def *t, const char *column, char **value)
{
	char		oid[16];
	const char *params[2] = {oid, column};
	PGresult   *res;
	bool		ok;

	snprintf(oid, sizeof(oid), "%u", t->relid);
	*value = NULL;
	res = source_query(conn,
					   "SELECT format_type(atttypid, atttypmod), attmissingval::text "
					   "FROM pg_catalog.pg_attribute "
					   "WHERE attrelid = $1::oid AND attname = $2 AND atthasmissing",
					   2, params, "read the default of %s.%s.%s", t->schema, t->name, column);
	ok = res != NULL;
	if (ok && PQntuples(res) == 1)
	{
		/* attmissingval is a one-element array of the column's type */
		char	   *lit = PQescapeLiteral(conn, PQgetvalue(res, 0, 1), strlen(PQgetvalue(res, 0, 1)));
		char	   *sql = xasprintf("SELECT (%s::%s[])[1]::text", lit ? lit : "NULL",
									PQgetvalue(res, 0, 0));
		PGresult   *r2 = PQexec(conn, sql);

		PQfreemem(lit);

		if (PQresultStatus(r2) == PGRES_TUPLES_OK && !PQgetisnull(r2, 0, 0))
			*value = xstrdup(PQgetvalue(r2, 0, 0));
		else if (PQresultStatus(r2) != PGRES_TUPLES_OK)
		{
			log_error("source: cannot read the default of %s.%s.%s: %s", t->schema, t->name, column,
					  PQerrorMessage(conn));
			ok = false;
		}
		PQclear(r2);
		free(sql);
	}
	PQclear(res);
	return ok;
}
