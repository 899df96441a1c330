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

def find_cycles(edges):
    "One cycle (a path back to its first module) through each strongly connected group of more than one module."
    import networkx as nx
    g = nx.DiGraph((e[0], e[1]) for e in edges)
    out = []
    for comp in nx.strongly_connected_components(g):
        if len(comp) > 1:
            path = [a for a, _ in nx.find_cycle(g.subgraph(comp), source=min(comp))]
            out.append(path + [path[0]])
    return sorted(out)

def describe(cycle, edges):
    "A cycle as 'a -> b -> a', each arrow with the file:line of the import."
    where = {}
    for a, b, f, line, *_ in edges: where.setdefault((a, b), []).append(f"{f}:{line}")
    steps = [f"{a} -> {b} ({', '.join(where[(a, b)])})" for a, b in zip(cycle, cycle[1:])]
    return ' -> '.join(cycle) + '\n    ' + '\n    '.join(steps)

def test_no_import_cycle():
    edges = import_edges(ROOT/PKG)
    assert any(a == 'lgsid_nb.osm' and b == 'lgsid_nb.data' for a, b, *_ in edges)  # the walk sees imports at all
    cycles = find_cycles(edges)
    assert not cycles, "import circle(s) in lgsid_nb:\n  " + '\n  '.join(describe(c, edges) for c in cycles)

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
