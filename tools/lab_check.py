#!/usr/bin/env python
"""Start JupyterLab headless, open a notebook in headless chromium (playwright), run all cells, check for errors.

    python tools/lab_check.py [nbs/08_visual.ipynb] [--out _lab_check] [--timeout 600]

JupyterLab runs on a free local port with no token, autosave off and notebook windowing off (so every cell is in
the page), with its own settings/workspace folders in a temporary directory: the notebook on disk is never
written. The browser's requests that would leave the machine are blocked and reported. Passes when every code
cell got an execution count, no output holds a traceback, and the plotly figures of the notebook are drawn.
Writes OUT/report.json and screenshots.
"""
from __future__ import annotations
import argparse, contextlib, json, os, re, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_check import CHROMIUM_ARGS, find_chromium, is_local

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = {  # JupyterLab user settings for a check that must not write the notebook or reach the network
    '@jupyterlab/docmanager-extension/plugin.jupyterlab-settings': {'autosave': False},
    '@jupyterlab/notebook-extension/tracker.jupyterlab-settings': {'windowingMode': 'none'},
    '@jupyterlab/apputils-extension/notification.jupyterlab-settings': {'fetchNews': 'false', 'checkForUpdates': False},
}

def free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

@contextlib.contextmanager
def jupyter_lab(root, tmp, log):
    "Start `jupyter lab` headless on a free port; yields its base URL; stops it afterwards."
    port = free_port()
    for rel, v in SETTINGS.items():
        p = Path(tmp)/'settings'/rel; p.parent.mkdir(parents=True, exist_ok=True); p.write_text(json.dumps(v))
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS', '1'), HF_HUB_OFFLINE='1',
               JUPYTER_CONFIG_DIR=str(Path(tmp)/'config'), JUPYTER_RUNTIME_DIR=str(Path(tmp)/'runtime'))
    cmd = [str(Path(sys.executable).parent/'jupyter'), 'lab', '--no-browser', '--ip', '127.0.0.1', f'--port={port}',
           "--IdentityProvider.token=", '--ServerApp.password=', f'--ServerApp.root_dir={root}',
           f"--LabApp.user_settings_dir={Path(tmp)/'settings'}", f"--LabApp.workspaces_dir={Path(tmp)/'workspaces'}",
           '--LabApp.news_url=None', '--LabApp.extension_manager=readonly']
    if hasattr(os, 'geteuid') and os.geteuid() == 0: cmd.append('--allow-root')  # CI and dev machines run as root
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
    base = f'http://127.0.0.1:{port}/'
    try:
        t0 = time.time()
        while True:
            if proc.poll() is not None: raise RuntimeError(f'jupyter lab exited with {proc.returncode}; see {log.name}')
            with contextlib.suppress(Exception):
                if urllib.request.urlopen(base + 'api/status', timeout=2).status == 200: break
            if time.time() - t0 > 90: raise RuntimeError('jupyter lab did not start in 90 s')
            time.sleep(0.5)
        print(f'jupyter lab up in {time.time() - t0:.1f}s at {base}', flush=True)
        yield base
    finally:
        proc.terminate()
        try: proc.wait(15)
        except subprocess.TimeoutExpired: proc.kill()

STATE_JS = r"""() => {
  const cells = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')];
  const prompts = cells.map(c => (c.querySelector('.jp-InputPrompt') || {}).innerText || '');
  const outs = [...document.querySelectorAll('.jp-Notebook .jp-OutputArea-output')].map(o => o.innerText || '');
  const status = document.querySelector('.jp-Notebook-ExecutionIndicator');
  return {n_code: cells.length, prompts, tracebacks: outs.filter(t => /Traceback \(most recent call last\)|^\w*(Error|Exception)\b.*:/m.test(t)).map(t => t.slice(0, 1500)),
          plotly: document.querySelectorAll('.js-plotly-plot').length,
          plotly_drawn: document.querySelectorAll('.js-plotly-plot .main-svg').length,
          leaflet_frames: document.querySelectorAll('.jp-OutputArea-output iframe').length,
          busy: status ? status.getAttribute('data-status') : null};
}"""

