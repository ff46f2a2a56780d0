"""Kernel tests run on every available device: cpu always, cuda when torch sees one."""
import pytest
import torch

DEVICES = [
    "cpu",
    pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(),
                                                  reason="no CUDA device")),
]


@pytest.fixture(params=DEVICES)
def device(request):
    return torch.device(request.param)
