"""Bad-input suite (issue 8): every kind of fault the data layer names, and bad configs, through the `lgsid` command.

Each fault is one test id, for `lgsid data check FILE --format F` (`test_data_check[<fault>]`) and for
`lgsid run --config CFG --out DIR` with `[data] source = FILE` or a bad config (`test_run[<fault>]`). Every case asserts:
exit code 2; stderr names the file, the 1-based line/row, the column/field and the bad value where they apply;
no traceback on stdout or stderr; the output folder is left exactly as it was (a pre-existing DIR with a sentinel
and a previous run's files: same tree, same bytes; a DIR that did not exist is still absent); nothing is written
beside the input files.
`test_run_out_is_a_file`: `lgsid run` / `lgsid demo` with `--out` at an existing file (or under one) exit 2 with one
line naming it. `test_eval_poi[<fault>]`: `lgsid eval-poi FILE` with a missing file, a file in the other check-in format, an unknown
`--format`, a file too small for the thresholds, or an `--out` that is a folder: exit 2, the file (and line) named, the
folder left as it was.
`test_tokenize[<fault>]`: every bad items file of the `data check` cases, given to
`lgsid tokenize --run RUN --items FILE --out OUT`, gets the same located message (items are checked before the run is
read) and nothing is written; `test_tokenize_bad_run_or_out`: a `--run` that is not a run folder, an `--out` that is
a folder.

The malformed inputs are generated into `tmp_path` from the format-exact fixtures in `data/fixtures/`.

How the command is run. `lgsid run` imports the whole pipeline (torch, transformers, peft, trl) before it validates
anything: ~7 CPU-seconds per process, 25-30 s wall on the shared 2-core machine, far too slow for ~150 invocations.
So the cases go through a fork server: one subprocess loads the installed `lgsid` console-script entry point and
everything it imports, once, then forks a fresh child per invocation that does exactly what the console script does
(`sys.argv = ['lgsid', ...]; sys.exit(main())`), with its own stdin/stdout/stderr, working directory and exit status;
an uncaught exception is printed as the interpreter would (traceback on stderr, exit 1).
`test_console_script_parity` runs one `data check` and one `run` case through the real `.venv/bin/lgsid` process
(started at the beginning of the session, so its imports overlap the other tests) and checks that it passes the same
assertions and prints byte for byte what the fork server's child prints.
`LGSID_BAD_INPUT_REAL=1 pytest tests/test_bad_input.py` runs every case through the real console script instead
(slow: one full import per invocation).
(`python -m lgsid_nb.cli` cannot be used: cli.py has no `if __name__ == '__main__'` guard, so it exits 0 doing nothing.)

A child that gets past validation (a fault the data layer missed) starts the pipeline: it is killed as soon as it
prints its first stage line, and the case fails (documented as a strict xfail where the fix is outside this file).
"""
from __future__ import annotations
import dataclasses, hashlib, json, os, re, shutil, signal, subprocess, sys, time, typing
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT/'data'/'fixtures'
BROKEN = FIX/'broken'
LGSID = Path(sys.executable).parent/'lgsid'
if not LGSID.exists(): LGSID = Path(shutil.which('lgsid') or LGSID)
ENV = dict(os.environ, OMP_NUM_THREADS='1', HF_HUB_OFFLINE='1', TRANSFORMERS_OFFLINE='1', TOKENIZERS_PARALLELISM='false')
REAL = os.environ.get('LGSID_BAD_INPUT_REAL') == '1'
TIMEOUT = 120  # seconds for one invocation; validation takes well under a second
STARTED = re.compile(r'^\[\w+\] (running|cached)', re.M)  # the pipeline's first stage line: validation was passed
TRACEBACK = 'Traceback (most recent call last)'

# ---------------------------------------------------------------- running the command

class Result(typing.NamedTuple):
    rc: int|str  # exit status, or 'started' when the pipeline got past validation and was killed, or 'timeout'
    stdout: str
    stderr: str

class RealRun:
    "The installed `lgsid` console script, started now (`.result()` waits; the child is killed once it starts the pipeline)."
    def __init__(self, args, cwd, tmp):
        self.out, self.err = Path(tmp)/'stdout.txt', Path(tmp)/'stderr.txt'
        with open(self.out, 'wb') as fo, open(self.err, 'wb') as fe:
            self.p = subprocess.Popen([str(LGSID), *map(str, args)], cwd=cwd, env=ENV, stdin=subprocess.DEVNULL, stdout=fo,
                                      stderr=fe, start_new_session=True)
        self.t0 = time.time()
    def result(self):
        rc = None
        while rc is None:
            rc = self.p.poll()
            if rc is not None: break
            started = bool(STARTED.search(self.out.read_text(errors='replace')))
            if started or time.time() - self.t0 > TIMEOUT:
                os.killpg(self.p.pid, signal.SIGKILL); self.p.wait(); rc = 'started' if started else 'timeout'
            else: time.sleep(0.02)
        return Result(rc, self.out.read_text(errors='replace'), self.err.read_text(errors='replace'))

def run_real(args, cwd, tmp): return RealRun(args, cwd, tmp).result()

