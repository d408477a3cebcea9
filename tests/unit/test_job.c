/*
 * test_job.c
 *    Unit tests for the job file reader (src/job/job.c): broken files must fail
 *    with one error line naming what is wrong, good files must give the
 *    values and defaults the contract promises.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "../common/capture.h"
#include "job.h"
#include "log.h"

/* Loads text that must parse; fails the test with the error otherwise. */
static void
load_ok(const char *text, job *j)
{
	bool		ok = job_load_string(text, "t.ini", j);

	assert_true(ok);
}

/* Writes text to a new temporary file with the given mode; returns its path. */
static char *
write_temp(const char *text, mode_t mode)
{
	char	   *path = xstrdup("/tmp/test_job_XXXXXX");
	int			fd = mkstemp(path);
	size_t		len = strlen(text);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t) len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

#define JOB "[job]\nname = shop\n"
#define SRC "[source]\nconninfo = host=db dbname=shop\n"
#define STG "[stage]\nurl = file:///var/wharf\n"
#define WH "[warehouse]\ndialect = postgres\n"
#define TBL "[table public.customers]\n"
#define BASE JOB SRC STG WH TBL
#define S3KEYS "access_key_id = AKIA\nsecret_access_key = ${WHARF_TEST_SECRET}\n"

/* ---------------------------------------------------------------------
 * Broken files
 * --------------------------------------------------------------------- */

typedef struct bad_case
{
	const char *what;
	const char *text;
	const char *expect;			/* a fragment of the error line */
} bad_case;

