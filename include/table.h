/*
 * table.h
 *    The neutral description of a replicated table: its source name, its
 *    columns and their types, its key, and where it lands.
 *
 * The source module fills it from the Postgres catalog; stage, warehouse and
 * the dialects in sinks/ only read it.  Nothing here depends on libpq or ODBC.
 */
#ifndef WHARF_TABLE_H
#define WHARF_TABLE_H

#include <stdbool.h>
#include <stdint.h>

/* What a column holds, as far as a warehouse type map cares. */
typedef enum col_kind
{
	COL_BOOL,
	COL_INT2,
	COL_INT4,
	COL_INT8,
	COL_NUMERIC,				/* precision/scale below; -1 when unconstrained */
	COL_FLOAT4,
	COL_FLOAT8,
	COL_MONEY,
	COL_TEXT,
	COL_VARCHAR,				/* length below, -1 when unbounded */
	COL_CHAR,					/* length below */
	COL_DATE,
	COL_TIME,
	COL_TIMETZ,
	COL_TIMESTAMP,
	COL_TIMESTAMPTZ,
	COL_INTERVAL,
	COL_BYTEA,
	COL_UUID,
	COL_JSON,
	COL_JSONB,
	COL_XML,
	COL_INET,
	COL_CIDR,
	COL_MACADDR,
	COL_MACADDR8,
	COL_BIT,
	COL_VARBIT,
	COL_RANGE,					/* a built-in range or multirange type */
	COL_ENUM,					/* user enum: text in every warehouse */
	COL_OTHER					/* any other type: composite, domain over one, extension types; last */
} col_kind;

#define COL_NKINDS	(COL_OTHER + 1)	/* how many col_kinds there are */

typedef struct table_column
{
	char	   *name;			/* column name, unquoted */
	uint32_t	type_oid;		/* pg_type oid of the column (array type for arrays) */
	col_kind	kind;			/* of the element type, for arrays */
	bool		is_array;
	int			precision;		/* numeric precision, -1 if none */
	int			scale;			/* numeric scale, -1 if none */
	int			length;			/* varchar/char/bit length, -1 if none */
	int			time_precision; /* time/timestamp fractional digits, -1 if default */
	/*
	 * The type as Postgres spells it (format_type()), when the type is one
	 * of pg_catalog's and so exists in any Postgres; NULL for user types.
	 * Only the postgres dialect uses it.
	 */
	char	   *pg_type;
	bool		not_null;
	int			key_pos;		/* 1-based position in the key, 0 if not a key column */
	int			attnum;			/* the source's pg_attribute.attnum, 0 if unknown */
	/*
	 * Change batches only: the source dropped this column.  It is not
	 * staged; the warehouse keeps it and sets it NULL in rows changed from
	 * then on.
	 */
	bool		dropped;
} table_column;

typedef enum table_mode
{
	MODE_MERGE,					/* rows identified by a key; updates and deletes apply */
	MODE_APPEND					/* insert-only history, no key needed */
} table_mode;

typedef enum table_deletes
{
	DELETES_HARD,
	DELETES_SOFT
} table_deletes;

/* How a snapshot brings a target that holds rows in line (merge mode, hard deletes). */
typedef enum table_refresh
{
	REFRESH_REPLACE,			/* emptied and loaded anew, in the load's transaction */
	REFRESH_MERGE				/* rows merged by key, rows gone from the source deleted */
} table_refresh;

typedef struct table_def
{
	char	   *schema;			/* source schema, unquoted */
	char	   *name;			/* source table name, unquoted */
	char	   *target_schema;	/* warehouse schema */
	char	   *target_name;	/* warehouse table */
	table_mode	mode;
	table_deletes deletes;
	table_refresh refresh;
	int			ncols;
	table_column *cols;
	int			nkeys;			/* number of key columns (0 in append mode) */
	uint32_t	relid;			/* source pg_class oid, 0 until the catalog is read */
	/*
	 * A partitioned table (relkind 'p'): its rows are those of its leaf
	 * partitions, read and streamed as this one table.
	 */
	bool		partitioned;
	/*
	 * The metadata columns of the warehouse table, NULL when off (the
	 * job's [warehouse] synced_at_column, lsn_column, op_column; the job
	 * owns the names): see sink.h.
	 */
	const char *synced_at_col;
	const char *lsn_col;
	const char *op_col;
	/*
	 * The job's exclude_columns: columns never read by a snapshot, never
	 * published, never loaded (a column of that name added later at the
	 * source stays out too).  None is in cols.
	 */
	char	  **excluded;
	int			nexcluded;
	/*
	 * mode = incremental (incremental.h): the cursor column, or INCR_XMIN;
	 * NULL for other tables.  The job owns it.  lookback in the cursor's
	 * units (seconds for a date or time); deletes found by comparing keys
	 * every reconcile_every loads, unless deletes_none.
	 */
	const char *cursor;
	int64_t		lookback;
	int			reconcile_every;
	bool		deletes_none;
	/*
	 * Snapshot reads: only the rows this predicate on the source table
	 * holds for (an incremental load's bounds, source_incr_where), NULL
	 * for every row.  Not owned.
	 */
	const char *read_where;
} table_def;

