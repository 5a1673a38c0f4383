"""A typed walk through the API; `mypy --strict examples/typed_usage.py` must pass (CI checks it)."""

from __future__ import annotations

import tempfile

import pandas as pd

import flo_rfm
from flo_rfm.exceptions import InputError


def main() -> None:
    data: flo_rfm.CustomerData = flo_rfm.datasets.sample(2_000)
    summary: pd.DataFrame = data.describe()
    channels: pd.DataFrame = data.channel_breakdown()
    report: flo_rfm.ReadReport = data.report
    print(summary.shape, channels.shape, report.rows)

    result: flo_rfm.RfmResult = flo_rfm.rfm(data, q=5, segment_on="RF_SCORE")
    rfm_table: pd.DataFrame = result.to_pandas()
    ids: pd.Series = result.select(segments=["champions"], categories=["KADIN"], match="token")
    files: dict[str, str] = result.write_targets(tempfile.mkdtemp())
    print(rfm_table.shape, len(ids), sorted(files))

    run: flo_rfm.RunResult = flo_rfm.run(data)
    print(run)

    cltv: flo_rfm.CltvResult = flo_rfm.cltv(data, months=6)
    bgf: flo_rfm.BetaGeo = cltv.bgf
    table = cltv.to_pandas()
    alive = bgf.conditional_probability_alive(
        table["frequency"], table["recency_cltv_weekly"], table["T_weekly"]
    )
    print(float(alive.mean()), cltv.ggf.params_["p"])

    try:
        flo_rfm.read_csv("does-not-exist.csv")
    except FileNotFoundError as e:
        print(e)
    except InputError as e:
        print(e.line, e.column)


if __name__ == "__main__":
    main()
