"""Celery tasks: thin wrappers that take ids and call the same code the in-process runner calls."""

from celery import shared_task


@shared_task(name="taizhang.run_job")
def run_job_task(job_id: int) -> None:
    from taizhang.core.jobs import run_job

    run_job(job_id)