# The fork server: loads the console script's entry point and everything `lgsid` imports, once; then per request
# forks a child that runs the console script's body. Protocol: one JSON request per line on stdin, one reply on stdout.
# It also fills `data.geonames_places` (an lru_cache, ~4 CPU-s) once, so that children that assign districts
# before they reach the bad part of the input (Yelp reviews) start with it warm, as a second call in one process would.
SERVER = r"""
import json, os, re, signal, sys, time, traceback
from importlib.metadata import entry_points
main = entry_points(group="console_scripts", name="lgsid")["lgsid"].load()
import lgsid_nb.pipeline, lgsid_nb.formats, lgsid_nb.data  # what `lgsid run` / `lgsid data check` import before validating
try: lgsid_nb.data.geonames_places()
except Exception: pass
STARTED = re.compile(%r, re.M)
W = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
print("ready", flush=True)
for line in sys.stdin:
    req = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setpgid(0, 0)
            os.chdir(req["cwd"])
            for fd, path, flags in ((0, os.devnull, os.O_RDONLY), (1, req["stdout"], W), (2, req["stderr"], W)):
                f = os.open(path, flags, 0o644); os.dup2(f, fd); os.close(f)
            sys.stdin = open(0, closefd=False)
            sys.stdout = open(1, "w", closefd=False)
            sys.stderr = open(2, "w", closefd=False, errors="backslashreplace")
            sys.argv = ["lgsid", *req["args"]]
            try: code = main()   # the console script is `sys.exit(main())`
            except SystemExit as e: code = e.code
            except BaseException: traceback.print_exc(); code = 1   # what the interpreter does with an uncaught exception
            if code is None: code = 0
            elif not isinstance(code, int): print(code, file=sys.stderr); code = 1
        finally:
            try: sys.stdout.flush(); sys.stderr.flush()
            except BaseException: pass
            os._exit(code & 0xFF)
    t0, rc = time.time(), None
    while rc is None:
        p, status = os.waitpid(pid, os.WNOHANG)
        if p: rc = os.waitstatus_to_exitcode(status); break
        with open(req["stdout"], errors="replace") as f: started = bool(STARTED.search(f.read()))
        if started or time.time() - t0 > req["timeout"]:
            try: os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError: pass
            os.waitpid(pid, 0); rc = "started" if started else "timeout"
        else: time.sleep(0.02)
    print(json.dumps({"rc": rc}), flush=True)
""" % STARTED.pattern

class ForkServer:
    "A subprocess that runs `lgsid` invocations in forked children (see the module docstring)."
    def __init__(self, tmp:Path):
        self.log = tmp/'forkserver.log'
        self.p = subprocess.Popen([sys.executable, '-c', SERVER], cwd=tmp, env=ENV, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=open(self.log, 'wb'), text=True, bufsize=1)
        self.ready = False
    def _line(self):
        s = self.p.stdout.readline()
        if not s: raise RuntimeError(f"lgsid fork server died:\n{self.log.read_text(errors='replace')[-3000:]}")
        return s
    def __call__(self, args, cwd, tmp):
        if not self.ready: assert self._line().strip() == 'ready'; self.ready = True
        out, err = Path(tmp)/'stdout.txt', Path(tmp)/'stderr.txt'
        out.write_bytes(b''); err.write_bytes(b'')
        self.p.stdin.write(json.dumps(dict(args=list(map(str, args)), cwd=str(cwd), stdout=str(out), stderr=str(err), timeout=TIMEOUT)) + '\n')
        rc = json.loads(self._line())['rc']
        return Result(rc, out.read_text(errors='replace'), err.read_text(errors='replace'))
    def close(self):
        if self.p.poll() is None: self.p.kill(); self.p.wait()  # no interpreter shutdown of torch & co: nothing to flush

# ---------------------------------------------------------------- the state of folders

def snapshot(d:Path):
    "Every path under `d` (hidden ones too) with its kind and, for files, a hash of its bytes; None if `d` does not exist."
    d = Path(d)
    if not d.exists() and not d.is_symlink(): return None
    snap = {}
    for dp, dns, fns in os.walk(d):
        for n in dns: snap[os.path.relpath(os.path.join(dp, n), d)] = 'dir'
        for n in fns:
            p = Path(dp)/n
            snap[os.path.relpath(p, d)] = 'link ' + os.readlink(p) if p.is_symlink() else hashlib.sha256(p.read_bytes()).hexdigest()
    return snap

def previous_run(d:Path):
    "An output folder as a user has it: a sentinel file and a previous run's files."
    (d/'stages'/'data').mkdir(parents=True)
    (d/'SENTINEL.txt').write_text('left here by the user; must survive a failed run\n')
    (d/'metrics.json').write_text('{"data.n_items": 3, "previous": true}\n')
    (d/'stages'/'data'/'_stage.json').write_text('{"key": "0123456789abcdef", "seconds": 1.0, "metrics": {}}\n')
    (d/'.hidden').write_bytes(b'\x00\x01binary')
    return d

# ---------------------------------------------------------------- the malformed inputs

ITEM_HEAD = 'item_id,name,category,category_l1,brand,lat,lon,city,district,address'

def item_row(i, lat=None, lon=None, name=None, item_id=None):
    "One line of a valid items CSV (Helsinki), with fields overridden."
    return ','.join([f'i{i}' if item_id is None else item_id, f'Cafe {i}' if name is None else name, 'cafe', 'cafe', '',
                     f'{60.16 + 0.004*i:.4f}' if lat is None else lat, f'{24.93 + 0.005*i:.4f}' if lon is None else lon,
                     'Helsinki', 'Kamppi', f'Street {i}'])

