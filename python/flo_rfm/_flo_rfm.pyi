# Stubs for the compiled core (src/bindings). Checked by `python -m mypy.stubtest flo_rfm._flo_rfm`.
from collections.abc import Callable
from os import PathLike
from typing import final

import numpy as np
import numpy.typing as npt
from typing_extensions import TypeAlias

__version__: str
REQUIRED_COLUMNS: list[str]
CLTV_STEPS: int
OUTLIER_QUANTILES: list[float]
PERIODS_PER_MONTH: list[tuple[str, float]]
__all__ = [
    "CLTV_STEPS",
    "OUTLIER_QUANTILES",
    "PERIODS_PER_MONTH",
    "REQUIRED_COLUMNS",
    "Bootstrap",
    "ChannelSummary",
    "Cltv",
    "CltvFrame",
    "CustomerTable",
    "Fit",
    "Frame",
    "OrderLog",
    "Progress",
    "PurchaseHistories",
    "Rfm",
    "SpendHistories",
    "Summary",
    "__version__",
    "apply_segment_map",
    "bootstrap_clv",
    "check_scheme",
    "cltv_predictions",
    "concat_logs",
    "continue_group_sums",
    "count_csv_range",
    "csv_splittable",
    "customer_lifetime_value",
    "cut_by_edges",
    "default_analysis_date",
    "describe_array",
    "fit_gamma_gamma",
    "fit_gamma_gamma_from_sums",
    "fit_purchases",
    "fit_purchases_from_sums",
    "float_cells",
    "frame_from_bytes",
    "frame_id_hashes",
    "from_columns",
    "gg_expected_profit",
    "gg_objective",
    "gg_objective_gradient",
    "gg_sums",
    "history_groups",
    "history_scale",
    "keys_under",
    "log_from_bytes",
    "log_from_columns",
    "outlier_thresholds_of",
    "pearson",
    "purchases_expected",
    "purchases_expected_new",
    "purchases_objective",
    "purchases_objective_gradient",
    "purchases_palive",
    "purchases_probability_conditional",
    "purchases_probability_new",
    "purchases_sums",
    "qcut_codes",
    "quantile_plan",
    "quantiles",
    "quantiles_from_order_stats",
    "rank_bin_edges",
    "rank_first_array",
    "read_bytes",
    "read_csv",
    "read_csv_range",
    "read_log",
    "read_log_range",
    "rule_versions",
    "sample_csv_bytes",
    "score_probabilities",
    "set_versions",
    "special",
    "spend_groups",
    "standard_rules",
    "top_n_rows",
    "unique_bin_edges",
    "write_file",
    "write_id_list",
    "write_order_log_csv",
    "write_sample_csv",
]

_F64: TypeAlias = npt.NDArray[np.float64]
_I64: TypeAlias = npt.NDArray[np.int64]
_U64: TypeAlias = npt.NDArray[np.uint64]

_Reduced: TypeAlias = tuple[Callable[[bytes], object], tuple[bytes]]

@final
class ChannelSummary:
    @property
    def names(self) -> list[str]: ...
    @property
    def customers(self) -> list[int]: ...
    @property
    def orders_sum(self) -> list[float]: ...
    @property
    def orders_mean(self) -> list[float]: ...
    @property
    def spend_sum(self) -> list[float]: ...
    @property
    def spend_mean(self) -> list[float]: ...

@final
class CltvFrame:
    @property
    def analysis_date(self) -> int: ...
    @property
    def rows(self) -> _U64: ...
    @property
    def recency_weekly(self) -> _F64: ...
    @property
    def t_weekly(self) -> _F64: ...
    @property
    def frequency(self) -> _F64: ...
    @property
    def monetary_avg(self) -> _F64: ...
    @property
    def thresholds(self) -> list[tuple[float, float]]: ...

@final
class Fit:
    @property
    def params(self) -> list[float]: ...
    @property
    def scale(self) -> float: ...
    @property
    def iterations(self) -> int: ...
    @property
    def objective(self) -> float: ...
    @property
    def gradient_norm(self) -> float: ...
    @property
    def groups(self) -> int: ...
    @property
    def covariance(self) -> list[float]: ...

