/*
 * job_int.h
 *    What the job file's reader (job.c) shares with its value, name and
 *    secret parsers (values.c, names.c, secrets.c); not for other modules.
 */
#ifndef WHARF_JOB_INT_H
#define WHARF_JOB_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "job.h"

#define JOB_NAME_MAX 40
#define PG_NAME_MAX 63
#define PART_SIZE_MIN ((uint64_t) 1024)
#define PART_SIZE_MAX ((uint64_t) 1024 * 1024 * 1024 * 1024)	/* also the largest size */

static inline bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Trims blanks at both ends of [*start, *end). */
static inline void
trim_range(const char **start, const char **end)
{
	while (*start < *end && is_blank(**start))
		(*start)++;
	while (*end > *start && is_blank((*end)[-1]))
		(*end)--;
}

static inline char *
lower_dup(const char *s)
{
	char	   *r = xstrdup(s);

	for (char *c = r; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char) (*c - 'A' + 'a');
	return r;
}

/* names.c */
extern int	job_edit_distance(const char *a, const char *b);
extern bool job_close_enough(const char *candidate, int distance);
/* One SQL identifier at *pp (quoted, or folded to lower case); what names it in *err. */
extern bool job_parse_ident(const char **pp, char **out, const char *what, char **err);
extern bool job_parse_qualified(const char *text, char **schema, char **name, char **err);
extern bool job_parse_key_list(const char *text, char ***out, int *nout, char **err);
extern bool job_parse_pattern(const char **pp, char **schema, char **name, bool *wild, char **err);
extern bool job_parse_pattern_list(const char *text, job_pattern *pat, char **err);

/* secrets.c: each password of a connection string, as written and decoded, into out */
extern void job_uri_passwords(const char *s, strlist *out);
extern void job_conninfo_passwords(const char *s, strlist *out);
extern void job_odbc_passwords(const char *s, strlist *out);

/* values.c */
extern bool job_parse_int(const char *s, int min, int max, int *out);
extern bool job_parse_duration(const char *s, int min, int max, int *out);
extern bool job_parse_size(const char *s, uint64_t *out);
extern bool job_parse_bool(const char *s, bool *out);
extern bool job_valid_name(const char *s);
extern bool job_valid_slot_name(const char *s);
extern bool job_valid_bucket(const char *s, size_t n);
extern bool job_valid_endpoint(const char *v, size_t *len);
extern bool job_valid_region(const char *s);

#endif
