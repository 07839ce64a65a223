"""The SQL schema as a typed SQLAlchemy ORM, one module per aggregate; rows never leave the stores.

One :class:`~.base.Base` (one MetaData) holds every table: :mod:`.tracking` (experiments, runs
and what hangs off them), :mod:`.logged_models` (MLflow 3's logged models and their links to
runs) and :mod:`.registry` (the Model Registry), in the same database.
Relationships are ``lazy="raise"``: loading is explicit. Migrations live in
``flowtrack/stores/sql/migrations/versions``; a test checks that they produce exactly this schema.
"""

from flowtrack.stores.sql.schema.base import Base, BigIntKey
from flowtrack.stores.sql.schema.logged_models import (
    MODEL_ID_LENGTH,
    SqlLoggedModel,
    SqlLoggedModelMetric,
    SqlLoggedModelParam,
    SqlLoggedModelTag,
    SqlRunLoggedModel,
)
from flowtrack.stores.sql.schema.registry import (
    SqlModelVersion,
    SqlModelVersionTag,
    SqlRegisteredModel,
    SqlRegisteredModelAlias,
    SqlRegisteredModelTag,
)
from flowtrack.stores.sql.schema.tracking import (
    SqlDataset,
    SqlExperiment,
    SqlExperimentTag,
    SqlLatestMetric,
    SqlMetric,
    SqlParam,
    SqlRun,
    SqlRunInput,
    SqlRunTag,
)

__all__ = [
    "MODEL_ID_LENGTH",
    "Base",
    "BigIntKey",
    "SqlDataset",
    "SqlExperiment",
    "SqlExperimentTag",
    "SqlLatestMetric",
    "SqlLoggedModel",
    "SqlLoggedModelMetric",
    "SqlLoggedModelParam",
    "SqlLoggedModelTag",
    "SqlMetric",
    "SqlModelVersion",
    "SqlModelVersionTag",
    "SqlParam",
    "SqlRegisteredModel",
    "SqlRegisteredModelAlias",
    "SqlRegisteredModelTag",
    "SqlRun",
    "SqlRunInput",
    "SqlRunLoggedModel",
    "SqlRunTag",
]
