#!/usr/bin/env python
"""Check every link of the built docs site, offline: no dead internal link, no link to a site that does not exist,
no duplicate element id on a page.

    python tools/check_links.py [SITE_DIR]          # default _docs (built by `make docs`)

For every page (`*.html` but the theme's assets and search):
- **internal links** (`<a href>`, `<img src>`, `<script src>`, `<link href>`, `<iframe src>` that stay on the site):
  the target file exists (a folder means its `index.html`), and a `#fragment` is an `id` (or `<a name>`) on the
  target page;
- **duplicate ids**: no `id` twice on one page (a table-of-contents link to a duplicated id lands on the first);
- **external links**: their host is one the site may link to. The project's own docs host (`doc_host` in
  settings.ini) is not published, so a link there is dead; the repository (`git_url`) counts only when this
  checkout's `origin` remote is that repository. Other hosts must be in `KNOWN_HOSTS` (sites that exist and that
  the pages cite on purpose); a new one is reported so that someone checks it and adds it.
Nothing is fetched. Prints one line per problem and a summary; exits 1 if there is any problem.
"""
from __future__ import annotations
import argparse, configparser, html.parser, posixpath, re, subprocess, sys
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlparse, unquote

ROOT = Path(__file__).resolve().parent.parent
KNOWN_HOSTS = {  # sites the pages link to on purpose (all exist); the theme's footer links to mkdocs-material
    'squidfunk.github.io', 'www.mkdocs.org', 'openstreetmap.org', 'www.openstreetmap.org', 'opendatacommons.org',
    'geonames.org', 'www.geonames.org', 'creativecommons.org', 'arxiv.org', 'huggingface.co', 'pytorch.org',
    'docs.python.org', 'pandas.pydata.org', 'numpy.org', 'plotly.com', 'python-visualization.github.io',
    'leafletjs.com', 'nbdev.fast.ai', 'fastcore.fast.ai', 'sites.google.com', 'github.com'}
LOCAL_HOSTS = {'127.0.0.1', 'localhost'}  # the site itself when served by `make docs-serve`

def settings():
    cp = configparser.ConfigParser(); cp.read(ROOT/'settings.ini')
    return cp['DEFAULT']

def configured_repo():
    "The settings' `git_url` if this checkout's origin remote is that repository, else None."
    url = settings().get('git_url', '').rstrip('/')
    try: origin = subprocess.run(['git', 'remote', 'get-url', 'origin'], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError: origin = ''
    norm = lambda u: u.rstrip('/').removesuffix('.git').replace('git@github.com:', 'https://github.com/').lower()
    return url if url and origin and norm(origin) == norm(url) else None

class _Page(html.parser.HTMLParser):
    "Ids and links of one page (the text inside `srcdoc` frames is another document: not looked into)."
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.links = [], []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get('id'): self.ids.append(a['id'])
        if tag == 'a' and a.get('name'): self.ids.append(a['name'])
        for k in ('href', 'src'):
            v = a.get(k)
            if v is None or (tag == 'link' and a.get('rel') in ('canonical',)): continue
            if tag in ('a', 'img', 'script', 'link', 'iframe', 'source'): self.links.append((tag, v))

_RE_BODY = re.compile(r'(<(script|style)\b[^>]*>).*?(</\2>)', re.S | re.I)

def parse(path):
    "Ids and links of the page at `path` (script and style bodies skipped: plotly.js alone is megabytes)."
    p = _Page(); p.feed(_RE_BODY.sub(r'\1\3', path.read_text(encoding='utf-8'))); return p

def page_url(site, path):
    "The site-absolute URL path of file `path` ('/x/' for x/index.html)."
    rel = path.relative_to(site).as_posix()
    return '/' + (rel[:-len('index.html')] if rel.endswith('index.html') else rel)

def target_file(site, urlpath):
    "The file a site URL path names (a folder: its index.html), or None."
    p = site/unquote(urlpath).lstrip('/')
    if urlpath.endswith('/') or p.is_dir(): p = p/'index.html'
    return p if p.is_file() else None

def check(site):
    "List of (page, problem) for the built site at `site`."
    site = Path(site).resolve()
    doc_host = urlparse(settings().get('doc_host', '')).hostname
    repo = configured_repo()
    git_url = settings().get('git_url', '').rstrip('/')
    pages = sorted(p for p in site.rglob('*.html') if not {'assets', 'search'} & set(p.relative_to(site).parts))
    parsed, problems, ext = {}, [], Counter()
    sets = {}
    def get(f):
        if f not in parsed: parsed[f] = parse(f)
        return parsed[f]
    def idset(f):
        if f not in sets: sets[f] = set(get(f).ids)
        return sets[f]
    for f in pages:
        pg, rel = get(f), f.relative_to(site).as_posix()
        for i, n in Counter(pg.ids).items():
            if n > 1: problems.append((rel, f'id "{i}" used {n} times'))
        base = page_url(site, f)
        for tag, u in pg.links:
            pu = urlparse(u)
            if pu.scheme in ('data', 'blob', 'mailto', 'javascript', 'about'): continue
            if pu.scheme in ('http', 'https') or u.startswith('//'):
                h = pu.hostname or ''
                if h in LOCAL_HOSTS: continue
                ext[h] += 1
                if h == doc_host: problems.append((rel, f'link to the unpublished docs host: {u}'))
                elif git_url and u.startswith(git_url) and not repo:
                    problems.append((rel, f'link to a repository this checkout does not have as its origin: {u}'))
                elif h not in KNOWN_HOSTS: problems.append((rel, f'link to an unknown site (check it exists, then add it to KNOWN_HOSTS): {u}'))
                continue
            if pu.scheme: problems.append((rel, f'link with scheme {pu.scheme}: {u}')); continue
            path = posixpath.normpath(posixpath.join(posixpath.dirname(base) if not base.endswith('/') else base, pu.path)) if pu.path else base
            if pu.path.endswith('/') and not path.endswith('/'): path += '/'
            tf = target_file(site, path) if pu.path else f
            if tf is None: problems.append((rel, f'dead link ({tag}): {u}')); continue
            if pu.fragment and tf.suffix == '.html' and unquote(pu.fragment) not in idset(tf):
                problems.append((rel, f'dead anchor: {u}'))
    return problems, len(pages), ext

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('site', nargs='?', default=str(ROOT/'_docs'))
    ap.add_argument('--max', type=int, default=40, help='problems printed per kind')
    a = ap.parse_args(argv)
    site = Path(a.site)
    if not (site/'index.html').exists(): sys.exit(f'{site}: no built site (run `make docs`)')
    problems, n, ext = check(site)
    kinds = defaultdict(list)
    for pg, msg in problems: kinds[msg.split(':')[0].split(' "')[0]].append((pg, msg))
    for k, v in kinds.items():
        for pg, msg in v[:a.max]: print(f'  {pg}: {msg}')
        if len(v) > a.max: print(f'  ... and {len(v) - a.max} more: {k}')
    print(f"links: {n} pages; external hosts linked: {dict(ext) or 'none'}; "
          + (f"FAIL: {len(problems)} problems ({', '.join(f'{len(v)} {k}' for k, v in kinds.items())})" if problems else 'no dead link, no duplicate id'))
    return 1 if problems else 0

if __name__ == '__main__': sys.exit(main())
