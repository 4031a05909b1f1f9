#!/usr/bin/python3
"""Tests of packaging/python/eigenscope_export.py.

Runs the demo GPT of resources/demo/make_demo.py (weights loaded from resources/demo/demo.h5,
no training) on prompts, writes its activations with each exporter and checks that the files
open in `eigenscope-cli info --json` with the expected layout, shapes, dtypes and chunks, and
that `eigenscope-cli trajectory --per-token --json` gives the norms numpy computes from the
tensors they came from.  TransformerLens and `transformers` are not installed here: their
paths are driven with stand-ins of the same names and shapes (an ActivationCache-like object
with `cache_dict`, a HookedTransformer-like object with `cfg` and `state_dict()`, HF outputs
with `hidden_states`/`attentions` tuples, GPT-2 Conv1D and Llama Linear state dicts).

Needs Debian's /usr/bin/python3 (torch, h5py, numpy) and EIGENSCOPE_CLI = the built CLI.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest
import warnings

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import h5py
import numpy as np
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "packaging", "python"))
import eigenscope_export as ex  # noqa: E402

DEMO_H5 = os.path.join(ROOT, "resources", "demo", "demo.h5")
EXPORTER = os.path.join(ROOT, "packaging", "python", "eigenscope_export.py")
CLI = os.environ.get("EIGENSCOPE_CLI", "")
torch.set_num_threads(1)

md = ex.load_make_demo(os.path.join(ROOT, "resources", "demo", "make_demo.py"))
MODEL = ex.demo_model(md, DEMO_H5)
VOCAB = ex.demo_vocab(DEMO_H5)
INDEX = {w: i for i, w in enumerate(VOCAB)}
PROMPTS = md.PROMPTS[:3]
N = 16                                                       # positions kept per prompt
STR_TOKENS = [([md.BOS] + md.words(p))[:N] for p in PROMPTS]
IDS = torch.tensor([[INDEX[w] for w in row] for row in STR_TOKENS])
B, P, D, H, E, L = len(PROMPTS), N, md.D_MODEL, md.N_HEADS, md.D_HEAD, md.N_LAYERS


def run_demo(ids=IDS):
    cache = {}
    with torch.no_grad():
        logits = MODEL(ids, cache)
    return cache, logits


CACHE, LOGITS = run_demo()
TL_WEIGHTS = md.tl_weights(MODEL)


def assert_float16_close(got, expected, err_msg="", ulps=2, scale_rtol=1e-5):
    """Float16 values recomputed by torch on another machine agree to a few float16 ulp, not to the bit.

    torch computes in float32 with kernels chosen by the CPU (AVX2, AVX-512) and thread count, so a
    recomputed activation differs from the stored one by float32 rounding, ~1e-6 of the tensor's
    scale; the cast to float16 then lands on the same value or a neighbour (1 ulp = 2^-10 relative).
    Allowed: `ulps` float16 ulp of the value, plus `scale_rtol` of the tensor's largest magnitude
    for values near zero, where a float16 ulp is smaller than float32's rounding at the tensor's
    scale. Non-finite entries (masked scores) must match exactly.
    """
    got, expected = np.asarray(got), np.asarray(expected)
    np.testing.assert_equal(got.shape, expected.shape, err_msg=err_msg)
    np.testing.assert_array_equal(np.isfinite(got), np.isfinite(expected), err_msg=err_msg)
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(got[~finite], expected[~finite], err_msg=err_msg)
    g, e = got[finite].astype(np.float64), expected[finite].astype(np.float64)
    if e.size == 0:
        return
    ulp = np.spacing(np.maximum(np.abs(g), np.abs(e)).astype(np.float16)).astype(np.float64)
    allowed = ulps * ulp + scale_rtol * float(np.abs(e).max())
    worst = np.argmax(np.abs(g - e) - allowed)
    if np.abs(g - e)[worst] > allowed[worst]:
        raise AssertionError(f"{err_msg}: {np.count_nonzero(np.abs(g - e) > allowed)} of {e.size} values differ by "
                             f"more than {ulps} float16 ulp; worst {g[worst]!r} vs {e[worst]!r}")


def cli(*args, check=True):
    proc = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"eigenscope-cli {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return proc


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def info(path):
    return json.loads(cli("info", path, "--json").stdout)


def stream(j, name):
    found = [s for s in j["streams"] if s["name"] == name]
    assert found, f"no stream {name} in {[s['name'] for s in j['streams']]}"
    return found[0]


class Fake:
    """Stand-in for objects of libraries not installed here (attributes given as keywords)."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


