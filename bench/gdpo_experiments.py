"""G-DPO experiments on the default data (real Helsinki POIs, simulated check-ins, MiniLM) -> nbs/results/gdpo_*.json,
or on the nationwide quick world (`--world nationwide_quick`: 10,000 places in the real Finnish towns, simulated
check-ins, lgsid_nb/configs/nationwide_quick.toml's reward and G-DPO budgets) -> nbs/results/gdpo_*_nationwide_quick.json.

    OMP_NUM_THREADS=2 HF_HUB_OFFLINE=1 .venv/bin/python bench/gdpo_experiments.py default   # before/after, timing, case study
    ... gdpo_experiments.py sweep      # lambda sweep (T@5 vs semantic similarity)
    ... gdpo_experiments.py ablation   # the paper's Table 3 switches
    ... gdpo_experiments.py frontier | explore NAME JSON | content | prompts   # bounds, free-form runs, what content tells of place, the content layout
    ... gdpo_experiments.py --world nationwide_quick sweep   # the same on the nationwide quick world

Every run appends to its JSON as it finishes, so a long sequence can be read (and resumed) part way.
"""
import dataclasses, json, os, platform, sys, time
from pathlib import Path
import numpy as np, torch

torch.set_num_threads(int(os.environ.get('OMP_NUM_THREADS', '2')))
from lgsid_nb.core import cache_dir, load_json, save_json, to_dict, from_dict
from lgsid_nb.osm import default_items
from lgsid_nb.simulate import simulate, SimConfig
from lgsid_nb.encoders import EncoderConfig, cpu_features, get_encoder, embed_items
from lgsid_nb.reward import RewardConfig, RewardModel, fit_reward, load_reward_model
from lgsid_nb.metrics import geo_report, knn_indices, semantic_similarity
from lgsid_nb.gdpo import GDPOConfig, align_encoder, embed_aligned, geo_metrics

ROOT = Path(__file__).resolve().parents[1]
RES = ROOT/'nbs'/'results'
WORLDS = ('default', 'nationwide_quick')
WORLD = sys.argv.pop(sys.argv.index('--world') + 1) if '--world' in sys.argv else 'default'
if '--world' in sys.argv: sys.argv.remove('--world')
if WORLD not in WORLDS: raise SystemExit(f"unknown world {WORLD!r}: {' | '.join(WORLDS)}")
WORK = cache_dir('gdpo_bench') / ('' if WORLD == 'default' else WORLD)
SUFFIX = '' if WORLD == 'default' else f'_{WORLD}'
ENC = EncoderConfig(name='minilm', pooling='mean', normalize=True, cache=True)

if WORLD == 'default': WCFG = None
else:  # the nationwide quick world's run config: its data, reward and G-DPO budgets
    from lgsid_nb.pipeline import load_config, RunConfig, default_config_path
    WCFG = load_config(default_config_path().parent/f'{WORLD}.toml', RunConfig)

# the bench runs GDPOConfig's defaults (the pipeline's; on the nationwide world its config's) unless a run overrides a field
BASE = dict(val_size=200, logging_steps=5) | ({} if WCFG is None else {k: getattr(WCFG.gdpo, k) for k in ('max_steps', 'max_anchors')})

def machine():
    c = cpu_features()  # what `auto` precision reads: bf16-related flags, torch's kernel capability, oneDNN's cap
    return {'cpu': platform.processor() or platform.machine(), 'cores': os.cpu_count(), 'threads': torch.get_num_threads(),
            'load_avg_1m': round(os.getloadavg()[0], 2), 'torch_cpu_capability': c['capability'], 'onednn_max_cpu_isa': c['onednn_max_isa'],
            'mkl_enable_instructions': os.environ.get('MKL_ENABLE_INSTRUCTIONS', ''), 'flags': ' '.join(c['flags'])}

class Rewards(dict):
    "Reward models from 03, fitted on first use and kept under the bench folder."
    def __init__(self, items): super().__init__(); self.items = items
    def __missing__(self, key):
        "key: the loss ('listwise' | 'pointwise'), optionally '_random' (random far negatives), '_all' (no held-out items), '_l3' (3 lists per item), '_h5' (5 heads), '_k1' (disagreement 1)."
        loss, *opts = key.split('_')
        num = lambda c, d: next((type(d)(o[1:]) for o in opts if o[:1] == c and o[1:].replace('.', '', 1).isdigit()), d)
        d = WORK/f'reward_{key}'
        if not (d/'state.pt').exists():
            t = time.time()
            budget = {} if WCFG is None else {k: getattr(WCFG.reward, k) for k in ('max_anchors', 'max_heldout')}
            r = fit_reward(self.items, RewardConfig(lists_per_item=num('l', 1), eval_lists=300, loss=loss, **budget, heads=num('h', 1), disagreement=num('k', 0.0),
                                                    negatives='random' if 'random' in opts else 'density', holdout_items=0.0 if 'all' in opts else 0.2))
            r.save(d); print(key, 'reward fitted in', round(time.time() - t, 1), 's', r.report['heldout_items'], flush=True)
        self[key] = load_reward_model(d); return self[key]

