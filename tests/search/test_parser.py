"""Tests of MLflow's search grammar: run and experiment filters and order-by clauses."""

from __future__ import annotations

import pytest

from flowtrack.exceptions import InvalidParameterError
from flowtrack.search.ast import Comparison, EntityType, Identifier, OrderBy
from flowtrack.search.parser import (
    parse_experiment_filter,
    parse_experiment_order_by,
    parse_run_filter,
    parse_run_order_by,
)

METRIC, PARAM, TAG = EntityType.METRIC, EntityType.PARAM, EntityType.TAG
ATTR, DATASET = EntityType.ATTRIBUTE, EntityType.DATASET


def one(filter_string: str) -> Comparison:
    """Parse a run filter that holds exactly one comparison."""
    parsed = parse_run_filter(filter_string)
    assert len(parsed) == 1
    return parsed[0]


def error_of(parse: object, text: object) -> str:
    """The message of the InvalidParameterError that parsing ``text`` raises."""
    assert callable(parse)
    with pytest.raises(InvalidParameterError) as info:
        parse(text)
    return info.value.message


def caret_position(message: str) -> int:
    """The column of the caret on the message's last line."""
    last = message.splitlines()[-1]
    assert last.strip() == "^"
    return last.index("^")


# ---------------------------------------------------------------------- empty filters


@pytest.mark.parametrize("empty", [None, "", "   ", "\n\t"])
def test_empty_filter_matches_everything(empty: str | None) -> None:
    assert parse_run_filter(empty) == []
    assert parse_experiment_filter(empty) == []


def test_non_string_filter_is_rejected() -> None:
    message = error_of(parse_run_filter, 42)
    assert "Invalid filter 42" in message
    assert "must be a string" in message


# ---------------------------------------------------------------------- identifiers


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("metrics.acc > 1", METRIC),
        ("metric.acc > 1", METRIC),
        ("METRICS.acc > 1", METRIC),
        ("params.acc = 'a'", PARAM),
        ("param.acc = 'a'", PARAM),
        ("parameters.acc = 'a'", PARAM),
        ("parameter.acc = 'a'", PARAM),
        ("Params.acc = 'a'", PARAM),
        ("tags.acc = 'a'", TAG),
        ("tag.acc = 'a'", TAG),
        ("TAGS.acc = 'a'", TAG),
    ],
)
def test_prefixes(text: str, entity: EntityType) -> None:
    assert one(text).identifier == Identifier(entity, "acc")


@pytest.mark.parametrize(
    "text",
    [
        "status = 'FINISHED'",
        "attributes.status = 'FINISHED'",
        "attribute.status = 'FINISHED'",
        "attr.status = 'FINISHED'",
        "run.status = 'FINISHED'",
        "Attributes.STATUS = 'FINISHED'",
    ],
)
def test_attribute_prefixes_and_bare_names(text: str) -> None:
    assert one(text) == Comparison(Identifier(ATTR, "status"), "=", "FINISHED")


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("run_uuid = 'x'", "run_id"),
        ("attributes.run_uuid = 'x'", "run_id"),
        ("created > 1", "start_time"),
        ("Created > 1", "start_time"),
        ("attributes.created > 1", "start_time"),
    ],
)
def test_attribute_aliases(written: str, canonical: str) -> None:
    assert one(written).identifier == Identifier(ATTR, canonical)


@pytest.mark.parametrize(
    "attribute", ["run_id", "run_name", "status", "user_id", "artifact_uri", "lifecycle_stage"]
)
def test_string_attributes_take_strings(attribute: str) -> None:
    assert one(f"{attribute} = 'v'") == Comparison(Identifier(ATTR, attribute), "=", "v")


@pytest.mark.parametrize("attribute", ["start_time", "end_time"])
def test_numeric_attributes_take_numbers(attribute: str) -> None:
    assert one(f"attributes.{attribute} >= 1700000000000") == Comparison(
        Identifier(ATTR, attribute), ">=", 1700000000000.0
    )


