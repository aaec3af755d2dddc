"""``sentimon dashboard`` serves the app: what compose and operators run."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.slow


def test_dashboard_command_serves_the_app(dashboard_url: str) -> None:
    assert httpx.get(f"{dashboard_url}/_stcore/health", timeout=5).text == "ok"
    page = httpx.get(dashboard_url, timeout=5)
    assert page.status_code == 200 and "<title>Streamlit</title>" in page.text
