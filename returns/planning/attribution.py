"""Which campaign drove a sale: the one running for that product, channel and order date.

A campaign counts for a return line when the line's product is one of its products, the order date falls in its
dates (inclusive), and its channel is the line's channel or blank (all channels). When several match, the one
for the line's own channel wins over an all-channel one, then the latest start, then the highest id — so a
targeted online promotion inside a national TV campaign takes the online returns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def attribute(lines: pd.DataFrame, campaigns: pd.DataFrame) -> np.ndarray:
    """Campaign id per line (0 = none), in `lines` order.

    `lines`: product_id, channel, order_date (datetime64). `campaigns`: campaign_id, product_id, channel
    ("" = all), start_date, end_date (datetime64).
    """
    out = np.zeros(len(lines), dtype=np.int64)
    if lines.empty or campaigns.empty:
        return out
    left = pd.DataFrame(
        {
            "row": np.arange(len(lines)),
            "product_id": lines["product_id"].to_numpy(dtype=np.int64),
            "channel": lines["channel"].astype(str).to_numpy(),
            "order_date": lines["order_date"].to_numpy(dtype="datetime64[ns]"),
        }
    )
    right = pd.DataFrame(
        {
            "campaign_id": campaigns["campaign_id"].to_numpy(dtype=np.int64),
            "product_id": campaigns["product_id"].to_numpy(dtype=np.int64),
            "campaign_channel": campaigns["channel"].astype(str).to_numpy(),
            "start_date": campaigns["start_date"].to_numpy(dtype="datetime64[ns]"),
            "end_date": campaigns["end_date"].to_numpy(dtype="datetime64[ns]"),
        }
    )
    pairs = left.merge(right, on="product_id", how="inner")
    match = (
        (pairs["order_date"] >= pairs["start_date"])
        & (pairs["order_date"] <= pairs["end_date"])
        & ((pairs["campaign_channel"] == "") | (pairs["campaign_channel"] == pairs["channel"]))
    )
    pairs = pairs[match]
    if pairs.empty:
        return out
    pairs = pairs.assign(specific=(pairs["campaign_channel"] != "").astype(np.int8))
    best = pairs.sort_values(
        ["row", "specific", "start_date", "campaign_id"], ascending=[True, False, False, False], kind="stable"
    ).drop_duplicates("row")
    out[best["row"].to_numpy()] = best["campaign_id"].to_numpy()
    return out
