#!/usr/bin/env python
"""Build the docs site from the notebooks, offline: execute (cached), nbdev-process, render with mkdocs-material.

    python tools/build_docs.py                  # every notebook in nbs/ -> _docs/ (the site)
    python tools/build_docs.py --only 08_visual 08a_maps   # a subset (the others keep their cached pages)
    python tools/build_docs.py --no-exec        # render the notebooks' stored outputs, execute nothing

Steps, all without network:
1. **Execute** each notebook like `nbdev_test` does (execnb, in a subprocess, cwd `nbs/`, `#| slow`/`#| notest`
   cells skipped, except in the `--slow` notebooks: by default 08_visual and 08a_maps, whose slow cells draw the
   figures and maps of the real Helsinki items) with `PLOTLY_RENDERER=notebook`, so plotly figures are stored as `text/html` with plotly.js
   inlined once per page, and folium maps as their self-contained iframes. Executed copies are cached in
   `.cache/docs/` under a hash of the notebook and of the package source: a rebuild re-executes only what changed.
   A notebook that fails is still rendered (with its traceback) and listed in `_docs/build_report.json`;
   `--strict` makes that an error.
2. **Process** with nbdev's own processors (`nbdev.processors.FilterDefaults`, through Python: the
   `nbdev_proc_nbs` command would re-run `pip install -e`): directives stripped, `#| hide` cells dropped, `show_doc`
   API docs added for every exported name. Then the Quarto-only bits (frontmatter, `echo: false`, `:::` divs) are
   turned into plain notebook cells.
3. **Render** with mkdocs-material + mkdocs-jupyter (`mkdocs.yml`, plus the site's own CSS/JS from `docs/assets/`:
   full-width content column, tables and code that scroll inside their box, plotly legends below the plot): no
   Google fonts, no CDN. Any remaining `<script src=http...>` (mkdocs-jupyter's MathJax and mermaid loaders) is
   removed from the built pages, and the build fails if a page still references an external script, stylesheet,
   image or frame.
4. **Links inside the site** (`fix_links`): nbdev's cross-references to `doc_host` (a site that is not published)
   become relative links to the notebook's page and heading; "source" links to `git_url` are dropped unless this
   checkout's `origin` remote is that repository; duplicate heading ids get `_1` suffixes and table-of-contents
   links that point at no heading are re-pointed. `tools/check_links.py` (in `make docs-check`) verifies the result.
"""
from __future__ import annotations
import argparse, hashlib, json, os, re, shutil, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS, PROC, CACHE, SITE = ROOT/'nbs', ROOT/'_proc'/'docs', ROOT/'.cache'/'docs', ROOT/'_docs'
SKIP_FLAGS = ('slow', 'notest')
_RE_SKIP = re.compile(r'^\s*#\s*\|\s*(?:' + '|'.join(SKIP_FLAGS) + r')\b|^\s*#\s*\|\s*eval:\s*false', re.M)

# ---------------------------------------------------------------- 1. execute
_RE_NOTEST = re.compile(r'^\s*#\s*\|\s*notest\b|^\s*#\s*\|\s*eval:\s*false', re.M)

def _skip(cell, run_slow=False):
    "Cells `nbdev_test` would not run by default (with `run_slow`, as `nbdev_test --flags slow`)."
    if cell.cell_type != 'code': return True
    if 'nbdev_export' + '(' in cell.source: return True
    return bool((_RE_NOTEST if run_slow else _RE_SKIP).search(cell.source))

