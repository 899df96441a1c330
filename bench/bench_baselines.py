"""Co-visitation at catalogue scale: `covisit_recommend` (each user's followers plus the k most popular other places)
against the dense computation it replaced (every place scored for every user, then a stable top k), on a saved run's
check-ins (default: the nationwide world's data stage), the same test users, the lists checked equal.

    python bench/bench_baselines.py RUN_DIR [--users 2000]

The dense peer scores `--users` test users (its cost is per user), the new one every test user; the ratio is per user.
Writes bench/results/baselines.json and prints the machine (CPU flags included).
"""
import argparse, json, sys, time
from pathlib import Path
import numpy as np, pandas as pd
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT/'bench'))
from bench_nationwide import machine
from lgsid_nb.generative import gen_data, covisitation, covisit_recommend
from lgsid_nb.metrics import topk_rows

def dense(C, pop, hist, window=3, decay=0.7, k=10, chunk=256):
    "The replaced computation: every place scored for every user (tie + decayed counts), a stable top k."
    L, tie = (hist >= 0).sum(1), np.log(np.asarray(pop, 'float64') + 1) * 1e-6
    out = []
    for i in range(0, len(hist), chunk):
        h, l = hist[i:i+chunk], L[i:i+chunk]
        s = np.tile(tie, (len(h), 1))
        for m in range(1, window + 1):
            ok = np.flatnonzero(l >= m)
            if len(ok): s[ok] += decay ** (m - 1) * C[h[ok, l[ok] - m]].toarray()
        out.append(topk_rows(s, k))
    return np.concatenate(out)

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('run'); ap.add_argument('--users', type=int, default=2000)
    a = ap.parse_args()
    d = Path(a.run)/'stages'/'data'
    items, inter = pd.read_parquet(d/'items.parquet'), pd.read_parquet(d/'interactions.parquet')
    data = gen_data(inter, items, 10)
    tr, te = data['train'], data['test']
    pop, C = np.bincount(tr.target, minlength=len(items)), covisitation(tr, len(items), 3)
    t0 = time.time(); new = covisit_recommend(C, pop, te.hist); t_new = time.time() - t0
    sub = np.random.default_rng(0).choice(len(te.hist), min(a.users, len(te.hist)), replace=False)
    t0 = time.time(); old = dense(C, pop, te.hist[sub]); t_old = time.time() - t0
    assert (old == new[sub]).all(), 'lists differ'
    per_new, per_old = t_new / len(te.hist), t_old / len(sub)
    res = dict(machine=machine(), date=time.strftime('%Y-%m-%d'), run=str(a.run), places=len(items), test_users=len(te.hist),
               sparse_s=round(t_new, 2), dense_users=len(sub), dense_s=round(t_old, 2), ms_per_user_sparse=round(1e3 * per_new, 3),
               ms_per_user_dense=round(1e3 * per_old, 3), speedup=round(per_old / per_new, 1), lists_equal=True)
    (ROOT/'bench'/'results'/'baselines.json').write_text(json.dumps(res, indent=1))
    print(json.dumps(res, indent=1))
    print(f"co-visitation at {len(items):,} places: {1e3 * per_new:.2f} ms a user (followers + k) vs {1e3 * per_old:.2f} ms (dense): x{per_old / per_new:.0f}; same lists")

if __name__ == '__main__': main()