static const bad_case bad_cases[] = {
	/* the reader */
	{"misspelt key", JOB SRC "[stage]\nurl = s3://bucket/x\nacess_key_id = a\n",
	"t.ini:7: [stage] unknown key \"acess_key_id\" (did you mean \"access_key_id\"?)"},
	{"key in the wrong section", JOB SRC "region = us-east-1\n" STG WH TBL,
	"t.ini:5: [source] unknown key \"region\" (it belongs in [stage])"},
	{"unknown key", "[job]\nname = shop\nfrobnicate = 1\n",
	"t.ini:3: [job] unknown key \"frobnicate\""},
	{"misspelt table key", BASE "keys = id\n", "did you mean \"key\"?"},
	{"line without =", JOB "[source]\nconninfo\n", "t.ini:4: [source] expected \"key = value\""},
	{"bad key name", JOB "[source]\nconn info = x\n", "bad key name \"conn info\""},
	{"missing key name", "[job]\n = shop\n", "t.ini:2: [job] missing key name"},
	{"unterminated section header", "[job\nname = shop\n", "t.ini:1: unterminated section header"},
	{"text after section header", "[job] extra\nname = shop\n", "t.ini:1: unexpected text after"},
	{"extra word in section", "[job shop]\n", "unexpected text in section header [job shop]"},
	{"empty section header", "[]\n", "empty section header"},
	{"key outside a section", "name = shop\n" BASE, "t.ini:1: key \"name\" outside any [section]"},
	{"misspelt section", BASE "[stages]\n", "t.ini:10: unknown section [stages] (did you mean [stage]?)"},
	{"unknown section", "[foo]\n", "unknown section [foo] (job, source, stage, warehouse"},
	{"duplicate key", JOB "name = other\n", "t.ini:3: [job] duplicate key \"name\" (first set at line 2)"},
	{"publication and use_publication", JOB SRC "publication = a\nuse_publication = b\n" STG WH TBL,
	"t.ini:6: [source] use_publication names a publication a DBA made"},
	{"use_publication too long", JOB SRC "use_publication = " "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n" STG WH TBL,
	"use_publication: publication name"},
	{"duplicate table key", BASE "mode = merge\nmode = append\n", "[table public.customers] duplicate key \"mode\""},
	{"duplicate section", BASE STG, "t.ini:10: duplicate section [stage] (first at line 5)"},
	{"same table written differently", BASE "[table customers]\n",
	"duplicate section [table customers]: table public.customers already has [table public.customers] at line 9"},
	{"same table quoted", BASE "[table \"public\".\"customers\"]\n",
	"duplicate section [table \"public\".\"customers\"]"},
	{"unterminated double quote in value", JOB "[source]\nconninfo = \"host=db\n",
	"t.ini:4: [source] conninfo: unterminated double quote"},
	{"text after closing quote", JOB SRC "[stage]\nurl = file:///x\nregion = \"us\" east\n",
	"region: text after the closing double quote"},
	{"empty value", JOB "[source]\nconninfo = x\nslot =\n", "t.ini:5: [source] slot: empty value"},
	{"empty value through a variable", JOB "[source]\nconninfo = ${WHARF_TEST_EMPTY}\n",
	"conninfo: empty value after expanding"},
	/* missing things */
	{"missing section", JOB SRC STG TBL, "t.ini: missing section [warehouse]"},
	{"missing [job]", SRC STG WH TBL, "missing section [job]"},
	{"missing job name", "[job]\n" SRC STG WH TBL, "t.ini:1: [job] missing required key \"name\""},
	{"missing conninfo", JOB "[source]\nslot = x\n" STG WH TBL, "[source] missing required key \"conninfo\""},
	{"missing url", JOB SRC "[stage]\nregion = eu-west-1\n" WH TBL, "[stage] missing required key \"url\""},
	{"missing dialect", JOB SRC STG "[warehouse]\nschema = x\n" TBL, "[warehouse] missing required key \"dialect\""},
	{"s3 without access key", JOB SRC "[stage]\nurl = s3://bucket\nsecret_access_key = x\n" WH TBL,
	"[stage] missing key \"access_key_id\""},
	{"s3 without secret", JOB SRC "[stage]\nurl = s3://bucket\naccess_key_id = x\n" WH TBL,
	"[stage] missing key \"secret_access_key\""},
	{"no table", JOB SRC STG WH, "no [table SCHEMA.NAME] section"},
	/* values */
	{"bad job name", "[job]\nname = my-shop\n", "[job] name: bad job name \"my-shop\""},
	{"job name with a digit first", "[job]\nname = 1shop\n", "bad job name \"1shop\""},
	{"job name too long", "[job]\nname = a1234567890123456789012345678901234567890\n", "at most 40 characters"},
	{"bad slot", JOB "[source]\nconninfo = x\nslot = Wharf-Shop\n", "slot: bad replication slot name \"Wharf-Shop\""},
	{"parallel 0", JOB "[source]\nconninfo = x\nparallel = 0\n", "parallel: bad value \"0\" (a whole number from 1 to 16)"},
	{"parallel 17", JOB "[source]\nconninfo = x\nparallel = 17\n", "parallel: bad value \"17\""},
	{"parallel words", JOB "[source]\nconninfo = x\nparallel = two\n", "parallel: bad value \"two\""},
	{"compression 10", JOB SRC STG "compression = 10\n", "compression: bad value \"10\" (a whole number from 1 to 9)"},
	{"retries 0", JOB SRC STG "retries = 0\n", "retries: bad value \"0\" (a whole number from 1 to 20)"},
	{"bad duration unit", JOB SRC STG WH "[sync]\nretry_for = 10 days\n",
	"[sync] retry_for: bad duration \"10 days\" (a whole number of s, min or h, from 0s to 604800s"},
	{"fractional duration", JOB SRC STG WH "[sync]\nretry_for = 1.5h\n", "retry_for: bad duration \"1.5h\""},
	{"duration too long", JOB SRC STG WH "[sync]\nretry_for = 169h\n", "retry_for: bad duration \"169h\""},
	{"duration overflow", JOB SRC STG WH "[sync]\nretry_for = 99999999999999999999\n", "retry_for: bad duration"},
	{"wait of 0", JOB SRC STG WH "[sync]\nretry_max_wait = 0\n",
	"retry_max_wait: bad duration \"0\" (a whole number of s, min or h, from 1s to 3600s"},
	{"wait too long", JOB SRC STG WH "[sync]\nretry_max_wait = 2h\n", "retry_max_wait: bad duration \"2h\""},
	{"sync key elsewhere", JOB SRC STG "retry_for = 10min\n", "[stage] unknown key \"retry_for\" (it belongs in [sync])"},
	{"duplicate sync", JOB SRC STG WH "[sync]\n[sync]\n", "duplicate section [sync]"},
	{"bad size unit", JOB SRC STG "part_size = 64XB\n", "part_size: bad size \"64XB\""},
	{"fractional size", JOB SRC STG "part_size = 1.5GB\n", "part_size: bad size \"1.5GB\""},
	{"size below minimum", JOB SRC STG "part_size = 512\n", "part_size: 512 is below the minimum of 1kB"},
	{"size overflow", JOB SRC STG "part_size = 99999999999999999999GB\n", "part_size: bad size"},
	{"bad boolean", JOB SRC STG "keep = maybe\n", "keep: bad boolean \"maybe\" (true, false, yes, no, on, off, 1 or 0)"},
	{"bad dialect", JOB SRC STG "[warehouse]\ndialect = mysql\n", "dialect: unknown dialect \"mysql\" (postgres, redshift or snowflake)"},
	{"bad mode", BASE "mode = upsert\n", "[table public.customers] mode: unknown mode \"upsert\" (merge, append or incremental)"},
	{"bad deletes", BASE "deletes = maybe\n",
	"deletes: unknown value \"maybe\" (hard or soft; for mode = incremental also reconcile or none)"},
	{"incremental without a cursor", BASE "mode = incremental\n",
	"t.ini:9: [table public.customers] mode = incremental needs cursor = COLUMN"},
	{"cursor on a merge table", BASE "cursor = updated_at\n",
	"[table public.customers] cursor is a key of mode = incremental tables (this one's mode is merge)"},
	{"lookback on an append table", BASE "mode = append\nlookback = 5min\n",
	"lookback is a key of mode = incremental tables (this one's mode is append)"},
	{"reconcile on a merge table", BASE "deletes = reconcile\n",
	"deletes = reconcile is for mode = incremental tables"},
	{"deletes none on a merge table", BASE "deletes = none\n", "deletes = none is for mode = incremental tables"},
	{"lookback in xmin mode", BASE "mode = incremental\ncursor = xmin\nlookback = 10min\n",
	"lookback is for a cursor column: cursor = xmin bounds each load"},
	{"bad lookback", BASE "mode = incremental\ncursor = updated_at\nlookback = 10 days\n",
	"lookback: bad duration \"10 days\""},
	{"reconcile_every 0", BASE "mode = incremental\ncursor = xmin\nreconcile_every = 0\n",
	"reconcile_every: bad value \"0\""},
	{"bad refresh", BASE "refresh = sometimes\n", "refresh: unknown value \"sometimes\" (replace or merge)"},
	{"soft deletes in append mode", BASE "deletes = soft\nmode = append\n",
	"t.ini:10: [table public.customers] deletes = soft needs mode = merge"},
	{"unsupported scheme", JOB SRC "[stage]\nurl = gs://bucket/x\n", "url: unsupported scheme \"gs\""},
	{"not a url", JOB SRC "[stage]\nurl = /var/wharf\n", "url: \"/var/wharf\" is not a URL"},
	{"relative file url", JOB SRC "[stage]\nurl = file://data/x\n", "url: the directory in \"file://data/x\" must be absolute"},
	{"bad bucket", JOB SRC "[stage]\nurl = s3://My_Bucket/x\n", "url: bad bucket name \"My_Bucket\""},
	{"short bucket", JOB SRC "[stage]\nurl = s3://ab\n", "bad bucket name \"ab\""},
	{"bucket like an IP", JOB SRC "[stage]\nurl = s3://192.168.1.1/x\n", "bad bucket name \"192.168.1.1\""},
	{"empty prefix segment", JOB SRC "[stage]\nurl = s3://bucket/a//b\n", "empty path segment"},
	{"endpoint scheme", JOB SRC STG "endpoint = ftp://h\n", "endpoint: bad endpoint \"ftp://h\""},
	{"endpoint path", JOB SRC STG "endpoint = http://h:9000/path\n", "endpoint: bad endpoint \"http://h:9000/path\""},
	{"endpoint port", JOB SRC STG "endpoint = http://h:99999\n", "endpoint: bad endpoint"},
	{"bad region", JOB SRC STG "region = us east\n", "region: bad region \"us east\""},
	{"bad iam_role", JOB SRC STG "[warehouse]\ndialect = redshift\niam_role = role/x\n", "iam_role: \"role/x\" is not an ARN"},
	{"schema of two words", JOB SRC STG "[warehouse]\ndialect = postgres\nschema = my schema\n",
	"schema: bad name \"my schema\": one SQL identifier expected"},
	{"unset variable", JOB "[source]\nconninfo = host=db password=${WHARF_TEST_UNSET}\n",
	"t.ini:4: [source] conninfo: environment variable \"WHARF_TEST_UNSET\" is not set"},
	{"unterminated ${", JOB "[source]\nconninfo = host=${WHARF_TEST_HOST\n", "conninfo: unterminated \"${\""},
	{"bad variable name", JOB "[source]\nconninfo = ${A-B}\n", "conninfo: bad environment variable name \"${A-B}\""},
	{"empty variable name", JOB "[source]\nconninfo = ${}\n", "bad environment variable name"},
	/* table names and keys */
	{"table without a name", BASE "[table]\n", "t.ini:10: [table] needs a table name"},
	{"empty name part", BASE "[table public.]\n", "bad table name in [table public.]: empty name"},
	{"empty schema part", BASE "[table .orders]\n", "bad table name in [table .orders]: empty name"},
	{"unterminated quote in table", BASE "[table \"public.orders]\n", "unterminated double quote in the section header"},
	{"unterminated quoted identifier", BASE "[table \"pub\"\"lic.orders]\n", "unterminated"},
	{"three parts", BASE "[table db.public.orders]\n", "too many parts (at most schema.name)"},
	{"two words", BASE "[table public orders]\n", "unexpected 'o' after a name"},
	{"empty quoted name", BASE "[table public.\"\"]\n", "empty quoted name"},
	{"name too long", BASE "[table public.a123456789012345678901234567890123456789012345678901234567890123]\n",
	"longer than 63 bytes"},
	{"empty key column", BASE "key = a,,b\n", "key: bad key list \"a,,b\": empty column name"},
	{"trailing comma in key", BASE "key = a,\n", "empty column name"},
	{"qualified key column", BASE "key = t.a\n", "written without a table or schema"},
	{"repeated key column", BASE "key = a, A\n", "column \"a\" is listed twice"},
	{"unterminated quoted key", BASE "key = \"Order Id, b\n", "key: unterminated double quote"},
	/* patterns and exclusions */
	{"bad pattern part", BASE "[table public.ord-*]\n", "bad table pattern in [table public.ord-*]: unexpected '-'"},
	{"pattern of three parts", BASE "[table db.public.*]\n", "too many parts (at most schema.name)"},
	{"two patterns in one header", BASE "[table public.*, sales.*]\n", "one pattern per section"},
	{"duplicate pattern", BASE "[table public.*]\n[table PUBLIC.*]\n",
	"t.ini:11: duplicate section [table PUBLIC.*]: the same pattern as [table public.*] at line 10"},
	{"exclude_tables outside a pattern", BASE "exclude_tables = public.tmp_*\n",
	"t.ini:10: [table public.customers] exclude_tables: only a pattern section"},
	{"empty exclude_tables entry", BASE "[table public.*]\nexclude_tables = tmp_*,,x\n",
	"exclude_tables: bad table pattern list \"tmp_*,,x\": empty name"},
	{"excluded key column", BASE "key = id\nexclude_columns = ssn, ID\n",
	"t.ini:11: [table public.customers] exclude_columns: \"id\" is a key column"},
	{"excluded key column of a pattern", JOB SRC STG WH "[table s.*]\nexclude_columns = id\nkey = id\n",
	"[table s.*] exclude_columns: \"id\" is a key column"},
	{"repeated excluded column", BASE "exclude_columns = ssn, SSN\n", "column \"ssn\" is listed twice"},
	{"qualified excluded column", BASE "exclude_columns = t.ssn\n", "exclude_columns: bad column list"},
	{"misspelt exclude key", BASE "exclude_column = ssn\n", "did you mean \"exclude_columns\"?"},
	{"duplicate exclude_columns", BASE "exclude_columns = a\nexclude_columns = b\n",
	"duplicate key \"exclude_columns\" (first set at line 10)"},
	{"soft deletes in an append pattern", JOB SRC STG WH "[table s.*]\nmode = append\ndeletes = soft\n",
	"[table s.*] deletes = soft needs mode = merge"},
};

