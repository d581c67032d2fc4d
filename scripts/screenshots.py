"""Take one headless-Chromium screenshot per page and language into docs/ (used by the README).

    .venv/bin/python scripts/screenshots.py [--only live-lab] [--lang ko] [--url http://127.0.0.1:8501]

Starts its own server on a free loopback port unless --url is given. Pages that move (the live lab) are
put in motion first so the picture shows what a lecturer sees.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bnviz import chromium  # noqa: E402
from bnviz.i18n import LANGUAGES, translator  # noqa: E402
from tests.e2e import harness  # noqa: E402


def _play(page) -> None:
    """Press play and let the variants train for a while, so the charts have history."""
    page.locator(".st-key-lab_play [data-testid^=stBaseButton]").first.click()
    time.sleep(20)


def _wait_for_which_axis(page) -> None:
    """The statistics table is the last thing the page draws (its heading in either language)."""
    heading = "|".join(re.escape(translator(lang)("Every mean and variance")) for lang in LANGUAGES)
    page.get_by_role("heading", name=re.compile(heading)).wait_for()
    page.get_by_test_id("stDataFrame").last.wait_for()


def _play_live_lab(page) -> None:
    """As :func:`_play`, then show the variants side by side (the View control's second option,
    whatever the language)."""
    _play(page)
    page.locator(".st-key-lab_view button").nth(1).click()
    variants = page.locator(".st-key-lab_shown button").count()  # Show: one option per variant
    heatmaps = page.locator("[class*='st-key-lab_heat_'] .js-plotly-plot")
    deadline = time.monotonic() + 30
    while heatmaps.count() < variants and time.monotonic() < deadline:  # one per variant
        time.sleep(0.5)


MAX_HEIGHT = 3400  # px: a whole page, short of a scroll of thumbnails

# (url path, language) -> (file name in docs/, preparation before the screenshot)
PAGES = {
    ("", "en"): ("home.png", None),
    ("live-lab?variants=plain,bn,ln,gn", "en"): ("live_lab.png", _play_live_lab),
    ("live-lab?present=1", "en"): ("presenter_mode.png", _play),
    ("bn-arithmetic", "en"): ("bn_arithmetic.png", None),
    ("which-axis", "en"): ("which_axis.png", _wait_for_which_axis),
    ("paper-figure1", "en"): ("paper_figure1.png", None),
    ("does-bn-reduce-ics", "en"): ("does_bn_reduce_ics.png", None),
    ("lr-and-init", "en"): ("lr_init_sweeps.png", None),
    ("batch-size", "en"): ("batch_size.png", None),
    ("", "ko"): ("home_ko.png", None),
    ("bn-arithmetic", "ko"): ("bn_arithmetic_ko.png", None),
    ("paper-figure1", "ko"): ("paper_figure1_ko.png", None),
    ("which-axis", "ko"): ("which_axis_ko.png", _wait_for_which_axis),
    ("live-lab?variants=plain,bn,ln", "ko"): ("live_lab_ko.png", _play_live_lab),
    ("lr-and-init", "ko"): ("lr_init_sweeps_ko.png", None),
    ("does-bn-reduce-ics", "ko"): ("does_bn_reduce_ics_ko.png", None),
    ("batch-size", "ko"): ("batch_size_ko.png", None),
}


def shoot(base_url: str, only: str | None, lang: str | None = None) -> list[Path]:
    written = []
    with chromium.launch() as browser:
        context = browser.new_context(
            viewport={"width": 1440, "height": 900}, device_scale_factor=1
        )
        for (url_path, page_lang), (name, prepare) in PAGES.items():
            if (only is not None and url_path.split("?")[0] != only) or (
                lang and page_lang != lang
            ):
                continue
            page = context.new_page()
            joiner = "&" if "?" in url_path else "?"
            page.goto(f"{base_url}/{url_path}{joiner}lang={page_lang}")
            harness.wait_for_app(page, timeout=60_000)
            if prepare:
                prepare(page)
            time.sleep(1.5)  # let charts and LaTeX finish drawing
            errors = harness.exceptions_on(page)
            if errors:
                raise SystemExit(f"{url_path or 'home'}: exception on the page: {errors}")
            # Streamlit scrolls inside stMain, so full_page sees only the viewport: grow the
            # viewport to the content instead (capped, so the README stays readable).
            height = page.evaluate(
                "() => document.querySelector('[data-testid=stMain]').scrollHeight"
            )
            page.set_viewport_size({"width": 1440, "height": min(max(height, 900), MAX_HEIGHT)})
            time.sleep(1.5)  # charts re-layout to the new size
            out = ROOT / "docs" / name
            page.screenshot(path=str(out))
            written.append(out)
            print(f"wrote {out.relative_to(ROOT)}")
            page.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an already running app (default: start one)")
    parser.add_argument("--only", help="one url path, e.g. live-lab ('' is the start page)")
    parser.add_argument("--lang", choices=["ko", "en"], help="one language (default: both)")
    args = parser.parse_args()
    (ROOT / "docs").mkdir(exist_ok=True)
    if args.url:
        shoot(args.url.rstrip("/"), args.only, args.lang)
    else:
        with harness.StreamlitServer("app.py") as server:
            shoot(server.url, args.only, args.lang)


if __name__ == "__main__":
    main()
