"""Celery interface of the model catalogue: the download runs in the worker (retrieval/model_download.py)."""

from celery import shared_task


@shared_task(acks_late=False)
def model_download(download_id: int) -> None:
    """Not acks_late: a download whose worker died stays `downloading`; the admin's "retry or resume" continues it."""
    from retrieval.model_download import download_run

    download_run(download_id)
