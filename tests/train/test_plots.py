"""Live-lab figure builders: valid plotly figures that show what the snapshot holds."""

import numpy as np
import plotly.graph_objects as go
import pytest

from bnviz.config import RunConfig
from bnviz.train import plots
from bnviz.train.experiment import Experiment


@pytest.fixture(scope="module")
def snap():
    exp = Experiment(RunConfig(dataset="moons", hidden=(8, 8), record_every=5, eval_every=20))
    exp.step(40)
    exp.set_lr(2.0)
    exp.step(40)
    yield exp.snapshot()
    exp.close()


def all_figures(snap):
    both = ["plain", "bn"]
    return {
        "curves": plots.curves_figure(snap),
        "pct": plots.percentile_figure(snap, both),
        "pct_pooled": plots.percentile_figure(snap, ["bn"], layer=0, unit=False),
        "heat": plots.histogram_heatmap_figure(snap, "plain"),
        "heat_wu": plots.histogram_heatmap_figure(snap, "bn", "wu"),
        "now": plots.current_histogram_figure(snap, both),
        "sat": plots.saturation_figure(snap, both),
        "update": plots.update_ratio_figure(snap, ["bn"]),
    }


def test_every_figure_is_valid_plotly(snap):
    # The bridge sends dicts unvalidated, so the builders are validated here.
    for name, fig in all_figures(snap).items():
        go.Figure(fig)  # raises on an unknown property or a bad value
        assert fig["data"], name


def test_curves_show_both_twins_and_the_lr_change(snap):
    fig = plots.curves_figure(snap)
    names = {t["name"] for t in fig["data"]}
    assert names == {"without BN", "with BN"}
    loss = [t for t in fig["data"] if t["yaxis"] == "y"]
    np.testing.assert_array_equal(loss[0]["y"], snap.twins["plain"].loss)
    marks = [s for s in fig["layout"]["shapes"] if s["x0"] == 40]
    assert len(marks) == 2  # one dotted line in each panel
    assert any("lr 0.5 → 2" in a["text"] for a in fig["layout"]["annotations"])
    assert any("points" in a["text"] for a in fig["layout"]["annotations"])  # not "digits"


def test_diverged_twin_is_marked():
    cfg = RunConfig(dataset="moons", hidden=(16, 16), activation="relu", init="he", lr=1000.0)
    exp = Experiment(cfg)
    exp.step(60)
    snap = exp.snapshot()
    exp.close()
    diverged = [t for t in snap.twins.values() if t.diverged_at is not None]
    assert diverged, "a learning rate of 1000 should make a twin diverge"
    notes = [a["text"] for a in plots.curves_figure(snap)["layout"]["annotations"]]
    assert any("diverged" in n for n in notes)


def test_percentile_panels_share_one_y_range(snap):
    fig = plots.percentile_figure(snap, ["plain", "bn"])
    assert fig["layout"]["yaxis"]["range"] == fig["layout"]["yaxis2"]["range"]
    lo, hi = fig["layout"]["yaxis"]["range"]
    for name in ("plain", "bn"):
        pct = snap.twins[name].layers[-1].pct_z_unit
        assert lo <= pct.min() and pct.max() <= hi
    medians = [t for t in fig["data"] if t.get("name") == "median"]
    np.testing.assert_array_equal(medians[0]["y"], snap.twins["plain"].layers[-1].pct_z_unit[:, 1])


def test_heatmap_columns_are_shares_of_each_histogram(snap):
    fig = plots.histogram_heatmap_figure(snap, "bn")
    assert len(fig["data"]) == len(snap.twins["bn"].layers)
    z = fig["data"][0]["z"]  # (bins, histograms)
    np.testing.assert_allclose(z.sum(axis=0), 1.0)
    assert z.shape == (len(snap.hist_edges) - 1, len(snap.twins["bn"].layers[0].hist_steps))


def test_pre_bn_heatmap_uses_wu(snap):
    z_fig = plots.histogram_heatmap_figure(snap, "bn", "z")
    wu_fig = plots.histogram_heatmap_figure(snap, "bn", "wu")
    layer = snap.twins["bn"].layers[0]
    wu_share = layer.hist_wu / layer.hist_wu.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(wu_fig["data"][0]["z"], wu_share.T)
    assert not np.allclose(z_fig["data"][0]["z"], wu_fig["data"][0]["z"])


def test_saturation_has_a_line_per_twin_and_layer(snap):
    fig = plots.saturation_figure(snap, ["plain", "bn"])
    assert len(fig["data"]) == 2 * len(snap.twins["bn"].layers)
    for trace in fig["data"]:
        assert np.all((trace["y"] >= 0) & (trace["y"] <= 1))


