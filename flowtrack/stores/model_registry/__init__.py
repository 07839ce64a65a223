"""Model Registry stores: the :class:`~.base.RegistryStore` interface and its backends.

The package is ``model_registry``, as MLflow's ``mlflow.store.model_registry``; its stores are
chosen by URI scheme in :mod:`.selection`.
"""
