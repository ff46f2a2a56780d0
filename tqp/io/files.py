"""Files named in SQL: ``read_parquet`` / ``read_csv`` / ``read_json`` and ``FROM 'file.ext'`` as
table sources, and the writers behind ``COPY ... TO``. pyarrow does the reading and writing.

Every path a statement names passes `check_access` first: with the setting
``enable_external_access`` false, only files under ``allowed_directories`` or listed in
``allowed_paths`` may be read or written. Python calls (``Connection.register(path)``) are
trusted and skip it.

>>> import os, tempfile, pyarrow as pa, pyarrow.parquet as pq
>>> d = tempfile.mkdtemp()
>>> pq.write_table(pa.table({"x": [1, 2]}), os.path.join(d, "a.parquet"))
>>> read(FileSpec("parquet", (os.path.join(d, "*.parquet"),))).column("x").to_pylist()
[1, 2]
"""
from __future__ import annotations

import ast
import glob
import io
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
from sqlglot import exp

from .. import settings
from ..errors import DataError, NotSupportedError, OperationalError, ProgrammingError

FILE_PREFIX = "#file:"  # catalog keys of file sources; no unquoted name can spell them

_FUNCTIONS = {"read_parquet": "parquet", "parquet_scan": "parquet", "read_csv": "csv",
              "read_csv_auto": "csv", "read_json": "json", "read_json_auto": "json",
              "read_ndjson": "json", "read_ndjson_auto": "json"}
_EXTENSIONS = [(".parquet", "parquet"), (".pq", "parquet"), (".parq", "parquet"),
               (".csv", "csv"), (".tsv", "csv"), (".json", "json"), (".jsonl", "json"),
               (".ndjson", "json")]
_COMPRESSED = ("", ".gz", ".bz2", ".zst", ".lz4")
_COMMON = {"hive_partitioning", "union_by_name", "filename"}
_OPTIONS = {
    "parquet": _COMMON | {"binary_as_string", "file_row_number"},
    "csv": _COMMON | {"header", "delim", "sep", "delimiter", "quote", "escape", "columns", "names",
                      "column_names", "types", "dtypes", "column_types", "skip", "nullstr",
                      "null_padding", "all_varchar", "allow_quoted_nulls", "auto_detect", "sample_size", "compression",
                      "dateformat", "timestampformat", "new_line", "normalize_names"},
    "json": _COMMON | {"format", "columns", "records", "auto_detect", "sample_size",
                       "compression", "maximum_object_size", "dateformat", "timestampformat"},
}


@dataclass(frozen=True)
class FileSpec:
    """What a statement asks to read: a format, path patterns, and the options it gave."""
    fmt: str
    paths: tuple
    options: tuple = ()  # sorted (name, value) pairs; values are Python literals

    @property
    def key(self) -> str:
        return FILE_PREFIX + repr((self.fmt, self.paths, self.options))

    @classmethod
    def from_key(cls, key: str) -> "FileSpec":
        return cls(*ast.literal_eval(key[len(FILE_PREFIX):]))

    def option(self, name, default=None):
        return dict(self.options).get(name, default)

    def describe(self) -> str:
        return ", ".join(repr(p) for p in self.paths)


def format_of(path: str) -> str | None:
    """The format a file's extension names (compressed CSV and JSON included), or None."""
    name = path.lower()
    for ext, fmt in _EXTENSIONS:
        if any(name.endswith(ext + c) for c in _COMPRESSED) and (fmt != "parquet" or name.endswith(ext)):
            return fmt
    return None


# ---------------------------------------------------------------------------- SQL arguments

