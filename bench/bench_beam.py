"""Benchmark: constrained beam search throughput (users/s) of the TIGER-style model on CPU.

The same model (lgsid_nb.generative.build_tiger from GenConfig, untrained: masking cost does not depend on the
weights) decodes the same users three ways in one run: unconstrained beam search, beam search constrained by our
vectorised prefix trie (lgsid_nb.generative.SIDTrie, a LogitsProcessor), and beam search constrained by the
standard `prefix_allowed_tokens_fn` hook with a Python dict trie (the usual way, for comparison). Each is timed
`--repeats` times, round-robin, after a warm-up; the best run counts. Prints a table and the ratios to unconstrained, and writes
a markdown report with the machine.

    OMP_NUM_THREADS=2 .venv/bin/python bench/bench_beam.py                    # the real run (about a minute)
    OMP_NUM_THREADS=2 .venv/bin/python bench/bench_beam.py --items 20000 --sizes 256,256,256 --append  # a larger SID space
    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_beam.py --users 64 --out ''  # smoke run, no report
"""
import argparse, os, platform, sys, time
from pathlib import Path
import numpy as np, torch

ROOT = Path(__file__).resolve().parent.parent

def make_codes(n_items, sizes, seed=0):
    "Random SID codes [n_items, len(sizes)+1] made unique with a dedup digit (the pipeline's shape)."
    from lgsid_nb.collisions import dedup_digit
    rng = np.random.default_rng(seed)
    # skewed first level, as real tokenizers give
    p = rng.dirichlet(np.full(sizes[0], 0.5))
    c = np.stack([rng.choice(sizes[0], n_items, p=p)] + [rng.integers(0, k, n_items) for k in sizes[1:]], 1)
    return dedup_digit(c)

def dict_trie_fn(vocab):
    "A `prefix_allowed_tokens_fn` over a Python dict trie (prefix tuple -> allowed next tokens)."
    allowed = {}
    for row in vocab.tokens.tolist():
        for d in range(len(row)): allowed.setdefault(tuple(row[:d]), set()).add(row[d])
    allowed = {k: sorted(v) for k, v in allowed.items()}
    def fn(batch_id, input_ids):
        return allowed.get(tuple(input_ids[1:].tolist()), [1])
    return fn

