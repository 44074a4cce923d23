"""How fast EdgeIndex writes and answers filtered hybrid queries, on random 384-dim points.

    .venv/bin/python bench/index_speed.py                 # 10k and 100k points
    .venv/bin/python bench/index_speed.py --points 20000 --optimize-every 10000

Documents have 20 chunks and belong to one of 50 collections; a query may read 10 of them (20% of the points)
and, as a second figure, one (2%). Sparse vectors draw 40 terms per chunk and 8 per query from a Zipf
distribution over 30,000 terms, so common terms have long posting lists as real text does.
"""

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retrieval.index.edge import EdgeIndex  # noqa: E402
from retrieval.types import IndexPoint, SparseVector  # noqa: E402

DIM = 384
CHUNKS_PER_DOC = 20
COLLECTIONS = 50
BATCH = 1000
rng = np.random.default_rng(0)


def sparse(terms: int) -> SparseVector:
    indices = np.unique(rng.zipf(1.3, terms) % 30_000)
    return SparseVector(indices=indices.tolist(), values=(1 + rng.random(len(indices))).tolist())


def points(start: int, n: int) -> list[IndexPoint]:
    dense = rng.standard_normal((n, DIM)).astype(np.float32)
    return [
        IndexPoint(
            id=str(uuid.uuid4()),
            dense=dense[i].tolist(),
            sparse=sparse(40),
            document_id=(start + i) // CHUNKS_PER_DOC,
            collection_id=((start + i) // CHUNKS_PER_DOC) % COLLECTIONS,
            chunk_id=start + i,
            ordinal=(start + i) % CHUNKS_PER_DOC,
            version=1,
        )
        for i in range(n)
    ]


def latency(index: EdgeIndex, allowed: list[int], runs: int = 300, **kwargs) -> str:
    timings = []
    for _ in range(runs):
        dense, terms = rng.standard_normal(DIM).tolist(), sparse(8)
        start = time.perf_counter()
        index.search(dense=dense, sparse=terms, allowed_collections=allowed, limit=10, **kwargs)
        timings.append(time.perf_counter() - start)
    p50, p95 = np.percentile(np.array(timings) * 1000, [50, 95])
    return f"p50 {p50:5.2f} ms  p95 {p95:5.2f} ms"


def report(index: EdgeIndex, label: str) -> None:
    wide, narrow = list(range(0, COLLECTIONS, 5)), [7]
    print(f"  {label:<26} hybrid 20%: {latency(index, wide)} | hybrid 2%: {latency(index, narrow)}")
    print(f"  {'':<26} hybrid 20% with_modes: {latency(index, wide, with_modes=True)}")


def run(total: int, optimize_every: int, root: Path) -> None:
    index = EdgeIndex(root=root, name=f"bench_{total}", dim=DIM, optimize_every=optimize_every)
    print(f"{total:,} points, optimize_every={optimize_every:,}")
    took = []
    for start in range(0, total, BATCH):
        batch = points(start, min(BATCH, total - start))
        began = time.perf_counter()
        index.upsert(batch)
        took.append(time.perf_counter() - began)
    pauses = [t for t in took if t > 1.0]  # the upserts that ran an automatic optimize
    plain = [t for t in took if t <= 1.0]
    print(f"  upsert {len(plain) * BATCH / sum(plain):,.0f} points/s; {total / sum(took):,.0f} points/s counting "
          f"{len(pauses)} automatic optimizes (longest {max(pauses, default=0):.1f} s, total {sum(pauses):.0f} s)")
    report(index, "as loaded")
    began = time.perf_counter()
    changed = index.optimize()
    print(f"  optimize() {time.perf_counter() - began:.1f} s (changed={changed})")
    report(index, "after optimize()")
    index.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--optimize-every", type=int, default=None, help="default: EdgeIndex's own")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        for total in args.points:
            every = args.optimize_every or EdgeIndex.__init__.__kwdefaults__["optimize_every"]
            run(total, every, Path(root))


if __name__ == "__main__":
    main()
