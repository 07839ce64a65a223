"""Serving an ASGI app on uvicorn in one process, or in N worker processes.

With one worker the app is served in-process. With several, uvicorn spawns worker processes
that each build the app through a factory (``"module:function"``) from environment variables
the parent sets first: an app holding a store or a model cannot be pickled to the workers. The
tracking server and the scoring server both run this way.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

__all__ = ["serve"]


def serve(
    app: Any,
    *,
    workers: int,
    worker_factory: str,
    handoff: Mapping[str, str],
    host: str,
    port: int,
    log_level: str,
    access_log: bool = True,
) -> None:
    """Serve until stopped: ``app`` in-process, or ``workers`` worker processes.

    Args:
        app: The app, served in-process when ``workers`` is 1; ``None`` with several workers
            (each builds its own, so the parent need not keep a store or a model alive).
        workers: How many processes.
        worker_factory: ``"module:function"`` building the app in each worker process.
        handoff: Environment variables the factory reads, set before the workers spawn.
        host: The address to bind.
        port: The port to bind.
        log_level: uvicorn's log level.
        access_log: Log every request.
    """
    import uvicorn

    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "access_log": access_log,
        "server_header": False,
    }
    if workers == 1:
        uvicorn.run(app, **options)
        return
    os.environ.update(handoff)
    uvicorn.run(worker_factory, factory=True, workers=workers, **options)
