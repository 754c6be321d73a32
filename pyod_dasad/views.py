"""The three per-sample deviation views of DASAD.

1. ``latent``: ``z - c``, the latent code minus the centre of credible-normal codes.
2. ``residual``: ``u = (x - x_hat) / (||x - x_hat|| + eps)``, the unit direction of the
   input reconstruction residual (which features deviate, and which way).
3. ``error``: the hierarchical reconstruction errors ``[e_0, ..., e_L]`` with
   ``e_0 = mse(x, x_hat)`` and ``e_l = mse(a_l, a_hat_l)``, fed to the network on a log scale.
"""
import torch

EPS = 1e-8
_LOG_EPS = 1e-6


def _mean_square(diff):
    # ||v||^2 / d: one reduction over the difference, no squared copy of it
    return torch.linalg.vector_norm(diff, dim=1).square() / diff.shape[1]


def level_errors(x, activations, recon, x_hat, residual=None):
    """Per-sample reconstruction error of the input and of every encoder level.

    The encoder activations are targets: they are detached, so the hidden-level losses
    train the decoder to predict them rather than the encoder to shrink them.

    Parameters
    ----------
    residual : Tensor (B, d), optional
        ``x - x_hat`` when the caller has it already.

    Returns
    -------
    Tensor of shape (B, L + 1): ``[e_0, e_1, ..., e_L]``, each the mean squared difference.
    """
    errors = [_mean_square(x - x_hat if residual is None else residual)]
    for a, a_hat in zip(activations, recon):
        errors.append(_mean_square(a.detach() - a_hat))
    return torch.stack(errors, dim=1)


def deviation_views(x, z, center, activations, recon, x_hat, views):
    """Compute the enabled deviation views.

    Parameters
    ----------
    x : Tensor (B, d)
    z : Tensor (B, m)
    center : Tensor (m,)
    activations, recon : list of Tensor
        Encoder activations ``a_l`` and their decoder reconstructions ``a_hat_l``.
    x_hat : Tensor (B, d)
    views : tuple of str

    Returns
    -------
    view_tensors : list of Tensor, in the order of ``views``
    errors : Tensor (B, L + 1), raw (not log) hierarchical errors
    residual : Tensor (B, d), ``x - x_hat``
    """
    residual = x - x_hat
    errors = level_errors(x, activations, recon, x_hat, residual)
    out = []
    for name in views:
        if name == "latent":
            out.append(z - center)
        elif name == "residual":
            # ||x - x_hat|| = sqrt(d * e_0): reuse the input error instead of a second norm
            norm = (errors[:, 0] * x.shape[1]).sqrt().unsqueeze(1)
            out.append(residual / (norm + EPS))
        elif name == "error":
            out.append(torch.log(errors + _LOG_EPS))
        else:  # validated upstream
            raise ValueError("unknown view %r" % (name,))
    return out, errors, residual


def view_magnitudes(z, center, residual, errors):
    """Scalar deviation magnitude of each view per sample (for pseudo-labels and explain).

    Returns
    -------
    Tensor (B, 3): ``||z - c||``, ``||x - x_hat||``, ``mean_l e_l``.
    """
    return torch.stack(
        [(z - center).norm(dim=1), residual.norm(dim=1), errors.mean(dim=1)], dim=1
    )
