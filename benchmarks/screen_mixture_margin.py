"""Screen (issue #4, not a default): the credible-normal share of the mixture-proportion rule.

With at least 20 labelled anomalies and a mixture-proportion bound under 5% (few anomalies
hide; the nineteenth session's rule, in practice the DevNet/FEAWAD protocol and a few
ADBench-protocol splits), DASAD keeps ``clip(1 - 2 * bound, 0.5, 0.95)`` of the unlabelled
rows as credible normals. The bound is an upper bound of the hidden share in expectation,
so the factor 2 and the cap 0.95 leave out hard normals twice over: at a bound of 0.02 (the
DevNet protocol's truth) 5% of the unlabelled rows, of which 3% are normals.

This screen sets the factor and the cap from the environment (``MPE_MARGIN``, default 1;
``MPE_NORMAL_MAX``, default 0.98), then runs ``ablation.py`` with the arguments given, so it
writes the same markdown and JSON. Fits where the rule does not fire are the defaults' fits,
bit for bit (``MPE_MARGIN=2 MPE_NORMAL_MAX=0.95`` gives the defaults everywhere). The fits
are named ``mixture rule clip(1 - 1 * bound, 0.5, 0.98) (screen)`` (for the defaults of the
environment). Usage::

    MPE_MARGIN=1 MPE_NORMAL_MAX=0.98 PYOD_DASAD_DATA=../shared/datasets \\
        python benchmarks/screen_mixture_margin.py --protocol devnet --datasets cardio \\
        --seeds 0 1 2 --variants "full (defaults)" "mixture rule clip(1 - 1 * bound, 0.5, 0.98) (screen)" \\
        --out /tmp/margin.md

``full (defaults)`` fits in the same run use the package's constants.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pyod_dasad.pseudo_labels as pseudo_labels  # noqa: E402

MARGIN = float(os.environ.get("MPE_MARGIN", "1"))
NORMAL_MAX = float(os.environ.get("MPE_NORMAL_MAX", "0.98"))
#: The name of the screened variant in ``ablation.py``'s tables and JSON.
VARIANT = "mixture rule clip(1 - %g * bound, 0.5, %g) (screen)" % (MARGIN, NORMAL_MAX)
_SCREEN_KEY = "_screen_mixture_margin"


def _patched_dasad(cls):
    """A stand-in for ``DASAD`` in ``ablation.py``: with the screen's marker among the
    parameters it returns a DASAD whose ``fit`` runs with the rule's constants patched (and
    restored after); without it, a plain DASAD."""

    def make(**params):
        screen = bool(params.pop(_SCREEN_KEY, False))
        clf = cls(**params)
        if screen:
            fit = clf.fit

            def patched_fit(X, y=None):
                saved = pseudo_labels.MPE_MARGIN, pseudo_labels.MPE_NORMAL_MAX
                pseudo_labels.MPE_MARGIN, pseudo_labels.MPE_NORMAL_MAX = MARGIN, NORMAL_MAX
                try:
                    return fit(X, y)
                finally:
                    pseudo_labels.MPE_MARGIN, pseudo_labels.MPE_NORMAL_MAX = saved

            clf.fit = patched_fit
        return clf

    return make


def main(argv=None):
    import pyod_dasad

    import ablation

    pyod_dasad.DASAD = _patched_dasad(pyod_dasad.DASAD)  # ablation imports DASAD when it runs
    ablation.VARIANTS[VARIANT] = {_SCREEN_KEY: True}
    return ablation.main(argv)


if __name__ == "__main__":
    sys.exit(main())
