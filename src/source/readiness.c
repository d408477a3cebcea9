/*
 * readiness.c
 *    What sync needs of the source beyond its tables' rows, read for
 *    `wharf check`: the role's rights to create the slot and the
 *    publications, each job table's replica identity and owner, the job's
 *    slot and publications as they are, and how many replication slots and
 *    WAL senders the server has left.  Reads only; check turns the facts
 *    into its lines.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "source.h"

/* The role, its attributes and rights, and the server's slot and sender counts. */
static bool
read_role_and_server(PGconn *conn, const job *j, source_readiness *out)
{
	const char *params[1] = {j->slot};
	PGresult   *res;
	bool		ok;

	/* REPLICATION is the login role's own attribute: it is not inherited */
	res = source_query(conn,
					   "SELECT r.rolname, pg_catalog.current_database(), r.rolsuper, "
					   "       r.rolreplication OR r.rolsuper, "
					   "       pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE'), "
					   "       pg_catalog.current_setting('max_replication_slots')::int, "
					   "       pg_catalog.current_setting('max_wal_senders')::int, "
					   "       (SELECT count(*) FROM pg_catalog.pg_replication_slots), "
					   "       (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type = 'walsender'), "
					   "       EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = $1) "
					   "FROM pg_catalog.pg_roles r WHERE r.rolname = session_user",
					   1, params, "read the role's rights and the server's replication settings");
	ok = res != NULL && PQntuples(res) == 1;
	if (ok)
	{
		out->role = xstrdup(PQgetvalue(res, 0, 0));
		out->database = xstrdup(PQgetvalue(res, 0, 1));
		out->superuser = PQgetvalue(res, 0, 2)[0] == 't';
		out->replication = PQgetvalue(res, 0, 3)[0] == 't';
		out->create_on_database = PQgetvalue(res, 0, 4)[0] == 't';
		out->max_slots = atoi(PQgetvalue(res, 0, 5));
		out->max_senders = atoi(PQgetvalue(res, 0, 6));
		out->slots_in_use = atoi(PQgetvalue(res, 0, 7));
		out->senders_in_use = atoi(PQgetvalue(res, 0, 8));
		out->slot_exists = PQgetvalue(res, 0, 9)[0] == 't';
	}
	PQclear(res);
	return ok;
}

/*
 * Each table's replica identity, whether the role owns it (has its owner's
 * rights), and whether the job's publication holds it already.
 */
static bool
read_tables(PGconn *conn, const job *j, const table_def *tables, int n, source_readiness *out)
{
	buf			relids = BUF_INIT;
	char	   *ins = source_append_publication(j);
	const char *params[3];
	PGresult   *res;
	bool		ok;

	out->ntables = n;
	out->replident = xcalloc((size_t) (n ? n : 1), 1);
	out->owned = xcalloc((size_t) (n ? n : 1), sizeof(bool));
	out->published = xcalloc((size_t) (n ? n : 1), sizeof(bool));
	buf_putc(&relids, '{');
	for (int i = 0; i < n; i++)
		buf_printf(&relids, "%s%u", i > 0 ? "," : "", tables[i].relid);
	buf_putc(&relids, '}');
	params[0] = relids.data;
	params[1] = j->use_publication ? j->use_publication : j->publication;
	params[2] = j->use_publication ? j->use_publication : ins;
	res = source_query(conn,
					   "SELECT r.ord, c.relreplident, pg_catalog.pg_has_role(c.relowner, 'USAGE'), "
					   "       EXISTS (SELECT 1 FROM pg_catalog.pg_publication_rel pr "
					   "               JOIN pg_catalog.pg_publication p ON p.oid = pr.prpubid "
					   "               WHERE pr.prrelid = c.oid AND p.pubname IN ($2, $3)) "
					   "FROM unnest($1::pg_catalog.oid[]) WITH ORDINALITY AS r(relid, ord) "
					   "JOIN pg_catalog.pg_class c ON c.oid = r.relid ORDER BY r.ord",
					   3, params, "read the replica identity and owner of the job's tables");
	ok = res != NULL;
	for (int r = 0; ok && r < PQntuples(res); r++)
	{
		int			i = atoi(PQgetvalue(res, r, 0)) - 1;

		if (i < 0 || i >= n)
			continue;
		out->replident[i] = PQgetvalue(res, r, 1)[0];
		out->owned[i] = PQgetvalue(res, r, 2)[0] == 't';
		out->published[i] = PQgetvalue(res, r, 3)[0] == 't';
	}
	PQclear(res);
	buf_free(&relids);
	free(ins);
	return ok;
}

/*
 * The job's own publications that exist, whether the role owns them, and
 * whether a publication under wharf's name exists that wharf did not make
 * for this job (sync refuses it).
 */
static bool
read_publications(PGconn *conn, const job *j, source_readiness *out)
{
	char	   *ins = source_append_publication(j);
	const char *params[2] = {j->publication, ins};
	PGresult   *res;
	bool		ok;

	out->publications_owned = true;
	if (!source_job_publications(conn, j, &out->publications))
	{
		free(ins);
		return false;
	}
	res = source_query(conn,
					   "SELECT p.pubname, pg_catalog.pg_has_role(p.pubowner, 'USAGE') "
					   "FROM pg_catalog.pg_publication p WHERE p.pubname IN ($1, $2) ORDER BY 1",
					   2, params, "look up the publications of job %s", j->name);
	ok = res != NULL;
	for (int r = 0; ok && r < PQntuples(res); r++)
	{
		bool		ours = false;

		for (int k = 0; k < out->publications.n; k++)
			ours |= strcmp(out->publications.items[k], PQgetvalue(res, r, 0)) == 0;
		if (!ours && out->foreign_publication == NULL)
			out->foreign_publication = xstrdup(PQgetvalue(res, r, 0));
		else if (ours && PQgetvalue(res, r, 1)[0] != 't')
			out->publications_owned = false;
	}
	PQclear(res);
	free(ins);
	return ok;
}

bool
source_read_readiness(PGconn *conn, const job *j, const table_def *tables, int n,
					  source_readiness *out)
{
	memset(out, 0, sizeof(*out));
	return read_role_and_server(conn, j, out) &&
		read_tables(conn, j, tables, n, out) &&
		read_publications(conn, j, out);
}

void
source_readiness_free(source_readiness *r)
{
	free(r->role);
	free(r->database);
	free(r->replident);
	free(r->owned);
	free(r->published);
	free(r->foreign_publication);
	strlist_free(&r->publications);
	memset(r, 0, sizeof(*r));
}
