"""Differential SQL fuzzing of tqp against DuckDB (plus TLP and NoREC metamorphic oracles).

See tests/fuzz/fuzzer.py for the generator, the oracles and the command line.
"""
