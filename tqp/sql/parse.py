"""Parsing SQL text with sqlglot (DuckDB dialect), stricter than sqlglot alone.

sqlglot recovers from some malformed input that DuckDB rejects (`SELECT a,, b`, a trailing
`ORDER`, `JOIN` without ON); tqp rejects those too, with a message that says where.

>>> parse("SELECT 1")[0].sql()
'SELECT 1'
>>> parse("SELECT a,, b FROM t")
Traceback (most recent call last):
...
tqp.errors.ProgrammingError: syntax error at or near ","
"""
from __future__ import annotations

import hashlib
import logging
import re

import sqlglot
from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from ..errors import NotSupportedError, ProgrammingError


class _QuietFallback(logging.Filter):
    """sqlglot warns on stderr when it reads a statement as an opaque command; tqp answers
    every such statement itself (runs it or refuses it by name), so the warning is noise."""

    def filter(self, record) -> bool:
        return "Falling back to parsing as a 'Command'" not in record.getMessage()


logging.getLogger("sqlglot").addFilter(_QuietFallback())

class _Dialect(DuckDB):
    """DuckDB's dialect, with `l[i]` kept as written. sqlglot's DuckDB parser rewrites a 1-based
    index to 0-based where its own type guess says the subject may be a list (and not for a
    map it recognises), as `i - 1` for anything but a literal: the binder could not tell a
    written `l[len(l)]` from a rewritten one. Each Bracket is marked 1-based instead, so that
    SQL generated from the tree reads as written."""
    INDEX_OFFSET = 0


_DIALECT = _Dialect()
_RESERVED = {"ORDER", "GROUP", "WHERE", "LIMIT", "HAVING", "JOIN", "ON", "FROM", "SELECT", "UNION",
             "OFFSET", "BY", "INTERSECT", "EXCEPT", "AND", "OR", "NOT"}
_UNSUPPORTED = []  # words whose parse failure means "not supported" rather than a syntax error
_ENDS_JOIN = {TokenType.JOIN, TokenType.WHERE, TokenType.GROUP_BY, TokenType.ORDER_BY, TokenType.LIMIT,
              TokenType.UNION, TokenType.INTERSECT, TokenType.EXCEPT, TokenType.HAVING, TokenType.SEMICOLON,
              TokenType.COMMA}
_NO_CONDITION = {TokenType.CROSS, TokenType.NATURAL, TokenType.POSITIONAL, TokenType.ASOF}


def parse(sql: str, shape: "Shape | None" = None) -> list:
    """The statements of `sql`; with its Shape, parsed from the shape's tokens, and the shape
    learns whether the statements' literals are those tokens (no rewrite moved them)."""
    try:
        tokens = _DIALECT.tokenize(sql) if shape is None else shape.tokens
        _check_depth(tokens)
        sql, tokens = _rename_model_calls(sql, tokens)
        sql, tokens = _partition_groups_frames(sql, tokens)
        sql, tokens = _lambda_keywords(sql, tokens)
        # The tokens already made are parsed directly: tokenizing twice doubled the front end's
        # time on long statements (a 100k-item IN list).
        try:
            statements = [s for s in _DIALECT.parser().parse(tokens, sql) if s is not None]
        except ParseError:
            wrapped = _wrap_grouping_items(sql, tokens) or _wrap_pivot_statement(sql, tokens)
            if wrapped is None:
                raise
            sql, tokens = wrapped, _DIALECT.tokenize(wrapped)
            statements = [s for s in _DIALECT.parser().parse(tokens, sql) if s is not None]
    except (ParseError, TokenError) as err:
        upper = sql.upper()
        for word, what in _UNSUPPORTED:
            if re.search(rf"\b{word}\b", upper):
                raise NotSupportedError(f"{what} is not supported") from None
        raise ProgrammingError(_syntax_message(err, sql)) from None
    _check_tokens(tokens)
    if any(t.token_type == TokenType.L_BRACKET for t in tokens):
        for stmt in statements:
            _mark_brackets(stmt)
    if shape is not None:
        shape.exact = tokens is shape.tokens
    return statements


def _mark_brackets(tree: exp.Expression) -> exp.Expression:
    for bracket in tree.find_all(exp.Bracket):
        bracket.set("offset", 1)  # (its index is 1-based as written: see _Dialect)
    return tree


