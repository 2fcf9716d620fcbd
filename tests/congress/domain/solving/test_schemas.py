"""The solve request's defaults are the engine's."""

from __future__ import annotations

import msgspec

from congress.domain.solving.schemas import WeightsIn
from solver.model import Weights


def test_request_weights_default_to_the_engine_weights() -> None:
    assert msgspec.to_builtins(WeightsIn()) == msgspec.to_builtins(Weights())
