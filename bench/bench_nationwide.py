"""The pipeline at catalogue scale (issue 13): `lgsid run` on the nationwide world at 10k / 30k / 100k places, each in a
fresh process with an empty embedding cache, the stage table (seconds, peak memory) and the cost curve.

    python bench/bench_nationwide.py [--sizes 10000,30000,100000] [--out bench/results/nationwide]

Sizes other than the two shipped configs (nationwide_quick.toml = 10,000 places / 5,000 users, nationwide.toml =
100,000 / 50,000) use the quick config with places and users scaled together (users = places / 2) and the full
config's codebook sizes from 50,000 places up. Every budget (reward lists, G-DPO steps, recommender training caps) is
the config's, so the curve shows how each stage grows with places at fixed budgets. Writes <out>.json and <out>.md
with the machine (CPU model and flags). Other heavy processes on the machine distort the timings: stop them first.
"""
import argparse, json, os, platform, re, subprocess, sys, tempfile, time, tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = ('data', 'embed', 'reward', 'align', 'tokenize', 'evaluate', 'figures', 'report')

def machine():
    "CPU model, logical CPUs, the flags that matter for torch's kernels, RAM."
    info = Path('/proc/cpuinfo').read_text() if Path('/proc/cpuinfo').exists() else ''
    model = re.search(r'model name\s*:\s*(.*)', info)
    flags = set(re.search(r'flags\s*:\s*(.*)', info).group(1).split()) if 'flags' in info else set()
    keep = sorted(f for f in flags if f.startswith(('avx', 'amx')) or f in ('fma', 'f16c'))
    mem = re.search(r'MemTotal:\s*(\d+)', Path('/proc/meminfo').read_text()) if Path('/proc/meminfo').exists() else None
    return dict(cpu=model.group(1) if model else platform.processor(), logical_cpus=os.cpu_count(), flags=keep,
                ram_gib=round(int(mem.group(1)) / 2**20, 1) if mem else None, python=platform.python_version())

def config_for(n:int, work:Path)->Path:
    "The shipped config for 10k / 100k places, else the quick one scaled to `n` places (users = n / 2)."
    if n == 10_000: return ROOT/'lgsid_nb'/'configs'/'nationwide_quick.toml'
    if n == 100_000: return ROOT/'lgsid_nb'/'configs'/'nationwide.toml'
    src = (ROOT/'lgsid_nb'/'configs'/('nationwide.toml' if n >= 50_000 else 'nationwide_quick.toml')).read_text()
    src = re.sub(r'n_places = \d+', f'n_places = {n}', src)
    src = re.sub(r'n_users = \d+', f'n_users = {n // 2}', src)
    src = re.sub(r'seeds = \[[^\]]*\]', 'seeds = [0]', src)
    p = work/f'nationwide_{n}.toml'
    p.write_text(src)
    return p

def run_one(n:int, work:Path)->dict:
    "One cold `lgsid run`: per-stage seconds and peak GB from metrics.json, the process's wall time and peak RSS."
    cfg, out, cache = config_for(n, work), work/f'run_{n}', work/f'cache_{n}'
    env = dict(os.environ, LGSID_CACHE=str(cache), HF_HUB_OFFLINE='1', TRANSFORMERS_OFFLINE='1')
    cmd = ['/usr/bin/time', '-v', sys.executable, '-m', 'lgsid_nb.cli', 'run', '--config', str(cfg), '--out', str(out)]
    print(f"=== {n:,} places: {' '.join(cmd[2:])}", flush=True)
    t0 = time.time()
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.time() - t0
    if p.returncode: raise SystemExit(f"run at {n} places failed (exit {p.returncode}):\n{p.stderr[-3000:]}")
    rss = re.search(r'Maximum resident set size \(kbytes\): (\d+)', p.stderr)
    m = json.loads((out/'metrics.json').read_text())
    return dict(places=n, users=m.get('data.n_users'), checkins=m.get('data.n_interactions'), config=str(cfg.relative_to(ROOT) if cfg.is_relative_to(ROOT) else cfg.name),
                seconds={s: m.get(f'time.{s}_s') for s in STAGES}, peak_gb={s: m.get(f'memory.{s}_peak_gb') for s in STAGES},
                total_s=m.get('time.total_s'), wall_s=round(wall, 1), process_peak_gb=round(int(rss.group(1)) / 1e6, 2) if rss else None)

