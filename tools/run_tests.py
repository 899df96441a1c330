"""Run every notebook with nbdev_test, then pytest files under tests/ if any; end with 'N passed, N failed'.

Each notebook counts as one test (nbdev runs it top to bottom and stops at the first failing cell);
each pytest test counts as one.
"""
import argparse, os, re, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

def run_notebooks(flags, timeout, n_workers):
    nbs = sorted(p for p in (ROOT/'nbs').rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts and not p.name.startswith('_'))
    cmd = ['timeout', str(timeout), str(BIN/'nbdev_test'), '--n_workers', str(n_workers), '--timing', '--do_print']
    if flags: cmd += ['--flags', flags]
    t0 = time.time()
    p = subprocess.run(cmd, cwd=ROOT, text=True, capture_output=True)
    sys.stdout.write(p.stdout); sys.stderr.write(p.stderr)
    failed = set()
    m = re.search(r"Tests Failed On The Following Notebooks:\n=+\n((?:\t.*\n?)+)", p.stderr)
    if m: failed = {l.strip() for l in m.group(1).splitlines() if l.strip()}
    if p.returncode == 124: print(f"nbdev_test timed out after {timeout}s"); failed |= {'<timeout>'}
    elif p.returncode != 0 and not failed: failed = {'<nbdev_test crashed>'}
    n_fail = len(failed)
    print(f"notebooks: {len(nbs)} run in {time.time()-t0:.0f}s, {n_fail} failed")
    return len(nbs) - min(n_fail, len(nbs)), n_fail

def run_pytest():
    tests = ROOT/'tests'
    if not tests.exists() or not list(tests.rglob('test_*.py')): return 0, 0
    p = subprocess.run([str(BIN/'python'), '-m', 'pytest', '-q', str(tests)], cwd=ROOT, text=True, capture_output=True)
    sys.stdout.write(p.stdout[-20000:]); sys.stderr.write(p.stderr[-5000:])
    get = lambda w: sum(int(n) for n in re.findall(rf"(\d+) {w}", p.stdout.splitlines()[-1] if p.stdout else ''))
    passed, failed = get('passed'), get('failed') + get('error')
    if p.returncode not in (0, 5) and failed == 0: failed = 1
    return passed, failed

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--flags', default='', help='nbdev test flags to run, e.g. "slow"')
    ap.add_argument('--timeout', type=int, default=2400)
    ap.add_argument('--n_workers', type=int, default=2)
    a = ap.parse_args()
    os.environ.setdefault('OMP_NUM_THREADS', '1'); os.environ['HF_HUB_OFFLINE'] = '1'
    np_, nf = run_notebooks(a.flags, a.timeout, a.n_workers)
    pp, pf = run_pytest()
    print(f"{np_ + pp} passed, {nf + pf} failed")
    return 1 if nf + pf else 0

if __name__ == '__main__': sys.exit(main())