@pytest.mark.parametrize("prefix", ["datasets", "dataset", "DATASETS"])
@pytest.mark.parametrize("key", ["name", "digest", "context"])
def test_dataset_fields(prefix: str, key: str) -> None:
    assert one(f"{prefix}.{key} = 'v'") == Comparison(Identifier(DATASET, key), "=", "v")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("metrics.loss/train > 1", "loss/train"),
        ("metrics.a-b_c.d > 1", "a-b_c.d"),
        ("tags.mlflow.runName = 'x'", "mlflow.runName"),
        ("metrics.`my metric` > 1", "my metric"),
        ('metrics."my metric" > 1', "my metric"),
        ("tags.\"a.b\" = 'x'", "a.b"),
        ("tags.`a``b` = 'x'", "a`b"),
        ("metrics.Acc > 1", "Acc"),
        ("metrics.2nd > 1", "2nd"),
        ("metrics.précision > 1", "précision"),
    ],
)
def test_keys_unquoted_and_quoted(text: str, key: str) -> None:
    assert one(text).identifier.key == key


def test_unquoted_key_with_a_space_suggests_backticks() -> None:
    message = error_of(parse_run_filter, "params.my key = 'x'")
    assert "unexpected 'key' at position 10, expected an operator for param 'my'" in message
    assert "quote keys that contain spaces, e.g. params.`my key`" in message


def test_quoted_key_followed_directly_by_operator() -> None:
    assert one("params.`a b`='x'") == Comparison(Identifier(PARAM, "a b"), "=", "x")


# ---------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("10", 10.0),
        (".70", 0.7),
        ("0.5", 0.5),
        ("-1", -1.0),
        ("+2", 2.0),
        ("1e-3", 0.001),
        ("2E3", 2000.0),
        ("5.", 5.0),
        ("-.5", -0.5),
    ],
)
def test_numbers(literal: str, value: float) -> None:
    comparison = one(f"metrics.x = {literal}")
    assert comparison.value == value
    assert isinstance(comparison.value, float)


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("'abc'", "abc"),
        ('"abc"', "abc"),
        ("''", ""),
        ("'it''s'", "it's"),
        ('"say ""hi"""', 'say "hi"'),
        ("'a\"b'", 'a"b'),
        ('"a\'b"', "a'b"),
        (r"'C:\temp\x'", r"C:\temp\x"),
        ("'with AND inside'", "with AND inside"),
        ("'100%'", "100%"),
    ],
)
def test_strings_and_escaping(literal: str, value: str) -> None:
    assert one(f"params.p = {literal}").value == value


def test_in_list_of_mixed_quotes() -> None:
    assert one("""params.p IN ('a', "b",'c')""") == Comparison(
        Identifier(PARAM, "p"), "IN", ("a", "b", "c")
    )


def test_not_in_single_value_case_insensitive() -> None:
    assert one("tags.t not in ('x')") == Comparison(Identifier(TAG, "t"), "NOT IN", ("x",))


@pytest.mark.parametrize(
    "text",
    ["run_id IN ('a')", "datasets.digest IN ('a')", "status NOT IN ('RUNNING')"],
)
def test_in_on_string_attributes_and_datasets(text: str) -> None:
    assert isinstance(one(text).value, tuple)


# ---------------------------------------------------------------------- operators


@pytest.mark.parametrize(
    ("written", "op"),
    [("=", "="), ("!=", "!="), ("<>", "!="), ("<", "<"), ("<=", "<="), (">", ">"), (">=", ">=")],
)
def test_numeric_operators(written: str, op: str) -> None:
    assert one(f"metrics.m {written} 1").op == op
    assert one(f"metrics.m{written}1").op == op


@pytest.mark.parametrize(
    ("written", "op"),
    [
        ("=", "="),
        ("!=", "!="),
        ("<>", "!="),
        ("LIKE", "LIKE"),
        ("like", "LIKE"),
        ("ILIKE", "ILIKE"),
        ("iLike", "ILIKE"),
    ],
)
def test_string_operators(written: str, op: str) -> None:
    assert one(f"params.p {written} 'x'").op == op


@pytest.mark.parametrize("op", ["<", "<=", ">", ">="])
def test_ordering_operators_are_not_for_strings(op: str) -> None:
    message = error_of(parse_run_filter, f"params.p {op} 'x'")
    assert f"operator '{op}' at position 9 is not supported for param 'p' (strings)" in message
    assert "use =, !=, LIKE, ILIKE, IN, NOT IN" in message
    assert caret_position(message) == 9


