"""`make bench`: every benchmark, each against its peer in the same run, then the demo's wall time per stage.

- encoder: lgsid_nb `Encoder.encode` vs sentence-transformers `encode` (same model, same texts) -> items/s ratio
- quantizers: our residual quantizers vs faiss ResidualQuantizer / k-means on the same embeddings -> time/memory ratios
- beam: trie-constrained beam search vs unconstrained beam search on the same model -> users/s ratio
- demo: per-stage seconds of `runs/demo/metrics.json` (run `make demo` first)
- demo-cold (not in the default list, ~16 minutes): the demo from a cold cache on this CPU and under AVX2 emulation
  (`bench/bench_demo.py` -> bench/results/demo.md)

`--quick` shrinks the quantizer benchmark (100k rows instead of 1M) for a smoke run.
Each script writes its markdown report under bench/results/ with the machine described.
"""
import argparse, json, os, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

def run(name, args):
    print(f"\n=== {name}: {' '.join(args)}", flush=True)
    t0 = time.time()
    rc = subprocess.run([PY, *args], cwd=ROOT).returncode
    print(f"=== {name}: exit {rc} in {time.time()-t0:.0f}s", flush=True)
    return rc

def demo_times(path=ROOT/'runs'/'demo'/'metrics.json'):
    if not path.exists(): print(f"\n=== demo: no {path.relative_to(ROOT)} (run `make demo` first)"); return 0
    m = json.loads(path.read_text())
    print("\n=== demo wall time per stage (from runs/demo/metrics.json)")
    for k, v in m.items():
        if k.startswith('time.') and v is not None: print(f"{k[5:-2]:>10}: {v:8.1f} s")
    tot = m.get('time.total_s')
    if tot: print(f"demo total {tot:.0f} s = {tot/600:.2f} x the 10-minute goal")
    return 0

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--only', default='encoder,quantizers,beam,demo')
    a = ap.parse_args()
    os.environ.setdefault('OMP_NUM_THREADS', '2'); os.environ['HF_HUB_OFFLINE'] = '1'
    only, rc = set(a.only.split(',')), 0
    if 'encoder' in only: rc |= run('encoder', ['bench/bench_encoder.py'])
    if 'quantizers' in only: rc |= run('quantizers', ['bench/bench_quantizers.py'] + (['--n', '100000'] if a.quick else []))
    if 'beam' in only: rc |= run('beam', ['bench/bench_beam.py'])
    if 'demo' in only: rc |= demo_times()
    if 'demo-cold' in only: rc |= run('demo-cold', ['bench/bench_demo.py'])
    return rc

if __name__ == '__main__': sys.exit(main())
