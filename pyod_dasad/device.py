"""Resolution of the ``device`` parameter into a :class:`torch.device`."""
import torch

from ._compat import mps_available


def resolve_device(device):
    """Turn ``'auto'``, a device string or a :class:`torch.device` into a usable device.

    ``'auto'`` picks CUDA if available, then Apple MPS, then CPU.

    Parameters
    ----------
    device : {'auto'} or str or torch.device

    Returns
    -------
    torch.device

    Raises
    ------
    ValueError
        If the string is not a device torch knows, or names a backend that is not
        available on this machine.
    TypeError
        If ``device`` is neither a string nor a :class:`torch.device`.
    """
    if isinstance(device, str) and device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if not isinstance(device, (str, torch.device)):
        raise TypeError(
            "device must be 'auto', a device string such as 'cpu' or 'cuda:0', or a "
            "torch.device; got %r" % (device,)
        )
    try:
        resolved = torch.device(device)
    except RuntimeError as exc:
        raise ValueError("device=%r is not a valid torch device: %s" % (device, exc)) from None
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                "device=%r was requested but CUDA is not available on this machine; "
                "use device='auto' or 'cpu'" % (device,)
            )
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(
                "device=%r: only %d CUDA device(s) present" % (device, torch.cuda.device_count())
            )
    if resolved.type == "mps" and not mps_available():
        raise ValueError("device=%r was requested but MPS is not available" % (device,))
    return resolved
