#!/usr/bin/python3
"""Train Eigenscope's tiny demo transformer and export it as HDF5.

The outputs are committed; CI never runs this script.  It needs Debian's
Python (torch, h5py, numpy, scipy) and the `dict-gcide` package, whose
dictionary text is the training corpus:

    apt-get install -y --no-install-recommends dict-gcide
    /usr/bin/python3 resources/demo/make_demo.py [--out DIR] [--steps N]

What it does, top to bottom:
  1. turn the GCIDE dictionary into plain English paragraphs (definitions,
     usage notes, quotations) and tokenize them word by word;
  2. train a 4-layer pre-LayerNorm GPT-2-style decoder on them (CPU, 1 thread);
  3. at 4 steps (initialisation, early, middle, final) export a checkpoint,
     and at the end export `demo.h5` with the full TransformerLens-named set
     of activations for 6 fixed prompts plus all weights;
  4. before any file is written, recompute the forward pass in numpy from the
     exported weight arrays and check it against the torch activations.

File layout (the C++ reader depends on it) is described in README.md.
"""
import argparse
import collections
import copy
import gzip
import math
import os
import shutil
import random
import re
import sys
import time

# One core only (the machine is shared): also stop numpy/OpenBLAS/OpenMP
# from starting thread pools of their own.  Must happen before the imports.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from scipy.special import erf

GCIDE_DICT = "/usr/share/dictd/gcide.dict.dz"    # dictzip == gzip-compatible
GCIDE_INDEX = "/usr/share/dictd/gcide.index"
TRAINING_TEXT = "GNU Collaborative International Dictionary of English (Debian package dict-gcide)"
MODEL_NAME = "eigenscope-demo-gpt"
SEED = 20240607

# Model shape (TransformerLens config names).
N_LAYERS, N_HEADS, D_MODEL, D_HEAD, D_MLP, N_CTX = 4, 4, 128, 32, 512, 64
D_VOCAB = 2048                      # includes <unk> and <bos>
UNK, BOS = "<unk>", "<bos>"         # ids 0 and 1
LN_EPS = 1e-5

# Training.
BATCH = 32
LR = 2e-3
WARMUP = 100
WEIGHT_DECAY = 0.01
EVAL_SEQS = 64

# The 6 demo prompts: exactly P = 24 tokens each once <bos> is prepended.
# Every word must be in the vocabulary (checked at run time).
PROMPTS = [
    "the king and the queen live in a very large house , and the king is old but the queen is young .",
    "the man and the woman have a son ; the old man is his father and the old woman is his mother .",
    "the young prince said to the old lady that the king and the queen were good to the people of the land .",
    "the horse is a large animal , the dog is a small animal , and the bird is an animal with wings .",
    "the sun gives light by day , and the moon gives light by night , when the sky is dark and cold .",
    "a river is a large natural stream of fresh water which passes into the sea , or sometimes into a great lake .",
]
N_POS = 24


# --------------------------------------------------------------------------- #
# 1. Corpus: GCIDE dictionary -> paragraphs of plain English -> token ids
# --------------------------------------------------------------------------- #

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def dictd_number(text):
    """dictd's index stores offsets and lengths as base-64 numbers."""
    value = 0
    for ch in text:
        value = value * 64 + _B64.index(ch)
    return value


def gcide_entries():
    """Yield each dictionary entry's raw text, in file order (via gcide.index)."""
    raw = gzip.open(GCIDE_DICT).read()
    spans = set()
    with open(GCIDE_INDEX, encoding="utf-8", errors="replace") as index:
        for line in index:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or parts[0].startswith("00-"):   # 00-database-* = header
                continue
            spans.add((dictd_number(parts[1]), dictd_number(parts[2])))
    for offset, length in sorted(spans):           # several headwords share an entry
        yield raw[offset:offset + length].decode("utf-8", "replace")


def drop_headword_line(entry):
    """Remove the first line (headword, pronunciation, part of speech,
    etymology); an etymology in [...] may run onto the following lines."""
    entry = entry.lstrip("\n")
    depth = 0
    for i, ch in enumerate(entry):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth = max(0, depth - 1)
        elif ch == "\n" and depth == 0:
            return entry[i + 1:]
    return ""


_PART_OF_SPEECH = re.compile(
    r"^[\s,;]*(?:(?:n|v|t|i|a|adv|prep|conj|interj|pron|imp|p|pr|pl|prop|sing|adj|"
    r"superl|compar|obs)\.\s*(?:&\s*)?)+")


