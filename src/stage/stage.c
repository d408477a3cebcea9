/*
 * stage.c
 *    The stage as a place: opening it from the job, checking that it can be
 *    written, naming loads, removing a finished load, and telling a Postgres
 *    stand-in warehouse where to fetch each part.  Writing parts is in
 *    part.c.
 */
#include "stage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

bool
stage_open(const job *j, stage *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = j->stage;
	out->part_size = j->part_size;
	out->compression = j->compression;
	out->job_name = j->name;
	if (j->stage == STAGE_FILE)
		out->root = xstrdup(j->dir);
	else
	{
		const char *tmp = getenv("TMPDIR");

		out->root = xstrdup(j->prefix ? j->prefix : "");
		out->s3.endpoint = j->endpoint;
		out->s3.region = j->region;
		out->s3.bucket = j->bucket;
		out->s3.access_key_id = j->access_key_id;
		out->s3.secret_access_key = j->secret_access_key;
		out->s3.retries = j->retries;
		out->spool_dir = xstrdup(tmp && tmp[0] ? tmp : "/tmp");
	}
	return true;
}

void
stage_close(stage *s)
{
	free(s->root);
	free(s->spool_dir);
	s->root = NULL;
	s->spool_dir = NULL;
}

/* Creates dir and its parents, like mkdir -p. */
bool
stage_mkdirs(const char *dir)
{
	char	   *path = xstrdup(dir);
	bool		ok = true;

	for (char *p = path + 1; ok; p++)
	{
		if (*p == '/' || *p == '\0')
		{
			char		saved = *p;

			*p = '\0';
			if (mkdir(path, 0755) != 0 && errno != EEXIST)
			{
				log_error("stage: cannot create directory %s: %s", path, strerror(errno));
				ok = false;
			}
			*p = saved;
			if (saved == '\0')
				break;
		}
	}
	free(path);
	return ok;
}

bool
stage_check(const stage *s)
{
	if (s->kind == STAGE_S3)
		return upload_check_bucket(&s->s3);
	else
	{
		char	   *probe;
		int			fd;

		if (!stage_mkdirs(s->root))
			return false;			/* errors have already been logged */
		probe = xasprintf("%s/.wharf-check-%d", s->root, (int) getpid());
		fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
		{
			log_error("stage: cannot write in %s: %s", s->root, strerror(errno));
			free(probe);
			return false;
		}
		close(fd);
		unlink(probe);
		free(probe);
		return true;
	}
}

char *
stage_new_load_id(void)
{
	time_t		now = time(NULL);
	struct tm	tm;
	char		stamp[32];
	unsigned	salt;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	salt = (unsigned) getpid() ^ (unsigned) clock() ^ (unsigned) (now * 2654435761u);
	return xasprintf("%s-%06x", stamp, salt & 0xffffff);
}

bool
stage_remove(const stage *s, const stage_result *r)
{
	bool		ok = true;

	for (int i = 0; i < r->nparts; i++)
	{
		char	   *name = xasprintf("%s/%s", r->folder, r->part_names[i]);

		if (s->kind == STAGE_S3)
			ok &= upload_delete(&s->s3, name);
		else if (unlink(name) != 0 && errno != ENOENT)
		{
			log_error("stage: cannot remove %s: %s", name, strerror(errno));
			ok = false;
		}
		free(name);
	}
	if (ok)
	{
		char	   *manifest = xasprintf("%s/manifest.json", r->folder);

		if (s->kind == STAGE_S3)
			ok &= upload_delete(&s->s3, manifest);
		else
		{
			char	   *parent;
			char	   *slash;

			unlink(manifest);
			rmdir(r->folder);
			/* the load's folder goes once its last table is gone */
			parent = xstrdup(r->folder);
			slash = strrchr(parent, '/');
			if (slash)
			{
				*slash = '\0';
				rmdir(parent);
			}
			free(parent);
		}
		free(manifest);
	}
	if (!ok)
	{
		char	   *url = s->kind == STAGE_S3 ?
			xasprintf("s3://%s/%s/", s->s3.bucket, r->folder) : xasprintf("%s/", r->folder);

		log_warn("stage: the staged objects under %s were not all removed; nothing needs "
				 "them any more: remove them by hand", url);
		free(url);
	}
	return ok;
}