/*
 * One partition below a partitioned table, at any level, as the catalog had
 * it when the table was read.  ATTACH PARTITION, DETACH PARTITION and a
 * TRUNCATE of one partition change the table's rows without anything in the
 * change stream; sync notices them by comparing these with what the last
 * load recorded.
 */
typedef struct table_partition
{
	char	   *name;			/* schema.name, quoted as in SQL where needed */
	uint32_t	relid;
	uint32_t	attach_xid;		/* xmin of its pg_inherits row: new at every ATTACH */
	uint32_t	filenode;		/* pg_class.relfilenode: new at every TRUNCATE; 0 if partitioned */
	bool		leaf;			/* holds rows: not partitioned again */
} table_partition;

typedef struct table_partitions
{
	int			n;
	table_partition *items;		/* in relid order */
} table_partitions;

extern void table_partitions_free(table_partitions *p);
extern void table_partitions_copy(const table_partitions *src, table_partitions *dst);

/* "schema.name", quoted where needed, for messages: owned by the caller. */
extern char *table_display_name(const table_def *t);
/* The same for its warehouse table (target_schema.target_name). */
extern char *table_target_display_name(const table_def *t);
/* Whether the job leaves column name out of t (exclude_columns). */
extern bool table_column_excluded(const table_def *t, const char *name);
/* The key column with 1-based position pos. */
extern const table_column *table_key_column(const table_def *t, int pos);
extern void table_def_free_columns(table_def *t);
/* Whether type b holds every value of type a with the same text. */
extern bool table_column_widens(const table_column *a, const table_column *b);
/* A deep copy of src into dst. */
extern void table_def_copy(const table_def *src, table_def *dst);
/* Frees everything t owns (names and columns). */
extern void table_def_free(table_def *t);

/*
 * How a column's values must be written into staged CSV for one warehouse,
 * chosen by the dialect and carried out by whoever writes the rows (the
 * snapshot reader, the change decoder).  The default (COL_RENDER_TEXT) is
 * the value's Postgres text output, untouched and unchecked.
 *
 * The guards below are limits of the warehouse's type, as data: a value
 * beyond one stops the load before anything reaches the warehouse, with a
 * message naming table, column, key, warehouse and limit (guard.h checks
 * change rows; the snapshot checks in its COPY query).  Zero, false or -1
 * is no guard, and a column without any is not checked at all.
 */
typedef struct col_render
{
	bool		as_json;		/* write to_json(value): arrays into VARIANT/SUPER */
	int			max_scale;		/* >= 0: values with more fractional digits are an error */
	int			max_int_digits; /* >= 0: values with more integer digits are an error */
	/* NaN and +-Infinity are an error (numeric, real, double precision) */
	bool		no_special;
	/*
	 * How NULL is staged: NULL, an empty unquoted field; else this marker,
	 * unquoted (csv.h), for a warehouse whose COPY cannot tell an empty
	 * field from "" (Redshift: COL_NULL_MARKER).  The same for every
	 * column of a table.
	 */
	const char *null_as;

	/* The warehouse whose limits these are, for messages (NULL: no guards). */
	const char *warehouse;
	/*
	 * > 0: a staged text longer than this many bytes is an error (bytea:
	 * its \x hex text, 2 + 2n bytes); max_bytes_in names what holds it,
	 * e.g. "VARCHAR(65535)".
	 */
	int64_t		max_bytes;
	const char *max_bytes_in;
	/* JSON text (json, jsonb, arrays as_json): > 0, a string member longer than this */
	int64_t		max_json_string;
	/*
	 * JSON numbers the warehouse would round: one that is not in e-notation
	 * and fits a decimal of 38 digits with at most 37 decimals is exact;
	 * any other is held as a DOUBLE, so it must have at most 15 significant
	 * digits and lie within 1e-307 <= |x| < 1e308.
	 */
	bool		json_exact_numbers;
	/* dates and timestamps */
	bool		no_infinity;	/* infinity, -infinity */
	bool		no_bc;			/* years before 1 AD (Postgres writes "... BC") */
	int			max_year;		/* > 0: later years are an error */
	bool		no_time_24;		/* time 24:00:00 */
	/* any guard above: set by sink_column_render, so that others cost nothing */
	bool		guarded;
} col_render;

/* The NULL marker of the staged CSV where one is needed (csv.h): \N */
#define COL_NULL_MARKER "\\N"

#define COL_RENDER_TEXT {.as_json = false, .max_scale = -1, .max_int_digits = -1}

/*
 * t's key columns alone, in key order, as a table of their own (what
 * reconciling deletes stages), into keys; when renders (t's, one a column)
 * is not NULL, *key_renders gets the key columns' (caller frees).
 */
extern void table_def_keys(const table_def *t, const col_render *renders, table_def *keys,
						   col_render **key_renders);

#endif
