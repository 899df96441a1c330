#!/usr/bin/env python
"""Open built HTML pages in headless Debian chromium (playwright) with the network cut off, and check them.

For every page: block and record any request that would leave the machine (only the local server, data: and blob:
URLs are let through), record JavaScript errors, count the plotly figures (`.js-plotly-plot`) and leaflet maps
(`.leaflet-container`, also inside iframes such as folium's srcdoc frames), and save a full-page screenshot.

    python tools/browser_check.py SITE_DIR [--pages a/ b/] [--expect 08_visual=plotly:3 08a_maps=leaflet:2] [--out DIR]

Exits 1 if a page made an external request, threw a JavaScript error, or has fewer plot/map elements than
expected. Writes OUT/report.json and OUT/*.png.
"""
from __future__ import annotations
import argparse, contextlib, functools, http.server, json, os, re, shutil, sys, threading, time
from pathlib import Path
from urllib.parse import urlparse

CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync',
                 '--disable-dev-shm-usage']

def find_chromium():
    "Path of a chromium executable, or exit with the install hint."
    for c in (CHROMIUM, shutil.which('chromium') or '', shutil.which('chromium-browser') or ''):
        if c and Path(c).exists(): return c
    sys.exit("chromium not found: run `apt-get install -y chromium` (make docs-check does this)")

@contextlib.contextmanager
def serve(root):
    "Serve folder `root` on a free local port; yields the base URL."
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(root)))
    t = threading.Thread(target=srv.serve_forever, daemon=True); t.start()
    try: yield f'http://127.0.0.1:{srv.server_address[1]}/'
    finally: srv.shutdown()

def is_local(url, base):
    u = urlparse(url)
    return u.scheme in ('data', 'blob', 'about') or url.startswith(base) or (u.hostname in ('127.0.0.1', 'localhost') and u.port == urlparse(base).port)

COUNT_JS = """() => ({plotly: document.querySelectorAll('.js-plotly-plot').length,
                      plotly_drawn: document.querySelectorAll('.js-plotly-plot .main-svg').length,
                      leaflet: document.querySelectorAll('.leaflet-container').length,
                      leaflet_drawn: document.querySelectorAll('.leaflet-container .leaflet-interactive, .leaflet-container canvas').length,
                      title: document.title})"""

def check_pages(site, pages, out, expect=None, timeout_ms=30000, width=1280, height=900, max_element_shots=12):
    "Open each page of `site`; return a list of per-page result dicts."
    from playwright.sync_api import sync_playwright
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    results = []
    with serve(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        for rel in pages:
            ctx = browser.new_context(viewport={'width': width, 'height': height}, service_workers='block')
            page = ctx.new_page()
            external, errors, local = [], [], []
            def route(r, *_):
                if is_local(r.request.url, base): local.append(r.request.url); return r.continue_()
                external.append(r.request.url); return r.abort()
            ctx.route('**/*', route)
            page.on('pageerror', lambda e: errors.append(str(e)))
            page.on('console', lambda m: errors.append('console: ' + m.text) if m.type == 'error' else None)
            t0 = time.time()
            page.goto(base + rel, wait_until='load', timeout=timeout_ms)
            page.wait_for_timeout(1500)  # let plotly / leaflet draw
            counts = {'plotly': 0, 'plotly_drawn': 0, 'leaflet': 0, 'leaflet_drawn': 0}
            for fr in page.frames:
                with contextlib.suppress(Exception):
                    c = fr.evaluate(COUNT_JS)
                    for k in counts: counts[k] += c[k]
            title = page.title()
            shot = out / (re.sub(r'[^\w.-]+', '_', rel.strip('/')) or 'index')
            shot = shot.with_suffix('.png') if shot.suffix != '.html' else shot.with_suffix('.png')
            page.screenshot(path=str(shot))                                   # the top of the page
            page.screenshot(path=str(shot.with_suffix('.full.png')), full_page=True)
            shots = [str(shot)]
            for kind, sel in (('plotly', '.js-plotly-plot'), ('map', 'iframe, .leaflet-container')):
                for n, el in enumerate(page.query_selector_all(sel)[:max_element_shots]):
                    with contextlib.suppress(Exception):
                        el.scroll_into_view_if_needed(); page.wait_for_timeout(300)
                        f = shot.with_suffix(f'.{kind}-{n + 1}.png'); el.screenshot(path=str(f)); shots.append(str(f))
            need = (expect or {}).get(rel, {})
            missing = {k: (counts[k], n) for k, n in need.items() if counts[k] < n}
            ok = not external and not [e for e in errors if 'favicon' not in e] and not missing
            results.append(dict(page=rel, title=title, ok=ok, seconds=round(time.time() - t0, 2), **counts, missing=missing,
                                external_requests=external, errors=errors, local_requests=len(local), screenshots=shots))
            ctx.close()
        browser.close()
    return results

def parse_expect(items, pages):
    "`name=plotly:3,leaflet:1` -> {page: {'plotly': 3, 'leaflet': 1}} for pages whose path contains `name`."
    exp = {}
    for it in items or []:
        name, spec = it.split('=', 1)
        need = {k: int(v) for k, v in (s.split(':') for s in spec.split(','))}
        hits = [p for p in pages if name in p]
        if not hits: sys.exit(f"--expect {it}: no page matches {name!r}; pages: {pages}")
        for h in hits: exp.setdefault(h, {}).update(need)
    return exp

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('site', help='folder to serve (the built site)')
    ap.add_argument('--pages', nargs='*', help='pages relative to the site (default: every index.html and *.html)')
    ap.add_argument('--expect', nargs='*', help='name=kind:n[,kind:n] with kind in plotly, plotly_drawn, leaflet, leaflet_drawn')
    ap.add_argument('--out', default='_proc/checks/docs', help='screenshots and report.json go here')
    ap.add_argument('--timeout', type=float, default=float(os.environ.get('BROWSER_CHECK_TIMEOUT', 30)),
                    help='seconds to wait for a page to load (a busy machine needs more; $BROWSER_CHECK_TIMEOUT)')
    a = ap.parse_args(argv)
    site = Path(a.site)
    pages = a.pages or sorted(str(p.relative_to(site)).replace('index.html', '') for p in site.rglob('*.html')
                              if not any(x in p.parts for x in ('assets', 'search')) and p.name != '404.html')
    res = check_pages(site, pages, a.out, parse_expect(a.expect, pages), timeout_ms=int(a.timeout * 1000))
    Path(a.out).mkdir(parents=True, exist_ok=True)
    (Path(a.out)/'report.json').write_text(json.dumps(res, indent=2))
    for r in res:
        print(f"{'ok  ' if r['ok'] else 'FAIL'} {r['page'] or '/':40s} plotly {r['plotly']:2d} (drawn {r['plotly_drawn']:2d})  "
              f"leaflet {r['leaflet']:2d} (drawn {r['leaflet_drawn']:4d})  external {len(r['external_requests'])}  errors {len(r['errors'])}  {r['seconds']}s")
        for u in r['external_requests'][:5]: print('     external:', u)
        for e in r['errors'][:5]: print('     error:', e[:300])
        for k, (got, need) in r['missing'].items(): print(f'     missing: {k} {got} < {need}')
    bad = sum(not r['ok'] for r in res)
    print(f"{len(res) - bad} passed, {bad} failed")
    return 1 if bad else 0

if __name__ == '__main__': sys.exit(main())
