#!/usr/bin/python3
"""Write transformer activations and weights as HDF5 files that Eigenscope opens.

A module and a command line.  Needs numpy and h5py; torch for tensors and the
`torch-hooks`/`demo` commands (Debian: python3-h5py python3-numpy python3-torch).
TransformerLens and Hugging Face `transformers` are never imported: their objects
are read through the attributes and names they have (duck typing).

    from eigenscope_export import save_transformerlens, save_hf, save_torch_hooks

    save_transformerlens("run.h5", cache, model=model, tokens=tokens)       # TransformerLens
    save_hf("hf.h5", outputs, input_ids, tokenizer=tok, model=model)         # HF transformers
    save_torch_hooks("hooks.h5", model, ids, {"resid_post": "blocks",        # any nn.Module
                                              "blocks.0.hook_resid_pre": "embed"})

Every file is written to a temporary file in the target's directory and renamed
into place (a reader never sees half a file), and an existing file is only
replaced with overwrite=True.  Activations are float16 by default (float32 on
request; a tensor that does not fit float16 switches the whole file to float32
with a warning), gzip-compressed with shuffle, chunked one prompt/layer and at
most 256 tokens per chunk.  Weights are float32.  The layouts are those of
docs/FORMAT.md; docs/EXPORT.md has examples.

Command line: `python3 eigenscope_export.py --help`.
"""
import argparse
import os
import re
import sys
import tempfile
import warnings

import h5py
import numpy as np

__all__ = ["save_transformerlens", "save_hf", "save_torch_hooks", "save_tensors",
           "hf_to_transformerlens", "gpt2_to_transformerlens", "llama_to_transformerlens"]

CHUNK_TOKENS = 256
FLOAT16_MAX = 65504.0
# Root attributes Eigenscope reads (docs/FORMAT.md section 2) and TransformerLens config fields worth keeping.
CFG_FIELDS = ("model_name", "n_layers", "n_heads", "d_model", "d_head", "d_mlp", "d_vocab", "n_ctx",
              "n_key_value_heads", "act_fn", "normalization_type", "positional_embedding_type",
              "original_architecture", "eps", "seed")
PROCESSING_FLAGS = ("fold_ln", "center_writing_weights", "center_unembed", "fold_value_biases",
                    "refactor_factored_attn_matrices")
# TransformerLens buffers that are not weights (masks, constants, rotary tables).
SKIP_STATE = re.compile(r"(^|\.)(mask|IGNORE|rotary_sin|rotary_cos|inv_freq|masked_bias)$")


# --------------------------------------------------------------------------- #
# Tensors, chunks, the atomic file
# --------------------------------------------------------------------------- #

def to_numpy(t):
    """torch tensor (any device/dtype, bfloat16 included), numpy array or nested list -> numpy."""
    if hasattr(t, "detach"):
        t = t.detach()
        if str(t.dtype) == "torch.bfloat16":
            t = t.float()
        return t.cpu().numpy()
    return np.asarray(t)


def _is_float(a):
    return a.dtype.kind == "f"


def activation_chunks(shape, lead=0):
    """Chunk shape for an activation of `shape`: 1 along the `lead` stacked-layer axes and the
    batch, at most 256 tokens along positions (queries and keys for a pattern), the rest whole."""
    shape = tuple(int(s) for s in shape)
    rest = shape[lead:]
    chunk = [1] * lead
    if len(rest) == 4 and rest[-1] == rest[-2]:          # [B,H,P,P] attention
        chunk += [1, 1, min(rest[2], CHUNK_TOKENS), rest[3]]
    elif len(rest) == 3 and rest[-1] == rest[-2] and lead:  # [H,P,P] stacked
        chunk += [1, min(rest[1], CHUNK_TOKENS), rest[2]]
    elif len(rest) >= 3:                                  # [B,P,D] or [B,P,H,E]
        chunk += [1, min(rest[1], CHUNK_TOKENS)] + list(rest[2:])
    elif len(rest) == 2:                                  # [P,D]
        chunk += [min(rest[0], CHUNK_TOKENS), rest[1]]
    else:
        chunk += list(rest)
    return tuple(max(1, c) for c in chunk)