def items_csv(d, rows=None, head=ITEM_HEAD, name='items.csv', encoding='utf-8', end='\n', **change):
    "An items CSV in `d` with 6 valid rows (numbered 1..6, file lines 2..7); `change={line: row text}` replaces lines."
    lines = [head] + [item_row(i) for i in range(1, 7)] if rows is None else [head] + rows
    for k, v in change.items(): lines[int(k[1:]) - 1] = v  # keys like L4 = file line 4
    p = Path(d)/name
    p.write_bytes(('\n'.join(lines) + end).encode(encoding))
    return p

def write(p, data:bytes|str):
    p = Path(p); p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data if isinstance(data, bytes) else data.encode('utf-8'))
    return p

def fixture_lines(name, encoding='utf-8'): return (FIX/name).read_bytes().decode(encoding).splitlines()

def fsq_field(line_no, field, value):
    "The NYC Foursquare fixture with field `field` (0-based) of file line `line_no` set to `value`."
    lines = fixture_lines('dataset_TSMC2014_NYC.txt', 'latin-1')
    f = lines[line_no - 1].split('\t'); f[field] = value; lines[line_no - 1] = '\t'.join(f)
    return ('\n'.join(lines) + '\n').encode('latin-1')

def yelp_dir(d, business=None, review=None):
    "A folder with the two Yelp files: the fixtures, or the given bytes (None for review: leave it out if `review is False`)."
    d = Path(d)/'yelp'; d.mkdir()
    write(d/'yelp_academic_dataset_business.json', business if business is not None else (FIX/'yelp_academic_dataset_business.json').read_bytes())
    if review is not False: write(d/'yelp_academic_dataset_review.json', review if review is not None else (FIX/'yelp_academic_dataset_review.json').read_bytes())
    return d/'yelp_academic_dataset_business.json'

# ---------------------------------------------------------------- the cases

@dataclasses.dataclass
class E:
    "One expected line of stderr: it names the file, the 1-based row/line, the column, the value and what is wrong."
    row: int|None = None  # the line/row; None for whole-file problems
    col: str|None = None  # the column or field (quoted in the message)
    val: str|None = None  # a literal substring naming the bad value
    msg: str|None = None  # a regex for what is wrong
    file: str|bool|None = None  # a file name relative to the case folder; None: the input file; False: none named

@dataclasses.dataclass
class Case:
    id: str
    make: typing.Callable  # (folder) -> dict(path=input file, fmt=format, interactions=file, config=TOML text, args=extra args)
    expect: list
    where: tuple = ('check', 'run')
    xfail: dict = dataclasses.field(default_factory=dict)  # command -> reason, for faults whose fix is outside this file

def D(fmt, make, **kw): return lambda d: dict(path=make(d), fmt=fmt, **kw)

SHORT_ROW = ("data._read_table / validate_items: pandas pads a CSV row with too few fields with NaN, so a row missing "
             "trailing fields (short row, or a file cut in the middle of its last row) is accepted; fix: count the fields "
             "of every record (csv.reader) against the header and add a Problem(line, None, line text, 'expected N "
             "comma-separated fields, found M [(truncated ...)]') before validating")
QUOTE_ROW = ("data._read_table: pandas reports an unclosed quote as 'EOF inside string starting at row N' with N 0-based "
             "(N = file line - 1) and the Problem has no row; fix: locate the record (csv.reader / the same field count "
             "pre-scan) and report the 1-based file line where the quoted field starts")
UNKNOWN_FORMAT = ("pipeline.load_run_data: [data] format = 'csv' reaches formats.load_dataset, which raises ValueError; "
                  "cli.main catches only DataError/ConfigError/FileNotFoundError, so the user gets a traceback and exit 1; "
                  "fix: in load_run_data raise ConfigError(f\"{config}: [data] format: unknown format {fmt!r}; use one of "
                  "...\") when d.format not in formats.FORMATS (and name the config file)")
CONFIG_DIR = ("pipeline.load_config: `--config DIR` passes `p.exists()` and `p.read_text` raises IsADirectoryError, "
              "a traceback and exit 1; fix: `if not p.is_file(): raise ConfigError(f'config file not found (or not a file): {p}')`")

