/*
 * stage.c
 *    The stage as a place: opening it from the job, checking that it can be
 *    written, naming loads, removing a finished load, and telling a Postgres
 *    stand-in warehouse where to fetch each part.  Writing parts is in
 *    part.c.
 */
#include "stage.h"

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
			return false;
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