@final
class Summary:
    def __len__(self) -> int: ...
    def names(self) -> list[str]: ...
    def __arrow_c_stream__(self, requested_schema: object = None) -> object: ...

@final
class Frame:
    def __reduce__(self) -> _Reduced: ...
    def __len__(self) -> int: ...
    @property
    def source(self) -> str: ...
    def master_id(self) -> list[str]: ...
    def ids_at(self, rows: _U64) -> list[str]: ...
    def write_ids(self, rows: _U64, path: str | PathLike[str]) -> None: ...
    def extra_names(self) -> list[str]: ...
    def __arrow_c_stream__(self, requested_schema: object = None) -> object: ...
    def channel(self, name: str) -> tuple[_I64, list[str]]: ...
    def dates(self) -> list[npt.NDArray[np.int32]]: ...
    def counts(self) -> list[_F64]: ...
    def money(self) -> list[_F64]: ...
    def categories(self) -> tuple[_I64, list[str], list[list[str]]]: ...
    def extra(self) -> list[tuple[str, list[str]]]: ...
    def lines(self) -> _U64: ...
    def positions(self) -> _U64: ...
    def cltv_frame(
        self,
        analysis_date: int | None = None,
        repeat_orders: bool = False,
        thresholds: list[tuple[float, float]] | None = None,
    ) -> CltvFrame: ...
    def cltv_study(
        self,
        analysis_date: int | None = None,
        repeat_orders: bool = False,
        bg_penalizer: float = 0.001,
        gg_penalizer: float = 0.01,
        months: int = 6,
        discount_rate: float = 0.01,
        segments: int = 4,
        progress: Progress | None = None,
    ) -> Cltv: ...
    def max_last_order_date(self) -> int | None: ...
    def rfm_metrics(self, analysis_date: int) -> tuple[_F64, _F64, _F64]: ...
    def rfm_with_scheme(
        self,
        analysis_date: int | None,
        thresholds: list[list[tuple[float, int | None]]],
        labels: list[list[str]] | None = None,
        segment_map: list[tuple[str, str]] | None = None,
        segment_on: str = "RF_SCORE",
    ) -> Rfm: ...
    def rfm_with_cuts(
        self,
        analysis_date: int,
        cuts: list[tuple[_I64, list[float]]],
        labels: list[list[str]] | None = None,
        segment_map: list[tuple[str, str]] | None = None,
        segment_on: str = "RF_SCORE",
    ) -> Rfm: ...
    def report(self) -> tuple[int, list[tuple[int, str]], int]: ...
    def missing(self) -> tuple[list[tuple[str, _U64]], int]: ...
    def check_no_missing(self) -> None: ...
    def channel_breakdown(self) -> ChannelSummary: ...
    def rfm(
        self,
        analysis_date: int | None = None,
        q: int = 5,
        probabilities: list[float] | None = None,
        duplicates: str = "raise",
        labels: list[list[str]] | None = None,
        segment_map: list[tuple[str, str]] | None = None,
        segment_on: str = "RF_SCORE",
    ) -> Rfm: ...

@final
class Rfm:
    @property
    def analysis_date(self) -> int: ...
    def metrics(self) -> tuple[_F64, _F64, _F64]: ...
    def cuts(self) -> list[tuple[_I64, _F64, list[str]]]: ...
    def edges(self) -> list[_F64]: ...
    def labels(self) -> list[list[str]]: ...
    def scheme(self) -> list[list[tuple[float, int | None]]]: ...
    def rf_score(self) -> tuple[_I64, list[str]]: ...
    def rfm_score(self) -> tuple[_I64, list[str]]: ...
    def segment(self) -> tuple[_I64, list[str]]: ...
    def segment_summary(self) -> tuple[list[str], list[tuple[list[float], list[int]]]]: ...
    def write_study(
        self,
        out_dir: str | PathLike[str],
        match_: str = "substring",
        prepared: bool = False,
        format: str = "csv",
    ) -> list[tuple[str, str]]: ...
    def __arrow_c_stream__(self, requested_schema: object = None) -> object: ...
    def standard_targets(self, match_: str = "substring") -> list[_U64]: ...
    def select(
        self,
        segments: list[str] | None = None,
        categories: list[str] | None = None,
        match_: str = "substring",
        combine: str = "any",
        bounds: list[_BoundData] = ...,
    ) -> _U64: ...