/* Notes the load folder of key (below the transient folder) in loads, once. */
static void
orphan_note_load(strlist *loads, const char *rel)
{
	const char *slash = strchr(rel, '/');
	size_t		n = slash ? (size_t) (slash - rel) : strlen(rel);

	for (int i = 0; i < loads->n; i++)
		if (strlen(loads->items[i]) == n && strncmp(loads->items[i], rel, n) == 0)
			return;
	strlist_push(loads, xstrndup(rel, n));
}

/*
 * Removes dir's files and folders below it, then dir itself; counts the
 * files in *removed and notes each folder right under top in loads.
 */
static bool
orphan_remove_dir(const char *dir, const char *top, strlist *loads, int *removed)
{
	DIR		   *d = opendir(dir);
	struct dirent *e;
	bool		ok = true;

	if (d == NULL)
		return errno == ENOENT;
	while ((e = readdir(d)) != NULL)
	{
		char	   *path;
		struct stat sb;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		if (strcmp(dir, top) == 0)
			orphan_note_load(loads, e->d_name);
		if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			ok &= orphan_remove_dir(path, top, loads, removed);
		else if (unlink(path) == 0)
			(*removed)++;
		else if (errno != ENOENT)
			ok = false;
		free(path);
	}
	closedir(d);
	if (strcmp(dir, top) != 0 && rmdir(dir) != 0 && errno != ENOENT)
		ok = false;
	return ok;
}

/*
 * The rule (stage.h): a run stages under JOB/_transient/ only while it holds
 * the job's lock on the source, and removes what it staged there before it
 * lets the lock go; a kill lets the lock go with the connection.  So once
 * our caller holds the lock, nothing under it belongs to a live run, and
 * none of it is something a user keeps (`wharf stage` and keep = true stage
 * elsewhere).  A run that lost its source connection without dying cannot
 * be told apart; its load then fails at the warehouse and rolls back.
 */
void
stage_remove_orphans(const stage *s)
{
	strlist		loads = {0};
	int			removed = 0;
	bool		ok = true;
	char	   *top;
	char	   *where;

	if (s->root[0] != '\0')
		top = xasprintf("%s/%s/" STAGE_TRANSIENT, s->root, s->job_name);
	else
		top = xasprintf("%s/" STAGE_TRANSIENT, s->job_name);
	where = s->kind == STAGE_S3 ? xasprintf("s3://%s/%s/", s->s3.bucket, top) :
		xasprintf("%s/", top);
	if (s->kind == STAGE_S3)
	{
		strlist		keys = {0};
		char	   *prefix = xasprintf("%s/", top);
		size_t		plen = strlen(prefix);

		ok = upload_list(&s->s3, prefix, &keys);
		for (int i = 0; ok && i < keys.n; i++)
		{
			if (strncmp(keys.items[i], prefix, plen) != 0)
				continue;
			orphan_note_load(&loads, keys.items[i] + plen);
			if (!upload_delete(&s->s3, keys.items[i]))
				ok = false;
			else
				removed++;
		}
		strlist_free(&keys);
		free(prefix);
	}
	else
		ok = orphan_remove_dir(top, top, &loads, &removed);

	if (removed > 0)
	{
		buf			names = BUF_INIT;

		for (int i = 0; i < loads.n && i < 3; i++)
			buf_printf(&names, "%s%s", i ? ", " : "", loads.items[i]);
		if (loads.n > 3)
			buf_printf(&names, " and %d more", loads.n - 3);
		log_info("stage: removed %d object%s of interrupted loads (%d load%s under %s: %s)",
				 removed, removed == 1 ? "" : "s", loads.n, loads.n == 1 ? "" : "s", where,
				 names.data);
		buf_free(&names);
	}
	if (!ok)
		log_warn("stage: could not remove every object of interrupted loads under %s; "
				 "the next run tries again", where);
	strlist_free(&loads);
	free(where);
	free(top);
}

void
stage_result_free(stage_result *r)
{
	free(r->folder);
	free(r->folder_url);
	free(r->manifest_url);
	for (int i = 0; i < r->nparts; i++)
		free(r->part_names[i]);
	free(r->part_names);
	free(r->part_bytes);
	memset(r, 0, sizeof(*r));
}

char *
stage_part_fetch(const stage *s, const stage_result *r, int i, int expires_s)
{
	return stage_fetch(s, r->folder, r->part_names[i], expires_s);
}

char *
stage_fetch(const stage *s, const char *folder, const char *name, int expires_s)
{
	char	   *path = xasprintf("%s/%s", folder, name);
	char	   *url;

	if (s->kind == STAGE_FILE)
		return path;
	url = upload_presign_get(&s->s3, path, expires_s);
	free(path);
	return url;
}
