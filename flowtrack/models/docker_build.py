"""``build_docker``: build a Docker image serving a model on port 8080 (MLflow's signature).

The build context is the one ``flowtrack models generate-dockerfile`` writes
(:func:`flowtrack.models.docker.generate_dockerfile`): the model baked into ``model_dir/`` and a
``Dockerfile`` installing its ``requirements.txt`` and ``flowtrack[server]`` into the image's
Python. ``docker build`` runs only when a Docker engine answers ``docker info``; otherwise the
error says so and where the build context was left, to build elsewhere.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile

from flowtrack.exceptions import FlowtrackError, InvalidParameterError, InvalidStateError

__all__ = ["build_docker"]

# Inside the image the model's requirements go into the image's own Python, an environment of
# its own: what MLflow's "virtualenv" and "local" managers give, so both names are accepted.
_ENV_MANAGERS = ("virtualenv", "local")
_INFO_TIMEOUT_SECONDS = 30


def _docker_problem(docker: str | None) -> str | None:
    """Return why Docker cannot build here, or ``None`` when its engine answers."""
    if docker is None:
        return "the docker command is not installed"
    try:
        done = subprocess.run(
            [docker, "info"], capture_output=True, text=True, timeout=_INFO_TIMEOUT_SECONDS
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"'docker info' failed: {exc}"
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"no Docker engine answers 'docker info' ({reason})"
    return None


def build_docker(
    model_uri: str | None = None,
    name: str = "mlflow-pyfunc",
    env_manager: str = "virtualenv",
    mlflow_home: str | None = None,
    install_java: bool = False,
    install_mlflow: bool = False,
    base_image: str | None = None,
) -> None:
    """Build a Docker image whose default command serves the model on port 8080.

    Run it with ``docker run -p 5001:8080 <name>`` and score ``http://localhost:5001/invocations``.

    Args:
        model_uri: The model to bake into the image (a local path, ``runs:/``, ``models:/``...).
            Required: flowtrack images always contain their model (MLflow's model-less image,
            with a model mounted at run time, is not supported).
        name: The image name (tag).
        env_manager: ``"virtualenv"`` (default) or ``"local"``: either way the requirements
            are installed into the image's Python. ``"conda"`` and ``"uv"`` are refused.
        mlflow_home: Not supported (MLflow development builds); must be ``None``.
        install_java: Not supported (no flowtrack flavor needs Java); must be ``False``.
        install_mlflow: Accepted for MLflow compatibility; the image installs
            ``flowtrack[server]``, never mlflow.
        base_image: The Python base image; default ``python:3.11-slim``.

    Raises:
        InvalidParameterError: No ``model_uri``, an unsupported option, or a model that cannot
            be served (no ``python_function`` flavor).
        InvalidStateError: No Docker engine answers ``docker info``; the message names the
            build context, which is kept for building elsewhere.
        FlowtrackError: ``docker build`` failed; the message names the build context.

    Example:
        >>> flowtrack.models.build_docker(f"runs:/{run_id}/model", name="fraud-model")
    """
    from flowtrack.models.docker import DEFAULT_BASE_IMAGE, generate_dockerfile

    del install_mlflow
    if model_uri is None:
        raise InvalidParameterError(
            "build_docker needs a model_uri: flowtrack images contain their model (an image "
            "without one, serving a model mounted at /opt/ml/model, is not supported)"
        )
    if env_manager not in _ENV_MANAGERS:
        raise InvalidParameterError(
            f"Unsupported env_manager {env_manager!r}: build_docker supports {list(_ENV_MANAGERS)} "
            "(the requirements are installed into the image's Python)"
        )
    if mlflow_home is not None or install_java:
        raise InvalidParameterError(
            f"Unsupported build_docker options (mlflow_home={mlflow_home!r}, "
            f"install_java={install_java!r}): they apply to MLflow's own images only"
        )
    if not isinstance(name, str) or not name.strip() or any(c.isspace() for c in name):
        raise InvalidParameterError(
            f"Invalid image name {name!r}: use a Docker image name such as 'fraud-model:1'"
        )
    context = tempfile.mkdtemp(prefix="flowtrack-docker-")
    generate_dockerfile(model_uri, context, base_image=base_image or DEFAULT_BASE_IMAGE)
    docker = shutil.which("docker")
    problem = _docker_problem(docker)
    if problem is not None or docker is None:
        raise InvalidStateError(
            f"Cannot build the image {name!r}: {problem}. The build context (Dockerfile and "
            f"model_dir/) is in {context}; build it where Docker runs with "
            f"'docker build -t {name} {context}'"
        )
    done = subprocess.run([docker, "build", "-t", name, context], check=False)
    if done.returncode != 0:
        raise FlowtrackError(
            f"'docker build -t {name}' failed with exit status {done.returncode}; the build "
            f"context is kept in {context}"
        )
    shutil.rmtree(context, ignore_errors=True)