static void
test_bad_files(void **state)
{
	(void) state;
	setenv("WHARF_TEST_SECRET", "s3cr3t-from-env", 1);
	setenv("WHARF_TEST_EMPTY", "", 1);
	unsetenv("WHARF_TEST_UNSET");

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
	{
		const bad_case *c = &bad_cases[i];
		job			j;
		job			before;
		bool		ok;
		char	   *err;

		log_secrets_clear();
		memset(&j, 0x5a, sizeof(j));
		memcpy(&before, &j, sizeof(j));
		capture_begin();
		ok = job_load_string(c->text, "t.ini", &j);
		err = capture_end();
		if (ok || strstr(err, c->expect) == NULL || count_lines(err) != 1 ||
			strncmp(err, "wharf: error: t.ini", 19) != 0)
		{
			print_error("case \"%s\": ok=%d\n  expected: %s\n  got: %s\n",
						c->what, ok, c->expect, err);
			if (ok)
				job_free(&j);
			free(err);
			fail();
		}
		/* on failure the output is untouched */
		assert_memory_equal(&j, &before, sizeof(j));
		free(err);
	}
	log_secrets_clear();
	print_message("%zu broken job files rejected\n",
				  sizeof(bad_cases) / sizeof(bad_cases[0]));
}

static void
test_unreadable(void **state)
{
	job			j;
	char	   *err;

	(void) state;
	capture_begin();
	assert_false(job_load("/nonexistent/wharf.ini", &j));
	err = capture_end();
	assert_non_null(strstr(err, "/nonexistent/wharf.ini: cannot open the job file"));
	assert_int_equal(count_lines(err), 1);
	free(err);

	capture_begin();
	assert_false(job_load("/tmp", &j));
	err = capture_end();
	assert_non_null(strstr(err, "/tmp: cannot read the job file"));
	free(err);
}

