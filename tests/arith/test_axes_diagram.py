"""bnviz.arith.axes_diagram: the chosen element's statistic lit, the rest alternating, GN lines."""

import numpy as np
import pytest

from bnviz.arith.axes import axes_steps
from bnviz.arith.axes_diagram import MAX_TEXT_COLUMNS, nchw_figure
from bnviz.arith.nchw import random_nchw


@pytest.mark.parametrize("kind", ["batch", "layer", "instance", "group"])
def test_exactly_the_statistics_members_are_lit(kind):
    s = axes_steps(random_nchw((3, 4, 2, 3), seed=0), kind, groups=2)
    index = (1, 2, 1, 0)
    z = np.array(nchw_figure(s, index)["data"][0]["z"], dtype=float)  # (C, N·(H·W + 1) - 1)
    assert z.shape == (4, 3 * 7 - 1)
    assert np.isnan(z[:, 6]).all() and np.isnan(z[:, 13]).all()  # the gaps between examples
    lit = np.argwhere(z >= 2)
    assert len(lit) == s.count
    assert [tuple(a) for a in np.argwhere(z == 3)] == [(2, 1 * 7 + 1 * 3 + 0)]
    # Every lit cell belongs to the chosen element's statistic.
    for c, col in lit:
        n, p = divmod(col, 7)
        assert s.members[n, c, p // 3, p % 3] == s.stat_of(index)


def test_cells_show_the_chosen_tensor_and_group_lines():
    s = axes_steps(random_nchw((2, 4, 1, 2), seed=0), "group", groups=4)
    fig = nchw_figure(s, (0, 0, 0, 0), values="y")
    assert fig["data"][0]["text"][1][0] == f"{s.y[0, 1, 0, 0]:.2f}"
    assert len(fig["layout"]["shapes"]) == 3  # between 4 groups
    assert "y = " in fig["data"][0]["hovertext"][1][0]


def test_wide_grids_drop_the_cell_text():
    s = axes_steps(random_nchw((4, 1, 8, 8), seed=0), "layer")
    heatmap = nchw_figure(s, (0, 0, 0, 0))["data"][0]
    assert MAX_TEXT_COLUMNS < 4 * 65 - 1 and heatmap["texttemplate"] == ""
