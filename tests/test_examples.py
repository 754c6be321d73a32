"""Smoke runs of the teaching examples in ``examples/``: each, with ``--quick``, must write
a PNG that holds an actual picture (not an empty or single-colour canvas)."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

mpl_image = pytest.importorskip("matplotlib.image")
pytest.importorskip("pandas")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

CASES = [
    ("plot_2d_heatmaps.py", "2d_heatmaps.png"),
    ("plot_label_budget.py", "label_budget.png"),
    ("plot_explain.py", "explain.png"),
    ("mini_leaderboard.py", "mini_leaderboard.png"),
]


def _run(script, out_dir):
    env = dict(os.environ, MPLBACKEND="Agg", OMP_NUM_THREADS="1", PYOD_DASAD_OFFLINE="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, str(EXAMPLES / script), "--quick", "--out", str(out_dir)],
                          cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("script, png", CASES, ids=[c[0] for c in CASES])
def test_example_writes_a_figure(script, png, tmp_path):
    out_dir = tmp_path / "figures"          # not created beforehand: the script must create it
    proc = _run(script, out_dir)
    assert proc.returncode == 0, f"{script} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    path = out_dir / png
    assert path.is_file(), f"{script} did not write {png}; wrote {sorted(os.listdir(out_dir))}"
    assert path.stat().st_size > 10_000
    image = mpl_image.imread(str(path))
    height, width = image.shape[:2]
    assert height >= 250 and width >= 400
    rgb = image[..., :3].reshape(-1, 3)
    # a real plot: many distinct colours and a good share of non-background pixels
    assert len(np.unique((rgb * 255).astype(np.uint8), axis=0)) > 50
    assert (rgb.min(axis=1) < 0.9).mean() > 0.05
    assert f"wrote {path}" in proc.stdout
    if script == "mini_leaderboard.py":           # the markdown leaderboard on stdout
        for name in ("DASAD", "IForest", "ECOD", "4_breastw", "14_glass", "29_Pima"):
            assert name in proc.stdout
        assert "|---" in proc.stdout or "| ---" in proc.stdout