def machine():
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
    return dict(cpu=cpu, cores=os.cpu_count(), threads=torch.get_num_threads(), torch=torch.__version__,
                python=platform.python_version(), load=' '.join(f'{x:.2f}' for x in os.getloadavg()))

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--items', type=int, default=1033, help='items (default: the default data size)')
    ap.add_argument('--sizes', default='32,32,32', help='codebook sizes of the SID levels (a dedup level is added)')
    ap.add_argument('--users', type=int, default=512, help='users decoded per run')
    ap.add_argument('--hist', type=int, default=10, help='history items per user')
    ap.add_argument('--beam', type=int, default=20)
    ap.add_argument('--batch', type=int, default=256, help='users per generate call')
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--layers', type=int, default=None, help='encoder/decoder layers (default: GenConfig)')
    ap.add_argument('--no-dict', action='store_true', help='skip the prefix_allowed_tokens_fn variant')
    ap.add_argument('--out', default=str(ROOT/'bench'/'results'/'beam.md'), help="markdown report ('' = none)")
    ap.add_argument('--append', action='store_true', help='add this run as a section to the report instead of replacing it')
    a = ap.parse_args(argv)
    torch.set_num_threads(int(os.environ.get('OMP_NUM_THREADS', torch.get_num_threads())))
    from transformers import LogitsProcessorList
    from lgsid_nb.generative import GenConfig, GenFit, SIDVocab, SIDTrie, build_tiger, recommend, model_inputs
    sizes = [int(s) for s in a.sizes.split(',')]
    codes = make_codes(a.items, sizes)
    cfg = GenConfig(beam=a.beam, ks=(min(10, a.beam),), **({'n_layers': a.layers} if a.layers else {}))
    vocab = SIDVocab(codes); trie = SIDTrie(vocab)
    torch.manual_seed(0)
    fit = GenFit(build_tiger(vocab, cfg), vocab, cfg.encoder_input, [], [], 0, 0.0)
    hist = np.random.default_rng(1).integers(0, a.items, (a.users, a.hist))
    prefix_fn = dict_trie_fn(vocab)

    @torch.no_grad()
    def run_dict():
        out = []
        for i in range(0, len(hist), a.batch):
            seqs = fit.model.generate(**model_inputs(fit.model, vocab, hist[i:i+a.batch], fit.encoder_input), num_beams=a.beam,
                                      num_return_sequences=a.beam, max_new_tokens=vocab.n_levels, min_new_tokens=vocab.n_levels,
                                      do_sample=False, length_penalty=0.0, prefix_allowed_tokens_fn=prefix_fn, pad_token_id=0, eos_token_id=1,
                                      decoder_start_token_id=0)
            out.append(trie.decode(seqs[:, 1:]).reshape(-1, a.beam))
        return torch.cat(out).numpy()
    variants = {'unconstrained': lambda: recommend(fit, hist, a.beam, constrained=False, batch_size=a.batch, trie=trie),
                'trie LogitsProcessor (ours)': lambda: recommend(fit, hist, a.beam, constrained=True, batch_size=a.batch, trie=trie)}
    if not a.no_dict: variants['prefix_allowed_tokens_fn (dict trie)'] = run_dict
    for f in variants.values(): f()  # warm-up
    ts, recs = {n: [] for n in variants}, {}
    for _ in range(a.repeats):  # round-robin, so load changes on a shared machine hit every variant alike
        for name, f in variants.items():
            t = time.perf_counter(); recs[name] = f(); ts[name].append(time.perf_counter() - t)
    res = {}
    for name in variants:
        best = min(ts[name])
        res[name] = dict(seconds=best, users_s=a.users / best, invalid=float((recs[name] < 0).mean()))
        print(f"{name:40s} {res[name]['users_s']:8.1f} users/s   best {best:.3f}s of {a.repeats}   invalid beams {res[name]['invalid']:.1%}", flush=True)
    base = res['unconstrained']['users_s']
    for name, r in res.items(): r['ratio'] = r['users_s'] / base
    m = machine()
    print(f"constrained (ours) / unconstrained throughput: {res['trie LogitsProcessor (ours)']['ratio']:.2f}")
    if a.out:
        lines = (['', f'## {a.items} items, levels {a.sizes}', ''] if a.append else ['# Constrained beam search throughput', '']) + [
                 f"Command: `OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '')} .venv/bin/python bench/bench_beam.py {' '.join(argv if argv is not None else sys.argv[1:])}`  ",
                 f"Machine: {m['cpu']}, {m['cores']} cores (shared; load average at the end {m['load']}), torch {m['torch']} with {m['threads']} thread(s), Python {m['python']}.  ",
                 f"Model: TIGER-style T5 (GenConfig: d_model {cfg.d_model}, {cfg.n_layers} encoder + {cfg.n_layers} decoder layer(s), {cfg.n_heads} heads), "
                 f"untrained; {a.items} items, SID levels {sizes} + dedup (vocab {vocab.vocab_size}); {a.users} users x {a.hist} history items; "
                 f"beam {a.beam} (all beams returned), {a.batch} users per `generate` call; best of {a.repeats} runs (round-robin) after a warm-up.", '',
                 '| decoding | users/s | vs unconstrained | invalid beams |', '| --- | ---: | ---: | ---: |']
        lines += [f"| {n} | {r['users_s']:.1f} | {r['ratio']:.2f} | {r['invalid']:.1%} |" for n, r in res.items()]
        lines += ['', 'Unconstrained beams that name no item are wasted slots in the top-K; constrained decoding never emits one.']
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        text = '\n'.join(lines) + '\n'
        if a.append and Path(a.out).exists(): text = Path(a.out).read_text() + text
        Path(a.out).write_text(text)
        print('wrote', a.out)
    return res

if __name__ == '__main__': main()