def parse_expression(text: str) -> exp.Expression:
    """One expression as tqp reads it (a template that tqp's own code writes, such as an
    aggregate defined through others).

    >>> parse_expression("l[2]").sql("duckdb")
    'l[2]'
    """
    return _mark_brackets(sqlglot.parse_one(text, read=_DIALECT))


MAX_SLOTS = 10_000  # past this many literals a statement is its own shape (a long IN list is one constant)


class Shape:
    """A statement with its literal numbers and strings taken out as slots: `key` is the same
    for statements that differ only in those constants (each slot's type is part of it, as a
    number's type depends on how it is written), `values` are this statement's constants in
    text order, in storage form. A program planned with slots serves every statement of its
    shape whose pinned slots (those planning read) hold the same values.

    >>> a, b = Shape.of("SELECT * FROM t WHERE x > 5 AND s = 'a'"), Shape.of("select * from t where x > 7 and s = 'bc'")
    >>> a.key == b.key, a.values, b.values
    (False, [5, 'a'], [7, 'bc'])
    >>> Shape.of("SELECT * FROM t WHERE x > 7 AND s = 'bc'").key == b.key
    False
    >>> Shape.of("SELECT * FROM t WHERE x > 9 AND s = 'zz'").key == a.key
    True
    """

    def __init__(self, sql: str, key: tuple, values: list, tokens: list | None):
        self.sql, self.key, self.values, self._tokens, self.exact = sql, key, values, tokens, False

    @property
    def tokens(self) -> list:
        if self._tokens is None:  # a shape known from its text: tokenized only when parsed
            self._tokens = _DIALECT.tokenize(self.sql)
        return self._tokens

    @classmethod
    def of(cls, sql: str) -> "Shape | None":
        """The shape of `sql`, or None where it does not tokenize. A statement seen lately is
        neither tokenized nor keyed again."""
        known = _KNOWN.get(sql)
        if known is not None:
            return cls(sql, known[0], list(known[1]), None)
        shape = cls._made(sql)
        if shape is not None:
            if len(_KNOWN) >= 256:
                _KNOWN.clear()
            _KNOWN[sql] = (shape.key, tuple(shape.values))
        return shape

    @classmethod
    def _made(cls, sql: str) -> "Shape | None":
        from .expressions import number_literal  # (the binder's typing of a written number)
        try:
            tokens = _DIALECT.tokenize(sql)
        except TokenError:
            return None
        if sum(t.token_type in _SLOT_TYPES for t in tokens) > MAX_SLOTS:
            return cls(sql, (sql,), [], tokens)  # its own shape, without slots
        key, values = [], []
        for tok in tokens:
            t = tok.token_type
            if t == TokenType.STRING:
                key.append(_STRING_SLOT)
                values.append(tok.text)
            elif t == TokenType.NUMBER:
                try:
                    lit = number_literal(tok.text)
                except ValueError:
                    return None  # not a number: parsing says so
                key.append(lit.type)
                values.append(lit.value)
            else:
                key.append((t, tok.text))
        return cls(sql, tuple(key), values, tokens)

    def tag(self, stmt) -> None:
        """Mark each literal of the parsed statement with its slot (its ordinal among the
        literal tokens). Literals in a select item without an alias stay constants where the
        column's name (their text) can be read."""
        if not self.exact or not self.values:
            return
        at, k = {}, 0
        for tok in self.tokens:
            if tok.token_type in _SLOT_TYPES:
                at[tok.start] = (k, tok)
                k += 1
        for lit in stmt.find_all(exp.Literal):
            hit = at.get(lit.meta.get("start"))
            if hit is not None and lit.this == hit[1].text and lit.is_string == (hit[1].token_type == TokenType.STRING):
                lit.meta["tqp_slot"] = hit[0]
        memo: dict = {}
        for select in stmt.find_all(exp.Select):
            if not _names_visible(select, memo):
                continue
            for item in select.expressions:
                if not isinstance(item, exp.Alias):
                    for lit in item.find_all(exp.Literal):
                        lit.meta.pop("tqp_slot", None)


_STRING_SLOT = "'?'"
_SLOT_TYPES = (TokenType.STRING, TokenType.NUMBER)
_KNOWN: dict[str, tuple] = {}  # statement text -> (key, values) of its shape