def exec_one(src, dst, run_slow=False):
    "Execute notebook `src` (skipping slow/notest cells) and write it with outputs to `dst`; exit 1 on error."
    from execnb.nbio import read_nb, write_nb
    from execnb.shell import CaptureShell
    src, dst = Path(src).resolve(), Path(dst).resolve()
    os.environ['IN_TEST'] = '1'
    nb = read_nb(src)
    k = CaptureShell(src)
    os.chdir(src.parent)
    err = None
    try: k.run_all(nb, exc_stop=True, preproc=lambda c: _skip(c, run_slow))
    except BaseException as e: err = k.prettytb(fname=src) if hasattr(k, 'prettytb') else repr(e)
    dst.parent.mkdir(parents=True, exist_ok=True)
    write_nb(nb, dst)
    if err: sys.stderr.write(err + '\n'); sys.exit(1)

def _lib_hash():
    h = hashlib.sha256()
    for p in sorted((ROOT/'lgsid_nb').rglob('*.py')):
        if p.name != '_modidx.py': h.update(p.name.encode()); h.update(p.read_bytes())
    return h.hexdigest()[:16]

def _data_hash():
    "Hash of the saved results the notebooks render (nbs/results/: run metrics, the tour's demo-run snapshot)."
    h = hashlib.sha256()
    for p in sorted((NBS/'results').rglob('*')):
        if p.is_file(): h.update(str(p.relative_to(NBS)).encode()); h.update(p.read_bytes())
    return h.hexdigest()[:16]

def execute(nb_path, timeout, lib_hash, force=False, run_slow=False):
    "Executed copy of `nb_path` (cached); returns (path, ok, seconds, cached)."
    src = nb_path.read_bytes()
    data = _data_hash() if b'results' in src else ''  # a notebook that reads nbs/results/ is re-run when those files change
    key = hashlib.sha256(src + lib_hash.encode() + data.encode() + (b'slow' if run_slow else b'')).hexdigest()[:16]
    out, meta = CACHE/f'{nb_path.stem}.ipynb', CACHE/f'{nb_path.stem}.json'
    if not force and out.exists() and meta.exists():
        m = json.loads(meta.read_text())
        if m.get('key') == key: return out, m['ok'], m['seconds'], True
    env = dict(os.environ, PLOTLY_RENDERER='notebook', OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS', '1'),
               HF_HUB_OFFLINE='1', TRANSFORMERS_OFFLINE='1', TOKENIZERS_PARALLELISM='false', MPLBACKEND='Agg',
               # a page shows results, not progress bars (tqdm's text bars and 'IProgress not found' land in red stderr blocks)
               TQDM_DISABLE='1', HF_HUB_DISABLE_PROGRESS_BARS='1')
    t0 = time.time()
    out.unlink(missing_ok=True)  # a run that dies before writing must not leave the previous outputs on the page
    try:
        r = subprocess.run([sys.executable, __file__, '--exec-one', str(nb_path), str(out)] + (['slow'] if run_slow else []), env=env, timeout=timeout,
                           capture_output=True, text=True)
        ok, log = r.returncode == 0, r.stderr[-4000:]
    except subprocess.TimeoutExpired:
        ok, log = False, f'timed out after {timeout}s'
    secs = round(time.time() - t0, 1)
    if not out.exists():  # crashed before writing: render the stored notebook
        CACHE.mkdir(parents=True, exist_ok=True); shutil.copy(nb_path, out)
    meta.write_text(json.dumps({'key': key, 'ok': ok, 'seconds': secs, 'log': log}))
    if not ok: print(f'  ! {nb_path.name} failed: {log.strip().splitlines()[-1] if log.strip() else "?"}', flush=True)
    return out, ok, secs, False

# ---------------------------------------------------------------- 2. process
_RE_DIREC = re.compile(r'^\s*#\s*\|.*\n?', re.M)
_RE_QATTR = re.compile(r'(\]\([^)]*\))\{[^}\n]*\}')  # Quarto link attributes: [source](url){target="_blank" ...}

def _plain_md(t):
    "Markdown without Quarto's ::: divs and {attribute} blocks."
    return _RE_QATTR.sub(r'\1', re.sub(r'^:::.*\n?', '', t, flags=re.M))

def _md(src): return {'cell_type': 'markdown', 'metadata': {}, 'source': src}

