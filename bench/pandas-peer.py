"""pandas peer of bench/offline-retrieval.bench.ts: the same 20 point-in-time features with the
pandas approach Feast's local (pandas/dask) offline store builds on.

Last values use merge_asof. A plain merge_asof on event time would leak late corrections (Feast's
default); to compute the same values as Verity's "as known at t" rule, each key's versions are
turned into knowledge states (sorted by the time a version became visible, max(valid_from,
known_from), with the running newest version) and the frame is merge_asof'd onto those states.
Windowed aggregates have no merge_asof form: the frame is joined to the key's activities, filtered
to the window and the knowledge rule, and grouped (what a pandas user writes by hand).

Inputs are CSV files (Debian's pandas has no Parquet engine here) exported by the bench; reading
them is not timed, so the figure is pandas' compute time only (Verity's includes its reads and
its Parquet write). Prints one JSON line: {"compute_ms": N, "rows": N}.
Usage: python3 pandas-peer.py DIR  (reads frame.csv, contacts.csv, activities.csv; writes pandas.csv)
"""
import json
import sys
import time

import pandas as pd

d = sys.argv[1]
frame = pd.read_csv(f"{d}/frame.csv", dtype={"contact_id": str})
contacts = pd.read_csv(f"{d}/contacts.csv", dtype={"contact_id": str})
acts = pd.read_csv(f"{d}/activities.csv", dtype={"cid": str, "type": str})
if contacts["known_to"].notna().any() or acts["known_to"].notna().any():
    sys.exit("pandas peer: known_to is not handled (the bench data has none)")

DAY = 86_400_000
TYPES = ["email_opened", "meeting", "page_view", "call"]
WINDOWS = [1, 7, 30]

t0 = time.perf_counter()
frame = frame.reset_index().rename(columns={"index": "rid"})

# Last values as known at t: knowledge states per key, then merge_asof.
c = contacts.copy()
c["visible_at"] = c[["valid_from", "known_from"]].max(axis=1)
c = c.sort_values(["contact_id", "visible_at", "version"])
c["newest"] = c.groupby("contact_id")["version"].cummax()
states = c[["contact_id", "visible_at", "newest"]].sort_values("visible_at")
left = frame[["rid", "contact_id", "t"]].sort_values("t")
asof = pd.merge_asof(left, states, left_on="t", right_on="visible_at", by="contact_id", direction="backward")
vals = contacts.drop(columns=["known_from", "known_to"]).rename(columns={"version": "newest"})
lv = asof.merge(vals, on=["contact_id", "newest"], how="left")
lv.loc[lv["valid_from"] <= lv["t"] - 365 * DAY, [f"f{i}" for i in range(10)]] = pd.NA
lv = lv.set_index("rid").sort_index()

# Windowed aggregates: join, filter to the 30-day window as known at t, group by frame row.
j = frame[["rid", "contact_id", "t"]].merge(acts, left_on="contact_id", right_on="cid")
j = j[(j["valid_from"] <= j["t"]) & (j["valid_from"] > j["t"] - 30 * DAY) & (j["known_from"] <= j["t"])]
age = j["t"] - j["valid_from"]
cols = {}
for i in range(6):
    ty, w = TYPES[i % 4], WINDOWS[i % 3]
    cols[f"n_{ty}_{w}d"] = ((j["type"] == ty) & (age < w * DAY)).astype("int64")
cols["dur_sum_7d"] = j["dur"].where(age < 7 * DAY, 0)
agg_in = pd.DataFrame(cols)
agg_in["rid"] = j["rid"].values
agg_in["dur"] = j["dur"].values
g = agg_in.groupby("rid")
ag = g[[k for k in cols]].sum()
ag["dur_avg_30d"] = g["dur"].mean()
ag["dur_max_30d"] = g["dur"].max()
ag["n_all_30d"] = g.size()

out = frame.set_index("rid")[["contact_id", "t", "label"]]
out = out.join(lv[[f"f{i}" for i in range(10)]]).join(ag)
for k in list(cols) + ["n_all_30d"]:
    out[k] = out[k].fillna(0).astype("int64")
compute_ms = (time.perf_counter() - t0) * 1000

out.to_csv(f"{d}/pandas.csv", index=False)
print(json.dumps({"compute_ms": round(compute_ms), "rows": len(out)}))
