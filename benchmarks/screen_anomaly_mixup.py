"""Screen (issue #4, not a default): interpolated anomalies in DASAD's training batches,
after RoSAS's mass interpolation (Xu et al., 2023).

In every training batch a share ``MIX`` of the anomaly rows is replaced by
``x = lam * a + (1 - lam) * b``, where ``b`` is a random row of the same batch: a credible
normal (``MIX_PAIR=an``) or another anomaly (``MIX_PAIR=aa``), and
``lam ~ U(MIX_LAM_LO, 1)``. The deviation loss of a mixed row aims at ``lam * margin``
(anomaly-normal pairs) or the full margin (anomaly-anomaly pairs), with the anomalies'
one-sided hinge (``MIX_MODE=hinge``) or two-sided, ``|dev - target|`` (``MIX_MODE=abs``).
No row is added, so a step costs what it did. ``MIX=0`` gives the defaults' fits bit for
bit.

This script patches the trainer, then runs ``ablation.py`` with the arguments given, so it
writes the same markdown and JSON; the paired comparisons in ``docs/decisions.md`` pair its
JSON with the defaults' JSON on the same splits and machine. Usage::

    MIX=0.5 MIX_MODE=hinge MIX_LAM_LO=0.5 MIX_PAIR=an PYOD_DASAD_DATA=../shared/datasets \\
        python benchmarks/screen_anomaly_mixup.py --datasets cardio --la 0.1 \\
        --variants "full (defaults)" --out /tmp/mixup.md
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pyod_dasad.trainer as trainer  # noqa: E402
from pyod_dasad.losses import _weighted_mean, deviation_terms  # noqa: E402

MIX = float(os.environ.get("MIX", "0.5"))
MODE = os.environ.get("MIX_MODE", "hinge")
LAM_LO = float(os.environ.get("MIX_LAM_LO", "0.5"))
PAIR = os.environ.get("MIX_PAIR", "an")

_original_forward = trainer.Trainer.training_forward
_batch = {}  # the rows mixed in the current batch, read by the patched deviation loss


def mix_batch(xb, targets, weights, generator):
    """Replace a share ``MIX`` of the batch's anomaly rows by interpolations; returns the
    batch and ``(rows, lam)`` (None when nothing was mixed)."""
    anomalies = torch.nonzero(targets == 1).squeeze(1)
    normals = torch.nonzero((targets == 0) & (weights > 0)).squeeze(1)
    k = int(round(MIX * anomalies.numel()))
    if k == 0 or normals.numel() == 0:
        return xb, None
    rows = anomalies[torch.randperm(anomalies.numel(), generator=generator)[:k]]
    pool = normals if PAIR == "an" else anomalies
    partners = pool[torch.randint(pool.numel(), (k,), generator=generator)]
    lam = LAM_LO + (1 - LAM_LO) * torch.rand(k, generator=generator)
    xb = xb.clone()
    xb[rows] = lam[:, None] * xb[rows] + (1 - lam[:, None]) * xb[partners]
    return xb, (rows, lam)


def deviation_loss(scores, labels, weights, reference, margin=5.0):
    """``losses.deviation_loss`` with the mixed rows' targets."""
    per_sample, dev = deviation_terms(scores, labels, reference, margin)
    if _batch.get("mixed") is not None:
        rows, lam = _batch["mixed"]
        target = lam * margin if PAIR == "an" else torch.full_like(lam, margin)
        per_sample = per_sample.clone()
        per_sample[rows] = (dev[rows] - target).abs() if MODE == "abs" else torch.clamp(target - dev[rows], min=0.0)
    return _weighted_mean(per_sample, weights)


def training_forward(self, xb, targets, weights, term_weights):
    xb, _batch["mixed"] = mix_batch(xb, targets, weights, self.generator)
    return _original_forward(self, xb, targets, weights, term_weights)


if __name__ == "__main__":
    trainer.Trainer.training_forward = training_forward
    trainer.deviation_loss = deviation_loss
    import ablation
    sys.exit(ablation.main(sys.argv[1:]))
