"""Parsing MLflow's filter and order-by strings into :mod:`flowtrack.search.ast`.

Run filters are comparisons joined by ``AND``::

    metrics.rmse < 0.5 AND params.model = 'rf' AND tags.`team name` IN ('a', 'b')
    status = 'FINISHED' AND attributes.start_time >= 1700000000000
    datasets.context = 'training' AND run_name ILIKE '%baseline%'

Identifiers (prefixes are case-insensitive):

- ``metrics.<key>`` / ``metric.``: compared with numbers (``= != < <= > >=``; ``<>`` means ``!=``).
- ``params.<key>`` / ``param.`` / ``parameters.`` / ``parameter.`` and ``tags.<key>`` /
  ``tag.``: compared with quoted strings (``= != LIKE ILIKE IN NOT IN``).
- ``attributes.<name>`` / ``attribute.`` / ``attr.`` / ``run.`` or a bare name: the run
  attributes of :data:`~flowtrack.search.ast.RUN_ATTRIBUTES`; ``start_time`` and ``end_time``
  take numbers, the others quoted strings. Aliases: ``run_uuid`` -> ``run_id``, ``created`` ->
  ``start_time``. Attribute names are case-insensitive.
- ``datasets.<name|digest|context>`` / ``dataset.``: quoted strings.

Keys may be quoted with backticks or double quotes (``metrics.`my metric```, ``tags."a.b"``);
unquoted keys may contain letters, digits, ``_``, ``-``, ``.`` and ``/`` (``metrics.loss/train``).
String values are single- or double-quoted; a quote inside is escaped by doubling it
(``'it''s'``); backslashes are ordinary characters. ``IN`` / ``NOT IN`` take a non-empty,
parenthesised list of strings. Numbers: ``10``, ``-1``, ``.70``, ``0.5``, ``1e-3``.

Experiment filters use ``name`` / ``attributes.name`` (``= != LIKE ILIKE``), ``tags.<key>``
(``= != LIKE ILIKE``), ``creation_time`` / ``last_update_time`` (numbers) and ``experiment_id``
(``= != IN NOT IN``, strings).

Every error is an :class:`~flowtrack.exceptions.InvalidParameterError` that quotes the input and
points at the offending token::

    Invalid filter 'metrics.acc >> 1': unexpected '>' at position 13, expected a number
    metrics.acc >> 1
                 ^
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flowtrack.exceptions import InvalidParameterError
from flowtrack.search._lexer import LexError, Token, TokenKind, tokenize
from flowtrack.search.ast import (
    NUMERIC_ATTRIBUTES,
    NUMERIC_OPERATORS,
    RUN_ATTRIBUTES,
    STRING_OPERATORS,
    Comparison,
    EntityType,
    Identifier,
    OrderBy,
    Value,
)

__all__ = [
    "parse_experiment_filter",
    "parse_experiment_order_by",
    "parse_run_filter",
    "parse_run_order_by",
]

_RUN_PREFIXES = {
    "metrics": EntityType.METRIC,
    "metric": EntityType.METRIC,
    "params": EntityType.PARAM,
    "param": EntityType.PARAM,
    "parameters": EntityType.PARAM,
    "parameter": EntityType.PARAM,
    "tags": EntityType.TAG,
    "tag": EntityType.TAG,
    "attributes": EntityType.ATTRIBUTE,
    "attribute": EntityType.ATTRIBUTE,
    "attr": EntityType.ATTRIBUTE,
    "run": EntityType.ATTRIBUTE,
    "datasets": EntityType.DATASET,
    "dataset": EntityType.DATASET,
}
_EXPERIMENT_PREFIXES = {
    "tags": EntityType.TAG,
    "tag": EntityType.TAG,
    "attributes": EntityType.ATTRIBUTE,
    "attribute": EntityType.ATTRIBUTE,
    "attr": EntityType.ATTRIBUTE,
}
_RUN_ATTRIBUTE_ALIASES = {"run_uuid": "run_id", "created": "start_time"}
_DATASET_KEYS = ("context", "digest", "name")
_EXPERIMENT_STRING_OPERATORS = frozenset({"=", "!=", "LIKE", "ILIKE"})
_EXPERIMENT_ID_OPERATORS = frozenset({"=", "!=", "IN", "NOT IN"})
_EXPERIMENT_NUMERIC_ATTRIBUTES = frozenset({"creation_time", "last_update_time"})
_EXPERIMENT_ATTRIBUTES = ("creation_time", "experiment_id", "last_update_time", "name")
_OPERATOR_ORDER = ("=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN", "NOT IN")
_BARE_HINT = "; search metrics, params and tags with metrics.<key>, params.<key> and tags.<key>"
_KEYWORDS = frozenset({"AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "ASC", "DESC"})


class _ParseError(Exception):
    """A problem at offset ``pos``; ``message`` already says where."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