class FakeTokenizer:
    def decode(self, ids):
        return "".join(VOCAB[i] for i in ids)


class Float16ToleranceCase(unittest.TestCase):
    """The recompute tolerance takes a neighbouring float16 but not a real difference."""

    def test_neighbours_pass_and_differences_fail(self):
        rng = np.random.default_rng(7)
        a = (rng.standard_normal((64, 32)) * 4).astype(np.float16)
        b = a.copy()
        b[0, 0] = np.nextafter(a[0, 0], np.float16(np.inf))     # one ulp
        b[1, 1] = np.nextafter(np.nextafter(a[1, 1], np.float16(0)), np.float16(0))  # two
        assert_float16_close(b, a, "neighbours")
        c = a.copy()
        c[2, 2] = a[2, 2] * np.float16(1.01)                     # ~10 ulp
        with self.assertRaises(AssertionError):
            assert_float16_close(c, a, "one value 1% off")
        d = a.copy()
        d[3, 3] = np.float16(np.inf)
        with self.assertRaises(AssertionError):
            assert_float16_close(d, a, "an inf where a finite value was")


class ExportCase(unittest.TestCase):
    def setUp(self):
        self.assertTrue(CLI and os.access(CLI, os.X_OK), "EIGENSCOPE_CLI must name the built eigenscope-cli")
        self.dir = tempfile.TemporaryDirectory(prefix="eigenscope-export-")
        self.addCleanup(self.dir.cleanup)

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def assert_no_temp_files(self):
        self.assertEqual([f for f in os.listdir(self.dir.name) if f.endswith(".tmp")], [])

    def assert_trajectory_norms(self, path, stream_name, states, extra=()):
        """`trajectory --per-token` norms == numpy norms of `states` [S, B, P, D] (float16 storage)."""
        j = json.loads(cli("trajectory", path, "--stream", stream_name, "--per-token", "--json",
                           *extra).stdout)
        states = np.asarray(states, dtype=np.float64)
        S = states.shape[0]
        expected = np.linalg.norm(states.reshape(S, -1, states.shape[-1]), axis=-1).T   # [T, S]
        self.assertEqual(j["tokens"], expected.shape[0])
        got = np.array([t["norm"] for t in sorted(j["per_token"], key=lambda t: t["token"])], dtype=np.float64)
        self.assertEqual(got.shape, expected.shape)
        np.testing.assert_allclose(got, expected, rtol=2e-3)
        return j


