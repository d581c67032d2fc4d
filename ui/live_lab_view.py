"""The live lab's charts: the status line, every variant's formula and every chart, refreshed in
place while the run trains.

An ``st.fragment`` polls the session's run twice a second and hands freshly built figures to the
chart bridge (``Plotly.react`` in place: no flicker, zoom kept). The widgets and what they do are
:mod:`ui.live_lab_controls`'s. In presenter mode only the two charts a lecture points at are drawn,
full width, tall, in ``style.PRESENTER``'s large text and thick lines, under a large status line.
"""

from __future__ import annotations

import streamlit as st

from bnviz import style
from bnviz.i18n import N_
from bnviz.style import VARIANT_LABELS
from bnviz.train import plots
from bnviz.train.sessions import SessionRun
from bnviz.train.variants import VARIANTS
from ui import i18n, watch
from ui.chart_bridge import live_chart
from ui.i18n import _
from ui.live_lab_controls import ALL_UNITS, ONE_UNIT, SIDE_BY_SIDE, Key, shown_variant
from ui.session_runs import registry, session_id
from ui.text import plain

# What the percentile chart shows for each variant, a sentence each ({groups}: GroupNorm's).
PERCENTILE_NOTES = {
    "plain": N_(
        "Without normalization the distribution moves as the layers below learn: what Ioffe & "
        "Szegedy called internal covariate shift."
    ),
    "bn": N_(
        "With BN each batch is normalized with its own mean and variance, then γ and β: the "
        "median sits near the learned β and the spread follows the learned γ, so the band can "
        "still move and widen, slowly."
    ),
    "noisy_bn": N_(
        "Noisy BN adds the last step's random scale and shift after BN, so its band jumps by "
        "design."
    ),
    "ln": N_(
        "Layer norm normalizes each example across the layer's units (then γ and β per unit), "
        "not each unit across examples: one unit's values over the probe examples can still move."
    ),
    "gn": N_(
        "Group norm normalizes each example across each of {groups} groups of units (then γ and "
        "β per unit), not each unit across examples: one unit's values can still move."
    ),
    "bn_after": N_(
        "With BN after the nonlinearity, its input Wx + b is not normalized: BN steadies the "
        "output the next layer sees, and this input is free to drift."
    ),
}
REFRESH_S = 0.5  # 2 Hz: smooth on a projector, cheap for the server
PRESENTER_HEIGHT = 420  # px per chart: both charts fit a projected 1920×1080 screen
WAITING_REFRESH_S = 1.0  # a run waiting for a free slot polls for it


# While a fragment reruns, Streamlit fades the elements it has not redrawn yet and animates a
# "running" badge. At 2 Hz on a busy server that reads as flicker on a projector: the old frame
# stays at full strength until the new one replaces it.
STEADY_CSS = """<style>
.stMain [data-stale="true"] { opacity: 1 !important; transition: none !important; }
[data-testid="stStatusWidget"] { visibility: hidden; }
</style>"""


# Read from the back of the hall: a status line and headings as large as the charts' text.
PRESENTER_CSS = """<style>
.st-key-lab_status p { font-size: 2rem !important; line-height: 1.3; }
.stMain h3 { font-size: 2rem !important; }
.stMainBlockContainer { padding-top: 4.5rem; }  /* clear of the 3.75rem top bar */
</style>"""


def render_live(entry: SessionRun, wanted: bool, presenting: bool = False) -> None:
    """Status line and charts, refreshed in place while the run trains (or waits for a slot).
    ``wanted``: whether the run wanted to train when the page drew its Play/Pause button. The
    registry may change its mind meanwhile (the run finished); the page keeps polling while the
    button says Pause, so the poll sees the change and redraws the button."""
    st.html(STEADY_CSS + (PRESENTER_CSS if presenting else ""))
    interval = REFRESH_S if entry.training else WAITING_REFRESH_S if wanted else None
    st.fragment(run_every=interval)(_live_body)(presenting, wanted)


