"""No import circle inside `lgsid_nb` (issue 17).

Walks every module of the package with `ast`, collecting each import of another `lgsid_nb` module, at module level
and inside functions alike (`from .x import`, `from lgsid_nb.x import`, `from lgsid_nb import x`, `import lgsid_nb.x`,
and `importlib.import_module('lgsid_nb.x')` with a literal name), and fails on any cycle, naming it with the
file and line of every import on it. A function-level import only postpones a circle to run time, so it counts.
"""
import ast, re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = 'lgsid_nb'

# Imports still allowed although they close a circle: (importer, imported) -> the one function it may happen in,
# the names it may import, and why and until when. Any other import between the two modules still counts.
TRANSITIONAL = {
    ('lgsid_nb.data', 'lgsid_nb.osm'): dict(function='default_items', names={'default_items'}, why=
        "`data.default_items`, a call-time alias of `osm.default_items`, kept until nbs/01c_simulate and nbs/09_pipeline "
        "import `default_items` from `lgsid_nb.osm`; then delete the alias in nbs/01_data and this entry"),
}

def module_names(pkg_dir:Path):
    "Dotted module name -> file, for every .py file of the package."
    out = {}
    for f in sorted(pkg_dir.rglob('*.py')):
        parts = list(f.relative_to(pkg_dir.parent).with_suffix('').parts)
        if parts[-1] == '__init__': parts = parts[:-1]
        out['.'.join(parts)] = f
    return out

def _resolve(name:str, modules:dict):
    "The longest known module that `name` (a dotted import target) names or lies in; None outside the package."
    parts = name.split('.')
    for i in range(len(parts), 0, -1):
        if '.'.join(parts[:i]) in modules: return '.'.join(parts[:i])
    return None

def _scoped(tree):
    "(node, name of the innermost enclosing function or '') for every node."
    todo = [(tree, '')]
    while todo:
        node, fn = todo.pop()
        yield node, fn
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)): fn = node.name
        todo.extend((c, fn) for c in ast.iter_child_nodes(node))

