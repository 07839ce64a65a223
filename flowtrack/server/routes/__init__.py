"""MLflow's REST routes, one module per resource; each module's ``router`` is mounted under
``/api/2.0/mlflow`` and ``/ajax-api/2.0/mlflow``."""

__all__: list[str] = []