def _names_visible(select, memo: dict) -> bool:
    """Whether a query can read the select's column names: not for a subquery in an expression
    (scalar, IN, EXISTS), whose columns are read by position. `memo` holds the answer for the
    set operations passed (a UNION of thousands of SELECTs is one chain of them)."""
    path, node = [], select.parent
    while isinstance(node, (exp.Subquery, exp.SetOperation, exp.Paren)) and id(node) not in memo:
        path.append(node)
        node = node.parent
    if id(node) in memo:
        visible = memo[id(node)]
    else:
        visible = node is None or isinstance(node, (exp.From, exp.Join, exp.CTE, exp.With, exp.Lateral))
    for n in path:
        memo[id(n)] = visible
    return visible


_GROUPING_WORDS = (TokenType.ROLLUP, TokenType.CUBE, TokenType.GROUPING_SETS)


def _wrap_pivot_statement(sql, tokens):
    """`PIVOT ... ORDER BY ... LIMIT ...` (DuckDB's statement form with a tail) as a SELECT
    over the pivot, or None: sqlglot's PIVOT statement ends before ORDER BY and LIMIT."""
    if not tokens or tokens[0].token_type not in (TokenType.PIVOT, TokenType.UNPIVOT) \
            or any(t.token_type == TokenType.SEMICOLON for t in tokens[:-1]):
        return None
    depth = 0
    for tok in tokens:
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
        elif tok.token_type == TokenType.R_PAREN:
            depth -= 1
        elif depth == 0 and tok.token_type in (TokenType.ORDER_BY, TokenType.LIMIT, TokenType.OFFSET):
            return f"SELECT * FROM ({sql[:tok.start]}) {sql[tok.start:]}"
    return None


def _wrap_grouping_items(sql, tokens):
    """The statement with each bare item of ROLLUP (...), CUBE (...) and GROUPING SETS (...) in
    parentheses, or None if it has none: sqlglot reads those items as arithmetic only, so
    `ROLLUP (a > 0)` does not parse, while DuckDB takes any expression there."""
    edits = []
    for i, tok in enumerate(tokens[:-1]):
        if tok.token_type not in _GROUPING_WORDS or tokens[i + 1].token_type != TokenType.L_PAREN:
            continue
        items, start, depth, j = [], i + 2, 0, i + 2
        while j < len(tokens):
            t = tokens[j].token_type
            if t == TokenType.R_PAREN and depth == 0 or t == TokenType.COMMA and depth == 0:
                items.append((start, j - 1))
                start = j + 1
                if t == TokenType.R_PAREN:
                    break
            elif t == TokenType.L_PAREN:
                depth += 1
            elif t == TokenType.R_PAREN:
                depth -= 1
            j += 1
        for a, b in items:
            if a > b or tokens[a].token_type in _GROUPING_WORDS or tokens[a].token_type == TokenType.L_PAREN \
                    and _closing(tokens, a) == b:
                continue  # empty, nested, or already one parenthesised group
            edits += [(tokens[a].start, "("), (tokens[b].end + 1, ")")]
    if not edits:
        return None
    for pos, text in sorted(edits, key=lambda e: e[0], reverse=True):
        sql = sql[:pos] + text + sql[pos:]
    return sql


def _closing(tokens, i: int) -> int:
    depth = 0
    for j in range(i, len(tokens)):
        t = tokens[j].token_type
        depth += t == TokenType.L_PAREN
        depth -= t == TokenType.R_PAREN
        if depth == 0:
            return j
    return len(tokens)


MAX_DEPTH = 1000  # as DuckDB's max_expression_depth


def _check_depth(tokens):
    """Refuse nesting deeper than MAX_DEPTH before the parser sees it: the compiled sqlglot
    (sqlglotc) recurses on the C stack, where a few thousand levels crash the process
    instead of raising RecursionError."""
    depth = 0
    for tok in tokens:
        t = tok.token_type
        if t == TokenType.L_PAREN or t == TokenType.CASE:
            depth += 1
            if depth > MAX_DEPTH:
                raise ProgrammingError(f"statement is nested too deeply (more than {MAX_DEPTH} levels "
                                       f"of parentheses or CASE)")
        elif t == TokenType.R_PAREN or t == TokenType.END:
            depth -= 1


_MODEL_CALLS = {"PREDICT": "tqp_predict", "PREDICT_PROBA": "tqp_predict_proba"}


def _rename_model_calls(sql, tokens):
    """PREDICT(...) reaches the binder as an anonymous call: sqlglot's own PREDICT is BigQuery's
    ML.PREDICT, with a different argument list."""
    edits = [(t.start, t.end) for i, t in enumerate(tokens[:-1])
             if t.text.upper() == "PREDICT" and tokens[i + 1].token_type == TokenType.L_PAREN]
    if not edits:
        return sql, tokens
    for start, end in reversed(edits):
        sql = sql[:start] + _MODEL_CALLS["PREDICT"] + sql[end + 1:]
    return sql, _DIALECT.tokenize(sql)