static void
test_nul_byte(void **state)
{
	char	   *path = write_temp("[job]\nname = shop\n\0\n", 0600);
	job			j;
	char	   *err;
	FILE	   *f;

	(void) state;
	/* write_temp stops at the NUL: append it by hand */
	f = fopen(path, "ab");
	fwrite("x\0y\n", 1, 4, f);
	fclose(f);
	capture_begin();
	assert_false(job_load(path, &j));
	err = capture_end();
	assert_non_null(strstr(err, ":3: NUL byte"));
	free(err);
	unlink(path);
	free(path);
}

/* ---------------------------------------------------------------------
 * Good files
 * --------------------------------------------------------------------- */

static void
test_defaults(void **state)
{
	job			j;

	(void) state;
	load_ok("[job]\nname = Shop_1\n"
			SRC STG WH TBL, &j);
	assert_string_equal(j.path, "t.ini");
	assert_string_equal(j.name, "Shop_1");
	assert_string_equal(j.conninfo, "host=db dbname=shop");
	assert_string_equal(j.slot, "wharf_shop_1");
	assert_string_equal(j.publication, "wharf_shop_1");
	assert_null(j.use_publication);
	assert_int_equal(j.parallel, 2);
	assert_int_equal(j.stage, STAGE_FILE);
	assert_string_equal(j.stage_url, "file:///var/wharf");
	assert_string_equal(j.dir, "/var/wharf");
	assert_null(j.bucket);
	assert_null(j.prefix);
	assert_null(j.endpoint);
	assert_string_equal(j.region, "us-east-1");
	assert_null(j.access_key_id);
	assert_null(j.secret_access_key);
	assert_true(j.part_size == 64 * 1024 * 1024);
	assert_int_equal(j.compression, 1);
	assert_false(j.keep);
	assert_int_equal(j.retries, 6);
	assert_int_equal(j.retry_for, 600);
	assert_int_equal(j.retry_max_wait, 30);
	assert_string_equal(j.dialect, "postgres");
	assert_null(j.odbc);
	assert_null(j.schema);
	assert_string_equal(j.state_table, "wharf_state");
	assert_null(j.iam_role);
	assert_null(j.storage_integration);
	assert_false(j.keep_case);
	assert_int_equal(j.ntables, 1);
	assert_string_equal(j.tables[0].schema, "public");
	assert_string_equal(j.tables[0].name, "customers");
	assert_null(j.tables[0].key);
	assert_int_equal(j.tables[0].nkey, 0);
	assert_int_equal(j.tables[0].mode, MODE_MERGE);
	assert_int_equal(j.tables[0].deletes, DELETES_HARD);
	assert_int_equal(j.tables[0].line, 9);
	job_free(&j);
	assert_null(j.name);
	assert_null(j.tables);
}

/* A DBA's publication: kept as written; wharf's own name keeps its default. */
static void
test_use_publication(void **state)
{
	job			j;

	(void) state;
	load_ok(JOB SRC "use_publication = \"Shop DBA\"\n" STG WH TBL, &j);
	assert_string_equal(j.use_publication, "Shop DBA");
	assert_string_equal(j.publication, "wharf_shop");
	job_free(&j);
	assert_null(j.use_publication);
}

static void
test_full_s3(void **state)
{
	job			j;

	(void) state;
	setenv("WHARF_TEST_SECRET", "s3cr3t-from-env", 1);
	setenv("WHARF_TEST_HOST", "db.internal", 1);
	load_ok("; a full job\n"
			"# every key set\n"
			"[job]\n"
			"name = shop\n"
			"\n"
			"[source]\n"
			"conninfo = host=${WHARF_TEST_HOST} dbname=shop user=wharf\n"
			"slot = shop_slot_2\n"
			"publication = Shop Pub\n"
			"parallel = 16\n"
			"[stage]\n"
			"url = s3://my-bucket.example/exports/shop//\n"
			"endpoint = http://127.0.0.1:9000/\n"
			"region = eu-central-1\n"
			S3KEYS
			"part_size = 256 kB\n"
			"compression = 9\n"
			"keep = Yes\n"
			"retries = 20\n"
			"[warehouse]\n"
			"dialect = Snowflake\n"
			"odbc = Driver=SnowflakeDSIIDriver;Server=acme.snowflakecomputing.com;UID=u\n"
			"schema = Analytics\n"
			"state_table = \"Wharf State\"\n"
			"iam_role = arn:aws:iam::123456789012:role/wharf\n"
			"storage_integration = WHARF_S3\n"
			"keep_case = yes\n"
			"[sync]\n"
			"retry_for = 10 min\n"
			"retry_max_wait = 45s\n"
			"[table orders]\n"
			"mode = append\n"
			"deletes = hard\n"
			"[table public.customers]\n"
			"key = customer_id\n"
			"deletes = soft\n"
			"refresh = merge\n", &j);
	assert_string_equal(j.conninfo, "host=db.internal dbname=shop user=wharf");
	assert_string_equal(j.slot, "shop_slot_2");
	assert_string_equal(j.publication, "Shop Pub");
	assert_int_equal(j.parallel, 16);
	assert_int_equal(j.stage, STAGE_S3);
	assert_string_equal(j.bucket, "my-bucket.example");
	assert_string_equal(j.prefix, "exports/shop");
	assert_null(j.dir);
	assert_string_equal(j.endpoint, "http://127.0.0.1:9000");
	assert_string_equal(j.region, "eu-central-1");
	assert_string_equal(j.access_key_id, "AKIA");
	assert_string_equal(j.secret_access_key, "s3cr3t-from-env");
	assert_true(j.part_size == 256 * 1024);
	assert_int_equal(j.compression, 9);
	assert_true(j.keep);
	assert_int_equal(j.retries, 20);
	assert_int_equal(j.retry_for, 600);
	assert_int_equal(j.retry_max_wait, 45);
	assert_string_equal(j.dialect, "snowflake");
	assert_string_equal(j.odbc, "Driver=SnowflakeDSIIDriver;Server=acme.snowflakecomputing.com;UID=u");
	assert_string_equal(j.schema, "analytics");
	assert_string_equal(j.state_table, "Wharf State");
	assert_string_equal(j.iam_role, "arn:aws:iam::123456789012:role/wharf");
	assert_string_equal(j.storage_integration, "WHARF_S3");
	assert_true(j.keep_case);
	assert_int_equal(j.ntables, 2);
	assert_string_equal(j.tables[0].name, "orders");
	assert_int_equal(j.tables[0].mode, MODE_APPEND);
	assert_int_equal(j.tables[0].line, 32);
	assert_int_equal(j.tables[1].nkey, 1);
	assert_string_equal(j.tables[1].key[0], "customer_id");
	assert_null(j.tables[1].key[1]);
	assert_int_equal(j.tables[1].deletes, DELETES_SOFT);
	assert_int_equal(j.tables[1].refresh, REFRESH_MERGE);
	assert_int_equal(j.tables[0].refresh, REFRESH_REPLACE);
	job_free(&j);
}

