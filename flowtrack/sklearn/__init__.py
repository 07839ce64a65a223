"""The scikit-learn flavor: save, log and load estimators, and autolog ``fit``.

Models use MLflow's ``sklearn`` flavor keys (``pickled_model``, ``serialization_format``,
``sklearn_version``, ``skops_trusted_types``, ``code``) and ``loader_module: mlflow.sklearn``, so
MLflow loads them where flowtrack is not installed, and flowtrack loads MLflow's::

    with flowtrack.start_run():
        info = flowtrack.sklearn.log_model(RandomForestClassifier().fit(X, y), name="model")
    clf = flowtrack.sklearn.load_model(info.model_uri)

**Loading a model may run code.** The ``pickle`` and ``cloudpickle`` formats execute what the
model's author put in the file; load only models from people you trust.

The default serialization format
--------------------------------
MLflow 3 defaults to ``skops``, which builds only types it trusts, but records no trusted types:
loading a plain ``RandomForestClassifier`` fails because skops does not trust
``sklearn.tree._tree.Tree`` by default. Pickle formats load anything, by running code.

flowtrack's default (``serialization_format=None``) is skops with recorded types, falling back to
cloudpickle:

1. The model is serialized with skops, and ``skops.io.get_untrusted_types`` lists exactly the
   types the file needs beyond skops's defaults (``['sklearn.tree._tree.Tree']`` for a random
   forest). They are recorded in ``MLmodel`` as ``skops_trusted_types``, MLflow's key.
2. If every one of them is a *class* from scikit-learn, NumPy or SciPy, the model is saved as
   skops. Otherwise (a lambda in a ``FunctionTransformer``, a custom estimator class, a type skops
   cannot serialize) it is saved with cloudpickle, which runs common code unchanged.
3. At load, flowtrack trusts the recorded types only if each is such a class (outside test
   modules); anything else needs ``trust_model=True``.

The trust model, honestly: the recorded list is written by whoever can write the model
directory, so it is not a signature or a proof. What the load-time check adds is a bound: a
tampered ``MLmodel`` can make skops build scikit-learn/NumPy/SciPy classes with attacker-chosen
state, but cannot name ``builtins.eval``, ``os.system``, a function, or another package's type
without the caller saying ``trust_model=True``, whereas a pickle runs whatever it contains. That
is strictly less than pickle grants, not "safe": treat models from untrusted sources as untrusted
in every format.

MLflow loads these skops models: its loader reads ``skops_trusted_types`` from the flavor and
passes them to ``skops.io.load`` (MLflow 3 releases with skops support, from late 2025; older
releases only know the pickle formats: pass ``serialization_format="cloudpickle"`` for them).
The price is speed: skops is slower to write (about 0.5 s for a 100-tree forest, against 10 ms
for cloudpickle) at a similar compressed size.
"""

from flowtrack.sklearn._flavor import (
    FLAVOR_NAME,
    get_default_conda_env,
    get_default_pip_requirements,
    load_model,
    log_model,
    save_model,
)
from flowtrack.sklearn._serialization import (
    SERIALIZATION_FORMAT_CLOUDPICKLE,
    SERIALIZATION_FORMAT_PICKLE,
    SERIALIZATION_FORMAT_SKOPS,
    SUPPORTED_SERIALIZATION_FORMATS,
)
from flowtrack.sklearn.autolog import autolog

__all__ = [
    "FLAVOR_NAME",
    "SERIALIZATION_FORMAT_CLOUDPICKLE",
    "SERIALIZATION_FORMAT_PICKLE",
    "SERIALIZATION_FORMAT_SKOPS",
    "SUPPORTED_SERIALIZATION_FORMATS",
    "autolog",
    "get_default_conda_env",
    "get_default_pip_requirements",
    "load_model",
    "log_model",
    "save_model",
]
