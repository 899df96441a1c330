#!/usr/bin/env python
"""Count the public methods documented in the built docs site, and the public functions with full docments.

    python tools/docs_coverage.py [SITE_DIR]        # default _docs (built by `make docs`)
    python tools/docs_coverage.py --list-docments   # also list the functions whose docments are incomplete

A *public method* is a method of a public class of an `lgsid_nb` module (a class named in the module's `__all__`
and defined there): every name in the class's own `__dict__` not starting with `_`, plus `forward`, whose function
was written in `lgsid_nb` (in the class body or attached with fastcore's `@patch`); methods inherited from torch,
transformers, trl or dataclasses are not in the class's `__dict__` and are not counted. Static and class methods
(also those attached with `@patch(cls_method=True)`, stored as fastcore's `_clsmethod`) and properties count as methods.

A method is *documented* when the site page of the notebook that defines it (found from the `# %% ../nbs/X.ipynb`
marker above its line in the generated module) has a heading `Class.method`: what `show_doc(Class.method)` renders
(nbdev's markdown `### Class.method`, an `<h3>` in the mkdocs page). The page of the class's own notebook counts
too (a method patched in a later notebook may be shown next to its class).

Prints `documented methods: N of M`, lists the missing ones by page, and exits 1 if any is missing. Also prints
`full docments: N of M` for the public functions and methods: every parameter (but `self`/`cls`) has a `# comment`,
and a function with a `return <value>` has a return annotation with a comment. That count is informative only.
"""
from __future__ import annotations
import argparse, ast, html, importlib, inspect, pkgutil, re, sys, textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = 'lgsid_nb'
_RE_CELL = re.compile(r'^# %% \.\./nbs/(?P<nb>[^ ]+?)\.ipynb', re.M)
_RE_HEAD = re.compile(r'<h([1-6])\b[^>]*>(.*?)</h\1>', re.S | re.I)
_RE_TAG = re.compile(r'<[^>]+>')


def modules():
    "The package's modules (but `_modidx`), imported."
    pkg = importlib.import_module(PKG)
    names = sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith('_'))
    return [importlib.import_module(f'{PKG}.{n}') for n in names]


def unwrap(v):
    "The function behind a class attribute (function, static/class method, property, cached property), else None."
    if isinstance(v, (staticmethod, classmethod)): v = v.__func__
    elif type(v).__name__ == '_clsmethod' and hasattr(v, 'f'): v = v.f  # fastcore `@patch(cls_method=True)`
    elif isinstance(v, property): v = v.fget
    elif hasattr(v, 'func') and type(v).__name__ == 'cached_property': v = v.func
    v = inspect.unwrap(v) if callable(v) else None
    return v if inspect.isfunction(v) else None


def is_public_method(name):
    return not name.startswith('_') or name == 'forward'


def public_classes(mod):
    "Public classes exported by `mod` and defined in it (re-exports are counted in their own module)."
    for n in getattr(mod, '__all__', []):
        c = getattr(mod, n, None)
        if inspect.isclass(c) and not n.startswith('_') and c.__module__ == mod.__name__: yield n, c


def public_methods(mod):
    "`(class name, method name, function)` for the public methods of `mod`'s public classes written in lgsid_nb."
    for cn, c in public_classes(mod):
        for mn, v in vars(c).items():
            f = unwrap(v)
            if f is None or not is_public_method(mn): continue
            if not (getattr(f, '__module__', '') or '').startswith(PKG): continue  # e.g. an attribute set from torch
            yield cn, mn, f


def public_functions(mod):
    "Public functions named in `mod.__all__` and defined in it."
    for n in getattr(mod, '__all__', []):
        f = getattr(mod, n, None)
        if inspect.isfunction(f) and not n.startswith('_') and f.__module__ == mod.__name__: yield n, f


def _notebook_at(path, line, _cache={}):
    "Stem of the notebook whose generated cell contains `line` of module file `path` (from its `# %% ../nbs/X.ipynb` markers)."
    if path not in _cache:
        src = Path(path).read_text(encoding='utf-8')
        _cache[path] = [(src.count('\n', 0, m.start()) + 1, m['nb']) for m in _RE_CELL.finditer(src)]
    nb = None
    for start, name in _cache[path]:
        if start > line: break
        nb = name
    return nb


def notebook_of(obj):
    "Stem of the notebook that defines function or class `obj`, or None."
    try: return _notebook_at(inspect.getsourcefile(obj), inspect.getsourcelines(obj)[1])
    except (OSError, TypeError): return None


