#!/usr/bin/env python
"""Copy the parts of a finished run folder that the analyst's tour reads into a small folder that can be committed.

    python tools/snapshot_run.py runs/demo nbs/results/demo_run [--note "written by make demo at commit abc1234"]

The snapshot is the run folder's own layout, minus what the tour does not read (report.html, maps, model weights,
interactions, the work folder): metrics.json, provenance.json, config.json, environment.json, items.parquet,
sids/*.parquet, and the base and aligned embeddings stored as float16 (half the size; the tour's five nearest
neighbours are the same as with float32 on the demo run, checked below on every 7th item). A `snapshot.json` says
where it came from (source folder, date, note). `nbs/tour_analyst.ipynb` reads it when no other run is given.
"""
from __future__ import annotations
import argparse, datetime, json, shutil, sys
from pathlib import Path
import numpy as np

FILES = ['metrics.json', 'provenance.json', 'config.json', 'environment.json', 'items.parquet']
EMB = ['stages/embed/embeddings_base.npz', 'stages/align/embeddings_aligned.npz']

def _top(X, i, k=5):
    X = X.astype(np.float32); X = X / np.linalg.norm(X, axis=1, keepdims=True)
    s = X @ X[i]; s[i] = -np.inf
    return set(np.argsort(-s, kind='stable')[:k])

def snapshot(src, dst, note=''):
    "Write the snapshot of run folder `src` to `dst`; returns the list of written files."
    src, dst = Path(src), Path(dst)
    if not (src/'metrics.json').exists(): sys.exit(f'{src}: not a finished run (no metrics.json)')
    if dst.exists(): shutil.rmtree(dst)
    (dst/'sids').mkdir(parents=True)
    out = []
    for f in FILES: shutil.copy(src/f, dst/f); out.append(dst/f)
    for p in sorted((src/'sids').glob('*.parquet')): shutil.copy(p, dst/'sids'/p.name); out.append(dst/'sids'/p.name)
    for e in EMB:
        with np.load(src/e, allow_pickle=False) as z: X, ids = z['embeddings'], z['item_ids']
        h = X.astype(np.float16)
        same = all(_top(X, i) == _top(h, i) for i in range(0, len(X), 7))
        if not same: print(f'  note: float16 changes some 5-NN lists of {e}')
        (dst/e).parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(dst/e, embeddings=h, item_ids=ids); out.append(dst/e)
    meta = {'source': str(src), 'written': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
            'note': note, 'embeddings': 'float16 copies of the run\'s float32 embeddings'}
    (dst/'snapshot.json').write_text(json.dumps(meta, indent=1) + '\n'); out.append(dst/'snapshot.json')
    return out

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('src'); ap.add_argument('dst'); ap.add_argument('--note', default='')
    a = ap.parse_args(argv)
    out = snapshot(a.src, a.dst, a.note)
    print(f'{a.dst}: {len(out)} files, {sum(p.stat().st_size for p in out) / 1e6:.2f} MB')

if __name__ == '__main__': sys.exit(main())