CASES = [
    # -- items table (CSV / parquet): coordinates
    Case('items-lat-out-of-range', D('items', lambda d: items_csv(d, L4=item_row(3, lat='95.5'))), [E(4, 'lat', '95.5', 'outside')]),
    Case('items-lat-infinite', D('items', lambda d: items_csv(d, L3=item_row(2, lat='inf'))), [E(3, 'lat', 'inf', 'outside')]),
    Case('items-lon-non-numeric', D('items', lambda d: items_csv(d, L3=item_row(2, lon='east'))), [E(3, 'lon', "'east'", 'not a number')]),
    Case('items-lat-nan', D('items', lambda d: items_csv(d, L5=item_row(4, lat='NaN'))), [E(5, 'lat', "'NaN'", 'not a number')]),
    Case('items-lon-blank', D('items', lambda d: items_csv(d, L3=item_row(2, lon=''))), [E(3, 'lon', None, 'missing value')]),
    Case('items-parquet-nan', D('items', lambda d: _parquet_nan(d)), [E(2, 'lat', None, 'missing value')]),
    # -- items table: schema, ids
    Case('items-missing-column', D('items', lambda d: items_csv(d, rows=[','.join(r.split(',')[:6] + r.split(',')[7:]) for r in map(item_row, range(1, 4))],
                                                                head=ITEM_HEAD.replace(',lon', ''))), [E(None, 'lon', None, 'missing column')]),
    Case('items-missing-id', D('items', lambda d: items_csv(d, L3=item_row(2, item_id=''))), [E(3, 'item_id', None, 'missing id')]),
    Case('items-duplicate-id', D('items', lambda d: items_csv(d, L5=item_row(4, item_id='i2'))), [E(5, 'item_id', "'i2'", r'duplicate id \(first seen at row 3\)')]),
    # -- items table: the file itself
    Case('items-empty-file', D('items', lambda d: write(d/'items.csv', b'')), [E(None, None, None, 'empty')]),
    Case('items-header-only', D('items', lambda d: items_csv(d, rows=[])), [E(None, None, None, 'empty')]),
    Case('items-truncated', D('items', lambda d: items_csv(d, end='', L7=item_row(6)[:item_row(6).index(',Helsinki') + 5])),
         [E(7, None, None, r'truncated|expected 10')]),
    Case('items-latin1', D('items', lambda d: items_csv(d, encoding='latin-1', L3=item_row(2, name='Caf\u00e9 Ol\u00e9'))),
         [E(3, None, r'\xe9', 'not utf-8')]),
    Case('items-utf16', D('items', lambda d: items_csv(d, encoding='utf-16')), [E(1, None, None, 'NUL bytes.*UTF-16')]),
    Case('items-extra-field', D('items', lambda d: items_csv(d, L4=item_row(3) + ',surplus')), [E(4, None, None, r'(?i)expected 10 .*fields.*11')]),
    Case('items-short-row', D('items', lambda d: items_csv(d, L3=item_row(2).rsplit(',', 1)[0])),
         [E(3, None, None, r'(?i)expected 10 .*fields.*9')]),
    Case('items-unclosed-quote', D('items', lambda d: items_csv(d, L5=item_row(4, name='"Cafe 4'))),
         [E(5, None, None, r'(?i)quot|EOF inside string')]),
    Case('items-unsupported-suffix', D('items', lambda d: items_csv(d, name='items.txt')), [E(None, None, "'.txt'", 'unsupported file type')]),
    Case('items-missing-file', D('items', lambda d: d/'nothere.csv'), [E(None, None, None, 'not found')]),
    # -- interactions next to an items table (`lgsid data check` has no interactions argument)
    Case('interactions-unknown-item', D('items', items_csv, interactions=lambda d: write(d/'interactions.csv',
         'user_id,item_id,timestamp\nu1,i1,2024-05-01T10:00:00Z\nu1,zz9,2024-05-02T10:00:00Z\nu2,i3,2024-05-02T11:00:00Z\n')),
         [E(3, 'item_id', "'zz9'", 'unknown item', file='interactions.csv')], where=('run',)),
    Case('interactions-bad-timestamp', D('items', items_csv, interactions=lambda d: write(d/'interactions.csv',
         'user_id,item_id,timestamp\nu1,i1,2024-05-01T10:00:00Z\nu1,i2,2024-05-01T10:00:00Z\nu2,i3,next tuesday\n')),
         [E(4, 'timestamp', "'next tuesday'", 'unparseable timestamp', file='interactions.csv')], where=('run',)),
    Case('interactions-missing-column', D('items', items_csv, interactions=lambda d: write(d/'interactions.csv',
         'user_id,item_id\nu1,i1\nu1,i2\n')), [E(None, 'timestamp', None, 'missing column', file='interactions.csv')], where=('run',)),
    Case('interactions-empty-file', D('items', items_csv, interactions=lambda d: write(d/'interactions.csv', b'')),
         [E(None, None, None, 'empty', file='interactions.csv')], where=('run',)),
    Case('interactions-latin1', D('items', items_csv, interactions=lambda d: write(d/'interactions.csv',
         'user_id,item_id,timestamp\nu1,i1,2024-05-01T10:00:00Z\nJos\u00e9,i2,2024-05-01T10:00:00Z\n'.encode('latin-1'))),
         [E(3, None, r'\xe9', 'not utf-8', file='interactions.csv')], where=('run',)),
    # -- Foursquare TSMC2014
    Case('foursquare-bad-values', D('foursquare', lambda d: write(d/'fsq.txt', (BROKEN/'fsq_bad_values.txt').read_bytes())),
         [E(2, 'utcTimestamp', "'Tue Apr 33 18:00:25 +0000 2012'", 'unparseable timestamp'), E(4, 'latitude', "'abc'", 'not a number'),
          E(5, 'longitude', "'-200.5'", r'outside \[-180, 180\]'), E(6, 'timezoneOffset', "'EST'", 'not a number')]),
    Case('foursquare-lat-nan', D('foursquare', lambda d: write(d/'fsq.txt', fsq_field(3, 4, 'nan'))), [E(3, 'latitude', "'nan'", 'not a number')]),
    Case('foursquare-lat-out-of-range', D('foursquare', lambda d: write(d/'fsq.txt', fsq_field(7, 4, '-91.25'))), [E(7, 'latitude', "'-91.25'", 'outside')]),
    Case('foursquare-wrong-columns', D('foursquare', lambda d: write(d/'fsq.txt', (BROKEN/'fsq_wrong_columns.txt').read_bytes())),
         [E(3, None, "'69\\t4b5b981bf964a520900929e3", 'expected 8 tab-separated fields, found 7'), E(5, None, "'470\\t", 'expected 8 tab-separated fields, found 9')]),
    Case('foursquare-truncated', D('foursquare', lambda d: write(d/'fsq.txt', (BROKEN/'fsq_truncated.txt').read_bytes())),
         [E(6, None, "'69\\t4d0cc47f903d37041864bf55", r'found 3 \(truncated')]),
    Case('foursquare-utf16', D('foursquare', lambda d: write(d/'fsq.txt', (BROKEN/'fsq_utf16.txt').read_bytes())), [E(1, None, r"\xff\xfe", 'NUL bytes')]),
    Case('foursquare-empty-file', D('foursquare', lambda d: write(d/'fsq.txt', b'')), [E(None, None, None, 'empty file')]),
    Case('foursquare-missing-file', D('foursquare', lambda d: d/'nothere.txt'), [E(None, None, None, 'not found')]),
    # -- Gowalla
    Case('gowalla-bad-values', D('gowalla', lambda d: write(d/'gowalla.txt', (BROKEN/'gowalla_bad.txt').read_bytes())),
         [E(2, 'check-in time', "'yesterday'", 'unparseable timestamp'), E(3, 'latitude', "'95.2557309927'", r'outside \[-90, 90\]'),
          E(4, 'longitude', "'west'", 'not a number'), E(5, None, "'0\\t2010-10-16T18:50:42Z", 'expected 5 tab-separated fields, found 4')]),
    Case('gowalla-truncated', D('gowalla', lambda d: write(d/'gowalla.txt', (FIX/'loc-gowalla_totalCheckins.txt').read_bytes()[:-30])),
         [E(12, None, "'2\\t2010-10-19T11:11:11Z", r'truncated')]),
    Case('gowalla-utf16', D('gowalla', lambda d: write(d/'gowalla.txt', (FIX/'loc-gowalla_totalCheckins.txt').read_text().encode('utf-16'))),
         [E(1, None, r'\xff\xfe', 'NUL bytes')]),
    Case('gowalla-latin1', D('gowalla', lambda d: write(d/'gowalla.txt', (FIX/'loc-gowalla_totalCheckins.txt').read_bytes().replace(b'\t22847\n', b'\t22847\xe9\n', 1))),
         [E(1, None, r'\xe9', 'not utf-8')]),
    Case('gowalla-empty-file', D('gowalla', lambda d: write(d/'gowalla.txt', b'\n\n')), [E(None, None, None, 'empty file')]),
    # -- Yelp (business file + review file beside it)
    Case('yelp-malformed-json', D('yelp', lambda d: yelp_dir(d, business=(BROKEN/'yelp_business_malformed.json').read_bytes())),
         [E(2, None, None, 'malformed JSON'), E(4, 'latitude', None, 'missing field'), E(5, 'longitude', "'far east'", 'not a number')]),
    Case('yelp-latin1', D('yelp', lambda d: yelp_dir(d, business=(BROKEN/'yelp_business_latin1.json').read_bytes())),
         [E(2, None, r'\xe9', 'not utf-8'), E(5, None, r'\xe9', 'not utf-8')]),
    Case('yelp-truncated', D('yelp', lambda d: yelp_dir(d, business=(FIX/'yelp_academic_dataset_business.json').read_bytes()[:-40])),
         [E(5, None, None, r'malformed JSON.*\(truncated')]),
    Case('yelp-duplicate-id', D('yelp', lambda d: yelp_dir(d, business=_yelp_duplicate())),
         [E(3, 'business_id', "'bZ1aQx7Hc3Kd0Ln5Pq2RsT'", r'duplicate business id \(first seen at line 1\)')]),
    Case('yelp-review-faults', D('yelp', lambda d: yelp_dir(d, review=(BROKEN/'yelp_review_bad.json').read_bytes())),
         [E(2, 'business_id', "'zzzzzzzzzzzzzzzzzzzzzz'", 'unknown business', file='yelp/yelp_academic_dataset_review.json'),
          E(3, 'date', "'2017-02-30 08:00:15'", 'unparseable timestamp', file='yelp/yelp_academic_dataset_review.json'),
          E(5, None, "'[1, 2, 3]'", 'expected a JSON object', file='yelp/yelp_academic_dataset_review.json')]),
    Case('yelp-empty-file', D('yelp', lambda d: yelp_dir(d, business=b'')), [E(None, None, None, 'empty file')]),
    Case('yelp-missing-review-file', D('yelp', lambda d: yelp_dir(d, review=False)),
         [E(None, None, None, 'not found', file='yelp/yelp_academic_dataset_review.json')]),
    # -- bad command lines and configs
    Case('check-unknown-format', lambda d: dict(path=items_csv(d), fmt='csv'), [E(None, 'format', "'csv'", 'invalid choice', file=False)], where=('check',)),
    Case('config-unknown-key', lambda d: dict(config='[data]\nsourc = "x.csv"\n'), [E(None, None, "'sourc'", r'\.data: unknown key', file='config.toml')], where=('run',)),
    Case('config-unknown-top-key', lambda d: dict(config='sed = 1\n'), [E(None, None, "'sed'", 'unknown key', file='config.toml')], where=('run',)),
    Case('config-wrong-type', lambda d: dict(config='seed = "zero"\n'), [E(None, 'seed', "'zero'", 'must be int', file='config.toml')], where=('run',)),
    Case('config-wrong-type-nested', lambda d: dict(config='[data]\nsynthetic_items = "many"\n'),
         [E(None, 'synthetic_items', "'many'", r'\.data: .*must be int', file='config.toml')], where=('run',)),
    Case('config-wrong-type-list', lambda d: dict(config='[data]\nsynthetic_cities = "Helsinki"\n'),
         [E(None, 'synthetic_cities', "'Helsinki'", 'must be tuple', file='config.toml')], where=('run',)),
    Case('config-section-not-table', lambda d: dict(config='data = 3\n'), [E(None, None, '3', r'\.data: expected a table', file='config.toml')], where=('run',)),
    Case('config-not-toml', lambda d: dict(config='[data\nsource = 1\n'), [E(None, None, None, r'not valid TOML.*line 1', file='config.toml')], where=('run',)),
    Case('config-missing-file', lambda d: dict(config=None, args=['--config', d/'nothere.toml']), [E(None, None, None, 'not found', file='nothere.toml')], where=('run',)),
    Case('config-is-a-directory', lambda d: dict(config=None, args=['--config', d]), [E(None, None, None, r'not found|not a file|directory', file='.')],
         where=('run',)),
    Case('config-missing-data-file', lambda d: dict(config=f"[data]\nsource = '{d/'nothere.csv'}'\n"),
         [E(None, None, 'source', 'not found', file='nothere.csv')], where=('run',)),
    Case('config-missing-interactions-file', lambda d: dict(config=f"[data]\nsource = '{items_csv(d)}'\ninteractions = '{d/'nothere.csv'}'\n"),
         [E(None, None, None, 'not found', file='nothere.csv')], where=('run',)),
    Case('config-unknown-format', lambda d: dict(config=f"[data]\nsource = '{items_csv(d)}'\nformat = 'csv'\n"),
         [E(None, 'format', "'csv'", 'unknown format', file='config.toml')], where=('run',)),
    Case('config-unknown-force-stage', lambda d: dict(config=f"[data]\nsource = '{items_csv(d)}'\n", args=['--force', 'embedd']),
         [E(None, None, "'embedd'", r'--force: unknown stage', file=False)], where=('run',)),
]

