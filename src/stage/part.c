/*
 * part.c
 *    Writing one table's load into the stage: gzip CSV parts that rotate on
 *    row boundaries, then the manifest that lists exactly those parts.
 *
 * Rows are gathered into an input buffer and deflated in large chunks (one
 * deflate call per row would cost more than the compression itself).  A part
 * lives in a local file while it is written: under a temporary name in the
 * stage directory for file:// stages (renamed into place when complete), or
 * in the spool directory for S3 (uploaded, then removed).  Memory use is the
 * input and output buffers, whatever the table's size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "csv.h"
#include "log.h"
#include "stage.h"

#define PART_INPUT_CHUNK	(256 * 1024)
#define PART_OUTPUT_CHUNK	(256 * 1024)

struct stage_writer
{
	const stage *s;
	char	   *table;			/* display name, for messages */
	char	   *load_id;
	buf			columns;		/* manifest's column list, JSON */
	char	   *folder;			/* key prefix (s3) or directory (file) */
	/*
	 * >= 0: the writer of one range of a table that several readers stage
	 * (stage_writer_open_range): its parts are named part-r<range>-NNNNN
	 * and the manifest is written for all ranges (stage_results_join).
	 */
	int			range;
	/* for a row over the stage's max_row_bytes: where its key is */
	int			lead;			/* fields before the table's columns */
	int			nkeys;
	int		   *key_field;		/* in key order: column index among the fields */
	char	  **key_name;

	stage_part_fn on_part;		/* told of each part in its place, or NULL */
	void	   *on_part_arg;

	/* the part being written */
	bool		part_open;
	int			fd;
	char	   *part_path;		/* local file being written */
	z_stream	zs;
	uint64_t	part_bytes;		/* compressed bytes in the open part */
	uint64_t	part_rows;
	buf			in;				/* rows waiting to be deflated */
	unsigned char *out;

	/* what is done */
	int			nparts;
	char	  **part_names;
	uint64_t   *part_sizes;
	uint64_t	rows;
	uint64_t	raw_bytes;
	uint64_t	bytes;
};

/* A folder name for a table: schema.table with unsafe bytes %-encoded. */
static void
part_folder_component(buf *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || *p == '_' || *p == '-')
			buf_putc(out, (char) *p);
		else
			buf_printf(out, "%%%02X", *p);
	}
}

static char *
part_name(const stage_writer *w, int n)
{
	if (w->range >= 0)
		return xasprintf("part-r%d-%05d.csv.gz", w->range, n);
	return xasprintf("part-%05d.csv.gz", n);
}

static bool
part_write_all(stage_writer *w, const unsigned char *data, size_t len)
{
	while (len > 0)
	{
		ssize_t		n = write(w->fd, data, len);

		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			log_error("stage: table %s: cannot write part %d (%s): %s%s",
					  w->table, w->nparts + 1, w->part_path, strerror(errno),
					  w->s->kind == STAGE_S3 ?
					  "; parts are spooled in TMPDIR while they are written" : "");
			return false;
		}
		data += n;
		len -= (size_t) n;
	}
	return true;
}

/* Feeds the buffered rows to deflate; with finish, ends the gzip stream. */
static bool
part_deflate(stage_writer *w, bool finish)
{
	int			flush = finish ? Z_FINISH : Z_NO_FLUSH;
	int			rc;

	w->zs.next_in = (unsigned char *) w->in.data;
	w->zs.avail_in = (uInt) w->in.len;
	do
	{
		size_t		have;

		w->zs.next_out = w->out;
		w->zs.avail_out = PART_OUTPUT_CHUNK;
		rc = deflate(&w->zs, flush);
		if (rc == Z_STREAM_ERROR)
		{
			log_error("stage: table %s: gzip failed in part %d", w->table, w->nparts + 1);
			return false;
		}
		have = PART_OUTPUT_CHUNK - w->zs.avail_out;
		if (have > 0 && !part_write_all(w, w->out, have))
			return false;
		w->part_bytes += have;
	} while (w->zs.avail_out == 0 || (finish && rc != Z_STREAM_END));
	w->raw_bytes += w->in.len;
	buf_reset(&w->in);
	return true;
}

