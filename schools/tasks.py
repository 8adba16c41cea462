from celery import shared_task

from schools.imports import import_run_execute


@shared_task(acks_late=True)
def run_roster_import(*, run_id: int) -> None:
    # Safe to run twice: import_run_execute claims the run with a conditional
    # update, and a second delivery finds it already taken or finished.
    import_run_execute(run_id=run_id)
