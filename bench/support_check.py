"""How often the support check flags right claims, wrong passages and wrong claims, before and after a change.

    MODELS_DIR=/work/main/var/models .venv/bin/python bench/support_check.py [--before main] [--seed 0]

From each question of the shared QA sets (FaQuAD pt, XQuAD en), three kinds of claim:
- sentence: the gold passage's sentence(s) holding the gold answer;
- question+answer: the question without its "?", then the gold answer;
- answer: the gold answer alone, judged with its question (as a short claim is).
Each is judged (`_judge`: one claim against one passage, what `check_support` and `attribute_uncited` do per pair,
without the answer's sentence splitting) against:
- right: the gold passage; every flag is a false flag;
- random passage: another passage of the set; same document: another passage of the same title;
- swapped: the same claim with the gold answer replaced by another answer of the set with the same shape (a number
  for a number, a capitalised name for a name, else any other answer) that neither contains nor is contained in the
  question's answers, against the gold passage. Right-sounding words, wrong fact. "absent" counts only the swaps
  whose new answer the gold passage does not contain (folded): those a missing name or number can catch at all.
The same claims and vectors are judged by this checkout's `retrieval/support.py` and by the one at --before (read
with `git show`), so the figures differ only by the rules. Embedder: `retrieval.components.get_embedder()`
(EMBEDDING_MODEL, the multilingual USE by default). Prints a table of flag rates; not a timed test.
"""

import argparse
import importlib.util
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT.parent / "shared" / "eval" / "qa"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="acervo-bench-"))
os.environ.setdefault("MODELS_DIR", str(ROOT / "var" / "models"))

import django  # noqa: E402

django.setup()

from retrieval import support as after  # noqa: E402
from retrieval.components import get_embedder  # noqa: E402
from retrieval.lexical import fold  # noqa: E402
from retrieval.stopwords import STOPWORDS  # noqa: E402

KINDS = ("sentence", "question+answer", "answer")
# An answer of capitalised words ("Luke Kuechly", "Análise de Sistemas") is a name; a longer one, a sentence.
MAX_NAME_WORDS = 5
_SPELLED_NUMBER = re.compile(r"\b(" + "|".join(after._SPELLED) + r")\b")


def load(name: str) -> tuple[dict, list[dict]]:
    corpus = {d["doc_id"]: d for d in map(json.loads, (SETS / name / "corpus.jsonl").read_text().splitlines())}
    queries = [json.loads(line) for line in (SETS / name / "queries.jsonl").read_text().splitlines()]
    return corpus, [q for q in queries if q.get("answer_spans") and q["answer_spans"][0]["doc_id"] in corpus]