static bool
part_open(stage_writer *w)
{
	char	   *name = part_name(w, w->nparts + 1);

	if (w->s->kind == STAGE_FILE)
		w->part_path = xasprintf("%s/.%s.tmp", w->folder, name);
	else
		w->part_path = xasprintf("%s/wharf-%d-%p-%s", w->s->spool_dir, (int) getpid(),
								 (void *) w, name);
	free(name);
	w->fd = open(w->part_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0)
	{
		log_error("stage: table %s: cannot create part %s: %s%s",
				  w->table, w->part_path, strerror(errno),
				  w->s->kind == STAGE_S3 ?
				  "; parts are spooled in TMPDIR while they are written" : "");
		free(w->part_path);
		w->part_path = NULL;
		return false;
	}
	memset(&w->zs, 0, sizeof(w->zs));
	/* 15 + 16: a gzip wrapper around deflate's default window */
	if (deflateInit2(&w->zs, w->s->compression, Z_DEFLATED, 15 + 16, 8,
					 Z_DEFAULT_STRATEGY) != Z_OK)
	{
		log_error("stage: table %s: cannot start gzip", w->table);
		close(w->fd);
		unlink(w->part_path);
		return false;
	}
	w->part_open = true;
	w->part_bytes = 0;
	w->part_rows = 0;
	return true;
}

/* Drops the open part's local file. */
static void
part_discard(stage_writer *w)
{
	if (!w->part_open)
		return;
	deflateEnd(&w->zs);
	close(w->fd);
	unlink(w->part_path);
	free(w->part_path);
	w->part_path = NULL;
	w->part_open = false;
}

/* Finishes the open part and puts it in its place in the stage. */
static bool
part_close(stage_writer *w)
{
	char	   *name;
	char	   *dest;
	bool		ok;

	if (!part_deflate(w, true))
	{
		part_discard(w);
		return false;
	}
	deflateEnd(&w->zs);
	if (w->s->kind == STAGE_FILE && fsync(w->fd) != 0)
	{
		log_error("stage: table %s: cannot sync part %d: %s",
				  w->table, w->nparts + 1, strerror(errno));
		close(w->fd);
		unlink(w->part_path);
		w->part_open = false;
		return false;
	}
	close(w->fd);
	w->part_open = false;

	name = part_name(w, w->nparts + 1);
	dest = xasprintf("%s/%s", w->folder, name);
	if (w->s->kind == STAGE_FILE)
	{
		ok = rename(w->part_path, dest) == 0;
		if (!ok)
			log_error("stage: table %s: cannot rename part into %s: %s",
					  w->table, dest, strerror(errno));
	}
	else
		ok = upload_put_file(&w->s->s3, dest, w->part_path);
	if (!ok || w->s->kind == STAGE_S3)
		unlink(w->part_path);
	free(w->part_path);
	w->part_path = NULL;
	free(dest);
	if (!ok)
	{
		free(name);
		return false;
	}
	w->part_names = xrealloc(w->part_names, sizeof(char *) * (size_t) (w->nparts + 1));
	w->part_sizes = xrealloc(w->part_sizes, sizeof(uint64_t) * (size_t) (w->nparts + 1));
	w->part_names[w->nparts] = name;
	w->part_sizes[w->nparts] = w->part_bytes;
	w->nparts++;
	w->bytes += w->part_bytes;
	if (w->on_part)
		w->on_part(w->on_part_arg, w->folder, name);
	return true;
}

void
stage_writer_on_part(stage_writer *w, stage_part_fn fn, void *arg)
{
	w->on_part = fn;
	w->on_part_arg = arg;
}