def process_one(src, dst):
    "nbdev-process executed notebook `src` (cwd nbs/) and make it plain Jupyter for mkdocs-jupyter; write `dst`."
    from execnb.nbio import read_nb, write_nb
    from nbdev.processors import FilterDefaults
    os.chdir(NBS)
    nb = read_nb(src)
    title = next((c.source for c in nb.cells if c.cell_type == 'markdown' and c.source.lstrip().startswith('# ')), '')
    import ast, nbdev.processors as P
    if not getattr(P._do_eval, '_lgsid', False):
        orig = P._do_eval
        def _do_eval(cell):  # like nbdev's, but a non-exported cell mixing imports with other code is not run out of context,
            if 'notest' in cell.directives_: return False  # nor a `#| notest` cell (e.g. `if __name__ == '__main__': main()`)
            r = orig(cell)
            if not r or (cell.directives_.keys() & {'export', 'exports', 'exporti', 'exec_doc'}): return r
            trees = cell.parsed_()
            return P._show_docs(trees) or all(isinstance(t, (ast.Import, ast.ImportFrom)) for t in trees)
        _do_eval._lgsid = True; P._do_eval = _do_eval
    if not getattr(P._def_names, '_lgsid', False):
        def _def_names(cell, shown):  # like nbdev's, but a `@patch` method shown with `show_doc(Class.method)` is not shown twice
            cellp = cell.parsed_()
            return [P.showdoc_nm(o) for o in P.concat(cellp) if isinstance(o, P._def_types) and o.name not in shown
                    and P.showdoc_nm(o) not in shown and (o.name[0] != '_' or o.name[:2] == '__')] if cellp else []
        _def_names._lgsid = True; P._def_names = _def_names
    if not getattr(P.exec_show_docs, '_lgsid', False):
        call0 = P.exec_show_docs.__call__
        def call(self, cell):
            """Like nbdev's, but a show_doc cell that also holds tests runs its show_doc calls only (the tests need state the
            docs do not build), and a show_doc that fails loses its own entry (reported on stderr), not the page's API docs."""
            trees = cell.parsed_() if cell.cell_type == 'code' else None
            sd = P._show_docs(trees) if trees else []
            if not sd or (cell.directives_.keys() & {'export', 'exports', 'exporti', 'exec_doc'}): return call0(self, cell)
            src = cell.source
            if len(sd) < len(trees): cell.set_source('\n'.join(ast.get_source_segment(src, t) for t in sd))
            try: return call0(self, cell)
            except Exception as e:
                self.k.exc = None
                cause = e.__cause__ or e
                sys.stderr.write(f"show_doc failed: {' '.join(ast.get_source_segment(src, t) for t in sd)}: "
                                 f"{type(cause).__name__}: {str(cause).splitlines()[0][:200] if str(cause) else ''}\n")
                cell.outputs = []
            finally: cell.set_source(src)
        P.exec_show_docs.__call__, P.exec_show_docs._lgsid = call, True
    try: FilterDefaults()(nb)
    except Exception as e:  # e.g. a cell mixing imports and code that fails out of context: keep the page, lose show_doc
        sys.stderr.write(f'nbdev processors failed on {Path(src).name} ({str(e).splitlines()[0][:200]}); plain rendering\n')
        nb = read_nb(src)
        nb['cells'] = [c for c in nb.cells if not re.search(r'^\s*#\s*\|\s*(hide|exporti?\b.*hide|default_exp)', c.source, re.M)]
    cells = []
    for c in nb.cells:
        if c.cell_type == 'raw':
            fm = c.source.strip()
            if fm.startswith('---'):  # nbdev frontmatter -> a visible title and summary again
                import yaml
                meta = yaml.safe_load(fm.strip('-').strip()) or {}
                t, d = meta.get('title') or (title.splitlines()[0].lstrip('# ') if title else ''), meta.get('description')
                cells.append(_md(f"# {t}" + (f"\n\n> {d}" if d else '')))
            continue
        if c.cell_type == 'markdown':
            c['source'] = _plain_md(c.source)
        if c.cell_type == 'code':
            src_ = c.source
            no_echo = re.search(r'^\s*#\s*\|\s*echo:\s*false', src_, re.M)
            c['source'] = _RE_DIREC.sub('', src_).strip('\n')
            for o in c.get('outputs', []):
                if 'text/markdown' in o.get('data', {}):
                    o['data']['text/markdown'] = _plain_md(''.join(o['data']['text/markdown']))
            if no_echo:  # output only (show_doc): a markdown cell renders cleanest
                md = [''.join(o['data']['text/markdown']) for o in c.get('outputs', []) if 'text/markdown' in o.get('data', {})]
                if md and len(md) == len(c.get('outputs', [])): cells.append(_md('\n\n'.join(md))); continue
                c['source'] = ''
            if not c['source'] and not c.get('outputs'): continue
        cells.append(c)
    nb['cells'] = cells
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    write_nb(nb, dst)