@final
class Cltv:
    @property
    def analysis_date(self) -> int: ...
    def __len__(self) -> int: ...
    def rows(self) -> _U64: ...
    def columns(self) -> list[_F64]: ...
    def segment(self) -> tuple[_I64, _F64, list[str]]: ...
    def segment_labels(self) -> list[str]: ...
    def segment_summary(self) -> list[tuple[list[int], list[float]]]: ...
    def stages(self) -> list[tuple[str, float]]: ...
    def purchases(self) -> Fit: ...
    def spend(self) -> Fit: ...
    def thresholds(self) -> list[tuple[float, float]]: ...
    def write_table(self, path: str | PathLike[str], format: str = "csv") -> None: ...
    def __arrow_c_stream__(self, requested_schema: object = None) -> object: ...

@final
class CustomerTable:
    def __new__(cls, rfm: Rfm, cltv: Cltv) -> CustomerTable: ...
    def __len__(self) -> int: ...
    def columns(self) -> list[_F64]: ...
    def segment(self) -> tuple[_I64, list[str]]: ...
    def reason(self) -> tuple[_I64, list[str]]: ...
    def write_table(self, path: str | PathLike[str], format: str = "csv") -> None: ...
    def __arrow_c_stream__(self, requested_schema: object = None) -> object: ...

@final
class Progress:
    def __new__(cls) -> Progress: ...
    @property
    def bytes_read(self) -> int: ...
    @property
    def steps_done(self) -> int: ...
    def cancel(self) -> None: ...

def read_csv(
    path: str | PathLike[str],
    on_bad_rows: str = "raise",
    duplicates: str = "raise",
    delimiter: str | None = None,
    progress: Progress | None = None,
    encoding: str | None = None,
) -> Frame: ...
def csv_splittable(path: str | PathLike[str]) -> bool: ...
def count_csv_range(path: str | PathLike[str], start: int, end: int) -> tuple[bool, int]: ...
def read_csv_range(
    path: str | PathLike[str],
    start: int,
    end: int,
    before: list[tuple[bool, int]],
    on_bad_rows: str = "raise",
    delimiter: str | None = None,
) -> Frame: ...
def read_bytes(
    data: bytes,
    source: str = "<bytes>",
    on_bad_rows: str = "raise",
    duplicates: str = "raise",
    delimiter: str | None = None,
) -> Frame: ...
def from_columns(
    source: str,
    master_id: list[str | None],
    order_channel: list[str | None],
    last_order_channel: list[str | None],
    dates: list[object],
    counts: list[object],
    money: list[object],
    categories: list[str | None],
    on_bad_rows: str = "raise",
    duplicates: str = "raise",
) -> Frame: ...
def qcut_codes(
    values: _F64,
    q: int | None = None,
    probabilities: list[float] | None = None,
    duplicates: str = "raise",
) -> tuple[_I64, _F64]: ...
def quantiles(values: _F64, probabilities: list[float]) -> _F64: ...
def quantile_plan(
    n: int, q: int | None = None, probabilities: list[float] | None = None
) -> tuple[list[float], list[int]]: ...
def quantiles_from_order_stats(
    n: int, probabilities: list[float], positions: list[int], values: list[float]
) -> list[float]: ...
def unique_bin_edges(edges: list[float], duplicates: str = "raise", what: str = "values") -> list[float]: ...
def rank_bin_edges(m: int, probabilities: list[float]) -> list[float]: ...
def cut_by_edges(values: _F64, edges: list[float]) -> _I64: ...
def outlier_thresholds_of(q1: float, q3: float) -> tuple[float, float]: ...
def keys_under(
    values: _F64, prefixes: list[int], known: int, digit: int, cap: int
) -> tuple[_U64, _I64, _U64, _U64, _I64, list[bool]]: ...
def continue_group_sums(
    groups: _I64, values: _F64, state: tuple[list[int], list[float], list[float]]
) -> tuple[list[int], list[float], list[float]]: ...
def rank_first_array(values: _F64) -> _F64: ...
def describe_array(values: _F64) -> list[float]: ...
def default_analysis_date(latest: int | None) -> int: ...

