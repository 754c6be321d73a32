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


#: Scoring batch of ``inference_batch_size='auto'`` on a CPU (or MPS): 4096 rows keep a
#: batch's widest activation (4096 x 128 float32, 2 MiB) inside a CPU core's L2 cache.
CPU_INFERENCE_BATCH = 4096
#: ... and on CUDA, where a batch of 4096 rows leaves the GPU idle between the host-side
#: steps (copy in, launch, copy back) of each batch.
CUDA_INFERENCE_BATCH = 65536


def resolve_inference_batch_size(batch, device):
    """The scoring batch: ``batch`` itself, or for ``'auto'`` the device's default."""
    if isinstance(batch, str) and batch == "auto":
        return CUDA_INFERENCE_BATCH if torch.device(device).type == "cuda" else CPU_INFERENCE_BATCH
    return int(batch)
