"""Model Registry stores: the :class:`~.base.RegistryStore` interface and its backends.

The package is ``model_registry`` (MLflow's ``mlflow.store.model_registry``) because
``flowtrack.stores.registry`` is already the module that picks tracking stores by URI scheme.
"""
