"""Airflow DAGs for wharf: a streamed job caught up every 15 minutes, and a
job refreshed by a full snapshot every night.

Each task runs the wharf binary with BashOperator; a non-zero exit fails the
task (wharf's exit codes: 1 a runtime failure, worth a retry; 2 a usage or
job-file error, which a retry does not mend).  Copy into the dags folder and
set the Airflow Variables wharf_bin and wharf_job_dir, or keep the defaults.
"""
from datetime import datetime, timedelta

from airflow import DAG

try:  # Airflow 3 moved the operator into the standard provider
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:
    from airflow.operators.bash import BashOperator

WHARF = "{{ var.value.get('wharf_bin', '/usr/local/bin/wharf') }}"
JOBS = "{{ var.value.get('wharf_job_dir', '/etc/wharf') }}"

default_args = {
    "owner": "data-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=2),
    # a sync that hangs on a dead connection must not hold the slot forever
    "execution_timeout": timedelta(hours=1),
}

with DAG(
    dag_id="wharf_shop_sync",
    description="wharf sync: catch the warehouse up from the WAL, then stop",
    schedule="*/15 * * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    # two syncs of one job cannot run at once: the slot streams to one client
    max_active_runs=1,
    default_args=default_args,
    tags=["wharf"],
) as shop:
    BashOperator(
        task_id="sync",
        bash_command=f"{WHARF} -c {JOBS}/shop.ini sync",
        # the job file's ${NAME} references (passwords, keys) come from the
        # worker's environment
        append_env=True,
    )

with DAG(
    dag_id="wharf_reports_snapshot",
    description="wharf snapshot: a full refresh of the reports job",
    schedule="10 2 * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["wharf"],
) as reports:
    check = BashOperator(
        task_id="check",
        bash_command=f"{WHARF} -c {JOBS}/reports.ini check",
        append_env=True,
    )
    snapshot = BashOperator(
        task_id="snapshot",
        bash_command=f"{WHARF} -c {JOBS}/reports.ini snapshot",
        append_env=True,
    )
    check >> snapshot