def import_edges(pkg_dir:Path):
    "Every (importer, imported, file, line, imported names, enclosing function) between modules of the package."
    modules, edges = module_names(pkg_dir), []
    for mod, f in modules.items():
        is_pkg = f.name == '__init__.py'
        here = mod.split('.') if is_pkg else mod.split('.')[:-1]  # the package a relative import starts from
        for node, fn in _scoped(ast.parse(f.read_text(), str(f))):
            targets = []
            if isinstance(node, ast.ImportFrom):
                base = node.module or ''
                if node.level:
                    up = here[:len(here) - (node.level - 1)]
                    base = '.'.join(up + ([base] if base else []))
                for a in node.names:  # `from pkg import sub` imports the submodule sub
                    sub = f"{base}.{a.name}"
                    targets.append((sub, '*') if sub in modules else (base, a.name))
            elif isinstance(node, ast.Import):
                targets = [(a.name, '*') for a in node.names]
            elif (isinstance(node, ast.Call) and getattr(node.func, 'attr', getattr(node.func, 'id', None)) == 'import_module'
                  and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                targets = [(node.args[0].value, '*')]
            found = {}
            for t, name in targets:
                t = _resolve(t, modules)
                if t is not None and t != mod: found.setdefault(t, set()).add(name)
            edges += [(mod, t, f.relative_to(pkg_dir.parent), node.lineno, names, fn) for t, names in found.items()]
    return edges

def _allowed(edge, allowed):
    "Whether an import edge is a TRANSITIONAL one, in its function and importing only its names."
    a, b, _, _, names, fn = edge
    rule = allowed.get((a, b))
    return rule is not None and fn == rule['function'] and names <= rule['names']

def find_cycles(edges, allowed={}):
    "Each strongly connected group of modules with more than one member, as one cycle through it."
    graph = {}
    for e in edges:
        a, b = e[:2]
        graph.setdefault(a, set())
        graph.setdefault(b, set())
        if not _allowed(e, allowed): graph[a].add(b)
    index, low, stack, on, sccs = {}, {}, [], set(), []
    def visit(v):  # Tarjan; the graph is a few dozen modules, recursion is fine
        index[v] = low[v] = len(index); stack.append(v); on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on: low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1: sccs.append(set(comp))
    for v in sorted(graph):
        if v not in index: visit(v)
    cycles = []
    for comp in sccs:  # one concrete path around the group, from its first module back to it
        start = min(comp)
        path, seen = [start], {start}
        def walk(v):
            for w in sorted(graph[v] & comp):
                if w == start and len(path) > 1: return True
                if w not in seen:
                    path.append(w); seen.add(w)
                    if walk(w): return True
                    path.pop()
            return False
        walk(start)
        cycles.append(path + [start])
    return cycles

def describe(cycle, edges):
    "A cycle as 'a -> b -> a', each arrow with the file:line of the import."
    where = {}
    for a, b, f, line, *_ in edges: where.setdefault((a, b), []).append(f"{f}:{line}")
    steps = [f"{a} -> {b} ({', '.join(where[(a, b)])})" for a, b in zip(cycle, cycle[1:])]
    return ' -> '.join(cycle) + '\n    ' + '\n    '.join(steps)

def test_no_import_cycle():
    edges = import_edges(ROOT/PKG)
    assert any(a == 'lgsid_nb.osm' and b == 'lgsid_nb.data' for a, b, *_ in edges)  # the walk sees imports at all
    cycles = find_cycles(edges, allowed=TRANSITIONAL)
    assert not cycles, "import circle(s) in lgsid_nb:\n  " + '\n  '.join(describe(c, edges) for c in cycles)

def test_transitional_imports_still_needed():
    "An allowance whose import is gone, or whose last caller has moved, must be deleted."
    edges = import_edges(ROOT/PKG)
    for (a, b), rule in TRANSITIONAL.items():
        assert any(e[:2] == (a, b) and _allowed(e, TRANSITIONAL) for e in edges), \
            f"{a} no longer imports {b} in {rule['function']}: delete its TRANSITIONAL entry ({rule['why']})"
    callers = [f"{f.relative_to(ROOT)}" for d in ('nbs', PKG, 'bench', 'tools') for f in sorted((ROOT/d).rglob('*'))
               if f.suffix in ('.py', '.ipynb') and '.ipynb_checkpoints' not in f.parts and f.name != '01_data.ipynb'
               and re.search(r"lgsid_nb\.data import[^\n]*\bdefault_items\b", f.read_text())]
    if ('lgsid_nb.data', 'lgsid_nb.osm') in TRANSITIONAL:
        assert callers, "nothing imports default_items from lgsid_nb.data any more: delete the alias in nbs/01_data and its TRANSITIONAL entry"

def test_finds_a_cycle(tmp_path):
    "The check itself: a circle through a function-level relative import is found and named."
    p = tmp_path/'toy'; p.mkdir()
    (p/'__init__.py').write_text('')
    (p/'a.py').write_text('from .b import f\n')
    (p/'b.py').write_text('def f():\n    from toy.c import g\n    return g()\n')
    (p/'c.py').write_text('import numpy as np\ndef g():\n    from . import a\n')
    (p/'d.py').write_text('from toy import a, c\n')
    edges = import_edges(p)
    test = {(a, b) for a, b, *_ in edges}
    assert test == {('toy.a', 'toy.b'), ('toy.b', 'toy.c'), ('toy.c', 'toy.a'), ('toy.d', 'toy.a'), ('toy.d', 'toy.c')}, test
    cycles = find_cycles(edges)
    assert cycles == [['toy.a', 'toy.b', 'toy.c', 'toy.a']], cycles
    msg = describe(cycles[0], edges)
    assert 'toy.c -> toy.a (toy/c.py:3)' in msg, msg
    assert find_cycles(edges, allowed={('toy.c', 'toy.a'): dict(function='g', names={'*'})}) == []
    assert find_cycles(edges, allowed={('toy.c', 'toy.a'): dict(function='h', names={'*'})}) == cycles  # another function
    assert find_cycles(edges, allowed={('toy.c', 'toy.a'): dict(function='g', names={'f'})}) == cycles  # another name
