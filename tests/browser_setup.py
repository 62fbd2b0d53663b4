"""What the browser tests share: Debian's Chromium, the flags it is launched with (no
sandbox in containers, nothing that reaches the network), and where screenshots go."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"  # git-ignored