def _parquet_nan(d):
    import pandas as pd
    p = Path(d)/'items.parquet'
    pd.DataFrame({'item_id': ['a', 'b', 'c'], 'name': ['A', 'B', 'C'], 'category': 'cafe', 'category_l1': 'cafe', 'brand': '',
                  'lat': [60.17, float('nan'), 60.18], 'lon': [24.94, 24.95, 24.96], 'city': 'Helsinki', 'district': 'Kamppi',
                  'address': ['S 1', 'S 2', 'S 3']}).to_parquet(p, index=False)
    return p

def _yelp_duplicate():
    lines = fixture_lines('yelp_academic_dataset_business.json')
    o = json.loads(lines[2]); o['business_id'] = json.loads(lines[0])['business_id']
    lines[2] = json.dumps(o, ensure_ascii=False)
    return ('\n'.join(lines) + '\n').encode('utf-8')

# ---------------------------------------------------------------- the checks

def check_message(stderr, expect, d:Path, default_file):
    "Each expectation matches one line of stderr that names its file, `file:row:` (or 'line/row N'), column, value, message."
    for e in expect:
        f = None if e.file is False else str(default_file if e.file is None else (d/e.file).resolve() if e.file == '.' else d/e.file)
        def ok(line):
            if f is not None and f not in line: return False
            if e.row is not None and not (f and f"{f}:{e.row}:" in line or re.search(rf"\b(line|row) {e.row}\b", line)): return False
            if e.col is not None and f"'{e.col}'" not in line and f"--{e.col}" not in line: return False
            if e.val is not None and e.val not in line: return False
            return e.msg is None or re.search(e.msg, line) is not None
        assert any(ok(l) for l in stderr.splitlines()), (
            f"no line of stderr names file={f!r} row={e.row} column={e.col!r} value={e.val!r} message~{e.msg!r}:\n{stderr}")

