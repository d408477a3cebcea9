"""Dagster definitions for one wharf job: an asset per replicated table.

wharf speaks the Dagster Pipes protocol itself, so PipesSubprocessClient runs
the binary directly: its log lines appear in the run's logs, each table it
commits comes back as that asset's materialization (rows loaded or changes
applied, the stream position, the lag and the duration as metadata), and a
failure fails the step with wharf's first error line.

wharf names a table by its warehouse table: an asset key whose last
component is the table's name and whose component before it (if any) is
its warehouse schema (or source schema), e.g. ["wharf", "analytics",
"customers"] for the table wharf loads into analytics.customers.

    dagster dev -f examples/dagster/definitions.py

needs `pip install dagster dagster-webserver` and wharf on PATH (or
WHARF_BIN), and WHARF_JOB_FILE naming the job file.
"""
import os
import shutil

from dagster import (
    AssetExecutionContext,
    AssetSpec,
    Definitions,
    PipesSubprocessClient,
    ScheduleDefinition,
    define_asset_job,
    multi_asset,
)

WHARF = os.environ.get("WHARF_BIN") or shutil.which("wharf") or "/usr/local/bin/wharf"
JOB_FILE = os.environ.get("WHARF_JOB_FILE", "/etc/wharf/shop.ini")

# The job's tables, by warehouse schema and table, as its [table ...]
# sections and [warehouse] schema make them.
TABLES = [
    ("analytics", "customers"),
    ("analytics", "orders"),
    ("analytics", "order_lines"),
]


@multi_asset(
    name="shop_replica",
    specs=[
        AssetSpec(key=["wharf", schema, table], group_name="wharf",
                  description=f"{schema}.{table}, replicated by wharf")
        for schema, table in TABLES
    ],
)
def shop_replica(context: AssetExecutionContext, pipes_subprocess_client: PipesSubprocessClient):
    """`wharf sync` for the whole job: catches the warehouse up from the WAL and
    stops (its first run loads every table from the slot's snapshot).  A job
    refreshed rather than streamed runs `snapshot` instead."""
    # wharf inherits the code location's environment: the job file's ${NAME}
    # references (passwords, keys) are read from it
    return pipes_subprocess_client.run(
        context=context,
        command=[WHARF, "-c", JOB_FILE, "sync"],
    ).get_results()


shop_sync = define_asset_job("shop_sync", selection=[shop_replica])

defs = Definitions(
    assets=[shop_replica],
    jobs=[shop_sync],
    # catch up every 15 minutes.  Two syncs of one job cannot run at once (the
    # slot streams to one client): a run that outlasts the interval makes the
    # next one fail, so keep them apart with a run queue concurrency limit
    schedules=[ScheduleDefinition(job=shop_sync, cron_schedule="*/15 * * * *")],
    resources={"pipes_subprocess_client": PipesSubprocessClient()},
)
