"""flo_rfm: RFM segmentation and CLTV for retail customer files, with pandas' exact answers
computed by a Rust core.

Examples
--------
>>> import flo_rfm
>>> res = flo_rfm.run()                      # the built-in 20,000-customer sample
>>> sorted(res.segment_summary.index)[:3]
['about_to_sleep', 'at_Risk', 'cant_loose']
"""

from __future__ import annotations

from . import _pandas as _pandas  # first: the core follows the installed pandas' rules
from . import datasets, exceptions, rules
from ._flo_rfm import __version__
from .clv import (
    PERIODS_PER_MONTH,
    BetaGeo,
    BetaGeoFitter,
    CltvResult,
    GammaGamma,
    GammaGammaFitter,
    HoldoutValidation,
    ModifiedBetaGeo,
    ModifiedBetaGeoFitter,
    ParetoNBD,
    ParetoNBDFitter,
    bootstrap_clv,
    cltv,
    compare_models,
    cumulative_transactions,
    frequency_monetary_correlation,
    holdout_validation,
)
from .customer_data import CustomerData, ReadReport
from .io import from_pandas, prepare, read_csv, read_parquet
from .orders import (
    OrderLog,
    TransactionLog,
    calibration_holdout,
    customers_from_transactions,
    summarize_transactions,
)
from .reporting import report
from .run import RunResult, rfm, run
from .segment_migration import Migration, migration
from .segmentation import Segmentation, Threshold
from .segments import DEFAULT_SEGMENT_MAP, RfmResult
from .table import CustomerTable, customers
from .write import write_csv, write_ids

__all__ = [
    "DEFAULT_SEGMENT_MAP",
    "PERIODS_PER_MONTH",
    "BetaGeo",
    "BetaGeoFitter",
    "CltvResult",
    "CustomerData",
    "CustomerTable",
    "GammaGamma",
    "GammaGammaFitter",
    "HoldoutValidation",
    "Migration",
    "ModifiedBetaGeo",
    "ModifiedBetaGeoFitter",
    "OrderLog",
    "ParetoNBD",
    "ParetoNBDFitter",
    "ReadReport",
    "RfmResult",
    "RunResult",
    "Segmentation",
    "Threshold",
    "TransactionLog",
    "__version__",
    "bootstrap_clv",
    "calibration_holdout",
    "cltv",
    "compare_models",
    "cumulative_transactions",
    "customers",
    "customers_from_transactions",
    "datasets",
    "exceptions",
    "frequency_monetary_correlation",
    "from_pandas",
    "holdout_validation",
    "migration",
    "prepare",
    "read_csv",
    "read_parquet",
    "report",
    "rfm",
    "rules",
    "run",
    "summarize_transactions",
    "write_csv",
    "write_ids",
]