def _live_body(presenting: bool, wanted: bool) -> None:
    """``wanted``: the run wanted to train when the page (its Play/Pause button) was drawn."""
    reg, sid = registry(), session_id()
    entry = reg.touch(sid)
    if entry is None:  # released and stopped while the page stayed open: a rerun recreates it
        st.info(_("This run was stopped after the tab went away. Reload the page to start again."))
        return
    if wanted and not entry.wants_to_train:
        # The run stopped by itself (every variant diverged, or the worker failed) and gave its
        # slot back: redraw the whole page, so its button says Play again and the timer stops.
        st.rerun(scope="app")
    snap = entry.runner.snapshot()
    variants = tuple(snap.twins)
    main = shown_variant(variants)
    side_by_side = st.session_state.get(Key.VIEW) == SIDE_BY_SIDE
    shown = list(variants) if side_by_side and not presenting else [main]
    _status(entry, snap, reg, presenting)
    if entry.wants_to_train and not entry.training:
        return  # waiting for a slot: its place in the queue is all it draws
    tr = i18n.translator_now()
    big = {"look": style.PRESENTER, "height": PRESENTER_HEIGHT} if presenting else {}

    st.subheader(
        _("Loss and test accuracy — both variants")
        if len(variants) == 2
        else _("Loss and test accuracy — all {count} variants").format(count=len(variants))
    )
    _formulas(variants, snap.config.groups, presenting)
    live_chart(plots.curves_figure(snap, **big, _=tr), key="lab_curves")
    if not presenting:
        st.caption(
            _(
                "Same initial weights, same mini-batches, same optimizer and learning rate: for "
                "this seed, init and learning rate, a gap between the curves comes from how each "
                "variant normalizes. One run is one seed; a gap of a point or two can change with "
                "another seed. Dotted lines mark learning-rate changes."
            )
        )
    layer = int(st.session_state.get(Key.LAYER, len(snap.twins[main].layers))) - 1
    unit = st.session_state.get(Key.POOLED, ONE_UNIT) != ALL_UNITS
    inference = bool(st.session_state.get(Key.INFERENCE, False))
    watch.follow({"main": main, "layer": layer, "unit": unit, "inference": inference})
    st.subheader(
        _("Input to a `{activation}` during training: 15th, 50th, 85th percentiles").format(
            activation=snap.activation
        )
    )
    live_chart(
        plots.percentile_figure(
            snap, shown, layer=layer, unit=unit, inference=inference, **big, _=tr
        ),
        key="lab_pct",
    )
    if presenting:  # the lecturer says the rest; the hall sees two charts
        return
    notes = [_(PERCENTILE_NOTES[name]).format(groups=snap.config.groups) for name in shown]
    st.caption(
        " ".join(
            [
                _(
                    "The paper's Figure 1(b, c), on fixed test examples as the layer sees them "
                    "while training."
                ),
                *notes,
                _drift_note(snap, shown, layer, unit),
            ]
        )
    )
    if inference:
        _inference_note(snap, shown, layer)
    st.subheader(_("Distribution of each layer's nonlinearity input over time"))
    quantity = "wu" if st.session_state.get(Key.PRE_BN, False) else "z"
    for name in shown:
        has_wu = snap.twins[name].layers[0].hist_wu is not None
        label = _(VARIANT_LABELS[name])
        heading = (
            label
            if quantity == "z"
            else _("{label} (the normalization's input: Wu)").format(label=label)
            if has_wu
            else _("{label} (nothing normalizes this input: shown as it is)").format(label=label)
        )
        st.markdown(f"**{heading}**")
        live_chart(
            plots.histogram_heatmap_figure(snap, name, quantity, _=tr), key=f"lab_heat_{name}"
        )
    st.caption(
        _(
            "Each column is a histogram on a fixed probe batch; brighter means more (example, "
            "unit) pairs there. Values beyond the axis are piled into the edge bins."
        )
    )
    left, right = st.columns(2)
    with left:
        st.subheader(_("Right now"))
        live_chart(plots.current_histogram_figure(snap, list(variants), _=tr), key="lab_now")
    with right:
        st.subheader(_("Saturated units"))
        live_chart(plots.saturation_figure(snap, shown, _=tr), key="lab_sat")
        st.caption(_("Saturated: {rule}").format(rule=_(snap.saturation_rule)))
    with st.expander(_("How fast each layer's weights move (update : weight ratio)")):
        live_chart(plots.update_ratio_figure(snap, shown, _=tr), key="lab_update")
        st.caption(_("‖ΔW‖ / ‖W‖ per optimizer step; around 1e-3 is the usual healthy rate."))


