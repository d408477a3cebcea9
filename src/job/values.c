/*
 * values.c
 *    The values of the job file's keys: whole numbers, durations, sizes,
 *    booleans, and the names a stage URL, endpoint, region, job and slot
 *    must be; job_set_value checks one value by its key's kind and stores
 *    it in the job.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "job_int.h"
#include "log.h"
#include "sink.h"

bool
job_parse_int(const char *s, int min, int max, int *out)
{
	long		v = 0;

	if (*s == '\0')
		return false;
	for (; *s; s++)
	{
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
		if (v > max)
			return false;
	}
	if (v < min)
		return false;
	*out = (int) v;
	return true;
}

/*
 * A duration: digits, optional blanks, optional unit (s, min, h; none means
 * seconds), from min to max seconds.  *out in seconds.
 */
bool
job_parse_duration(const char *s, int min, int max, int *out)
{
	static const struct
	{
		const char *unit;
		int64_t		mult;
	}			units[] = {
		{"", 1}, {"s", 1}, {"sec", 1}, {"min", 60}, {"h", 3600},
	};
	int64_t		v = 0;
	const char *d = s;

	while (*s >= '0' && *s <= '9')
	{
		v = v * 10 + (*s - '0');
		if (v > max)
			return false;
		s++;
	}
	if (s == d)
		return false;
	while (is_blank(*s))
		s++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
	{
		if (strcasecmp(s, units[i].unit) == 0)
		{
			if (v > max / units[i].mult || v * units[i].mult < min)
				return false;
			*out = (int) (v * units[i].mult);
			return true;
		}
	}
	return false;
}

/* A size: digits, optional blanks, optional unit.  *out in bytes. */
bool
job_parse_size(const char *s, uint64_t *out)
{
	static const struct
	{
		const char *unit;
		uint64_t	mult;
	}			units[] = {
		{"", 1}, {"b", 1},
		{"kb", 1024}, {"kib", 1024},
		{"mb", 1024 * 1024}, {"mib", 1024 * 1024},
		{"gb", 1024 * 1024 * 1024}, {"gib", 1024 * 1024 * 1024},
	};
	uint64_t	v = 0;
	const char *d = s;

	while (*s >= '0' && *s <= '9')
	{
		v = v * 10 + (uint64_t) (*s - '0');
		if (v > PART_SIZE_MAX)
			return false;
		s++;
	}
	if (s == d)
		return false;
	while (is_blank(*s))
		s++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
	{
		if (strcasecmp(s, units[i].unit) == 0)
		{
			if (v > PART_SIZE_MAX / units[i].mult)
				return false;
			*out = v * units[i].mult;
			return true;
		}
	}
	return false;
}

bool
job_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	for (int i = 0; i < 4; i++)
	{
		if (strcasecmp(s, yes[i]) == 0)
		{
			*out = true;
			return true;
		}
		if (strcasecmp(s, no[i]) == 0)
		{
			*out = false;
			return true;
		}
	}
	return false;
}

bool
job_valid_name(const char *s)
{
	size_t		n = strlen(s);

	if (n == 0 || n > JOB_NAME_MAX)
		return false;
	if (!(isalpha((unsigned char) s[0]) || s[0] == '_'))
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char) *s) || *s == '_') || (unsigned char) *s >= 0x80)
			return false;
	return true;
}

