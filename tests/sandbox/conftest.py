"""An AsyncOpenAI client on the sandbox fixture, closed inside the test's own loop."""

from __future__ import annotations

from collections.abc import AsyncIterator

import openai
import pytest

from tests.sandbox.sandbox_data import client


@pytest.fixture
async def c(sandbox) -> AsyncIterator[openai.AsyncOpenAI]:
    async with client(sandbox) as api:
        yield api
