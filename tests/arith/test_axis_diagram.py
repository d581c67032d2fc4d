"""bnviz.arith.axis_diagram: BN shades a column, LN a row, on a capped grid."""

import numpy as np

from bnviz.arith.axis_diagram import MAX_CELLS, axis_figure


def test_bn_shades_the_feature_column_and_ln_a_row():
    fig = axis_figure(batch=3, features=4, feature=2, example=1)
    bn, ln = (np.array(t.z) for t in fig.data)
    assert bn.shape == ln.shape == (3, 4)
    np.testing.assert_array_equal(bn.sum(axis=0), [0, 0, 3, 0])
    np.testing.assert_array_equal(ln.sum(axis=1), [0, 4, 0])


def test_grid_is_capped_for_big_tensors():
    fig = axis_figure(batch=64, features=16, feature=15)
    bn = np.array(fig.data[0].z)
    assert bn.shape == (MAX_CELLS, MAX_CELLS)
    assert bn[:, -1].all()  # a feature past the cap shades the last drawn column
    assert "(64)" in fig.layout.yaxis.title.text and "(16)" in fig.layout.xaxis.title.text
