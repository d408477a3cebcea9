/*
 * fuzz_job.c
 *    libFuzzer harness for the job-file reader (src/job/job.c).
 *
 * Each input is a job file (cut at its first NUL, as job_load_string takes
 * a C string).  A file that loads must hold what validation promises (the
 * required keys, in-range numbers, tables with names); every string of it
 * is read, its stage secret must be masked by the log scrubber, and the job
 * is freed.  The secrets it registered are cleared after each input so runs
 * do not depend on each other.  A few variables are set for ${NAME}
 * expansion; tests/fuzz/job.dict gives the fuzzer the sections and keys.
 * The first line also goes through job_parse_qualified_name.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "job.h"
#include "log.h"

static volatile size_t sink;

static void
touch(const char *s)
{
	if (s)
		sink += strlen(s);
}

static void
check_job(const job *j)
{
	FUZZ_CHECK(j->path != NULL && j->name != NULL && j->conninfo != NULL);
	FUZZ_CHECK(j->stage_url != NULL && j->dialect != NULL);
	FUZZ_CHECK(j->slot != NULL && j->publication != NULL && j->region != NULL);
	FUZZ_CHECK(j->state_table != NULL);
	FUZZ_CHECK(j->parallel >= 1 && j->parallel <= 16);
	FUZZ_CHECK(j->compression >= 1 && j->compression <= 9);
	FUZZ_CHECK(j->retries >= 1 && j->retries <= 20);
	if (j->stage == STAGE_S3)
		FUZZ_CHECK(j->bucket != NULL && j->prefix != NULL);
	else
		FUZZ_CHECK(j->stage == STAGE_FILE && j->dir != NULL && j->dir[0] == '/');
	touch(j->path);
	touch(j->name);
	touch(j->conninfo);
	touch(j->slot);
	touch(j->publication);
	touch(j->stage_url);
	touch(j->bucket);
	touch(j->prefix);
	touch(j->dir);
	touch(j->endpoint);
	touch(j->region);
	touch(j->access_key_id);
	touch(j->secret_access_key);
	touch(j->dialect);
	touch(j->odbc);
	touch(j->schema);
	touch(j->state_table);
	touch(j->iam_role);
	touch(j->storage_integration);
	FUZZ_CHECK(j->ntables >= 0 && (j->ntables == 0 || j->tables != NULL));
	for (int i = 0; i < j->ntables; i++)
	{
		const job_table *t = &j->tables[i];

		FUZZ_CHECK(t->schema != NULL && t->name != NULL);
		FUZZ_CHECK(t->schema[0] != '\0' && t->name[0] != '\0');
		touch(t->schema);
		touch(t->name);
		if (t->key)
		{
			FUZZ_CHECK(t->nkey >= 1 && t->key[t->nkey] == NULL);
			for (int k = 0; k < t->nkey; k++)
			{
				FUZZ_CHECK(t->key[k] != NULL && t->key[k][0] != '\0');
				touch(t->key[k]);
			}
		}
	}

	/* the stage secret never shows in anything the log writes */
	if (j->secret_access_key && j->secret_access_key[0])
	{
		char	   *scrubbed = log_scrub(j->secret_access_key);

		FUZZ_CHECK(strstr(scrubbed, j->secret_access_key) == NULL);
		free(scrubbed);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_stderr(argc, argv);
	log_set_level(LOG_ERROR);
	setenv("FZ_CONNINFO", "host=127.0.0.1 dbname=src user=wharf password=pw'x", 1);
	setenv("FZ_SECRET", "fz/Secret+Key", 1);
	setenv("FZ_ODBC", "Driver=PostgreSQL Unicode;Pwd={a}}b};Server=wh", 1);
	setenv("FZ_EMPTY", "", 1);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size + 1);
	char	   *nl;
	job			j;
	char	   *schema = NULL;
	char	   *name = NULL;

	FUZZ_CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';

	memset(&j, 0, sizeof(j));
	if (job_load_string(text, "fuzz.ini", &j))
	{
		check_job(&j);
		job_free(&j);
	}
	log_secrets_clear();

	if ((nl = strchr(text, '\n')) != NULL)
		*nl = '\0';
	if (job_parse_qualified_name(text, &schema, &name))
	{
		FUZZ_CHECK(schema != NULL && name != NULL && schema[0] && name[0]);
		free(schema);
		free(name);
	}

	free(text);
	return 0;
}