class _Writer:
    """Opens a temporary HDF5 file next to `path`; commit() renames it into place."""

    def __init__(self, path, overwrite, dtype, compression):
        self.path = os.path.abspath(os.fspath(path))
        if os.path.isdir(self.path):
            raise IsADirectoryError(f"{self.path}: is a directory")
        if os.path.exists(self.path) and not overwrite:
            raise FileExistsError(f"{self.path}: exists; pass overwrite=True (--overwrite) to replace it")
        self.overwrite = overwrite
        if np.dtype(dtype) not in (np.dtype("float16"), np.dtype("float32")):
            raise ValueError(f"dtype must be float16 or float32, not {dtype}")
        self.dtype = np.dtype(dtype)
        self.compression = compression
        fd, self.tmp = tempfile.mkstemp(prefix="." + os.path.basename(self.path) + ".",
                                        suffix=".tmp", dir=os.path.dirname(self.path))
        os.close(fd)
        try:
            try:    # HDF5 1.10 format: compact chunk indexes (Debian 12 ships HDF5 1.10.8)
                self.f = h5py.File(self.tmp, "w", libver=("v110", "v110"))
            except (ValueError, TypeError):  # an h5py/HDF5 without the 1.10 bound
                self.f = h5py.File(self.tmp, "w")
        except BaseException:
            os.remove(self.tmp)
            raise

    def _filters(self):
        if self.compression in (None, "none", False):
            return {}
        opts = {"compression": self.compression, "shuffle": True}
        if self.compression == "gzip":
            opts["compression_opts"] = 4
        return opts

    def choose_dtype(self, arrays):
        """float16 unless a finite value of any activation overflows it."""
        if self.dtype != np.float16:
            return
        for name, a in arrays:
            if _is_float(a) and a.size:
                finite = a[np.isfinite(a)]
                if finite.size and float(np.abs(finite).max()) > FLOAT16_MAX:
                    warnings.warn(f"{name}: values up to {float(np.abs(finite).max()):.4g} do not fit "
                                  "float16; writing every activation as float32")
                    self.dtype = np.dtype("float32")
                    return

    def activation(self, name, array, lead=0):
        a = to_numpy(array)
        if not _is_float(a):
            raise TypeError(f"{name}: {a.dtype} data where floating-point activations were expected")
        if a.ndim == 0 or a.size == 0:
            raise ValueError(f"{name}: empty or scalar activation (shape {a.shape})")
        return self.f.create_dataset(name, data=a.astype(self.dtype, copy=False),
                                     chunks=activation_chunks(a.shape, lead), **self._filters())

    def empty_activation(self, name, shape, lead):
        return self.f.create_dataset(name, shape=tuple(shape), dtype=self.dtype,
                                     chunks=activation_chunks(shape, lead), **self._filters())

    def weight(self, name, array):
        a = to_numpy(array)
        if not _is_float(a) or a.ndim == 0 or a.size == 0 or SKIP_STATE.search(name):
            return False
        self.f.create_dataset(name, data=a.astype(np.float32, copy=False), chunks=True,
                              **self._filters())
        return True

    def strings(self, name, rows):
        data = np.array(rows, dtype=object)
        self.f.create_dataset(name, data=data, dtype=h5py.string_dtype("utf-8"))

    def integers(self, name, array):
        a = to_numpy(array)
        self.f.create_dataset(name, data=a.astype(np.int64 if a.max(initial=0) >= 2**31 else np.int32))

    def attrs(self, values):
        for key, value in values.items():
            if value is None:
                continue
            if isinstance(value, (bool, np.bool_)):
                self.f.attrs[key] = bool(value)
            elif isinstance(value, (int, float, str, np.integer, np.floating)):
                self.f.attrs[key] = value
            else:
                self.f.attrs[key] = str(value)

    def commit(self):
        self.f.attrs.setdefault("created_by", "eigenscope_export.py")
        self.f.close()
        mode = 0o666 & ~_umask()
        os.chmod(self.tmp, mode)
        if self.overwrite:
            os.replace(self.tmp, self.path)
        else:
            try:                         # link(): atomic and never replaces a file made meanwhile
                os.link(self.tmp, self.path)
            except FileExistsError:
                raise FileExistsError(f"{self.path}: exists; pass overwrite=True (--overwrite) "
                                      "to replace it") from None
            except OSError:              # a file system without hard links
                if os.path.exists(self.path):
                    raise FileExistsError(f"{self.path}: exists") from None
                os.replace(self.tmp, self.path)
            if os.path.exists(self.tmp):
                os.remove(self.tmp)
        return self.path

    def abort(self):
        try:
            self.f.close()
        except Exception:
            pass
        if os.path.exists(self.tmp):
            os.remove(self.tmp)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write(path, overwrite, dtype, compression, body):
    w = _Writer(path, overwrite, dtype, compression)
    try:
        body(w)
        return w.commit()
    except BaseException:
        w.abort()
        raise


def _write_tokens(w, tokens=None, token_ids=None, prompts=None, vocab=None):
    if token_ids is not None:
        w.integers("token_ids", token_ids)
    if tokens is not None:
        rows = tokens
        if isinstance(rows, (str, bytes)) or (len(rows) and isinstance(rows[0], (str, bytes))):
            rows = [rows]
        rows = [[t.decode("utf-8", "replace") if isinstance(t, bytes) else str(t) for t in r] for r in rows]
        if len({len(r) for r in rows}) > 1:
            raise ValueError("tokens: every prompt must have the same number of tokens (pad them)")
        w.strings("tokens", rows)
    if prompts is not None:
        w.strings("prompts", [prompts] if isinstance(prompts, str) else list(prompts))
    if vocab is not None:
        w.strings("vocab", list(vocab))


def _config_attrs(cfg):
    """Dimensions and processing flags from a TransformerLens cfg, an HF config or a dict."""
    if cfg is None:
        return {}
    get = (lambda k: cfg.get(k)) if isinstance(cfg, dict) else (lambda k: getattr(cfg, k, None))
    out = {}
    for k in CFG_FIELDS + PROCESSING_FLAGS:
        v = get(k)
        if isinstance(v, (bool, int, float, str, np.integer, np.floating)):
            out[k] = v
    return out


