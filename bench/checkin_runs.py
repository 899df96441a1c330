"""The pipeline on a generated world in the exact Foursquare TSMC2014 format (venues without names) -> nbs/results/checkin_runs.json.

    OMP_NUM_THREADS=2 HF_HUB_OFFLINE=1 .venv/bin/python bench/checkin_runs.py [variant ...]

The world is `simulate.write_checkins` with its defaults (1,500 unnamed venues around real GeoNames neighbourhoods of
New York, 300 simulated users; the same file `lgsid data prepare --format foursquare` writes), fixed before any method
ran on it. Variants (the config `lgsid_nb/configs/foursquare_example.toml` with these overrides):
  plain            [data] enrich = "off", [tokenize.hgit] w_residual_location = 0   (the toolkit before issue 19)
  enriched         enrich = "auto" (enriches: most venues share their text), w_residual_location = 0
  enriched_fusion  enrich = "auto", w_residual_location = 1   (the example config)
Each finished variant is written to the JSON at once (the file can be read part way); runs go to runs/checkin_bench/.
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

def main(variants):
    res = load_json(OUT) if OUT.exists() else {'runs': {}}
    for name in variants:
        cfg, src = config(name)
        if not src.exists(): write_checkins(src, 'foursquare', seed=cfg.seed)
        t = time.time()
        m = run_pipeline(cfg, RUNS/('plain' if name == 'plain' else 'enriched'), verbose=True)
        res['runs'][name] = {'metrics': m, 'seconds': round(time.time() - t, 1), 'config': to_dict(cfg),
                             'provenance': load_json(RUNS/('plain' if name == 'plain' else 'enriched')/'provenance.json')}
        res.update(machine=cpu(), world={'file': 'simulate.write_checkins defaults (TSMC2014 format)', 'n_venues': 1500, 'n_users': 300, 'seed': cfg.seed},
                   note='items synthetic (unnamed venues at real GeoNames neighbourhoods of New York), check-ins SIMULATED')
        save_json(res, OUT)
        print(name, 'done in', round(time.time() - t), 's', flush=True)

if __name__ == '__main__': main(sys.argv[1:] or list(VARIANTS))