def _inference_note(snap, shown: list[str], layer: int) -> None:
    """What the dashed test-time lines are, and which variants have none (and why)."""
    with_stats = [n for n in shown if snap.twins[n].layers[layer].pct_z_eval is not None]
    without = [_(VARIANT_LABELS[n]) for n in shown if n not in with_stats]
    parts = []
    if with_stats:
        parts.append(
            _(
                "Dashed: the same inputs in inference mode, with BN's running averages instead "
                "of the batch's statistics: what the layer sees at test time. Early on the "
                "averages still hold their starting values (0 and 1), so the two views differ."
            )
        )
    if without:
        parts.append(
            _(
                "No dashed lines for {variants}: without running averages (or, for layer and "
                "group norm, with each example normalized on its own), inference mode computes "
                "exactly what training does."
            ).format(variants=", ".join(without))
        )
    st.caption(" ".join(parts))


def _formulas(variants: tuple[str, ...], groups: int, presenting: bool) -> None:
    """One hidden layer's formula per variant, in the variant's colour: the charts' key."""
    for column, name in zip(st.columns(len(variants)), variants, strict=True):
        v = VARIANTS[name]
        with column:
            # Our own registry's label and colour, never user text: safe as HTML.
            st.markdown(
                f"<span style='color:{v.color}'>■</span> **{_(v.label)}**", unsafe_allow_html=True
            )
            st.latex(v.formula)
            if not presenting:
                where = _(v.where)
                if name == "gn":
                    where += " " + _("Here {groups} groups per layer.").format(groups=groups)
                st.caption(where)


def _drift_note(snap, names: list[str], layer: int, unit: bool) -> str:
    """This run's numbers behind the percentile chart: where the median and the band went."""
    parts = []
    for name in names:
        ls = snap.twins[name].layers[layer]
        pct = ls.pct_z_unit if unit else ls.pct_z
        if len(pct) < 2:
            continue
        (lo0, mid0, hi0), (lo1, mid1, hi1) = pct[0], pct[-1]
        parts.append(
            _(
                "{label}: median {mid0:+.2f} → {mid1:+.2f}, 15–85 band {w0:.2f} → {w1:.2f} wide"
            ).format(
                label=_(VARIANT_LABELS[name]), mid0=mid0, mid1=mid1, w0=hi0 - lo0, w1=hi1 - lo1
            )
        )
    if not parts:
        return ""
    return _("This run, step 0 → {step:,}: {parts}.").format(step=snap.step, parts="; ".join(parts))


def _status(entry: SessionRun, snap, reg, presenting: bool = False) -> None:
    """The status line: step, state, rate, learning rate, the server's load and divergences."""
    diverged = [
        _("{label} diverged at step {step:,}").format(
            label=_(VARIANT_LABELS[n]), step=t.diverged_at
        )
        for n, t in snap.twins.items()
        if t.diverged_at is not None
    ]
    state = (
        _("training")
        if entry.training
        else _("waiting for a free slot")
        if entry.wants_to_train
        else _("paused")
    )
    items = [_("**Step {step:,}**").format(step=snap.step), state]
    if entry.training:  # a paused run's last measured rate would read as if it still trained
        items.append(_("{rate:,.0f} steps/s").format(rate=snap.steps_per_second))
    items.append(_("lr {lr:g}").format(lr=snap.lr))
    if not presenting:  # the hall needs the step, the state and the learning rate, not the load
        items.append(
            _("runs on this server: {training} training, {open} open, limit {limit}").format(
                training=reg.training_count, open=reg.session_count, limit=reg.max_training
            )
        )
    items += [f":red[{d}]" for d in diverged]
    error = getattr(entry.runner, "error", None)
    with st.container(key=Key.STATUS):
        st.markdown(" · ".join(items))
        if entry.wants_to_train and not entry.training:
            place = reg.queue_position(session_id())
            queue = (
                _(
                    "All {slots} training slots on this server are in use: more students are "
                    "training than it can serve at a useful speed. Your run starts when a slot "
                    "frees up; you are number {place} in the queue."
                )
                if place
                else _(
                    "All {slots} training slots on this server are in use: more students are "
                    "training than it can serve at a useful speed. Your run starts when a slot "
                    "frees up."
                )
            )
            st.info(queue.format(slots=reg.max_training, place=place))
            offer = None if presenting else watch.offer_text()
            if offer:
                st.markdown(offer)
        if error is not None:
            st.error(
                _("Training stopped: {error}. Press Reset to start again.").format(
                    error=plain(i18n.error(error))
                )
            )