# --------------------------------------------------------------------------- #
# TransformerLens
# --------------------------------------------------------------------------- #

def _items(mapping):
    if hasattr(mapping, "cache_dict"):          # transformer_lens.ActivationCache
        mapping = mapping.cache_dict
    return list(mapping.items())


def save_transformerlens(path, cache, model=None, tokens=None, dtype="float16", compression="gzip",
                         overwrite=False, str_tokens=None, prompts=None, vocab=None, attrs=None,
                         weights=True):
    """Write a TransformerLens ActivationCache (or any mapping hook name -> tensor) to `path`.

    cache: ActivationCache from `model.run_with_cache(...)`, or a dict with TransformerLens hook
        names (`blocks.3.hook_resid_post`, `blocks.0.attn.hook_pattern`, ...), batch axis kept or not.
    model: a HookedTransformer (or any object with `state_dict()` and optionally `cfg`, `tokenizer`,
        `to_str_tokens`); its weights (TransformerLens names already) go into the file unless
        weights=False, and `cfg` gives the root attributes n_layers, d_model, ... and the processing
        flags fold_ln, center_writing_weights, center_unembed when present.
    tokens: token ids [B,P] (int tensor/array) or token strings [B,P]; with ids and a model that can
        decode them, the strings are written too.  str_tokens: strings, when ids are given in tokens.
    attrs: extra root attributes (override what cfg says, e.g. {"fold_ln": True, "step": 1200}).
    weights: True (the model's state dict), False, or a mapping name -> tensor with
        TransformerLens weight names to write instead.
    Returns the path written.
    """
    items = [(k, to_numpy(v)) for k, v in _items(cache)]
    token_ids = None
    if tokens is not None:
        arr = to_numpy(tokens) if hasattr(tokens, "detach") else np.asarray(tokens)
        if arr.dtype.kind in "iu":
            token_ids = arr
        elif str_tokens is None:
            str_tokens = tokens
    if str_tokens is None and token_ids is not None and model is not None:
        str_tokens = _decode_ids(model, token_ids)
    root = {}
    if model is not None:
        root.update(_config_attrs(getattr(model, "cfg", None)))
        cfg = getattr(model, "cfg", None)
        norm = getattr(cfg, "normalization_type", None) if cfg is not None else None
        if "fold_ln" not in root and norm in ("LNPre", "RMSPre"):
            root["fold_ln"] = True                   # TransformerLens folds LN into LNPre/RMSPre
    root.update(attrs or {})

    def body(w):
        w.choose_dtype(items)
        w.attrs(root)
        for name, a in items:
            if name in ("hook_tokens",) or not _is_float(a):
                if a.dtype.kind in "iu":
                    w.integers(name, a)
                continue
            w.activation(name, a)
        if hasattr(weights, "items"):
            for name, t in weights.items():
                w.weight(name, t)
        elif model is not None and weights:
            for name, t in model.state_dict().items():
                w.weight(name, t)
        _write_tokens(w, str_tokens, token_ids, prompts, vocab)

    return _write(path, overwrite, dtype, compression, body)


def _decode_ids(model, ids):
    ids2 = np.atleast_2d(ids)
    tok = getattr(model, "tokenizer", None)
    try:
        if tok is not None:
            return [[tok.decode([int(i)]) for i in row] for row in ids2]
        if hasattr(model, "to_str_tokens"):
            return [list(model.to_str_tokens(row.tolist())) for row in ids2]
    except Exception as e:          # tokens are optional; never lose the activations over them
        warnings.warn(f"could not decode token ids: {e}")
    return None


# --------------------------------------------------------------------------- #
# Hugging Face transformers
# --------------------------------------------------------------------------- #

def _field(obj, name):
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _cfg_get(config, *names, default=None):
    for n in names:
        v = _field(config, n) if config is not None else None
        if v is not None:
            return v
    return default


def gpt2_to_transformerlens(state, n_heads):
    """GPT-2 style state dict (Conv1D weights [in, out]; `h.{l}.attn.c_attn` packs q|k|v) ->
    TransformerLens names and shapes.  Prefixes (`transformer.`) are ignored."""
    sd = {re.sub(r"^(transformer\.|model\.)", "", k): to_numpy(v).astype(np.float32) for k, v in state.items()}
    out = {}
    if "wte.weight" in sd:
        out["embed.W_E"] = sd["wte.weight"]
    if "wpe.weight" in sd:
        out["pos_embed.W_pos"] = sd["wpe.weight"]
    layers = sorted({int(m.group(1)) for k in sd for m in [re.match(r"h\.(\d+)\.", k)] if m})
    for l in layers:
        p, q = f"h.{l}.", f"blocks.{l}."
        W, b = sd[p + "attn.c_attn.weight"], sd.get(p + "attn.c_attn.bias")   # [D, 3D], [3D]
        D = W.shape[0]
        inner = W.shape[1] // 3
        E = inner // n_heads
        for i, n in enumerate("QKV"):
            out[q + "attn.W_" + n] = W[:, i * inner:(i + 1) * inner].reshape(D, n_heads, E).transpose(1, 0, 2).copy()
            if b is not None:
                out[q + "attn.b_" + n] = b[i * inner:(i + 1) * inner].reshape(n_heads, E).copy()
        out[q + "attn.W_O"] = sd[p + "attn.c_proj.weight"].reshape(n_heads, E, D).copy()   # [inner, D]
        if p + "attn.c_proj.bias" in sd:
            out[q + "attn.b_O"] = sd[p + "attn.c_proj.bias"]
        out[q + "mlp.W_in"] = sd[p + "mlp.c_fc.weight"]                       # [D, d_mlp]
        out[q + "mlp.W_out"] = sd[p + "mlp.c_proj.weight"]                    # [d_mlp, D]
        for src, dst in (("mlp.c_fc.bias", "mlp.b_in"), ("mlp.c_proj.bias", "mlp.b_out"),
                         ("ln_1.weight", "ln1.w"), ("ln_1.bias", "ln1.b"),
                         ("ln_2.weight", "ln2.w"), ("ln_2.bias", "ln2.b")):
            if p + src in sd:
                out[q + dst] = sd[p + src]
    if "ln_f.weight" in sd:
        out["ln_final.w"] = sd["ln_f.weight"]
    if "ln_f.bias" in sd:
        out["ln_final.b"] = sd["ln_f.bias"]
    unembed = sd.get("lm_head.weight", sd.get("wte.weight"))                  # tied in GPT-2
    if unembed is not None:
        out["unembed.W_U"] = unembed.T.copy()
    return out