static void
test_incremental_keys(void **state)
{
	job			j;

	(void) state;
	load_ok(BASE "mode = incremental\ncursor = updated_at\nlookback = 10min\n"
			"deletes = soft\nreconcile_every = 4\n"
			"[table public.orders]\nmode = incremental\ncursor = xmin\ndeletes = none\n"
			"[table public.log]\nmode = incremental\ncursor = \"Seq\"\ndeletes = reconcile\n", &j);
	assert_int_equal(j.ntables, 3);
	assert_true(j.tables[0].incremental);
	assert_int_equal(j.tables[0].mode, MODE_MERGE);
	assert_string_equal(j.tables[0].cursor, "updated_at");
	assert_int_equal(j.tables[0].lookback, 600);
	assert_int_equal(j.tables[0].deletes, DELETES_SOFT);
	assert_int_equal(j.tables[0].reconcile_every, 4);
	assert_string_equal(j.tables[1].cursor, "xmin");
	assert_true(j.tables[1].deletes_none);
	assert_int_equal(j.tables[1].reconcile_every, 1);
	assert_string_equal(j.tables[2].cursor, "Seq");
	assert_int_equal(j.tables[2].deletes, DELETES_HARD);
	assert_false(j.tables[2].deletes_none);
	job_free(&j);

	/* the order of keys does not matter; other tables keep theirs */
	load_ok(BASE "cursor = xmin\nmode = incremental\n[table public.plain]\n", &j);
	assert_true(j.tables[0].incremental);
	assert_false(j.tables[1].incremental);
	assert_null(j.tables[1].cursor);
	job_free(&j);
}

static void
test_values(void **state)
{
	job			j;

	(void) state;
	/* sizes, booleans, bucket with no prefix, https endpoint, IPv6 */
	load_ok(JOB SRC "[stage]\nurl = s3://bucket/\n" S3KEYS
			"part_size = 2MiB\nkeep = off\nendpoint = https://[::1]:443\n" WH TBL, &j);
	assert_string_equal(j.prefix, "");
	assert_string_equal(j.bucket, "bucket");
	assert_true(j.part_size == 2 * 1024 * 1024);
	assert_false(j.keep);
	assert_string_equal(j.endpoint, "https://[::1]:443");
	job_free(&j);

	load_ok(JOB SRC "[stage]\nurl = s3://bucket\n" S3KEYS
			"part_size = 1GB\nkeep = 1\nendpoint = https://s3.example.com\n" WH TBL, &j);
	assert_string_equal(j.prefix, "");
	assert_true(j.part_size == 1024ULL * 1024 * 1024);
	assert_true(j.keep);
	job_free(&j);

	load_ok(JOB SRC "[stage]\nurl = file:///\npart_size = 1kB\n" WH TBL, &j);
	assert_string_equal(j.dir, "/");
	assert_true(j.part_size == 1024);
	job_free(&j);

	load_ok(JOB SRC "[stage]\nurl = file:///var/wharf/\npart_size = 1024\n" WH TBL, &j);
	assert_string_equal(j.dir, "/var/wharf");
	job_free(&j);
}

static void
test_expansion_values(void **state)
{
	job			j;

	(void) state;
	setenv("WHARF_TEST_HOST", "db.internal", 1);
	setenv("WHARF_TEST_DB", "sh${op}", 1);
	setenv("WHARF_TEST_COL", "\"Order Id\"", 1);
	load_ok(JOB
			"[source]\n"
			"conninfo = host=${WHARF_TEST_HOST}:5432 dbname=${WHARF_TEST_DB} password=pa$$$$w$rd\n"
			"publication = \"${WHARF_TEST_HOST} x\"\n"
			STG WH TBL
			"key = ${WHARF_TEST_COL}, b\n", &j);
	/* $$ is one '$'; a lone '$' stays; expanded text is not expanded again */
	assert_string_equal(j.conninfo, "host=db.internal:5432 dbname=sh${op} password=pa$$w$rd");
	assert_string_equal(j.publication, "db.internal x");
	assert_int_equal(j.tables[0].nkey, 2);
	assert_string_equal(j.tables[0].key[0], "Order Id");
	assert_string_equal(j.tables[0].key[1], "b");
	job_free(&j);
}

static void
test_table_names(void **state)
{
	job			j;

	(void) state;
	load_ok(JOB SRC STG WH
			"[table public.\"Order Lines\"]\n"
			"key = \"Order Id\", Region, \"a\"\"b\", \"x ; y\"  ; the key\n"
			"[table \"Sales\".\"Q\"\"1\"\" Ümsätze\"]\n"
			"[table Customers]\n"
			"[table  App . \"Ünïcödé tâble]\" ]\n"
			"[table public.customers2]\n"
			"mode = append\n"
			"key = id\n", &j);
	assert_int_equal(j.ntables, 5);
	assert_string_equal(j.tables[0].schema, "public");
	assert_string_equal(j.tables[0].name, "Order Lines");
	assert_int_equal(j.tables[0].nkey, 4);
	assert_string_equal(j.tables[0].key[0], "Order Id");
	assert_string_equal(j.tables[0].key[1], "region");
	assert_string_equal(j.tables[0].key[2], "a\"b");
	assert_string_equal(j.tables[0].key[3], "x ; y");
	assert_null(j.tables[0].key[4]);
	assert_string_equal(j.tables[1].schema, "Sales");
	assert_string_equal(j.tables[1].name, "Q\"1\" Ümsätze");
	assert_string_equal(j.tables[2].schema, "public");
	assert_string_equal(j.tables[2].name, "customers");
	assert_string_equal(j.tables[3].schema, "app");
	assert_string_equal(j.tables[3].name, "Ünïcödé tâble]");
	/* key with mode = append is allowed and kept */
	assert_int_equal(j.tables[4].mode, MODE_APPEND);
	assert_int_equal(j.tables[4].nkey, 1);
	assert_string_equal(j.tables[4].key[0], "id");
	job_free(&j);
}

