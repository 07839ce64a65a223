"""Tokens of MLflow's search grammar, each with its position for error messages.

Token kinds:

- ``IDENT``: ``status``, ``metrics.loss/train``, ``tags.`my tag```, ``params."a.b"``. ``prefix``
  is the part before the first ``.`` (``None`` for a bare word such as ``status`` or ``AND``);
  ``key`` is the rest, with quotes removed. Unquoted keys may contain letters, digits, ``_``,
  ``-``, ``.`` and ``/``.
- ``STRING``: ``'a'`` or ``"a"``; a quote is escaped by doubling it (``'it''s'``). Backslashes
  are ordinary characters.
- ``NUMBER``: ``10``, ``-1``, ``.70``, ``0.5``, ``1e-3``.
- ``OP``: ``=``, ``!=``, ``<>`` (read as ``!=``), ``<``, ``<=``, ``>``, ``>=``.
- ``LPAREN``, ``RPAREN``, ``COMMA``, and ``END`` after the last character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

__all__ = ["LexError", "Token", "TokenKind", "tokenize"]


class TokenKind(Enum):
    """What a token is."""

    IDENT = "identifier"
    STRING = "string"
    NUMBER = "number"
    OP = "operator"
    LPAREN = "'('"
    RPAREN = "')'"
    COMMA = "','"
    END = "end"


@dataclass(frozen=True, slots=True)
class Token:
    """One token.

    Attributes:
        kind: The token kind.
        text: The source text of the token, as written.
        pos: The 0-based offset of the token's first character in the source.
        value: Unescaped contents of a ``STRING``; the normalised operator of an ``OP``.
        prefix: For ``IDENT``: the text before the first ``.``, or ``None`` for a bare word.
        key: For ``IDENT``: the key after the prefix (unquoted), or the bare word itself.
        quoted: For ``IDENT``: whether the key was quoted.
    """

    kind: TokenKind
    text: str
    pos: int
    value: str = ""
    prefix: str | None = None
    key: str = ""
    quoted: bool = False


class LexError(Exception):
    """A character that cannot start or continue a token, at ``pos``."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


_WORD_RE = re.compile(r"[^\W\d]\w*")
_KEY_RE = re.compile(r"[\w\-./]+")
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_OPERATORS = {"<=": "<=", ">=": ">=", "!=": "!=", "<>": "!=", "=": "=", "<": "<", ">": ">"}
_PUNCTUATION = {"(": TokenKind.LPAREN, ")": TokenKind.RPAREN, ",": TokenKind.COMMA}


def _read_quoted(source: str, start: int) -> tuple[str, int]:
    """Read a quoted run starting at ``source[start]`` (the opening quote).

    Returns:
        The unescaped contents and the offset just past the closing quote.
    """
    quote = source[start]
    parts: list[str] = []
    i = start + 1
    while True:
        end = source.find(quote, i)
        if end < 0:
            raise LexError(f"missing the closing {quote} of the text starting", start)
        parts.append(source[i:end])
        if source.startswith(quote, end + 1):  # a doubled quote stands for one quote
            parts.append(quote)
            i = end + 2
            continue
        return "".join(parts), end + 1


def _read_ident(source: str, start: int) -> Token:
    word = _WORD_RE.match(source, start)
    assert word is not None  # the caller checked the first character
    end = word.end()
    if end >= len(source) or source[end] != ".":
        return Token(TokenKind.IDENT, word.group(), start, key=word.group())
    key_start = end + 1
    if key_start < len(source) and source[key_start] in '`"':
        key, stop = _read_quoted(source, key_start)
        if not key:
            raise LexError(f"empty key after '{word.group()}.'", key_start)
        return Token(
            TokenKind.IDENT, source[start:stop], start, prefix=word.group(), key=key, quoted=True
        )
    match = _KEY_RE.match(source, key_start)
    if match is None:
        raise LexError(
            f"expected a key after '{word.group()}.' (letters, digits, '_', '-', '.', '/', "
            "or a key quoted with backticks or double quotes)",
            key_start,
        )
    return Token(
        TokenKind.IDENT,
        source[start : match.end()],
        start,
        prefix=word.group(),
        key=match.group(),
    )


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens, ending with an ``END`` token.

    Raises:
        LexError: A character that cannot start a token, or an unterminated string.
    """
    tokens: list[Token] = []
    i = 0
    length = len(source)
    while i < length:
        char = source[i]
        if char.isspace():
            i += 1
            continue
        if char in "'\"":
            value, stop = _read_quoted(source, i)
            tokens.append(Token(TokenKind.STRING, source[i:stop], i, value=value))
            i = stop
            continue
        number = _NUMBER_RE.match(source, i)
        if number is not None:
            stop = number.end()
            if stop < length and (source[stop].isalnum() or source[stop] in "_."):
                raise LexError(f"unexpected {source[stop]!r} after the number", stop)
            tokens.append(Token(TokenKind.NUMBER, number.group(), i, value=number.group()))
            i = stop
            continue
        if _WORD_RE.match(source, i):
            token = _read_ident(source, i)
            tokens.append(token)
            i += len(token.text)
            continue
        two = source[i : i + 2]
        op = _OPERATORS.get(two) or _OPERATORS.get(char)
        if op is not None:
            text = two if two in _OPERATORS else char
            tokens.append(Token(TokenKind.OP, text, i, value=op))
            i += len(text)
            continue
        if char in _PUNCTUATION:
            tokens.append(Token(_PUNCTUATION[char], char, i))
            i += 1
            continue
        raise LexError(f"unexpected {char!r}", i)
    tokens.append(Token(TokenKind.END, "", length))
    return tokens
