"""What the web and the workers exchange, and all the web process imports of the worker packages.

- `events`: the Redis bus: answer event streams, cancel flags, the answer queue, worker heartbeats, replies.
- `payloads`: the answer's payloads (`Citation`, `Usage`), each defined once.
- `failures`: why a document failed to ingest: codes and parameters the worker stores, the web translates.
- `warnings`: what a parser noted about a file it did read: codes and parameters, worded by the web.

Light on purpose (the standard library, redis, Django's settings); nothing here imports another module of ours
(tests/test_layering.py).
"""
