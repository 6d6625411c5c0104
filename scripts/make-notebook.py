#!/usr/bin/env python3
"""Writes a Jupyter notebook of code cells for the kit's kernel "rust" (scripts/evcxr-kernel.sh).

Used by scripts that run a few cells in evcxr: scripts/warm-evcxr.sh (the warm-up) and
scripts/bench/dep-time.sh (a timed `:dep` cell).

Usage: make-notebook.py OUT.ipynb CELL [CELL...]   (each CELL is one code cell's source)
"""
import json
import sys


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    out, cells = argv[1], argv[2:]
    nb = {
        "cells": [{"cell_type": "code", "execution_count": None, "id": f"cell{i}", "metadata": {},
                   "outputs": [], "source": c} for i, c in enumerate(cells)],
        "metadata": {"kernelspec": {"display_name": "Rust", "language": "rust", "name": "rust"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(nb, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