def load_module(revision: str):
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:retrieval/support.py"], check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp(prefix="acervo-support-")) / "support_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("support_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shape(answer: str) -> str:
    if re.search(r"\d", answer) or _SPELLED_NUMBER.search(fold(answer).lower()):
        return "number"
    words = [w for w in re.findall(r"\w+", answer) if fold(w).lower() not in STOPWORDS]
    return "name" if words and len(words) <= MAX_NAME_WORDS and all(w[0].isupper() for w in words) else "other"


def claims(question: dict, passage: str, answer: str | None = None) -> dict[str, tuple[str, str]]:
    """(claim, question it is judged with) by kind; `answer` replaces the gold answer when given."""
    span = question["answer_spans"][0]
    start, end = span["start"], span["start"] + len(span["text"])
    gold = span["text"]
    sentences = [(a, b) for a, b in after._sentence_spans(passage) if a < end and b > start]
    first, last = sentences[0][0], sentences[-1][1]
    asked = question["question"].strip().rstrip("?").strip()
    new = gold if answer is None else answer
    return {
        "sentence": (passage[first:start] + new + passage[end:last], ""),
        "question+answer": (f"{asked} {new}.", ""),
        "answer": (new, question["question"]),
    }


def swap_for(question: dict, pool: dict[str, list[str]], rng: random.Random) -> str | None:
    gold = question["answer_spans"][0]["text"]
    golds = [fold(a).lower() for a in question["answers"]]
    kind = shape(gold)
    candidates = [a for a in pool[kind] if all(fold(a).lower() not in g and g not in fold(a).lower() for g in golds)]
    return rng.choice(candidates) if candidates else None


def cases(corpus: dict, queries: list[dict], rng: random.Random):
    """(set label, kind, shape, claim, question, passage) for every judged pair."""
    pool = defaultdict(list)
    for q in queries:
        pool[shape(q["answer_spans"][0]["text"])].append(q["answer_spans"][0]["text"])
    by_title = defaultdict(list)
    for doc in corpus.values():
        by_title[doc["title"]].append(doc["doc_id"])
    ids = list(corpus)
    for q in queries:
        gold_id = q["answer_spans"][0]["doc_id"]
        gold = corpus[gold_id]["text"]
        answer_shape = shape(q["answer_spans"][0]["text"])
        right = claims(q, gold)
        others = {
            "random passage": rng.choice([i for i in ids if i not in q["gold_doc_ids"]]),
            "same document": rng.choice([i for i in by_title[corpus[gold_id]["title"]] if i not in q["gold_doc_ids"]]
                                        or [None]),
        }
        swap = swap_for(q, pool, rng)
        swapped = claims(q, gold, swap) if swap else {}
        absent = swap is not None and fold(swap).lower() not in fold(gold).lower()
        for kind in KINDS:
            yield "right", kind, answer_shape, *right[kind], gold
            for label, other in others.items():
                if other:
                    yield label, kind, answer_shape, *right[kind], corpus[other]["text"]
            if swap:
                yield "swapped", kind, answer_shape, *swapped[kind], gold
                if absent:
                    yield "swapped, absent", kind, answer_shape, *swapped[kind], gold


def judge_all(module, rows: list[tuple], vectors: dict) -> list:
    verdicts = []
    for _, _, _, claim, question, passage in rows:
        text = module._judged_text(claim, question)
        similarity = float(vectors[text] @ vectors[passage])
        verdicts.append(module._judge(claim, text, 1, passage, similarity, module.THRESHOLD))
    return verdicts


def rate(verdicts: list) -> str:
    return f"{100 * sum(v.weak for v in verdicts) / len(verdicts):5.1f}%" if verdicts else "    -"


def report(name: str, rows: list[tuple], before: list, now: list) -> None:
    groups = defaultdict(list)
    for i, (label, kind, answer_shape, *_) in enumerate(rows):
        for key in ((label, "all", "all"), (label, kind, "all"), (label, "all", answer_shape)):
            groups[key].append(i)
    print(f"\n{name}: flagged before -> after (n)")
    for (label, kind, answer_shape), idx in groups.items():
        b, a = [before[i] for i in idx], [now[i] for i in idx]
        print(f"  {label:16} {kind:16} {answer_shape:7} {rate(b)} -> {rate(a)}  ({len(idx)})")
    for label in ("right", "swapped, absent"):
        codes = Counter(now[i].code or "supported" for i, row in enumerate(rows) if row[0] == label)
        print(f"  codes after, {label}: {dict(codes.most_common())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=["pt_faquad", "en_xquad"])
    parser.add_argument("--before", default="main", help="git revision whose retrieval/support.py is 'before'")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    revision = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", args.before], check=True,
                              capture_output=True, text=True).stdout.strip()
    before_module, embedder = load_module(args.before), get_embedder()
    print(f"before = {args.before} ({revision}), after = this checkout; embedder {embedder.name}")
    totals = defaultdict(lambda: ([], []))
    for name in args.sets:
        corpus, queries = load(name)
        rows = list(cases(corpus, queries, random.Random(args.seed)))
        texts = list(dict.fromkeys([after._judged_text(c, q) for *_, c, q, _ in rows] + [p for *_, p in rows]))
        vectors = dict(zip(texts, embedder.encode(texts), strict=True))
        before, now = judge_all(before_module, rows, vectors), judge_all(after, rows, vectors)
        report(name, rows, before, now)
        for i, row in enumerate(rows):
            totals[row[0]][0].append(before[i])
            totals[row[0]][1].append(now[i])
    print("\nboth sets: flagged before -> after (n)")
    for label, (b, a) in totals.items():
        print(f"  {label:16} {rate(b)} -> {rate(a)}  ({len(a)})")


if __name__ == "__main__":
    main()