class TransformerLensTest(ExportCase):
    def fake_hooked_transformer(self):
        state = dict(TL_WEIGHTS)
        for l in range(L):                                   # buffers a HookedTransformer also has
            state[f"blocks.{l}.attn.mask"] = torch.ones(P, P, dtype=torch.bool).tril()
            state[f"blocks.{l}.attn.IGNORE"] = torch.tensor(-1e5)
        state = {k: torch.as_tensor(v) for k, v in state.items()}
        cfg = Fake(n_layers=L, n_heads=H, d_model=D, d_head=E, d_mlp=md.D_MLP, d_vocab=md.D_VOCAB,
                   n_ctx=md.N_CTX, act_fn="gelu", normalization_type="LN", model_name="demo",
                   fold_ln=False, center_writing_weights=True, center_unembed=True,
                   device="cpu", dtype=torch.float32)
        return Fake(cfg=cfg, state_dict=lambda: state, tokenizer=FakeTokenizer())

    def test_cache_weights_tokens(self):
        out = self.path("tl.h5")
        cache = Fake(cache_dict=CACHE)                       # ActivationCache keeps its dict here
        got = ex.save_transformerlens(out, cache, model=self.fake_hooked_transformer(), tokens=IDS,
                                      prompts=PROMPTS)
        self.assertEqual(got, out)
        self.assert_no_temp_files()
        with h5py.File(out, "r") as f:
            for name, t in CACHE.items():
                self.assertEqual(f[name].dtype, np.float16, name)
                np.testing.assert_allclose(f[name][()].astype(np.float32), t.numpy(), rtol=2e-3,
                                           atol=2e-3 * float(t.abs().max()), err_msg=name)
            self.assertEqual(f["blocks.0.hook_resid_post"].chunks, (1, P, D))
            self.assertEqual(f["blocks.0.attn.hook_q"].chunks, (1, P, H, E))
            self.assertEqual(f["blocks.0.attn.hook_pattern"].chunks, (1, 1, P, P))
            self.assertEqual(f["blocks.0.hook_resid_post"].compression, "gzip")
            for name, w in TL_WEIGHTS.items():
                self.assertEqual(f[name].dtype, np.float32)
                np.testing.assert_array_equal(f[name][()], w, err_msg=name)
            self.assertNotIn("blocks.0.attn.mask", f)
            self.assertNotIn("blocks.0.attn.IGNORE", f)
            self.assertEqual([[s.decode() for s in row] for row in f["tokens"][()]], STR_TOKENS)
            np.testing.assert_array_equal(f["token_ids"][()], IDS.numpy())
            self.assertEqual(bool(f.attrs["center_writing_weights"]), True)
            self.assertEqual(bool(f.attrs["fold_ln"]), False)
            self.assertEqual(int(f.attrs["n_layers"]), L)

        j = info(out)
        self.assertEqual(j["layout"], "transformerlens")
        self.assertEqual((j["n_layers"], j["n_heads"], j["d_model"], j["d_head"]), (L, H, D, E))
        self.assertEqual((j["tokens"], j["prompts"]), (B * P, B))
        self.assertEqual(j["token_preview"][:3], STR_TOKENS[0][:3])
        self.assertEqual(j["prompt_texts"], PROMPTS)
        resid = stream(j, "resid")
        self.assertEqual(resid["shape"], [L + 1, B, P, D])
        self.assertEqual(resid["dtype"], "float16")
        self.assertEqual(resid["chunks"], [1, P, D])
        self.assertEqual(stream(j, "attn.q")["shape"], [L, B, P, H * E])
        self.assertEqual(j["attention"][0]["shape"][0], L)
        self.assertIn("blocks.3.mlp.W_out", j["weights"])
        self.assertEqual(j["weight_shapes"]["blocks.0.attn.W_Q"], [H, D, E])
        self.assertEqual(j["attributes"]["center_unembed"].lower(), "true")
        self.assertEqual(j["nonfinite"], 0)

        states = [CACHE["blocks.0.hook_resid_pre"]] + [CACHE[f"blocks.{l}.hook_resid_post"] for l in range(L)]
        self.assert_trajectory_norms(out, "resid", np.stack([s.numpy() for s in states]))

    def test_reproduces_demo_file(self):
        """The demo weights and prompts give back demo.h5's activations."""
        out = self.path("again.h5")
        ids = torch.tensor([[INDEX[w] for w in [md.BOS] + md.words(p)] for p in md.PROMPTS])
        cache, _ = run_demo(ids)
        ex.save_transformerlens(out, cache, tokens=ids)
        with h5py.File(out, "r") as a, h5py.File(DEMO_H5, "r") as b:
            for name in cache:
                self.assertEqual(a[name].dtype, b[name].dtype, name)
                assert_float16_close(a[name][()], b[name][()], err_msg=name)

    def test_float32_and_unbatched(self):
        out = self.path("f32.h5")
        cache = {k: v[0] for k, v in CACHE.items()}           # remove_batch_dim=True style
        ex.save_transformerlens(out, cache, dtype="float32", tokens=STR_TOKENS[0])
        with h5py.File(out, "r") as f:
            np.testing.assert_array_equal(f["blocks.2.hook_resid_post"][()], cache["blocks.2.hook_resid_post"].numpy())
            self.assertEqual(f["blocks.2.hook_resid_post"].chunks, (P, D))
        j = info(out)
        self.assertEqual(stream(j, "resid")["dtype"], "float32")
        self.assertEqual(stream(j, "resid")["shape"], [L + 1, 1, P, D])
        self.assertEqual(j["tokens"], P)

    def test_float16_overflow_switches_to_float32(self):
        out = self.path("big.h5")
        cache = {f"blocks.{l}.hook_resid_post": torch.randn(2, 5, 8) for l in range(2)}
        cache["blocks.1.hook_resid_post"][0, 0, 0] = 1e6
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ex.save_transformerlens(out, cache)
        self.assertTrue(any("float16" in str(w.message) for w in caught))
        with h5py.File(out, "r") as f:
            self.assertEqual(f["blocks.0.hook_resid_post"].dtype, np.float32)
            self.assertEqual(float(f["blocks.1.hook_resid_post"][0, 0, 0]), 1e6)

    def test_long_sequences_chunk_256_tokens(self):
        out = self.path("long.h5")
        cache = {"blocks.0.hook_resid_post": torch.randn(2, 600, 8),
                 "blocks.0.attn.hook_pattern": torch.rand(2, 2, 600, 600)}
        ex.save_transformerlens(out, cache)
        with h5py.File(out, "r") as f:
            self.assertEqual(f["blocks.0.hook_resid_post"].chunks, (1, 256, 8))
            self.assertEqual(f["blocks.0.attn.hook_pattern"].chunks, (1, 1, 256, 600))
        self.assertEqual(stream(info(out), "resid_post")["shape"], [1, 2, 600, 8])


