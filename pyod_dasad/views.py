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


def level_errors(x, activations, recon, x_hat):
    """Per-sample reconstruction error of the input and of every encoder level.

    The encoder activations are targets: they are detached, so the hidden-level losses
    train the decoder to predict them rather than the encoder to shrink them.

    Returns
    -------
    Tensor of shape (B, L + 1): ``[e_0, e_1, ..., e_L]``.
    """
    errors = [((x - x_hat) ** 2).mean(dim=1)]
    for a, a_hat in zip(activations, recon):
        errors.append(((a.detach() - a_hat) ** 2).mean(dim=1))
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
    errors = level_errors(x, activations, recon, x_hat)
    out = []
    for name in views:
        if name == "latent":
            out.append(z - center)
        elif name == "residual":
            out.append(residual / (residual.norm(dim=1, keepdim=True) + EPS))
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
