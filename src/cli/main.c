/*
 * main.c
 *    The wharf command line: options, commands and exit codes.  The only
 *    place that exits.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "commands.h"
#include "log.h"
#include "report.h"
#include "pipes.h"
#include "upload.h"

#define WHARF_VERSION "0.1.0"

typedef struct command
{
	const char *name;
	int			(*run) (const cmd_options *o);
	const char *summary;
	const char *help;
	const char *args;			/* its own options, for its usage line */
} command;

static const command commands[] = {
	{"check", cmd_check, "reach source, stage and warehouse; report what is missing",
		"Connects to the source (and reads the catalog of every configured table),\n"
		"writes and removes a probe in the stage, and connects to the warehouse.\n"
		"Reports each part as ok or names what is wrong. Also what sync needs of\n"
		"the source: the role's REPLICATION attribute, CREATE on the database and\n"
		"ownership of the tables (or the use_publication publication holding every\n"
		"table), free replication slots and WAL senders, each table's replica\n"
		"identity; those are warnings, as snapshot needs none. Changes nothing.\n", NULL},
	{"plan", cmd_plan, "dry run: print the SQL a load would run",
		"Prints, per table, exactly the DDL, COPY and apply statements a snapshot\n"
		"load would run in the configured dialect, with secrets masked. Reads the\n"
		"source catalog; creates no slot, publication, staged object or warehouse object,\n"
		"and needs no warehouse connection, except for mode = incremental tables: then\n"
		"also the next incremental load, bounded by the marks it reads from the\n"
		"warehouse (when odbc is set).\n", NULL},
	{"stage", cmd_stage, "snapshot the tables into gzip CSV parts and a manifest",
		"Reads every table from one consistent snapshot into gzip CSV parts plus a\n"
		"manifest per table in the stage, and keeps them there. No warehouse.\n", NULL},
	{"snapshot", cmd_snapshot, "full refresh into the warehouse",
		"Stages every table from one consistent snapshot, then in ONE warehouse\n"
		"transaction creates missing schemas and tables, COPYs the parts into\n"
		"staging tables, applies them set-based (rows gone from the source are\n"
		"removed) and records the load in the state table. Staged objects are\n"
		"removed afterwards unless [stage] keep = true. SIGINT/SIGTERM roll the\n"
		"load back and remove what it staged. A job that streams (sync) is\n"
		"refused: refresh it with sync --reload TABLE or sync --resnapshot.\n", NULL},
	{"incremental", cmd_incremental, "load the rows changed since the last load (mode = incremental)",
		"Loads the job's mode = incremental tables without replication: from one\n"
		"snapshot, each table's rows changed since its last load (cursor = COLUMN:\n"
		"the rows whose cursor is at least the last load's largest, less lookback;\n"
		"cursor = xmin: the rows written by transactions the last load could not\n"
		"see), merged by key in ONE warehouse transaction with each table's new\n"
		"high-water mark. Rows deleted at the source are found by comparing keys\n"
		"(deletes = reconcile, soft; every reconcile_every loads; none: not). The\n"
		"first load of a table, or one whose warehouse table is empty, is a full\n"
		"load. Other tables of the job are left alone.\n", NULL},
	{"sync", cmd_sync, "change data capture: catch up from the WAL (--follow: keep going)",
		"The first run creates the job's publications and a logical replication slot\n"
		"(pgoutput), loads every table from the snapshot the slot exports, then\n"
		"streams. Later runs stream from the position the warehouse holds. Changes\n"
		"are applied in batches of whole transactions, each batch in ONE warehouse\n"
		"transaction with its position; only then is the slot told. Without\n"
		"--follow, stops once everything up to the WAL position current at start is\n"
		"applied (the nightly job). With --follow, applies a batch at least every\n"
		"batch_interval seconds; SIGINT/SIGTERM finish the batch in flight and exit 0.\n"
		"Under --follow a lost source, warehouse or stage is ridden out: the run\n"
		"starts again from the warehouse's position after waits doubling up to\n"
		"[sync] retry_max_wait, for up to [sync] retry_for (then exit 1); other\n"
		"errors stop it at once.\n"
		"Tables added to the job get their own snapshot; removed tables leave the\n"
		"publication and their warehouse table stays. A first run that fails drops\n"
		"the slot and publications it made.\n\n"
		"  --follow      keep streaming\n"
		"  --resnapshot  drop the slot and start over with a new snapshot\n"
		"  --continue TABLE  a table added back to the job whose warehouse table\n"
		"                holds rows: keep them, apply its changes from now on\n"
		"  --reload TABLE    such a table: replace its rows from a new snapshot\n",
	"[--follow] [--resnapshot] [--continue TABLE] [--reload TABLE]"},
	{"status", cmd_status, "last load per table, from the warehouse state",
		"Reads wharf's state table in the warehouse and prints the last load of\n"
		"each table of the job.\n", NULL},
	{"retire", cmd_retire, "end a job: drop its slot and publications (--yes)",
		"Drops the job's replication slot and the publications wharf made for it\n"
		"(never a publication named by use_publication, which a DBA made). Without\n"
		"--yes, prints what it would drop, changes nothing and exits 2. A later sync\n"
		"of the job starts over when its state rows are gone (--drop-state).\n\n"
		"  --yes          do it\n"
		"  --drop-state   also delete the job's rows from the warehouse state table\n"
		"  --drop-tables  also drop the warehouse tables the job loaded, and its\n"
		"                 state rows (tables that left the job stay)\n",
	"[--yes] [--drop-state] [--drop-tables]"},
};