def clean_paragraph(block):
    """Strip GCIDE markup from one blank-line-separated block."""
    text = " ".join(block.split())
    text = re.sub(r"\\[^\\]*\\", "", text)                 # \Pro*nun"ci*a`tion\
    while True:                                            # [1913 Webster], [Obs.], etymology, [e^]
        stripped = re.sub(r"\[[^\[\]]*\]", "", text)
        if stripped == text:
            break
        text = stripped
    text = re.sub(r"--\s*(?:[A-Z][\w']*\.?\s*)+", " ", text)  # --Shak., --C. J. Smith.
    text = text.replace("{", "").replace("}", "")          # {cross references}
    text = re.sub(r"^(?:Note|Usage)\s*:", "", text)
    text = _PART_OF_SPEECH.sub("", text)                   # leftover "n.", "v. t."
    text = re.sub(r"(?<![\w.])\d+\.|\([a-z]\)", "", text)  # sense numbers 1. (a)
    return " ".join(text.split())


def corpus_paragraphs():
    paragraphs = []
    for entry in gcide_entries():
        for block in re.split(r"\n\s*\n", drop_headword_line(entry)):
            if block.strip().startswith("Syn:"):           # synonym lists are not prose
                continue
            text = clean_paragraph(block)
            if len(re.findall(r"[A-Za-z]+", text)) >= 5:
                paragraphs.append(text)
    return paragraphs


_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|[.,;:!?]")


def words(text):
    """Word-level tokenizer: lowercase words (with inner apostrophe) and punctuation."""
    return _TOKEN.findall(text.lower())


def build_vocab(tokenized):
    counts = collections.Counter(w for para in tokenized for w in para)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))  # ties: alphabetical
    vocab = [UNK, BOS] + [w for w, _ in ranked[:D_VOCAB - 2]]
    return vocab, counts


# --------------------------------------------------------------------------- #
# 2. Model: pre-LN GPT-2-style decoder, written out by hand
# --------------------------------------------------------------------------- #

class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(D_MODEL, 3 * N_HEADS * D_HEAD)   # rows: [Q heads | K heads | V heads]
        self.out = nn.Linear(N_HEADS * D_HEAD, D_MODEL)

    def forward(self, x, cache=None, name=""):
        B, P, _ = x.shape
        q, k, v = self.qkv(x).split(N_HEADS * D_HEAD, dim=-1)
        q, k, v = (t.view(B, P, N_HEADS, D_HEAD) for t in (q, k, v))      # [B,P,H,dh]
        scores = torch.einsum("bqhe,bkhe->bhqk", q, k) / math.sqrt(D_HEAD)  # [B,H,P,P]
        causal = torch.ones(P, P, dtype=torch.bool).tril()                  # key <= query
        pattern = scores.masked_fill(~causal, float("-inf")).softmax(dim=-1)
        z = torch.einsum("bhqk,bkhe->bqhe", pattern, v)                     # [B,P,H,dh]
        if cache is not None:
            cache[name + "hook_q"], cache[name + "hook_k"], cache[name + "hook_v"] = q, k, v
            cache[name + "hook_attn_scores"] = scores.masked_fill(~causal, 0.0)  # masked -> 0
            cache[name + "hook_pattern"] = pattern
            cache[name + "hook_z"] = z
        return self.out(z.reshape(B, P, N_HEADS * D_HEAD))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(D_MODEL, eps=LN_EPS)
        self.attn = Attention()
        self.ln2 = nn.LayerNorm(D_MODEL, eps=LN_EPS)
        self.fc_in = nn.Linear(D_MODEL, D_MLP)
        self.fc_out = nn.Linear(D_MLP, D_MODEL)

    def forward(self, resid_pre, cache=None, name=""):
        attn_out = self.attn(self.ln1(resid_pre), cache, name + "attn.")
        resid_mid = resid_pre + attn_out
        mlp_out = self.fc_out(F.gelu(self.fc_in(self.ln2(resid_mid))))   # exact (erf) GELU
        resid_post = resid_mid + mlp_out
        if cache is not None:
            cache.update({name + "hook_resid_pre": resid_pre, name + "hook_attn_out": attn_out,
                          name + "hook_resid_mid": resid_mid, name + "hook_mlp_out": mlp_out,
                          name + "hook_resid_post": resid_post})
        return resid_post


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(D_VOCAB, D_MODEL)
        self.pos_embed = nn.Embedding(N_CTX, D_MODEL)
        self.blocks = nn.ModuleList(Block() for _ in range(N_LAYERS))
        self.ln_final = nn.LayerNorm(D_MODEL, eps=LN_EPS)
        self.unembed = nn.Linear(D_MODEL, D_VOCAB)             # untied, with bias
        for module in self.modules():                          # GPT-2 style init
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, std=0.02)
            if isinstance(module, nn.Linear):
                nn.init.zeros_(module.bias)

    def forward(self, ids, cache=None):
        B, P = ids.shape
        embed = self.embed(ids)
        pos_embed = self.pos_embed(torch.arange(P)).expand(B, P, D_MODEL)
        x = embed + pos_embed
        for layer, block in enumerate(self.blocks):
            x = block(x, cache, f"blocks.{layer}.")
        normalized = self.ln_final(x)
        if cache is not None:
            cache["hook_embed"], cache["hook_pos_embed"] = embed, pos_embed
            cache["ln_final.hook_normalized"] = normalized
        return self.unembed(normalized)