bool
job_valid_slot_name(const char *s)
{
	size_t		n = strlen(s);

	if (n == 0 || n > PG_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* S3 bucket naming rules. */
bool
job_valid_bucket(const char *s, size_t n)
{
	int			dots = 0;
	bool		all_ip = true;

	if (n < 3 || n > 63)
		return false;
	if (!isalnum((unsigned char) s[0]) || !isalnum((unsigned char) s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
	{
		char		c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
			return false;
		if (c == '.' && (s[i + 1] == '.' || s[i + 1] == '-' || (i > 0 && s[i - 1] == '-')))
			return false;
		if (c == '.')
			dots++;
		else if (!(c >= '0' && c <= '9'))
			all_ip = false;
	}
	/* not formatted like an IP address */
	return !(all_ip && dots == 3);
}


/* http(s)://host[:port], with at most a trailing '/'. */
bool
job_valid_endpoint(const char *v, size_t *len)
{
	const char *h;
	const char *s;
	size_t		n = strlen(v);

	if (strncmp(v, "http://", 7) == 0)
		h = v + 7;
	else if (strncmp(v, "https://", 8) == 0)
		h = v + 8;
	else
		return false;
	if (n > (size_t) (h - v) && v[n - 1] == '/')
		n--;
	s = h;
	if (*s == '[')
	{
		/* IPv6 literal */
		s++;
		while (s < v + n && (isxdigit((unsigned char) *s) || *s == ':' || *s == '.'))
			s++;
		if (s == h + 1 || s >= v + n || *s != ']')
			return false;
		s++;
	}
	else
	{
		while (s < v + n && (isalnum((unsigned char) *s) || *s == '.' || *s == '-'))
			s++;
		if (s == h)
			return false;
	}
	if (s < v + n && *s == ':')
	{
		const char *port = ++s;
		long		pv = 0;

		while (s < v + n && *s >= '0' && *s <= '9' && s - port < 6)
			pv = pv * 10 + (*s++ - '0');
		if (s == port || pv < 1 || pv > 65535)
			return false;
	}
	if (s != v + n)
		return false;
	*len = n;
	return true;
}

bool
job_valid_region(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char) *s) || *s == '-' || *s == '_'))
			return false;
	return true;
}

/* The registry's dialect names, as "a, b or c". */
static char *
dialect_names(void)
{
	buf			names = BUF_INIT;

	for (int i = 0; sink_dialects[i] != NULL; i++)
	{
		if (i > 0)
			buf_puts(&names, sink_dialects[i + 1] != NULL ? ", " : " or ");
		buf_puts(&names, sink_dialects[i]->name);
	}
	return buf_detach(&names);
}

static bool
set_url(parser *p, const char *key, const char *v)
{
	job		   *j = &p->j;

	if (strncmp(v, "s3://", 5) == 0)
	{
		const char *b = v + 5;
		const char *slash = strchr(b, '/');
		size_t		blen = slash ? (size_t) (slash - b) : strlen(b);
		const char *pre = slash ? slash + 1 : "";
		size_t		plen = strlen(pre);

		if (!job_valid_bucket(b, blen))
			return job_parse_error(p, p->line, p->cur_header,
							   "%s: bad bucket name \"%.*s\" in \"%s\" (3 to 63 lower-case "
							   "letters, digits, '.' and '-', beginning and ending with a "
							   "letter or digit)", key, (int) blen, b, v);
		while (plen > 0 && pre[plen - 1] == '/')
			plen--;
		for (size_t i = 0; i < plen; i++)
			if (pre[i] == '/' && (i == 0 || pre[i - 1] == '/'))
				return job_parse_error(p, p->line, p->cur_header,
								   "%s: empty path segment (\"//\") in the prefix of \"%s\"",
								   key, v);
		j->stage = STAGE_S3;
		j->bucket = xstrndup(b, blen);
		j->prefix = xstrndup(pre, plen);
	}
	else if (strncmp(v, "file://", 7) == 0)
	{
		const char *d = v + 7;
		size_t		dlen = strlen(d);

		if (d[0] != '/')
			return job_parse_error(p, p->line, p->cur_header,
							   "%s: the directory in \"%s\" must be absolute "
							   "(file:///ABSOLUTE/DIR)", key, v);
		while (dlen > 1 && d[dlen - 1] == '/')
			dlen--;
		j->stage = STAGE_FILE;
		j->dir = xstrndup(d, dlen);
	}
	else
	{
		const char *colon = strstr(v, "://");

		if (colon)
			return job_parse_error(p, p->line, p->cur_header,
							   "%s: unsupported scheme \"%.*s\" in \"%s\" "
							   "(s3://BUCKET/PREFIX or file:///ABSOLUTE/DIR)",
							   key, (int) (colon - v), v, v);
		return job_parse_error(p, p->line, p->cur_header,
						   "%s: \"%s\" is not a URL (s3://BUCKET/PREFIX or "
						   "file:///ABSOLUTE/DIR)", key, v);
	}
	j->stage_url = xstrdup(v);
	return true;
}

