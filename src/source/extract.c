/*
 * extract.c
 *    Parallel snapshot readers (see extract.h).  Each reader thread owns one
 *    source connection attached to the shared snapshot and takes units of
 *    work from a common queue: a whole table, or one range of a large plain
 *    table's pages, largest tables first as listed by the caller.
 */
#include "extract.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "source.h"

/*
 * A plain table is read in ranges by several readers when it has at least
 * two ranges of this many pages (8 MiB of 8 kB pages); each reader then
 * reads, renders and compresses its own range.
 */
#define EXTRACT_RANGE_MIN_PAGES 1024

/* One unit of work: table `table`, whole (nranges 1) or its range `range`. */
typedef struct extract_unit
{
	int			table;
	int			range;
	int			nranges;
	snapshot_range pages;
	stage_result result;
	bool		done;
	struct extract_shared *sh;	/* for its writer's part notices */
} extract_unit;

typedef struct extract_shared
{
	const job  *j;
	const stage *s;
	const char *snapshot_name;
	const char *load_id;
	const table_def *tables;
	col_render *const *renders;
	table_partitions *partitions;	/* may be NULL */
	extract_part_fn on_part;	/* may be NULL */
	void	   *on_part_arg;
	extract_unit *units;
	int			nunits;
	int			next;
	bool		failed;
	pthread_mutex_t lock;
} extract_shared;

static int
extract_take(extract_shared *sh)
{
	int			i = -1;

	pthread_mutex_lock(&sh->lock);
	if (!sh->failed && sh->next < sh->nunits)
		i = sh->next++;
	pthread_mutex_unlock(&sh->lock);
	return i;
}

static void
extract_fail(extract_shared *sh)
{
	pthread_mutex_lock(&sh->lock);
	sh->failed = true;
	pthread_mutex_unlock(&sh->lock);
}

/* A part of unit arg's table is in the stage: tell the caller's on_part. */
static void
extract_part_staged(void *arg, const char *folder, const char *name)
{
	extract_unit *u = arg;

	u->sh->on_part(u->sh->on_part_arg, u->table, folder, name);
}

/* Stages unit u on conn (attached to the snapshot); false, reported, on failure. */
static bool
extract_unit_run(extract_shared *sh, PGconn *conn, extract_unit *u)
{
	const table_def *t = &sh->tables[u->table];
	stage_writer *w;
	uint64_t	rows;
	bool		ok;

	/* the partitions the rows come from, under the same snapshot */
	if (sh->partitions && u->range == 0 &&
		!source_read_partitions(conn, t, &sh->partitions[u->table]))
		return false;
	if (u->nranges > 1)
		ok = stage_writer_open_range(sh->s, sh->load_id, t, u->range, &w);
	else
		ok = stage_writer_open(sh->s, sh->load_id, t, &w);
	if (!ok)
		return false;
	if (sh->on_part)
	{
		u->sh = sh;
		stage_writer_on_part(w, extract_part_staged, u);
	}
	if (u->nranges > 1)
		ok = snapshot_copy_range(conn, t, sh->renders[u->table], &u->pages, w, &rows);
	else
		ok = snapshot_copy_table(conn, t, sh->renders[u->table], w, &rows);
	if (!ok)
	{
		stage_writer_abort(w);
		return false;
	}
	return stage_writer_finish(w, &u->result);
}

static void *
extract_reader(void *arg)
{
	extract_shared *sh = arg;
	PGconn	   *conn = NULL;
	int			i;

	if (!source_connect(sh->j->conninfo, false, &conn) ||
		!snapshot_attach(conn, sh->snapshot_name))
	{
		extract_fail(sh);
		PQfinish(conn);
		return NULL;
	}
	while ((i = extract_take(sh)) >= 0)
	{
		extract_unit *u = &sh->units[i];
		const table_def *t = &sh->tables[u->table];

		if (!extract_unit_run(sh, conn, u))
		{
			extract_fail(sh);
			break;
		}
		u->done = true;
		if (u->nranges > 1)
		{
			log_debug("staged %s.%s, range %d of %d (pages %u to %u%s): %llu rows", t->schema,
					  t->name, u->range + 1, u->nranges, u->pages.first_page,
					  u->pages.end_page, u->pages.end_page ? "" : " and on",
					  (unsigned long long) u->result.rows);
			continue;
		}
		log_progress_done();
		log_info("staged %s.%s: %llu rows in %d part%s, %.1f MiB", t->schema, t->name,
				 (unsigned long long) u->result.rows, u->result.nparts,
				 u->result.nparts == 1 ? "" : "s", u->result.bytes / 1048576.0);
	}
	PQfinish(conn);
	return NULL;
}

/*
 * The units of work: each table whole, but a plain table of at least two
 * EXTRACT_RANGE_MIN_PAGES ranges split into up to `readers` ranges of its
 * pages (the last open-ended), which the readers take one after another.
 */