def _partition_groups_frames(sql, tokens):
    """`OVER (GROUPS BETWEEN ...)` with nothing before GROUPS: sqlglot reads GROUPS as the name
    of a window and fails, so the frame gets an explicit one-partition PARTITION BY NULL
    (which binds to no partition key at all)."""
    def frame_at(i):
        nxt = tokens[i + 1]
        return tokens[i].text.upper() == "GROUPS" and tokens[i - 1].token_type == TokenType.L_PAREN and (
            nxt.text.upper() in ("BETWEEN", "UNBOUNDED", "CURRENT") or nxt.token_type == TokenType.NUMBER)
    edits = [tokens[i].start for i in range(1, len(tokens) - 1) if frame_at(i)]
    if not edits:
        return sql, tokens
    for start in reversed(edits):
        sql = sql[:start] + "PARTITION BY NULL " + sql[start:]
    return sql, _DIALECT.tokenize(sql)


_LIST_CALLS = {"apply": "list_apply", "reduce": "list_reduce"}  # names sqlglot reads as other constructs


def _lambda_keywords(sql, tokens):
    """DuckDB's lambda syntax, `lambda x, y: body` (the arrow form is deprecated there), as the
    arrow form sqlglot reads: `(x, y) -> body`; apply() and reduce() as list_apply / list_reduce."""
    edits = []
    for i, tok in enumerate(tokens):
        if tok.text.lower() in _LIST_CALLS and i + 1 < len(tokens) and tokens[i + 1].token_type == TokenType.L_PAREN \
                and not (i and tokens[i - 1].text.upper() in ("CROSS", "OUTER", ".")):
            edits.append((tok.start, tok.end, _LIST_CALLS[tok.text.lower()]))
        if tok.token_type != TokenType.VAR or tok.text.lower() != "lambda":
            continue
        j, names = i + 1, []
        while j + 1 < len(tokens) and tokens[j].token_type == TokenType.VAR:
            names.append(tokens[j].text)
            if tokens[j + 1].token_type != TokenType.COMMA:
                break
            j += 2
        if names and j + 1 < len(tokens) and tokens[j + 1].token_type == TokenType.COLON:
            edits.append((tok.start, tokens[j + 1].end, "(" + ", ".join(names) + ") ->"))
    if not edits:
        return sql, tokens
    for start, end, text in reversed(edits):
        sql = sql[:start] + text + sql[end + 1:]
    return sql, _DIALECT.tokenize(sql)


def _check_tokens(tokens):
    prev = None
    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.COMMA and prev is not None and prev.token_type == TokenType.COMMA:
            raise ProgrammingError('syntax error at or near ","')
        if tok.token_type == TokenType.VAR and tok.text.upper() in _RESERVED and not (
                tok.text.upper() == "BY" and i + 1 < len(tokens) and tokens[i + 1].text.upper() == "NAME"  # INSERT ... BY NAME
                or tok.text.upper() == "BY" and prev is not None and prev.text.upper() == "MATCHED"  # MERGE ... NOT MATCHED BY SOURCE
                or tok.text.upper() == "GROUP" and prev is not None and prev.text.upper() == "WITHIN"  # WITHIN GROUP (ORDER BY x)
                or tok.text.upper() == "GROUP" and prev is not None and prev.text.upper() == "EXCLUDE"):  # a window frame
            raise ProgrammingError(f'syntax error at or near "{tok.text}"')
        if tok.token_type == TokenType.JOIN and not (prev is not None and prev.token_type in _NO_CONDITION) \
                and not any(t.token_type == TokenType.NATURAL for t in tokens[max(i - 3, 0):i]):  # NATURAL LEFT [OUTER]
            _check_join_condition(tokens, i)
        prev = tok


def _check_join_condition(tokens, start):
    """A written JOIN needs ON or USING before the clause ends (sqlglot would make it a cross join)."""
    depth = 0
    for tok in tokens[start + 1:]:
        t = tok.token_type
        if t == TokenType.L_PAREN:
            depth += 1
        elif t == TokenType.R_PAREN:
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and t in (TokenType.ON, TokenType.USING):
            return
        elif depth == 0 and t in _ENDS_JOIN:
            break
    raise ProgrammingError("JOIN needs an ON or USING condition (use CROSS JOIN for a cross product)")


