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
