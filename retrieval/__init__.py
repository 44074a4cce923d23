"""The worker's retrieval and answering: the index, the embedding model, hybrid search, prompt, LLM, citations.

Imports never point at ingestion/ (ingestion writes into this package's index, not the other way). The web
process imports only `retrieval.contracts` from here (README, "How it works": Layout; tests/test_layering.py).
"""
