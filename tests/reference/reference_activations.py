#!/usr/bin/python3
"""Reference values for the activation analyses (core/analysis/*), computed the slow, obvious way
in float64 with numpy/scipy (full SVDs, whole arrays), for the C++ tests to compare against.

Run with Debian's Python:  /usr/bin/python3 tests/reference/reference_activations.py
It first writes the synthetic fixtures (deterministic seed) with h5py:
  tests/fixtures/good/analysis_synth.h5  2 prompts x 64 positions, D=48, 5 states: a planted
      power-law spectrum, AR(1) correlation along positions, three large-mean dimensions (~1e3)
      that punish uncentred float32 accumulation; W_U/b_U/ln_final for the logit lens.
  tests/fixtures/good/analysis_wide.h5   2 x 12 tokens, D=64 (T <= D: the Gram path of CKA/PCA).
then writes tests/reference/expected/<fixture>.json with one entry per analysis (options
included), for the fixtures and resources/demo/demo.h5 when present.
Conventions (same as the C++): tokens are flat prompt*P+position; a token with NaN/Inf in any
analysed state is excluded; principal directions are sign-normalised so that their
largest-magnitude entry is positive; HF final-norm states are left out by default.
"""
import json
import os

import h5py
import numpy as np
from scipy.linalg import subspace_angles

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GOOD = os.path.join(ROOT, "tests", "fixtures", "good")
OUT = os.path.join(HERE, "expected")


def make_synth(path, B, P, D, L, seed, mean_dims=3, vocab=20):
    rng = np.random.default_rng(seed)
    k = D
    s = 10.0 * np.arange(1, k + 1) ** -1.0            # planted power law
    phi = np.linspace(0.95, 0.2, k)                    # slow to fast along positions
    z = np.zeros((B, P, k))
    z[:, 0] = rng.standard_normal((B, k))
    for t in range(1, P):
        z[:, t] = phi * z[:, t - 1] + np.sqrt(1 - phi ** 2) * rng.standard_normal((B, k))
    q, _ = np.linalg.qr(rng.standard_normal((D, D)))
    base = (z * s) @ q.T
    mean = np.zeros(D)
    mean[:mean_dims] = [1000.0, -700.0, 400.0][:mean_dims]
    with h5py.File(path, "w") as f:
        x = base
        for l in range(L):
            if l > 0:
                x = x + 0.4 * l * rng.standard_normal((B, P, D)) * s.mean()
            name = "blocks.0.hook_resid_pre" if l == 0 else f"blocks.{l - 1}.hook_resid_post"
            f[name] = (x + mean).astype(np.float32)
        f["unembed.W_U"] = (rng.standard_normal((D, vocab)) * 0.3).astype(np.float32)
        f["unembed.b_U"] = (rng.standard_normal(vocab) * 0.1).astype(np.float32)
        f["ln_final.w"] = (1 + 0.1 * rng.standard_normal(D)).astype(np.float32)
        f["ln_final.b"] = (0.1 * rng.standard_normal(D)).astype(np.float32)
        f["vocab"] = np.array([f"tok{i}" for i in range(vocab)], dtype=h5py.string_dtype("utf-8"))
        f.attrs["eps"] = 1e-5


def decode(ds):
    raw = ds[()]
    if ds.attrs.get("dtype") == "bfloat16":
        raw = (raw.astype(np.uint32) << 16).view(np.float32)
    return raw.astype(np.float64)


def load(path):
    """(states [S, T, D] float64, names, last_is_final_norm, P, file handle data for lens)."""
    with h5py.File(path, "r") as f:
        if "hidden_states" in f:
            hs = f["hidden_states"][()].astype(np.float64)
            S = hs.shape[0]
            P = hs.shape[-2]
            states = hs.reshape(S, -1, hs.shape[-1])
            names = [f"hidden_states.{i}" for i in range(S)]
            final = True
        else:
            n = 0
            while f"blocks.{n}.hook_resid_post" in f:
                n += 1
            names = ["blocks.0.hook_resid_pre"] + [f"blocks.{l}.hook_resid_post" for l in range(n)]
            arrs = [decode(f[nm]) for nm in names]
            P = arrs[0].shape[-2]
            states = np.stack([a.reshape(-1, a.shape[-1]) for a in arrs])
            final = False
        w = {k: f[k][()].astype(np.float64) for k in ("unembed.W_U", "unembed.b_U", "ln_final.w", "ln_final.b") if k in f}
        vocab = [v.decode() if isinstance(v, bytes) else v for v in f["vocab"][()]] if "vocab" in f else None
        eps = float(f.attrs.get("eps", 1e-5))
    return states, names, final, P, w, vocab, eps