@pytest.mark.parametrize("op", ["LIKE", "ILIKE", "IN", "NOT IN"])
def test_string_operators_are_not_for_metrics(op: str) -> None:
    message = error_of(parse_run_filter, f"metrics.m {op} ('x')")
    assert f"operator '{op}' at position 10 is not supported for metric 'm' (numbers)" in message
    assert "use =, !=, <, <=, >, >=" in message


def test_like_on_numeric_attribute_is_rejected() -> None:
    message = error_of(parse_run_filter, "start_time LIKE '1%'")
    assert "not supported for attribute 'start_time' (numbers)" in message


# ---------------------------------------------------------------------- AND / OR


def test_and_joins_comparisons_in_order() -> None:
    assert parse_run_filter(
        "metrics.rmse < 1 AND params.model = 'rf' and tags.t != 'x' AnD status = 'FINISHED'"
    ) == [
        Comparison(Identifier(METRIC, "rmse"), "<", 1.0),
        Comparison(Identifier(PARAM, "model"), "=", "rf"),
        Comparison(Identifier(TAG, "t"), "!=", "x"),
        Comparison(Identifier(ATTR, "status"), "=", "FINISHED"),
    ]


def test_whitespace_is_free() -> None:
    assert parse_run_filter("  metrics.a>1\n AND\tparams.b='x'  ") == [
        Comparison(Identifier(METRIC, "a"), ">", 1.0),
        Comparison(Identifier(PARAM, "b"), "=", "x"),
    ]


@pytest.mark.parametrize("word", ["OR", "or"])
def test_or_is_rejected_with_a_clear_message(word: str) -> None:
    text = f"metrics.a > 1 {word} metrics.b > 2"
    message = error_of(parse_run_filter, text)
    assert message.startswith(f"Invalid filter '{text}': '{word}' at position 14")
    assert "only AND can join comparisons" in message
    assert caret_position(message) == 14


# ---------------------------------------------------------------------- errors and carets


def test_error_format_quotes_filter_and_points_at_token() -> None:
    message = error_of(parse_run_filter, "metrics.acc >> 1")
    assert message == (
        "Invalid filter 'metrics.acc >> 1': unexpected '>' at position 13, expected a number\n"
        "metrics.acc >> 1\n"
        "             ^"
    )


@pytest.mark.parametrize(
    ("text", "fragment", "position"),
    [
        ("params.p = 1", "the value for param 'p' must be a quoted string, got 1", 11),
        ("tags.t = abc", "quote it: 'abc'", 9),
        ("status = FINISHED", "must be a quoted string", 9),
        ("metrics.m > '1'", "metric 'm' is compared with numbers, got the string '1'", 12),
        ("start_time > 'x'", "attribute 'start_time' is compared with numbers", 13),
        ("metrics.m > ", "unexpected end of filter at position 12, expected a number", 12),
        ("metrics.m > 1 AND", "unexpected end of filter at position 17, expected an ident", 17),
        ("metrics.m 1", "unexpected '1' at position 10, expected an operator for metric 'm'", 10),
        ("metrics.m > 1 metrics.n > 2", "expected AND or the end of the filter", 14),
        ("AND metrics.m > 1", "unexpected 'AND' at position 0, expected an identifier", 0),
        ("metrics.m > 1 AND AND", "unexpected 'AND' at position 18", 18),
        ("'x' = params.p", "unexpected string 'x' at position 0", 0),
        ("foo = 'x'", "'foo' at position 0 is not a run attribute", 0),
        ("attributes.foo = 'x'", "'attributes.foo' at position 0 is not a run attribute", 0),
        ("x.y = 'a'", "unknown prefix 'x' at position 0", 0),
        ("datasets.size = 'a'", "is not a dataset field; use context, digest, name", 0),
        ("metrics. > 1", "expected a key after 'metrics.'", 8),
        ("metrics.`` > 1", "empty key after 'metrics.'", 8),
        ("params.p = 'open", "missing the closing ' of the text starting at position 11", 11),
        ("metrics.`open > 1", "missing the closing ` of the text starting at position 8", 8),
        ("metrics.m == 1", "unexpected '=' at position 11, expected a number", 11),
        ("metrics.m ! 1", "unexpected '!' at position 10", 10),
        ("metrics.m > 1x", "unexpected 'x' after the number at position 13", 13),
        ("metrics.m > 1.2.3", "unexpected '.' after the number at position 15", 15),
        ("metrics.m > - 1", "unexpected '-' at position 12", 12),
        ("(metrics.m > 1)", "unexpected '(' at position 0", 0),
        ("params.p NOT LIKE 'x'", "unexpected 'LIKE' at position 13, expected IN after NOT", 13),
        ("params.p IN 'x'", "unexpected string 'x' at position 12, expected '('", 12),
        ("params.p IN ()", "empty list at position 13; IN and NOT IN need at least one", 13),
        ("params.p IN ('a',)", "unexpected ')' at position 17, expected a quoted string", 17),
        ("params.p IN ('a' 'b')", "unexpected string 'b' at position 17, expected ',' or ')'", 17),
        ("params.p IN ('a', 1)", "must be a quoted string, got 1 at position 18", 18),
        ("params.p IN ('a'", "unexpected end of filter at position 16, expected ',' or ')'", 16),
        ("params.p = 'a' extra", "unexpected 'extra' at position 15, expected AND", 15),
        ("metrics.m > 1;", "unexpected ';' at position 13", 13),
    ],
)
def test_errors_name_the_problem_and_position(text: str, fragment: str, position: int) -> None:
    message = error_of(parse_run_filter, text)
    first_line, shown, _ = message.split("\n")
    assert first_line.startswith(f"Invalid filter '{text}': ")
    assert fragment in first_line
    assert shown == text
    assert caret_position(message) == position