def constant(node: exp.Expression, what: str, words: bool = False):
    """A literal argument as a Python value: str, int, float, bool, None, list or dict; with
    `words`, a bare word too (COPY's FORMAT parquet)."""
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        text = node.this
        return float(text) if any(c in text for c in ".eE") else int(text)
    if isinstance(node, exp.Boolean):
        return node.this
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Neg):
        return -constant(node.this, what)
    if isinstance(node, exp.Array) or isinstance(node, exp.Tuple):
        return [constant(e, what) for e in node.expressions]
    if isinstance(node, exp.Struct):
        out = {}
        for item in node.expressions:
            if not isinstance(item, (exp.PropertyEQ, exp.EQ, exp.Slice)):
                raise ProgrammingError(f"{what}: a struct argument needs 'name': value entries")
            key = item.this.name if isinstance(item.this, (exp.Identifier, exp.Column)) else constant(item.this, what)
            out[str(key)] = constant(item.expression, what)
        return out
    if words and isinstance(node, (exp.Column, exp.Var, exp.Identifier)) and not node.args.get("table"):
        return node.name
    if isinstance(node, exp.DataType):
        return node.sql("duckdb")
    raise ProgrammingError(f"{what} takes constant arguments, not {node.sql('duckdb')[:40]}")


def table_function(fn: exp.Expression) -> tuple[FileSpec, str] | None:
    """(spec, default alias) for FROM read_parquet(...) and the like, or None for any other function."""
    name = (fn.this if isinstance(fn, exp.Anonymous) else fn.sql_name()).lower() if isinstance(fn, exp.Func) else ""
    fmt = _FUNCTIONS.get(name)
    if fmt is None:
        return None
    args = ([fn.this] if isinstance(fn.this, exp.Expression) else []) + list(fn.expressions)
    positional, options = [], {}
    for arg in args:
        if isinstance(arg, (exp.PropertyEQ, exp.EQ, exp.Kwarg)):
            key = arg.this.name.lower()
            if key not in _OPTIONS[fmt]:
                from ..sql.scope import suggest
                raise ProgrammingError(f'{name} has no option "{arg.this.name}"' + suggest(key, sorted(_OPTIONS[fmt])))
            options[key] = constant(arg.expression, name)
        elif options:
            raise ProgrammingError(f"{name}: positional arguments go before named ones")
        else:
            positional.append(constant(arg, name))
    if len(positional) != 1:
        raise ProgrammingError(f"{name} takes one path, a glob or a list of paths, then named options")
    paths = positional[0] if isinstance(positional[0], list) else [positional[0]]
    if not paths or not all(isinstance(p, str) for p in paths):
        raise ProgrammingError(f"{name} needs a path as a string or a list of strings")
    return FileSpec(fmt, tuple(paths), _freeze(options)), name


def replacement(name: str) -> FileSpec | None:
    """FROM 'data.parquet' (a name no table has): a file read in the format its extension names."""
    fmt = format_of(name.rstrip("*"))
    return FileSpec(fmt, (name,)) if fmt else None


def _freeze(options: dict) -> tuple:
    def frozen(v):
        if isinstance(v, list):
            return tuple(frozen(x) for x in v)
        if isinstance(v, dict):
            return tuple((k, frozen(x)) for k, x in v.items())
        return v
    return tuple(sorted((k, frozen(v)) for k, v in options.items()))


# ---------------------------------------------------------------------------- access

def check_access(path: str, verb: str = "read") -> None:
    """Refuse `path` when the current settings disable file access and allow nothing there."""
    s = settings.current()
    if s.enable_external_access:
        return
    real = os.path.realpath(os.path.expanduser(path))
    if real in {os.path.realpath(p) for p in s.allowed_paths}:
        return
    for d in s.allowed_directories:
        base = os.path.realpath(os.path.expanduser(d))
        if real == base or real.startswith(base.rstrip(os.sep) + os.sep):
            return
    raise ProgrammingError(f"permission denied: cannot {verb} {path!r}: file access is disabled "
                           "(enable_external_access = false) and the path is not in "
                           "allowed_directories or allowed_paths")


def _base_of(pattern: str) -> str:
    """The folder a glob pattern searches from: its parts before the first one with a wildcard."""
    parts = Path(pattern).parts
    fixed = [p for p in parts[:next((i for i, p in enumerate(parts) if glob.has_magic(p)), len(parts))]]
    return str(Path(*fixed)) if fixed else "."