class HuggingFaceTest(ExportCase):
    def hf_outputs(self):
        hidden = (CACHE["blocks.0.hook_resid_pre"],) + tuple(
            CACHE[f"blocks.{l}.hook_resid_post"] for l in range(L - 1)) + (CACHE["ln_final.hook_normalized"],)
        attns = tuple(CACHE[f"blocks.{l}.attn.hook_pattern"] for l in range(L))
        return Fake(logits=LOGITS, hidden_states=hidden, attentions=attns), hidden

    def gpt2_state(self):
        """The demo model's weights as GPT2LMHeadModel names and Conv1D [in, out] shapes."""
        sd = {"transformer.wte.weight": MODEL.embed.weight, "transformer.wpe.weight": MODEL.pos_embed.weight,
              "transformer.ln_f.weight": MODEL.ln_final.weight, "transformer.ln_f.bias": MODEL.ln_final.bias,
              "lm_head.weight": MODEL.unembed.weight}
        for l, blk in enumerate(MODEL.blocks):
            p = f"transformer.h.{l}."
            sd.update({p + "ln_1.weight": blk.ln1.weight, p + "ln_1.bias": blk.ln1.bias,
                       p + "ln_2.weight": blk.ln2.weight, p + "ln_2.bias": blk.ln2.bias,
                       p + "attn.c_attn.weight": blk.attn.qkv.weight.T, p + "attn.c_attn.bias": blk.attn.qkv.bias,
                       p + "attn.c_proj.weight": blk.attn.out.weight.T, p + "attn.c_proj.bias": blk.attn.out.bias,
                       p + "mlp.c_fc.weight": blk.fc_in.weight.T, p + "mlp.c_fc.bias": blk.fc_in.bias,
                       p + "mlp.c_proj.weight": blk.fc_out.weight.T, p + "mlp.c_proj.bias": blk.fc_out.bias,
                       p + "attn.bias": torch.ones(1, 1, md.N_CTX, md.N_CTX, dtype=torch.bool).tril()})
        return {k: v.detach().clone() for k, v in sd.items()}

    def test_outputs_tokens_gpt2_weights(self):
        out = self.path("hf.h5")
        outputs, hidden = self.hf_outputs()
        config = Fake(n_head=H, n_layer=L, n_embd=D, vocab_size=md.D_VOCAB, n_positions=md.N_CTX,
                      n_inner=None, model_type="gpt2", _name_or_path="demo-as-gpt2")
        model = Fake(config=config, state_dict=self.gpt2_state)
        ex.save_hf(out, outputs, IDS, tokenizer=FakeTokenizer(), model=model)
        self.assert_no_temp_files()
        with h5py.File(out, "r") as f:
            hs = f["hidden_states"]
            self.assertEqual(hs.shape, (L + 1, B, P, D))
            self.assertEqual(hs.chunks, (1, 1, P, D))
            self.assertTrue(bool(hs.attrs["final_norm_applied"]))
            np.testing.assert_allclose(hs[()].astype(np.float32), torch.stack(hidden).numpy(), rtol=2e-3, atol=5e-3)
            self.assertEqual(f["attentions"].shape, (L, B, H, P, P))
            self.assertEqual(f["attentions"].chunks, (1, 1, 1, P, P))
            np.testing.assert_array_equal(f["input_ids"][()], IDS.numpy())
            self.assertEqual([[s.decode() for s in row] for row in f["tokens"][()]], STR_TOKENS)
            for name, w in TL_WEIGHTS.items():                 # Conv1D -> TransformerLens exactly
                if name == "unembed.b_U":
                    continue                                   # GPT-2 has no unembedding bias
                np.testing.assert_array_equal(f[name][()], w, err_msg=name)
            self.assertEqual(int(f.attrs["d_mlp"]), md.D_MLP)
            self.assertEqual(int(f.attrs["d_head"]), E)
        j = info(out)
        self.assertEqual(j["layout"], "huggingface")
        self.assertEqual((j["n_layers"], j["n_heads"], j["d_model"], j["d_mlp"]), (L, H, D, md.D_MLP))
        hs = stream(j, "hidden_states")
        self.assertEqual(hs["shape"], [L + 1, B, P, D])
        self.assertTrue(hs["last_is_final_norm"])
        self.assertEqual(j["attention"][0]["shape"], [L, B, H, P, P])
        self.assertEqual(j["token_preview"][:3], STR_TOKENS[0][:3])
        self.assertEqual(j["weight_shapes"]["blocks.1.attn.W_O"], [H, E, D])
        self.assert_trajectory_norms(out, "hidden_states", torch.stack(hidden).numpy(),
                                     extra=("--include-final-norm",))

    def test_llama_weights(self):
        """Llama-style Linear [out, in] names -> TransformerLens; checked against the demo model's
        own TransformerLens weights (q/k/v/o) and by recomputing projections (gate/up/down)."""
        torch.manual_seed(1)
        d_mlp = 96
        sd = {"model.embed_tokens.weight": MODEL.embed.weight.detach(), "model.norm.weight": torch.rand(D),
              "lm_head.weight": torch.randn(md.D_VOCAB, D)}
        for l, blk in enumerate(MODEL.blocks):
            p = f"model.layers.{l}."
            q, k, v = blk.attn.qkv.weight.detach().split(H * E)
            sd.update({p + "self_attn.q_proj.weight": q, p + "self_attn.k_proj.weight": k,
                       p + "self_attn.v_proj.weight": v, p + "self_attn.o_proj.weight": blk.attn.out.weight.detach(),
                       p + "self_attn.rotary_emb.inv_freq": torch.rand(E // 2),
                       p + "mlp.gate_proj.weight": torch.randn(d_mlp, D), p + "mlp.up_proj.weight": torch.randn(d_mlp, D),
                       p + "mlp.down_proj.weight": torch.randn(D, d_mlp),
                       p + "input_layernorm.weight": torch.rand(D), p + "post_attention_layernorm.weight": torch.rand(D)})
        w = ex.hf_to_transformerlens(sd, Fake(num_attention_heads=H, num_key_value_heads=H))
        for l in range(L):
            for n in ("W_Q", "W_K", "W_V", "W_O"):
                np.testing.assert_array_equal(w[f"blocks.{l}.attn.{n}"], TL_WEIGHTS[f"blocks.{l}.attn.{n}"])
        x = torch.randn(5, D)
        p = "model.layers.2.mlp."
        ref = (torch.nn.functional.silu(x @ sd[p + "gate_proj.weight"].T) * (x @ sd[p + "up_proj.weight"].T)) \
            @ sd[p + "down_proj.weight"].T
        xn = x.numpy()
        mine = (torch.nn.functional.silu(torch.from_numpy(xn @ w["blocks.2.mlp.W_gate"])).numpy()
                * (xn @ w["blocks.2.mlp.W_in"])) @ w["blocks.2.mlp.W_out"]
        np.testing.assert_allclose(mine, ref.numpy(), rtol=1e-4, atol=1e-5 * float(ref.abs().max()))
        np.testing.assert_array_equal(w["unembed.W_U"], sd["lm_head.weight"].numpy().T)
        np.testing.assert_array_equal(w["ln_final.w"], sd["model.norm.weight"].numpy())
        self.assertNotIn("blocks.0.attn._W_K", w)

    def test_llama_grouped_query(self):
        torch.manual_seed(2)
        Hq, Hkv, Eh, Dm = 8, 2, 16, 64
        sd = {"model.embed_tokens.weight": torch.randn(50, Dm), "model.norm.weight": torch.rand(Dm)}
        for l in range(2):
            p = f"model.layers.{l}."
            sd.update({p + "self_attn.q_proj.weight": torch.randn(Hq * Eh, Dm),
                       p + "self_attn.k_proj.weight": torch.randn(Hkv * Eh, Dm),
                       p + "self_attn.v_proj.weight": torch.randn(Hkv * Eh, Dm),
                       p + "self_attn.o_proj.weight": torch.randn(Dm, Hq * Eh),
                       p + "mlp.gate_proj.weight": torch.randn(32, Dm), p + "mlp.up_proj.weight": torch.randn(32, Dm),
                       p + "mlp.down_proj.weight": torch.randn(Dm, 32),
                       p + "input_layernorm.weight": torch.rand(Dm), p + "post_attention_layernorm.weight": torch.rand(Dm)})
        w = ex.hf_to_transformerlens(sd, {"num_attention_heads": Hq, "num_key_value_heads": Hkv})
        self.assertEqual(w["blocks.1.attn.W_Q"].shape, (Hq, Dm, Eh))
        self.assertEqual(w["blocks.1.attn._W_K"].shape, (Hkv, Dm, Eh))
        self.assertEqual(w["blocks.1.attn._W_V"].shape, (Hkv, Dm, Eh))
        self.assertEqual(w["blocks.1.attn.W_O"].shape, (Hq, Eh, Dm))
        self.assertNotIn("blocks.1.attn.W_K", w)
        self.assertEqual(w["unembed.W_U"].shape, (Dm, 50))               # tied embedding
        x = torch.randn(7, Dm)
        p = "model.layers.1.self_attn."
        k_ref = (x @ sd[p + "k_proj.weight"].T).reshape(7, Hkv, Eh).numpy()
        np.testing.assert_allclose(np.einsum("pd,hde->phe", x.numpy(), w["blocks.1.attn._W_K"]), k_ref,
                                   rtol=1e-4, atol=1e-4)
        q_ref = (x @ sd[p + "q_proj.weight"].T).reshape(7, Hq, Eh).numpy()
        np.testing.assert_allclose(np.einsum("pd,hde->phe", x.numpy(), w["blocks.1.attn.W_Q"]), q_ref,
                                   rtol=1e-4, atol=1e-4)
        z = torch.randn(7, Hq, Eh)
        o_ref = (z.reshape(7, Hq * Eh) @ sd[p + "o_proj.weight"].T).numpy()
        np.testing.assert_allclose(np.einsum("phe,hed->pd", z.numpy(), w["blocks.1.attn.W_O"]), o_ref,
                                   rtol=1e-4, atol=1e-4)
        # and the file: the reader takes n_kv_heads from _W_K
        out = self.path("gqa.h5")
        hidden = tuple(torch.randn(1, 4, Dm) for _ in range(3))
        ex.save_hf(out, {"hidden_states": hidden}, torch.arange(4), model=sd,
                   config={"num_attention_heads": Hq, "num_key_value_heads": Hkv, "model_type": "llama"})
        j = info(out)
        self.assertEqual((j["n_heads"], j["n_kv_heads"], j["n_layers"]), (Hq, Hkv, 2))
        self.assertEqual(j["weight_shapes"]["blocks.0.attn._W_K"], [Hkv, Dm, Eh])

    def test_unknown_architecture_is_a_clear_error(self):
        with self.assertRaisesRegex(ValueError, "GPT-2 style"):
            ex.save_hf(self.path("x.h5"), {"hidden_states": (torch.randn(2, 4),) * 2}, torch.arange(2),
                       model={"gpt_neox.layers.0.attention.query_key_value.weight": torch.randn(12, 4)},
                       config={"num_attention_heads": 2})
        self.assertEqual(os.listdir(self.dir.name), [])


class TorchHooksTest(ExportCase):
    def test_hooks_on_demo_model(self):
        out = self.path("hooks.h5")
        modules = {"blocks.0.hook_resid_pre": "blocks.0:input",   # the embedding sum entering block 0
                   "resid_post": "blocks",                       # ModuleList -> blocks.{l}.hook_resid_post
                   "blocks.{l}.hook_mlp_out": "blocks.{l}.fc_out",
                   "blocks.{l}.hook_attn_out": [f"blocks.{l}.attn" for l in range(L)],
                   "hook_embed": "embed"}
        plan = ex.hook_plan(MODEL, modules)
        self.assertIn(("blocks.3.hook_resid_post", "blocks.3"), [(a, b) for a, b, _ in plan])
        ex.save_torch_hooks(out, MODEL, IDS, modules, dtype="float32")
        self.assert_no_temp_files()
        with h5py.File(out, "r") as f:
            for name in ["blocks.0.hook_resid_pre", "hook_embed"] + [
                    f"blocks.{l}.hook_{h}" for l in range(L) for h in ("resid_post", "mlp_out", "attn_out")]:
                np.testing.assert_allclose(f[name][()], CACHE[name].numpy(), rtol=1e-6, atol=1e-6, err_msg=name)
            np.testing.assert_array_equal(f["token_ids"][()], IDS.numpy())
        j = info(out)
        self.assertEqual(j["layout"], "transformerlens")
        self.assertEqual(stream(j, "resid")["shape"], [L + 1, B, P, D])
        self.assertEqual(stream(j, "mlp_out")["shape"], [L, B, P, D])
        self.assertEqual(stream(j, "embed")["shape"], [1, B, P, D])
        states = [CACHE["blocks.0.hook_resid_pre"]] + [CACHE[f"blocks.{l}.hook_resid_post"] for l in range(L)]
        self.assert_trajectory_norms(out, "resid", np.stack([s.numpy() for s in states]))

    def test_tuple_outputs_and_keyword_inputs(self):
        class Block(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = torch.nn.Linear(8, 8)

            def forward(self, x):
                return (x + self.lin(x), None)                   # HF blocks return tuples

        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = torch.nn.Embedding(20, 8)
                self.layers = torch.nn.Sequential(Block(), Block(), Block())

            def forward(self, input_ids):
                x = self.emb(input_ids)
                for blk in self.layers:
                    x = blk(x)[0]
                return x

        torch.manual_seed(3)
        net = Net()
        ids = torch.randint(0, 20, (2, 5))
        out = self.path("net.h5")
        ex.save_torch_hooks(out, net, {"input_ids": ids},
                            {"blocks.0.hook_resid_pre": "emb", "blocks.{l}.hook_resid_post": "layers"})
        with torch.no_grad():
            final = net(ids).numpy()
        with h5py.File(out, "r") as f:
            self.assertEqual(sorted(k for k in f if k.startswith("blocks.")),
                             ["blocks.0.hook_resid_post", "blocks.0.hook_resid_pre",
                              "blocks.1.hook_resid_post", "blocks.2.hook_resid_post"])
            np.testing.assert_allclose(f["blocks.2.hook_resid_post"][()].astype(np.float32), final,
                                       rtol=2e-3, atol=2e-3)
        self.assertEqual(stream(info(out), "resid")["layers"], 4)
        with self.assertRaisesRegex(KeyError, "no module named 'nope'"):
            ex.save_torch_hooks(self.path("bad.h5"), net, ids, {"x": "nope"})
        with self.assertRaisesRegex(ValueError, r"shape \(2, 5, 1, 8\)"):      # [B,P,1,D]: not a stream
            ex.save_torch_hooks(self.path("4d.h5"), net, ids.unsqueeze(-1), {"blocks.0.hook_x": "emb"})
        self.assert_no_temp_files()
        self.assertFalse(os.path.exists(self.path("4d.h5")))


class FileHandlingTest(ExportCase):
    def test_refuses_to_overwrite_and_replaces_atomically(self):
        out = self.path("run.h5")
        ex.save_transformerlens(out, {"blocks.0.hook_resid_post": torch.ones(1, 3, 4)})
        before = read_bytes(out)
        with self.assertRaises(FileExistsError):
            ex.save_transformerlens(out, {"blocks.0.hook_resid_post": torch.zeros(1, 3, 4)})
        self.assertEqual(read_bytes(out), before)
        ex.save_transformerlens(out, {"blocks.0.hook_resid_post": torch.full((1, 3, 4), 2.0)}, overwrite=True)
        with h5py.File(out, "r") as f:
            self.assertEqual(float(f["blocks.0.hook_resid_post"][0, 0, 0]), 2.0)
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o666 & ~ex._umask())
        self.assert_no_temp_files()

    def test_failure_leaves_nothing_behind(self):
        out = self.path("fail.h5")
        with self.assertRaises(ValueError):
            ex.save_transformerlens(out, {"blocks.0.hook_resid_post": torch.ones(1, 3, 4)},
                                    tokens=[["a", "b", "c"], ["d", "e"]])
        self.assertEqual(os.listdir(self.dir.name), [])

    def test_command_line(self):
        py = sys.executable
        help_ = subprocess.run([py, EXPORTER, "--help"], capture_output=True, text=True, timeout=60)
        self.assertEqual(help_.returncode, 0)
        self.assertIn("convert", help_.stdout)
        self.assertIn("demo", help_.stdout)

        pt = self.path("dump.pt")
        torch.save({"cache": {k: v for k, v in CACHE.items() if "hook_resid" in k},
                    "state_dict": {k: torch.from_numpy(v) for k, v in TL_WEIGHTS.items()},
                    "tokens": STR_TOKENS, "token_ids": IDS}, pt)
        out = self.path("converted.h5")
        r = subprocess.run([py, EXPORTER, "convert", pt, out], capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        j = info(out)
        self.assertEqual(j["layout"], "transformerlens")
        self.assertEqual(stream(j, "resid")["shape"], [L + 1, B, P, D])
        self.assertEqual(j["token_preview"][:2], STR_TOKENS[0][:2])
        self.assertIn("unembed.W_U", j["weights"])
        again = subprocess.run([py, EXPORTER, "convert", pt, out], capture_output=True, text=True, timeout=120)
        self.assertEqual(again.returncode, 2)
        self.assertIn("exists", again.stderr)

        hf_pt = self.path("hf.pt")
        torch.save({"hidden_states": [CACHE["blocks.0.hook_resid_pre"]] +
                    [CACHE[f"blocks.{l}.hook_resid_post"] for l in range(L)], "input_ids": IDS}, hf_pt)
        out2 = self.path("hf.h5")
        r = subprocess.run([py, EXPORTER, "convert", hf_pt, out2, "--dtype", "float32"],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        j = info(out2)
        self.assertEqual(j["layout"], "huggingface")
        self.assertEqual(stream(j, "hidden_states")["dtype"], "float32")

        out3 = self.path("demo_run.h5")
        r = subprocess.run([py, EXPORTER, "demo", out3, "--prompt", "the king is old .",
                            "--prompt", "the queen is young .", "--random-init", "7"],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        j = info(out3)
        self.assertEqual((j["layout"], j["n_layers"], j["prompts"], j["tokens"]), ("transformerlens", L, 2, 12))
        self.assertEqual(j["token_preview"][:3], ["<bos>", "the", "king"])
        self.assertEqual(j["vocabulary"], md.D_VOCAB)


if __name__ == "__main__":
    unittest.main(verbosity=2)