static void
test_patterns(void **state)
{
	job			j;

	(void) state;
	load_ok(JOB SRC STG WH
			"[table Sales.Order_*]\n"
			"mode = append\n"
			"exclude_columns = Note, \"Internal Note\"\n"
			"[table public.*]\n"
			"exclude_tables = tmp_*, audit.log?, \"Odd*\"\n"
			"[table \"Q*\".\"a?\"*]\n"
			"[table public.customers]\n"
			"exclude_columns = ssn, password_hash\n", &j);
	/* the patterns are no tables until the source catalog is read */
	assert_int_equal(j.ntables, 1);
	assert_string_equal(j.tables[0].name, "customers");
	assert_int_equal(j.tables[0].pattern, -1);
	assert_int_equal(j.tables[0].nexclude_columns, 2);
	assert_string_equal(j.tables[0].exclude_columns[0], "ssn");
	assert_string_equal(j.tables[0].exclude_columns[1], "password_hash");
	assert_null(j.tables[0].exclude_columns[2]);
	assert_int_equal(j.npatterns, 3);
	assert_string_equal(j.patterns[0].text, "Sales.Order_*");
	assert_string_equal(j.patterns[0].table.schema, "sales");
	assert_string_equal(j.patterns[0].table.name, "order_*");
	assert_int_equal(j.patterns[0].table.mode, MODE_APPEND);
	assert_int_equal(j.patterns[0].table.nexclude_columns, 2);
	assert_string_equal(j.patterns[0].table.exclude_columns[0], "note");
	assert_string_equal(j.patterns[0].table.exclude_columns[1], "Internal Note");
	assert_int_equal(j.patterns[0].table.line, 9);
	assert_int_equal(j.patterns[1].nexclude, 3);
	assert_string_equal(j.patterns[1].exclude_schema[0], "public");
	assert_string_equal(j.patterns[1].exclude_name[0], "tmp_*");
	assert_string_equal(j.patterns[1].exclude_schema[1], "audit");
	assert_string_equal(j.patterns[1].exclude_name[1], "log?");
	assert_string_equal(j.patterns[1].exclude_name[2], "Odd\\*");	/* quoted: a literal '*' */
	assert_int_equal(j.patterns[1].table.mode, MODE_MERGE);
	assert_string_equal(j.patterns[2].table.schema, "Q\\*");
	assert_string_equal(j.patterns[2].table.name, "a\\?*");
	job_free(&j);

	/* a job of patterns alone is a job */
	load_ok(JOB SRC STG WH "[table app.*]\n", &j);
	assert_int_equal(j.ntables, 0);
	assert_int_equal(j.npatterns, 1);
	job_free(&j);
}

static void
test_glob_match(void **state)
{
	(void) state;
	assert_true(job_glob_match("*", "orders"));
	assert_true(job_glob_match("*", ""));
	assert_true(job_glob_match("order_*", "order_lines"));
	assert_true(job_glob_match("order_*", "order_"));
	assert_false(job_glob_match("order_*", "orders"));
	assert_true(job_glob_match("*_tmp", "a_b_tmp"));
	assert_false(job_glob_match("*_tmp", "a_tmp_b"));
	assert_true(job_glob_match("a*b*c", "aXbYbZc"));
	assert_false(job_glob_match("a*b*c", "aXbYbZ"));
	assert_true(job_glob_match("t?", "t1"));
	assert_false(job_glob_match("t?", "t"));
	assert_false(job_glob_match("t?", "t12"));
	assert_true(job_glob_match("**x", "x"));
	/* an escaped character is itself only */
	assert_true(job_glob_match("a\\*", "a*"));
	assert_false(job_glob_match("a\\*", "ab"));
	assert_true(job_glob_match("\\?*", "?x"));
	assert_false(job_glob_match("\\?*", "x?"));
	assert_true(job_glob_match("a\\\\b", "a\\b"));
	/* case matters: unquoted pattern parts fold to lower case as names do */
	assert_false(job_glob_match("orders", "Orders"));
}

static void
test_closest(void **state)
{
	const char *cols[] = {"id", "ssn", "password_hash"};

	(void) state;
	assert_string_equal(job_closest("sn", cols, 3), "ssn");
	assert_string_equal(job_closest("pasword_hash", cols, 3), "password_hash");
	assert_null(job_closest("email", cols, 3));
}

static void
test_qualified_name(void **state)
{
	char	   *schema;
	char	   *name;
	char	   *err;

	(void) state;
	assert_true(job_parse_qualified_name("Public.Customers", &schema, &name));
	assert_string_equal(schema, "public");
	assert_string_equal(name, "customers");
	free(schema);
	free(name);

	assert_true(job_parse_qualified_name("customers", &schema, &name));
	assert_string_equal(schema, "public");
	assert_string_equal(name, "customers");
	free(schema);
	free(name);

	assert_true(job_parse_qualified_name(" \"My Schema\" . \"a\"\"b\" ", &schema, &name));
	assert_string_equal(schema, "My Schema");
	assert_string_equal(name, "a\"b");
	free(schema);
	free(name);

	assert_true(job_parse_qualified_name("ÉTÉ.t$1", &schema, &name));
	assert_string_equal(schema, "ÉtÉ");		/* only ASCII folds */
	assert_string_equal(name, "t$1");
	free(schema);
	free(name);

	capture_begin();
	assert_false(job_parse_qualified_name("a.b.c", &schema, &name));
	assert_false(job_parse_qualified_name("\"a", &schema, &name));
	assert_false(job_parse_qualified_name("", &schema, &name));
	assert_false(job_parse_qualified_name("a.", &schema, &name));
	assert_false(job_parse_qualified_name("1a", &schema, &name));
	err = capture_end();
	assert_int_equal(count_lines(err), 5);
	assert_non_null(strstr(err, "bad table name \"a.b.c\": too many parts"));
	assert_non_null(strstr(err, "bad table name \"\"a\": unterminated quoted name"));
	assert_non_null(strstr(err, "bad table name \"\": empty name"));
	assert_non_null(strstr(err, "unexpected '1'"));
	free(err);
}