def run_check(nb, out, timeout, expect_plotly):
    from playwright.sync_api import sync_playwright
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    rel = Path(nb).resolve().relative_to(ROOT)
    res = {'notebook': str(rel)}
    with tempfile.TemporaryDirectory(prefix='lab_check_') as tmp, open(out/'jupyter.log', 'w') as log, \
         jupyter_lab(ROOT, tmp, log) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={'width': 1400, 'height': 1000})
        external, page_errors = [], []
        ctx.route('**/*', lambda r, *_: r.continue_() if is_local(r.request.url, base) else (external.append(r.request.url), r.abort())[1])
        page = ctx.new_page()
        page.on('pageerror', lambda e: page_errors.append(str(e)))
        t0 = time.time()
        page.goto(f'{base}lab/tree/{rel.as_posix()}', wait_until='domcontentloaded', timeout=90_000)
        page.wait_for_selector('.jp-Notebook .jp-CodeCell', timeout=90_000)
        # a notebook without kernel metadata (nbdev_clean strips it) asks which kernel: take the default (Python 3)
        with contextlib.suppress(Exception):
            page.locator('.jp-Dialog button', has_text=re.compile(r'^Select$')).click(timeout=8_000)
        page.wait_for_function("() => { const k = document.querySelector('.jp-Toolbar-kernelName, .jp-KernelName'); "
                               "return k && !/No Kernel/.test(k.innerText); }", timeout=90_000)
        page.wait_for_function("() => { const s = document.querySelector('.jp-Notebook-ExecutionIndicator'); return s && s.getAttribute('data-status') === 'idle'; }", timeout=120_000)
        res['open_seconds'] = round(time.time() - t0, 1)
        page.screenshot(path=str(out/'lab_open.png'))
        # Run > Run All Cells (the menu, as a user would)
        page.locator('.lm-MenuBar-itemLabel', has_text=re.compile(r'^Run$')).first.click()
        page.locator('.lm-Menu-itemLabel', has_text=re.compile(r'^Run All Cells$')).first.click()
        t1 = time.time()
        page.wait_for_timeout(2000)
        while True:
            st = page.evaluate(STATE_JS)
            done = st['busy'] == 'idle' and all(re.search(r'\[\d+\]', pr) for pr in st['prompts'])
            stalled = st['busy'] == 'idle' and any(re.search(r'\[\s?\]', pr) for pr in st['prompts']) and time.time() - t1 > 10
            if done or stalled or st['tracebacks'] or time.time() - t1 > timeout: break
            page.wait_for_timeout(1000)
        page.wait_for_timeout(2000)
        st = page.evaluate(STATE_JS)
        res.update(run_seconds=round(time.time() - t1, 1), n_code_cells=st['n_code'],
                   executed=sum(bool(re.search(r'\[\d+\]', pr)) for pr in st['prompts']), tracebacks=st['tracebacks'],
                   plotly=st['plotly'], plotly_drawn=st['plotly_drawn'], frames=st['leaflet_frames'],
                   external_requests=external, page_errors=page_errors)
        page.screenshot(path=str(out/'lab_done.png'))
        figs = page.query_selector_all('.js-plotly-plot')
        for i, el in enumerate(figs[:3]):
            with contextlib.suppress(Exception):
                el.scroll_into_view_if_needed(); page.wait_for_timeout(300); el.screenshot(path=str(out/f'lab_plotly-{i + 1}.png'))
        browser.close()
    res['ok'] = (res['executed'] == res['n_code_cells'] > 0 and not res['tracebacks'] and res['plotly'] >= expect_plotly
                 and not res['external_requests'])
    (out/'report.json').write_text(json.dumps(res, indent=2))
    return res

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('notebook', nargs='?', default=str(ROOT/'nbs'/'08_visual.ipynb'))
    ap.add_argument('--out', default=str(ROOT/'_proc'/'checks'/'lab'))
    ap.add_argument('--timeout', type=int, default=600, help='seconds for Run All')
    ap.add_argument('--expect-plotly', type=int, default=1, help='plotly figures that must be drawn')
    a = ap.parse_args(argv)
    r = run_check(a.notebook, a.out, a.timeout, a.expect_plotly)
    print(f"{r['notebook']}: opened in {r['open_seconds']}s, ran {r['executed']}/{r['n_code_cells']} code cells in {r['run_seconds']}s, "
          f"{r['plotly']} plotly figures ({r['plotly_drawn']} svg layers), {len(r['tracebacks'])} tracebacks, "
          f"{len(r['external_requests'])} external requests")
    for t in r['tracebacks'][:3]: print('  traceback:', t[:800])
    for u in r['external_requests'][:5]: print('  external:', u)
    print(f"{int(r['ok'])} passed, {int(not r['ok'])} failed")
    return 0 if r['ok'] else 1

if __name__ == '__main__': sys.exit(main())
