"""The seeds' pandas code (the course notebook), kept as the reference our answers must equal.

Only test code imports this. It is written as the seeds write it: read_csv, add, to_datetime,
qcut, rank(method="first"), replace(regex=True), groupby, str.contains.
"""

from __future__ import annotations

import pandas as pd

SEG_MAP = {
    r"[1-2][1-2]": "hibernating",
    r"[1-2][3-4]": "at_Risk",
    r"[1-2]5": "cant_loose",
    r"3[1-2]": "about_to_sleep",
    r"33": "need_attention",
    r"[3-4][4-5]": "loyal_customers",
    r"41": "promising",
    r"51": "new_customers",
    r"[4-5][2-3]": "potential_loyalists",
    r"5[4-5]": "champions",
}


def data_prep(dataframe: pd.DataFrame) -> pd.DataFrame:
    df = dataframe.copy()
    df["order_num_total"] = df["order_num_total_ever_online"] + df["order_num_total_ever_offline"]
    df["customer_value_total"] = (
        df["customer_value_total_ever_offline"] + df["customer_value_total_ever_online"]
    )
    date_columns = df.columns[df.columns.str.contains("date")]
    df[date_columns] = df[date_columns].apply(pd.to_datetime)
    return df


def channel_breakdown(df: pd.DataFrame) -> pd.DataFrame:
    return df.groupby("order_channel").agg(
        customers=("master_id", "count"),
        order_num_total_sum=("order_num_total", "sum"),
        order_num_total_mean=("order_num_total", "mean"),
        customer_value_total_sum=("customer_value_total", "sum"),
        customer_value_total_mean=("customer_value_total", "mean"),
    )


def rfm_table(df: pd.DataFrame, analysis_date: pd.Timestamp | None = None) -> pd.DataFrame:
    if analysis_date is None:
        analysis_date = df["last_order_date"].max() + pd.Timedelta(days=2)
    rfm = pd.DataFrame()
    rfm["customer_id"] = df["master_id"]
    rfm["recency"] = (analysis_date - df["last_order_date"]).dt.days
    rfm["frequency"] = df["order_num_total"]
    rfm["monetary"] = df["customer_value_total"]
    rfm["recency_score"] = pd.qcut(rfm["recency"], 5, labels=[5, 4, 3, 2, 1])
    rfm["frequency_score"] = pd.qcut(rfm["frequency"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5])
    rfm["monetary_score"] = pd.qcut(rfm["monetary"], 5, labels=[1, 2, 3, 4, 5])
    rfm["RF_SCORE"] = rfm["recency_score"].astype(str) + rfm["frequency_score"].astype(str)
    rfm["RFM_SCORE"] = rfm["RF_SCORE"] + rfm["monetary_score"].astype(str)
    rfm["segment"] = rfm["RF_SCORE"].replace(SEG_MAP, regex=True)
    return rfm


def segment_summary(rfm: pd.DataFrame) -> pd.DataFrame:
    return rfm[["segment", "recency", "frequency", "monetary"]].groupby("segment").agg(["mean", "count"])


def new_brand_targets(df: pd.DataFrame, rfm: pd.DataFrame) -> pd.Series:
    rfm = rfm.copy()
    rfm["interested_in_categories_12"] = df["interested_in_categories_12"]
    rfm["avg_order_value"] = rfm["monetary"] / rfm["frequency"]
    picked = rfm[
        rfm["segment"].isin(["champions", "loyal_customers"])
        & (rfm["avg_order_value"] >= 250)
        & rfm["interested_in_categories_12"].str.contains("KADIN")
    ]
    return picked["customer_id"].reset_index(drop=True)


def discount_targets(df: pd.DataFrame, rfm: pd.DataFrame) -> pd.Series:
    rfm = rfm.copy()
    rfm["interested_in_categories_12"] = df["interested_in_categories_12"]
    picked = rfm[
        rfm["segment"].isin(["cant_loose", "hibernating", "new_customers"])
        & rfm["interested_in_categories_12"].str.contains("ERKEK|COCUK")
    ]
    return picked["customer_id"].reset_index(drop=True)


# --- the CLTV study (lifetimes) ---------------------------------------------------------------

CLTV_COLUMNS = [
    "order_num_total_ever_online",
    "order_num_total_ever_offline",
    "customer_value_total_ever_offline",
    "customer_value_total_ever_online",
]


def outlier_thresholds(dataframe: pd.DataFrame, variable: str) -> tuple[float, float]:
    quartile1 = dataframe[variable].quantile(0.01)
    quartile3 = dataframe[variable].quantile(0.99)
    interquantile_range = quartile3 - quartile1
    up_limit = quartile3 + 1.5 * interquantile_range
    low_limit = quartile1 - 1.5 * interquantile_range
    return round(low_limit), round(up_limit)


def replace_with_thresholds(dataframe: pd.DataFrame, variable: str) -> None:
    low_limit, up_limit = outlier_thresholds(dataframe, variable)
    dataframe.loc[(dataframe[variable] < low_limit), variable] = low_limit
    dataframe.loc[(dataframe[variable] > up_limit), variable] = up_limit


def cltv_frame(raw: pd.DataFrame) -> pd.DataFrame:
    df = raw.copy()
    for col in CLTV_COLUMNS:
        replace_with_thresholds(df, col)
    df = data_prep(df)
    analysis_date = df["last_order_date"].max() + pd.Timedelta(days=2)
    cltv_df = pd.DataFrame()
    cltv_df["customer_id"] = df["master_id"]
    cltv_df["recency_cltv_weekly"] = (df["last_order_date"] - df["first_order_date"]).dt.days / 7
    cltv_df["T_weekly"] = (analysis_date - df["first_order_date"]).dt.days / 7
    cltv_df["frequency"] = df["order_num_total"]
    cltv_df["monetary_cltv_avg"] = df["customer_value_total"] / df["order_num_total"]
    return cltv_df[cltv_df["frequency"] > 1]


def cltv_study(raw: pd.DataFrame, months: int = 6, lap=lambda stage: None):
    """The seeds' CLTV study; ``lap(stage)`` is called as each stage ends (the benchmark's
    stage timers)."""
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    cltv_df = cltv_frame(raw).copy()
    lap("prepare")
    bgf = BetaGeoFitter(penalizer_coef=0.001)
    bgf.fit(cltv_df["frequency"], cltv_df["recency_cltv_weekly"], cltv_df["T_weekly"])
    lap("BG/NBD fit")
    args = (cltv_df["frequency"], cltv_df["recency_cltv_weekly"], cltv_df["T_weekly"])
    cltv_df["exp_sales_3_month"] = bgf.predict(4 * 3, *args)
    cltv_df["exp_sales_6_month"] = bgf.predict(4 * 6, *args)
    lap("predictions")
    ggf = GammaGammaFitter(penalizer_coef=0.01)
    ggf.fit(cltv_df["frequency"], cltv_df["monetary_cltv_avg"])
    lap("Gamma-Gamma fit")
    cltv_df["exp_average_value"] = ggf.conditional_expected_average_profit(
        cltv_df["frequency"], cltv_df["monetary_cltv_avg"]
    )
    lap("expected average value")
    cltv_df["cltv"] = ggf.customer_lifetime_value(
        bgf, *args, cltv_df["monetary_cltv_avg"], time=months, freq="W", discount_rate=0.01
    )
    lap("CLV")
    cltv_df["cltv_segment"] = pd.qcut(cltv_df["cltv"], 4, labels=["D", "C", "B", "A"])
    lap("segments")
    return cltv_df, bgf, ggf