static void
test_long_lines(void **state)
{
	buf			conninfo = BUF_INIT;
	buf			odbc = BUF_INIT;
	buf			text = BUF_INIT;
	job			j;

	(void) state;
	buf_puts(&conninfo, "host=db dbname=shop options='");
	while (conninfo.len < 5000)
		buf_puts(&conninfo, "-c statement_timeout=0 ");
	buf_puts(&conninfo, "'");
	buf_puts(&odbc, "Driver=PostgreSQL Unicode;Server=wh;");
	while (odbc.len < 6000)
		buf_puts(&odbc, "X=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;");
	buf_printf(&text, JOB "[source]\nconninfo = %s ; trailing comment\n" STG
			   "[warehouse]\ndialect = postgres\nodbc = %s\n" TBL,
			   conninfo.data, odbc.data);
	load_ok(text.data, &j);
	assert_true(strlen(j.conninfo) >= 5000);
	assert_string_equal(j.conninfo, conninfo.data);
	assert_string_equal(j.odbc, odbc.data);
	job_free(&j);
	buf_free(&conninfo);
	buf_free(&odbc);
	buf_free(&text);
}

static void
test_comments_values(void **state)
{
	job			j;
	char	   *err;

	(void) state;
	/* "name=shop;x" keeps the ';', so the name is bad: proves no stripping */
	capture_begin();
	assert_false(job_load_string("[job]\nname=shop;x\n", "t.ini", &j));
	err = capture_end();
	assert_non_null(strstr(err, "bad job name \"shop;x\""));
	free(err);

	load_ok("  ; indented comment\n"
			"\t# another\n"
			"[job] ; the job\n"
			"name=shop\n"
			"[source]   # source\n"
			"conninfo = host=db#1 dbname=x\t# tab comment\n"
			"publication = \"  pub ; with # and \"\"q\"\"  \"  ; comment after quotes\n"
			"[stage];c\n"
			"url = file:///var/w;x\n"
			"region = \"eu-west-1\"\n"
			"[warehouse]\n"
			"dialect = postgres ;\n"
			"odbc = Driver={X Y};Server=y;PWD={a ;b}\n"
			"[table public.customers]\n", &j);
	assert_string_equal(j.conninfo, "host=db#1 dbname=x");
	assert_string_equal(j.publication, "  pub ; with # and \"q\"  ");
	assert_string_equal(j.dir, "/var/w;x");
	assert_string_equal(j.region, "eu-west-1");
	assert_string_equal(j.dialect, "postgres");
	/* " ;" inside {braces} is still a comment: quote such values */
	assert_string_equal(j.odbc, "Driver={X Y};Server=y;PWD={a");
	job_free(&j);

	load_ok(JOB SRC STG "[warehouse]\ndialect = postgres\n"
			"odbc = \"Driver={X Y};Server=y;PWD={a ;b}\"\n" TBL, &j);
	assert_string_equal(j.odbc, "Driver={X Y};Server=y;PWD={a ;b}");
	job_free(&j);

	/* a " ;" inside double quotes within a value is no comment (libinih would cut it) */
	load_ok(JOB SRC STG "[warehouse]\ndialect = postgres\n"
			"odbc = Driver=X;Pwd=\"a ;b\"\n" TBL, &j);
	assert_string_equal(j.odbc, "Driver=X;Pwd=\"a ;b\"");
	job_free(&j);
}

static void
test_crlf_bom(void **state)
{
	job			j;

	(void) state;
	load_ok("\xEF\xBB\xBF[job]\r\nname = shop\r\n"
			"[source]\r\nconninfo = host=db  \r\n"
			"[stage]\r\nurl = file:///d\r\n"
			"[warehouse]\r\ndialect = redshift\r\n"
			"[table x]\r\nkey = a, b\r\n"
			"[table y]", &j);
	assert_string_equal(j.name, "shop");
	assert_string_equal(j.conninfo, "host=db");
	assert_string_equal(j.dir, "/d");
	assert_string_equal(j.dialect, "redshift");
	assert_int_equal(j.ntables, 2);
	assert_int_equal(j.tables[0].nkey, 2);
	assert_string_equal(j.tables[0].key[1], "b");
	assert_string_equal(j.tables[1].name, "y");
	job_free(&j);
}

static void
assert_scrubbed(const char *secret)
{
	char	   *text = xasprintf("before %s after", secret);
	char	   *clean = log_scrub(text);

	if (strstr(clean, secret) != NULL || strstr(clean, "***") == NULL)
	{
		print_error("not scrubbed: \"%s\" -> \"%s\"\n", text, clean);
		fail();
	}
	free(text);
	free(clean);
}