bool
stage_writer_open(const stage *s, const char *load_id, const table_def *t,
				  stage_writer **out)
{
	return stage_writer_open_range(s, load_id, t, -1, out);
}

/* The manifest's column list: t's column names, as JSON. */
static void
part_columns_json(const table_def *t, buf *out)
{
	buf_putc(out, '[');
	for (int i = 0; i < t->ncols; i++)
	{
		if (i > 0)
			buf_puts(out, ", ");
		buf_put_json_string(out, t->cols[i].name);
	}
	buf_putc(out, ']');
}

/* The table's folder in the stage (stage.h's layout). */
static char *
part_table_folder(const stage *s, const char *load_id, const table_def *t)
{
	buf			folder = BUF_INIT;

	if (s->root[0] != '\0')
		buf_printf(&folder, "%s/", s->root);
	buf_printf(&folder, "%s/%s%s/", s->job_name, s->transient ? STAGE_TRANSIENT "/" : "",
			   load_id);
	part_folder_component(&folder, t->schema);
	buf_putc(&folder, '.');
	part_folder_component(&folder, t->name);
	return buf_detach(&folder);
}

bool
stage_writer_open_range(const stage *s, const char *load_id, const table_def *t, int range,
						stage_writer **out)
{
	stage_writer *w = xcalloc(1, sizeof(stage_writer));

	w->s = s;
	w->range = range;
	w->table = table_display_name(t);
	w->load_id = xstrdup(load_id);
	w->fd = -1;
	buf_init(&w->in);
	buf_reserve(&w->in, PART_INPUT_CHUNK);
	w->out = xmalloc(PART_OUTPUT_CHUNK);

	part_columns_json(t, &w->columns);
	w->key_field = xcalloc((size_t) t->ncols + 1, sizeof(int));
	w->key_name = xcalloc((size_t) t->ncols + 1, sizeof(char *));
	for (int pos = 1; pos <= t->ncols; pos++)
		for (int i = 0; i < t->ncols; i++)
			if (t->cols[i].key_pos == pos)
			{
				w->key_field[w->nkeys] = i;
				w->key_name[w->nkeys++] = xstrdup(t->cols[i].name);
			}

	w->folder = part_table_folder(s, load_id, t);

	if ((s->kind == STAGE_FILE && !stage_mkdirs(w->folder)) || !part_open(w))
	{
		stage_writer_abort(w);
		return false;
	}
	*out = w;
	return true;
}

void
stage_writer_set_lead(stage_writer *w, int n)
{
	w->lead = n;
}

/*
 * A row too long for the warehouse: one error naming the table and the
 * row's key, read back from the row itself (only ever on this failure).
 */
static void
part_report_long_row(const stage_writer *w, const char *data, size_t len)
{
	buf			key = BUF_INIT;
	buf			field = BUF_INIT;
	size_t		pos = 0;
	bool		is_null = false;
	bool		end = false;

	for (int k = 0; k < w->nkeys; k++)
		buf_printf(&key, "%s\"%s\"", k ? ", " : ", key (", w->key_name[k]);
	if (w->nkeys > 0)
		buf_puts(&key, ")=(");
	for (int f = 0; w->nkeys > 0 && !end; f++)
	{
		buf_reset(&field);
		if (!csv_read_field(data, len, &pos, &field, &is_null, &end))
			break;
		for (int k = 0; k < w->nkeys; k++)
			if (w->key_field[k] + w->lead == f)
				buf_printf(&key, "%s%.*s", k ? ", " : "", (int) (field.len > 100 ? 100 : field.len),
						   is_null ? "NULL" : field.data ? field.data : "");
	}
	if (w->nkeys > 0)
		buf_putc(&key, ')');
	log_error("stage: table %s%s: a row of %zu bytes, over %s's limit of %llu bytes for one "
			  "input row", w->table, key.data ? key.data : "", len,
			  w->s->row_limit_of ? w->s->row_limit_of : "the warehouse",
			  (unsigned long long) w->s->max_row_bytes);
	buf_free(&key);
	buf_free(&field);
}