static bool
extract_plan(extract_shared *sh, int n, int readers)
{
	PGconn	   *conn = NULL;
	bool		ok = true;

	sh->units = xcalloc((size_t) n * (size_t) (readers > 1 ? readers : 1), sizeof(extract_unit));
	if (readers > 1 && !source_connect(sh->j->conninfo, false, &conn))
		ok = false;
	for (int i = 0; ok && i < n; i++)
	{
		uint32_t	pages = 0;
		int			nranges = 1;

		if (conn != NULL && !sh->tables[i].partitioned)
			ok = snapshot_table_pages(conn, &sh->tables[i], &pages);
		if (pages / EXTRACT_RANGE_MIN_PAGES >= 2)
		{
			nranges = (int) (pages / EXTRACT_RANGE_MIN_PAGES);
			if (nranges > readers)
				nranges = readers;
		}
		for (int k = 0; k < nranges; k++)
		{
			extract_unit *u = &sh->units[sh->nunits++];

			u->table = i;
			u->range = k;
			u->nranges = nranges;
			u->pages.first_page = (uint32_t) ((uint64_t) pages * (uint64_t) k / (uint64_t) nranges);
			u->pages.end_page = k + 1 < nranges ?
				(uint32_t) ((uint64_t) pages * (uint64_t) (k + 1) / (uint64_t) nranges) : 0;
		}
	}
	PQfinish(conn);
	return ok;
}

bool
extract_tables(const job *j, const stage *s, const char *snapshot_name,
			   const char *load_id, const table_def *tables,
			   col_render *const *renders, int n, int readers,
			   stage_result *results, table_partitions *partitions)
{
	return extract_tables_notify(j, s, snapshot_name, load_id, tables, renders, n, readers,
								 results, partitions, NULL, NULL);
}

bool
extract_tables_notify(const job *j, const stage *s, const char *snapshot_name,
					  const char *load_id, const table_def *tables,
					  col_render *const *renders, int n, int readers,
					  stage_result *results, table_partitions *partitions,
					  extract_part_fn on_part, void *arg)
{
	extract_shared sh;
	pthread_t  *threads;
	int			started = 0;

	memset(&sh, 0, sizeof(sh));
	sh.on_part = on_part;
	sh.on_part_arg = arg;
	sh.j = j;
	sh.s = s;
	sh.snapshot_name = snapshot_name;
	sh.load_id = load_id;
	sh.tables = tables;
	sh.renders = renders;
	sh.partitions = partitions;
	pthread_mutex_init(&sh.lock, NULL);
	memset(results, 0, sizeof(stage_result) * (size_t) n);
	if (partitions)
		memset(partitions, 0, sizeof(table_partitions) * (size_t) n);
	if (readers < 1)
		readers = 1;
	if (!extract_plan(&sh, n, readers))
		sh.failed = true;

	if (readers > sh.nunits)
		readers = sh.nunits;
	threads = xcalloc((size_t) (readers > 0 ? readers : 1), sizeof(pthread_t));
	for (int k = 0; !sh.failed && k < readers; k++)
	{
		if (pthread_create(&threads[k], NULL, extract_reader, &sh) != 0)
		{
			log_error("cannot start snapshot reader %d", k + 1);
			extract_fail(&sh);
			break;
		}
		started++;
	}
	for (int k = 0; k < started; k++)
		pthread_join(threads[k], NULL);
	free(threads);
	pthread_mutex_destroy(&sh.lock);

	/* each table's result: its one unit's, or its ranges' joined */
	for (int u = 0; !sh.failed && u < sh.nunits;)
	{
		extract_unit *first = &sh.units[u];
		int			i = first->table;
		int			nr = first->nranges;

		if (nr == 1)
		{
			results[i] = first->result;
			memset(&first->result, 0, sizeof(first->result));
			first->done = false;
		}
		else
		{
			stage_result *parts = xcalloc((size_t) nr, sizeof(stage_result));

			for (int k = 0; k < nr; k++)
			{
				parts[k] = sh.units[u + k].result;
				memset(&sh.units[u + k].result, 0, sizeof(stage_result));
				sh.units[u + k].done = false;	/* the join owns (or removes) them now */
			}
			if (!stage_results_join(s, load_id, &tables[i], parts, nr, &results[i]))
			{
				/* the ranges' parts are gone with the join; the others' go below */
				sh.failed = true;
				free(parts);
				break;
			}
			free(parts);
			log_progress_done();
			log_info("staged %s.%s: %llu rows in %d part%s by %d readers, %.1f MiB",
					 tables[i].schema, tables[i].name, (unsigned long long) results[i].rows,
					 results[i].nparts, results[i].nparts == 1 ? "" : "s", nr,
					 results[i].bytes / 1048576.0);
		}
		u += nr;
	}

	if (sh.failed)
	{
		/* leave nothing behind: what the units and the joins staged */
		for (int u = 0; u < sh.nunits; u++)
			if (sh.units[u].done)
			{
				stage_remove(s, &sh.units[u].result);
				stage_result_free(&sh.units[u].result);
			}
		for (int i = 0; i < n; i++)
			if (results[i].folder != NULL)
			{
				stage_remove(s, &results[i]);
				stage_result_free(&results[i]);
			}
		for (int i = 0; partitions && i < n; i++)
			table_partitions_free(&partitions[i]);
	}
	free(sh.units);
	return !sh.failed;
}
