"""flowtrack's tracking server: MLflow's REST API for tracking, so MLflow clients can log to it.

Start it with ``flowtrack server`` (or ``flowtrack ui``); build the app with
:func:`flowtrack.server.app.create_app`. Needs the ``server`` extra (fastapi, uvicorn).
"""

__all__: list[str] = []