def llama_to_transformerlens(state, n_heads, n_kv_heads=None):
    """Llama style state dict (nn.Linear weights [out, in]; q_proj/k_proj/v_proj/o_proj,
    gate_proj/up_proj/down_proj, RMSNorm weights) -> TransformerLens names and shapes.
    With fewer key/value heads than query heads (grouped-query attention) K and V become
    `_W_K`/`_W_V` [H_kv, D, d_head] as in TransformerLens."""
    n_kv_heads = n_kv_heads or n_heads
    sd = {re.sub(r"^model\.", "", k): to_numpy(v).astype(np.float32) for k, v in state.items()}
    out = {}
    if "embed_tokens.weight" in sd:
        out["embed.W_E"] = sd["embed_tokens.weight"]
    layers = sorted({int(m.group(1)) for k in sd for m in [re.match(r"layers\.(\d+)\.", k)] if m})
    gqa = n_kv_heads != n_heads
    for l in layers:
        p, q = f"layers.{l}.", f"blocks.{l}."
        Wq = sd[p + "self_attn.q_proj.weight"]                                # [H*E, D]
        D = Wq.shape[1]
        E = Wq.shape[0] // n_heads
        for n, heads in (("Q", n_heads), ("K", n_kv_heads), ("V", n_kv_heads)):
            src = p + f"self_attn.{n.lower()}_proj."
            name = ("_W_" if gqa and n != "Q" else "W_") + n
            out[q + "attn." + name] = sd[src + "weight"].reshape(heads, E, D).transpose(0, 2, 1).copy()
            if src + "bias" in sd:
                out[q + "attn." + ("_b_" if gqa and n != "Q" else "b_") + n] = sd[src + "bias"].reshape(heads, E).copy()
        Wo = sd[p + "self_attn.o_proj.weight"]                                # [D, H*E]
        out[q + "attn.W_O"] = Wo.reshape(D, n_heads, E).transpose(1, 2, 0).copy()
        if p + "self_attn.o_proj.bias" in sd:
            out[q + "attn.b_O"] = sd[p + "self_attn.o_proj.bias"]
        out[q + "mlp.W_in"] = sd[p + "mlp.up_proj.weight"].T.copy()          # [D, d_mlp]
        out[q + "mlp.W_gate"] = sd[p + "mlp.gate_proj.weight"].T.copy()      # [D, d_mlp]
        out[q + "mlp.W_out"] = sd[p + "mlp.down_proj.weight"].T.copy()       # [d_mlp, D]
        out[q + "ln1.w"] = sd[p + "input_layernorm.weight"]
        out[q + "ln2.w"] = sd[p + "post_attention_layernorm.weight"]
    if "norm.weight" in sd:
        out["ln_final.w"] = sd["norm.weight"]
    unembed = sd.get("lm_head.weight", sd.get("embed_tokens.weight"))        # tied when absent
    if unembed is not None:
        out["unembed.W_U"] = unembed.T.copy()
    return out


def hf_to_transformerlens(state, config):
    """Detect GPT-2 or Llama style parameter names and convert; ValueError for anything else."""
    keys = list(state.keys())
    n_heads = _cfg_get(config, "n_head", "num_attention_heads", "n_heads")
    if n_heads is None:
        raise ValueError("the number of attention heads is unknown: pass a config with n_head or "
                         "num_attention_heads")
    if any(k.endswith("attn.c_attn.weight") for k in keys):
        return gpt2_to_transformerlens(state, int(n_heads))
    if any(k.endswith("self_attn.q_proj.weight") for k in keys):
        kv = _cfg_get(config, "num_key_value_heads", "n_key_value_heads", default=n_heads)
        return llama_to_transformerlens(state, int(n_heads), int(kv))
    raise ValueError("weights: only GPT-2 style (h.{l}.attn.c_attn) and Llama style "
                     "(layers.{l}.self_attn.q_proj) parameter names are converted; pass model=None "
                     "to write activations only")


