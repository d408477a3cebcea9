/*
 * sink_fixtures.h
 *    What the sink unit tests share (test_sinks.c, test_sinks_golden.c):
 *    the dialects by name, quoting, a script joined as SQL text, the table
 *    shapes (the hostile table, soft deletes, all-key, append), the staged
 *    files and COPY options the statements name.
 */
#ifndef WHARF_TEST_SINK_FIXTURES_H
#define WHARF_TEST_SINK_FIXTURES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "csv.h"
#include "job.h"
#include "load.h"
#include "sink.h"
#include "stage.h"
#include "table.h"

#define COL(nm, k, pg) {.name = (char *) (nm), .kind = (k), .pg_type = (char *) (pg), \
	.precision = -1, .scale = -1, .length = -1, .time_precision = -1}

/* The registered dialect of that name (tests find dialects only through the registry). */
static inline const sink_dialect *
dialect(const char *name)
{
	const sink_dialect *d = sink_dialect_by_name(name);

	assert_non_null(d);
	return d;
}

/* name quoted as dialect d writes it (folded where d folds): owned by the caller. */
static inline char *
quoted(const sink_dialect *d, const char *name)
{
	buf			out = BUF_INIT;

	sink_quote_ident(d, &out, name);
	return buf_detach(&out);
}

/*
 * The hostile table: a schema and table needing quotes, columns named with
 * spaces, quotes, capitals, a reserved word and Unicode, key columns out of
 * table order, and every col_kind.
 */
static table_column hostile_cols[] __attribute__((unused)) = {
	{.name = "line", .kind = COL_INT4, .pg_type = "integer", .not_null = true, .key_pos = 2,
	.precision = -1, .scale = -1, .length = -1, .time_precision = -1},
	{.name = "Order ID", .kind = COL_INT8, .pg_type = "bigint", .not_null = true, .key_pos = 1,
	.precision = -1, .scale = -1, .length = -1, .time_precision = -1},
	COL("select", COL_TEXT, "text"),
	{.name = "naïve", .kind = COL_VARCHAR, .pg_type = "character varying(40)", .length = 40,
	.not_null = true, .precision = -1, .scale = -1, .time_precision = -1},
	{.name = "Quote\"d", .kind = COL_CHAR, .pg_type = "character(3)", .length = 3,
	.precision = -1, .scale = -1, .time_precision = -1},
	COL("Flag", COL_BOOL, "boolean"),
	COL("small", COL_INT2, "smallint"),
	{.name = "price", .kind = COL_NUMERIC, .pg_type = "numeric(12,2)", .precision = 12, .scale = 2,
	.length = -1, .time_precision = -1},
	COL("amount", COL_NUMERIC, "numeric"),
	{.name = "huge", .kind = COL_NUMERIC, .pg_type = "numeric(50,10)", .precision = 50, .scale = 10,
	.length = -1, .time_precision = -1},
	COL("ratio", COL_FLOAT4, "real"),
	COL("measure", COL_FLOAT8, "double precision"),
	COL("cash", COL_MONEY, "money"),
	COL("day", COL_DATE, "date"),
	{.name = "at time", .kind = COL_TIME, .pg_type = "time(3) without time zone",
	.time_precision = 3, .precision = -1, .scale = -1, .length = -1},
	COL("at timetz", COL_TIMETZ, "time with time zone"),
	COL("created", COL_TIMESTAMP, "timestamp without time zone"),
	{.name = "updated", .kind = COL_TIMESTAMPTZ, .pg_type = "timestamp(6) with time zone",
	.time_precision = 6, .precision = -1, .scale = -1, .length = -1},
	COL("span", COL_INTERVAL, "interval"),
	COL("blob", COL_BYTEA, "bytea"),
	COL("uid", COL_UUID, "uuid"),
	COL("doc", COL_JSON, "json"),
	COL("docb", COL_JSONB, "jsonb"),
	COL("markup", COL_XML, "xml"),
	COL("ip", COL_INET, "inet"),
	COL("net", COL_CIDR, "cidr"),
	COL("mac", COL_MACADDR, "macaddr"),
	COL("mac8", COL_MACADDR8, "macaddr8"),
	{.name = "bits", .kind = COL_BIT, .pg_type = "bit(3)", .length = 3,
	.precision = -1, .scale = -1, .time_precision = -1},
	{.name = "vbits", .kind = COL_VARBIT, .pg_type = "bit varying(10)", .length = 10,
	.precision = -1, .scale = -1, .time_precision = -1},
	COL("period", COL_RANGE, "int4range"),
	COL("mood", COL_ENUM, NULL),
	COL("custom", COL_OTHER, NULL),
	{.name = "tags", .kind = COL_TEXT, .is_array = true, .pg_type = "text[]",
	.precision = -1, .scale = -1, .length = -1, .time_precision = -1},
	{.name = "scores", .kind = COL_INT4, .is_array = true, .pg_type = "integer[]",
	.precision = -1, .scale = -1, .length = -1, .time_precision = -1},
	{.name = "moods", .kind = COL_ENUM, .is_array = true, .pg_type = NULL,
	.precision = -1, .scale = -1, .length = -1, .time_precision = -1},
	{.name = "prices", .kind = COL_NUMERIC, .is_array = true, .pg_type = "numeric(10,2)[]",
	.precision = 10, .scale = 2, .length = -1, .time_precision = -1},
};

