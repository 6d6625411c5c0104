"""The workshop transform in pandas, as the original notebook did it, on generated GDELT year files.

Usage: train_data.py RAW_DIR OUT_DIR
RAW_DIR holds 1979.csv … 1984.csv (gdelt-generate). Writes OUT_DIR/raw/{train,validation}/<year>.{x,y}.f32
(90/10 split per year, pandas sample(frac=1, random_state=1729)), OUT_DIR/test_x.f32 / test_y.f32 (1984,
whole year, same top-20 codes of 1979) as raw little-endian float32, and OUT_DIR/data.npz for the Python
baselines. Prints a JSON summary. `load`, `top_codes` and `prepare` are also imported by
scripts/bench-serve.sh (its request bodies are 1984 rows through this transform).
"""
import json
import os
import sys
import time

import numpy as np
import pandas as pd

# 0-based columns of the 57-column historical files
COLS = {26: "EventCode", 33: "NumArticles", 34: "AvgTone", 39: "Actor1Geo_Lat", 40: "Actor1Geo_Long",
        46: "Actor2Geo_Lat", 47: "Actor2Geo_Long"}
FEATS = ["NumArticles", "Actor1Geo_Lat", "Actor1Geo_Long", "Actor2Geo_Lat", "Actor2Geo_Long"]


def load(path):
    df = pd.read_csv(path, sep="\t", header=None, usecols=list(COLS), dtype={26: str})
    return df.rename(columns=COLS)


def prepare(df, codes):
    df = df[df["EventCode"].isin(codes)]
    df = df[~((df["Actor1Geo_Lat"] == 0) & (df["Actor1Geo_Long"] == 0))]
    df = df[~((df["Actor2Geo_Lat"] == 0) & (df["Actor2Geo_Long"] == 0))]
    x = df[FEATS].to_numpy(dtype=np.float32)
    order = sorted(codes, key=int)  # pandas parsed codes as int and sorted the dummy columns
    ev = df["EventCode"].to_numpy()
    oh = np.stack([(ev == c) for c in order], axis=1).astype(np.float32)
    return np.ascontiguousarray(np.hstack([x, oh])), df["AvgTone"].to_numpy(dtype=np.float32)


def top_codes(d79):
    """The 20 most frequent EventCodes of 1979 (ties by code), as the workshop picks them."""
    vc = d79["EventCode"].value_counts()
    return sorted(vc.index, key=lambda c: (-vc[c], c))[:20]


def main():
    raw, out = sys.argv[1], sys.argv[2]
    t0 = time.perf_counter()
    d79 = load(os.path.join(raw, "1979.csv"))
    codes = top_codes(d79)
    data = {}
    summary = {"codes": codes, "years": {}}
    for y in range(1979, 1984):
        df = d79 if y == 1979 else load(os.path.join(raw, f"{y}.csv"))
        x, lab = prepare(df, codes)
        perm = pd.DataFrame({"i": np.arange(len(lab))}).sample(frac=1, random_state=1729)["i"].to_numpy()
        ntr = int(len(lab) * 0.9)
        for split, idx in (("train", perm[:ntr]), ("validation", perm[ntr:])):
            d = os.path.join(out, "raw", split)
            os.makedirs(d, exist_ok=True)
            x[idx].tofile(os.path.join(d, f"{y}.x.f32"))
            lab[idx].tofile(os.path.join(d, f"{y}.y.f32"))
            data.setdefault(split, []).append((x[idx], lab[idx]))
        summary["years"][y] = {"rows": int(len(lab)), "train": ntr}
    xt, yt = prepare(load(os.path.join(raw, "1984.csv")), codes)
    xt.tofile(os.path.join(out, "test_x.f32"))
    yt.tofile(os.path.join(out, "test_y.f32"))
    np.savez(os.path.join(out, "data.npz"),
             xtr=np.vstack([a for a, _ in data["train"]]), ytr=np.concatenate([b for _, b in data["train"]]),
             xva=np.vstack([a for a, _ in data["validation"]]),
             yva=np.concatenate([b for _, b in data["validation"]]), xte=xt, yte=yt)
    summary["test_rows"] = int(len(yt))
    summary["nan_feature_rows_train"] = int(np.isnan(np.vstack([a for a, _ in data["train"]])).any(axis=1).sum())
    summary["transform_s"] = time.perf_counter() - t0
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
