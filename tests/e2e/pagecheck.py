"""Checks run on every page the browser tests show: axe-core (no violation of any impact),
no sideways scrolling at the viewport's width, and a screenshot kept as an artifact."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => `${v.id} (${v.impact}): ` +
    v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
}"""
SIDEWAYS = """() => {
  const root = document.documentElement;
  return root.scrollWidth > window.innerWidth ? root.scrollWidth : 0;
}"""


def need_axe() -> None:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run scripts/install-test-deps (npm ci in tests/e2e)")


def check_page(page, name: str, folder: str) -> None:
    """Screenshot ``page`` as ``folder/name.png``, then fail on axe violations or a page
    wider than the window."""
    page.wait_for_load_state("load")
    target = ARTIFACTS / folder
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"), full_page=True)
    wide = page.evaluate(SIDEWAYS)
    assert not wide, f"{name} ({page.url}) scrolls sideways: {wide}px"
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate(AXE_RUN)
    assert violations == [], f"{name} ({page.url}): {violations}"
