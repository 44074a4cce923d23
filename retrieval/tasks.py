"""Celery interface of answering: on the `answer` queue, never behind ingestion.

Not `acks_late`: a half-streamed answer is not worth replaying an hour later; if its worker dies,
the web tells the reader the worker went away.
"""

from celery import shared_task

from retrieval.answer import answer_message


@shared_task
def answer(message_id: int) -> None:
    answer_message(message_id)
