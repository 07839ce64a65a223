"""Artifact storage: one fsspec-backed store for local disk, ``file://``, ``memory://``, ``s3://``.

See :class:`ArtifactStore`; artifact paths are confined to the store's root by
:func:`normalize_artifact_path` (and symlink checks on local disks).
"""

from flowtrack.stores.artifacts.paths import join_uri, normalize_artifact_path
from flowtrack.stores.artifacts.store import ArtifactStore, get_artifact_store

__all__ = ["ArtifactStore", "get_artifact_store", "join_uri", "normalize_artifact_path"]