def signnorm(v):
    i = np.argmax(np.abs(v))
    return v if v[i] >= 0 else -v


def stats(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None, None, None, None
    a = np.array(vals)
    return float(a.mean()), float(np.median(a)), float(np.percentile(a, 10)), float(np.percentile(a, 90))


def trajectory(X, names):
    S, T, D = X.shape
    ok = np.isfinite(X).all(axis=(0, 2))
    out = {"layers": names, "tokens": T, "excluded_tokens": int((~ok).sum())}
    norms = np.linalg.norm(np.where(np.isfinite(X), X, 0), axis=2)

    def cos(a, b, na, nb):
        return None if na == 0 or nb == 0 else float(np.clip(a @ b / (na * nb), -1, 1))
    res = {"norm": [], "cos_prev": [], "cos_first": []}
    for l in range(S):
        res["norm"].append(stats([norms[l, t] for t in range(T) if ok[t]]))
        res["cos_prev"].append(stats([cos(X[l, t], X[l - 1, t], norms[l, t], norms[l - 1, t]) for t in range(T) if ok[t]]) if l else (None,) * 4)
        res["cos_first"].append(stats([cos(X[l, t], X[0, t], norms[l, t], norms[0, t]) for t in range(T) if ok[t]]))
    for key, per in res.items():
        out[key] = {k: [p[i] for p in per] for i, k in enumerate(["mean", "median", "p10", "p90"])}
    out["growth_ratio"] = out["norm"]["mean"][-1] / out["norm"]["mean"][0]
    return out


def pca(x, centred=True):
    xc = x - x.mean(0) if centred else x
    u, s, vt = np.linalg.svd(xc, full_matrices=False)
    return s, vt, xc


def spectrum(X, names, top=16, centred=True):
    layers = []
    for l, nm in enumerate(names):
        x = X[l][np.isfinite(X[l]).all(1)]
        s, vt, _ = pca(x, centred)
        p = s / s.sum()
        comps = [signnorm(v).tolist() for v, sv in zip(vt[:top], s[:top]) if sv > 1e-6 * s[0]]
        layers.append({"layer": l, "name": nm, "centered": centred, "tokens": len(x),
                       "singular_values": s.tolist(), "explained_variance_ratio": (s ** 2 / (s ** 2).sum()).tolist(),
                       "effective_rank": float(np.exp(-(p[p > 0] * np.log(p[p > 0])).sum())),
                       "participation_ratio": float((s ** 2).sum() ** 2 / (s ** 4).sum()), "components": comps})
    return {"layers": layers}


def cka(X, Y=None):
    Y = X if Y is None else Y
    ok = np.isfinite(X).all(axis=(0, 2)) & np.isfinite(Y).all(axis=(0, 2))
    c = lambda a: a[ok] - a[ok].mean(0)
    m = [[float(np.linalg.norm(c(a).T @ c(b)) ** 2 / (np.linalg.norm(c(a).T @ c(a)) * np.linalg.norm(c(b).T @ c(b))))
          for b in Y] for a in X]
    return {"tokens": int(ok.sum()), "excluded_tokens": int((~ok).sum()), "matrix": m}


def equaliser(X, names, layer, token, bands, normalize, basis="pca", pooled=False):
    S, T, D = X.shape
    if basis == "pca":
        fit = X.reshape(-1, D) if pooled else X[-1]
        fit = fit[np.isfinite(fit).all(1)]
        w, v = np.linalg.eigh(np.cov(fit.T, bias=True))
        V = v[:, ::-1].T
        explained = (w[::-1] / w.sum()).tolist()
    else:
        V = np.eye(D)
        explained = []
    nb = min(bands, D)
    edges = [k * D // nb for k in range(nb + 1)]

    def energies(x):
        e = (V @ x) ** 2
        return e / (x @ x) if normalize else e
    # Past the rank of the reference scatter its null space takes any orthonormal basis: the
    # energies there are not determined (null), nor the bands reaching into them; their sum is.
    rank = D if basis != "pca" else int((w > w.max() * 1e-13).sum())
    edge = max([k for k in edges if k <= rank])
    bandsum = lambda e: [float(e[edges[k]:edges[k + 1]].sum()) if edges[k + 1] <= edge else None
                         for k in range(nb)]
    x = X[layer, token]
    e = energies(x)
    shown = [float(v) if c < rank else None for c, v in enumerate(e)]
    out = {"layer": layer, "name": names[layer], "basis": basis, "normalized": normalize,
           "basis_explained": explained, "norm": float(np.linalg.norm(x)), "raw": x.tolist(),
           "unit": (x / np.linalg.norm(x)).tolist(), "energies": shown, "band_edges": edges,
           "bands": bandsum(e), "frames": {"layers": names, "energies": [bandsum(energies(X[l, token])) for l in range(S)]},
           "determined": rank}
    if rank < D:
        out["undetermined"] = {"from_component": edge, "energy": float(e[edge:].sum()),
                               "frames": [float(energies(X[l, token])[edge:].sum()) for l in range(S)]}
    return out


def project(X, names, spherize=False, axes=()):
    S, T, D = X.shape
    rows = X.reshape(-1, D)
    ok = np.isfinite(rows).all(1)
    mu = rows[ok].mean(0)
    data = rows[ok] - mu
    tf = lambda x: (x - mu) / np.linalg.norm(x - mu) if spherize else x - mu
    if spherize:
        data = data / np.linalg.norm(data, axis=1, keepdims=True)
    cov = np.cov(data.T, bias=True)
    w, v = np.linalg.eigh(cov)
    pcs = [signnorm(c) for c in v[:, ::-1].T]
    A, labels = [], []
    for (a, b, l) in axes:
        d = tf(X[l, a]) - tf(X[l, b]) if spherize else X[l, a] - X[l, b]
        for q in A:
            d = d - (q @ d) * q
        A.append(d / np.linalg.norm(d))
        labels.append(f"{a}-{b}@{l}")
    for i, pc in enumerate(pcs):
        if len(A) == 3:
            break
        d = pc.copy()
        for q in A:
            d = d - (q @ d) * q
        if np.linalg.norm(d) < 1e-9:
            continue
        d = d / np.linalg.norm(d)
        A.append(signnorm(d) if axes else d)
        labels.append(f"PC{i + 1}" + ("'" if axes else ""))
    A = np.array(A)
    coords = []
    for l in range(S):
        coords.append([(A @ (tf(X[l, t]) if spherize else X[l, t] - mu)).tolist() if np.isfinite(X[l, t]).all() else None
                       for t in range(T)])
    return {"layers": names, "spherized": spherize, "axis_labels": labels,
            "explained_variance": [float(a @ cov @ a / np.trace(cov)) for a in A], "coordinates": coords}


def autocorr(v, B, P):
    v = v.reshape(B, P)
    y = v - np.nanmean(v, axis=1, keepdims=True)
    acc = np.array([np.nansum(y[:, :P - lag] * y[:, lag:]) for lag in range(P)])
    return (acc / acc[0]).tolist()


def half_life(r):
    for lag in range(1, len(r)):
        if r[lag] < 0.5:
            return (lag - 1) + (r[lag - 1] - 0.5) / (r[lag - 1] - r[lag])
    return None


def timescales(X, names, P, k=4):
    S, T, D = X.shape
    B = T // P
    mid = S // 2
    x = X[mid]
    s, vt, xc = pca(x)
    k = min(k, int((s > 1e-6 * s[0]).sum()))
    ac = [autocorr(xc @ signnorm(vt[c]), B, P) for c in range(k)]
    pers = []
    for l in range(1, S):
        a = pca(X[l - 1])[1][:k].T
        b = pca(X[l])[1][:k].T
        pers.append({"from": names[l - 1], "to": names[l], "angles_deg": sorted(np.degrees(subspace_angles(a, b)).tolist())})
    return {"layer": mid, "name": names[mid], "components": k,
            "explained_variance_ratio": (s[:k] ** 2 / (s ** 2).sum()).tolist(), "autocorrelation": ac,
            "half_life": [half_life(r) for r in ac], "persistence": pers}


def lens(X, names, w, vocab, eps, token, top=5):
    out = []
    for l, nm in enumerate(names):
        x = X[l, token]
        if "ln_final.w" in w:
            xn = (x - x.mean()) / np.sqrt(x.var() + eps) * w["ln_final.w"] + w.get("ln_final.b", 0)
        else:
            xn = x
        z = xn @ w["unembed.W_U"] + w.get("unembed.b_U", 0)
        lp = z - z.max() - np.log(np.exp(z - z.max()).sum())
        ids = np.argsort(-z, kind="stable")[:top]
        out.append({"layer": l, "name": nm, "entropy": float(-(np.exp(lp) * lp).sum()),
                    "top": [{"id": int(i), "probability": float(np.exp(lp[i])), "logit": float(z[i]),
                             **({"token": vocab[i]} if vocab else {})} for i in ids]})
    return {"token": {"index": token}, "ln_final": "ln_final.w" in w, "layers": out}


def reference(path, other=None, lens_token=None):
    X, names, final, P, w, vocab, eps = load(path)
    if final:
        X, names = X[:-1], names[:-1]
    T = X.shape[1]
    tok = min(3, T - 1)
    finite_tok = next(t for t in range(T) if np.isfinite(X[:, t]).all() and np.linalg.norm(X[1, t]) > 0)
    ref = {"file": os.path.relpath(path, ROOT),
           "trajectory": trajectory(X, names),
           "spectrum": {"options": {"top": 16, "centred": True}, **spectrum(X, names)},
           "spectrum_uncentred": {"options": {"top": 4, "centred": False}, **spectrum(X, names, 4, False)},
           "cka": cka(X),
           "equaliser": {"options": {"layer": 1, "token": finite_tok, "bands": 3, "normalize": True},
                         **equaliser(X, names, 1, finite_tok, 3, True)},
           "equaliser_dims": {"options": {"layer": 0, "token": finite_tok, "bands": 4, "normalize": False,
                                          "basis": "dims"},
                              **equaliser(X, names, 0, finite_tok, 4, False, "dims")},
           "project": project(X, names),
           "project_spherized": project(X, names, spherize=True)}
    if np.isfinite(X).all():
        ref["timescales"] = {"options": {"components": 4}, **timescales(X, names, P)}
        ref["project_axes"] = {"options": {"axes": [[0, tok, len(names) - 1]]},
                               **project(X, names, axes=[(0, tok, len(names) - 1)])}
    if "unembed.W_U" in w:
        lt = lens_token if lens_token is not None else tok
        ref["lens"] = {"options": {"token": lt, "top": 5}, **lens(X, names, w, vocab, eps, lt)}
    return ref


def main():
    os.makedirs(OUT, exist_ok=True)
    make_synth(os.path.join(GOOD, "analysis_synth.h5"), 2, 64, 48, 5, 20261124)
    make_synth(os.path.join(GOOD, "analysis_wide.h5"), 2, 12, 64, 4, 20261125)
    files = ["tl_batched_f32.h5", "hf_batched.h5", "tl_nonfinite.h5", "analysis_synth.h5", "analysis_wide.h5"]
    paths = [os.path.join(GOOD, f) for f in files]
    demo = os.path.join(ROOT, "resources", "demo", "demo.h5")
    if os.path.exists(demo):
        paths.append(demo)
    for p in paths:
        ref = reference(p)
        name = os.path.basename(p).replace(".h5", ".json")
        with open(os.path.join(OUT, name), "w") as fh:
            json.dump(ref, fh, indent=1)
        print("wrote", name)
    # Two dumps with the same tokens: the tl fixture against itself shifted (CKA across files).
    X, *_ = load(os.path.join(GOOD, "tl_batched_f32.h5"))
    Y, *_ = load(os.path.join(GOOD, "tl_bf16.h5"))
    with open(os.path.join(OUT, "cka_tl_f32_vs_bf16.json"), "w") as fh:
        json.dump(cka(X, Y), fh, indent=1)


if __name__ == "__main__":
    main()
