"""A stand-in for a Qdrant server, for tests that need several processes to share one index (QDRANT_URL).

No Qdrant server binary can be installed on the test machine, and the embedded engine (EdgeIndex) locks its
folder to one process. This process serves the part of Qdrant's REST API that `retrieval.index.server` calls,
over qdrant-client's own local mode (the same request models, parsed from the same JSON a server receives), so
any number of workers can share it. It is slow and serial (one request at a time): a stand-in, not a server.

    python -m tests.qdrant_standin --port 6333 --path /tmp/qdrant
"""

import argparse
import json
import subprocess
import sys

import httpx
import uvicorn
from qdrant_client import QdrantClient, models
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

VERSION = "1.20.0"  # what GET / says, so the client's compatibility check is quiet


def make_app(path: str) -> Starlette:
    local = QdrantClient(path=path)

    def reply(result, status: int = 200) -> JSONResponse:
        if hasattr(result, "model_dump"):
            result = result.model_dump(mode="json")
        elif isinstance(result, list):
            result = [r.model_dump(mode="json") if hasattr(r, "model_dump") else r for r in result]
        return JSONResponse({"result": result, "status": "ok", "time": 0.0}, status_code=status)

    async def body(request: Request) -> dict:
        raw = await request.body()
        return json.loads(raw) if raw else {}

    async def root(request):
        return JSONResponse({"title": "qdrant - vector search engine (stand-in)", "version": VERSION})

    async def exists(request):
        return reply({"exists": local.collection_exists(request.path_params["name"])})

    async def collection(request):
        name = request.path_params["name"]
        if request.method == "GET":
            if not local.collection_exists(name):
                return JSONResponse({"status": {"error": f"Collection `{name}` doesn't exist!"}}, status_code=404)
            return reply(local.get_collection(name))
        if request.method == "DELETE":
            return reply(local.delete_collection(name))
        create = models.CreateCollection(**await body(request))
        return reply(local.create_collection(name, vectors_config=create.vectors,
                                             sparse_vectors_config=create.sparse_vectors))

    async def index(request):
        return reply(models.UpdateResult(operation_id=0, status=models.UpdateStatus.COMPLETED))

    async def upsert(request):
        points = models.PointsList(**await body(request)).points
        return reply(local.upsert(request.path_params["name"], points=points, wait=True))

    async def delete(request):
        selector = models.FilterSelector(**await body(request))
        return reply(local.delete(request.path_params["name"], points_selector=selector, wait=True))

    async def count(request):
        asked = models.CountRequest(**await body(request))
        return reply(local.count(request.path_params["name"], count_filter=asked.filter, exact=True))

    async def scroll(request):
        asked = models.ScrollRequest(**await body(request))
        records, offset = local.scroll(request.path_params["name"], scroll_filter=asked.filter, limit=asked.limit,
                                       offset=asked.offset, with_payload=asked.with_payload,
                                       with_vectors=asked.with_vector)
        return reply({"points": [r.model_dump(mode="json") for r in records], "next_page_offset": offset})

    async def query(request):
        asked = models.QueryRequest(**await body(request))
        return reply(local.query_batch_points(request.path_params["name"], requests=[asked])[0])

    async def query_batch(request):
        asked = models.QueryRequestBatch(**await body(request))
        return reply(local.query_batch_points(request.path_params["name"], requests=asked.searches))

    return Starlette(routes=[
        Route("/", root),
        Route("/collections/{name}/exists", exists),
        Route("/collections/{name}", collection, methods=["GET", "PUT", "DELETE"]),
        Route("/collections/{name}/index", index, methods=["PUT"]),
        Route("/collections/{name}/points", upsert, methods=["PUT"]),
        Route("/collections/{name}/points/delete", delete, methods=["POST"]),
        Route("/collections/{name}/points/count", count, methods=["POST"]),
        Route("/collections/{name}/points/scroll", scroll, methods=["POST"]),
        Route("/collections/{name}/points/query", query, methods=["POST"]),
        Route("/collections/{name}/points/query/batch", query_batch, methods=["POST"]),
    ])


def start_standin(folder, log) -> tuple[subprocess.Popen, str]:
    """The stand-in on a free loopback port, serving a local-mode index in `folder`; (process, url)."""
    from tests import services as _services

    port = _services.free_port()
    command = [sys.executable, "-m", "tests.qdrant_standin", "--port", str(port), "--path", str(folder)]
    process = subprocess.Popen(command, cwd=_services.ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def up():
        try:
            return httpx.get(url, timeout=1).status_code == 200
        except httpx.HTTPError:
            return process.poll() is not None

    _services.wait_until(up, timeout=30, what="qdrant stand-in", log_path=log)
    assert process.poll() is None, log.read_text()[-2000:]
    return process, url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    args = parser.parse_args()
    uvicorn.run(make_app(args.path), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
