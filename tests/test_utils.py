import random
import time

import numpy as np
import pytest
import torch

from dgmlib.utils import Timer, count_parameters, get_device, seed_everything


def test_seed_everything_makes_every_generator_repeat():
    def draw():
        g = seed_everything(123)
        return random.random(), np.random.rand(), torch.rand(3), torch.rand(3, generator=g)

    first, second = draw(), draw()
    assert first[0] == second[0] and first[1] == second[1]
    assert torch.equal(first[2], second[2]) and torch.equal(first[3], second[3])
    seed_everything(124)
    assert not torch.equal(torch.rand(3), first[2])


def test_get_device_is_cpu_without_cuda_and_honours_the_request(monkeypatch):
    monkeypatch.delenv("DGMLIB_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert get_device().type == expected
    assert get_device("cpu").type == "cpu"
    monkeypatch.setenv("DGMLIB_DEVICE", "cpu")
    assert get_device().type == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error raised on a machine without CUDA")
def test_get_device_explains_missing_cuda():
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        get_device("cuda")


def test_count_parameters_counts_scalars_and_respects_frozen_ones():
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))  # 3*4+4 + 4*2+2 = 26
    assert count_parameters(net) == 26
    net[0].weight.requires_grad_(False)
    assert count_parameters(net) == 14
    assert count_parameters(net, trainable_only=False) == 26


def test_timer_measures_wall_time_and_accumulates():
    with Timer() as t:
        time.sleep(0.05)
    assert 0.04 < t.seconds < 1.0
    t.start()
    time.sleep(0.02)
    assert t.elapsed > t.seconds
    t.stop()
    assert t.seconds > 0.06
    with pytest.raises(RuntimeError):
        Timer().stop()