def page_headings(site, stem, _cache={}):
    "The text of every heading of the site page built from notebook `stem` (mkdocs: STEM/index.html)."
    if stem not in _cache:
        p = Path(site)/stem/'index.html'
        if not p.exists(): p = Path(site)/f'{stem}.html'
        t = p.read_text(encoding='utf-8') if p.exists() else ''
        _cache[stem] = {html.unescape(_RE_TAG.sub('', h)).replace('¶', '').strip() for _, h in _RE_HEAD.findall(t)}
    return _cache[stem]


def method_coverage(site, mods):
    "`(documented, missing)`: lists of `(page, 'Class.method')`."
    documented, missing = [], []
    for mod in mods:
        for cn, mn, f in public_methods(mod):
            title = f'{cn}.{mn}'
            pages = [p for p in dict.fromkeys([notebook_of(f), notebook_of(getattr(mod, cn))]) if p]
            hit = any(title in page_headings(site, p) for p in pages)
            (documented if hit else missing).append((pages[0] if pages else mod.__name__, title))
    return documented, missing


def plain_pages(site):
    "Stems of the pages `tools/build_docs.py` rendered without API docs (from the site's build_report.json)."
    import json
    p = Path(site)/'build_report.json'
    if not p.exists(): return set()
    return {Path(k).stem for k, v in json.loads(p.read_text()).get('notebooks', {}).items() if v.get('api_docs') is False}


def _returns_value(f):
    "Whether `f`'s own body (not nested functions) has a `return <value>`."
    try: tree = ast.parse(textwrap.dedent(inspect.getsource(f)))
    except (OSError, TypeError, SyntaxError): return False
    fn = tree.body[0]
    stack = list(getattr(fn, 'body', []))
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Return) and n.value is not None and not (isinstance(n.value, ast.Constant) and n.value.value is None):
            return True
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)): continue
        stack.extend(ast.iter_child_nodes(n))
    return False


def docments_gaps(f):
    "What is missing from `f`'s docments: parameter names without a comment, and 'return' if it returns a value undocumented."
    from fastcore.docments import docments
    try: d = docments(f, full=True)
    except Exception: return ['(unparsable)']
    gaps = [k for k, v in d.items() if k not in ('return', 'self', 'cls') and not v['docment']]
    if _returns_value(f):
        r = d.get('return', {})
        if not r or r['anno'] is inspect.Parameter.empty or not r['docment']: gaps.append('return')
    return gaps


def main(argv=None):
    ap = argparse.ArgumentParser(description='Public methods documented in the built site; public functions with full docments.')
    ap.add_argument('site', nargs='?', default=str(ROOT/'_docs'), help='the built site (default _docs)')
    ap.add_argument('--list-docments', action='store_true', help='list the functions and methods with incomplete docments')
    a = ap.parse_args(argv)
    site = Path(a.site)
    if not (site/'index.html').exists(): sys.exit(f'{site}: no built site (run `make docs`)')
    sys.path.insert(0, str(ROOT))
    mods = modules()
    documented, missing = method_coverage(site, mods)
    total = len(documented) + len(missing)
    print(f'documented methods: {len(documented)} of {total}')
    by_page = {}
    for page, title in missing: by_page.setdefault(page, []).append(title)
    plain = plain_pages(site)
    for page, titles in sorted(by_page.items()):
        why = ' (page rendered without API docs: the nbdev processors failed on it, see `make docs`)' if page in plain else ''
        print(f'  missing on {page}{why}: ' + ', '.join(sorted(titles)))
    funcs = [(f'{m.__name__[len(PKG)+1:]}.{n}', f) for m in mods for n, f in public_functions(m)]
    funcs += [(f'{m.__name__[len(PKG)+1:]}.{cn}.{mn}', f) for m in mods for cn, mn, f in public_methods(m)]
    gaps = {name: g for name, f in funcs if (g := docments_gaps(f))}
    print(f'full docments: {len(funcs) - len(gaps)} of {len(funcs)} public functions and methods (informative)')
    if a.list_docments:
        for name, g in sorted(gaps.items()): print(f'  {name}: no docment for {", ".join(g)}')
    if missing: print(f'FAIL: {len(missing)} public methods have no show_doc on their page'); return 1
    return 0


if __name__ == '__main__': sys.exit(main())
