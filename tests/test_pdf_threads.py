"""PDFs parsed in several threads at once, as the worker ingests INGEST_CONCURRENCY documents at once: PDFium is
not thread-safe, and two PDFs parsed together killed the whole worker (SIGTRAP or SIGSEGV in libpdfium) before every
PDFium call went through one lock (`ingestion.parsers.pdf.PDFIUM`). The threads run in a child process, so a crash
fails this test instead of killing the test run; each thread must also read exactly what a parse alone reads."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PDFS = ROOT.parent / "shared" / "docs" / "pdf"
# Every shared PDF but the two long ones: text layers, columns, a rotated page, scans, and the damaged and
# password-protected files (opening those together crashed most often).
FILES = sorted(path.name for path in PDFS.glob("*.pdf") if path.name not in ("DA-619p.pdf",
                                                                            "pdf2image-memory-error-test-400p.pdf"))
ROUNDS = 4

CHILD = """
import sys, threading
from pathlib import Path
from ingestion.parsers import pdf

def read(path):
    try:
        parsed = pdf.parse(path)
        return [(block.page, block.text) for block in parsed.blocks]
    except Exception as error:  # a damaged or protected file: the same failure alone and together
        return type(error).__name__, str(error)

rounds, files = int(sys.argv[1]), [Path(name) for name in sys.argv[2:]]
alone = {path: read(path) for path in files}
different = []

def work(first):
    for _ in range(rounds):
        for path in files[first:] + files[:first]:
            if read(path) != alone[path]:
                different.append(path.name)

threads = [threading.Thread(target=work, args=(k * len(files) // 3,)) for k in range(3)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("different:", sorted(set(different)))
sys.exit(1 if different else 0)
"""


def test_pdfs_parsed_in_three_threads_at_once_read_as_they_do_alone_and_the_process_lives():
    done = subprocess.run([sys.executable, "-c", CHILD, str(ROUNDS), *(str(PDFS / name) for name in FILES)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)

    assert done.returncode == 0, f"exit {done.returncode} (negative: killed by that signal)\n{done.stdout}{done.stderr[-3000:]}"
    assert "different: []" in done.stdout