# ---------------------------------------------------------------- 3. render
_RE_EXT_BLOCK = [
    re.compile(r'<script\b[^>]*\bsrc\s*=\s*["\']?(?:https?:)?//[^>]*>\s*</script>', re.I),
    re.compile(r'<script\b[^>]*\bsrc\s*=\s*["\']{2}[^>]*>\s*</script>', re.I),  # mkdocs-jupyter's empty MathJax src
    re.compile(r'<link\b[^>]*\bhref\s*=\s*["\']?(?:https?:)?//[^>]*>', re.I),
    re.compile(r'<script\b[^>]*type=["\']module["\'][^>]*>(?:(?!</script>).)*?import[^<]*?["\'](?:https?:)?//(?:(?!</script>).)*?</script>', re.I | re.S),
]

def strip_external(site):
    "Remove external script/link tags from the built pages; returns {page: [removed tags]}."
    removed = {}
    for p in site.rglob('*.html'):
        t = p.read_text(encoding='utf-8'); n = t
        gone = []
        for rx in _RE_EXT_BLOCK:
            gone += [m.group(0)[:120] for m in rx.finditer(n)]
            n = rx.sub('', n)
        if n != t: p.write_text(n, encoding='utf-8'); removed[str(p.relative_to(site))] = gone
    return removed

# ---------------------------------------------------------------- 3b. links inside the site
_RE_H = re.compile(r'<h([1-6]) id="([^"]+)"([^>]*)>(.*?)</h\1>', re.S)
_RE_TOC_A = re.compile(r'<a href="#([^"]*)" class="md-nav__link">(\s*<span class="md-ellipsis">)(.*?)(</span>)', re.S)
_RE_TAGS = re.compile(r'<[^>]+>')

def _settings():
    import configparser
    cp = configparser.ConfigParser(); cp.read(ROOT/'settings.ini'); return cp['DEFAULT']

def _heading_text(h): return re.sub(r'\s+', ' ', _html_unescape(_RE_TAGS.sub('', h.replace('¶', '')))).strip()

def _html_unescape(t):
    import html as _h; return _h.unescape(t)

def dedup_ids(t):
    "Give the 2nd, 3rd... heading with the same id the ids `X_1`, `X_2` (what the table of contents links to)."
    seen = {}
    def sub(m):
        lvl, i, rest, body = m.groups()
        n = seen.get(i, 0); seen[i] = n + 1
        if not n: return m.group(0)
        new = f'{i}_{n}'
        while new in seen: n += 1; new = f'{i}_{n}'
        seen[new] = 1
        return f'<h{lvl} id="{new}"{rest}>' + body.replace(f'href="#{i}"', f'href="#{new}"') + f'</h{lvl}>'
    return _RE_H.sub(sub, t)