bool
stage_write_rows(stage_writer *w, const char *data, size_t len, uint64_t nrows)
{
	if (w->s->stop != NULL && *w->s->stop)
		return false;
	if (w->s->max_row_bytes > 0 && nrows == 1 && len > w->s->max_row_bytes)
	{
		part_report_long_row(w, data, len);
		return false;
	}
	if (w->in.len + len > PART_INPUT_CHUNK && w->in.len > 0)
	{
		if (!part_deflate(w, false))
			return false;			/* errors have already been logged */
		/* rotate between rows once the part is big enough */
		if (w->part_bytes >= w->s->part_size && (!part_close(w) || !part_open(w)))
			return false;
	}
	buf_append(&w->in, data, len);
	w->rows += nrows;
	w->part_rows += nrows;
	return true;
}

static char *
stage_url(const stage *s, const char *path)
{
	if (s->kind == STAGE_FILE)
		return xasprintf("file://%s", path);
	return xasprintf("s3://%s/%s", s->s3.bucket, path);
}

char *
stage_table_folder_url(const stage *s, const char *load_id, const table_def *t)
{
	char	   *folder = part_table_folder(s, load_id, t);
	char	   *url = stage_url(s, folder);
	char	   *out = xasprintf("%s/", url);

	free(folder);
	free(url);
	return out;
}

/*
 * Writes the manifest of the finished load r (its parts, rows and folder)
 * of table (display name) whose columns are columns (JSON).
 */
static bool
part_write_manifest(const stage *s, const char *load_id, const char *table,
					const char *columns, const stage_result *r)
{
	buf			m = BUF_INIT;
	char	   *path = xasprintf("%s/manifest.json", r->folder);
	bool		ok = true;

	buf_puts(&m, "{\"entries\": [");
	for (int i = 0; i < r->nparts; i++)
	{
		char	   *url = xasprintf("%s%s", r->folder_url, r->part_names[i]);

		buf_puts(&m, i ? ",\n  " : "\n  ");
		buf_puts(&m, "{\"url\": ");
		buf_put_json_string(&m, url);
		buf_printf(&m, ", \"mandatory\": true, \"meta\": {\"content_length\": %llu}}",
				   (unsigned long long) r->part_bytes[i]);
		free(url);
	}
	buf_puts(&m, "\n],\n\"wharf\": {\"job\": ");
	buf_put_json_string(&m, s->job_name);
	buf_puts(&m, ", \"load_id\": ");
	buf_put_json_string(&m, load_id);
	buf_puts(&m, ", \"table\": ");
	buf_put_json_string(&m, table);
	buf_printf(&m, ", \"format\": \"csv\", \"compression\": \"gzip\", \"rows\": %llu, "
			   "\"columns\": %s}}\n",
			   (unsigned long long) r->rows, columns);

	if (s->kind == STAGE_S3)
		ok = upload_put_buffer(&s->s3, path, m.data, m.len);
	else
	{
		char	   *tmp = xasprintf("%s/.manifest.json.tmp", r->folder);
		FILE	   *f = fopen(tmp, "w");

		ok = f != NULL && fwrite(m.data, 1, m.len, f) == m.len;
		ok = (f != NULL && fflush(f) == 0 && fsync(fileno(f)) == 0) && ok;
		if (f)
			fclose(f);
		ok = ok && rename(tmp, path) == 0;
		if (!ok)
		{
			log_error("stage: table %s: cannot write manifest %s: %s",
					  table, path, strerror(errno));
			unlink(tmp);
		}
		free(tmp);
	}
	free(path);
	buf_free(&m);
	return ok;
}