@dataclass(frozen=True, slots=True)
class _Field:
    """A resolved identifier and what it may be compared with."""

    identifier: Identifier
    numeric: bool
    operators: frozenset[str]
    label: str


_Resolver = Callable[[Token, bool], _Field]


def _keyword(token: Token) -> str | None:
    """The upper-cased keyword a bare word spells (``and`` -> ``AND``), else ``None``."""
    if token.kind is TokenKind.IDENT and token.prefix is None and token.key.upper() in _KEYWORDS:
        return token.key.upper()
    return None


def _describe(token: Token, what: str) -> str:
    if token.kind is TokenKind.END:
        return f"end of {what}"
    if token.kind is TokenKind.STRING:
        return f"string {token.text}"
    return f"'{token.text}'"


def _unexpected(token: Token, expected: str, what: str = "filter") -> _ParseError:
    return _ParseError(
        f"unexpected {_describe(token, what)} at position {token.pos}, expected {expected}",
        token.pos,
    )


def _format_operators(operators: frozenset[str]) -> str:
    return ", ".join(op for op in _OPERATOR_ORDER if op in operators)


def _invalid(kind: str, source: str, error: _ParseError | LexError) -> InvalidParameterError:
    message = error.message
    if isinstance(error, LexError):
        message = f"{message} at position {error.pos}"
    shown = "".join(" " if char.isspace() else char for char in source)
    return InvalidParameterError(
        f"Invalid {kind} '{source}': {message}\n{shown}\n{' ' * error.pos}^"
    )


# ---------------------------------------------------------------------- identifier resolution


def _resolve_run(token: Token, ordering: bool) -> _Field:
    if token.prefix is None:
        entity = EntityType.ATTRIBUTE
    else:
        found = _RUN_PREFIXES.get(token.prefix.lower())
        if found is None:
            raise _ParseError(
                f"unknown prefix '{token.prefix}' at position {token.pos}; use metrics., "
                "params., tags., attributes. or datasets. (or a bare run attribute)",
                token.pos,
            )
        entity = found
    key = token.key
    if entity is EntityType.ATTRIBUTE:
        key = _RUN_ATTRIBUTE_ALIASES.get(key.lower(), key.lower())
        if key not in RUN_ATTRIBUTES:
            hint = "" if token.prefix else _BARE_HINT
            raise _ParseError(
                f"'{token.text}' at position {token.pos} is not a run attribute; run attributes "
                f"are {', '.join(sorted(RUN_ATTRIBUTES))}{hint}",
                token.pos,
            )
        numeric = key in NUMERIC_ATTRIBUTES
        return _Field(
            Identifier(entity, key),
            numeric,
            NUMERIC_OPERATORS if numeric else STRING_OPERATORS,
            f"attribute '{key}'",
        )
    if entity is EntityType.DATASET:
        if ordering:
            raise _ParseError(
                f"cannot order by dataset fields ('{token.text}' at position {token.pos}); "
                "order by metrics., params., tags. or a run attribute",
                token.pos,
            )
        key = key.lower()
        if key not in _DATASET_KEYS:
            raise _ParseError(
                f"'{token.text}' at position {token.pos} is not a dataset field; use "
                f"{', '.join(_DATASET_KEYS)}",
                token.pos,
            )
        return _Field(Identifier(entity, key), False, STRING_OPERATORS, f"dataset '{key}'")
    numeric = entity is EntityType.METRIC
    return _Field(
        Identifier(entity, key),
        numeric,
        NUMERIC_OPERATORS if numeric else STRING_OPERATORS,
        f"{entity.value} '{key}'",
    )


def _resolve_experiment(token: Token, ordering: bool) -> _Field:
    if token.prefix is None:
        entity = EntityType.ATTRIBUTE
    else:
        found = _EXPERIMENT_PREFIXES.get(token.prefix.lower())
        if found is None or (ordering and found is EntityType.TAG):
            allowed = "attributes." if ordering else "tags. or attributes."
            raise _ParseError(
                f"unsupported prefix '{token.prefix}' at position {token.pos}; experiment "
                f"searches use {allowed} (or a bare attribute)",
                token.pos,
            )
        entity = found
    if entity is EntityType.TAG:
        return _Field(
            Identifier(entity, token.key),
            False,
            _EXPERIMENT_STRING_OPERATORS,
            f"tag '{token.key}'",
        )
    key = token.key.lower()
    if key not in _EXPERIMENT_ATTRIBUTES:
        extra = "" if ordering else " or tags.<key>"
        raise _ParseError(
            f"'{token.text}' at position {token.pos} is not an experiment attribute; use "
            f"{', '.join(_EXPERIMENT_ATTRIBUTES)}{extra}",
            token.pos,
        )
    numeric = key in _EXPERIMENT_NUMERIC_ATTRIBUTES
    if numeric:
        operators = NUMERIC_OPERATORS
    elif key == "experiment_id":
        operators = _EXPERIMENT_ID_OPERATORS
    else:
        operators = _EXPERIMENT_STRING_OPERATORS
    return _Field(Identifier(entity, key), numeric, operators, f"attribute '{key}'")


