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

/* The sections of a job file. */
typedef enum section_kind
{
	SEC_NONE = -1,
	SEC_JOB = 0,
	SEC_SOURCE,
	SEC_STAGE,
	SEC_WAREHOUSE,
	SEC_SYNC,					/* optional */
	SEC_TABLE,
	NUM_SECTIONS
} section_kind;

extern const char *const section_names[NUM_SECTIONS];

/* How a key's value is checked and stored. */
typedef enum value_kind
{
	V_JOB_NAME,
	V_CONNINFO,
	V_SLOT,
	V_PUBLICATION,
	V_INT,
	V_URL,
	V_ENDPOINT,
	V_REGION,
	V_TEXT,
	V_SECRET,
	V_SIZE,
	V_DURATION,
	V_BOOL,
	V_DIALECT,
	V_ODBC,
	V_IDENT,
	V_ARN,
	V_KEYLIST,
	V_MODE,
	V_DELETES,
	V_REFRESH,
	V_COLUMNS,
	V_TABLE_PATTERNS
} value_kind;

typedef struct key_def
{
	section_kind section;
	const char *name;
	value_kind	kind;
	size_t		offset;			/* of the field in job (or job_table) */
	bool		required;
	int			min;			/* V_INT range (V_DURATION: in seconds) */
	int			max;
	/*
	 * The value a key left out takes, as if written, checked as any value
	 * (NULL: none; the slot and publication names derive from the job's).
	 */
	const char *dflt;
} key_def;

/* A key's field in the job, or in a job_table. */
#define JOBF(f) offsetof(job, f)
#define TABF(f) offsetof(job_table, f)

/* How many keys job.c's key tables hold (checked there at compile time). */
#define JOB_NUM_JOB_KEYS 30
#define JOB_NUM_TABLE_KEYS 9

/* Per [table] bookkeeping that the job itself does not keep. */
typedef struct table_info
{
	char	   *header;			/* "[table ...]" as written */
	int			key_line[JOB_NUM_TABLE_KEYS];	/* where each key of table_keys was set, 0 = not */
} table_info;

typedef struct parser
{
	const char *path;
	job			j;				/* being built; handed over on success */
	int			line;
	section_kind cur;
	char	   *cur_header;		/* the current section as written, "[stage]" */
	int			section_line[NUM_SECTIONS - 1]; /* header line of fixed sections */
	int			key_line[JOB_NUM_JOB_KEYS];	/* where each key of job_keys was set */
	table_info *tinfo;			/* parallel to j.tables */
	table_info *ptinfo;			/* parallel to j.patterns */
	/* the table section being read: a job_table of j.tables or j.patterns */
	job_table  *cur_table;
	table_info *cur_tinfo;
	job_pattern *cur_pattern;	/* when it is a pattern section */
	const char *literal_secret; /* first secret written literally, or NULL */
} parser;

/*
 * Reports one problem: "path:line: [section] message".  line 0 leaves the
 * line out, header NULL the section.  Always returns false.
 */
extern bool job_parse_error(parser *p, int line, const char *header, const char *fmt,...)
			__attribute__((format(printf, 4, 5)));
/* values.c: checks and stores one expanded value of key kd (takes ownership of v). */
extern bool job_set_value(parser *p, const key_def *kd, char *v);

/*
 * ini.c: reads text (len bytes) line by line, handing each section header's
 * content and each key and value (trimmed, the value's comment cut off) to
 * the handlers with the line's number; a syntax error goes to error, with
 * in_section true when it is inside the current section (its header then
 * belongs in the message).  Stops at the first handler that returns false.
 */
typedef struct job_ini_handlers
{
	bool		(*section) (void *arg, int line, const char *content);
	bool		(*pair) (void *arg, int line, const char *key, const char *value);
	bool		(*error) (void *arg, int line, bool in_section, const char *message);
} job_ini_handlers;

extern bool job_ini_read(const char *text, size_t len, const job_ini_handlers *h, void *arg);

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
