"""Write tests/compat/mlflow_inventory.json: MLflow's classic-ML public names and parameter names.

Run it with the test-only interpreter that holds the real MLflow (never flowtrack's ``.venv``)::

    .venv-mlflow/bin/python tests/compat/generate_mlflow_inventory.py

then review the diff of ``mlflow_inventory.json`` and run ``tests/compat/test_mlflow_inventory.py``,
which checks flowtrack against it (skipping the reviewed ``mlflow_exclusions.yaml``). Regenerate
whenever ``requirements-mlflow.lock`` moves to another MLflow version; the test refuses an inventory
written by a different version.

What is inventoried (the rules, so the JSON can be re-derived and argued with):

1. Modules: ``mlflow``, the methods and properties of ``mlflow.MlflowClient`` (as the
   pseudo-module ``mlflow.MlflowClient``), ``mlflow.models``, ``mlflow.pyfunc``,
   ``mlflow.sklearn``, ``mlflow.data`` and ``mlflow.artifacts``; each maps to the flowtrack
   counterpart named in ``MODULES``.
2. Public names of a module: its ``__all__`` where it defines one (``mlflow``, ``mlflow.models``,
   ``mlflow.data``); otherwise (``mlflow.pyfunc``, ``mlflow.sklearn``, ``mlflow.artifacts``) the
   attributes not starting with ``_`` that are functions or classes whose ``__module__`` is that
   module or one of its submodules, i.e. defined by MLflow there, not merely imported from the
   standard library, numpy or another MLflow package.
3. ``EXTRA_CLASSES``: classes users import by a dotted path below the module (``ModelInfo``, the
   dataset classes) are added under that relative path (``model.ModelInfo``).
4. Each function gets its parameters (name and kind, from ``inspect.signature``; ``self``/``cls``
   and private ``_``-prefixed parameters dropped, GenAI parameters dropped by rule 5); a class
   gets its constructor's parameters and its public members: the methods, classmethods,
   staticmethods and properties defined (not starting with ``_``) on the class or on its MLflow
   base classes. Plain class attributes (constants, enum members) are not members.
5. GenAI is left out by ``is_genai`` below: a name (module-level, member or parameter) is GenAI
   when it is defined in one of ``GENAI_MODULE_PREFIXES``, when one of its ``_``-separated words,
   lowercased, is in ``GENAI_WORDS``, or when it is in ``GENAI_NAMES``. These are MLflow's LLM
   features (tracing, prompts, assessments, the AI gateway, GenAI evaluation datasets, agents,
   MCP servers, workspaces), out of flowtrack's classic-ML scope by issue 9. Everything else
   classic but absent from flowtrack goes to the reviewed exclusion list, each with its reason,
   not here.

Output is deterministic: names sorted, parameters in signature order, the MLflow version recorded.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import json
import sys
from pathlib import Path
from typing import Any

import mlflow

OUTPUT = Path(__file__).with_name("mlflow_inventory.json")

#: MLflow module -> flowtrack counterpart (an importable module, or module:attribute for a class).
MODULES: dict[str, str] = {
    "mlflow": "flowtrack",
    "mlflow.MlflowClient": "flowtrack:MlflowClient",
    "mlflow.models": "flowtrack.models",
    "mlflow.pyfunc": "flowtrack.pyfunc",
    "mlflow.sklearn": "flowtrack.sklearn",
    "mlflow.data": "flowtrack.data",
    "mlflow.artifacts": "flowtrack.artifacts",
}

#: Classes outside the module's public names that users import by a dotted path below it.
EXTRA_CLASSES: dict[str, tuple[str, ...]] = {
    "mlflow.models": ("model.ModelInfo",),
    "mlflow.data": (
        "Dataset",
        "DatasetSource",
        "numpy_dataset.NumpyDataset",
        "pandas_dataset.PandasDataset",
    ),
}

#: Where MLflow defines its GenAI features: anything defined under these is GenAI.
GENAI_MODULE_PREFIXES: tuple[str, ...] = (
    "mlflow.tracing",
    "mlflow.genai",
    "mlflow.gateway",
    "mlflow.deployments",
    "mlflow.prompt",
    "mlflow.entities.assessment",
    "mlflow.entities.span",
    "mlflow.entities.trace",
    "mlflow.store.workspace",
    "mlflow.workspace",
    "mlflow.types.llm",
    "mlflow.types.agent",
    "mlflow.types.responses",
    # The prediction-request context that ties a model's predictions to traces.
    "mlflow.pyfunc.context",
)

#: A name containing one of these words (split on "_", lowercased) is GenAI.
GENAI_WORDS: frozenset[str] = frozenset(
    {
        "trace",
        "traces",
        "tracing",
        "span",
        "spans",
        "prompt",
        "prompts",
        "assessment",
        "assessments",
        "feedback",
        "expectation",
        "expectations",
        "issue",
        "gateway",
        "genai",
        "workspace",
        "workspaces",
        "scorer",
        "scorers",
        "judge",
        "judges",
        "session",
        "sessions",
        "mcp",
        "llm",
        "retriever",
    }
)

#: GenAI names that the word rule cannot see.
GENAI_NAMES: frozenset[str] = frozenset(
    {
        # mlflow.pyfunc's LLM model interfaces (chat / agent / OpenAI Responses schemas).
        "ChatAgent",
        "ChatModel",
        "ResponsesAgent",
        # MlflowClient's GenAI evaluation datasets (mlflow.genai.datasets.EvaluationDataset),
        # not the classic mlflow.data datasets logged as run inputs.
        "add_dataset_to_experiments",
        "create_dataset",
        "delete_dataset",
        "delete_dataset_tag",
        "get_dataset",
        "remove_dataset_from_experiments",
        "search_datasets",
        "set_dataset_tags",
        # Streaming predictions: PyFuncModel.predict_stream takes PyFuncLLMSingleInput and yields
        # PyFuncLLMOutputChunk, for LLM models only.
        "predict_stream",
        "predict_stream_fn",
        "streamable",
    }
)

_KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: "positional_only",
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional_or_keyword",
    inspect.Parameter.VAR_POSITIONAL: "var_positional",
    inspect.Parameter.KEYWORD_ONLY: "keyword_only",
    inspect.Parameter.VAR_KEYWORD: "var_keyword",
}


def is_genai(name: str, obj: object) -> bool:
    """Whether a public name belongs to MLflow's GenAI features (rule 5 of the module docstring)."""
    module = getattr(obj, "__module__", None) or ""
    if inspect.ismodule(obj):
        module = obj.__name__
    if any(module == p or module.startswith(p + ".") for p in GENAI_MODULE_PREFIXES):
        return True
    if name in GENAI_NAMES:
        return True
    return any(word.lower() in GENAI_WORDS for word in name.split("_"))