def resolve(spec: FileSpec, trusted: bool = False) -> list[str]:
    """The files `spec` names, in order: each pattern's matches sorted, then the next pattern's."""
    out = []
    for pattern in spec.paths:
        if "://" in pattern:
            raise NotSupportedError(f"remote files ({pattern!r}): tqp reads local files only")
        pattern = os.path.expanduser(pattern)
        if not trusted:
            check_access(_base_of(pattern) if glob.has_magic(pattern) else pattern)
        if glob.has_magic(pattern):
            found = sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
        elif os.path.isdir(pattern):
            found = sorted(str(p) for p in Path(pattern).rglob("*")
                           if p.is_file() and not any(part.startswith((".", "_")) for part in p.relative_to(pattern).parts))
        else:
            found = [pattern] if os.path.isfile(pattern) else []
        if not found:
            raise ProgrammingError(f"no files found that match the pattern {pattern!r}")
        if not trusted:
            for f in found:  # a symlink inside an allowed folder may point outside it
                check_access(f)
        out += found
    return out


# ---------------------------------------------------------------------------- reading

def read(spec: FileSpec, files: list[str] | None = None, trusted: bool = False) -> pa.Table:
    """The rows of the files `spec` names as one pyarrow Table, typed as DuckDB would type them
    where pyarrow can (hive partition keys: BIGINT, DATE or VARCHAR)."""
    files = files if files is not None else resolve(spec, trusted)
    with _read_errors(spec):
        if spec.fmt == "json" and spec.option("format", "auto") in ("auto", "array") and _json_array(files[0]):
            table = _read_json_arrays(files)
        else:
            table = _read_dataset(spec, files)
            stamps = [f for f in table.schema if pa.types.is_timestamp(f.type)] if spec.fmt == "json" else []
            if stamps:  # pyarrow takes '2020-01-01' for a timestamp: read the text, then decide
                names = {f.name for f in stamps}
                text = pa.schema([pa.field(f.name, pa.string()) if f.name in names else f for f in table.schema])
                table = _read_dataset(spec, files, text)
        if spec.fmt == "json":
            table = _json_temporals(table)
        return table


def read_columns(spec: FileSpec, device, files: list[str] | None = None, trusted: bool = False,
                 threads: int | None = None) -> tuple:
    """(column names, tqp columns on `device`, row count) of the files `spec` names: what
    read() gives, converted. Plain Parquet files of one schema go straight into columns a
    slice at a time (tqp/io/parquet.py) instead of through one whole Arrow table."""
    from .arrow import from_arrow

    files = files if files is not None else resolve(spec, trusted)
    if spec.fmt == "parquet" and not spec.options and not _hive_keys(files):
        from .parquet import read_columns as parquet_columns

        with _read_errors(spec):
            found = parquet_columns(files, device, threads)
        if found is not None:
            return found
    table = read(spec, files)
    with _read_errors(spec):
        return list(table.column_names), from_arrow(table, device), table.num_rows


@contextmanager
def _read_errors(spec: FileSpec):
    """pyarrow's and the OS's errors while reading the files of `spec`, as tqp errors."""
    what = spec.describe()
    try:
        yield
    except (FileNotFoundError, IsADirectoryError) as exc:
        raise ProgrammingError(f"no such file: {what}") from exc
    except PermissionError as exc:
        raise OperationalError(f"cannot read {what}: permission denied") from exc
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, ValueError) as exc:
        raise DataError(f"cannot read {what} as {spec.fmt}: {exc}") from exc
    except MemoryError as exc:
        raise OperationalError(f"out of memory reading {what}") from exc
    except OSError as exc:
        raise OperationalError(f"cannot read {what}: {exc}") from exc


