"""Write README.md from nbs/index.ipynb (Quarto, which nbdev_readme needs, is not obtainable offline).

`python tools/readme.py` rewrites README.md; `--check` exits 1 if README.md differs from what it would write.
"""
import json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = "<!-- Generated from nbs/index.ipynb by tools/readme.py: edit the notebook, not this file. -->\n\n"

def _src(cell): return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']

def render(nb_path=ROOT/'nbs'/'index.ipynb'):
    "Markdown of the notebook: markdown cells as they are, shown code cells fenced, directive-only lines dropped."
    nb = json.loads(Path(nb_path).read_text(encoding='utf-8'))
    parts = []
    for cell in nb['cells']:
        src = _src(cell).strip('\n')
        if cell['cell_type'] == 'markdown': parts.append(src)
        elif cell['cell_type'] == 'code':
            lines = src.splitlines()
            dirs = [l for l in lines if l.startswith('#|')]
            if any(('hide' in d) or ('include: false' in d) for d in dirs): continue
            code = '\n'.join(l for l in lines if not l.startswith('#|')).strip('\n')
            if code: parts.append(f"```python\n{code}\n```")
    return HEADER + '\n\n'.join(p for p in parts if p) + '\n'

def main(argv=sys.argv[1:]):
    out, new = ROOT/'README.md', render()
    if '--check' in argv:
        if not out.exists() or out.read_text(encoding='utf-8') != new:
            print("README.md is stale: run `python tools/readme.py` (or `make sync`)"); return 1
        return 0
    if not out.exists() or out.read_text(encoding='utf-8') != new: out.write_text(new, encoding='utf-8')
    return 0

if __name__ == '__main__': sys.exit(main())
