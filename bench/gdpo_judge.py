"""Issue 15 item 5: a candidate G-DPO setting judged by the recommenders, not by T@5.

    OMP_NUM_THREADS=2 HF_HUB_OFFLINE=1 .venv/bin/python bench/gdpo_judge.py NAME '{"beta": 0.5}' [--world default|nationwide_quick|synthetic] [--config TOML] [--out JSON]

Runs the pipeline on the world's packaged config (or `--config`) with the given [gdpo] fields changed, three
recommender seeds, DIN on every tokenizer (as the evaluate stage does) and TIGER (the config's fixed size) on LGSID and
LGSID-unaligned only, and records what decides a default: T@5 and category agreement before and after, whether the
align stage kept G-DPO (its guards may discard it), and LGSID minus LGSID-unaligned with the paired bootstrap 95%
interval over test users for DIN's user AUC and TIGER's Hit@10 / NDCG@10. One record per NAME and world in
nbs/results/gdpo_judge.json (replaced when re-run); the run folder is runs/judge_<world>_<NAME> (its stages are cached,
so a re-run with the same settings only re-reads them). Pass '{}' as the control: today's defaults.
"""
import argparse, dataclasses, datetime, json, os, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
from lgsid_nb.core import from_dict, load_json, save_json, to_dict
from lgsid_nb.gdpo import GDPOConfig
from lgsid_nb.pipeline import RunConfig, default_config_path, environment, load_config, run_pipeline

OUT = ROOT/'nbs'/'results'/'gdpo_judge.json'
KEEP = ('geo.t@5.', 'geo.category_agreement@5.', 'geo.semantic_similarity', 'align.', 'reward_model.heldout_items.ndcg@5', 'time.align_s', 'time.evaluate_s')

def judge_config(path, over:dict, seeds=(0, 1, 2))->RunConfig:
    "The world's config with [gdpo] fields `over` changed, `seeds`, TIGER on LGSID and LGSID-unaligned only, no SASRec."
    cfg = load_config(path, RunConfig)
    cfg.gdpo = from_dict(GDPOConfig, {**to_dict(cfg.gdpo), **over}, 'gdpo_judge overrides')
    cfg.evaluation = dataclasses.replace(cfg.evaluation, seeds=tuple(seeds), generative_tokenizers=('lgsid_unaligned', 'lgsid'), sasrec_tokenizers=())
    return cfg

def verdict(m:dict)->dict:
    "What the record keeps of a run's flat metrics: the KEEP prefixes, LGSID's DIN/TIGER numbers and aligned-minus-unaligned intervals."
    keep = {k: v for k, v in m.items() if k.startswith(KEEP) or 'lgsid_minus_lgsid_unaligned' in k}
    for t in ('lgsid', 'lgsid_unaligned'):
        keep |= {k: m[k] for k in (f'rec.discriminative.din.{t}.auc', f'rec.discriminative.din.{t}.gauc', f'rec.generative.{t}.hit@10', f'rec.generative.{t}.ndcg@10') if k in m}
    return keep

def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('name'); ap.add_argument('overrides', type=json.loads, help="[gdpo] fields as JSON, '{}' for today's defaults")
    ap.add_argument('--world', default='default', help='default | nationwide_quick | synthetic: the packaged config of that name')
    ap.add_argument('--config', type=Path, help='any run config instead (its file name is then the world)')
    ap.add_argument('--out', type=Path, default=OUT, help='the JSON to update; its run folders go to runs/ beside it unless it is the default')
    a = ap.parse_args(argv)
    path = a.config or (default_config_path() if a.world == 'default' else default_config_path().parent/f'{a.world}.toml')
    world = a.config.stem if a.config and a.world == 'default' else a.world
    cfg = judge_config(path, a.overrides)
    m = run_pipeline(cfg, (ROOT if a.out == OUT else a.out.parent)/'runs'/f'judge_{world}_{a.name}', verbose=True)
    rec = {'name': a.name, 'world': world, 'config': str(path), 'gdpo_overrides': a.overrides, 'seeds': list(cfg.evaluation.seeds), 'metrics': verdict(m),
           'environment': environment(), 'threads': os.environ.get('OMP_NUM_THREADS'),
           'made': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')}
    old = [r for r in (load_json(a.out) if a.out.exists() else []) if (r['name'], r['world']) != (a.name, world)]
    save_json(old + [rec], a.out)
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in rec['metrics'].items() if 'lgsid_minus' in k or k.startswith('geo.t@5')}, indent=1))

if __name__ == '__main__': main(sys.argv[1:])
