"""The optimizer registry against torch.optim (the oracle)."""

import pytest
import torch

from bnviz.train.optim import OPTIMIZERS, SGD, make_optimizer, set_lr


def _params(seed: int = 0) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    params = [torch.randn(4, 3, generator=g), torch.randn(3, generator=g)]
    for p in params:
        p.grad = torch.zeros_like(p)
    return params


def _run(opt, params, steps: int = 5, lr_change_at: int = 3) -> None:
    g = torch.Generator().manual_seed(1)
    for step in range(steps):
        for p in params:
            p.grad.copy_(torch.randn(p.shape, generator=g))
        if step == lr_change_at:
            set_lr(opt, 0.05)
        opt.step()


@pytest.mark.parametrize(
    ("name", "oracle"),
    [
        ("sgd", lambda ps: torch.optim.SGD(ps, lr=0.3)),
        ("momentum", lambda ps: torch.optim.SGD(ps, lr=0.3, momentum=0.9)),
        ("adam", lambda ps: torch.optim.Adam(ps, lr=0.3)),
    ],
)
def test_registry_matches_torch_optim(name, oracle):
    ours, theirs = _params(), _params()
    _run(make_optimizer(name, ours, 0.3), ours)
    _run(oracle(theirs), theirs)
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b)


def test_lean_sgd_step_and_lr():
    (p,) = _params()[:1]
    start = p.clone()
    opt = SGD([p], lr=0.5)
    p.grad.fill_(2.0)
    opt.step()
    torch.testing.assert_close(p, start - 1.0)
    set_lr(opt, 0.25)
    opt.step()
    torch.testing.assert_close(p, start - 1.5)


def test_unknown_optimizer():
    assert set(OPTIMIZERS) == {"sgd", "momentum", "adam"}
    with pytest.raises(ValueError, match="choose one of"):
        make_optimizer("rmsprop", _params(), 0.1)