static table_column soft_cols[] __attribute__((unused)) = {
	{.name = "id", .kind = COL_INT8, .pg_type = "bigint", .not_null = true, .key_pos = 1,
	.precision = -1, .scale = -1, .length = -1, .time_precision = -1},
	{.name = "email", .kind = COL_VARCHAR, .pg_type = "character varying(255)", .length = 255,
	.not_null = true, .precision = -1, .scale = -1, .time_precision = -1},
	COL("Name", COL_TEXT, "text"),
	COL("signed up", COL_TIMESTAMPTZ, "timestamp with time zone"),
	COL("avatar", COL_BYTEA, "bytea"),
	COL("prefs", COL_JSONB, "jsonb"),
};

static table_column allkey_cols[] __attribute__((unused)) = {
	{.name = "post_id", .kind = COL_INT8, .pg_type = "bigint", .not_null = true, .key_pos = 1,
	.precision = -1, .scale = -1, .length = -1, .time_precision = -1},
	{.name = "tag", .kind = COL_TEXT, .pg_type = "text", .not_null = true, .key_pos = 2,
	.precision = -1, .scale = -1, .length = -1, .time_precision = -1},
};

static table_column append_cols[] __attribute__((unused)) = {
	COL("at", COL_TIMESTAMPTZ, "timestamp with time zone"),
	COL("kind", COL_TEXT, "text"),
	COL("payload", COL_JSONB, "jsonb"),
	COL("value", COL_FLOAT8, "double precision"),
};

#define NCOLS(a) ((int) (sizeof(a) / sizeof((a)[0])))

static const table_def hostile __attribute__((unused)) = {
	.schema = "Sales Dept", .name = "Order \"Lines\"",
	.target_schema = "Sales Dept", .target_name = "Order \"Lines\"",
	.mode = MODE_MERGE, .deletes = DELETES_HARD,
	.ncols = NCOLS(hostile_cols), .cols = hostile_cols, .nkeys = 2,
};

static const table_def soft __attribute__((unused)) = {
	.schema = "public", .name = "customers",
	.target_schema = "analytics", .target_name = "Customers",
	.mode = MODE_MERGE, .deletes = DELETES_SOFT,
	.ncols = NCOLS(soft_cols), .cols = soft_cols, .nkeys = 1,
};

static const table_def allkey __attribute__((unused)) = {
	.schema = "public", .name = "post_tags",
	.target_schema = "public", .target_name = "post_tags",
	.mode = MODE_MERGE, .deletes = DELETES_HARD,
	.ncols = NCOLS(allkey_cols), .cols = allkey_cols, .nkeys = 2,
};

/* Append mode, no key, and no target schema: names stay unqualified. */
static const table_def append __attribute__((unused)) = {
	.schema = "public", .name = "events",
	.target_schema = NULL, .target_name = "events",
	.mode = MODE_APPEND, .deletes = DELETES_HARD,
	.ncols = NCOLS(append_cols), .cols = append_cols, .nkeys = 0,
};

/* S3 stage: presigned URLs carrying & and ' to prove shell and SQL quoting. */
static const char *const part_names[] __attribute__((unused)) = {"part-00001.csv.gz", "part-00002.csv.gz"};
static const char *const s3_fetch[] __attribute__((unused)) = {
	"https://wharf-bucket.s3.amazonaws.com/o%27brien/part-00001.csv.gz"
	"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=it's'signed",
	"https://wharf-bucket.s3.amazonaws.com/o%27brien/part-00002.csv.gz"
	"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=$(id)`uname`;x",
};
static const sink_files s3_files __attribute__((unused)) = {
	.manifest_url = "s3://wharf-bucket/o'brien\\data/nightly/20240101T100000Z-ab12/"
	"Sales Dept.Order \"Lines\"/manifest.json",
	.folder_url = "s3://wharf-bucket/o'brien\\data/nightly/20240101T100000Z-ab12/"
	"Sales Dept.Order \"Lines\"/",
	.nparts = 2,
	.part_names = part_names,
	.part_fetch = s3_fetch,
	.fetch_is_url = true,
};

/* file:// stage: the Postgres stand-in reads local paths. */
static const char *const local_fetch[] __attribute__((unused)) = {
	"/var/lib/wharf/stage/it's here/public.events/part-00001.csv.gz",
	"/var/lib/wharf/stage/it's here/public.events/part-00002.csv.gz",
};
static const sink_files local_files __attribute__((unused)) = {
	.manifest_url = "file:///var/lib/wharf/stage/it's here/public.events/manifest.json",
	.folder_url = "file:///var/lib/wharf/stage/it's here/public.events/",
	.nparts = 2,
	.part_names = part_names,
	.part_fetch = local_fetch,
	.fetch_is_url = false,
};

static const sink_options full_opt __attribute__((unused)) = {
	.region = "us-east-1",
	.iam_role = "arn:aws:iam::123456789012:role/wharf-loader",
	.storage_integration = "wharf_s3",
};
static const sink_options bare_opt __attribute__((unused)) = {NULL, NULL, NULL};

#define JOB_NAME "nightly 'prod' \\ run"

/* Statements separated by ";\n\n", the last ending in ";\n". */
static inline char *
join_script(const strlist *script)
{
	buf			b = BUF_INIT;

	for (int i = 0; i < script->n; i++)
	{
		buf_puts(&b, script->items[i]);
		buf_puts(&b, i + 1 < script->n ? ";\n\n" : ";\n");
	}
	return buf_detach(&b);
}

#endif
