/*
 * extract.c
 *    Parallel snapshot readers (see extract.h).  Each reader thread owns one
 *    source connection attached to the shared snapshot and takes tables from
 *    a common queue, largest first as listed by the caller.
 */
#include "extract.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "source.h"

typedef struct extract_shared
{
	const job  *j;
	const stage *s;
	const char *snapshot_name;
	const char *load_id;
	const table_def *tables;
	col_render *const *renders;
	stage_result *results;
	table_partitions *partitions;	/* may be NULL */
	bool	   *done;
	int			n;
	int			next;
	bool		failed;
	pthread_mutex_t lock;
} extract_shared;

static int
extract_take(extract_shared *sh)
{
	int			i = -1;

	pthread_mutex_lock(&sh->lock);
	if (!sh->failed && sh->next < sh->n)
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
		stage_writer *w;
		uint64_t	rows;

		/* the partitions the rows come from, under the same snapshot */
		if (sh->partitions &&
			!source_read_partitions(conn, &sh->tables[i], &sh->partitions[i]))
		{
			extract_fail(sh);
			break;
		}
		if (!stage_writer_open(sh->s, sh->load_id, &sh->tables[i], &w))
		{
			extract_fail(sh);
			break;
		}
		if (!snapshot_copy_table(conn, &sh->tables[i], sh->renders[i], w, &rows))
		{
			stage_writer_abort(w);
			extract_fail(sh);
			break;
		}
		if (!stage_writer_finish(w, &sh->results[i]))
		{
			extract_fail(sh);
			break;
		}
		sh->done[i] = true;
		log_progress_done();
		log_info("staged %s.%s: %llu rows in %d part%s, %.1f MiB", sh->tables[i].schema,
				 sh->tables[i].name, (unsigned long long) sh->results[i].rows,
				 sh->results[i].nparts, sh->results[i].nparts == 1 ? "" : "s",
				 sh->results[i].bytes / 1048576.0);
	}
	PQfinish(conn);
	return NULL;
}

bool
extract_tables(const job *j, const stage *s, const char *snapshot_name,
			   const char *load_id, const table_def *tables,
			   col_render *const *renders, int n, int readers,
			   stage_result *results, table_partitions *partitions)
{
	extract_shared sh;
	pthread_t  *threads;
	int			started = 0;

	memset(&sh, 0, sizeof(sh));
	sh.j = j;
	sh.s = s;
	sh.snapshot_name = snapshot_name;
	sh.load_id = load_id;
	sh.tables = tables;
	sh.renders = renders;
	sh.results = results;
	sh.partitions = partitions;
	sh.n = n;
	sh.done = xcalloc((size_t) n, sizeof(bool));
	pthread_mutex_init(&sh.lock, NULL);
	memset(results, 0, sizeof(stage_result) * (size_t) n);
	if (partitions)
		memset(partitions, 0, sizeof(table_partitions) * (size_t) n);

	if (readers > n)
		readers = n;
	if (readers < 1)
		readers = 1;
	threads = xcalloc((size_t) readers, sizeof(pthread_t));
	for (int k = 0; k < readers; k++)
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

	if (sh.failed)
	{
		/* leave nothing behind: drop the tables that did get staged */
		for (int i = 0; i < n; i++)
			if (sh.done[i])
			{
				stage_remove(s, &results[i]);
				stage_result_free(&results[i]);
			}
		for (int i = 0; partitions && i < n; i++)
			table_partitions_free(&partitions[i]);
	}
	free(sh.done);
	return !sh.failed;
}