def _read_dataset(spec: FileSpec, files: list[str], json_schema: pa.Schema | None = None) -> pa.Table:
    import pyarrow.dataset as ds
    import pyarrow.json as pajson

    if spec.fmt == "csv":
        file_format = _csv_format(spec, files[0])
    elif spec.fmt == "json":
        file_format = ds.JsonFileFormat(parse_options=pajson.ParseOptions(explicit_schema=json_schema))
    else:
        file_format = ds.ParquetFileFormat()
    hive = spec.option("hive_partitioning")
    keys = _hive_keys(files)
    if hive is None:
        hive = bool(keys)
    kwargs = {}
    if hive and keys:
        base = _hive_base(files[0], keys)
        kwargs = {"partitioning": ds.HivePartitioning.discover(infer_dictionary=False), "partition_base_dir": base}
    abs_files = [os.path.abspath(f) for f in files]
    if json_schema is not None:
        kwargs["schema"] = json_schema
    if spec.option("union_by_name"):
        schemas = [ds.dataset(f, format=file_format).schema for f in abs_files]
        kwargs["schema"] = pa.unify_schemas(schemas, promote_options="permissive")
        if hive and keys:
            part = ds.dataset(abs_files, format=file_format, **kwargs.copy() | {"schema": None}).partitioning
            kwargs["schema"] = pa.unify_schemas([kwargs["schema"], part.schema])
    dataset = ds.dataset(abs_files, format=file_format, **{k: v for k, v in kwargs.items() if v is not None})
    table = dataset.to_table()
    if hive and keys:
        # DuckDB orders partition keys by name after the file's own columns, and reads
        # integer keys as BIGINT.
        own = [n for n in table.column_names if n not in keys]
        table = table.select(own + sorted(k for k in keys if k in table.column_names))
        for i, field in enumerate(table.schema):
            if field.name in keys and pa.types.is_integer(field.type):
                table = table.set_column(i, field.name, table.column(i).cast(pa.int64()))
    if spec.option("filename"):
        counts = [frag.count_rows() for _, frag in zip(abs_files, dataset.get_fragments())]  # a file's name per row, without a per-row list
        names = pa.array(abs_files[:len(counts)], pa.string()).take(np.repeat(np.arange(len(counts)), counts))
        table = table.append_column("filename", names)
    return table


def _hive_keys(files: list[str]) -> set:
    """The keys of key=value folders in the paths as the statement spelled them."""
    return {part.split("=", 1)[0] for f in files for part in Path(f).parts[:-1] if "=" in part}


def _hive_base(path: str, keys: set) -> str:
    """The folder above the first key=value folder of `path`."""
    parts = Path(path).parts
    first = next(i for i, p in enumerate(parts) if "=" in p and p.split("=", 1)[0] in keys)
    return os.path.abspath(os.path.join(*parts[:first]) if first else ".")


def _csv_format(spec: FileSpec, first: str):
    import pyarrow.csv as pacsv
    import pyarrow.dataset as ds

    from ..sql.expressions import sql_type
    from .arrow import arrow_type_of
    import sqlglot

    opt = spec.option
    delim = opt("delim") or opt("sep") or opt("delimiter")
    if delim is None and first.lower().endswith(".tsv"):
        delim = "\t"
    quote, escape = opt("quote", '"'), opt("escape")
    header = opt("header")
    declared = opt("columns")
    names = list(opt("names") or opt("column_names") or ([k for k, _ in declared] if declared else []))
    sample = _sample(first)
    if delim is None:
        delim = _sniff_delimiter(sample, quote)
    parse = pacsv.ParseOptions(delimiter=delim, quote_char=quote or False,
                               escape_char=escape if escape and escape != quote else False,
                               double_quote=not escape or escape == quote)
    null_values = opt("nullstr", "")
    null_values = list(null_values) if isinstance(null_values, tuple) else [null_values]
    width = len(_parse_sample(sample, parse, False).column_names)
    if header is None:
        header = _sniff_header(sample, parse)
    if not names:
        names = _parse_sample(sample, parse, True).column_names if header else \
            [f"column{i:0{len(str(width - 1))}d}" for i in range(width)]
    types = {}
    if declared:
        types = {k: arrow_type_of(sql_type(sqlglot.parse_one(v, into=exp.DataType, read="duckdb")))
                 for k, v in declared}
    given = opt("types") or opt("dtypes") or opt("column_types")
    if given:
        pairs = given if given and isinstance(given[0], tuple) else list(zip(names, given))
        types.update({k: arrow_type_of(sql_type(sqlglot.parse_one(v, into=exp.DataType, read="duckdb")))
                      for k, v in pairs})
    if opt("all_varchar"):
        types = {n: pa.string() for n in names}
    parsers = [p for p in (opt("timestampformat"), opt("dateformat")) if p]
    # As DuckDB does: an empty field is NULL, in string columns too, and nothing else is ("NA"
    # is a country code); a quoted "" is the empty string only with allow_quoted_nulls = false.
    convert = pacsv.ConvertOptions(null_values=null_values, strings_can_be_null=True,
                                   quoted_strings_can_be_null=bool(opt("allow_quoted_nulls", True)), column_types=types,
                                   timestamp_parsers=parsers or None)
    read_options = pacsv.ReadOptions(column_names=names, skip_rows=int(opt("skip", 0)) + bool(header))
    return ds.CsvFileFormat(parse_options=parse, convert_options=convert, read_options=read_options)