def save_hf(path, outputs, input_ids, tokenizer=None, model=None, dtype="float16", compression="gzip",
            overwrite=False, config=None, prompts=None, attrs=None, final_norm_applied=True):
    """Write Hugging Face `transformers` outputs to `path`.

    outputs: what `model(input_ids, output_hidden_states=True, output_attentions=True)` returns
        (an object or dict with `hidden_states`, L+1 tensors [B,P,D], and optionally `attentions`,
        L tensors [B,H,P,P]).  They become `hidden_states` [L+1,B,P,D] and `attentions`
        [L,B,H,P,P], written layer by layer (never stacked in memory).
    input_ids: [B,P] or [P]; written as `input_ids`, and decoded one by one with `tokenizer`
        into `tokens`.
    model: a `PreTrainedModel` (or a state dict, with `config`): its weights are converted to
        TransformerLens names and shapes (GPT-2 style Conv1D or Llama style Linear models).
    final_norm_applied: HF applies the final norm to the last hidden state; recorded as the
        attribute of `hidden_states` so Eigenscope leaves that state out of trajectories.
    """
    hidden = _field(outputs, "hidden_states")
    attns = _field(outputs, "attentions")
    if hidden is None:
        raise ValueError("outputs has no hidden_states: call the model with output_hidden_states=True")
    ids = to_numpy(input_ids).astype(np.int64)
    if config is None and model is not None:
        config = getattr(model, "config", None)
    state = None
    if model is not None:
        state = model.state_dict() if hasattr(model, "state_dict") else model
    root = {"fold_ln": False, "center_writing_weights": False, "center_unembed": False}
    first = to_numpy(hidden[0])
    root.update({"n_layers": len(hidden) - 1, "d_model": int(first.shape[-1])})
    if config is not None:
        for key, names in (("n_heads", ("n_head", "num_attention_heads")),
                           ("n_key_value_heads", ("num_key_value_heads",)),
                           ("d_vocab", ("vocab_size",)), ("d_mlp", ("n_inner", "intermediate_size")),
                           ("n_ctx", ("n_positions", "max_position_embeddings")),
                           ("model_name", ("_name_or_path", "name_or_path")),
                           ("original_architecture", ("model_type",))):
            v = _cfg_get(config, *names)
            if isinstance(v, (int, str)) and v != "":
                root[key] = v
        if "n_heads" in root:
            root["d_head"] = root["d_model"] // int(root["n_heads"])
    weights = hf_to_transformerlens(state, config) if state is not None else {}
    for key, name, axis in (("d_mlp", "blocks.0.mlp.W_in", 1), ("d_vocab", "embed.W_E", 0),
                            ("n_ctx", "pos_embed.W_pos", 0)):
        if name in weights:                       # what the weights say beats the config
            root[key] = int(weights[name].shape[axis])
    root.update(attrs or {})
    tokens = None
    if tokenizer is not None:
        tokens = [[tokenizer.decode([int(i)]) for i in row] for row in np.atleast_2d(ids)]

    def body(w):
        sample = [("hidden_states", to_numpy(h)) for h in hidden]
        w.choose_dtype(sample)
        w.attrs(root)
        shape = (len(hidden),) + sample[0][1].shape
        ds = w.empty_activation("hidden_states", shape, lead=1)
        for l, (_, h) in enumerate(sample):
            if h.shape != sample[0][1].shape:
                raise ValueError(f"hidden_states[{l}] has shape {h.shape}, hidden_states[0] {sample[0][1].shape}")
            ds[l] = h.astype(w.dtype)
        ds.attrs["final_norm_applied"] = bool(final_norm_applied)
        if attns is not None and len(attns) and attns[0] is not None:
            a0 = to_numpy(attns[0])
            da = w.empty_activation("attentions", (len(attns),) + a0.shape, lead=1)
            for l, a in enumerate(attns):
                da[l] = to_numpy(a).astype(w.dtype)
        w.integers("input_ids", ids)
        for name, t in weights.items():
            w.weight(name, t)
        _write_tokens(w, tokens, None, prompts, None)

    return _write(path, overwrite, dtype, compression, body)


# --------------------------------------------------------------------------- #
# Plain PyTorch: forward hooks
# --------------------------------------------------------------------------- #

_BARE = re.compile(r"^[A-Za-z_]\w*$")


def _split(spec):
    """"blocks.0:input" -> ("blocks.0", ":input"): the module's input instead of its output."""
    return (spec[:-len(":input")], ":input") if spec.endswith(":input") else (spec, "")


def _resolve(model, spec):
    """Module name(s) -> [(name, module)]: a list of names, or a name with {l} (l = 0, 1, ...
    while such a module exists), or one name.  A ":input" suffix is carried along."""
    named = dict(model.named_modules())

    def one(s):
        base, suffix = _split(s)
        if base not in named:
            some = ", ".join(list(named)[1:12])
            raise KeyError(f"no module named {base!r} in the model (it has: {some}, ...)")
        return (base + suffix, named[base])

    if isinstance(spec, (list, tuple)):
        return [one(s) for s in spec]
    if "{l}" in spec:
        out, l = [], 0
        while _split(spec.format(l=l))[0] in named:
            out.append(one(spec.format(l=l)))
            l += 1
        return out or [one(spec.format(l=0))]
    return [one(spec)]


