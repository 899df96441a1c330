"""The pipeline on a generated world in the exact Foursquare TSMC2014 format (venues without names) -> nbs/results/checkin_runs.json.

    OMP_NUM_THREADS=2 HF_HUB_OFFLINE=1 .venv/bin/python bench/checkin_runs.py [variant ...]

The world is `simulate.write_checkins` with its defaults (1,500 unnamed venues around real GeoNames neighbourhoods of
New York, 300 simulated users; the same file `lgsid data prepare --format foursquare` writes), fixed before any method
ran on it. Variants (the config `lgsid_nb/configs/foursquare_example.toml` with these overrides):
  plain            [data] enrich = "off", [tokenize.hgit] w_residual_location = 0   (the toolkit before issue 19)
  enriched         enrich = "auto" (enriches: most venues share their text), w_residual_location = 0
  enriched_fusion  enrich = "auto", w_residual_location = 1   (the example config)
Each finished variant is written to the JSON at once (the file can be read part way); runs go to runs/checkin_bench/.

    ... checkin_runs.py parts    # -> nbs/results/checkin_text_parts.json

adds the enriched text's parts one at a time (`enrich.ENRICHED_CONTENT[:k]`) and records, for each, the share of venues
sharing their content text and the reward model's held-out NDCG@5 (the config's [reward] settings and encoder).
"""
import dataclasses, os, platform, sys, time
from pathlib import Path
import torch

torch.set_num_threads(int(os.environ.get('OMP_NUM_THREADS', '2')))
from lgsid_nb.core import load_json, save_json, from_dict, to_dict
from lgsid_nb.simulate import write_checkins
from lgsid_nb.pipeline import RunConfig, load_config, default_config_path, run_pipeline

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT/'nbs'/'results'/'checkin_runs.json'
RUNS = ROOT/'runs'/'checkin_bench'
VARIANTS = {'plain': dict(enrich='off', w=0.0), 'enriched': dict(enrich='auto', w=0.0), 'enriched_fusion': dict(enrich='auto', w=1.0)}

def cpu():
    flags = set()
    try: flags = set(next(l for l in open('/proc/cpuinfo') if l.startswith('flags')).split(':')[1].split())
    except (OSError, StopIteration): pass
    model = next((l.split(':')[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.machine())
    return {'model': model, 'cores': os.cpu_count(), 'threads': torch.get_num_threads(),
            'flags': sorted(flags & {'avx2', 'avx512f', 'avx512_bf16', 'amx_bf16'})}

def config(variant):
    cfg = load_config(Path(default_config_path()).parent/'foursquare_example.toml', RunConfig)
    v = VARIANTS[variant]
    src = RUNS/'tsmc2014_example.txt'
    data = dataclasses.replace(cfg.data, source=str(src), enrich=v['enrich'])
    hgit = dataclasses.replace(cfg.tokenize.hgit, w_residual_location=v['w'])
    return dataclasses.replace(cfg, data=data, tokenize=dataclasses.replace(cfg.tokenize, hgit=hgit)), src

def parts():
    "Content uniqueness and reward-model quality as the enriched text gains one part at a time."
    from lgsid_nb.data import add_texts
    from lgsid_nb.formats import load_foursquare, text_duplicates
    from lgsid_nb.enrich import enrich_items, ENRICHED_CONTENT
    from lgsid_nb.encoders import get_encoder
    from lgsid_nb.reward import fit_reward
    cfg, src = config('enriched')
    if not src.exists(): write_checkins(src, 'foursquare', seed=cfg.seed)
    ds = load_foursquare(src)
    items = enrich_items(ds.items, ds.interactions, cfg.data.enrichment)
    enc, rows = get_encoder(cfg.encoder), []
    for k in range(1, len(ENRICHED_CONTENT) + 1):
        tpl = dataclasses.replace(cfg.data.texts, content=ENRICHED_CONTENT[:k])
        it = add_texts(items, tpl)
        t = time.time()
        rep = fit_reward(it, dataclasses.replace(cfg.reward, encoder=cfg.encoder), encoder=enc).report
        rows.append({'parts': list(ENRICHED_CONTENT[:k]), **{f'data.{a}': b for a, b in text_duplicates(it, tpl).items()},
                     'heldout_lists': rep['heldout_lists'], 'heldout_items': rep['heldout_items'], 'seconds': round(time.time() - t, 1)})
        save_json({'rows': rows, 'machine': cpu(), 'world': 'simulate.write_checkins defaults (TSMC2014 format), seed 0',
                   'note': 'items synthetic, check-ins SIMULATED'}, OUT.parent/'checkin_text_parts.json')
        print(k, ENRICHED_CONTENT[k-1], rows[-1]['data.dup_content_share'], rep['heldout_lists']['ndcg@5'], flush=True)

def main(variants):
    res = load_json(OUT) if OUT.exists() else {'runs': {}}
    for name in variants:
        cfg, src = config(name)
        if not src.exists(): write_checkins(src, 'foursquare', seed=cfg.seed)
        t, out = time.time(), RUNS/('plain' if name == 'plain' else 'enriched')  # the fusion variant reuses enriched's stages
        m = run_pipeline(cfg, out, verbose=True)
        res['runs'][name] = {'metrics': m, 'seconds': round(time.time() - t, 1), 'config': to_dict(cfg),
                             'provenance': load_json(out/'provenance.json')}
        res.update(machine=cpu(), world={'file': 'simulate.write_checkins defaults (TSMC2014 format)', 'n_venues': 1500, 'n_users': 300, 'seed': cfg.seed},
                   note='items synthetic (unnamed venues at real GeoNames neighbourhoods of New York), check-ins SIMULATED')
        save_json(res, OUT)
        print(name, 'done in', round(time.time() - t), 's', flush=True)

if __name__ == '__main__':
    args = sys.argv[1:]
    if args == ['parts']: parts()
    else: main(args or list(VARIANTS))
