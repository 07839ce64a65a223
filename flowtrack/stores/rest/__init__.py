"""HTTP plumbing shared by the REST stores: connection settings and one pooled session.

:mod:`flowtrack.stores.rest.config` holds :class:`HttpConfig` (no httpx import, so store selection
can build it cheaply); :mod:`flowtrack.stores.rest.session` the :class:`RestSession` that speaks
MLflow's REST API (``/api/2.0/mlflow/...``) with keep-alive, retries and error mapping.
"""