def _sample(path: str, size: int = 1 << 16) -> bytes:
    with pa.input_stream(path, compression="detect") as f:
        data = f.read(size)
    if len(data) == size and b"\n" in data:  # whole lines only
        data = data[:data.rindex(b"\n") + 1]
    return data


def _parse_sample(sample: bytes, parse, header: bool, skip: int = 0) -> pa.Table:
    import pyarrow.csv as pacsv
    return pacsv.read_csv(io.BytesIO(sample), parse_options=parse,
                          read_options=pacsv.ReadOptions(autogenerate_column_names=not header, skip_rows=skip),
                          convert_options=pacsv.ConvertOptions(null_values=[""], strings_can_be_null=True))


def _sniff_delimiter(sample: bytes, quote) -> str:
    """The candidate that splits the sample's lines into the most, equally many, fields."""
    import pyarrow.csv as pacsv
    best, width = ",", 1
    for d in (",", "|", ";", "\t"):
        try:
            n = len(_parse_sample(sample, pacsv.ParseOptions(delimiter=d, quote_char=quote or False), False).column_names)
        except pa.ArrowInvalid:
            continue
        if n > width:
            best, width = d, n
    return best


def _sniff_header(sample: bytes, parse) -> bool:
    """DuckDB's rule: the first line is a header unless it has the types of the lines below it
    (a file of text columns only has one)."""
    try:
        body = _parse_sample(sample, parse, False, skip=1)
    except pa.ArrowInvalid:
        return True
    if body.num_rows == 0 or all(pa.types.is_string(t) for t in body.schema.types):
        return True
    whole = _parse_sample(sample, parse, False)
    return whole.schema.types != body.schema.types


def _json_array(path: str) -> bool:
    head = _sample(path, 4096).lstrip()
    return head.startswith(b"[")


def _read_json_arrays(files: list[str]) -> pa.Table:
    """JSON files holding one array of objects (pyarrow reads newline-delimited JSON only)."""
    import json
    rows = []
    for f in files:
        with pa.input_stream(f, compression="detect") as stream:
            value = json.loads(stream.read())
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            raise DataError(f"{f!r} is not an array of JSON objects")
        rows += value
    return pa.Table.from_pylist(rows)


def _json_temporals(table: pa.Table) -> pa.Table:
    """Text columns all of whose values are ISO dates or timestamps become DATE or TIMESTAMP,
    as DuckDB's JSON reader types them."""
    for i, field in enumerate(table.schema):
        if not pa.types.is_string(field.type):
            continue
        col = table.column(i)
        for t in (pa.date32(), pa.timestamp("us")):
            try:
                table = table.set_column(i, field.name, col.cast(t))
                break
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue
    return table


# ---------------------------------------------------------------------------- writing