static void
test_secrets(void **state)
{
	job			j;

	(void) state;
	log_secrets_clear();
	setenv("WHARF_TEST_SECRET", "s3cr3t-from-env", 1);
	setenv("WHARF_TEST_PGPASS", "pg-env-pass", 1);
	load_ok(JOB
			"[source]\nconninfo = host=db password='pa ss\\'word' user=x\n"
			"[stage]\nurl = s3://bucket/p\n" S3KEYS
			"[warehouse]\ndialect = redshift\n"
			"odbc = Driver=Amazon Redshift;Server=x; pwd = {br}}ace;x} ;UID=u\n" TBL, &j);
	assert_scrubbed("s3cr3t-from-env");
	assert_scrubbed("pa ss'word");
	assert_scrubbed("'pa ss\\'word'");
	assert_scrubbed("br}ace;x");
	assert_scrubbed("br}}ace;x");
	job_free(&j);

	load_ok(JOB
			"[source]\nconninfo = postgresql://wharf:p%40ss%2Fw@db:5432/shop?sslmode=require&password=q2\n"
			STG "[warehouse]\ndialect = postgres\nodbc = Driver=PG;Password=odbc-plain;Server=y\n" TBL, &j);
	assert_scrubbed("p@ss/w");
	assert_scrubbed("p%40ss%2Fw");
	assert_scrubbed("q2");
	assert_scrubbed("odbc-plain");
	job_free(&j);

	load_ok(JOB
			"[source]\nconninfo = dbname=shop password=${WHARF_TEST_PGPASS}\n"
			STG WH TBL, &j);
	assert_scrubbed("pg-env-pass");
	job_free(&j);

	/* a failed load's error never shows a secret it already read */
	{
		char	   *err;

		log_secrets_clear();
		capture_begin();
		assert_false(job_load_string(JOB "[source]\nconninfo = password=hunter22\n"
									 "[stage]\nurl = s3://bucket\naccess_key_id = x\n"
									 "secret_access_key = hunter22\nregion = hunter22?\n",
									 "t.ini", &j));
		err = capture_end();
		assert_non_null(strstr(err, "bad region \"***?\""));
		assert_null(strstr(err, "hunter22"));
		free(err);
	}
	log_secrets_clear();
}

/*
 * Loads text from a file of the given mode and returns what it logged (the
 * caller frees it); the job is freed and the file removed.  When j_out is
 * not NULL, the job is handed over instead of freed.
 */
static char *
load_file_logging(const char *text, mode_t mode, job *j_out, char **path_out)
{
	char	   *path = write_temp(text, mode);
	char	   *err;
	job			j;

	capture_begin();
	assert_true(job_load(path, &j));
	err = capture_end();
	if (j_out)
		*j_out = j;
	else
		job_free(&j);
	unlink(path);
	if (path_out)
		*path_out = path;
	else
		free(path);
	return err;
}

/* A file of the given mode: its one warning holds fragment, or there is none (NULL). */
static void
expect_load_warning(const char *text, mode_t mode, const char *fragment)
{
	char	   *err = load_file_logging(text, mode, NULL, NULL);

	if (fragment == NULL)
		assert_string_equal(err, "");
	else
		assert_non_null(strstr(err, fragment));
	free(err);
}

static void
test_permission_warning(void **state)
{
	static const char *literal =
		JOB SRC "[stage]\nurl = s3://bucket\naccess_key_id = a\n"
		"secret_access_key = literal-secret\n" WH TBL;
	static const char *literal_pg =
		JOB "[source]\nconninfo = host=db password=literal\n" STG WH TBL;
	static const char *from_env =
		JOB "[source]\nconninfo = host=db password=${WHARF_TEST_PGPASS}\n"
		"[stage]\nurl = s3://bucket\n" S3KEYS WH TBL;
	char	   *path;
	char	   *err;
	job			j;

	(void) state;
	setenv("WHARF_TEST_SECRET", "s3cr3t-from-env", 1);
	setenv("WHARF_TEST_PGPASS", "pg-env-pass", 1);

	err = load_file_logging(literal, 0644, &j, &path);
	assert_non_null(strstr(err, "wharf: warning: "));
	assert_non_null(strstr(err, "readable by group or others (mode 0644)"));
	assert_non_null(strstr(err, "secret_access_key"));
	assert_null(strstr(err, "literal-secret"));
	assert_int_equal(count_lines(err), 1);
	assert_string_equal(j.path, path);
	assert_string_equal(j.secret_access_key, "literal-secret");
	free(err);
	free(path);
	job_free(&j);

	expect_load_warning(literal_pg, 0640, "a password in [source] conninfo");
	/* private file: no warning */
	expect_load_warning(literal, 0600, NULL);
	/* secrets through the environment: no warning */
	expect_load_warning(from_env, 0644, NULL);
	log_secrets_clear();
}

/* Secrets registered by one test must not mask another's output. */
static int
clear_secrets(void **state)
{
	(void) state;
	log_secrets_clear();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_files, clear_secrets, clear_secrets),
		cmocka_unit_test_setup_teardown(test_unreadable, clear_secrets, clear_secrets),
		cmocka_unit_test_setup_teardown(test_nul_byte, clear_secrets, clear_secrets),
		cmocka_unit_test_setup_teardown(test_defaults, clear_secrets, clear_secrets),
		cmocka_unit_test_setup_teardown(test_use_publication, clear_secrets, clear_secrets),
		cmocka_unit_test_setup_teardown(test_incremental_keys, clear_secrets, clear_secrets),
		cmocka_unit_test_setup_teardown(test_full_s3, clear_secrets, clear_secrets),
		cmocka_unit_test_setup_teardown(test_values, clear_secrets, clear_secrets),
		cmocka_unit_test_setup_teardown(test_expansion_values, clear_secrets, clear_secrets),
		cmocka_unit_test_setup_teardown(test_table_names, clear_secrets, clear_secrets),
		cmocka_unit_test_setup_teardown(test_qualified_name, clear_secrets, clear_secrets),
		cmocka_unit_test_setup_teardown(test_patterns, clear_secrets, clear_secrets),
		cmocka_unit_test_setup_teardown(test_glob_match, clear_secrets, clear_secrets),
		cmocka_unit_test_setup_teardown(test_closest, clear_secrets, clear_secrets),
		cmocka_unit_test_setup_teardown(test_long_lines, clear_secrets, clear_secrets),
		cmocka_unit_test_setup_teardown(test_comments_values, clear_secrets, clear_secrets),
		cmocka_unit_test_setup_teardown(test_crlf_bom, clear_secrets, clear_secrets),
		cmocka_unit_test_setup_teardown(test_secrets, clear_secrets, clear_secrets),
		cmocka_unit_test_setup_teardown(test_permission_warning, clear_secrets, clear_secrets),
	};

	log_set_stamped(false);	/* messages as on a terminal: "wharf: error: ..." */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