#define NCOMMANDS ((int) (sizeof(commands) / sizeof(commands[0])))

static void
usage(FILE *out)
{
	fprintf(out,
			"wharf replicates PostgreSQL tables into Snowflake-, Redshift- or Postgres-style\n"
			"warehouses through gzip CSV files in object storage.\n\n"
			"Usage: wharf [OPTIONS] COMMAND [--help]\n\n"
			"Commands:\n");
	for (int i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
			"\nOptions:\n"
			"  -c, --config FILE  the job file (default ./wharf.ini)\n"
			"      --json         print one summary object on stdout\n"
			"  -v, --verbose      each step and its time (twice: also every statement sent)\n"
			"  -q, --quiet        errors only\n"
			"      --progress-interval SECONDS\n"
			"                     without a terminal, a progress line this often (default 10,\n"
			"                     0: none)\n"
			"  -h, --help         this help\n"
			"      --version      print the version\n\n"
			"Exit codes: 0 success, 1 runtime failure, 2 usage or job-file error.\n");
}

int
main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{"config", required_argument, NULL, 'c'},
		{"json", no_argument, NULL, 'j'},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"follow", no_argument, NULL, 'f'},
		{"resnapshot", no_argument, NULL, 'r'},
		{"continue", required_argument, NULL, 'C'},
		{"reload", required_argument, NULL, 'R'},
		{"progress-interval", required_argument, NULL, 'P'},
		{"yes", no_argument, NULL, 'y'},
		{"drop-state", no_argument, NULL, 'S'},
		{"drop-tables", no_argument, NULL, 'T'},
		{NULL, 0, NULL, 0}
	};
	cmd_options o = {.job_path = "wharf.ini"};
	const command *cmd = NULL;
	int			verbosity = 0;
	bool		help = false;
	int			opt;
	int			rc;

	/* options may come before or after the command */
	while ((opt = getopt_long(argc, argv, "c:vqh", long_options, NULL)) != -1)
	{
		switch (opt)
		{
			case 'c':
				o.job_path = optarg;
				break;
			case 'j':
				o.json = true;
				break;
			case 'v':
				verbosity++;
				break;
			case 'q':
				verbosity = -1;
				break;
			case 'h':
				help = true;
				break;
			case 'f':
				o.follow = true;
				break;
			case 'r':
				o.resnapshot = true;
				break;
			case 'C':
				o.continue_tables = xrealloc(o.continue_tables, sizeof(char *) * (size_t) (o.ncontinue + 1));
				o.continue_tables[o.ncontinue++] = optarg;
				break;
			case 'R':
				o.reload_tables = xrealloc(o.reload_tables, sizeof(char *) * (size_t) (o.nreload + 1));
				o.reload_tables[o.nreload++] = optarg;
				break;
			case 'P':
				{
					char	   *end;
					double		secs = strtod(optarg, &end);

					if (end == optarg || *end != '\0' || secs < 0)
					{
						fprintf(stderr, "wharf: --progress-interval: \"%s\" is not a number of seconds\n",
								optarg);
						return EXIT_USAGE;
					}
					log_set_progress_interval(secs);
				}
				break;
			case 'y':
				o.confirm = true;
				break;
			case 'S':
				o.drop_state = true;
				break;
			case 'T':
				o.drop_tables = true;
				break;
			case 'V':
				printf("wharf %s\n", WHARF_VERSION);
				return EXIT_OK;
			default:
				fprintf(stderr, "Try \"wharf --help\".\n");
				return EXIT_USAGE;
		}
	}
	if (optind < argc)
	{
		for (int i = 0; i < NCOMMANDS; i++)
			if (strcmp(argv[optind], commands[i].name) == 0)
				cmd = &commands[i];
		if (cmd == NULL)
		{
			fprintf(stderr, "wharf: unknown command \"%s\"\nTry \"wharf --help\".\n", argv[optind]);
			return EXIT_USAGE;
		}
		if (optind + 1 < argc)
		{
			fprintf(stderr, "wharf: unexpected argument \"%s\"\n", argv[optind + 1]);
			return EXIT_USAGE;
		}
	}
	if (cmd == NULL)
	{
		usage(help ? stdout : stderr);
		return help ? EXIT_OK : EXIT_USAGE;
	}
	if ((o.follow || o.resnapshot || o.ncontinue || o.nreload) && cmd->run != cmd_sync)
	{
		fprintf(stderr, "wharf: --follow, --resnapshot, --continue and --reload go with sync\n");
		return EXIT_USAGE;
	}
	if ((o.confirm || o.drop_state || o.drop_tables) && cmd->run != cmd_retire)
	{
		fprintf(stderr, "wharf: --yes, --drop-state and --drop-tables go with retire\n");
		return EXIT_USAGE;
	}
	if (help)
	{
		printf("Usage: wharf [-c FILE] [--json] %s%s%s\n\n%s", cmd->name,
			   cmd->args ? " " : "", cmd->args ? cmd->args : "", cmd->help);
		return EXIT_OK;
	}

	log_set_level(verbosity < 0 ? LOG_ERROR : verbosity == 0 ? LOG_INFO :
				  verbosity == 1 ? LOG_DEBUG : LOG_TRACE);
	/* what the opening line says the run will do */
	report_begin(WHARF_VERSION, cmd->name,
				 cmd->run != cmd_sync ? cmd->summary : o.follow ?
				 "change data capture, following the WAL until stopped (--follow)" :
				 "change data capture: catch up to the WAL position current now",
				 o.job_path, o.json);
	/* under Dagster Pipes: messages to the orchestrator around the command */
	if (!upload_init())
		rc = EXIT_RUNTIME;
	else if (!pipes_open())
		rc = EXIT_USAGE;
	else
		rc = cmd->run(&o);
	/* the closing line still goes to the orchestrator, then how the run ended */
	report_close(rc);
	if (pipes_active() && !pipes_close(rc, NULL) && rc == EXIT_OK)
		rc = EXIT_RUNTIME;
	rc = report_end(rc);
	free(o.continue_tables);
	free(o.reload_tables);
	upload_cleanup();
	log_secrets_clear();
	return rc;
}