def setup(with_rewards=True):
    if WORLD == 'default': items = default_items(); inter = simulate(items, SimConfig()).interactions
    else:
        from lgsid_nb.pipeline import _country_source
        from lgsid_nb.data import add_texts
        items, inter, _ = _country_source(WCFG.data.country)
        items = add_texts(items)
    X0 = embed_items(items, get_encoder(ENC), 'prompt')
    rewards = Rewards(items) if with_rewards else None
    return items, inter, X0, rewards

def run(name, items, inter, X0, rewards, rm=None, **over):
    "One G-DPO run; `rm` names the reward model (see `Rewards`), by default the config's `reward` loss."
    cfg = from_dict(GDPOConfig, {**BASE, **over}, f'bench {name}')
    t = time.time(); load0 = os.getloadavg()[0]
    model, tok = align_encoder(items, inter if cfg.collab_ratio > 0 else None, rewards[rm or cfg.reward], ENC, cfg, WORK/name)
    secs = time.time() - t
    meta = load_json(WORK/name/'encoder'/'gdpo.json')
    X1 = embed_aligned(items, model, tok, ENC)
    np.save(WORK/name/'X1.npy', X1)
    m = geo_metrics(items, X0, X1)
    logs = [h for h in meta['log_history'] if 'rewards/margins' in h]
    rep = WORK/f'reward_{rm or cfg.reward}'/'report.json'
    rj = load_json(rep) if rep.exists() else None
    rrep = rj and {s: {k: rj[s][k] for k in ('ndcg@5', 'random_ndcg@5')} for s in ('heldout_lists', 'heldout_items')}
    val = [h for h in meta['log_history'] if 'val/t@5' in h]
    return {'name': name, 'world': WORLD, 'config': to_dict(cfg), 'reward_model': rm or cfg.reward, 'reward_report': rrep, 'metrics': m, 'align_seconds': round(secs, 1), 'train_seconds': meta['train_seconds'],
            'steps': meta['steps'], 'n_pairs': meta['n_pairs'], 'n_collab_pairs': meta['n_collab_pairs'],
            'last_log': logs[-1] if logs else None, 'val': val, 'machine': {**machine(), 'load_avg_1m_start': round(load0, 2)}}

def append(path, rec):
    old = load_json(path) if path.exists() else []
    old = [r for r in old if r['name'] != rec['name']] + [rec]
    save_json(old, path); print(json.dumps({k: rec[k] for k in ('name', 'align_seconds', 'steps')}), {k: round(v, 4) for k, v in rec['metrics'].items()}, flush=True)

def case_study(items, X0, X1, k=5):
    "One item's nearest neighbours before and after (an item whose neighbourhood changed the most)."
    i0, i1 = knn_indices(X0, k), knn_indices(X1, k)
    d = items.district.to_numpy()
    gain = (d[i1] == d[:, None]).mean(1) - (d[i0] == d[:, None]).mean(1)
    cand = np.flatnonzero(gain == gain.max())
    i = int(cand[np.argmax(items.category.iloc[cand].map(items.category.value_counts()).to_numpy())])
    from lgsid_nb.core import haversine_km
    row = lambda j: {'name': items.name.iloc[j], 'category': items.category.iloc[j], 'district': items.district.iloc[j],
                     'km': round(float(haversine_km(items.lat.iloc[i], items.lon.iloc[i], items.lat.iloc[j], items.lon.iloc[j])), 3)}
    return {'item': row(i), 'before': [row(j) for j in i0[i]], 'after': [row(j) for j in i1[i]]}

