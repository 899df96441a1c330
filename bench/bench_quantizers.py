"""Benchmark: fit + transform of residual quantizers on synthetic float32 embeddings (default 1,000,000 x 384).

Ours (lgsid_nb.baselines.RQKMeans with the faiss and the scikit-learn k-means engine, lgsid_nb.tokenize.HGIT)
against faiss's own ResidualQuantizer (greedy, beam 1, and optionally faiss's default beam 5) and a plain
faiss.Kmeans residual loop over the full data, on the same data in the same run. Each method runs in its own
subprocess (so peak memory is its own: ru_maxrss, which includes the 1.5 GB of data); the data is regenerated
from the same seed in each. Prints a table and ratios to the fastest peer and writes a markdown report.

    OMP_NUM_THREADS=2 .venv/bin/python bench/bench_quantizers.py                  # the real run (~several minutes)
    OMP_NUM_THREADS=2 .venv/bin/python bench/bench_quantizers.py --n 20000 --out '' # smoke run, no report
"""
import argparse, json, os, platform, resource, subprocess, sys, time
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OURS = ('rqkmeans_faiss', 'rqkmeans_sklearn', 'hgit')
PEERS = ('faiss_rq_beam1', 'faiss_kmeans_loop', 'faiss_rq_beam5')
DEFAULT_METHODS = 'rqkmeans_faiss,hgit,faiss_kmeans_loop,faiss_rq_beam1'

def make_data(n, d, seed=0, n_centres=1024):
    "Gaussian blobs: n x d float32, built in chunks so generation needs no second full-size array."
    rng = np.random.default_rng(seed)
    C = rng.standard_normal((n_centres, d), dtype=np.float32)
    X = np.empty((n, d), np.float32)
    for s in range(0, n, 65536):
        m = min(65536, n - s)
        X[s:s+m] = C[rng.integers(n_centres, size=m)] + 0.5*rng.standard_normal((m, d), dtype=np.float32)
    return X