def check_clean(r:Result):
    "Exit 2, a one-line-per-problem message on stderr, no traceback anywhere."
    assert TRACEBACK not in r.stdout, f"traceback on stdout:\n{r.stdout[-3000:]}"
    assert TRACEBACK not in r.stderr, f"traceback on stderr (exit {r.rc}):\n{r.stderr[-3000:]}"
    assert r.rc == 2, f"exit code {r.rc!r}, expected 2\nstdout: {r.stdout[-1500:]}\nstderr: {r.stderr[-1500:]}"
    assert re.match(r'(lgsid: error: |usage: lgsid)', r.stderr), f"stderr does not start with 'lgsid: error:':\n{r.stderr[:2000]}"
    assert '"n_items"' not in r.stdout, f"a summary was printed for bad input:\n{r.stdout}"

def params(where):
    out = []
    for c in CASES:
        if where not in c.where: continue
        marks = [pytest.mark.xfail(strict=True, reason=c.xfail[where])] if where in c.xfail else []
        out.append(pytest.param(c, id=c.id, marks=marks))
    return out

def setup_case(c, tmp_path):
    d = Path(tmp_path)/'in'; d.mkdir(parents=True)
    spec = c.make(d)
    if callable(spec.get('interactions')): spec['interactions'] = spec['interactions'](d)
    return d, spec

