import pytest
import torch

from pyod_dasad.device import resolve_device


def test_auto_and_explicit_cpu():
    auto = resolve_device("auto")
    expected = "cuda" if torch.cuda.is_available() else None
    if expected:
        assert auto.type == expected
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")


def test_invalid_device_strings_and_types():
    with pytest.raises(ValueError, match="not a valid torch device"):
        resolve_device("gpu-please")
    with pytest.raises(TypeError, match="device must be"):
        resolve_device(3)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_requested_without_cuda_is_a_clear_error():
    with pytest.raises(ValueError, match="CUDA is not available"):
        resolve_device("cuda")