def fix_toc(t):
    """Point table-of-contents links whose anchor is on no heading (mkdocs-jupyter drops inline code from its TOC slugs and
    labels: "`sids.parquet`: the schema" -> `#the-schema`, ": the schema") at the next heading in page order, with its text."""
    heads = [(int(m.group(1)), m.group(2), _heading_text(m.group(4))) for m in _RE_H.finditer(t)]
    ids = {h[1] for h in heads}
    toc_heads = [h for h in heads if 2 <= h[0] <= 3]
    out, pos, p, relabel = [], 0, 0, {}
    for m in _RE_TOC_A.finditer(t):
        frag, label = m.group(1), m.group(3)
        if frag in ids:
            p = next((k + 1 for k in range(len(toc_heads)) if toc_heads[k][1] == frag), p)
            continue
        if p >= len(toc_heads): continue
        _, hid, htxt = toc_heads[p]; p += 1
        relabel[label.strip()] = htxt
        out.append(t[pos:m.start()] + f'<a href="#{hid}" class="md-nav__link">{m.group(2)}\n        {htxt}\n      {m.group(4)}')
        pos = m.end()
    t = ''.join(out) + t[pos:]
    for old, new in relabel.items():
        if old: t = t.replace(f'aria-label="{old}"', f'aria-label="{_html_escape(new)}"')
    return t

def _html_escape(s):
    import html as _h; return _h.escape(s, quote=True)

