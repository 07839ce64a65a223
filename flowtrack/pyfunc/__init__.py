"""The ``python_function`` flavor: every model behind one ``predict``, and custom Python models.

Any model with a ``python_function`` flavor (scikit-learn models, custom :class:`PythonModel` s,
and MLflow's models of those flavors) loads as a :class:`PyFuncModel` whose
``predict(data, params=None)`` enforces the model's signature::

    import flowtrack

    class AddN(flowtrack.pyfunc.PythonModel):
        def __init__(self, n):
            self.n = n

        def predict(self, context, model_input, params=None):
            return model_input + self.n

    with flowtrack.start_run():
        info = flowtrack.pyfunc.log_model(name="model", python_model=AddN(5))
    flowtrack.pyfunc.load_model(info.model_uri).predict(1)  # 6

**Loading a model runs code.** Custom models are cloudpickle files and scikit-learn models may be
pickles: loading them executes what their author put in them. Load only models from people you
trust; see :func:`load_model` for the checks flowtrack applies unless ``trust_model=True``.

The files use MLflow's format and loader modules (``mlflow.pyfunc.model``), so MLflow loads
flowtrack's custom models where flowtrack is installed, and flowtrack loads MLflow's.
"""

from flowtrack.pyfunc.dependencies import get_default_conda_env, get_model_dependencies
from flowtrack.pyfunc.flavor import add_to_model, load_pyfunc
from flowtrack.pyfunc.model import PythonModel, PythonModelContext
from flowtrack.pyfunc.persistence import (
    get_default_pip_requirements,
    load_model,
    log_model,
    save_model,
)
from flowtrack.pyfunc.pyfunc_model import PyFuncModel

#: The flavor name in ``MLmodel``.
FLAVOR_NAME = "python_function"

__all__ = [
    "FLAVOR_NAME",
    "PyFuncModel",
    "PythonModel",
    "PythonModelContext",
    "add_to_model",
    "get_default_conda_env",
    "get_default_pip_requirements",
    "get_model_dependencies",
    "load_model",
    "load_pyfunc",
    "log_model",
    "save_model",
]
