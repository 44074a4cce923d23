"""Celery's Redis transport, made to survive Redis going away while a task runs (CELERY_BROKER_TRANSPORT).

When the broker connection breaks, Celery 5.7's consumer first `collect()`s the connection, which detaches its
transport (`transport.client = None`), then closes it. Closing the channel restores the messages it holds
unacknowledged (an `acks_late` task still running) through a new connection pool, built from
`transport.client.hostname`: an AttributeError that ends the worker ("Unrecoverable error: AttributeError
('NoneType' object has no attribute 'hostname')"). An idle worker holds no such message and survives. The same
family as celery/kombu#582, where closing a channel after its connection was released read the same attribute.

Here a detached channel leaves those messages where they are, in Redis's unacked index: the transport's
`restore_visible` puts them back in their queue after TASK_VISIBILITY_TIMEOUT (and a Redis that restarted
without persistence has nothing to restore). Acknowledging on such a channel is skipped for the same reason:
the task finished, and a redelivery finds its work done (ingestion claims documents with a lease; answers
are not `acks_late`).
"""

import logging

from kombu.transport import redis as kombu_redis
from kombu.transport import virtual

log = logging.getLogger(__name__)


def _detached(channel) -> bool:
    return channel.connection is None or channel.connection.client is None


class QoS(kombu_redis.QoS):
    def restore_unacked(self, client=None):
        if client is None and _detached(self.channel):
            log.warning("broker connection lost: %d unacknowledged message(s) return after the visibility timeout",
                        len(self._delivered))
            self._delivered.clear()
            return
        return super().restore_unacked(client)

    def ack(self, delivery_tag):
        if _detached(self.channel):
            log.warning("broker connection lost: message %s is acknowledged by its redelivery", delivery_tag)
            return virtual.QoS.ack(self, delivery_tag)  # this channel's own bookkeeping only
        return super().ack(delivery_tag)


class Channel(kombu_redis.Channel):
    QoS = QoS


class Transport(kombu_redis.Transport):
    Channel = Channel
