"""Screen (issue #4, not a default): the share of (labelled and pseudo-) anomalies in each
training batch.

DASAD's batches are half anomalies, drawn with replacement, half unlabelled or credible
normal rows (the method's balanced batches, as in DevNet). Under the DevNet protocol each of
the 30 labelled anomalies is then drawn about 2,500 times in a default fit, and two traced
runs whose hidden-share estimate was right still drift late in training (fraud's run 3,
mammography's run 7; ``docs/decisions.md``). This screen draws ``ANOMALY_SHARE`` of every
batch from the anomalies instead of half (``int(batch_size * share)``, at least one row
while there are anomalies to draw); the batch size, the steps and the losses are those of
the defaults, and ``ANOMALY_SHARE=0.5`` gives the defaults' fits bit for bit. The fits
are named ``anomaly share 0.25 of each batch (screen)`` (for ``ANOMALY_SHARE=0.25``).

This script patches the trainer's sampler, then runs ``ablation.py`` with the arguments
given, so it writes the same markdown and JSON. Give it only the screened variant and join
its JSON with an earlier ablation's ``full (defaults)`` rows on the same splits
(``ablation.py --from-json defaults.json screen.json --variants "full (defaults)" "anomaly
share 0.25 of each batch (screen)"``). Usage::

    ANOMALY_SHARE=0.25 PYOD_DASAD_DATA=../shared/datasets python benchmarks/screen_anomaly_share.py \\
        --datasets cardio --la 0.1 --variants "anomaly share 0.25 of each batch (screen)" \\
        --out /tmp/share.md
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pyod_dasad.trainer as trainer  # noqa: E402
from pyod_dasad.sampler import BalancedBatchSampler  # noqa: E402

SHARE = float(os.environ.get("ANOMALY_SHARE", "0.25"))


class ShareSampler(BalancedBatchSampler):
    """``BalancedBatchSampler`` with ``SHARE`` of each batch drawn from the anomalies."""

    share = SHARE

    def n_anomalies(self):
        n = super().n_anomalies()  # 0 or the whole batch when a pool is empty
        return n if n in (0, self.batch_size) else max(1, int(self.batch_size * self.share))


#: The name of the screened variant in ``ablation.py``'s tables and JSON.
VARIANT = "anomaly share %g of each batch (screen)" % SHARE


def main(argv=None):
    trainer.BalancedBatchSampler = ShareSampler
    import ablation

    ablation.VARIANTS[VARIANT] = {}  # the defaults' parameters, under the patched sampler
    return ablation.main(argv)


if __name__ == "__main__":
    sys.exit(main())
