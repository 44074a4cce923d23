"""`manage.py make_test_model PATH`: write the tiny random GGUF that fast tests load, and print its path."""

from pathlib import Path

from django.core.management.base import BaseCommand

from retrieval.testmodel import write_tiny_gguf


class Command(BaseCommand):
    help = "Write a tiny random llama-architecture GGUF (for tests only: it writes gibberish) to PATH."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--seed", type=int, default=0, help="same seed, same file (default 0)")

    def handle(self, *args, path: Path, seed: int, **options):
        self.stdout.write(str(write_tiny_gguf(path, seed=seed)))
