"""TPC-DS data: generate Parquet files with tpcgen-cli, load them as Arrow tables.

Example::

    >>> from tpcds.gen import ensure_data, load_tables
    >>> data_dir = ensure_data(0.1)             # ~/.cache/tqp/tpcds/sf0.1, generated once
    >>> tables = load_tables(data_dir)
    >>> tables["store_sales"].schema.field("ss_net_paid").type
    Decimal128Type(decimal128(7, 2))

From the shell: ``python -m tpcds gen --sf 1 [--data-dir DIR]``.

tpcgen-cli (``pip install tpcgen-cli``, a Rust port of the C dsdgen, offline) writes
surrogate keys as int32 (ss_ticket_number int64), money as decimal128(7, 2), dates as
date32 and strings as string_view; missing values are NULLs (DuckDB's own dsdgen writes
empty strings instead).  ``load_tables`` only turns string_view into plain (or dictionary)
strings, through ``tpch.gen.normalize_table``.

Below SF 1 the generator scales the fact tables but keeps few stores, call centers and
warehouses, so some queries return no rows at SF 0.1 (14 of 99); SF 1 is the smallest
scale factor the specification defines.
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pyarrow as pa

from tpch import gen as _tpch_gen
from tpch.gen import find_table_files, sf_label

__all__ = ["TABLES", "default_data_dir", "data_present", "generate", "ensure_data", "load_tables"]

TABLES = (
    "call_center",
    "catalog_page",
    "catalog_returns",
    "catalog_sales",
    "customer",
    "customer_address",
    "customer_demographics",
    "date_dim",
    "household_demographics",
    "income_band",
    "inventory",
    "item",
    "promotion",
    "reason",
    "ship_mode",
    "store",
    "store_returns",
    "store_sales",
    "time_dim",
    "warehouse",
    "web_page",
    "web_returns",
    "web_sales",
    "web_site",
)

# Snappy Parquet bytes: the dimensions that do not scale (date_dim, time_dim,
# customer_demographics, ...) plus what grows with the scale factor (measured 52 MB at SF 0.1, 418 MB at SF 1).
_FIXED_BYTES = 11e6
_BYTES_PER_SF = 407e6

# Low-cardinality strings (codes, flags, categories, states): dictionary-encoded, as tqp
# stores them anyway.  Names, addresses, ids and descriptions stay plain.
DICTIONARY_COLUMNS = frozenset(
    """
    cd_gender cd_marital_status cd_education_status cd_credit_rating hd_buy_potential
    d_day_name d_quarter_name d_holiday d_weekend d_following_holiday d_current_day
    d_current_week d_current_month d_current_quarter d_current_year
    t_am_pm t_shift t_sub_shift t_meal_time
    i_category i_class i_brand i_size i_color i_units i_container i_manufact
    ca_state ca_country ca_location_type ca_county ca_city
    c_salutation c_preferred_cust_flag c_birth_country
    s_state s_city s_county s_country s_store_name s_company_name s_market_manager s_manager
    w_state w_city w_county w_country w_warehouse_name
    web_name web_company_name web_state web_city web_county web_country web_manager web_class
    cc_name cc_class cc_state cc_city cc_county cc_country cc_manager cc_hours
    cp_department cp_type sm_type sm_code sm_carrier wp_type r_reason_desc
    p_channel_dmail p_channel_email p_channel_catalog p_channel_tv p_channel_radio
    p_channel_press p_channel_event p_channel_demo p_purpose p_discount_active
    """.split()
)


def default_data_dir(sf: float) -> Path:
    """The cache folder for one scale factor: ``~/.cache/tqp/tpcds/sf{sf}`` (honours XDG_CACHE_HOME)."""
    return _tpch_gen.default_data_dir(sf, "tpcds")


def data_present(data_dir: str | os.PathLike, tables: tuple[str, ...] | list[str] = TABLES) -> bool:
    return all(find_table_files(data_dir, t) for t in tables)


def _tpcgen_exe() -> str:
    exe = shutil.which("tpcgen-cli")
    if exe is None:
        raise RuntimeError("tpcgen-cli not found on PATH: pip install tpcgen-cli")
    return exe


def generate(
    sf: float,
    data_dir: str | os.PathLike | None = None,
    *,
    tables: tuple[str, ...] | list[str] = TABLES,
    progress: bool = True,
    force: bool = False,
) -> Path:
    """Generate the TPC-DS ``tables`` at scale factor ``sf`` as Parquet into ``data_dir``
    (those already there are kept unless ``force``), through ``tpch.gen.run_generator``."""
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir(sf)
    todo = [t for t in tables if force or not find_table_files(data_dir, t)]
    if not todo:
        return data_dir
    cmd = [_tpcgen_exe(), "tpcds", "parquet", "-s", sf_label(sf), "--no-progress", "-q"]
    for t in todo:
        cmd += ["-T", t]
    expected = (_FIXED_BYTES + _BYTES_PER_SF * float(sf)) * len(todo) / len(TABLES)
    return _tpch_gen.run_generator(cmd, data_dir, todo, expected, f"tpcgen tpcds sf{sf_label(sf)}", progress=progress)


def ensure_data(
    sf: float,
    data_dir: str | os.PathLike | None = None,
    *,
    tables: tuple[str, ...] | list[str] = TABLES,
    progress: bool = True,
) -> Path:
    """The data folder for ``sf``, generating first whichever of ``tables`` is missing."""
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir(sf)
    if not data_present(data_dir, tables):
        generate(sf, data_dir, tables=tables, progress=progress)
    return data_dir


def load_tables(
    data_dir: str | os.PathLike, *, tables: tuple[str, ...] | list[str] = TABLES, dictionary: bool = True
) -> dict[str, pa.Table]:
    """Read TPC-DS tables from ``data_dir`` as Arrow tables (strings plain or dictionary-encoded)."""
    return _tpch_gen.load_tables(
        data_dir, tables=tables, dictionary=dictionary, dictionary_columns=DICTIONARY_COLUMNS, key_columns=frozenset()
    )


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m tpcds gen", description="Generate TPC-DS data as Parquet (tpcgen-cli).")
    ap.add_argument("--sf", type=float, default=1.0, help="scale factor (default 1)")
    ap.add_argument("--data-dir", default=None, help="output folder (default ~/.cache/tqp/tpcds/sf{sf})")
    ap.add_argument("--force", action="store_true", help="regenerate even if the files are present")
    args = ap.parse_args(argv)
    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir(args.sf)
    t0 = time.perf_counter()
    if data_present(data_dir) and not args.force:
        print(f"TPC-DS sf{sf_label(args.sf)} already present in {data_dir}")
        return 0
    generate(args.sf, data_dir, force=args.force)
    print(f"TPC-DS sf{sf_label(args.sf)} generated in {data_dir} ({time.perf_counter() - t0:.1f} s)")
    return 0