def _first_tensor(out):
    if hasattr(out, "detach"):
        return out
    if isinstance(out, dict) or hasattr(out, "values"):
        out = list(out.values())
    if isinstance(out, (list, tuple)):
        for o in out:
            t = _first_tensor(o)
            if t is not None:
                return t
    return None


def hook_plan(model, modules):
    """Expand the `modules` mapping of save_torch_hooks into [(dataset name, module name, module)]."""
    plan = []
    for key, spec in modules.items():
        if _BARE.match(key) and not key.startswith("hook_"):
            key = "blocks.{l}.hook_" + key                 # "resid_post" -> blocks.{l}.hook_resid_post
        if "{l}" in key:
            mods = _resolve(model, spec)
            if len(mods) == 1 and isinstance(spec, str) and "{l}" not in spec:
                base, suffix = _split(spec)
                children = list(mods[0][1].named_children())  # a ModuleList / Sequential of blocks
                if children:
                    mods = [(f"{base}.{n}{suffix}", m) for n, m in children]
            plan += [(key.format(l=l), n, m) for l, (n, m) in enumerate(mods)]
        else:
            if not isinstance(spec, str):
                raise ValueError(f"{key}: one module name expected (no {{l}} in the dataset name)")
            (n, m), = _resolve(model, spec)
            plan.append((key, n, m))
    return plan


def save_torch_hooks(path, model, inputs, modules, dtype="float16", compression="gzip", overwrite=False,
                     tokens=None, prompts=None, vocab=None, attrs=None, weights=None):
    """Run `model` once on `inputs` with forward hooks on named modules and write their outputs.

    modules: dataset name -> module name (as in `model.named_modules()`):
      - "blocks.{l}.hook_resid_post": "blocks"    a ModuleList/Sequential: its children in order,
                                                  layer l = l-th child (`{l}` in the name);
      - "blocks.{l}.hook_mlp_out": "h.{l}.mlp"    a name with {l}: l = 0, 1, ... while it exists;
      - "blocks.{l}.hook_attn_out": [names]       an explicit list, one module per layer;
      - "resid_post": "blocks"                    a bare name is short for blocks.{l}.hook_<name>;
      - "blocks.0.hook_resid_pre": "embed"        no {l}: one module, one dataset;
      - "blocks.0.hook_resid_pre": "blocks.0:input"   ":input": what the module receives (its
                                                  first tensor argument) instead of its output.
    Eigenscope's residual stream is `blocks.0.hook_resid_pre` (the embedding output) followed by
    every `blocks.{l}.hook_resid_post` (block outputs); other names become streams of their own.
    A module's output is taken as is, or its first tensor when it returns a tuple/dict; outputs
    must be [B,P,D] or [P,D] (positions then width).
    inputs: a tensor (positional argument), a tuple (positional arguments) or a dict (keyword
        arguments).  An integer tensor [B,P] is also written as `token_ids`.
    weights: optional mapping of TransformerLens-named weights to store alongside.
    The model runs under torch.no_grad() in whatever train/eval mode it is in (call model.eval()).
    """
    import torch

    plan = hook_plan(model, modules)
    captured = {}
    handles = []

    def capture(name, value):
        t = _first_tensor(value)
        if t is None:
            raise TypeError(f"{name}: the module's output (or input) holds no tensor")
        captured[name] = to_numpy(t).astype(np.float32, copy=True)

    def output_hook(name):
        return lambda _module, _args, out: capture(name, out)

    def input_hook(name):
        return lambda _module, args: capture(name, args)

    try:
        for name, module_name, module in plan:
            if module_name.endswith(":input"):
                handles.append(module.register_forward_pre_hook(input_hook(name)))
            else:
                handles.append(module.register_forward_hook(output_hook(name)))
        with torch.no_grad():
            if isinstance(inputs, dict):
                model(**inputs)
            elif isinstance(inputs, (tuple, list)):
                model(*inputs)
            else:
                model(inputs)
    finally:
        for h in handles:
            h.remove()
    missing = [n for n, _, _ in plan if n not in captured]
    if missing:
        raise RuntimeError(f"these modules never ran in the forward pass: {', '.join(missing)}")
    token_ids = None
    first_input = inputs if hasattr(inputs, "detach") else None
    if isinstance(inputs, dict):
        first_input = inputs.get("input_ids", inputs.get("ids"))
    if first_input is not None and str(first_input.dtype) in ("torch.int64", "torch.int32"):
        token_ids = to_numpy(first_input)
    items = [(n, captured[n]) for n, _, _ in plan]
    per_head = re.compile(r"attn\.hook_(q|k|v|z|result|rot_q|rot_k)$")
    for name, a in items:
        if a.ndim not in (2, 3) and not (per_head.search(name) and a.ndim in (3, 4)):
            raise ValueError(f"{name}: the module gives shape {tuple(a.shape)}; Eigenscope reads "
                             "[batch, pos, width] or [pos, width] (reshape it in a wrapper module)")

    def body(w):
        w.choose_dtype(items)
        w.attrs(dict(attrs or {}))
        for name, a in items:
            w.activation(name, a)
        for name, t in (weights or {}).items():
            w.weight(name, t)
        _write_tokens(w, tokens, token_ids, prompts, vocab)

    return _write(path, overwrite, dtype, compression, body)


