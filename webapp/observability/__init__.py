"""What Acervo is doing, for the people who run it: Prometheus figures at /metrics (figures.py records them from any
process, collector.py reads them), JSON logs (logs.py) and a request id that follows a question from the web through
the worker (request_id.py)."""