# --------------------------------------------------------------------------- #
# 3. Export: TransformerLens weight names/shapes, numpy re-check, HDF5
# --------------------------------------------------------------------------- #

def tl_weights(model):
    """nn.Linear computes x @ weight.T + bias; TransformerLens wants the
    per-head matrices used as x @ W_Q[h] + b_Q[h] and sum_h z[h] @ W_O[h] + b_O."""
    g = lambda t: t.detach().float().numpy().copy()
    H, E = N_HEADS, D_HEAD
    w = {"embed.W_E": g(model.embed.weight),                  # [V, D]
         "pos_embed.W_pos": g(model.pos_embed.weight),        # [n_ctx, D]
         "unembed.W_U": g(model.unembed.weight).T.copy(),     # [D, V]
         "unembed.b_U": g(model.unembed.bias),                # [V]
         "ln_final.w": g(model.ln_final.weight), "ln_final.b": g(model.ln_final.bias)}
    for l, blk in enumerate(model.blocks):
        p = f"blocks.{l}."
        qkv_w, qkv_b = g(blk.attn.qkv.weight), g(blk.attn.qkv.bias)   # [3*H*E, D], [3*H*E]
        for i, n in enumerate("QKV"):
            rows = qkv_w[i * H * E:(i + 1) * H * E]                   # [H*E, D]
            w[p + "attn.W_" + n] = rows.reshape(H, E, D_MODEL).transpose(0, 2, 1).copy()  # [H,D,E]
            w[p + "attn.b_" + n] = qkv_b[i * H * E:(i + 1) * H * E].reshape(H, E).copy()
        w[p + "attn.W_O"] = g(blk.attn.out.weight).T.reshape(H, E, D_MODEL).copy()     # [H,E,D]
        w[p + "attn.b_O"] = g(blk.attn.out.bias)
        w[p + "mlp.W_in"] = g(blk.fc_in.weight).T.copy()      # [D, d_mlp]
        w[p + "mlp.b_in"] = g(blk.fc_in.bias)
        w[p + "mlp.W_out"] = g(blk.fc_out.weight).T.copy()    # [d_mlp, D]
        w[p + "mlp.b_out"] = g(blk.fc_out.bias)
        w[p + "ln1.w"], w[p + "ln1.b"] = g(blk.ln1.weight), g(blk.ln1.bias)
        w[p + "ln2.w"], w[p + "ln2.b"] = g(blk.ln2.weight), g(blk.ln2.bias)
    return w


def numpy_forward(w, ids):
    """Independent float32 forward pass from the TransformerLens-style arrays."""
    def ln(x, gain, bias):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + LN_EPS) * gain + bias

    P = ids.shape[1]
    out = {}
    x = w["embed.W_E"][ids] + w["pos_embed.W_pos"][:P]
    causal = np.tril(np.ones((P, P), dtype=bool))
    for l in range(N_LAYERS):
        p = f"blocks.{l}."
        h = ln(x, w[p + "ln1.w"], w[p + "ln1.b"])
        q, k, v = (np.einsum("bpd,hde->bphe", h, w[p + "attn.W_" + n]) + w[p + "attn.b_" + n]
                   for n in "QKV")
        scores = np.einsum("bqhe,bkhe->bhqk", q, k) / np.sqrt(D_HEAD)
        scores = np.where(causal, scores, -np.inf)
        pattern = np.exp(scores - scores.max(-1, keepdims=True))
        pattern /= pattern.sum(-1, keepdims=True)
        z = np.einsum("bhqk,bkhe->bqhe", pattern, v)
        x = x + np.einsum("bqhe,hed->bqd", z, w[p + "attn.W_O"]) + w[p + "attn.b_O"]
        pre = ln(x, w[p + "ln2.w"], w[p + "ln2.b"]) @ w[p + "mlp.W_in"] + w[p + "mlp.b_in"]
        x = x + (0.5 * pre * (1 + erf(pre / np.sqrt(2)))) @ w[p + "mlp.W_out"] + w[p + "mlp.b_out"]
        out[p + "attn.hook_pattern"] = pattern
        out[p + "hook_resid_post"] = x
    out["logits"] = ln(x, w["ln_final.w"], w["ln_final.b"]) @ w["unembed.W_U"] + w["unembed.b_U"]
    return out