def run_config(c, d, spec):
    "The arguments (config file and extra args) for `lgsid run` on case `c`; writes the config into `d`."
    if 'config' in spec:
        args = list(spec.get('args', []))
        if spec['config'] is not None: write(d/'config.toml', spec['config']); args = ['--config', d/'config.toml'] + args
        return args
    text = f"# bad-input case {c.id}\nseed = 0\n\n[data]\nsource = '{spec['path']}'\nformat = '{spec['fmt']}'\n"
    if spec.get('interactions'): text += f"interactions = '{spec['interactions']}'\n"
    write(d/'config.toml', text)
    return ['--config', d/'config.toml']

def check_args(spec): return ['data', 'check', spec['path'], '--format', spec['fmt']]

CASE = {c.id: c for c in CASES}
PARITY = {'check': 'foursquare-bad-values', 'run': 'interactions-unknown-item'}  # run through the real console script too

class Harness:
    "How the tests run `lgsid`: `run(args, cwd, tmp)`, and the real console-script runs for the parity tests."
    def __init__(self, tmp:Path):
        if not REAL: (tmp/'forkserver').mkdir()
        self.run = run_real if REAL else ForkServer(tmp/'forkserver')
        self.parity = {}
        for where, cid in PARITY.items():   # started now: the real script's imports overlap the other tests
            t = tmp/f'parity-{where}'; d, spec = setup_case(CASE[cid], t)
            if where == 'check': args, out = check_args(spec), None
            else: out = previous_run(t/'runs'/'old'); args = ['run', *run_config(CASE[cid], d, spec), '--out', out]
            snaps = (snapshot(d), snapshot(out) if out else None)
            self.parity[where] = (RealRun(args, d, t), args, d, spec, out, snaps)
    def close(self):
        if isinstance(self.run, ForkServer): self.run.close()

@pytest.fixture(scope='session', autouse=True)
def harness(tmp_path_factory):
    h = Harness(tmp_path_factory.mktemp('bad_input'))
    yield h
    h.close()

@pytest.mark.parametrize('case', params('check'))
def test_data_check(case, tmp_path, harness):
    "`lgsid data check FILE --format F` on a malformed file: exit 2, a located message, nothing written."
    d, spec = setup_case(case, tmp_path)
    before = snapshot(d)
    r = harness.run(check_args(spec), d, tmp_path)
    check_clean(r)
    check_message(r.stderr, case.expect, d, spec['path'])
    assert snapshot(d) == before, "files were written beside the input"

@pytest.mark.parametrize('case', params('run'))
def test_run(case, tmp_path, harness):
    "`lgsid run --config CFG --out DIR` with bad data or a bad config: exit 2, a located message, DIR untouched (absent or not)."
    d, spec = setup_case(case, tmp_path)
    args = run_config(case, d, spec)
    before_in = snapshot(d)
    # a DIR that does not exist stays absent
    new = tmp_path/'runs'/'new'
    r = harness.run(['run', *args, '--out', new], d, tmp_path)
    check_clean(r)
    check_message(r.stderr, case.expect, d, spec.get('path'))
    assert not new.exists() and not new.parent.exists(), f"output folder created: {snapshot(new.parent)}"
    # a DIR holding a previous run and a sentinel keeps its tree and bytes
    old = previous_run(tmp_path/'runs'/'old')
    snap = snapshot(old)
    r2 = harness.run(['run', *args, '--out', old], d, tmp_path)
    check_clean(r2)
    assert r2.stderr == r.stderr, "a different message when the output folder exists"
    assert snapshot(old) == snap, "the existing output folder was modified"
    assert sorted(p.name for p in old.parent.iterdir()) == ['old'], "something was written beside the output folder"
    assert snapshot(d) == before_in, "files were written beside the inputs"

@pytest.mark.parametrize('where', list(PARITY))
def test_console_script_parity(where, harness, tmp_path):
    "The installed `lgsid` script (a real process) passes the same checks and prints exactly what the harness's child prints."
    real, args, d, spec, out, (snap_in, snap_out) = harness.parity[where]
    case = CASE[PARITY[where]]
    r = real.result()
    check_clean(r)
    check_message(r.stderr, case.expect, d, spec['path'])
    assert snapshot(d) == snap_in
    if out is not None: assert snapshot(out) == snap_out, "the existing output folder was modified"
    served = harness.run(args, d, tmp_path)
    assert (served.rc, served.stdout, served.stderr) == (r.rc, r.stdout, r.stderr)

# ---------------------------------------------------------------- `--out` at a file, and `lgsid tokenize`

