import torch

from pyod_dasad.augment import corrupt


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_identity_without_corruption_or_noise():
    x = torch.randn(10, 4)
    assert torch.equal(corrupt(x, 0.0, 0.0, _gen()), x)


def test_corrupted_values_come_from_the_same_column():
    x = torch.arange(40, dtype=torch.float32).reshape(10, 4)  # every value unique per column
    out = corrupt(x, 0.5, 0.0, _gen())
    for j in range(4):
        assert set(out[:, j].tolist()) <= set(x[:, j].tolist())
    assert not torch.equal(out, x)


def test_rate_and_noise_and_determinism():
    x = torch.randn(2000, 10)
    out = corrupt(x, 0.3, 0.0, _gen())
    frac = (out != x).float().mean().item()
    assert 0.2 < frac < 0.35  # donors can be the row itself
    noisy = corrupt(x, 0.0, 0.05, _gen())
    assert abs((noisy - x).std().item() - 0.05) < 0.005
    assert torch.equal(corrupt(x, 0.3, 0.01, _gen(7)), corrupt(x, 0.3, 0.01, _gen(7)))


def test_two_copies_stack_two_independent_corruptions_of_the_batch():
    x = torch.arange(40, dtype=torch.float32).reshape(10, 4)  # every value unique per column
    assert torch.equal(corrupt(x, 0.0, 0.0, _gen(), copies=2), torch.cat([x, x]))
    out = corrupt(x, 0.5, 0.0, _gen(), copies=2)
    assert out.shape == (20, 4)
    for j in range(4):  # donors are rows of x, in the same column
        assert set(out[:, j].tolist()) <= set(x[:, j].tolist())
    assert not torch.equal(out[:10], out[10:])  # the two views differ
    assert torch.equal(corrupt(x, 0.5, 0.01, _gen(3), copies=2), corrupt(x, 0.5, 0.01, _gen(3), copies=2))


def test_two_copies_have_the_rate_and_noise_of_one():
    x = torch.randn(2000, 10)
    out = corrupt(x, 0.3, 0.0, _gen(), copies=2)
    for view in (out[:2000], out[2000:]):
        frac = (view != x).float().mean().item()
        assert 0.2 < frac < 0.35
    noisy = corrupt(x, 0.0, 0.05, _gen(), copies=2)
    assert abs((noisy - torch.cat([x, x])).std().item() - 0.05) < 0.005
