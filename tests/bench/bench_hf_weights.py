#!/usr/bin/python3
"""A Hugging Face checkpoint read natively against the same model in HDF5, in the same run.

    bench_hf_weights.py [--layers 32] [--vocab 128256] [--reps 2] [--dir DIR] [--cli PATH]
                        [--keep] [--json]

Writes (once) a Llama-shaped BF16 model, 32 heads, 8 key/value heads, D = 4096, d_head = 128,
vocabulary 128256, untied lm_head, in two forms holding the same bits:
  DIR/hf/   config.json + model-0000k-of-00004.safetensors + model.safetensors.index.json
            (q/k/v/o_proj [out, in], tensors spread over 4 shards as transformers does)
  DIR/tl.h5 the TransformerLens names and shapes (W_Q [H, D, d_head], W_U [D, V], ...), BF16
            stored as uint16 with dtype = "bfloat16", contiguous
The MLP is 4096 x 128 instead of 4096 x 14336 (disk and time on a shared 2-core machine): head
circuits do not read it, and the 2-D spectra below are led by the 128256 x 4096 matrices.

Then, interleaved HF / HDF5 for --reps repetitions, `eigenscope-cli --no-isolation`:
  heads:   weights PATH --csv --heads        every head's QK and OV spectrum with alpha
  vocab:   weights PATH --json --matrix embed.W_E, then --matrix unembed.W_U
           (W_U is lm_head [V, D] read transposed)
and reports median wall and CPU seconds (user + system: steadier on a loaded machine), peak RSS
(/usr/bin/time %M) and the HF / HDF5 ratios, and checks that both forms give the same numbers. A figure, never a pass/fail test (docs/PERFORMANCE.md).
"""
import argparse
import csv
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import h5py
import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
H, KV, D, DH, DM = 32, 8, 4096, 128, 128


def bf16_bits(rng, shape, scale):
    a = rng.standard_normal(shape, dtype=np.float32) * np.float32(scale)
    bits = a.view(np.uint32)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


