"""``python -m coledger`` runs the same command line as the ``coledger`` script."""

import subprocess
import sys
from pathlib import Path


def test_python_dash_m_runs_the_command_line(tmp_path: Path) -> None:
    """``python -m coledger demo`` records the demo and ``report`` reads it back."""
    db = tmp_path / "ledger.db"
    demo = subprocess.run(
        [sys.executable, "-m", "coledger", "demo", "--db", str(db)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr
    assert db.exists()
    usage = subprocess.run(
        [sys.executable, "-m", "coledger", "no-such-command"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert usage.returncode == 2
    assert usage.stderr.startswith("usage: coledger ")
