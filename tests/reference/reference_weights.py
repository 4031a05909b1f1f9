#!/usr/bin/python3
"""Reference values for the weight/head/subspace/checkpoint/delta analyses (float64 numpy/scipy).

Writes small fixtures with h5py and the expected JSON the C++ tests compare against:
  tests/fixtures/good/weights_synth.h5      L=2, H=4, D=24, d_head=6, V=40, d_mlp=48, patterns
  tests/fixtures/good/weights_synth_gqa.h5  same sizes, grouped-query _W_K/_W_V with H_kv=2
  tests/fixtures/good/weights_base.h5       base model weights
  tests/fixtures/good/weights_lora.h5       fine-tune: planted rank-2 updates + LoRA factors
  tests/fixtures/weights_series/step_*.h5   three checkpoints
  tests/reference/expected/weights_reference.json
Everything here is straightforward: circuits are FORMED (D x D) and fully SVD'd, angles come
from scipy.linalg.subspace_angles, alpha from a plain loop over xmin candidates.
Run with Debian's python: /usr/bin/python3 tests/reference/reference_weights.py
"""
import json
import os

import h5py
import numpy as np
import scipy.linalg

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "fixtures")
rng = np.random.default_rng(4242)
L, H, D, DH, V, NCTX, DM, B, P = 2, 4, 24, 6, 40, 16, 48, 2, 6


def f32(a):
    return np.asarray(a, dtype=np.float32)


def powerlaw_fit(evals, floor=1e-5, min_count=10):
    x = np.sort(np.asarray([v for v in evals if v > floor], dtype=np.float64))
    if len(x) < min_count:
        return None
    best = None
    for k in range(len(x) - 1):
        if k > 0 and x[k] == x[k - 1]:
            continue
        xmin = x[k]
        tail = x[k:]
        n = len(tail)
        s = np.sum(np.log(tail / xmin))
        if s <= 0:
            continue
        alpha = 1 + n / s
        f_fit = 1 - (tail / xmin) ** (1 - alpha)
        f_emp = np.arange(n) / n
        d = np.max(np.abs(f_fit - f_emp))
        if best is None or d < best[2]:
            best = (alpha, xmin, d, n)
    return None if best is None else {"alpha": best[0], "xmin": best[1], "ks": best[2], "n": best[3]}


def spectrum(m):
    s = np.linalg.svd(np.asarray(m, np.float64), compute_uv=False)
    fit = powerlaw_fit(s ** 2)
    return {"singular_values": s.tolist(), "spectral_norm": float(s[0]),
            "stable_rank": float(np.sum(s ** 2) / s[0] ** 2),
            "alpha": None if fit is None else fit["alpha"], "xmin": None if fit is None else fit["xmin"],
            "ks": None if fit is None else fit["ks"]}


def random_model(gqa=False):
    w = {}
    # an embedding with a power-law-ish spectrum
    u, _ = np.linalg.qr(rng.standard_normal((V, D)))
    v, _ = np.linalg.qr(rng.standard_normal((D, D)))
    w["embed.W_E"] = f32(u @ np.diag(np.arange(1, D + 1) ** -0.7) @ v.T)
    w["pos_embed.W_pos"] = f32(rng.standard_normal((NCTX, D)) * 0.1)
    w["unembed.W_U"] = f32(rng.standard_normal((D, V)) * 0.2)
    kv = 2 if gqa else H
    for l in range(L):
        p = f"blocks.{l}."
        w[p + "attn.W_Q"] = f32(rng.standard_normal((H, D, DH)) * 0.3)
        w[p + ("attn._W_K" if gqa else "attn.W_K")] = f32(rng.standard_normal((kv, D, DH)) * 0.3)
        w[p + ("attn._W_V" if gqa else "attn.W_V")] = f32(rng.standard_normal((kv, D, DH)) * 0.3)
        w[p + "attn.W_O"] = f32(rng.standard_normal((H, DH, D)) * 0.3)
        w[p + "attn.b_Q"] = f32(rng.standard_normal((H, DH)) * 0.1)
        w[p + "mlp.W_in"] = f32(rng.standard_normal((D, DM)) * 0.2)
        w[p + "mlp.W_out"] = f32(rng.standard_normal((DM, D)) * 0.2)
        w[p + "ln1.w"] = f32(np.ones(D))
    # make heads 0 and 1 of layer 0 share most of their OV write space (a cluster)
    if not gqa:
        w["blocks.0.attn.W_O"][1] = f32(w["blocks.0.attn.W_O"][0] + 0.05 * rng.standard_normal((DH, D)))
    return w


