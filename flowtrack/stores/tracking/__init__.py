"""Tracking stores: one ABC (:mod:`.base`), one module per backend."""

from flowtrack.stores.tracking.base import TrackingStore

__all__ = ["TrackingStore"]