_BoundData: TypeAlias = tuple[str, float | None, float | None, bool, bool]
_RuleData: TypeAlias = tuple[list[str] | None, list[str] | None, str, str, list[_BoundData]]

def check_scheme(
    thresholds: list[list[tuple[float, int | None]]], segment_map: list[tuple[str, str]]
) -> None: ...
def standard_rules(match_: str = "substring") -> list[_RuleData]: ...
def score_probabilities(q: int, probabilities: list[float] | None = None) -> list[float]: ...
def set_versions(pandas: tuple[int, int], numpy: tuple[int, int]) -> None: ...
def rule_versions() -> tuple[tuple[int, int], tuple[int, int]]: ...
def top_n_rows(values: _F64, n: int) -> _U64: ...
def apply_segment_map(rules: list[tuple[str, str]], texts: list[str]) -> list[str]: ...
def sample_csv_bytes(customers: int, seed: int) -> bytes: ...
def write_sample_csv(path: str | PathLike[str], customers: int, seed: int) -> None: ...

_Horizon: TypeAlias = tuple[int, float, float]

def fit_purchases(
    model: str,
    x: _F64,
    t_x: _F64,
    t: _F64,
    weights: _F64 | None = None,
    penalizer: float = 0.0,
    progress: Progress | None = None,
    initial_params: list[float] | None = None,
    tol: float | None = None,
) -> Fit: ...
def purchases_objective(
    model: str, params: list[float], x: _F64, t_x: _F64, t: _F64, weights: _F64, penalizer: float
) -> float: ...
def purchases_objective_gradient(
    model: str, log_params: list[float], x: _F64, t_x: _F64, t: _F64, weights: _F64, penalizer: float
) -> tuple[float, list[float]]: ...
def purchases_expected(
    model: str, params: list[float], t: float, x: _F64, t_x: _F64, big_t: _F64
) -> _F64: ...
def purchases_expected_new(model: str, params: list[float], t: _F64) -> _F64: ...
def purchases_palive(model: str, params: list[float], x: _F64, t_x: _F64, big_t: _F64) -> _F64: ...
def purchases_probability_new(model: str, params: list[float], t: _F64, n: int) -> _F64: ...
def purchases_probability_conditional(
    model: str, params: list[float], n: int, t: float, x: _F64, t_x: _F64, big_t: _F64
) -> _F64: ...
def pearson(x: _F64, m: _F64, weights: _F64 | None = None) -> float: ...
def fit_gamma_gamma(
    x: _F64,
    m: _F64,
    weights: _F64 | None = None,
    penalizer: float = 0.0,
    progress: Progress | None = None,
    initial_params: list[float] | None = None,
    tol: float | None = None,
) -> Fit: ...
def gg_objective(log_params: list[float], x: _F64, m: _F64, weights: _F64, penalizer: float) -> float: ...
def gg_objective_gradient(
    log_params: list[float], x: _F64, m: _F64, weights: _F64, penalizer: float
) -> tuple[float, list[float]]: ...
def gg_expected_profit(params: list[float], x: _F64, m: _F64) -> _F64: ...
def customer_lifetime_value(
    model: str,
    params: list[float],
    gg_params: list[float],
    x: _F64,
    t_x: _F64,
    t: _F64,
    m: _F64,
    horizon_in: _Horizon,
    by_period: bool = False,
) -> _F64: ...
def cltv_predictions(
    model: str,
    params: list[float],
    gg_params: list[float],
    x: _F64,
    t_x: _F64,
    t: _F64,
    m: _F64,
    horizon_in: _Horizon,
) -> list[_F64]: ...

@final
class Bootstrap:
    @property
    def point(self) -> _F64: ...
    @property
    def mean(self) -> _F64: ...
    @property
    def std(self) -> _F64: ...
    @property
    def lower(self) -> _F64: ...
    @property
    def upper(self) -> _F64: ...
    @property
    def failed(self) -> int: ...

def bootstrap_clv(
    model: str,
    x: _F64,
    t_x: _F64,
    t: _F64,
    m: _F64,
    penalizers: tuple[float, float],
    horizon_in: _Horizon,
    replicates: int,
    seed: int,
    level: float,
    progress: Progress | None = None,
) -> Bootstrap: ...
def special(name: str, a: _F64, b: _F64, c: _F64, z: _F64) -> _F64: ...

