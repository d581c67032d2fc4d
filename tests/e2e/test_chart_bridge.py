"""The live chart bridge in a real browser: charts update in place, keep the user's zoom, no flicker.

Serves tests/e2e/apps/bridge_demo.py (a fragment refreshing a two-line chart and a heatmap every
0.5 s). The plot divs are remembered and watched by a MutationObserver; after a zoom (a real mouse
drag) and a legend click, the test waits for at least 5 more refreshes and checks that the same nodes
are still there, were never removed, show new data, and still show the zoom; that the bridge keeps
its per-chart state off the DOM; and that the page fetched nothing from outside the server.
"""

from __future__ import annotations

import pytest

from tests.e2e import harness

pytestmark = pytest.mark.own_server

PLOTLY_JS = "/component/ui.chart_bridge.plotly_js/plotly.min.js"
REFRESHES = 5

# Remember both plot divs and record, from now on: removals of one (or of anything holding one),
# each redraw's refresh number, and the height and page position of every chart.
INSTALL_PROBE = """
() => {
  const plots = [...document.querySelectorAll('.bnviz-plot')];
  const probe = { plots, removed: 0, boxes: new Set(), refreshes: [] };
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.removedNodes) {
        if (plots.some((p) => node === p || (node.contains && node.contains(p)))) probe.removed++;
      }
    }
  }).observe(document.body, { childList: true, subtree: true });
  plots.forEach((plot) => plot.on('plotly_afterplot', () => {
    const box = plot.closest('.bnviz-live-chart').getBoundingClientRect();
    probe.boxes.add(`${Math.round(box.top + window.scrollY)}:${Math.round(box.height)}`);
    const title = plot.layout.title && plot.layout.title.text;
    probe.refreshes.push(Number((title || '').split('refresh ')[1]));
  }));
  window.__bridgeProbe = probe;
  return plots.length;
}
"""

REFRESH_OF = "(i) => Number(document.querySelectorAll('.bnviz-plot')[i].layout.title.text.split('refresh ')[1])"


@pytest.fixture(scope="module")
def demo_url():
    with harness.StreamlitServer("tests/e2e/apps/bridge_demo.py") as server:
        yield server.url


@pytest.fixture
def watched(page):
    """The page, with console errors and every request recorded."""
    page.bridge_errors = []
    page.bridge_requests = []
    page.on(
        "console",
        lambda m: page.bridge_errors.append(m.text) if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: page.bridge_errors.append(str(e)))
    page.on("request", lambda r: page.bridge_requests.append(r.url))
    return page


def open_demo(page, url):
    page.goto(url)
    harness.wait_for_app(page)
    page.wait_for_function(
        "() => document.querySelectorAll('.bnviz-plot .main-svg').length >= 2", timeout=30_000
    )


def refresh_of(page, index: int) -> int:
    return page.evaluate(f"({REFRESH_OF})({index})")


def wait_for_refresh(page, index: int, at_least: int) -> None:
    page.wait_for_function(f"() => ({REFRESH_OF})({index}) >= {at_least}", timeout=30_000)


def drag_zoom(page, chart_index: int) -> None:
    """Drag across the middle of a chart's plot area, as a lecturer would, to zoom in on x."""
    area = page.locator(".bnviz-plot").nth(chart_index).locator(".nsewdrag").first
    box = area.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 0.3 * box["width"], y)
    page.mouse.down()
    page.mouse.move(box["x"] + 0.45 * box["width"], y + 2, steps=5)
    page.mouse.move(box["x"] + 0.6 * box["width"], y + 2, steps=5)
    page.mouse.up()


def assert_plotly_colours(page) -> None:
    """The go.Figure line chart is drawn in plotly.js's own colours, not in the placeholders
    (#000001, ...) of Streamlit's plotly template, which only st.plotly_chart fills in."""
    colours = page.evaluate(
        """() => {
          const line = document.querySelectorAll('.bnviz-plot')[0];
          return {
            colorway: line._fullLayout.colorway,
            lines: line._fullData.map((trace) => trace.line.color),
          };
        }"""
    )
    assert colours["colorway"][:2] == ["#1f77b4", "#ff7f0e"]  # plotly.js's default colorway
    assert colours["lines"] == colours["colorway"][:2]


