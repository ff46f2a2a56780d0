"""TPC-H data: generate Parquet files with tpchgen-cli, load them as Arrow tables.

Example::

    >>> from tpch.gen import ensure_data, load_tables
    >>> data_dir = ensure_data(0.01)            # ~/.cache/tqp/tpch/sf0.01, generated once
    >>> tables = load_tables(data_dir)
    >>> tables["lineitem"].schema.field("l_extendedprice").type
    Decimal128Type(decimal128(15, 2))

From the shell: ``python -m tpch gen --sf 1 [--data-dir DIR]``.

What tpchgen-cli 4.0 writes (checked at SF 0.01): keys as int64, money as
decimal128(15, 2), dates as date32, l_linenumber/p_size/ps_availqty/o_shippriority
as int32 and every string as string_view.  ``load_tables`` turns that into the
types tqp and the peers handle best (see ``normalize_table``).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

__all__ = [
    "TABLES",
    "default_data_dir",
    "find_table_files",
    "data_present",
    "generate",
    "run_generator",
    "ensure_data",
    "load_tables",
    "normalize_table",
]

TABLES = ("region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem")

# Bytes tpchgen-cli writes per unit of scale factor (snappy Parquet, all tables; measured
# 3.25 MB at SF 0.01 and 362 MB at SF 1), to turn the growing output into a progress bar.
_BYTES_PER_SF = 362e6
_TABLE_SHARE = {  # share of those bytes per table (SF 1)
    "region": 0.00001,
    "nation": 0.00001,
    "supplier": 0.0025,
    "customer": 0.0385,
    "part": 0.019,
    "partsupp": 0.124,
    "orders": 0.1755,
    "lineitem": 0.6405,
}


# Low-cardinality string columns (at most a few thousand distinct values at any scale):
# dictionary-encoded, which is what tqp stores anyway and what makes group-by and
# equality on them cheap.  High-cardinality ones (names, comments, addresses) stay plain.
DICTIONARY_COLUMNS = frozenset(
    {
        "r_name",
        "n_name",
        "c_mktsegment",
        "o_orderstatus",
        "o_orderpriority",
        "o_clerk",
        "p_mfgr",
        "p_brand",
        "p_type",
        "p_container",
        "l_returnflag",
        "l_linestatus",
        "l_shipinstruct",
        "l_shipmode",
    }
)

# Identifier columns.  The spec lets them be any integer type that holds every key;
# narrowed to int32 while the scale factor keeps them below 2**31 (o_orderkey reaches
# 2**31 near SF 89), int64 beyond.
KEY_COLUMNS = frozenset(
    {
        "r_regionkey",
        "n_nationkey",
        "n_regionkey",
        "s_suppkey",
        "s_nationkey",
        "c_custkey",
        "c_nationkey",
        "p_partkey",
        "ps_partkey",
        "ps_suppkey",
        "o_orderkey",
        "o_custkey",
        "l_orderkey",
        "l_partkey",
        "l_suppkey",
    }
)


def sf_label(sf: float) -> str:
    """'0.01' for 0.01, '1' for 1.0: the scale factor as it appears in paths."""
    return format(float(sf), "g")


def default_data_dir(sf: float, benchmark: str = "tpch") -> Path:
    """The cache folder for one scale factor: ``~/.cache/tqp/tpch/sf{sf}`` (honours XDG_CACHE_HOME)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "tqp" / benchmark / f"sf{sf_label(sf)}"


def find_table_files(data_dir: str | os.PathLike, table: str) -> list[Path]:
    """The Parquet files holding one table: ``table.parquet`` or ``table/*.parquet`` (tpchgen --parts)."""
    d = Path(data_dir)
    single = d / f"{table}.parquet"
    if single.is_file():
        return [single]
    folder = d / table
    if folder.is_dir():
        return sorted(p for p in folder.rglob("*.parquet") if p.is_file())
    return []


def data_present(data_dir: str | os.PathLike) -> bool:
    return all(find_table_files(data_dir, t) for t in TABLES)


def _tpchgen_exe() -> str:
    exe = shutil.which("tpchgen-cli")
    if exe is None:
        raise RuntimeError("tpchgen-cli not found on PATH: pip install tpchgen-cli")
    return exe