TARGETS = {10_000: (600, None), 100_000: (90 * 60, 8.0)}  # issue 13: quick <= 10 min; full <= 90 min wall and <= 8 GB peak

def _verdict(r):
    "The issue's target for this size, met or missed ('' for sizes without one)."
    t = TARGETS.get(r['places'])
    if not t: return ''
    ok = r['wall_s'] <= t[0] and (t[1] is None or r['process_peak_gb'] <= t[1])
    want = f"<= {t[0] / 60:.0f} min" + (f", <= {t[1]:g} GB" if t[1] else '')
    return f"{'met' if ok else 'MISSED'} ({want})"

def markdown(res:dict)->str:
    mc = res['machine']
    head = ['places', 'users', 'check-ins', *STAGES, 'total', 'wall', 'peak GB', 'target']
    runs = sorted(res['runs'], key=lambda r: r['places'])
    rows = [[f"{r['places']:,}", f"{r['users']:,}", f"{r['checkins']:,}", *[f"{r['seconds'][s]:.0f}" if r['seconds'][s] is not None else '-' for s in STAGES],
             f"{r['total_s']:.0f} s ({r['total_s'] / 60:.1f} min)", f"{r['wall_s']:.0f} s", f"{r['process_peak_gb']:.1f}", _verdict(r)] for r in runs]
    t = ['| ' + ' | '.join(head) + ' |', '|' + ' ---: |' * len(head)] + ['| ' + ' | '.join(r) + ' |' for r in rows]
    mem = ['| places | ' + ' | '.join(STAGES) + ' |', '|' + ' ---: |' * (len(STAGES) + 1)]
    mem += ['| ' + ' | '.join([f"{r['places']:,}", *[f"{r['peak_gb'][s]:.1f}" if r['peak_gb'][s] is not None else '-' for s in STAGES]]) + ' |' for r in runs]
    grow = []
    if len(runs) > 1:
        a, b = runs[0], runs[-1]
        f = b['places'] / a['places']
        for s in STAGES:
            if a['seconds'][s] and b['seconds'][s]: grow.append(f"{s} x{b['seconds'][s] / a['seconds'][s]:.1f}")
        grow = [f"From {a['places']:,} to {b['places']:,} places (x{f:.0f}), each stage's seconds grew: " + ', '.join(grow) + '.']
    cfgs = [f"- {r['places']:,} places: `{r['config']}`" for r in runs]
    return '\n'.join([f"# The pipeline on the nationwide world: stage table and cost curve", '',
                      f"Machine: {mc['cpu']}, {mc['logical_cpus']} logical CPUs ({', '.join(mc['flags'])}), {mc['ram_gib']} GiB RAM, Python {mc['python']}. "
                      f"Made by `bench/bench_nationwide.py` on {res['date']}: each size a cold `lgsid run` in a fresh process with an empty embedding cache. "
                      "Seconds per stage from metrics.json; peak GB = the process's peak resident memory (/usr/bin/time). Budgets are the configs' (fixed across sizes).",
                      '', *t, '', "The process's peak resident memory so far, read at the end of each stage (GB, `memory.<stage>_peak_gb`):", '', *mem, '', *grow, '', 'Configs:', *cfgs, ''])

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--sizes', default='10000,30000,100000')
    ap.add_argument('--out', default=str(ROOT/'bench'/'results'/'nationwide'))
    ap.add_argument('--work', default='')
    a = ap.parse_args()
    work = Path(a.work or tempfile.mkdtemp(prefix='lgsid_nationwide_'))
    work.mkdir(parents=True, exist_ok=True)
    res = dict(machine=machine(), date=time.strftime('%Y-%m-%d'), runs=[])
    for n in [int(s) for s in a.sizes.split(',')]:
        res['runs'].append(run_one(n, work))
        Path(a.out + '.json').write_text(json.dumps(res, indent=1))
        Path(a.out + '.md').write_text(markdown(res))
        print(markdown(res), flush=True)
    print(f"runs kept under {work}")

if __name__ == '__main__': main()