def make_items(n, seed=0):
    "A synthetic ItemTable for HGIT (lat/lon around Helsinki, 16 districts, 20 categories, 20% branded)."
    import pandas as pd
    rng = np.random.default_rng(seed + 1)
    dist = rng.integers(16, size=n)
    return pd.DataFrame(dict(item_id=np.char.add('i', np.arange(n).astype(str)),
        lat=60.10 + 0.02*(dist % 4) + rng.normal(0, 0.005, n), lon=24.80 + 0.04*(dist // 4) + rng.normal(0, 0.01, n),
        district=np.char.add('D', dist.astype(str)), category_l1=np.char.add('c', rng.integers(20, size=n).astype(str)),
        brand=np.where(rng.random(n) < 0.2, np.char.add('b', rng.integers(500, size=n).astype(str)), '')))

def maxrss_mb(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
def cpu_s():
    "User + system CPU seconds of this process, all threads (robust to other jobs sharing the cores)."
    r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime

def worker(method, n, d, k, levels, seed):
    "Run one method; print one JSON line."
    X = make_data(n, d, seed)
    items = make_items(n, seed) if method == 'hgit' else None
    import faiss
    from lgsid_nb.baselines import RQKMeans
    from lgsid_nb.tokenize import HGIT
    data_mb = maxrss_mb()   # data + libraries, before any fitting
    t0, c0 = time.perf_counter(), cpu_s()
    if method.startswith('rqkmeans'):
        tok = RQKMeans(sizes=(k,)*levels, backend=method.split('_')[1], seed=seed).fit(X)
        t1, c1 = time.perf_counter(), cpu_s(); codes = tok.transform(X)
    elif method == 'hgit':
        tok = HGIT(n_primary=k, residual_sizes=(k,)*(levels-1), steps=100, seed=seed, primary_n_init=1, kmeans_backend='faiss').fit(X, items)
        t1, c1 = time.perf_counter(), cpu_s(); codes = tok.transform(X, items)
    elif method.startswith('faiss_rq'):
        rq = faiss.ResidualQuantizer(d, levels, int(np.log2(k)))
        rq.max_beam_size = int(method[-1])
        rq.train(X); t1, c1 = time.perf_counter(), cpu_s()
        codes = rq.compute_codes(X)   # packed bytes [n, code_size]; rq.decode maps them back
    elif method == 'faiss_kmeans_loop':
        R, cbs = X.copy(), []
        for l in range(levels):
            km = faiss.Kmeans(d, k, niter=20, seed=seed + l, verbose=False)
            km.train(R); _, I = km.index.search(R, 1); R -= km.centroids[I[:, 0]]; cbs.append(km.centroids)
        t1, c1 = time.perf_counter(), cpu_s()
        # transform: what a user of this loop runs on new data (here the same data)
        R, out = X.copy(), []
        for C in cbs:
            idx = faiss.IndexFlatL2(d); idx.add(C); _, I = idx.search(R, 1); R -= C[I[:, 0]]; out.append(I[:, 0])
        codes = np.stack(out, 1)
    else: raise SystemExit(f'unknown method {method}')
    t2, c2 = time.perf_counter(), cpu_s()
    # quality on a fixed sample: relative reconstruction error of the codes
    s = np.random.default_rng(0).choice(n, min(n, 20000), replace=False)
    if method.startswith('faiss_rq'): rec = rq.decode(codes[s])
    elif method == 'faiss_kmeans_loop': rec = sum(C[codes[s, l]] for l, C in enumerate(cbs))
    else: rec = tok.reconstruct(codes[s], None if items is None else items.iloc[s])
    rel = float(((X[s] - rec)**2).sum() / ((X[s] - X[s].mean(0))**2).sum())
    print(json.dumps(dict(method=method, fit_s=t1-t0, transform_s=t2-t1, total_s=t2-t0, cpu_fit_s=c1-c0, cpu_transform_s=c2-c1, maxrss_mb=maxrss_mb(),
                          data_mb=data_mb, recon_rel_error=rel)), flush=True)

def machine():
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
    mem = next((int(l.split()[1])//1024**2 for l in open('/proc/meminfo') if l.startswith('MemTotal')), 0)
    import faiss, sklearn, torch
    return (f"{cpu}, {os.cpu_count()} cores visible, {mem} GiB RAM, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}; "
            f"python {platform.python_version()}, numpy {np.__version__}, faiss {faiss.__version__}, scikit-learn {sklearn.__version__}, torch {torch.__version__}")

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n', type=int, default=1_000_000); ap.add_argument('--d', type=int, default=384)
    ap.add_argument('--k', type=int, default=256, help='codes per level'); ap.add_argument('--levels', type=int, default=3)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--methods', default=DEFAULT_METHODS, help=f'comma list of {OURS + PEERS}')
    ap.add_argument('--timeout', type=int, default=600, help='seconds per method')
    ap.add_argument('--out', default=str(ROOT/'bench'/'results'/'quantizers.md'), help="markdown report ('' = none)")
    ap.add_argument('--worker', help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker: return worker(a.worker, a.n, a.d, a.k, a.levels, a.seed)
    rows, load0 = [], os.getloadavg()
    for m in a.methods.split(','):
        cmd = [sys.executable, __file__, '--worker', m, '--n', str(a.n), '--d', str(a.d), '--k', str(a.k), '--levels', str(a.levels), '--seed', str(a.seed)]
        try: p = subprocess.run(cmd, capture_output=True, text=True, timeout=a.timeout)
        except subprocess.TimeoutExpired: rows.append(dict(method=m, error=f'timeout {a.timeout}s')); print(m, 'timeout'); report(rows, a, load0); continue
        line = [l for l in p.stdout.splitlines() if l.startswith('{')]
        if p.returncode or not line: rows.append(dict(method=m, error=(p.stderr.strip().splitlines() or ['?'])[-1][:200])); print(m, 'failed:', rows[-1]['error']); report(rows, a, load0); continue
        rows.append(json.loads(line[-1])); print(json.dumps(rows[-1]), flush=True)
        report(rows, a, load0)

def report(rows, a, load0):
    ok = [r for r in rows if 'error' not in r]
    peers = [r for r in ok if r['method'] in PEERS]
    best = min(peers, key=lambda r: r['total_s']) if peers else None
    head = f"| method | ours? | fit s | transform s | total s | x fastest peer ({best['method'] if best else '-'}) | peak RSS MB | RSS before fit MB (data + libraries) | recon rel. error |"
    lines = [head, '|' + ' --- |'*9]
    for r in rows:
        if 'error' in r: lines.append(f"| {r['method']} | {'yes' if r['method'] in OURS else 'peer'} | {r['error']} |||||||"); continue
        ratio = f"{r['total_s']/best['total_s']:.2f}" if best else '-'
        lines.append(f"| {r['method']} | {'yes' if r['method'] in OURS else 'peer'} | {r['fit_s']:.1f} | {r['transform_s']:.1f} | {r['total_s']:.1f} | {ratio} | {r['maxrss_mb']:.0f} | {r['data_mb']:.0f} | {r['recon_rel_error']:.3f} |")
    table = '\n'.join(lines)
    print(table)
    if a.out:
        from lgsid_nb.core import atomic_path
        txt = (f"# Quantizer benchmark\n\nfit + transform of {a.n:,} x {a.d} synthetic float32 embeddings (1,024 Gaussian blobs, "
               f"noise 0.5), {a.levels} levels x {a.k} codes, seed {a.seed}, run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n\n"
               f"Machine: {machine()}.\n\nCommand: `OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '')} .venv/bin/python bench/bench_quantizers.py "
               f"--n {a.n} --methods {a.methods}`\n\nLoad average (1, 5, 15 min) at start {tuple(round(x, 1) for x in load0)}, "
               f"at end {tuple(round(x, 1) for x in os.getloadavg())} (other developers' jobs share the 2 cores).\n\n{table}\n\n"
               "Ratios are total (fit + transform) seconds divided by the fastest peer's. Peak RSS is the subprocess's ru_maxrss and includes "
               "the data itself (1,465 MB at 1M x 384) and the imported libraries. recon rel. error = sum ||x - x_hat||^2 / sum ||x - mean||^2 on 20,000 sampled rows.\n")
        with atomic_path(a.out) as tmp: tmp.write_text(txt)
        print('wrote', a.out)

if __name__ == '__main__': main()