if __name__ == '__main__':
    what = sys.argv[1] if len(sys.argv) > 1 else 'default'
    RES.mkdir(parents=True, exist_ok=True)
    t = time.time(); items, inter, X0, rewards = setup(what not in ('frontier', 'content', 'prompts')); print('setup', round(time.time() - t, 1), 's', flush=True)
    if what == 'default':
        rec = run('default', items, inter, X0, rewards)
        X1 = np.load(WORK/'default'/'X1.npy')
        rec['case_study'] = case_study(items, X0, X1)
        rec['content_only'] = geo_report(embed_items(items, get_encoder(ENC), 'content'), items)
        save_json(rec, RES/f'gdpo_default{SUFFIX}.json'); print(json.dumps(rec['metrics']), rec['align_seconds'])
        rew = {}
        for loss in ('listwise', 'pointwise'):
            rewards[loss]; r = load_json(WORK/f'reward_{loss}'/'report.json')
            rew[loss] = {'heldout_items': r['heldout_items'], 'heldout_lists': r['heldout_lists'], 'seconds': r['seconds'],
                         'config': {k: r['config'][k] for k in ('K', 'negatives', 'lists_per_item', 'eval_lists', 'loss', 'epochs')}}
        save_json(rew, RES/f'gdpo_rewards{SUFFIX}.json')
    elif what == 'sweep':
        for lam in [float(x) for x in (sys.argv[2].split(',') if len(sys.argv) > 2 else ['0', '0.1', '0.5', '1', '2', '5'])]:
            for sim in (sys.argv[3].split(',') if len(sys.argv) > 3 else ['cosine']):
                append(RES/f'gdpo_sweep{SUFFIX}.json', run(f'sweep_{sim}_{lam:g}', items, inter, X0, rewards, lambda_sim=lam, sim_loss=sim, val_size=0))
    elif what == 'ablation':
        # each row switches one thing off the default: the reward model's loss or its negatives (the paper's rows),
        # the co-occurrence pairs, the near-location chosen sides, L_sim, R's score
        abl = {'full': {}, 'pointwise_reward': {'reward': 'pointwise'}, 'random_negatives': {'rm': 'listwise_random'},
               'no_cooccurrence': {'collab_ratio': 0.0}, 'no_near': {'near_share': 0.0}, 'no_sim': {'sim_loss': 'none', 'lambda_sim': 0.0},
               'prob_score': {'score': 'prob'}}
        for name in (sys.argv[2].split(',') if len(sys.argv) > 2 else abl):
            append(RES/f'gdpo_ablation{SUFFIX}.json', run(f'ablation_{name}', items, inter, X0, rewards, val_size=0, **abl[name]))
    elif what == 'frontier':
        # what adding a geographic signal to the unaligned embeddings can buy at most: X0 (+) w * onehot(district),
        # the evaluation's own labels, and X0 (+) w * standardised (lat, lon)
        import pandas as pd
        D = pd.get_dummies(items.district).to_numpy('float32')
        ll = np.c_[items.lat, items.lon]; ll = ((ll - ll.mean(0)) / ll.std(0)).astype('float32')
        rows = [{'signal': 'none', 'w': 0.0, **geo_report(X0, items)}, {'signal': 'oracle', 'w': None, **geo_report(None, items)}]
        for sig, Z, ws in (('district_onehot', D, (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.6)), ('latlon', ll, (0.1, 0.2, 0.3, 0.5, 0.8))):
            rows += [{'signal': sig, 'w': w, **geo_report(np.c_[X0, w * Z], items)} for w in ws]
        # the same one-hot added to the content part's embedding (no location text at all), from w = 0
        Xc = embed_items(items, get_encoder(ENC), 'content')
        rows += [{'signal': 'content + district_onehot', 'w': w, **geo_report(np.c_[Xc, w * D], items)} for w in (0.0, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)]
        save_json(rows, RES/f'gdpo_frontier{SUFFIX}.json'); print(rows)
    elif what == 'content':
        # how much of a place's location its content text can tell: the share of places whose name holds their own
        # district's (default) or town's (nationwide) name as a word; every other content field is drawn independently
        # of location on the nationwide world (lgsid_nb.country._content)
        import re
        own = [bool(re.search(rf'(?<!\w){re.escape(str(t))}(?!\w)', str(n), re.I)) for n, t in zip(items.name, items.district)]
        rec = {'world': WORLD, 'n_places': len(items), 'n_districts': int(items.district.nunique()), 'own_area_in_name': float(np.mean(own))}
        save_json(rec, RES/f'gdpo_content{SUFFIX}.json'); print(rec)
    elif what == 'prompts':
        # the content part's layout (01_data's TextTemplates): category agreement@5 and T@5 of the full prompt's base embedding
        from lgsid_nb.data import TextTemplates, add_texts
        lay = {'name; category; cuisine; brand; hours': ('{name}', '{category_name}', 'cuisine: {cuisine}', 'brand: {brand}', 'hours: {opening_hours}'),
               'name; category': ('{name}', '{category_name}'), 'category; name': ('{category_name}', '{name}'),
               'category; name; cuisine (default)': TextTemplates().content}
        rows = [{'content': k, **geo_report(embed_items(add_texts(items.drop(columns=['content_text', 'location_text'], errors='ignore'), TextTemplates(content=v)), get_encoder(ENC), 'prompt'), items)}
                for k, v in lay.items()]
        save_json(rows, RES/f'gdpo_prompts{SUFFIX}.json'); print(rows)
    elif what == 'explore':
        # free-form runs: explore NAME '{"lr": 5e-4, ...}' [NAME JSON ...] -> gdpo_explore.json
        for name, over in zip(sys.argv[2::2], sys.argv[3::2]):
            over = json.loads(over)  # GDPOConfig fields, and 'rm': the reward model's key (see Rewards)
            append(RES/f'gdpo_explore{SUFFIX}.json', run(f'explore_{name}', items, inter, X0, rewards, rm=over.pop('rm', None), **{'val_size': 0, **over}))
    else: raise SystemExit(f"unknown experiment {what!r}: default | sweep | ablation | frontier | explore | content | prompts")