def verify_numpy(weights, cache, logits, ids):
    """Assert the numpy forward from exported weights reproduces torch; return worst rel. error."""
    ref = numpy_forward({k: v.astype(np.float32) for k, v in weights.items()}, ids)
    worst = 0.0
    for name, mine in ref.items():
        theirs = logits if name == "logits" else cache[name]
        rel = float(np.abs(mine - theirs).max() / max(np.abs(theirs).max(), 1e-6))
        assert rel < 1e-3, f"numpy forward disagrees with torch on {name}: rel {rel:.2e}"
        worst = max(worst, rel)
    return worst


def rounded_copy(model):
    """A copy whose parameters are rounded to float16 precision.  Every exported
    model (checkpoints and demo.h5) is such a copy, and its activations are
    computed from exactly the weights written to disk."""
    snap = copy.deepcopy(model)
    with torch.no_grad():
        for param in snap.parameters():
            param.copy_(param.half().float())
    return snap


def run_prompts(model, ids):
    cache = {}
    with torch.no_grad():
        logits = model(torch.from_numpy(ids).long(), cache)
    return {k: v.numpy().copy() for k, v in cache.items()}, logits.numpy()


def model_attrs(step):
    return {"model_name": MODEL_NAME, "n_layers": N_LAYERS, "n_heads": N_HEADS,
            "d_model": D_MODEL, "d_head": D_HEAD, "d_mlp": D_MLP, "d_vocab": D_VOCAB,
            "n_ctx": N_CTX, "act_fn": "gelu", "normalization_type": "LN", "eps": LN_EPS,
            "fold_ln": False, "center_writing_weights": False, "center_unembed": False,
            "step": int(step), "training_text": TRAINING_TEXT,
            "created_by": "resources/demo/make_demo.py", "seed": SEED}


def write_vocab(f, vocab):
    """`vocab` [d_vocab]: the string of every token id (the logit lens names predictions with it)."""
    f.create_dataset("vocab", data=np.array(vocab, dtype=object), dtype=h5py.string_dtype("utf-8"),
                     compression="gzip", compression_opts=9, track_times=False)