def test_caret_line_replaces_newlines_so_the_caret_lines_up() -> None:
    message = error_of(parse_run_filter, "metrics.a > 1\nAND\tparams.b >> 1")
    shown = message.split("\n")[-2]
    assert shown == "metrics.a > 1 AND params.b >> 1"
    assert shown[caret_position(message)] == ">"
    assert caret_position(message) == 27


def test_errors_are_value_errors_with_the_invalid_parameter_code() -> None:
    with pytest.raises(ValueError, match="Invalid filter") as info:
        parse_run_filter("metrics.m LIKE 'x'")
    assert isinstance(info.value, InvalidParameterError)
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"


# ---------------------------------------------------------------------- run order-by


def test_run_order_by_directions_and_quoting() -> None:
    assert parse_run_order_by(["metrics.rmse DESC", "start_time", "params.`a b` asc"]) == [
        OrderBy(Identifier(METRIC, "rmse"), ascending=False),
        OrderBy(Identifier(ATTR, "start_time"), ascending=True),
        OrderBy(Identifier(PARAM, "a b"), ascending=True),
    ]


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("tags.t ASC", OrderBy(Identifier(TAG, "t"), True)),
        ("tag.t desc", OrderBy(Identifier(TAG, "t"), False)),
        ("metric.m Desc", OrderBy(Identifier(METRIC, "m"), False)),
        ("param.p", OrderBy(Identifier(PARAM, "p"), True)),
        ('metrics."loss/val" DESC', OrderBy(Identifier(METRIC, "loss/val"), False)),
        ("attributes.run_name", OrderBy(Identifier(ATTR, "run_name"), True)),
        ("run_uuid DESC", OrderBy(Identifier(ATTR, "run_id"), False)),
        ("  end_time   DESC  ", OrderBy(Identifier(ATTR, "end_time"), False)),
    ],
)
def test_run_order_by_clauses(clause: str, expected: OrderBy) -> None:
    assert parse_run_order_by([clause]) == [expected]


@pytest.mark.parametrize(
    "attribute",
    [
        "start_time",
        "end_time",
        "run_name",
        "run_id",
        "status",
        "user_id",
        "artifact_uri",
        "lifecycle_stage",
    ],
)
def test_run_order_by_every_attribute(attribute: str) -> None:
    expected = [OrderBy(Identifier(ATTR, attribute), ascending=False)]
    assert parse_run_order_by([f"{attribute} DESC"]) == expected


def test_run_order_by_none_empty_and_single_string() -> None:
    assert parse_run_order_by(None) == []
    assert parse_run_order_by([]) == []
    assert parse_run_order_by("metrics.m DESC") == [OrderBy(Identifier(METRIC, "m"), False)]