def _dir_bytes(d: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(d):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:  # a part renamed while we looked
                pass
    return total


def generate(sf: float, data_dir: str | os.PathLike | None = None, *, progress: bool = True, force: bool = False) -> Path:
    """Generate the 8 tables at scale factor ``sf`` as Parquet into ``data_dir``.

    Tables already present are skipped (unless ``force``); see ``run_generator``.
    """
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir(sf)
    todo = [t for t in TABLES if force or not find_table_files(data_dir, t)]
    if not todo:
        return data_dir
    cmd = [_tpchgen_exe(), "parquet", "-s", sf_label(sf), "--no-progress", "-q"]
    for t in todo:
        cmd += ["-T", t]
    expected = _BYTES_PER_SF * float(sf) * sum(_TABLE_SHARE[t] for t in todo)
    return run_generator(cmd, data_dir, todo, expected, f"tpchgen sf{sf_label(sf)}", progress=progress)


def run_generator(
    cmd: list[str], data_dir: str | os.PathLike, todo: list[str], expected_bytes: float, label: str, *, progress: bool = True
) -> Path:
    """Run a generator command line (``-o <scratch>`` is appended) that writes the tables
    ``todo`` as Parquet, then move them into ``data_dir``.

    One process writes every missing table into a scratch folder inside ``data_dir`` (one
    process, because each start costs about a second); they are moved into place only when
    it succeeds, so an interrupted run never leaves a half-written table that looks done.
    The progress bar follows the bytes written against ``expected_bytes``.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    expected = max(1.0, expected_bytes)

    with tempfile.TemporaryDirectory(prefix=".gen-", dir=data_dir) as tmp:
        tmp_path = Path(tmp)
        cmd = list(cmd) + ["-o", tmp]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        bar = None
        if progress:
            try:
                from tqdm import tqdm

                bar = tqdm(
                    total=100,
                    desc=label,
                    bar_format="{desc}: {percentage:3.0f}%|{bar}| [{elapsed}{postfix}]",
                    file=sys.stderr,
                )
            except ImportError:
                print(f"{label}: generating into {data_dir} ...", file=sys.stderr, flush=True)
        try:
            while True:
                try:
                    proc.wait(timeout=0.25)
                    break
                except subprocess.TimeoutExpired:
                    pass
                if bar is not None:
                    done = _dir_bytes(tmp_path)
                    pct = min(99.0, 100.0 * done / expected)
                    bar.n = round(pct, 1)
                    bar.set_postfix_str(f"{done / 1e6:.0f} MB", refresh=True)
            _out, err = proc.communicate()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            if bar is not None:
                if proc.returncode == 0:
                    bar.n = 100
                    bar.set_postfix_str(f"{_dir_bytes(tmp_path) / 1e6:.0f} MB", refresh=False)
                bar.close()
        if proc.returncode != 0:
            raise RuntimeError(f"{Path(cmd[0]).name} failed (exit {proc.returncode}): {' '.join(cmd)}\n{err}")
        for table in todo:
            if not find_table_files(tmp_path, table):
                raise RuntimeError(f"{Path(cmd[0]).name} wrote no Parquet file for {table}: {sorted(os.listdir(tmp))}")
        for table in todo:
            # Move whatever layout it produced (one file, or a folder of parts) into place.
            src_single = tmp_path / f"{table}.parquet"
            dst_single, dst_folder = data_dir / f"{table}.parquet", data_dir / table
            for old in (dst_single, dst_folder):
                if old.is_dir():
                    shutil.rmtree(old)
                elif old.exists():
                    old.unlink()
            if src_single.is_file():
                os.replace(src_single, dst_single)
            else:
                os.replace(tmp_path / table, dst_folder)
    if progress and bar is None:
        print(f"generated in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return data_dir


def ensure_data(sf: float, data_dir: str | os.PathLike | None = None, *, progress: bool = True) -> Path:
    """The data folder for ``sf``, generating the tables first when any is missing."""
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir(sf)
    if not data_present(data_dir):
        generate(sf, data_dir, progress=progress)
    return data_dir


def normalize_table(
    table: pa.Table,
    *,
    dictionary: bool = True,
    dictionary_columns: frozenset[str] = DICTIONARY_COLUMNS,
    key_columns: frozenset[str] = KEY_COLUMNS,
) -> pa.Table:
    """Bring a table as tpchgen writes it to the types the benchmark uses.

    - string_view -> string: not every consumer takes string_view, and tqp builds
      its own dictionaries anyway;
    - low-cardinality strings -> dictionary<int32, string> (when ``dictionary``);
    - keys -> int32 while they fit;
    - decimals (DECIMAL(15,2)), dates (date32) and int32 columns are kept as they are.
    One chunk per column, so each engine sees contiguous arrays.
    """
    if any(pa.types.is_dictionary(t) for t in table.schema.types):
        # Parquet dictionaries are per row group: one dictionary per column, so chunks concatenate.
        table = table.unify_dictionaries()
    fields, arrays = [], []
    for field, col in zip(table.schema, table.columns):
        name, t = field.name, field.type
        arr = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
        if pa.types.is_string_view(t) or pa.types.is_large_string(t):
            arr = arr.cast(pa.string())
            t = pa.string()
        if dictionary and name in dictionary_columns and pa.types.is_string(t):
            arr = pc.dictionary_encode(arr)
        elif pa.types.is_dictionary(t) and not dictionary:
            arr = arr.cast(t.value_type)
        elif pa.types.is_dictionary(t) and t.value_type != pa.string():
            arr = arr.cast(pa.dictionary(pa.int32(), pa.string()))
        if name in key_columns and pa.types.is_integer(t) and t != pa.int32():
            mm = pc.min_max(arr)
            lo, hi = mm["min"].as_py(), mm["max"].as_py()
            if lo is None or (-(2**31) <= lo and hi < 2**31):
                arr = arr.cast(pa.int32())
        fields.append(pa.field(name, arr.type, nullable=field.nullable))
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def load_tables(
    data_dir: str | os.PathLike,
    *,
    tables: tuple[str, ...] | list[str] = TABLES,
    dictionary: bool = True,
    dictionary_columns: frozenset[str] = DICTIONARY_COLUMNS,
    key_columns: frozenset[str] = KEY_COLUMNS,
) -> dict[str, pa.Table]:
    """Read the TPC-H tables from ``data_dir`` as Arrow tables with TPC-H types (see ``normalize_table``).

    The column sets say which strings become dictionaries and which keys narrow to int32
    (TPC-DS passes its own)."""
    out = {}
    for name in tables:
        files = find_table_files(data_dir, name)
        if not files:
            raise FileNotFoundError(f"no Parquet data for table {name!r} in {data_dir}")
        # Asking the reader for dictionaries of the low-cardinality columns keeps Parquet's
        # own dictionary pages instead of materializing and re-encoding every string.
        names = pq.read_schema(files[0]).names
        as_dict = [c for c in names if c in dictionary_columns] if dictionary else []
        parts = [pq.read_table(f, read_dictionary=as_dict or None) for f in files]
        t = parts[0] if len(parts) == 1 else pa.concat_tables(parts)
        out[name] = normalize_table(
            t, dictionary=dictionary, dictionary_columns=dictionary_columns, key_columns=key_columns
        )
    return out


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m tpch gen", description="Generate TPC-H data as Parquet (tpchgen-cli).")
    ap.add_argument("--sf", type=float, default=1.0, help="scale factor (default 1)")
    ap.add_argument("--data-dir", default=None, help="output folder (default ~/.cache/tqp/tpch/sf{sf})")
    ap.add_argument("--force", action="store_true", help="regenerate even if the files are present")
    args = ap.parse_args(argv)
    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir(args.sf)
    t0 = time.perf_counter()
    if data_present(data_dir) and not args.force:
        print(f"TPC-H sf{sf_label(args.sf)} already present in {data_dir}")
        return 0
    generate(args.sf, data_dir, force=args.force)
    print(f"TPC-H sf{sf_label(args.sf)} generated in {data_dir} ({time.perf_counter() - t0:.1f} s)")
    return 0