def test_log_ticks_label_every_tick_with_its_full_value():
    from bnviz.style import log_ticks

    ticks = log_ticks(0.03, 2.4)
    assert ticks["tickvals"] == pytest.approx([0.05, 0.1, 0.2, 0.5, 1, 2])
    assert ticks["ticktext"] == ["0.05", "0.1", "0.2", "0.5", "1", "2"]
    assert log_ticks(0.6, 2.5)["ticktext"] == ["0.6", "0.7", "0.8", "0.9", "1", "2"]  # finer
    assert log_ticks(1.1, 1.3) == {"exponentformat": "none"}  # too narrow for round ticks
    assert log_ticks(0.0, 1.0) == {} and log_ticks(float("nan"), 1.0) == {}


def test_loss_axis_ticks_follow_the_recorded_losses(snap):
    layout = plots.curves_figure(snap)["layout"]
    texts = layout["yaxis"]["ticktext"]
    assert all(float(t) > 0 for t in texts) and len(set(texts)) == len(texts)
    losses = np.concatenate([t.loss for t in snap.twins.values()])
    assert min(layout["yaxis"]["tickvals"]) >= losses.min()


def test_inference_view_adds_dashed_test_time_lines_for_bn_only(snap):
    fig = plots.percentile_figure(snap, ["plain", "bn"], inference=True)
    dashed = [t for t in fig["data"] if "test time" in t.get("name", "")]
    assert len(dashed) == 3 and all(t["yaxis"] == "y2" for t in dashed)  # the bn panel only
    bn_layer = snap.twins["bn"].layers[-1]
    np.testing.assert_array_equal(dashed[1]["y"], bn_layer.pct_z_unit_eval[:, 1])
    go.Figure(fig)  # valid plotly


def test_presenter_look_enlarges_text_and_lines_and_the_default_is_unchanged(snap):
    from bnviz.style import PRESENTER

    def sizes(fig):
        layout = fig["layout"]
        widths = {t["line"]["width"] for t in fig["data"] if t["line"].get("width")}
        titles = {a["font"]["size"] for a in layout["annotations"] if a["text"].startswith("<b>")}
        return layout["font"]["size"], max(widths), titles, layout["margin"]["l"]

    for build in (
        lambda **kw: plots.curves_figure(snap, **kw),
        lambda **kw: plots.percentile_figure(snap, ["bn"], inference=True, **kw),
    ):
        assert sizes(build()) == (14, 2.5, {15}, 60)  # today's look
        big = build(look=PRESENTER, height=560)
        font, width, titles, margin = sizes(big)
        assert font >= 22 and width >= 4 and min(titles) >= 24 and margin > 60
        assert big["layout"]["height"] == 560
        go.Figure(big)  # still valid plotly
    lr_note = next(
        a
        for a in plots.curves_figure(snap, look=PRESENTER)["layout"]["annotations"]
        if a["text"].startswith("lr ")
    )
    assert lr_note["font"]["size"] >= 20


@pytest.fixture(scope="module")
def four():
    cfg = RunConfig(
        dataset="moons",
        hidden=(8, 8),
        record_every=5,
        eval_every=20,
        variants=("bn", "ln", "gn", "bn_after"),
        groups=2,
    )
    exp = Experiment(cfg)
    exp.step(30)
    yield exp.snapshot()
    exp.close()


def test_four_variants_each_get_their_colour_label_and_panel(four):
    from bnviz.style import VARIANT_COLORS, VARIANT_LABELS

    names = list(four.twins)
    assert names == ["bn", "ln", "gn", "bn_after"]
    curves = plots.curves_figure(four)
    legend = [t for t in curves["data"] if t.get("showlegend", True)]
    assert [t["name"] for t in legend] == [VARIANT_LABELS[n] for n in names]
    assert [t["line"]["color"] for t in legend] == [VARIANT_COLORS[n] for n in names]
    pct = plots.percentile_figure(four, names, inference=True)
    ranges = {tuple(pct["layout"][f"yaxis{k + 1 if k else ''}"]["range"]) for k in range(4)}
    assert len(ranges) == 1  # one shared y range over the four panels
    titles = [a["text"] for a in pct["layout"]["annotations"]]
    assert titles == [f"<b>{VARIANT_LABELS[n]}</b>" for n in names]  # short titles...
    assert pct["layout"]["yaxis"]["title"]["text"].startswith("layer 2, unit")  # ...and where
    dashed = {t["yaxis"] for t in pct["data"] if "test time" in t.get("name", "")}
    assert dashed == {"y", "y4"}  # bn and bn_after have running averages; ln and gn none
    now = plots.current_histogram_figure(four, names)
    assert [t["name"] for t in now["data"] if t["showlegend"]] == [VARIANT_LABELS[n] for n in names]
    for trace in now["data"]:
        assert np.isclose(np.sum(trace["y"]), 1.0)  # each outline is one histogram's shares
    for fig in (curves, pct, now, plots.saturation_figure(four, names)):
        go.Figure(fig)