# ---------------------------------------------------------------------- the parser


class _Parser:
    """A recursive-descent parser over one token list."""

    def __init__(self, tokens: list[Token], resolve: _Resolver, what: str) -> None:
        self._tokens = tokens
        self._index = 0
        self._resolve = resolve
        self._what = what

    def _peek(self) -> Token:
        return self._tokens[self._index]

    def _advance(self) -> Token:
        token = self._tokens[self._index]
        if token.kind is not TokenKind.END:
            self._index += 1
        return token

    def _identifier(self, ordering: bool) -> _Field:
        token = self._advance()
        if token.kind is not TokenKind.IDENT or _keyword(token) is not None:
            example = "metrics.<key>, params.<key>, tags.<key> or an attribute"
            raise _unexpected(token, f"an identifier such as {example}", self._what)
        return self._resolve(token, ordering)

    def filter(self) -> list[Comparison]:
        comparisons = [self._comparison()]
        while True:
            token = self._advance()
            keyword = _keyword(token)
            if token.kind is TokenKind.END:
                return comparisons
            if keyword == "AND":
                comparisons.append(self._comparison())
            elif keyword == "OR":
                raise _ParseError(
                    f"'{token.text}' at position {token.pos} is not supported: only AND can "
                    "join comparisons",
                    token.pos,
                )
            else:
                raise _unexpected(token, "AND or the end of the filter")

    def _comparison(self) -> Comparison:
        field = self._identifier(ordering=False)
        op_token, op = self._operator(field)
        if op not in field.operators:
            kind = "numbers" if field.numeric else "strings"
            raise _ParseError(
                f"operator '{op}' at position {op_token.pos} is not supported for {field.label} "
                f"({kind}); use {_format_operators(field.operators)}",
                op_token.pos,
            )
        value: Value = self._string_list(field) if op in ("IN", "NOT IN") else self._value(field)
        return Comparison(field.identifier, op, value)

    def _operator(self, field: _Field) -> tuple[Token, str]:
        token = self._advance()
        if token.kind is TokenKind.OP:
            return token, token.value
        keyword = _keyword(token)
        if keyword in ("LIKE", "ILIKE", "IN"):
            return token, keyword
        if keyword == "NOT":
            following = self._advance()
            if _keyword(following) != "IN":
                raise _unexpected(following, "IN after NOT (NOT IN)")
            return token, "NOT IN"
        expected = f"an operator for {field.label} ({_format_operators(field.operators)})"
        if token.kind is TokenKind.IDENT:
            expected += "; quote keys that contain spaces, e.g. params.`my key`"
        raise _unexpected(token, expected)

    def _value(self, field: _Field) -> Value:
        token = self._advance()
        if field.numeric:
            if token.kind is TokenKind.NUMBER:
                return float(token.value)
            if token.kind is TokenKind.STRING:
                raise _ParseError(
                    f"{field.label} is compared with numbers, got the string {token.text} at "
                    f"position {token.pos}; write a number without quotes, e.g. 0.5",
                    token.pos,
                )
            raise _unexpected(token, "a number")
        if token.kind is TokenKind.STRING:
            return token.value
        if token.kind in (TokenKind.NUMBER, TokenKind.IDENT) and _keyword(token) is None:
            raise _ParseError(
                f"the value for {field.label} must be a quoted string, got {token.text} at "
                f"position {token.pos}; quote it: '{token.text}'",
                token.pos,
            )
        raise _unexpected(token, "a quoted string")

    def _string_list(self, field: _Field) -> tuple[str, ...]:
        opening = self._advance()
        if opening.kind is not TokenKind.LPAREN:
            raise _unexpected(opening, "'(' starting a list of quoted strings, e.g. ('a', 'b')")
        if self._peek().kind is TokenKind.RPAREN:
            closing = self._peek()
            raise _ParseError(
                f"empty list at position {closing.pos}; IN and NOT IN need at least one "
                "quoted string",
                closing.pos,
            )
        values: list[str] = []
        while True:
            values.append(str(self._value(field)))
            token = self._advance()
            if token.kind is TokenKind.RPAREN:
                return tuple(values)
            if token.kind is not TokenKind.COMMA:
                raise _unexpected(token, "',' or ')'")

    def order_by(self) -> OrderBy:
        field = self._identifier(ordering=True)
        token = self._advance()
        keyword = _keyword(token)
        ascending = True
        if keyword in ("ASC", "DESC"):
            ascending = keyword == "ASC"
            token = self._advance()
        if token.kind is not TokenKind.END:
            raise _unexpected(token, "ASC, DESC or the end of the clause", self._what)
        return OrderBy(field.identifier, ascending)