def save_tensors(path, tensors, dtype="float16", compression="gzip", overwrite=False, attrs=None):
    """A flat mapping name -> tensor (e.g. a `torch.save`d dict): TransformerLens hook names and
    `hidden_states`/`attentions` are activations, other float tensors weights (kept only under
    TransformerLens weight names, the rest as they are), `tokens`/`str_tokens`/`token_ids`/
    `input_ids`/`prompts`/`vocab` tokens."""
    tensors = dict(tensors)
    text = {}
    for key in ("tokens", "str_tokens", "token_strings", "prompts", "vocab"):
        v = tensors.get(key)
        if v is not None and not hasattr(v, "detach") and not isinstance(v, np.ndarray):
            text[key] = tensors.pop(key)
        elif isinstance(v, np.ndarray) and v.dtype.kind in "OSU":
            text[key] = tensors.pop(key).tolist()
    arrays = {k: to_numpy(v) for k, v in tensors.items()}
    acts = [(k, a) for k, a in arrays.items() if _is_float(a) and
            (k.rsplit(".", 1)[-1].startswith("hook_") or k in ("hidden_states", "attentions"))]

    def body(w):
        w.choose_dtype(acts)
        w.attrs(dict(attrs or {}))
        act_names = {n for n, _ in acts}
        for k, a in arrays.items():
            if k in act_names:
                ds = w.activation(k, a, lead=1 if k in ("hidden_states", "attentions") else 0)
                if k == "hidden_states":
                    ds.attrs["final_norm_applied"] = True
            elif a.dtype.kind in "iu":
                w.integers(k, a)
            elif _is_float(a):
                w.weight(k, a)
        _write_tokens(w, text.get("tokens", text.get("str_tokens", text.get("token_strings"))),
                      None, text.get("prompts"), text.get("vocab"))

    return _write(path, overwrite, dtype, compression, body)


# --------------------------------------------------------------------------- #
# The demo model (resources/demo/make_demo.py)
# --------------------------------------------------------------------------- #

def find_make_demo(hint=None):
    here = os.path.dirname(os.path.abspath(__file__))
    for p in ([hint] if hint else []) + [os.path.join(here, "..", "..", "resources", "demo", "make_demo.py"),
                                         os.path.join(here, "..", "demo", "make_demo.py")]:
        if p and os.path.isfile(p):
            return os.path.abspath(p)
    raise FileNotFoundError("make_demo.py not found; pass --make-demo PATH")


def load_make_demo(path=None):
    import importlib.util
    path = find_make_demo(path)
    spec = importlib.util.spec_from_file_location("eigenscope_make_demo", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def demo_model(make_demo, weights_h5=None, seed=0):
    """The demo GPT of make_demo.py, with the TransformerLens-named weights of `weights_h5`
    (e.g. resources/demo/demo.h5) loaded into it, or randomly initialised from `seed`."""
    import torch
    torch.manual_seed(seed)
    model = make_demo.GPT()
    model.eval()
    if weights_h5 is None:
        return model
    with h5py.File(weights_h5, "r") as f:
        w = {k: np.asarray(f[k][()], dtype=np.float32) for k in f.keys()
             if not k.rsplit(".", 1)[-1].startswith("hook_") and f[k].dtype.kind == "f"}
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a))
    H, E, D = make_demo.N_HEADS, make_demo.D_HEAD, make_demo.D_MODEL
    with torch.no_grad():
        model.embed.weight.copy_(t(w["embed.W_E"]))
        model.pos_embed.weight.copy_(t(w["pos_embed.W_pos"]))
        model.unembed.weight.copy_(t(w["unembed.W_U"].T))
        model.unembed.bias.copy_(t(w["unembed.b_U"]))
        model.ln_final.weight.copy_(t(w["ln_final.w"]))
        model.ln_final.bias.copy_(t(w["ln_final.b"]))
        for l, blk in enumerate(model.blocks):
            p = f"blocks.{l}."
            blk.attn.qkv.weight.copy_(t(np.concatenate(
                [w[p + "attn.W_" + n].transpose(0, 2, 1).reshape(H * E, D) for n in "QKV"])))
            blk.attn.qkv.bias.copy_(t(np.concatenate([w[p + "attn.b_" + n].reshape(-1) for n in "QKV"])))
            blk.attn.out.weight.copy_(t(w[p + "attn.W_O"].reshape(H * E, D).T))
            blk.attn.out.bias.copy_(t(w[p + "attn.b_O"]))
            blk.fc_in.weight.copy_(t(w[p + "mlp.W_in"].T))
            blk.fc_in.bias.copy_(t(w[p + "mlp.b_in"]))
            blk.fc_out.weight.copy_(t(w[p + "mlp.W_out"].T))
            blk.fc_out.bias.copy_(t(w[p + "mlp.b_out"]))
            for ln in ("ln1", "ln2"):
                getattr(blk, ln).weight.copy_(t(w[p + ln + ".w"]))
                getattr(blk, ln).bias.copy_(t(w[p + ln + ".b"]))
    return model


