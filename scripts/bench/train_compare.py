"""Baselines for scripts/bench-train.sh on OUT_DIR/data.npz (from train_data.py): the optimal L1 linear fit
(scikit-learn QuantileRegressor(quantile=0.5, alpha=0, solver="highs") on a random train subsample),
scikit-learn SGDRegressor(loss="epsilon_insensitive", epsilon=0) over 32 settings (2 epochs each, best by
validation MAE) and Vowpal Wabbit (--loss_function quantile --quantile_tau 0.5, 2 passes).

Usage: train_compare.py OUT_DIR L1_SUBSAMPLE [skip-vw]   Prints one JSON object.
"""
import itertools
import json
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def scores(pred, y):
    r = pred.astype(np.float64) - y.astype(np.float64)
    return {"test_mae": float(np.mean(np.abs(r))), "test_mse": float(np.mean(r * r))}


def main():
    out, sub = sys.argv[1], int(sys.argv[2])
    skip_vw = len(sys.argv) > 3 and sys.argv[3] == "skip-vw"
    d = np.load(f"{out}/data.npz")
    xtr, ytr, xva, yva, xte, yte = (d[k] for k in ("xtr", "ytr", "xva", "yva", "xte", "yte"))
    res = {"train_rows": int(len(ytr)), "validation_rows": int(len(yva)), "test_rows": int(len(yte))}

    from sklearn.linear_model import QuantileRegressor, SGDRegressor
    from sklearn.preprocessing import StandardScaler

    # optimal L1 (least absolute deviations) linear fit on a subsample
    rng = np.random.default_rng(1729)
    idx = rng.choice(len(ytr), size=min(sub, len(ytr)), replace=False)
    t = time.perf_counter()
    q = QuantileRegressor(quantile=0.5, alpha=0, solver="highs").fit(xtr[idx].astype(np.float64), ytr[idx])
    res["l1_optimal"] = {"subsample": int(len(idx)), "fit_s": time.perf_counter() - t,
                         **scores(q.predict(xte.astype(np.float64)), yte)}

    # the same L1 problem on all train rows by iteratively reweighted least squares (float64)
    t = time.perf_counter()
    xa = np.hstack([xtr.astype(np.float64), np.ones((len(ytr), 1))])
    ya = ytr.astype(np.float64)
    b = np.linalg.lstsq(xa.T @ xa, xa.T @ ya, rcond=None)[0]
    for _ in range(12):  # time-boxed; see the train_mae it reaches
        w = 1.0 / np.maximum(np.abs(ya - xa @ b), 1e-5)
        xw = xa * w[:, None]
        b = np.linalg.lstsq(xw.T @ xa, xw.T @ ya, rcond=None)[0]
    irls_pred = np.hstack([xte.astype(np.float64), np.ones((len(yte), 1))]) @ b
    res["l1_irls_full"] = {"rows": int(len(ya)), "fit_s": time.perf_counter() - t,
                           "train_mae": float(np.mean(np.abs(ya - xa @ b))), **scores(irls_pred, yte)}
    res["l1_optimal"]["train_mae"] = float(np.mean(np.abs(ya - q.predict(xtr.astype(np.float64)))))
    del xa, xw

    # SGDRegressor, 32 settings x 2 epochs, standardised features (LL normalises too)
    grid = list(itertools.product([0.1, 0.01, 0.001, 0.05], [0.0, 1e-4], ["invscaling", "constant"],
                                  ["l2", "l1"]))
    t = time.perf_counter()
    sc = StandardScaler().fit(xtr)
    xs, xvs = sc.transform(xtr), sc.transform(xva)
    best = None
    for eta0, alpha, lr, pen in grid:
        m = SGDRegressor(loss="epsilon_insensitive", epsilon=0.0, penalty=pen, alpha=alpha, learning_rate=lr,
                         eta0=eta0, max_iter=2, tol=None, shuffle=True, random_state=0).fit(xs, ytr)
        v = float(np.mean(np.abs(m.predict(xvs) - yva)))
        if best is None or v < best[0]:
            best = (v, m, (eta0, alpha, lr, pen))
    sgd_s = time.perf_counter() - t
    res["sklearn_sgd"] = {"settings": len(grid), "fit_s": sgd_s, "validation_mae": best[0],
                          "selected": dict(zip(["eta0", "alpha", "learning_rate", "penalty"], best[2])),
                          **scores(best[1].predict(sc.transform(xte)), yte)}

    if not skip_vw:
        try:
            from vowpalwabbit import Workspace
        except Exception as e:  # noqa: BLE001
            res["vw"] = {"error": repr(e)}
        else:
            names = [f"f{j}" for j in range(xtr.shape[1])]

            def lines(x, y=None):
                for i in range(len(x)):
                    feats = " ".join(f"{n}:{v:.6g}" for n, v in zip(names, x[i]) if v != 0)
                    yield (f"{y[i]:.6g} | {feats}" if y is not None else f"| {feats}")

            t = time.perf_counter()
            tr = list(lines(xtr, ytr))
            fmt_s = time.perf_counter() - t
            ws = Workspace("--loss_function quantile --quantile_tau 0.5 --quiet")
            t = time.perf_counter()
            for _ in range(2):
                for ln in tr:
                    ws.learn(ln)
            learn_s = time.perf_counter() - t
            pred = np.array([ws.predict(ln) for ln in lines(xte)], dtype=np.float64)
            ws.finish()
            res["vw"] = {"settings": 1, "passes": 2, "fit_s": learn_s, "format_s": fmt_s, **scores(pred, yte)}
    print(json.dumps(res))


main()