def write_h5(path, attrs, prompt_tokens, ids, acts, weights, weight_dtype, vocab):
    """Write one file atomically: temp name in the same directory, then os.replace."""
    tmp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.tmp{os.getpid()}")
    text = h5py.string_dtype("utf-8")
    # no timestamps in object headers, so a rerun writes byte-identical files
    packed = dict(compression="gzip", compression_opts=4, shuffle=True, track_times=False)  # activations
    packed_w = dict(packed, compression_opts=9)                                             # weights
    try:
        # HDF5 1.10 file format: compact chunk indexes save ~0.3 MB per file
        # (Debian 12 ships HDF5 1.10.8; HDF5 1.8 cannot read these files).
        # The root group gets no timestamps either (needs the low-level API).
        fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
        fcpl.set_obj_track_times(False)
        fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
        fapl.set_libver_bounds(h5py.h5f.LIBVER_V110, h5py.h5f.LIBVER_V110)
        with h5py.File(h5py.h5f.create(tmp.encode(), h5py.h5f.ACC_TRUNC, fapl=fapl, fcpl=fcpl)) as f:
            for key, value in attrs.items():
                f.attrs[key] = value
            f.create_dataset("prompts", data=np.array(PROMPTS, dtype=object), dtype=text, track_times=False)
            f.create_dataset("tokens", data=np.array(prompt_tokens, dtype=object), dtype=text,
                             track_times=False)
            f.create_dataset("token_ids", data=ids.astype(np.int32), track_times=False)
            write_vocab(f, vocab)
            for name, a in acts.items():
                a16 = a.astype(np.float16)
                assert np.isfinite(a16).all(), f"{name} overflows float16"
                chunks = (1, a.shape[1], a.shape[2]) if a.ndim == 3 else (1,) + a.shape[1:]
                f.create_dataset(name, data=a16, chunks=chunks, **packed)
            for name, wt in weights.items():
                f.create_dataset(name, data=wt.astype(weight_dtype), chunks=wt.shape, **packed_w)
        check_file(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def check_file(path):
    """Re-read the written file: residual stream bookkeeping must add up."""
    with h5py.File(path, "r") as f:
        get = lambda n: f[n][()].astype(np.float32)
        for l in range(N_LAYERS):
            p = f"blocks.{l}."
            if l + 1 < N_LAYERS and f"blocks.{l + 1}.hook_resid_pre" in f:
                assert np.array_equal(f[p + "hook_resid_post"][()],
                                      f[f"blocks.{l + 1}.hook_resid_pre"][()])
            if p + "hook_attn_out" not in f:
                continue
            for total, parts in (("hook_resid_mid", ("hook_resid_pre", "hook_attn_out")),
                                 ("hook_resid_post", ("hook_resid_mid", "hook_mlp_out"))):
                lhs = get(p + total)
                err = np.abs(lhs - get(p + parts[0]) - get(p + parts[1])).max()
                assert err <= 2e-3 * np.abs(lhs).max() + 1e-3, f"{p}{total}: {err}"
        if "hook_embed" in f:
            err = np.abs(get("blocks.0.hook_resid_pre") - get("hook_embed") - get("hook_pos_embed")).max()
            assert err <= 1e-2, err


# Checkpoints must stay small: demo.h5 plus the 4 checkpoints fit in 10 MB only
# without the embedding/unembedding matrices and with just the final residual
# stream (each further [6,24,128] float16 hook costs ~35 kB per checkpoint).
CHECKPOINT_HOOKS = [f"blocks.{N_LAYERS - 1}.hook_resid_post"]
CHECKPOINT_SKIP = {"embed.W_E", "unembed.W_U"}


def add_vocab(out_dir, vocab):
    """Adds `vocab` to demo.h5 and the checkpoints written before it existed (atomically)."""
    paths = [os.path.join(out_dir, "demo.h5")] + sorted(
        os.path.join(out_dir, "checkpoints", n) for n in os.listdir(os.path.join(out_dir, "checkpoints")))
    for path in paths:
        tmp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.tmp{os.getpid()}")
        shutil.copyfile(path, tmp)
        try:
            with h5py.File(tmp, "a") as f:
                assert f.attrs["d_vocab"] == len(vocab)
                if "vocab" in f:
                    del f["vocab"]
                write_vocab(f, vocab)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        print(f"  added vocab to {path}", flush=True)


def export(model, step, eval_loss, out_dir, prompt_tokens, ids, final, vocab):
    snap = rounded_copy(model)
    cache, logits = run_prompts(snap, ids)
    weights = tl_weights(snap)
    worst = verify_numpy(weights, cache, logits, ids)
    attrs = model_attrs(step)
    attrs["eval_loss"] = float(eval_loss)
    if final:
        path = os.path.join(out_dir, "demo.h5")
        write_h5(path, attrs, prompt_tokens, ids, cache, weights, np.float32, vocab)
    else:
        path = os.path.join(out_dir, "checkpoints", f"step_{step:06d}.h5")
        acts = {name: cache[name] for name in CHECKPOINT_HOOKS}
        kept = {k: v for k, v in weights.items() if k not in CHECKPOINT_SKIP}
        write_h5(path, attrs, prompt_tokens, ids, acts, kept, np.float16, vocab)
    print(f"  wrote {path} (step {step}, eval loss {eval_loss:.3f}, "
          f"numpy forward max rel. diff {worst:.2e})", flush=True)
    return path


# --------------------------------------------------------------------------- #
# 4. Main: data, training loop, exports
# --------------------------------------------------------------------------- #

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)),
                        help="output directory (default: this script's directory)")
    parser.add_argument("--steps", type=int, default=1500, help="training steps")
    parser.add_argument("--add-vocab", action="store_true",
                        help="only add the `vocab` dataset to existing outputs (no training; the "
                             "vocabulary is rebuilt deterministically from the corpus)")
    args = parser.parse_args()

    torch.set_num_threads(1)             # the machine is shared: one core only
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    started = time.time()

    # --- data ---
    paragraphs = corpus_paragraphs()
    tokenized = [words(p) for p in paragraphs]
    vocab, counts = build_vocab(tokenized)
    index = {w: i for i, w in enumerate(vocab)}
    stream = []                                    # <bos> before every paragraph
    for para in tokenized:
        stream.append(1)
        stream.extend(index.get(w, 0) for w in para)
    stream = np.array(stream, dtype=np.int64)
    split = int(len(stream) * 0.98)                # last 2% held out for eval loss
    train, held = stream[:split], stream[split:]
    n_words = sum(len(p) for p in tokenized)
    unk_share = float((stream == 0).sum()) / n_words
    print(f"corpus: {len(paragraphs)} paragraphs, {n_words} tokens, {len(counts)} distinct, "
          f"vocab {len(vocab)} covers {1 - unk_share:.1%} ({time.time() - started:.0f}s)", flush=True)

    if args.add_vocab:
        add_vocab(args.out, vocab)
        return

    prompt_tokens = [[BOS] + words(p) for p in PROMPTS]
    for toks in prompt_tokens:
        missing = [t for t in toks if t not in index]
        assert not missing and len(toks) == N_POS, (len(toks), missing, toks)
    ids = np.array([[index[t] for t in toks] for toks in prompt_tokens], dtype=np.int64)

    def batch(source, starts):
        # input = <bos> + window[:-1], target = window; <unk> targets are ignored
        windows = np.stack([source[s:s + N_CTX] for s in starts])
        inputs = np.concatenate([np.ones((len(starts), 1), np.int64), windows[:, :-1]], axis=1)
        return torch.from_numpy(inputs), torch.from_numpy(windows)

    def loss_of(model, inputs, targets):
        logits = model(inputs)
        return F.cross_entropy(logits.reshape(-1, D_VOCAB), targets.reshape(-1), ignore_index=0)

    eval_inputs, eval_targets = batch(held, rng.integers(0, len(held) - N_CTX, EVAL_SEQS))

    def eval_loss(model):
        with torch.no_grad():
            return float(loss_of(model, eval_inputs, eval_targets))

    # --- model and optimiser ---
    model = GPT()
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {n_params} parameters", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)

    def lr_at(step):                                     # linear warmup, cosine to 10%
        if step <= WARMUP:
            return LR * step / WARMUP
        progress = (step - WARMUP) / max(1, args.steps - WARMUP)
        return LR * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))

    os.makedirs(os.path.join(args.out, "checkpoints"), exist_ok=True)
    checkpoint_steps = sorted({0, args.steps // 10, args.steps // 2, args.steps})
    written = []
    if 0 in checkpoint_steps:
        written.append(export(model, 0, eval_loss(model), args.out, prompt_tokens, ids, False, vocab))

    # --- training ---
    train_started = time.time()
    recent, first_loss = collections.deque(maxlen=100), None
    model.train()
    for step in range(1, args.steps + 1):
        for group in opt.param_groups:
            group["lr"] = lr_at(step)
        inputs, targets = batch(train, rng.integers(0, len(train) - N_CTX, BATCH))
        loss = loss_of(model, inputs, targets)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        recent.append(loss.item())
        if first_loss is None:
            first_loss = loss.item()
        if step % 250 == 0 or step == args.steps:
            print(f"step {step:5d}  loss(avg 100) {np.mean(recent):.3f}  "
                  f"{time.time() - train_started:.0f}s", flush=True)
        if step in checkpoint_steps:
            model.eval()
            written.append(export(model, step, eval_loss(model), args.out, prompt_tokens, ids, False, vocab))
            model.train()
    train_seconds = time.time() - train_started

    model.eval()
    final_eval = eval_loss(rounded_copy(model))
    written.append(export(model, args.steps, final_eval, args.out, prompt_tokens, ids, True, vocab))

    # checkpoints of earlier runs with other --steps would be stale
    ckpt_dir = os.path.join(args.out, "checkpoints")
    for name in os.listdir(ckpt_dir):
        if re.fullmatch(r"step_\d{6}\.h5", name) and os.path.join(ckpt_dir, name) not in written:
            os.remove(os.path.join(ckpt_dir, name))

    total = sum(os.path.getsize(p) for p in written)
    print(f"summary: first-step loss {first_loss:.3f}, last-100 loss {np.mean(recent):.3f}, "
          f"held-out loss {final_eval:.3f}; training {train_seconds:.0f}s, "
          f"total {time.time() - started:.0f}s; files {total / 1e6:.2f} MB")


if __name__ == "__main__":
    sys.exit(main())