def write(table: pa.Table, path: str, fmt: str | None, options: dict) -> None:
    """Write `table` to `path` as parquet or csv; the file appears whole or not at all."""
    check_access(path, "write")
    fmt = (fmt or format_of(path) or "csv").lower()
    if fmt not in ("parquet", "csv"):
        raise NotSupportedError(f"COPY TO format {fmt!r}; tqp writes parquet and csv")
    target = os.path.abspath(os.path.expanduser(path))
    folder = os.path.dirname(target)
    try:
        fd, scratch = tempfile.mkstemp(dir=folder, prefix=".tqp-", suffix=".tmp")
        os.close(fd)
        try:
            if fmt == "parquet":
                import pyarrow.parquet as pq
                compression = str(options.get("compression", "snappy")).lower()
                pq.write_table(table, scratch, compression=None if compression == "uncompressed" else compression)
            else:
                _write_csv(table, scratch, options)
            os.replace(scratch, target)
        finally:
            if os.path.exists(scratch):
                os.unlink(scratch)
    except FileNotFoundError as exc:
        raise ProgrammingError(f"cannot write {path!r}: no such directory") from exc
    except PermissionError as exc:
        raise OperationalError(f"cannot write {path!r}: permission denied") from exc
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as exc:
        raise DataError(f"cannot write {path!r} as {fmt}: {exc}") from exc
    except OSError as exc:
        raise OperationalError(f"cannot write {path!r}: {exc}") from exc


def _write_csv(table: pa.Table, path: str, options: dict) -> None:
    """CSV as DuckDB writes it: text quoted only where it must be (a delimiter, quote or line
    break inside, or the empty string, which must differ from NULL), NULL as nothing,
    timestamps with a space and no trailing zeros. Built column-wise with pyarrow.compute,
    since pyarrow's writer quotes every string."""
    import pyarrow.compute as pc

    delim = str(options.get("delimiter", options.get("delim", options.get("sep", ","))))
    quote = str(options.get("quote", '"'))
    special = "[" + "".join("\\" + c for c in {delim, quote}) + "\\r\\n]"

    def quoted(text):
        escaped = pc.replace_substring(text, quote, quote * 2)
        wrapped = pc.binary_join_element_wise(quote, escaped, quote, "")
        return pc.if_else(pc.or_(pc.match_substring_regex(text, special), pc.equal(pc.utf8_length(text), 0)),
                          wrapped, text)

    columns = []
    for col in table.columns:
        if pa.types.is_timestamp(col.type):
            text = _timestamp_text(col)
        elif pa.types.is_boolean(col.type):
            text = pc.if_else(col, "true", "false")
        elif pa.types.is_floating(col.type):
            # Whole numbers as DuckDB writes them (2500.0, not Arrow's 2500 or 1.5e+12); other
            # values keep Arrow's shortest form, which reads back to the same double.
            whole = pc.and_(pc.equal(pc.floor(col), col), pc.less(pc.abs(col), 1e15))
            as_int = pc.binary_join_element_wise(pc.cast(pc.if_else(whole, col, 0), pa.int64()).cast(pa.string()), ".0", "")
            text = pc.if_else(whole, pc.if_else(pc.and_(pc.equal(col, 0), pc.less(pc.divide(1, col), 0)), "-0.0", as_int),
                              col.cast(pa.string()))
        else:
            text = col.cast(pa.string())
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            text = quoted(text)
        columns.append(pc.fill_null(text, ""))
    lines = pc.binary_join_element_wise(*columns, delim) if columns else pa.array([""] * table.num_rows)
    with open(path, "w", encoding="utf-8", newline="") as f:
        if options.get("header", True):
            names = pa.array(table.column_names, pa.string())
            f.write(delim.join(quoted(names).to_pylist()) + "\n")
        if table.num_rows:
            body = pc.binary_join(pa.ListArray.from_arrays([0, table.num_rows], pa.concat_arrays(
                [c for c in pa.chunked_array(lines).chunks])), "\n")
            f.write(body[0].as_py() + "\n")


def _timestamp_text(col):
    import pyarrow.compute as pc
    text = pc.strftime(col, format="%Y-%m-%d %H:%M:%S")  # %S carries the fraction's digits
    return pc.replace_substring_regex(pc.replace_substring_regex(text, r"(\.\d*[1-9])0+$", r"\1"), r"\.0+$", "")
