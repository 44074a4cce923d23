"""Models that suit a CPU-only machine, for the catalogue page and the README.

Sizes are those of the Q4_K_M files as published; RAM is the file plus the context at 4096 tokens and llama.cpp's
buffers, rounded up. Not measured here: these machines reach no model hub. Measure speed and quality on your own
questions (`manage.py evaluate_answers`, the evaluation sets) before making one the default.
"""

RECOMMENDED = [
    # (name, Hugging Face owner/repo/file, disk GB, RAM GB)
    ("Gemma 3 1B Instruct", "unsloth/gemma-3-1b-it-GGUF/gemma-3-1b-it-Q4_K_M.gguf", 0.8, 1.5),
    ("Qwen2.5 1.5B Instruct", "Qwen/Qwen2.5-1.5B-Instruct-GGUF/qwen2.5-1.5b-instruct-q4_k_m.gguf", 1.1, 2),
    ("Qwen2.5 3B Instruct", "Qwen/Qwen2.5-3B-Instruct-GGUF/qwen2.5-3b-instruct-q4_k_m.gguf", 2.1, 3),
    ("Llama 3.2 3B Instruct", "bartowski/Llama-3.2-3B-Instruct-GGUF/Llama-3.2-3B-Instruct-Q4_K_M.gguf", 2.0, 3),
    ("Phi-3.5 mini Instruct", "bartowski/Phi-3.5-mini-instruct-GGUF/Phi-3.5-mini-instruct-Q4_K_M.gguf", 2.4, 3.5),
]