@pytest.mark.parametrize(
    ("clause", "fragment", "position"),
    [
        ("metrics.x DESCENDING", "unexpected 'DESCENDING' at position 10, expected ASC, DESC", 10),
        ("metrics.x DESC ASC", "unexpected 'ASC' at position 15", 15),
        ("datasets.name", "cannot order by dataset fields", 0),
        ("foo", "'foo' at position 0 is not a run attribute", 0),
        ("DESC", "unexpected 'DESC' at position 0, expected an identifier", 0),
        ("metrics.x, metrics.y", "unexpected ',' at position 9", 9),
        ("metrics.x > 1", "unexpected '>' at position 10", 10),
    ],
)
def test_run_order_by_errors(clause: str, fragment: str, position: int) -> None:
    message = error_of(parse_run_order_by, [clause])
    assert message.startswith(f"Invalid order_by clause '{clause}': ")
    assert fragment in message
    assert caret_position(message) == position


@pytest.mark.parametrize("clause", ["", "   ", None, 3])
def test_run_order_by_rejects_empty_and_non_string_clauses(clause: object) -> None:
    message = error_of(parse_run_order_by, ["start_time", clause])
    assert f"Invalid order_by clause {clause!r}" in message


# ---------------------------------------------------------------------- experiments


def test_experiment_filter_every_identifier() -> None:
    parsed = parse_experiment_filter(
        "name LIKE 'x%' AND attributes.name != 'y' AND tags.k = 'v' AND tag.`a b` ILIKE 'q'"
        " AND creation_time > 5 AND last_update_time <= 6 AND experiment_id IN ('1', '2')"
        " AND experiment_id NOT IN ('3') AND experiment_id = '4'"
    )
    assert parsed == [
        Comparison(Identifier(ATTR, "name"), "LIKE", "x%"),
        Comparison(Identifier(ATTR, "name"), "!=", "y"),
        Comparison(Identifier(TAG, "k"), "=", "v"),
        Comparison(Identifier(TAG, "a b"), "ILIKE", "q"),
        Comparison(Identifier(ATTR, "creation_time"), ">", 5.0),
        Comparison(Identifier(ATTR, "last_update_time"), "<=", 6.0),
        Comparison(Identifier(ATTR, "experiment_id"), "IN", ("1", "2")),
        Comparison(Identifier(ATTR, "experiment_id"), "NOT IN", ("3",)),
        Comparison(Identifier(ATTR, "experiment_id"), "=", "4"),
    ]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("tags.k IN ('a')", "operator 'IN' at position 7 is not supported for tag 'k'"),
        ("name IN ('a')", "is not supported for attribute 'name' (strings); use =, !=, LIKE"),
        ("experiment_id LIKE '1'", "use =, !=, IN, NOT IN"),
        ("experiment_id = 1", "must be a quoted string, got 1"),
        ("creation_time LIKE '1'", "not supported for attribute 'creation_time' (numbers)"),
        ("metrics.m > 1", "unsupported prefix 'metrics' at position 0"),
        ("params.p = 'a'", "unsupported prefix 'params'"),
        ("status = 'x'", "'status' at position 0 is not an experiment attribute"),
        ("name = 'a' OR name = 'b'", "only AND can join comparisons"),
    ],
)
def test_experiment_filter_errors(text: str, fragment: str) -> None:
    message = error_of(parse_experiment_filter, text)
    assert message.startswith(f"Invalid filter '{text}': ")
    assert fragment in message


def test_experiment_order_by() -> None:
    assert parse_experiment_order_by(
        ["name", "attributes.experiment_id DESC", "creation_time asc", "last_update_time DESC"]
    ) == [
        OrderBy(Identifier(ATTR, "name"), True),
        OrderBy(Identifier(ATTR, "experiment_id"), False),
        OrderBy(Identifier(ATTR, "creation_time"), True),
        OrderBy(Identifier(ATTR, "last_update_time"), False),
    ]
    assert parse_experiment_order_by(None) == []


@pytest.mark.parametrize(
    ("clause", "fragment"),
    [
        ("tags.k", "unsupported prefix 'tags'"),
        ("metrics.m DESC", "unsupported prefix 'metrics'"),
        ("status", "'status' at position 0 is not an experiment attribute"),
        ("name sideways", "unexpected 'sideways' at position 5"),
    ],
)
def test_experiment_order_by_errors(clause: str, fragment: str) -> None:
    message = error_of(parse_experiment_order_by, [clause])
    assert message.startswith(f"Invalid order_by clause '{clause}': ")
    assert fragment in message