def _parse_filter(filter_string: str | None, resolve: _Resolver) -> list[Comparison]:
    if filter_string is None:
        return []
    if not isinstance(filter_string, str):
        raise InvalidParameterError(
            f"Invalid filter {filter_string!r}: a filter must be a string such as "
            "\"metrics.rmse < 1 AND params.model = 'rf'\""
        )
    if not filter_string.strip():
        return []
    try:
        return _Parser(tokenize(filter_string), resolve, "filter").filter()
    except (_ParseError, LexError) as exc:
        raise _invalid("filter", filter_string, exc) from None


def _parse_order_by(order_by: Sequence[str] | None, resolve: _Resolver) -> list[OrderBy]:
    if order_by is None:
        return []
    clauses = [order_by] if isinstance(order_by, str) else list(order_by)
    parsed: list[OrderBy] = []
    for clause in clauses:
        if not isinstance(clause, str) or not clause.strip():
            raise InvalidParameterError(
                f"Invalid order_by clause {clause!r}: each clause is a non-empty string such "
                "as 'metrics.rmse DESC' or 'start_time'"
            )
        try:
            parsed.append(_Parser(tokenize(clause), resolve, "clause").order_by())
        except (_ParseError, LexError) as exc:
            raise _invalid("order_by clause", clause, exc) from None
    return parsed


def parse_run_filter(filter_string: str | None) -> list[Comparison]:
    """Parse a run filter into its comparisons.

    Args:
        filter_string: E.g. ``metrics.x > 1 AND params.p = 'a'``; ``None`` or blank matches all.

    Returns:
        The comparisons, in the order written; an empty list for ``None`` or ``""``.

    Raises:
        InvalidParameterError: A syntax error, an unknown identifier, an operator the identifier
            does not support, an unquoted string value, or ``OR``. The message quotes the filter
            and points at the bad token.

    Example:
        >>> [(c.identifier.key, c.op, c.value) for c in parse_run_filter("metrics.rmse < 1")]
        [('rmse', '<', 1.0)]
    """
    return _parse_filter(filter_string, _resolve_run)


def parse_run_order_by(order_by: Sequence[str] | None) -> list[OrderBy]:
    """Parse run order-by clauses.

    Args:
        order_by: Clauses such as ``["metrics.x DESC", "start_time", "params.`a b` asc"]``:
            an identifier (metrics, params, tags, or one of the attributes ``start_time``,
            ``end_time``, ``run_name``, ``run_id``, ``status``, ``user_id``, ``artifact_uri``,
            ``lifecycle_stage``) and an optional ``ASC`` (the default) or ``DESC``.

    Returns:
        One :class:`~flowtrack.search.ast.OrderBy` per clause; ``[]`` for ``None``.

    Raises:
        InvalidParameterError: A clause is empty or malformed; the message quotes it.
    """
    return _parse_order_by(order_by, _resolve_run)


def parse_experiment_filter(filter_string: str | None) -> list[Comparison]:
    """Parse an experiment filter (``name LIKE 'x%' AND tags.k = 'v'``).

    Args:
        filter_string: Comparisons on ``name``, ``tags.<key>``, ``creation_time``,
            ``last_update_time`` and ``experiment_id`` joined by ``AND``; ``None`` or blank
            matches all.

    Returns:
        The comparisons; identifiers are ``ATTRIBUTE`` (``name``, ``experiment_id``,
        ``creation_time``, ``last_update_time``) or ``TAG``.

    Raises:
        InvalidParameterError: As for :func:`parse_run_filter`.
    """
    return _parse_filter(filter_string, _resolve_experiment)


def parse_experiment_order_by(order_by: Sequence[str] | None) -> list[OrderBy]:
    """Parse experiment order-by clauses (``["name ASC", "creation_time DESC"]``).

    Args:
        order_by: Clauses on ``name``, ``experiment_id``, ``creation_time`` or
            ``last_update_time`` (optionally prefixed ``attributes.``), each with an optional
            ``ASC`` or ``DESC``.

    Returns:
        One :class:`~flowtrack.search.ast.OrderBy` per clause; ``[]`` for ``None``.

    Raises:
        InvalidParameterError: A clause is empty or malformed; the message quotes it.
    """
    return _parse_order_by(order_by, _resolve_experiment)
