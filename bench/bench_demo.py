"""`lgsid demo`'s wall time per stage from a cold cache, on this CPU and on an emulated AVX2-only CPU.

Usage: HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_demo.py [--only native,avx2] [--out bench/results/demo.md]

Each case runs the packaged default config (`lgsid_nb/configs/default.toml`, `dtype = "auto"`) in a fresh process
with an empty embedding cache (`LGSID_CACHE` in a new temporary folder) and a new output folder, so nothing is
reused; the AVX2 case sets `ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2`, which is
how a CPU without AVX-512 and native bfloat16 runs (without the MKL cap, float32 matrix products keep MKL's AVX-512
kernels: `MKL_VERBOSE=1` names the instruction set; results/demo.md's AVX2 row was made before the cap was added). Recorded: seconds per stage (metrics.json), the process's wall time and peak memory
(`/usr/bin/time`-style, from `resource`), the precision `auto` chose, and the load average, since the machine may
be shared. The goal is 10 minutes of wall time for the whole demo on either CPU.
"""
from __future__ import annotations
import argparse, json, os, resource, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = {'native': {}, 'avx2': {'ATEN_CPU_CAPABILITY': 'avx2', 'ONEDNN_MAX_CPU_ISA': 'AVX2', 'MKL_ENABLE_INSTRUCTIONS': 'AVX2'}}
STAGES = ('data', 'embed', 'reward', 'align', 'tokenize', 'evaluate', 'figures', 'report')
sys.path.insert(0, str(Path(__file__).parent))
from bench_encoder import machine


def run_case(name, env_extra, keep):
    "Run the demo config cold in a child process; return its timings."
    tmp = Path(tempfile.mkdtemp(prefix=f'lgsid_bench_demo_{name}_'))
    env = {**os.environ, 'HF_HUB_OFFLINE': '1', 'TOKENIZERS_PARALLELISM': 'false', 'LGSID_CACHE': str(tmp/'cache'), **env_extra}
    out = (ROOT/'runs'/f'bench_demo_{name}') if keep else tmp/'run'
    cmd = [sys.executable, '-m', 'lgsid_nb.cli', 'run', '--config', str(ROOT/'lgsid_nb'/'configs'/'default.toml'), '--out', str(out), '--force', 'all']
    loads, t0 = [os.getloadavg()[0]], time.time()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in p.stdout:
        if line.startswith('['): print(f"  {name}: {line.rstrip()}", flush=True)
        loads.append(os.getloadavg()[0])
    rc = p.wait()
    wall = time.time() - t0
    if rc: raise SystemExit(f"{name}: the demo failed with exit {rc}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20  # GiB (ru_maxrss is KiB on Linux)
    m = json.loads((out/'metrics.json').read_text())
    envj = json.loads((out/'environment.json').read_text())
    return dict(wall=wall, peak_gib=peak, stages={s: m.get(f'time.{s}_s') for s in STAGES}, precision=envj['encoder_precision'],
                cpu=envj['cpu'], load_max=max(loads), load_mean=sum(loads)/len(loads),
                collisions={k.split('.')[1]: v for k, v in m.items() if k.startswith('tokens.') and k.endswith('.collision_rate')},
                t5=(m.get('geo.t@5.unaligned'), m.get('geo.t@5.aligned')), din=m.get('rec.discriminative.din.lgsid.auc'),
                hit10=m.get('rec.generative.lgsid.hit@10'))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--only', default='native,avx2')
    ap.add_argument('--keep', action='store_true', help='write the runs under runs/bench_demo_<case> instead of a temporary folder')
    ap.add_argument('--out', default=str(Path(__file__).parent/'results'/'demo.md'))
    a = ap.parse_args(argv)
    res = {}
    for name in a.only.split(','):
        print(f"=== {name}", flush=True)
        res[name] = run_case(name, CASES[name], a.keep)
    lines = ["# `lgsid demo` from a cold cache, per stage", "",
             f"Machine: {machine()}. Made by `bench/bench_demo.py`: the default config in a fresh process, empty embedding "
             "cache, `--force all`; the AVX2 row restricts torch and oneDNN to AVX2 kernels (an AVX2-only CPU without native bfloat16).", "",
             "| CPU | `auto` precision | " + " | ".join(STAGES) + " | stages total | process wall | peak GiB | load avg (mean / max) |",
             "| --- | --- | " + " | ".join('---:' for _ in STAGES) + " | ---: | ---: | ---: | ---: |"]
    for name, r in res.items():
        st = r['stages']
        tot = sum(v for v in st.values() if v)
        lines.append(f"| {name} ({r['cpu']['capability']}) | {r['precision']['dtype']} | " + " | ".join(f"{st[s]:.1f}" if st[s] is not None else '-' for s in STAGES)
                     + f" | {tot:.0f} s ({tot/60:.1f} min) | {r['wall']:.0f} s | {r['peak_gib']:.1f} | {r['load_mean']:.1f} / {r['load_max']:.1f} |")
    lines += ["", "Results of the same runs (one seed), to show the CPUs agree where they should:", "",
              "| CPU | T@5 unaligned -> aligned | DIN AUC LGSID | TIGER Hit@10 LGSID | collision rate before the policy |", "| --- | --- | ---: | ---: | --- |"]
    for name, r in res.items():
        col = ', '.join(f"{k} {v:.3f}" for k, v in r['collisions'].items())
        lines.append(f"| {name} | {r['t5'][0]:.3f} -> {r['t5'][1]:.3f} | {r['din']:.4f} | {r['hit10']:.4f} | {col} |")
    text = "\n".join(lines) + "\n"
    print(text)
    Path(a.out).write_text(text)
    Path(a.out).with_suffix('.json').write_text(json.dumps(res, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