def write_models(out, L, V):
    hf_dir, h5_path = os.path.join(out, "hf"), os.path.join(out, "tl.h5")
    if os.path.exists(os.path.join(hf_dir, "model.safetensors.index.json")) and os.path.exists(h5_path):
        return hf_dir, h5_path
    shutil.rmtree(hf_dir, ignore_errors=True)
    os.makedirs(hf_dir)
    rng = np.random.default_rng(19)
    # Tensors in the order transformers writes them, dealt to 4 shards of about equal size.
    names = ["model.embed_tokens.weight"]
    for l in range(L):
        p = f"model.layers.{l}."
        names += [p + n + ".weight" for n in ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                                              "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj",
                                              "mlp.down_proj", "input_layernorm",
                                              "post_attention_layernorm")]
    names += ["model.norm.weight", "lm_head.weight"]

    def shape(n):
        if "embed_tokens" in n or "lm_head" in n:
            return (V, D)
        if "q_proj" in n:
            return (H * DH, D)
        if "k_proj" in n or "v_proj" in n:
            return (KV * DH, D)
        if "o_proj" in n:
            return (D, H * DH)
        if "gate_proj" in n or "up_proj" in n:
            return (DM, D)
        if "down_proj" in n:
            return (D, DM)
        return (D,)

    sizes = [int(np.prod(shape(n))) * 2 for n in names]
    total, shard_of, acc = sum(sizes), {}, 0
    for n, s in zip(names, sizes):
        shard_of[n] = min(3, acc * 4 // total)
        acc += s
    files = [f"model-{k + 1:05d}-of-00004.safetensors" for k in range(4)]
    headers = [{"__metadata__": {"format": "pt"}} for _ in range(4)]
    offsets = [0, 0, 0, 0]
    for n, s in zip(names, sizes):
        k = shard_of[n]
        headers[k][n] = {"dtype": "BF16", "shape": list(shape(n)), "data_offsets": [offsets[k], offsets[k] + s]}
        offsets[k] += s
    handles = []
    for k in range(4):
        text = json.dumps(headers[k], separators=(",", ":")).encode()
        text += b" " * (-len(text) % 8)
        f = open(os.path.join(hf_dir, files[k]), "wb")
        f.write(np.uint64(len(text)).astype("<u8").tobytes())
        f.write(text)
        handles.append(f)
    tmp = h5_path + ".part"
    with h5py.File(tmp, "w") as h5:
        h5.attrs["generator"] = "tests/bench/bench_hf_weights.py"

        def h5put(name, bits):
            d = h5.create_dataset(name, data=bits)
            d.attrs["dtype"] = "bfloat16"

        for n in names:
            s = shape(n)
            scale = 1.0 if len(s) == 1 else 1 / np.sqrt(s[1])
            bits = bf16_bits(rng, s, scale)
            handles[shard_of[n]].write(bits.astype("<u2").tobytes())
            if n == "model.embed_tokens.weight":
                h5put("embed.W_E", bits)
            elif n == "lm_head.weight":
                h5put("unembed.W_U", np.ascontiguousarray(bits.T))
            elif n == "model.norm.weight":
                h5put("ln_final.w", bits)
            else:
                l = int(n.split(".")[2])
                b = f"blocks.{l}."
                if "q_proj" in n:
                    h5put(b + "attn.W_Q", np.ascontiguousarray(bits.reshape(H, DH, D).transpose(0, 2, 1)))
                elif "k_proj" in n:
                    h5put(b + "attn._W_K", np.ascontiguousarray(bits.reshape(KV, DH, D).transpose(0, 2, 1)))
                elif "v_proj" in n:
                    h5put(b + "attn._W_V", np.ascontiguousarray(bits.reshape(KV, DH, D).transpose(0, 2, 1)))
                elif "o_proj" in n:
                    h5put(b + "attn.W_O", np.ascontiguousarray(bits.T.reshape(H, DH, D)))
                elif "gate_proj" in n:
                    h5put(b + "mlp.W_gate", np.ascontiguousarray(bits.T))
                elif "up_proj" in n:
                    h5put(b + "mlp.W_in", np.ascontiguousarray(bits.T))
                elif "down_proj" in n:
                    h5put(b + "mlp.W_out", np.ascontiguousarray(bits.T))
                elif "input_layernorm" in n:
                    h5put(b + "ln1.w", bits)
                else:
                    h5put(b + "ln2.w", bits)
            del bits
    for f in handles:
        f.close()
    with open(os.path.join(hf_dir, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": {n: files[shard_of[n]] for n in names}}, f)
    with open(os.path.join(hf_dir, "config.json"), "w") as f:
        json.dump({"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": D,
                   "num_hidden_layers": L, "num_attention_heads": H, "num_key_value_heads": KV,
                   "head_dim": DH, "intermediate_size": DM, "vocab_size": V,
                   "max_position_embeddings": 8192, "rms_norm_eps": 1e-5, "torch_dtype": "bfloat16",
                   "tie_word_embeddings": False}, f, indent=2)
    os.replace(tmp, h5_path)
    return hf_dir, h5_path


def run(cli, args):
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", cli] + args + ["--no-isolation"],
                       capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"{' '.join(args)}: exit {p.returncode}: {p.stderr}")
    kb, user, system = p.stderr.strip().splitlines()[-1].split()
    return seconds, float(user) + float(system), int(kb) / 1024, p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layers", type=int, default=32)
    ap.add_argument("--vocab", type=int, default=128256)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--dir", default=os.environ.get("EIGENSCOPE_BENCH_DIR", "/var/tmp/eigenscope-bench"))
    ap.add_argument("--cli", default=os.path.join(ROOT, "build/app/eigenscope-cli"))
    ap.add_argument("--only", choices=["heads", "vocab"], default=None)
    ap.add_argument("--keep", action="store_true", help="keep the written models")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    out = os.path.join(a.dir, f"hf_llama_{a.layers}L_{a.vocab}V")
    os.makedirs(out, exist_ok=True)
    t0 = time.perf_counter()
    hf_dir, h5_path = write_models(out, a.layers, a.vocab)
    print(f"models in {out} ({time.perf_counter() - t0:.0f} s to write)", file=sys.stderr)
    tasks = {"heads": [["weights", "{}", "--csv", "--heads"]],
             "vocab": [["weights", "{}", "--json", "--matrix", "embed.W_E"],
                       ["weights", "{}", "--json", "--matrix", "unembed.W_U"]]}
    result = {"layers": a.layers, "heads": H, "kv_heads": KV, "d_model": D, "d_head": DH,
              "vocab": a.vocab, "dtype": "bf16", "shards": 4}
    for task, commands in tasks.items():
        if a.only and task != a.only:
            continue
        times = {"hf": [], "h5": []}
        cpu = {"hf": [], "h5": []}
        rss = {"hf": 0.0, "h5": 0.0}
        outputs = {}
        for rep in range(a.reps):
            for form, path in (("hf", hf_dir), ("h5", h5_path)) if rep % 2 == 0 else (("h5", h5_path), ("hf", hf_dir)):
                total = cpu_total = 0.0
                texts = []
                for c in commands:
                    s, c_s, m, text = run(a.cli, [x.format(path) for x in c])
                    total += s
                    cpu_total += c_s
                    rss[form] = max(rss[form], m)
                    texts.append(text)
                times[form].append(total)
                cpu[form].append(cpu_total)
                outputs[form] = texts
                print(f"{task} rep {rep} {form}: {total:.1f} s ({cpu_total:.1f} s CPU), "
                      f"peak {rss[form]:.0f} MB", file=sys.stderr)
        # The same numbers from both forms.
        worst = 0.0
        if task == "heads":
            rows = [list(csv.DictReader(io.StringIO(outputs[f][0]))) for f in ("hf", "h5")]
            assert len(rows[0]) == len(rows[1])
            for x, y in zip(*rows):
                for k in x:
                    try:
                        u, v = float(x[k]), float(y[k])
                    except ValueError:
                        continue
                    worst = max(worst, abs(u - v) / max(abs(v), 1e-12))
            result["heads_circuits"] = len(rows[0])
        else:
            for i in range(len(commands)):
                js = [json.loads(outputs[f][i]) for f in ("hf", "h5")]
                for mx, my in zip(js[0]["matrices"], js[1]["matrices"]):
                    sx, sy = np.array(mx["singular_values"]), np.array(my["singular_values"])
                    worst = max(worst, float(np.max(np.abs(sx - sy)) / sy[0]))
        hf_s, h5_s = statistics.median(times["hf"]), statistics.median(times["h5"])
        hf_c, h5_c = statistics.median(cpu["hf"]), statistics.median(cpu["h5"])
        result[task] = {"hf_s": round(hf_s, 2), "h5_s": round(h5_s, 2), "ratio_hf_over_h5": round(hf_s / h5_s, 3),
                        "hf_cpu_s": round(hf_c, 2), "h5_cpu_s": round(h5_c, 2),
                        "cpu_ratio_hf_over_h5": round(hf_c / h5_c, 3),
                        "load_average": os.getloadavg()[0],
                        "hf_peak_rss_mb": round(rss["hf"]), "h5_peak_rss_mb": round(rss["h5"]),
                        "max_rel_diff": worst}
    if not a.keep:
        shutil.rmtree(out)
    print(json.dumps(result, indent=None if a.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
