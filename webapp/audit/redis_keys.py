"""Removing what Redis holds about answers: their event streams (which carry the answer text and passages),
cancel flags, owner keys and places in the answer queue. Used by retention and by erase_user."""

from retrieval.contracts import events


def messages_forget(message_ids) -> int:
    """Delete every key of these messages; returns how many keys existed."""
    ids = [int(i) for i in message_ids]
    if not ids:
        return 0
    client = events.client()
    removed = 0
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        keys = [k for i in part for k in (events.stream_key(i), events.cancel_key(i), events.owner_key(i))]
        removed += client.delete(*keys)
        client.zrem(events.answer_queue_key(), *[str(i) for i in part])
    return removed