def heads_of(w, l):
    p = f"blocks.{l}.attn."
    q = w[p + "W_Q"].astype(np.float64)
    k = w.get(p + "W_K", w.get(p + "_W_K")).astype(np.float64)
    v = w.get(p + "W_V", w.get(p + "_W_V")).astype(np.float64)
    o = w[p + "W_O"].astype(np.float64)
    g = q.shape[0] // k.shape[0]
    return [(q[h] @ k[h // g].T, v[h // g] @ o[h]) for h in range(q.shape[0])]


def write(path, w, attrs=None, extra=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with h5py.File(path, "w") as f:
        for k, a in w.items():
            f.create_dataset(k, data=a)
        for k, a in (extra or {}).items():
            f.create_dataset(k, data=a)
        for k, a in (attrs or {}).items():
            f.attrs[k] = a


def top_vectors(m, side, k):
    u, s, vt = np.linalg.svd(np.asarray(m, np.float64), full_matrices=False)
    return u[:, :k] if side == "left" else vt[:k].T


def angles_deg(a, b):
    return np.sort(np.degrees(scipy.linalg.subspace_angles(a, b))).tolist()


def main():
    exp = {}
    # ---- synthetic model with activations and attention patterns
    w = random_model()
    resid = [f32(rng.standard_normal((B, P, D)) * (1 + l)) for l in range(L + 1)]
    extra = {}
    pats = []
    for l in range(L):
        extra[f"blocks.{l}.hook_resid_pre"] = resid[l]
        extra[f"blocks.{l}.hook_resid_post"] = resid[l + 1]
        scores = rng.standard_normal((B, H, P, P))
        scores[:, 1] = scores[:, 0] + 0.3 * rng.standard_normal((B, P, P))  # heads 0, 1 alike
        scores[..., np.triu(np.ones((P, P), bool), 1)] = -np.inf
        pat = np.exp(scores - scores.max(-1, keepdims=True))
        pat /= pat.sum(-1, keepdims=True)
        pat = f32(pat)
        pats.append(pat)
        extra[f"blocks.{l}.attn.hook_pattern"] = pat
    write(os.path.join(FIX, "good", "weights_synth.h5"), w, extra=extra)

    mats = {k: spectrum(a) for k, a in sorted(w.items()) if a.ndim == 2 and ".b_" not in k}
    exp["matrices"] = mats
    heads = []
    for l in range(L):
        for h, (qk, ov) in enumerate(heads_of(w, l)):
            heads.append({"layer": l, "head": h, "qk": spectrum(qk), "ov": spectrum(ov)})
    exp["heads"] = heads

    # head similarity, layer 0 and all layers
    def cos(a, b):
        return float(np.sum(a * b) / np.linalg.norm(a) / np.linalg.norm(b))

    allh = [c for l in range(L) for c in heads_of(w, l)]
    R = 3
    sim = {}
    sim["qk_cosine"] = [[cos(x[0], y[0]) for y in allh] for x in allh]
    sim["ov_cosine"] = [[cos(x[1], y[1]) for y in allh] for x in allh]
    wr = [top_vectors(c[1], "right", R) for c in allh]
    sim["subspace_overlap"] = [[float(np.mean(np.cos(scipy.linalg.subspace_angles(a, b)) ** 2)) for b in wr] for a in wr]
    qq = [top_vectors(c[0], "left", R) for c in allh]
    sim["qk_query_overlap"] = [[float(np.mean(np.cos(scipy.linalg.subspace_angles(a, b)) ** 2)) for b in qq] for a in qq]
    vecs = []
    for l in range(L):
        for h in range(H):
            vecs.append(np.concatenate([pats[l][b, h][np.tril_indices(P)] for b in range(B)]).astype(np.float64))
    sim["pattern_corr"] = np.corrcoef(np.array(vecs)).tolist()
    exp["similarity_all_layers"] = sim
    exp["similarity_rank"] = R

    # principal angles between named subspaces
    x1 = resid[1].reshape(-1, D).astype(np.float64)
    x1 -= x1.mean(0)
    qk10, ov10 = heads_of(w, 1)[0]
    _, ov02 = heads_of(w, 0)[2]
    cases = [
        ("embed.W_E:right:0-5", "resid[1]:right:0-4", top_vectors(w["embed.W_E"], "right", 5), top_vectors(x1, "right", 4)),
        ("blocks.1.attn.QK[0]:left:0-4", "blocks.1.attn.OV[0]:right:1-6",
         top_vectors(qk10, "left", 4), top_vectors(ov10, "right", 6)[:, 1:6]),
        ("blocks.0.attn.OV[2]:left:0-6", "unembed.W_U:left:2-10",
         top_vectors(ov02, "left", 6), top_vectors(w["unembed.W_U"], "left", 10)[:, 2:10]),
        ("blocks.0.mlp.W_in:right:0-3", "blocks.0.mlp.W_in:right:1-4",
         top_vectors(w["blocks.0.mlp.W_in"], "right", 3), top_vectors(w["blocks.0.mlp.W_in"], "right", 4)[:, 1:4]),
        ("resid[2]:left:0-3", "resid[1]:left:0-5", None, None),
    ]
    x2 = resid[2].reshape(-1, D).astype(np.float64)
    x2 -= x2.mean(0)
    cases[4] = (cases[4][0], cases[4][1], top_vectors(x2, "left", 3), top_vectors(x1, "left", 5))
    exp["angles"] = [{"a": a, "b": b, "angles_deg": angles_deg(qa, qb),
                      "overlap": float(np.mean(np.cos(np.radians(angles_deg(qa, qb))) ** 2))}
                     for a, b, qa, qb in cases]

    # ---- GQA variant (weights only)
    wg = random_model(gqa=True)
    write(os.path.join(FIX, "good", "weights_synth_gqa.h5"), wg)
    exp["gqa_heads"] = [{"layer": l, "head": h, "qk": spectrum(qk)["singular_values"],
                         "ov": spectrum(ov)["singular_values"]}
                        for l in range(L) for h, (qk, ov) in enumerate(heads_of(wg, l))]

    # ---- base / fine-tune pair with planted rank-2 updates and LoRA factors
    base = random_model()
    tuned = {k: a.copy() for k, a in base.items()}
    planted = {}
    for name in ["blocks.0.mlp.W_in", "blocks.1.mlp.W_out", "embed.W_E"]:
        m, n = base[name].shape
        upd = (rng.standard_normal((m, 2)) * 0.3) @ (rng.standard_normal((2, n)) * 0.3)
        tuned[name] = f32(base[name] + upd)
        planted[name] = 2
    r = 4
    lora = {}
    A = f32(rng.standard_normal((r, D)) * 0.2)   # PEFT: A [r, in], B [out, r]
    Bm = f32(rng.standard_normal((DM, r)) * 0.2)
    lora["blocks.1.mlp.W_in.lora_A"] = A
    lora["blocks.1.mlp.W_in.lora_B"] = Bm
    A2 = f32(rng.standard_normal((DM, 3)) * 0.2)  # TL orientation: A [in, r], B [r, out]
    B2 = f32(rng.standard_normal((3, D)) * 0.2)
    lora["blocks.0.mlp.W_out.lora_A"] = A2
    lora["blocks.0.mlp.W_out.lora_B"] = B2
    write(os.path.join(FIX, "good", "weights_base.h5"), base)
    write(os.path.join(FIX, "good", "weights_lora.h5"), tuned, extra=lora)
    with h5py.File(os.path.join(FIX, "good", "weights_lora.h5"), "a") as f:
        f["blocks.1.mlp.W_in.lora_A"].attrs["lora_alpha"] = 8.0
    K = 5

    def delta_entry(name, d, kind, rank=None, scale=None):
        s = np.linalg.svd(d, compute_uv=False)
        p = s / s.sum() if s.sum() > 0 else np.zeros(0)
        p = p[p > 0]
        u, _, vt = np.linalg.svd(base[name].astype(np.float64), full_matrices=False)
        uk, vk = u[:, :K], vt[:K].T
        f2 = np.sum(d ** 2)
        if f2 == 0:
            f2 = np.nan
        return {"name": name, "kind": kind, "singular_values": s.tolist(), "frobenius": float(np.sqrt(f2)),
                "effective_rank": float(np.exp(-np.sum(p * np.log(p)))) if len(p) else None,
                "captured_left": float(np.sum((uk.T @ d) ** 2) / f2),
                "captured_right": float(np.sum((d @ vk) ** 2) / f2),
                "captured_both": float(np.sum((uk.T @ d @ vk) ** 2) / f2), "lora_rank": rank, "lora_scale": scale}

    deltas = []
    for name in sorted(base):
        if base[name].ndim == 2:
            deltas.append(delta_entry(name, tuned[name].astype(np.float64) - base[name].astype(np.float64), "dense"))
    deltas.append(delta_entry("blocks.1.mlp.W_in", (Bm.astype(np.float64) @ A.astype(np.float64)).T * (8.0 / r),
                              "lora", r, 8.0 / r))
    deltas.append(delta_entry("blocks.0.mlp.W_out", A2.astype(np.float64) @ B2.astype(np.float64), "lora", 3, 1.0))
    exp["delta"] = {"top": K, "planted_rank": planted, "matrices": deltas}

    # ---- checkpoint series (three steps drifting)
    ser = os.path.join(FIX, "weights_series")
    cur = random_model()
    steps = [0, 10, 20]
    svs, bases = [], []
    KS = 4
    for i, st in enumerate(steps):
        if i:
            cur = {k: f32(a + 0.05 * rng.standard_normal(a.shape)) for k, a in cur.items()}
        write(os.path.join(ser, f"step_{st}.h5"), cur, attrs={"step": st})
        _, ov = heads_of(cur, 1)[2]
        s = np.linalg.svd(ov, compute_uv=False)[:KS]
        svs.append({"W_in": np.linalg.svd(cur["blocks.0.mlp.W_in"].astype(np.float64), compute_uv=False)[:KS].tolist(),
                    "ov": s.tolist()})
        bases.append({"W_in": top_vectors(cur["blocks.0.mlp.W_in"], "right", KS), "ov": top_vectors(ov, "left", KS)})
    series = {}
    for key in ["W_in", "ov"]:
        series[key] = {"steps": steps, "singular_values": [s[key] for s in svs],
                       "angles_prev_deg": [None] + [angles_deg(bases[i - 1][key], bases[i][key]) for i in range(1, 3)],
                       "angles_final_deg": [angles_deg(bases[i][key], bases[2][key]) for i in range(3)]}
    exp["series"] = series
    exp["series_k"] = KS

    def clean(o):  # JSON has no NaN: null
        if isinstance(o, float) and not np.isfinite(o):
            return None
        if isinstance(o, dict):
            return {k: clean(v) for k, v in o.items()}
        if isinstance(o, list):
            return [clean(v) for v in o]
        return o

    with open(os.path.join(HERE, "expected", "weights_reference.json"), "w") as f:
        json.dump(clean(exp), f, indent=1, allow_nan=False)


if __name__ == "__main__":
    main()