def _repo_configured(git_url):
    "True if this checkout's `origin` remote is settings.ini's git_url (then source links may point there)."
    try: origin = subprocess.run(['git', 'remote', 'get-url', 'origin'], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError: return False
    norm = lambda u: u.rstrip('/').removesuffix('.git').replace('git@github.com:', 'https://github.com/').lower()
    return bool(git_url and origin and norm(origin) == norm(git_url))

def fix_links(site):
    """Make the built pages link inside the site: nbdev's cross-references to `doc_host/doc_baseurl/NAME.html#anchor` (a
    site that is not published) become relative links to the notebook's page and the heading's id there; the "source"
    links to `git_url` are dropped unless this checkout's origin is that repository; duplicate heading ids get `_1`
    suffixes and table-of-contents links that point at no heading are re-pointed. Returns counts of what changed."""
    st = _settings()
    base = (st.get('doc_host', '').rstrip('/') + '/' + st.get('doc_baseurl', '').strip('/')).rstrip('/') + '/'
    git_url = st.get('git_url', '').rstrip('/')
    keep_source = _repo_configured(git_url)
    pages = {p: p.read_text(encoding='utf-8') for p in site.rglob('index.html') if not {'assets', 'search'} & set(p.relative_to(site).parts)}
    stems = {re.sub(r'^\d+[a-z]?_', '', p.parent.name): p.parent.name for p in pages if p.parent != site} | {'index': ''}
    for p, t in pages.items(): pages[p] = fix_toc(dedup_ids(t))
    ids = {p.parent.name if p.parent != site else '': set(re.findall(r'\bid="([^"]+)"', t)) for p, t in pages.items()}
    n = {'cross_refs': 0, 'cross_refs_page_only': 0, 'cross_refs_unresolved': 0, 'source_links_dropped': 0}
    rx_ref = re.compile(r'href="' + re.escape(base) + r'([^"#]*?)(?:\.html)?(?:#([^"]*))?"')
    rx_src = re.compile(r'<p><a href="' + re.escape(git_url) + r'/[^"]*">source</a></p>\s*')
    for p, t in pages.items():
        here = p.parent.relative_to(site).as_posix()
        def ref(m):
            name, frag = m.group(1), m.group(2) or ''
            stem = stems.get(name, name if name in ids else None)
            if stem is None: n['cross_refs_unresolved'] += 1; return m.group(0)
            n['cross_refs'] += 1
            cand = [frag, frag.replace('.', ''), re.sub(r'[^\w-]', '', frag.lower())]
            frag = next((c for c in cand if c and c in ids.get(stem, ())), '')
            if not frag and m.group(2): n['cross_refs_page_only'] += 1  # a private helper without show_doc: its page
            rel = os.path.relpath(stem or '.', here or '.').replace(os.sep, '/') + '/'
            return f'href="{rel}' + (f'#{frag}' if frag else '') + '"'
        t = rx_ref.sub(ref, t)
        if git_url and not keep_source:
            t, k = rx_src.subn('', t); n['source_links_dropped'] += k
        p.write_text(t, encoding='utf-8')
    return n

def external_refs(site):
    "Pages that still reference external scripts/styles/images/frames, including inside folium's srcdoc iframes."
    import html as _html
    sys.path.insert(0, str(ROOT))
    from lgsid_nb.maps import external_urls
    bad = {}
    for p in site.rglob('*.html'):
        t = p.read_text(encoding='utf-8')
        urls = external_urls(t) + [u for s in re.findall(r'srcdoc="([^"]*)"', t) for u in external_urls(_html.unescape(s))]
        if urls: bad[str(p.relative_to(site))] = sorted(set(urls))
    return bad

def index_page():
    "The home page: nbs/index.ipynb if it exists (processed like the others), else README.md."
    if (NBS/'index.ipynb').exists(): return None
    readme = (ROOT/'README.md').read_text() if (ROOT/'README.md').exists() else '# lgsid_nb\n'
    return readme + '\n\nThe pages of this site are the project\'s notebooks, executed, with their API docs.\n'

def _stderr_blocks(nb_path):
    "Texts of the stderr outputs (warnings, progress bars) of an executed notebook: the red blocks a reader would see."
    nb = json.loads(Path(nb_path).read_text())
    return [''.join(o.get('text', '')) for c in nb.get('cells', []) if c.get('cell_type') == 'code'
            for o in c.get('outputs', []) if o.get('output_type') == 'stream' and o.get('name') == 'stderr']

def main(argv=None):
    ap = argparse.ArgumentParser(description='Build the offline docs site from the notebooks.')
    ap.add_argument('--only', nargs='*', help='notebook stems to (re)build, e.g. 08_visual (default: all)')
    ap.add_argument('--no-exec', action='store_true', help="render stored outputs, don't execute")
    ap.add_argument('--force', action='store_true', help='ignore the execution cache')
    ap.add_argument('--timeout', type=int, default=int(os.environ.get('DOCS_NB_TIMEOUT', 600)), help='seconds per notebook')
    ap.add_argument('--strict', action='store_true', help='fail if a notebook fails to execute')
    ap.add_argument('--slow', nargs='*', default=os.environ.get('DOCS_SLOW', '08_visual 08a_maps').split(),
                    help='notebooks whose #| slow cells also run (default: the figure notebooks, $DOCS_SLOW)')
    ap.add_argument('--exec-one', nargs='+', help=argparse.SUPPRESS)
    ap.add_argument('--process-one', nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.exec_one: return exec_one(a.exec_one[0], a.exec_one[1], run_slow=a.exec_one[2:] == ['slow'])
    if a.process_one: return process_one(*a.process_one)

    t0 = time.time()
    nbs = sorted(p for p in NBS.glob('*.ipynb') if not p.name.startswith(('.', '_')))
    if a.only: nbs = [p for p in nbs if p.stem in a.only or p.name in a.only]
    if not nbs: sys.exit('no notebooks to build')
    lib_hash, report = _lib_hash(), {}
    for p in nbs:
        if a.no_exec: src, ok, secs, cached = p, True, 0.0, False
        else: src, ok, secs, cached = execute(p, a.timeout, lib_hash, a.force, run_slow=p.stem in a.slow)
        dst = PROC/(p.stem + '.ipynb')
        warn = _stderr_blocks(src) if not a.no_exec else []
        if warn: print(f'  ! {p.name}: {len(warn)} warning/stderr output(s) on the page, first: {warn[0][:200]!r}')
        pkey = hashlib.sha256(Path(src).read_bytes() + Path(__file__).read_bytes() + lib_hash.encode()).hexdigest()[:16]
        pmeta = CACHE/f'{p.stem}.proc.json'
        if dst.exists() and pmeta.exists() and json.loads(pmeta.read_text()).get('key') == pkey:  # processed copy is current
            report[p.name] = {'executed': not a.no_exec, 'ok': ok, 'seconds': secs, 'cached': cached, 'stderr_outputs': len(warn), **json.loads(pmeta.read_text())['info']}
            print(f"  {'ok ' if ok else 'ERR'} {p.name:32s} {'cached' if cached else f'{secs:6.1f}s'}", flush=True)
            continue
        r = subprocess.run([sys.executable, __file__, '--process-one', str(src), str(dst)], capture_output=True, text=True,
                           env=dict(os.environ, PLOTLY_RENDERER='notebook', OMP_NUM_THREADS='1'))
        if r.returncode: print(r.stderr[-3000:]); sys.exit(f'processing {p.name} failed')
        plain = 'plain rendering' in r.stderr
        if plain: print(f'  ! {p.name}: ' + r.stderr.strip().splitlines()[-1])
        for ln in r.stderr.splitlines():
            if ln.startswith('show_doc failed: '): print(f'  ! {p.name}: {ln}')
        report[p.name] = {'executed': not a.no_exec, 'ok': ok, 'seconds': secs, 'cached': cached, 'stderr_outputs': len(warn), 'api_docs': not plain}
        CACHE.mkdir(parents=True, exist_ok=True); pmeta.write_text(json.dumps({'key': pkey, 'info': {'api_docs': not plain}}))
        print(f"  {'ok ' if ok else 'ERR'} {p.name:32s} {'cached' if cached else f'{secs:6.1f}s'}", flush=True)
    # drop pages of notebooks that no longer exist
    for q in PROC.glob('*.ipynb'):
        if not (NBS/q.name).exists(): q.unlink()
    if (ROOT/'docs'/'assets').is_dir():  # the site's own CSS/JS (mkdocs.yml extra_css, extra_javascript)
        shutil.copytree(ROOT/'docs'/'assets', PROC/'assets', dirs_exist_ok=True)
    home = index_page()
    if home is not None: (PROC/'index.md').write_text(home)
    elif (PROC/'index.md').exists(): (PROC/'index.md').unlink()
    t1 = time.time()
    r = subprocess.run([sys.executable, '-m', 'mkdocs', 'build', '--clean', '-f', str(ROOT/'mkdocs.yml'), '-q'], cwd=ROOT,
                       env=dict(os.environ, NO_MKDOCS_2_WARNING='1'))
    if r.returncode: sys.exit('mkdocs build failed')
    removed = strip_external(SITE)
    links = fix_links(SITE)
    bad = external_refs(SITE)
    failed = [k for k, v in report.items() if not v['ok']]
    summary = {'notebooks': report, 'failed': failed, 'stripped_external_tags': removed, 'external_refs': bad, 'links': links,
               'seconds_total': round(time.time() - t0, 1), 'seconds_mkdocs': round(time.time() - t1, 1)}
    (SITE/'build_report.json').write_text(json.dumps(summary, indent=2))
    print(f"site: {SITE.relative_to(ROOT)}/ ({len(report)} notebooks built, {len(failed)} failed to execute, "
          f"{sum(map(len, removed.values()))} CDN tags stripped) in {summary['seconds_total']}s (mkdocs {summary['seconds_mkdocs']}s)")
    if bad:
        for k, v in bad.items(): print(f'  external reference in {k}: {v[:3]}')
        sys.exit('the site references the network')
    if failed and a.strict: sys.exit(f'notebooks failed to execute: {failed}')
    return 0

if __name__ == '__main__': sys.exit(main())
