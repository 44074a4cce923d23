"""A tiny random llama-architecture GGUF that llama.cpp loads and streams in milliseconds, for tests.

Its weights are noise, so what it writes is gibberish; what it guarantees is mechanical:

- any UTF-8 text tokenizes, and detokenizes back to the same bytes (SentencePiece "llama" vocabulary, no space
  prefix, the 256 byte tokens as fallback);
- `<|im_start|>` and `<|im_end|>` are CONTROL tokens: one token each when special tokens are parsed, plain
  characters otherwise, so document text can never open a chat turn;
- `tokenizer.chat_template` is ChatML behind `{{ bos_token }}` (`CHAT_TEMPLATE`); llama-cpp-python tokenizes a
  rendered template without adding another BOS;
- it only emits printable pieces: EOS, control and byte tokens score about 20 to 30 logits below the best
  piece, so no top-k/min-p sampler ever picks them (untruncated at temperature 1: ~1e-11 per token). Generation
  therefore runs to `max_tokens` or a stop string, never to EOS, and every token is visible text;
- the file is a function of the seed: same seed, same bytes.
"""

import os
from pathlib import Path

import gguf
import numpy as np

UNK_ID, BOS_ID, EOS_ID, IM_START_ID, IM_END_ID = range(5)
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
CONTEXT_LENGTH = 4096
N_EMBD, N_LAYER, N_HEAD, N_FF = 64, 2, 4, 128

_BIAS_INPUT = 4.0
_UNWANTED_PENALTY = 10.0
_SPACE = "\u2581"  # SentencePiece's visible space
_CHARS = [chr(c) for c in range(0x21, 0x7F)] + list("áàâãéêíóôõúçÁÀÂÃÉÊÍÓÔÕÚÇ")
_WORDS = (
    "de a o que e do da em um para é com não uma os no se na por mais as dos como mas foi ao ele das tem "
    "seu sua ou ser quando muito há nos já está eu também só pelo pela até isso ela entre era depois sem "
    "the of and to in is was it for on that with as by this be are from at or an have not which"
).split()


def write_tiny_gguf(path: Path, *, seed: int = 0) -> Path:
    """Write the model to `path` (parents created, an existing file replaced atomically) and return `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tokens, types = _vocabulary()
    rng = np.random.default_rng(seed)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    writer = gguf.GGUFWriter(tmp, "llama")
    _add_hyperparameters(writer, n_vocab=len(tokens))
    _add_tokenizer(writer, tokens, types)
    for name, array in _weights(rng, types):
        writer.add_tensor(name, array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    os.replace(tmp, path)
    return path


def _vocabulary() -> tuple[list[str], list[gguf.TokenType]]:
    T = gguf.TokenType
    # CONTROL, not USER_DEFINED: llama.cpp matches USER_DEFINED tokens in text even with special=False.
    specials = [("<unk>", T.UNKNOWN), *((text, T.CONTROL) for text in ("<s>", "</s>", IM_START, IM_END))]
    byte_tokens = [(f"<0x{b:02X}>", T.BYTE) for b in range(256)]
    pieces = [_SPACE, *_CHARS, *(_SPACE + c for c in _CHARS if c.isalpha()), *(_SPACE + w for w in _WORDS)]
    entries = specials + byte_tokens + [(piece, T.NORMAL) for piece in dict.fromkeys(pieces)]
    return [text for text, _ in entries], [kind for _, kind in entries]


def _add_hyperparameters(writer: gguf.GGUFWriter, *, n_vocab: int) -> None:
    writer.add_name("acervo-tiny-random")
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_vocab_size(n_vocab)
    writer.add_context_length(CONTEXT_LENGTH)
    writer.add_embedding_length(N_EMBD)
    writer.add_block_count(N_LAYER)
    writer.add_feed_forward_length(N_FF)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD)
    writer.add_rope_dimension_count(N_EMBD // N_HEAD)
    writer.add_layer_norm_rms_eps(1e-5)


def _add_tokenizer(writer: gguf.GGUFWriter, tokens: list[str], types: list[gguf.TokenType]) -> None:
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    # SentencePiece merges the pair whose result scores highest: prefer earlier (shorter) pieces.
    writer.add_token_scores([0.0 if kind != gguf.TokenType.NORMAL else -float(i) for i, kind in enumerate(types)])
    writer.add_token_types(types)
    writer.add_unk_token_id(UNK_ID)
    writer.add_bos_token_id(BOS_ID)
    writer.add_eos_token_id(EOS_ID)
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)
    # No "▁" glued before the first piece or after each special token: detokenize(tokenize(text)) == text.
    writer.add_add_space_prefix(False)
    writer.add_chat_template(CHAT_TEMPLATE)


def _weights(rng: np.random.Generator, types: list[gguf.TokenType]):
    """Yield (tensor name, float32 array); numpy shapes are (rows, columns), the reverse of ggml's order.

    Dimension 0 of the residual stream is a constant: every embedding holds `_BIAS_INPUT` there and no layer
    writes to it (row 0 of attn_output and ffn_down is zero). Column 0 of `output.weight` thus acts as a
    per-token logit bias, which pushes EOS, control and byte tokens far below the printable pieces.
    """

    def normal(rows: int, cols: int, std: float) -> np.ndarray:
        return rng.normal(0.0, std, (rows, cols)).astype(np.float32)

    def no_write_to_bias(weight: np.ndarray) -> np.ndarray:
        weight[0] = 0.0
        return weight

    n_vocab, ones = len(types), np.ones(N_EMBD, dtype=np.float32)
    embeddings = normal(n_vocab, N_EMBD, 1.0)
    embeddings[:, 0] = _BIAS_INPUT
    yield "token_embd.weight", embeddings
    for i in range(N_LAYER):
        yield f"blk.{i}.attn_norm.weight", ones
        for part in ("q", "k", "v"):
            yield f"blk.{i}.attn_{part}.weight", normal(N_EMBD, N_EMBD, N_EMBD**-0.5)
        yield f"blk.{i}.attn_output.weight", no_write_to_bias(normal(N_EMBD, N_EMBD, N_EMBD**-0.5))
        yield f"blk.{i}.ffn_norm.weight", ones
        yield f"blk.{i}.ffn_gate.weight", normal(N_FF, N_EMBD, N_EMBD**-0.5)
        yield f"blk.{i}.ffn_up.weight", normal(N_FF, N_EMBD, N_EMBD**-0.5)
        yield f"blk.{i}.ffn_down.weight", no_write_to_bias(normal(N_EMBD, N_FF, N_FF**-0.5))
    yield "output_norm.weight", ones
    output = normal(n_vocab, N_EMBD, 0.5)
    output[:, 0] = 0.0
    output[[kind != gguf.TokenType.NORMAL for kind in types]] = [-_UNWANTED_PENALTY, *[0.0] * (N_EMBD - 1)]
    yield "output.weight", output
