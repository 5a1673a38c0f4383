"""Every plot renders to a non-trivial PNG."""

from __future__ import annotations

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pytest

import flo_rfm
import flo_rfm.plot as fplot


@pytest.fixture(scope="module")
def results():
    data = flo_rfm.datasets.sample(3000, seed=2)
    return flo_rfm.rfm(data), flo_rfm.cltv(data)


def _check_png(obj, tmp_path, name):
    fig = obj.figure if hasattr(obj, "figure") and not hasattr(obj, "savefig") else obj
    path = tmp_path / f"{name}.png"
    fig.savefig(path, dpi=60)
    plt.close(fig)
    img = mpimg.imread(path)
    assert path.stat().st_size > 5_000
    # Non-trivial: many distinct colours, not a blank canvas.
    assert len(np.unique(img.reshape(-1, img.shape[-1]), axis=0)) > 20
    assert img.std() > 0.05


def test_rfm_plots(results, tmp_path):
    rfm, _ = results
    ax = fplot.segment_grid(rfm)
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith("champions") for t in texts) and len(texts) == 25
    _check_png(ax, tmp_path, "grid")
    _check_png(fplot.segment_sizes(rfm), tmp_path, "sizes")
    _check_png(fplot.segment_means(rfm), tmp_path, "means")
    _check_png(fplot.rfm_distributions(rfm), tmp_path, "dist")


def test_cltv_plots(results, tmp_path):
    _, cltv = results
    _check_png(fplot.cltv_by_segment(cltv), tmp_path, "cltv")
    _check_png(fplot.probability_alive_matrix(cltv.bgf), tmp_path, "alive")
    _check_png(fplot.frequency_recency_matrix(cltv.bgf, t=4), tmp_path, "freqrec")


def test_draws_on_given_axes(results):
    rfm, _ = results
    fig, ax = plt.subplots()
    assert fplot.segment_sizes(rfm, ax=ax) is ax
    plt.close(fig)
