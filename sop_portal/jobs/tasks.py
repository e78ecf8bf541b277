from celery import shared_task

from . import services


@shared_task(name="sop_portal.jobs.tasks.sweep_jobs", ignore_result=True)
def sweep_jobs() -> int:
    """Beat: re-send jobs whose message was lost or whose worker died."""
    return services.sweep()
