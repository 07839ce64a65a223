"""MLflow's system tag keys, defined once for every layer (MLflow's ``mlflow.utils.mlflow_tags``).

Stores keep ``mlflow.runName`` in step with a run's name; the fluent API records who ran what
(:mod:`flowtrack.tracking.context_tags`); dataset inputs carry their context; autologging marks
its runs. Keys under ``mlflow.`` are MLflow's, so tools reading MLflow runs understand them.
"""

from __future__ import annotations

__all__ = [
    "MLFLOW_AUTOLOGGING",
    "MLFLOW_DATASET_CONTEXT",
    "MLFLOW_GIT_COMMIT",
    "MLFLOW_LOGGED_ARTIFACTS",
    "MLFLOW_LOGGED_IMAGES",
    "MLFLOW_MODEL_IS_EXTERNAL",
    "MLFLOW_MODEL_VERSIONS",
    "MLFLOW_PARENT_RUN_ID",
    "MLFLOW_RUN_NAME",
    "MLFLOW_RUN_NOTE",
    "MLFLOW_SOURCE_NAME",
    "MLFLOW_SOURCE_TYPE",
    "MLFLOW_USER",
]

#: A run's name; every store keeps it equal to ``RunInfo.run_name``.
MLFLOW_RUN_NAME = "mlflow.runName"
#: The id of the run a nested run was started in.
MLFLOW_PARENT_RUN_ID = "mlflow.parentRunId"
#: Who ran the code (the login name).
MLFLOW_USER = "mlflow.user"
#: The script or notebook that ran.
MLFLOW_SOURCE_NAME = "mlflow.source.name"
#: ``LOCAL``, ``NOTEBOOK``, ... : what kind of source ran.
MLFLOW_SOURCE_TYPE = "mlflow.source.type"
#: The git commit of the source, when it lives in a git work tree.
MLFLOW_GIT_COMMIT = "mlflow.source.git.commit"
#: The run's description (markdown).
MLFLOW_RUN_NOTE = "mlflow.note.content"
#: The flavor whose autologging created the run (``sklearn``).
MLFLOW_AUTOLOGGING = "mlflow.autologging"
#: The input tag saying what a dataset was used for (``training``, ``eval``...).
MLFLOW_DATASET_CONTEXT = "mlflow.data.context"
#: JSON list of the tables a run logged (``[{"path": ..., "type": "table"}]``), read by load_table.
MLFLOW_LOGGED_ARTIFACTS = "mlflow.loggedArtifacts"
#: ``"True"`` on a run that logged an image series with ``log_image(key=...)``.
MLFLOW_LOGGED_IMAGES = "mlflow.loggedImages"
#: ``"true"`` on a logged model whose files live outside MLflow (``create_external_model``).
MLFLOW_MODEL_IS_EXTERNAL = "mlflow.model.isExternal"
#: JSON list of the registry versions of a logged model (``[{"name": ..., "version": ...}]``).
MLFLOW_MODEL_VERSIONS = "mlflow.modelVersions"
