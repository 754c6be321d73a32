"""Tabular augmentation for the contrastive loss: random feature corruption from other rows
(SCARF-style marginal sampling within the batch) plus small Gaussian noise."""
import torch


def corrupt(x, rate, noise_std, generator, copies=1):
    """Return ``copies`` augmented copies of the batch ``x``, stacked.

    Each entry is, with probability ``rate``, replaced by the same feature's value in a
    randomly drawn other row of the batch; then Gaussian noise of std ``noise_std`` is added.
    Every copy is drawn independently; ``copies=2`` gives the contrastive loss's two views
    in one call, rows ``[0, B)`` the first and ``[B, 2B)`` the second, so that both go
    through the encoder in one pass.

    Parameters
    ----------
    x : Tensor (B, d)
    rate : float in [0, 1)
    noise_std : float >= 0
    generator : torch.Generator
        Seeded generator on ``x``'s device (or CPU).
    copies : int, default=1

    Returns
    -------
    Tensor (copies * B, d)
    """
    n, d = x.shape
    gdev = generator.device
    out = x if copies == 1 else x.repeat(copies, 1)
    if rate > 0 and n > 1:
        mask = (torch.rand((copies * n, d), generator=generator, device=gdev) < rate).to(x.device)
        donors = torch.randint(0, n, (copies * n, d), generator=generator, device=gdev).to(x.device)
        out = torch.where(mask, torch.gather(x, 0, donors), out)
    if noise_std > 0:
        noise = torch.randn((copies * n, d), generator=generator, device=gdev).to(x.device, x.dtype)
        out = out + noise_std * noise
    return out