def parameters(func: Any, *, drop_first: bool = False) -> list[dict[str, str]] | None:
    """The parameter names and kinds of a callable, or None when Python cannot tell."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    params = list(signature.parameters.values())
    if drop_first and params:
        params = params[1:]
    return [
        {"name": p.name, "kind": _KINDS[p.kind]}
        for p in params
        if not p.name.startswith("_") and not is_genai(p.name, None)
    ]


def _member(cls: type, name: str, raw: object) -> dict[str, Any] | None:
    if isinstance(raw, property):
        return {"kind": "property"}
    if isinstance(raw, classmethod):
        return {"kind": "classmethod", "params": parameters(getattr(cls, name))}
    if isinstance(raw, staticmethod):
        return {"kind": "staticmethod", "params": parameters(getattr(cls, name))}
    if inspect.isfunction(raw):
        return {"kind": "method", "params": parameters(raw, drop_first=True)}
    return None


def class_members(cls: type) -> dict[str, dict[str, Any]]:
    """Public methods and properties defined on ``cls`` or its MLflow bases (rule 4)."""
    members: dict[str, dict[str, Any]] = {}
    for klass in cls.__mro__:
        if not klass.__module__.startswith("mlflow"):
            continue
        for name, raw in vars(klass).items():
            if name.startswith("_") or name in members or is_genai(name, raw):
                continue
            entry = _member(cls, name, raw)
            if entry is not None:
                members[name] = entry
    return dict(sorted(members.items()))


def describe(obj: object, *, with_members: bool = True) -> dict[str, Any]:
    """The inventory entry of one public name."""
    if inspect.ismodule(obj):
        return {"kind": "module"}
    if inspect.isclass(obj):
        entry: dict[str, Any] = {"kind": "class"}
        if issubclass(obj, enum.Enum):
            return entry
        entry["params"] = parameters(obj)  # the constructor's, without self
        if with_members:
            entry["members"] = class_members(obj)
        return entry
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return {"kind": "function", "params": parameters(obj)}
    return {"kind": "attribute"}


def public_names(module_name: str) -> dict[str, object]:
    """A module's public names by rule 2, GenAI left out (rule 5)."""
    module = importlib.import_module(module_name)
    declared = getattr(module, "__all__", None)
    if declared is not None:
        names = {name: getattr(module, name) for name in declared}
    else:
        names = {}
        for name in dir(module):
            obj = getattr(module, name)
            defined_in = getattr(obj, "__module__", None) or ""
            if (
                not name.startswith("_")
                and (inspect.isclass(obj) or inspect.isfunction(obj))
                and (defined_in == module_name or defined_in.startswith(module_name + "."))
            ):
                names[name] = obj
    for dotted in EXTRA_CLASSES.get(module_name, ()):
        target: object = module
        for part in dotted.split("."):
            target = getattr(target, part, None) or importlib.import_module(
                f"{getattr(target, '__name__', module_name)}.{part}"
            )
        names[dotted] = target
    return {name: obj for name, obj in names.items() if not is_genai(name.split(".")[-1], obj)}


def inventory() -> dict[str, Any]:
    """The whole inventory, ready to be written as JSON."""
    modules: dict[str, Any] = {}
    for mlflow_name, counterpart in MODULES.items():
        if mlflow_name == "mlflow.MlflowClient":
            names = {
                name: entry
                for name, entry in class_members(mlflow.MlflowClient).items()
                if not is_genai(name, getattr(mlflow.MlflowClient, name))
            }
            init = parameters(mlflow.MlflowClient.__init__, drop_first=True)
            names["__init__"] = {"kind": "method", "params": init}
        else:
            names = {
                # MlflowClient's members are inventoried once, under "mlflow.MlflowClient".
                name: describe(obj, with_members=name != "MlflowClient")
                for name, obj in public_names(mlflow_name).items()
            }
        modules[mlflow_name] = {"counterpart": counterpart, "names": dict(sorted(names.items()))}
    return {
        "mlflow_version": mlflow.__version__,
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "generator": "tests/compat/generate_mlflow_inventory.py",
        "modules": modules,
    }


def main() -> None:
    """Write the inventory next to this script and say how many names it holds."""
    data = inventory()
    OUTPUT.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")
    counts = ", ".join(f"{m}: {len(v['names'])}" for m, v in data["modules"].items())
    print(f"MLflow {data['mlflow_version']} -> {OUTPUT} ({counts})")


if __name__ == "__main__":
    main()