_Parts: TypeAlias = list[list[float]]

def history_groups(x: _F64, t_x: _F64, t: _F64, scale: float) -> tuple[_F64, _F64, _F64, _F64]: ...
def history_scale(max_t: float) -> float: ...
def purchases_sums(
    model: str,
    params: list[float],
    x: _F64,
    t_x: _F64,
    t: _F64,
    w: _F64,
    hessian: bool = False,
    sample: int | None = None,
) -> _Parts: ...
def spend_groups(x: _F64, m: _F64) -> tuple[_F64, _F64, _F64]: ...
def gg_sums(
    params: list[float], x: _F64, m: _F64, w: _F64, hessian: bool = False, sample: int | None = None
) -> _Parts: ...
def fit_purchases_from_sums(
    model: str,
    sums: Callable[[list[float], bool, int | None], list[_Parts]],
    total_weight: float,
    groups: int,
    scale: float,
    penalizer: float = 0.0,
) -> Fit: ...
def fit_gamma_gamma_from_sums(
    sums: Callable[[list[float], bool, int | None], list[_Parts]],
    total_weight: float,
    groups: int,
    penalizer: float = 0.0,
) -> Fit: ...
def write_id_list(ids: list[str], path: str | PathLike[str], header: str) -> None: ...

@final
class OrderLog:
    def __reduce__(self) -> _Reduced: ...
    def __len__(self) -> int: ...
    def max_time(self) -> int | None: ...
    def report(self) -> tuple[int, list[tuple[int, str]]]: ...
    def btyd(
        self,
        freq: str = "D",
        multiplier: float = 1.0,
        observation_end: int | None = None,
        include_first: bool = False,
    ) -> Summary: ...
    def calibration_holdout(
        self,
        calibration_end: int,
        observation_end: int | None = None,
        freq: str = "D",
        multiplier: float = 1.0,
    ) -> Summary: ...
    def customers(self) -> Frame: ...
    def split_by_customer(self, buckets: int) -> list[OrderLog]: ...

@final
class PurchaseHistories:
    def __new__(cls, model: str, x: _F64, t_x: _F64, t: _F64, w: _F64) -> PurchaseHistories: ...
    def sums(
        self, params: list[float], hessian: bool = False, sample: int | None = None
    ) -> list[list[float]]: ...

@final
class SpendHistories:
    def __new__(cls, x: _F64, m: _F64, w: _F64) -> SpendHistories: ...
    def sums(
        self, params: list[float], hessian: bool = False, sample: int | None = None
    ) -> list[list[float]]: ...

def concat_logs(parts: list[OrderLog]) -> OrderLog: ...
def log_from_bytes(data: bytes) -> OrderLog: ...
def log_from_columns(
    source: str,
    customer: list[str | None],
    datetime: list[str | None],
    amount: list[str | None] | None = None,
    channel: list[str | None] | None = None,
    order: list[str | None] | None = None,
    online: list[str] = ...,
    offline: list[str] = ...,
    on_bad_rows: str = "raise",
    names: list[str] = ...,
) -> OrderLog: ...
def read_log(
    path: str | PathLike[str],
    customer: str,
    datetime: str,
    amount: str | None = None,
    channel: str | None = None,
    order: str | None = None,
    online: list[str] = ...,
    offline: list[str] = ...,
    on_bad_rows: str = "raise",
    delimiter: str | None = None,
    encoding: str | None = None,
) -> OrderLog: ...
def read_log_range(
    path: str | PathLike[str],
    start: int,
    end: int,
    before: list[tuple[bool, int]],
    customer: str,
    datetime: str,
    amount: str | None = None,
    on_bad_rows: str = "raise",
    delimiter: str | None = None,
) -> OrderLog: ...
def write_order_log_csv(path: str | PathLike[str], lines: int, seed: int) -> None: ...
def float_cells(values: _F64) -> list[str]: ...
def write_file(path: str | PathLike[str], data: bytes, inputs: list[str] = ...) -> None: ...
def frame_from_bytes(data: bytes) -> Frame: ...
def frame_id_hashes(frame: Frame) -> _U64: ...