_STATEMENT_WORDS = {"SELECT", "WITH", "INSERT", "CREATE", "DROP", "UPDATE", "DELETE", "VALUES", "SET",
                    "RESET", "EXPLAIN", "PRAGMA", "FROM", "SHOW", "DESCRIBE", "ALTER", "COPY", "TABLE",
                    "MERGE", "REPLACE", "ANALYZE", "CALL", "BEGIN", "COMMIT", "ROLLBACK", "SUMMARIZE",
                    "PIVOT", "UNPIVOT", "INSTALL", "LOAD", "ATTACH", "DETACH", "USE", "EXPORT", "IMPORT",
                    "CHECKPOINT", "VACUUM", "REINDEX"}


def _syntax_message(err, sql: str) -> str:
    """'syntax error at or near "X" (line L, column C)', as PostgreSQL and DuckDB say it, rather
    than sqlglot's account of which tree node it could not build."""
    first = re.search(r"[A-Za-z_]+", sql)
    if first and first.group().upper() not in _STATEMENT_WORDS:
        line = sql.count("\n", 0, first.start()) + 1
        column = first.start() - (sql.rfind("\n", 0, first.start()) + 1)
        return f'syntax error at or near "{first.group()}": not a statement keyword' + _caret(sql, line, column)
    info = (getattr(err, "errors", None) or [{}])[0]
    near = (info.get("highlight") or "").strip()
    where = f" (line {info['line']}, column {info['col']})" if info.get("line") else ""
    if near:
        caret = _caret(sql, info["line"], info["col"] - len(near)) if info.get("line") else ""
        return f'syntax error at or near "{near}"{where}' + caret
    return f"syntax error: {first_line(err)}"


def _caret(sql: str, line: int, column: int) -> str:
    """The statement's line `line` (1-based) with a caret under 0-based `column`, as PostgreSQL
    and DuckDB show it; a long line is cut to the part around the caret."""
    lines = sql.split("\n")
    if not 1 <= line <= len(lines):
        return ""
    text, column = lines[line - 1], max(column, 0)
    start = max(0, column - 60)
    shown = ("..." if start else "") + text[start:start + 120] + ("..." if start + 120 < len(text) else "")
    head = f"LINE {line}: "
    return f"\n\n{head}{shown}\n{' ' * (len(head) + column - start + (3 if start else 0))}^"


def first_line(err) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else "invalid SQL"


# ---------------------------------------------------------------- long literal lists
# sqlglot tokenizes and parses each item of `x IN (1, 2, ...)`: a 100k-item list cost about a
# second before planning began. A long list of plain literals is cut out of the text by one
# regex and put back as literal nodes after parsing; its marker carries a hash of the items, so
# a statement's shape (the plan cache's key) still tells different lists apart.

_ITEM = r"(?:-?\d+(?:\.\d+)?|'(?:[^']|'')*')"
_LONG_LIST = re.compile(rf"(\bIN\s*\(\s*)({_ITEM}(?:\s*,\s*{_ITEM}){{999,}})(\s*\))", re.IGNORECASE)
_ONE_ITEM = re.compile(_ITEM)
_MARKER = "__tqp_literal_list_"


def cut_literal_lists(sql: str) -> tuple[str, dict]:
    """(sql with each IN list of 1,000+ plain literals replaced by a marker, marker -> items text)."""
    if len(sql) < 4000:
        return sql, {}
    lists = {}

    def cut(m):
        marker = _MARKER + hashlib.sha1(m.group(2).encode()).hexdigest()
        lists[marker] = m.group(2)
        return m.group(1) + marker + m.group(3)
    return _LONG_LIST.sub(cut, sql), lists


def restore_literal_lists(statements: list, lists: dict) -> None:
    """Put the cut lists back into the parsed statements as literal nodes."""
    if not lists:
        return
    for stmt in statements:
        for node in stmt.find_all(exp.In):
            items = node.expressions
            if len(items) == 1 and isinstance(items[0], exp.Column) and items[0].name in lists:
                node.set("expressions", [_literal(t) for t in _ONE_ITEM.findall(lists[items[0].name])])


def _literal(text: str) -> exp.Literal:
    if text.startswith("'"):
        return exp.Literal.string(text[1:-1].replace("''", "'"))
    return exp.Literal.number(text)
