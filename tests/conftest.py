"""Shared fixtures live in tests/fixtures, one module per component, so each can grow on its own."""

pytest_plugins = [
    "tests.fixtures.redis",
    "tests.fixtures.student",
    "tests.fixtures.broker",
    "tests.fixtures.teacher",
    "tests.fixtures.dashboard",
    "tests.fixtures.webhook",
]