def assert_state_kept_off_the_dom(page) -> None:
    """Each chart root holds exactly one plot div, and nothing of the bridge's own hangs off the
    chart's elements or the window: its per-chart state lives in the module."""
    found = page.evaluate(
        """() => {
          const bnviz = (object) => Object.keys(object).filter((k) => /bnviz/i.test(k));
          return [...document.querySelectorAll('.bnviz-live-chart')].map((root) => ({
            plots: root.querySelectorAll('.bnviz-plot').length,
            rootKeys: Object.keys(root),
            parentKeys: bnviz(root.parentElement),
            windowKeys: bnviz(window),
          }));
        }"""
    )
    assert found == [{"plots": 1, "rootKeys": [], "parentKeys": [], "windowKeys": []}] * 2, found


def assert_width_follows_the_column(page) -> None:
    """Each chart fills its column, and follows it when the window narrows."""
    widths = page.evaluate(
        """() => [...document.querySelectorAll('.bnviz-plot')].map(
             (p) => [p._fullLayout.width, Math.round(p.getBoundingClientRect().width)])"""
    )
    for plot_width, box_width in widths:
        assert abs(plot_width - box_width) <= 2
    page.set_viewport_size({"width": 700, "height": 900})
    page.wait_for_function(
        """(wide) => [...document.querySelectorAll('.bnviz-plot')].every(
             (p) => p.getBoundingClientRect().width < wide
               && Math.abs(p._fullLayout.width - p.getBoundingClientRect().width) <= 2)""",
        arg=widths[0][1],
    )


def test_live_charts_update_in_place_and_keep_zoom_and_legend(watched, demo_url):
    page = watched
    open_demo(page, demo_url)
    assert page.evaluate(INSTALL_PROBE) == 2

    # A real drag zooms the line chart in on x; a legend click hides the "plain" trace.
    drag_zoom(page, 0)
    page.wait_for_function(
        "() => document.querySelectorAll('.bnviz-plot')[0].layout.xaxis.autorange === false"
    )
    zoom = page.evaluate("() => document.querySelectorAll('.bnviz-plot')[0].layout.xaxis.range")
    page.locator(".bnviz-plot").nth(0).locator(".legend .traces").first.click()
    page.wait_for_function(
        "() => document.querySelectorAll('.bnviz-plot')[0]._fullData[0].visible === 'legendonly'"
    )
    points_before = page.evaluate(
        "() => document.querySelectorAll('.bnviz-plot')[0]._fullData[1]._length"
    )
    start = refresh_of(page, 0)

    wait_for_refresh(page, 0, start + REFRESHES)
    wait_for_refresh(page, 1, start + REFRESHES)

    result = page.evaluate(
        """() => {
          const plots = [...document.querySelectorAll('.bnviz-plot')];
          const line = plots[0];
          return {
            same: plots.length === 2 && plots.every((p, i) => p === window.__bridgeProbe.plots[i]),
            removed: window.__bridgeProbe.removed,
            boxes: [...window.__bridgeProbe.boxes],
            refreshes: window.__bridgeProbe.refreshes,
            range: line.layout.xaxis.range,
            fullRange: line._fullLayout.xaxis.range,
            autorange: line.layout.xaxis.autorange,
            hidden: line._fullData[0].visible,
            points: line._fullData[1]._length,
            svgs: plots.map((p) => p.querySelectorAll('.main-svg').length),
          };
        }"""
    )
    # Same DOM nodes, never taken out of the page (no flicker), at a fixed place and height.
    assert result["same"] is True
    assert result["removed"] == 0
    assert len(result["boxes"]) == 2, result["boxes"]  # one (top, height) per chart, unchanged
    assert all(box.endswith(":320") for box in result["boxes"])
    assert all(n >= 1 for n in result["svgs"])
    # The data changed at least REFRESHES times while being watched...
    assert len(set(result["refreshes"])) >= REFRESHES
    assert result["points"] > points_before
    # ...and the user's zoom and legend choice survived every update.
    assert result["autorange"] is False
    assert result["range"] == pytest.approx(zoom)
    assert result["fullRange"] == pytest.approx(zoom)
    assert result["hidden"] == "legendonly"

    assert_state_kept_off_the_dom(page)
    assert_plotly_colours(page)
    assert_width_follows_the_column(page)

    # plotly.js was fetched once for the page, not once per chart or per refresh, and nothing from
    # anywhere but the app's server (the course site may be offline); no console errors.
    plotly_requests = [url for url in page.bridge_requests if PLOTLY_JS in url]
    assert len(plotly_requests) == 1, plotly_requests
    outside = [
        url
        for url in page.bridge_requests
        if not url.startswith((f"{demo_url}/", "data:", "blob:"))
    ]
    assert outside == []
    assert page.bridge_errors == []
