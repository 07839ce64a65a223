"""Compare flowtrack with the MLflow inventory (``mlflow_inventory.json``) and the exclusion list.

An *item* is one thing flowtrack must provide, named as an MLflow user writes it:

- ``mlflow.log_metric``: a public name of a module;
- ``mlflow.log_metric(model_id)``: a parameter, accepted by name (``(*args)`` for a var-positional
  one);
- ``mlflow.models.Model.load``: a member (method or property) of a class;
- ``mlflow.models.Model.load(path)``: a parameter of a member;
- ``mlflow.MlflowClient.log_batch(run_id)``: a client method's parameter (``mlflow.MlflowClient`` is
  treated as a module whose names are the client's methods).

A member is present when the class has it as an attribute, a pydantic or dataclass field, an
annotation, or (for classes that can be built without arguments) an instance attribute.
A missing name hides its parameters and members: one line per missing thing, the outermost one.
A parameter is accepted when our callable has a parameter of that name that can be passed by
keyword; ``**kwargs`` does not count (exclude the item, with a reason, when it is really accepted
that way).
MLflow's own ``**kwargs`` are not checked (they are pass-through options, not names).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import importlib
import inspect
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
INVENTORY = HERE / "mlflow_inventory.json"
EXCLUSIONS = HERE / "mlflow_exclusions.yaml"

_BY_KEYWORD = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


@dataclass(frozen=True)
class Exclusion:
    """One reviewed entry of the exclusion list: an item (or fnmatch pattern) and why."""

    item: str
    reason: str

    def matches(self, item: str) -> bool:
        """Whether this entry covers ``item`` (exact name, or an fnmatch pattern)."""
        return item == self.item or fnmatch.fnmatchcase(item, self.item)


def load_inventory() -> dict[str, Any]:
    """The committed inventory generated from MLflow."""
    data: dict[str, Any] = json.loads(INVENTORY.read_text())
    return data


def load_exclusions() -> list[Exclusion]:
    """The exclusion list, refusing entries without a non-empty reason or with unknown keys."""
    raw = yaml.safe_load(EXCLUSIONS.read_text()) or []
    if not isinstance(raw, list):
        raise TypeError(f"{EXCLUSIONS.name} must be a YAML list of {{item, reason}} entries")
    entries = []
    for position, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict) or set(entry) != {"item", "reason"}:
            raise ValueError(
                f"{EXCLUSIONS.name} entry {position} must have exactly item and reason"
            )
        item, reason = entry["item"], entry["reason"]
        if not isinstance(item, str) or not item.strip():
            raise ValueError(f"{EXCLUSIONS.name} entry {position}: item must be a non-empty string")
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError(f"{EXCLUSIONS.name} entry {position} ({item}): reason is empty")
        entries.append(Exclusion(item=item, reason=reason.strip()))
    return entries


def _resolve(root: Any, dotted: str) -> Any:
    """Follow ``a.b.C`` from ``root``, importing submodules; raise AttributeError when absent."""
    target = root
    for part in dotted.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            if not inspect.ismodule(target):
                raise
            try:
                target = importlib.import_module(f"{target.__name__}.{part}")
            except ModuleNotFoundError:
                raise AttributeError(f"{target.__name__} has no {part!r}") from None
    return target


def counterpart(spec: str) -> Any:
    """The flowtrack object for an inventory module (``flowtrack.models``, ``flowtrack:Cls``)."""
    module_name, _, attribute = spec.partition(":")
    module = importlib.import_module(module_name)
    return _resolve(module, attribute) if attribute else module


def _has_member(cls: type, name: str) -> bool:
    if hasattr(cls, name):
        return True
    if name in getattr(cls, "model_fields", {}):  # pydantic fields are not class attributes
        return True
    if dataclasses.is_dataclass(cls) and name in {f.name for f in dataclasses.fields(cls)}:
        return True
    if any(name in getattr(k, "__annotations__", {}) for k in cls.__mro__):
        return True
    # Attributes set in __init__ (MLflow's are often properties): look at an instance when the
    # class can be built without arguments, as Model() can.
    try:
        instance = cls()
    except Exception:
        return False
    return hasattr(instance, name)


def _param_item(item: str, param: dict[str, str]) -> str:
    star = "*" if param["kind"] == "var_positional" else ""
    return f"{item}({star}{param['name']})"


def _param_problems(item: str, ours: Any, our_name: str, params: list[dict[str, str]]) -> list[str]:
    try:
        signature = inspect.signature(ours)
    except (TypeError, ValueError):
        return [f"{item}: flowtrack's {our_name} has no readable signature"]
    our_params = signature.parameters.values()
    named = {p.name for p in our_params if p.kind in _BY_KEYWORD}
    has_var_positional = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in our_params)
    problems = []
    for param in params:
        label = _param_item(item, param)
        if param["kind"] == "var_positional":
            if not has_var_positional:
                problems.append(f"{label}: {our_name} takes no *{param['name']}")
        elif param["kind"] != "var_keyword" and param["name"] not in named:
            problems.append(f"{label}: {our_name} has no parameter {param['name']!r}")
    return problems


def _member_problems(item: str, cls: type, our_name: str, members: dict[str, Any]) -> list[str]:
    problems = []
    for name, entry in members.items():
        member_item = f"{item}.{name}"
        if not _has_member(cls, name):
            problems.append(
                f"{member_item}: flowtrack's {our_name} has no {entry['kind']} {name!r}"
            )
        elif entry.get("params") is not None:
            ours = getattr(cls, name, None)
            if ours is None or not callable(ours):
                problems.append(f"{member_item}: a {entry['kind']} in MLflow, not callable in ours")
            else:
                problems += _param_problems(
                    member_item, ours, f"{our_name}.{name}", entry["params"]
                )
    return problems


def module_problems(mlflow_module: str, spec: dict[str, Any]) -> list[str]:
    """Every item of one inventory module that flowtrack lacks, one readable line each."""
    root = counterpart(spec["counterpart"])
    our_root = spec["counterpart"].replace(":", ".")
    problems: list[str] = []
    for name, entry in spec["names"].items():
        item = f"{mlflow_module}.{name}"
        our_name = f"{our_root}.{name}"
        try:
            ours = _resolve(root, name)
        except AttributeError:
            problems.append(f"{item}: flowtrack has no {our_name}")
            continue
        if name == "__init__":  # MlflowClient's constructor: check the class itself
            ours, item, our_name = root, mlflow_module, our_root
        if entry.get("params") is not None:
            problems += _param_problems(item, ours, our_name, entry["params"])
        if entry.get("members"):
            if inspect.isclass(ours):
                problems += _member_problems(item, ours, our_name, entry["members"])
            else:
                problems.append(f"{item}: a class in MLflow, but {our_name} is not a class")
    return sorted(problems)


def item_of(problem: str) -> str:
    """The item a problem line is about (the text before the first ': ')."""
    return problem.split(": ", 1)[0]


def inventory_items(inventory: dict[str, Any]) -> list[str]:
    """Every item the inventory names, for telling stale exclusions from live ones."""
    items = []
    for mlflow_module, spec in inventory["modules"].items():
        for name, entry in spec["names"].items():
            item = mlflow_module if name == "__init__" else f"{mlflow_module}.{name}"
            items.append(f"{mlflow_module}.{name}")
            items += [_param_item(item, p) for p in entry.get("params") or ()]
            for member, member_entry in (entry.get("members") or {}).items():
                items.append(f"{item}.{member}")
                params = member_entry.get("params") or ()
                items += [_param_item(f"{item}.{member}", p) for p in params]
    return items


def stale_exclusions(inventory: dict[str, Any], exclusions: list[Exclusion]) -> list[str]:
    """Entries covering nothing flowtrack lacks: gone from MLflow, or provided by flowtrack now."""
    items = inventory_items(inventory)
    problems = [
        item_of(p) for m, spec in inventory["modules"].items() for p in module_problems(m, spec)
    ]
    stale = []
    for exclusion in exclusions:
        if not any(exclusion.matches(item) for item in items):
            stale.append(f"{exclusion.item}: no longer in the MLflow inventory; remove the entry")
        elif not any(exclusion.matches(problem) for problem in problems):
            stale.append(f"{exclusion.item}: flowtrack provides it now; remove the entry")
    return stale
