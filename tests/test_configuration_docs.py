"""Configuration is documented in one place: README's table lists exactly project/env.py's variables."""
import re
from pathlib import Path

from project.env import VARIABLES


def test_readme_lists_every_variable_and_nothing_else():
    readme = Path(__file__).resolve().parent.parent.joinpath("README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `([A-Z_]+)` \|", section, flags=re.MULTILINE)
    assert documented == [var.name for var in VARIABLES]