bool
stage_writer_finish(stage_writer *w, stage_result *out)
{
	stage_result r;

	/* an empty table still gets one (empty) part, so COPY has a file */
	if (!part_close(w))
	{
		stage_writer_abort(w);
		return false;
	}
	memset(&r, 0, sizeof(r));
	r.folder = xstrdup(w->folder);
	{
		char	   *f = stage_url(w->s, w->folder);

		r.folder_url = xasprintf("%s/", f);
		free(f);
	}
	r.manifest_url = xasprintf("%smanifest.json", r.folder_url);
	r.nparts = w->nparts;
	r.part_names = w->part_names;
	r.part_bytes = w->part_sizes;
	r.rows = w->rows;
	r.raw_bytes = w->raw_bytes;
	r.bytes = w->bytes;
	w->part_names = NULL;
	w->part_sizes = NULL;
	w->nparts = 0;
	/* a range's parts are listed with the others' (stage_results_join) */
	if (w->range < 0 && !part_write_manifest(w->s, w->load_id, w->table, w->columns.data, &r))
	{
		stage_remove(w->s, &r);
		stage_result_free(&r);
		stage_writer_abort(w);
		return false;
	}
	stage_writer_abort(w);		/* frees what is left */
	*out = r;
	return true;
}

bool
stage_results_join(const stage *s, const char *load_id, const table_def *t,
				   stage_result *ranges, int n, stage_result *out)
{
	stage_result r;
	buf			columns = BUF_INIT;
	char	   *display = table_display_name(t);
	bool		ok;

	memset(&r, 0, sizeof(r));
	r.folder = part_table_folder(s, load_id, t);
	{
		char	   *f = stage_url(s, r.folder);

		r.folder_url = xasprintf("%s/", f);
		free(f);
	}
	r.manifest_url = xasprintf("%smanifest.json", r.folder_url);
	for (int k = 0; k < n; k++)
	{
		r.part_names = xrealloc(r.part_names, sizeof(char *) * (size_t) (r.nparts + ranges[k].nparts));
		r.part_bytes = xrealloc(r.part_bytes, sizeof(uint64_t) * (size_t) (r.nparts + ranges[k].nparts));
		for (int i = 0; i < ranges[k].nparts; i++)
		{
			r.part_names[r.nparts] = ranges[k].part_names[i];
			r.part_bytes[r.nparts++] = ranges[k].part_bytes[i];
		}
		r.rows += ranges[k].rows;
		r.raw_bytes += ranges[k].raw_bytes;
		r.bytes += ranges[k].bytes;
		free(ranges[k].part_names);
		ranges[k].part_names = NULL;
		ranges[k].nparts = 0;
		stage_result_free(&ranges[k]);
	}
	part_columns_json(t, &columns);
	ok = part_write_manifest(s, load_id, display, columns.data, &r);
	buf_free(&columns);
	free(display);
	if (!ok)
	{
		stage_remove(s, &r);
		stage_result_free(&r);
		return false;
	}
	*out = r;
	return true;
}

void
stage_writer_abort(stage_writer *w)
{
	if (w == NULL)
		return;
	part_discard(w);
	/* parts already stored are removed: a failed load leaves nothing */
	for (int i = 0; i < w->nparts; i++)
	{
		char	   *dest = xasprintf("%s/%s", w->folder, w->part_names[i]);

		if (w->s->kind == STAGE_FILE)
			unlink(dest);
		else
			upload_delete(&w->s->s3, dest);
		free(dest);
	}
	for (int i = 0; i < w->nparts; i++)
		free(w->part_names[i]);
	free(w->part_names);
	free(w->part_sizes);
	for (int k = 0; k < w->nkeys; k++)
		free(w->key_name[k]);
	free(w->key_name);
	free(w->key_field);
	free(w->table);
	free(w->load_id);
	free(w->folder);
	free(w->out);
	buf_free(&w->in);
	buf_free(&w->columns);
	free(w);
}