def demo_vocab(weights_h5):
    with h5py.File(weights_h5, "r") as f:
        return [v.decode() if isinstance(v, bytes) else v for v in f["vocab"][()]]


# --------------------------------------------------------------------------- #
# Command line
# --------------------------------------------------------------------------- #

def _cmd_convert(args):
    import torch
    data = torch.load(args.input, map_location="cpu")
    if not isinstance(data, dict):
        raise SystemExit(f"{args.input}: expected a dict of tensors, found {type(data).__name__}")
    flat = {}

    def walk(prefix, d):            # nested dicts {"cache": {...}, "state_dict": {...}} flatten
        for k, v in d.items():
            if isinstance(v, dict):
                walk("" if k in ("cache", "activations", "state_dict", "weights", "params") else prefix + k + ".", v)
            elif isinstance(v, (list, tuple)) and k in ("hidden_states", "attentions") and hasattr(v[0], "detach"):
                flat[prefix + k] = torch.stack(list(v))
            else:
                flat[prefix + k] = v
    walk("", data)
    path = save_tensors(args.output, flat, dtype=args.dtype, compression=args.compression,
                        overwrite=args.overwrite)
    print(path)


def _cmd_demo(args):
    import torch
    md = load_make_demo(args.make_demo)
    weights_h5 = None if args.random_init is not None else (args.weights or os.path.join(
        os.path.dirname(md.__file__), "demo.h5"))
    model = demo_model(md, weights_h5, seed=args.random_init or 0)
    vocab = demo_vocab(weights_h5 or os.path.join(os.path.dirname(md.__file__), "demo.h5"))
    index = {w: i for i, w in enumerate(vocab)}
    prompts = args.prompt or md.PROMPTS
    toks = [[md.BOS] + md.words(p) for p in prompts]
    n = min(len(t) for t in toks)
    if any(len(t) != n for t in toks):
        print(f"demo: prompts cut to {n} tokens (the shortest)", file=sys.stderr)
    toks = [t[:min(n, md.N_CTX)] for t in toks]
    ids = torch.tensor([[index.get(w, 0) for w in t] for t in toks])
    cache = {}
    with torch.no_grad():
        model(ids, cache)
    attrs = md.model_attrs(0)
    attrs.pop("step")
    attrs.update(created_by="eigenscope_export.py demo",
                 weights=os.path.basename(weights_h5) if weights_h5 else f"random init, seed {args.random_init}")
    path = save_transformerlens(
        args.output, cache, tokens=ids, str_tokens=[[vocab[i] for i in row] for row in ids.tolist()],
        prompts=prompts, vocab=vocab, dtype=args.dtype, compression=args.compression,
        overwrite=args.overwrite, attrs=attrs, weights=False if args.no_weights else md.tl_weights(model))
    print(path)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="eigenscope_export.py",
        description="Write transformer activations and weights as HDF5 files for Eigenscope "
                    "(docs/EXPORT.md). From Python: save_transformerlens, save_hf, save_torch_hooks.",
        epilog="examples:\n"
               "  eigenscope_export.py convert cache.pt run.h5     # torch.save({name: tensor, ...})\n"
               "  eigenscope_export.py demo demo_run.h5 --prompt 'the king is old .'\n",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("--dtype", choices=("float16", "float32"), default="float16",
                       help="activation storage type (default float16; weights are float32)")
        p.add_argument("--compression", default="gzip", help="HDF5 filter: gzip (default) or none")
        p.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")

    c = sub.add_parser("convert", help="a torch.save()d dict of tensors -> HDF5",
                       description="Convert a torch.save()d dict {name: tensor} (TransformerLens hook and "
                                   "weight names, or hidden_states/attentions, plus optional tokens, "
                                   "str_tokens, token_ids, input_ids, prompts, vocab; nested 'cache' / "
                                   "'state_dict' dicts are flattened) to an Eigenscope HDF5 file.")
    c.add_argument("input", help="file written by torch.save")
    c.add_argument("output", help="HDF5 file to write")
    common(c)
    c.set_defaults(func=_cmd_convert)

    d = sub.add_parser("demo", help="run the bundled demo GPT on prompts -> HDF5",
                       description="Run the demo model of resources/demo/make_demo.py (weights from "
                                   "demo.h5, or random) on prompts and write every activation, the "
                                   "weights and the tokens.")
    d.add_argument("output", help="HDF5 file to write")
    d.add_argument("--prompt", action="append", help="a prompt (repeatable; default: the 6 demo prompts); "
                   "words outside the demo vocabulary become <unk>")
    d.add_argument("--weights", help="HDF5 file with the demo model's weights (default: demo.h5 next "
                   "to make_demo.py)")
    d.add_argument("--random-init", type=int, metavar="SEED", help="random weights from SEED instead")
    d.add_argument("--make-demo", help="path of make_demo.py")
    d.add_argument("--no-weights", action="store_true", help="activations and tokens only")
    common(d)
    d.set_defaults(func=_cmd_demo)

    args = parser.parse_args(argv)
    try:
        args.func(args)
    except (FileExistsError, FileNotFoundError, KeyError, ValueError, TypeError) as e:
        print(f"eigenscope_export.py: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
