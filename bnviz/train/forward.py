"""Forward passes that change nothing: what each hidden layer sees, in training or inference mode.

- **Training mode** (``train_batch=B``): the probe examples are cut into consecutive batches of
  ``B`` rows and every BN layer normalizes each batch with that batch's own mean and (biased)
  variance, exactly what the layer computes during a training step; noisy BN adds the last step's
  noise. The running statistics are neither used nor updated.
- **Inference mode** (``train_batch=None``): BN uses its running averages (as at test time), each
  example on its own; no noise.

LayerNorm and GroupNorm normalize each example on its own and keep no running statistics, so for
them the two modes are the same computation. The two differ most for BN at the start (the running
averages are still 0 and 1) and for small batches, which is why the live lab and Figure 1 record
the training-mode view and show the inference view as a separate, labelled series. Shapes: ``n``
probe examples, layer widths ``d_out``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from bnviz.train.model import Twin


@dataclass
class LayerValues:
    """One hidden layer's values on the probe examples."""

    wu: (
        torch.Tensor | None
    )  # (n, d_out) variants normalized before the activation: Wu, the norm's input
    z: torch.Tensor  # (n, d_out) the nonlinearity's input
    h: torch.Tensor  # (n, d_out) the nonlinearity's output
    out: torch.Tensor  # (n, d_out) what the next layer sees: h, or its normalization (bn_after)


@torch.no_grad()
def layer_values(
    twin: Twin, x: torch.Tensor, train_batch: int | None = None
) -> tuple[list[LayerValues], torch.Tensor]:
    """Every hidden layer's values on ``x # (n, d_in)`` and the logits ``# (n, n_classes)``.

    ``train_batch``: training mode on batches of that many rows (``n`` must be a multiple of it);
    None: inference mode. Nothing in ``twin`` changes.
    """
    n = x.shape[0]
    if train_batch is not None and (train_batch < 2 or n % train_batch):
        raise ValueError(f"{n} probe examples do not split into batches of {train_batch} (>= 2).")
    values, h, norm = [], x, twin.norm
    for layer in twin.layers:
        if twin.norm_before:
            wu = h @ layer.W.t()
            z = norm.probe(layer, wu, train_batch)
            if train_batch is not None and twin.noise is not None and layer.noise_scale is not None:
                z = z * layer.noise_scale + layer.noise_shift
        else:
            wu, z = None, torch.addmm(layer.b, h, layer.W.t())
        h = twin.activation.forward(z, torch.empty_like(z))
        out = norm.probe(layer, h, train_batch) if twin.after else h
        values.append(LayerValues(wu=wu, z=z, h=h, out=out))
        h = out
    return values, torch.addmm(twin.b_out, h, twin.W_out.t())


@torch.no_grad()
def predict(twin: Twin, x: torch.Tensor) -> torch.Tensor:
    """Inference-mode logits ``# (n, n_classes)``: what the network answers at test time."""
    return layer_values(twin, x)[1]