/* Checks and stores one expanded value.  Takes ownership of v. */
bool
job_set_value(parser *p, const key_def *kd, char *v)
{
	void	   *base = kd->section == SEC_TABLE ? (void *) p->cur_table : (void *) &p->j;
	void	   *field = (char *) base + kd->offset;
	char	   *err = NULL;
	bool		ok = true;

#define BAD(...) (ok = job_parse_error(p, p->line, p->cur_header, __VA_ARGS__))

	switch (kd->kind)
	{
		case V_JOB_NAME:
			if (!job_valid_name(v))
				BAD("%s: bad job name \"%s\" (letters, digits and _, beginning with a "
					"letter or _, at most %d characters)", kd->name, v, JOB_NAME_MAX);
			else
			{
				*(char **) field = v;
				v = NULL;
			}
			break;
		case V_SLOT:
			if (!job_valid_slot_name(v))
				BAD("%s: bad replication slot name \"%s\" (lower-case letters, digits "
					"and _, at most %d characters)", kd->name, v, PG_NAME_MAX);
			else
			{
				*(char **) field = v;
				v = NULL;
			}
			break;
		case V_PUBLICATION:
			if (strlen(v) > PG_NAME_MAX)
				BAD("%s: publication name \"%s\" is longer than %d bytes",
					kd->name, v, PG_NAME_MAX);
			else
			{
				*(char **) field = v;
				v = NULL;
			}
			break;
		case V_CONNINFO:
		case V_ODBC:
		case V_SECRET:
		case V_TEXT:
			*(char **) field = v;
			v = NULL;
			break;
		case V_INT:
			if (!job_parse_int(v, kd->min, kd->max, (int *) field))
				BAD("%s: bad value \"%s\" (a whole number from %d to %d)",
					kd->name, v, kd->min, kd->max);
			break;
		case V_SIZE:
			{
				uint64_t	size;

				if (!job_parse_size(v, &size))
					BAD("%s: bad size \"%s\" (a whole number with an optional unit: "
						"B, kB, MB, GB, KiB, MiB or GiB)", kd->name, v);
				else if (size < PART_SIZE_MIN)
					BAD("%s: %s is below the minimum of 1kB", kd->name, v);
				else
					*(uint64_t *) field = size;
			}
			break;
		case V_DURATION:
			if (!job_parse_duration(v, kd->min, kd->max, (int *) field))
				BAD("%s: bad duration \"%s\" (a whole number of s, min or h, from %ds to %ds; "
					"a number alone is seconds)", kd->name, v, kd->min, kd->max);
			break;
		case V_BOOL:
			if (!job_parse_bool(v, (bool *) field))
				BAD("%s: bad boolean \"%s\" (true, false, yes, no, on, off, 1 or 0)",
					kd->name, v);
			break;
		case V_DIALECT:
			{
				char	   *name = lower_dup(v);

				if (sink_dialect_by_name(name) == NULL)
				{
					char	   *names = dialect_names();

					BAD("%s: unknown dialect \"%s\" (%s)", kd->name, v, names);
					free(names);
					free(name);
				}
				else
					*(char **) field = name;
			}
			break;
		case V_MODE:
			{
				/* the table whose mode this is: incremental is a merge by key too */
				job_table  *jt = (job_table *) ((char *) field - TABF(mode));

				jt->incremental = strcasecmp(v, "incremental") == 0;
				if (strcasecmp(v, "merge") == 0 || jt->incremental)
					*(table_mode *) field = MODE_MERGE;
				else if (strcasecmp(v, "append") == 0)
					*(table_mode *) field = MODE_APPEND;
				else
					BAD("%s: unknown mode \"%s\" (merge, append or incremental)", kd->name, v);
			}
			break;
		case V_DELETES:
			{
				job_table  *jt = (job_table *) ((char *) field - TABF(deletes));

				/* reconcile and none: incremental tables only (checked in finish) */
				jt->deletes_none = strcasecmp(v, "none") == 0;
				jt->deletes_reconcile = strcasecmp(v, "reconcile") == 0;
				if (strcasecmp(v, "hard") == 0 || strcasecmp(v, "reconcile") == 0 ||
					jt->deletes_none)
					*(table_deletes *) field = DELETES_HARD;
				else if (strcasecmp(v, "soft") == 0)
					*(table_deletes *) field = DELETES_SOFT;
				else
					BAD("%s: unknown value \"%s\" (hard or soft; for mode = incremental also "
						"reconcile or none)", kd->name, v);
			}
			break;
		case V_REFRESH:
			if (strcasecmp(v, "replace") == 0)
				*(table_refresh *) field = REFRESH_REPLACE;
			else if (strcasecmp(v, "merge") == 0)
				*(table_refresh *) field = REFRESH_MERGE;
			else
				BAD("%s: unknown value \"%s\" (replace or merge)", kd->name, v);
			break;
		case V_URL:
			ok = set_url(p, kd->name, v);
			break;
		case V_ENDPOINT:
			{
				size_t		n;

				if (!job_valid_endpoint(v, &n))
					BAD("%s: bad endpoint \"%s\" (http:// or https://, then host[:port] "
						"and no path)", kd->name, v);
				else
					*(char **) field = xstrndup(v, n);
			}
			break;
		case V_REGION:
			if (!job_valid_region(v))
				BAD("%s: bad region \"%s\" (such as us-east-1)", kd->name, v);
			else
			{
				*(char **) field = v;
				v = NULL;
			}
			break;
		case V_ARN:
			if (strncmp(v, "arn:", 4) != 0)
				BAD("%s: \"%s\" is not an ARN (arn:aws:iam::ACCOUNT:role/NAME)",
					kd->name, v);
			else
			{
				*(char **) field = v;
				v = NULL;
			}
			break;
		case V_IDENT:
			{
				const char *s = v;
				char	   *name;

				if (!job_parse_ident(&s, &name, "name", &err))
					BAD("%s: bad name \"%s\": %s", kd->name, v, err);
				else if (*s != '\0')
				{
					free(name);
					BAD("%s: bad name \"%s\": one SQL identifier expected "
						"(double-quote names with other characters)", kd->name, v);
				}
				else
					*(char **) field = name;
			}
			break;
		case V_KEYLIST:
			{
				job_table  *t = base;

				if (!job_parse_key_list(v, &t->key, &t->nkey, &err))
					BAD("%s: bad key list \"%s\": %s", kd->name, v, err);
			}
			break;
		case V_COLUMNS:
			{
				job_table  *t = base;

				if (!job_parse_key_list(v, &t->exclude_columns, &t->nexclude_columns, &err))
					BAD("%s: bad column list \"%s\": %s", kd->name, v, err);
			}
			break;
		case V_TABLE_PATTERNS:
			if (p->cur_pattern == NULL)
				BAD("%s: only a pattern section such as [table public.*] excludes tables "
					"(leave this table's section out to leave the table out)", kd->name);
			else if (!job_parse_pattern_list(v, p->cur_pattern, &err))
				BAD("%s: bad table pattern list \"%s\": %s", kd->name, v, err);
			break;
	}
#undef BAD
	free(err);
	free(v);
	return ok;
}