def test_run_out_is_a_file(tmp_path, harness):
    "`lgsid run --out PATH` / `lgsid demo --out PATH` where PATH (or a folder above it) is a file: exit 2, one line naming PATH."
    d = tmp_path/'in'; d.mkdir()
    args = run_config(Case('run-out-is-a-file', None, []), d, dict(path=items_csv(d), fmt='items'))
    taken = write(tmp_path/'taken.txt', 'a file the user keeps\n')
    before, before_in = snapshot(tmp_path/'taken.txt'), snapshot(d)
    for cmd in (['run', *args], ['demo']):
        for out in (taken, taken/'run'):
            r = harness.run([*cmd, '--out', out], d, tmp_path)
            check_clean(r)
            assert len(r.stderr.splitlines()) == 1, r.stderr
            check_message(r.stderr, [E(None, None, None, 'exists and is not a folder' if out == taken else 'is a file, not a folder')],
                          d, out)
            assert taken.read_text() == 'a file the user keeps\n' and snapshot(taken) == before
    assert snapshot(d) == before_in, "files were written beside the inputs"

def tokenize_args(run, items, out): return ['tokenize', '--run', run, '--items', items, '--out', out]

@pytest.mark.parametrize('case', [pytest.param(c, id=c.id) for c in CASES if 'check' in c.where and c.id.startswith('items-')])
def test_tokenize(case, tmp_path, harness):
    "`lgsid tokenize --items FILE` with a bad items file: exit 2, the message of `data check`, nothing written (items are checked before the run)."
    d, spec = setup_case(case, tmp_path)
    before = snapshot(d)
    out = tmp_path/'sids'/'new_sids.parquet'
    r = harness.run(tokenize_args(tmp_path/'no_run', spec['path'], out), d, tmp_path)
    check_clean(r)
    check_message(r.stderr, case.expect, d, spec['path'])
    assert not out.parent.exists(), "the output's folder was created"
    assert snapshot(d) == before, "files were written beside the input"

def test_tokenize_bad_run_or_out(tmp_path, harness):
    "`lgsid tokenize` with good items but `--run` not a run folder, or `--out` an existing folder: exit 2, one line naming it."
    d = tmp_path/'in'; d.mkdir()
    items = items_csv(d)
    (tmp_path/'empty_run').mkdir()
    cases = [(tmp_path/'no_run', tmp_path/'new.parquet', tmp_path/'no_run', 'not a run folder'),
             (tmp_path/'empty_run', tmp_path/'new.parquet', tmp_path/'empty_run', 'not a run folder'),
             (tmp_path/'empty_run', d, d, 'is a folder')]
    before = snapshot(tmp_path)
    for run, out, named, msg in cases:
        r = harness.run(tokenize_args(run, items, out), d, tmp_path)
        check_clean(r)
        check_message(r.stderr, [E(None, None, None, msg)], d, named)
        assert not (tmp_path/'new.parquet').exists()
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith(('stdout', 'stderr', 'forkserver'))} == \
           {k: v for k, v in before.items() if not k.startswith(('stdout', 'stderr', 'forkserver'))}

# ---------------------------------------------------------------- `lgsid eval-poi`

EVAL_POI = {  # id -> (args after `eval-poi`, given the case folder; expected lines)
    'missing-file': (lambda d: [d/'nothere.txt'], [E(None, None, None, 'file not found', file='nothere.txt')]),
    'gowalla-read-as-foursquare': (lambda d: [write(d/'gw.txt', (FIX/'loc-gowalla_totalCheckins.txt').read_bytes()), '--format', 'foursquare'],
                                   [E(1, None, "'0\\t2010-10-19T23:55:27Z", 'expected 8 tab-separated fields, found 5', file='gw.txt')]),
    'foursquare-read-as-gowalla': (lambda d: [write(d/'fsq.txt', (FIX/'dataset_TSMC2014_NYC.txt').read_bytes()), '--format', 'gowalla'],
                                   [E(3, None, r'\xe9', 'not utf-8', file='fsq.txt')]),  # latin-1 names: the decoding fails first
    'unknown-format': (lambda d: [write(d/'fsq.txt', (FIX/'dataset_TSMC2014_NYC.txt').read_bytes()), '--format', 'yelp'],
                       [E(None, 'format', "'yelp'", 'invalid choice', file=False)]),
    'too-few-checkins': (lambda d: [write(d/'fsq.txt', (FIX/'dataset_TSMC2014_NYC.txt').read_bytes())],
                         [E(None, None, None, 'no check-ins left', file='fsq.txt')]),
    'out-is-a-folder': (lambda d: [write(d/'fsq.txt', (FIX/'dataset_TSMC2014_NYC.txt').read_bytes()), '--min-poi', '1', '--min-user', '1',
                                   '--out', (d/'results').mkdir() or write(d/'results'/'keep.txt', 'mine\n').parent],
                        [E(None, None, None, 'is a folder', file='results')]),
}

@pytest.mark.parametrize('fault', list(EVAL_POI))
def test_eval_poi(fault, tmp_path, harness):
    "`lgsid eval-poi` with bad input: exit 2, the file (and line) named, no traceback, nothing written."
    d = tmp_path/'in'; d.mkdir()
    make, expect = EVAL_POI[fault]
    args = make(d)
    before = snapshot(d)
    r = harness.run(['eval-poi', *args], d, tmp_path)
    check_clean(r)
    check_message(r.stderr, expect, d, None)
    assert snapshot(d) == before, "files were written or changed beside the input"
