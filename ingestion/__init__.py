"""The worker's ingestion: parse → chunk → embed → index, each document under a lease.

It may import retrieval/ (the index and the embedding model it writes with); retrieval never imports it. The web
process imports none of it but the pure file-type and title rules an upload is checked with (tests/test_layering.py).
"""
