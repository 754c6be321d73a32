"""Tabular augmentation for the contrastive loss: random feature corruption from other rows
(SCARF-style marginal sampling within the batch) plus small Gaussian noise."""
import torch


def corrupt(x, rate, noise_std, generator):
    """Return an augmented copy of the batch ``x``.

    Each entry is, with probability ``rate``, replaced by the same feature's value in a
    randomly drawn other row of the batch; then Gaussian noise of std ``noise_std`` is added.

    Parameters
    ----------
    x : Tensor (B, d)
    rate : float in [0, 1)
    noise_std : float >= 0
    generator : torch.Generator
        Seeded generator on ``x``'s device (or CPU).

    Returns
    -------
    Tensor (B, d)
    """
    n, d = x.shape
    gdev = generator.device
    out = x
    if rate > 0 and n > 1:
        mask = (torch.rand((n, d), generator=generator, device=gdev) < rate).to(x.device)
        donors = torch.randint(0, n, (n, d), generator=generator, device=gdev).to(x.device)
        replacement = torch.gather(x, 0, donors)
        out = torch.where(mask, replacement, x)
    if noise_std > 0:
        noise = torch.randn((n, d), generator=generator, device=gdev).to(x.device, x.dtype)
        out = out + noise_std * noise
    return out


def two_views(x, rate, noise_std, generator):
    """Two augmentations of the batch ``x``, stacked: rows ``[0, B)`` are the first view,
    ``[B, 2B)`` the second, each drawn as by :func:`corrupt` (donor rows from ``x``),
    in one call instead of two.

    Returns
    -------
    Tensor (2B, d)
    """
    n, d = x.shape
    if rate > 0 and n > 1:
        gdev = generator.device
        mask = (torch.rand((2 * n, d), generator=generator, device=gdev) < rate).to(x.device)
        donors = torch.randint(0, n, (2 * n, d), generator=generator, device=gdev).to(x.device)
        doubled = torch.cat([x, x], dim=0)
        out = torch.where(mask, torch.gather(x, 0, donors), doubled)
    else:
        out = torch.cat([x, x], dim=0)
    if noise_std > 0:
        noise = torch.randn((2 * n, d), generator=generator, device=generator.device).to(x.device, x.dtype)
        out = out + noise_std * noise
    return out
