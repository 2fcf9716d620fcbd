"""The congress's CME settings (API payload, floats) as the rules' ``CmeConfig`` (exact decimals)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from congress.domain.attendance.rules import CmeConfig
from congress.domain.congresses.schemas import CmeSettings
from congress.lib.errors import InvalidInput


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def cme_config(settings: CmeSettings) -> CmeConfig:
    """The rules' config; a rule that cannot hold (a cap not a multiple of the step, …) is a 422."""
    try:
        return CmeConfig(
            credits_per_hour=Decimal(str(settings.credits_per_hour)),
            rounding_step=Decimal(str(settings.rounding_step)),
            majority=Decimal(str(settings.majority)),
            entry_tolerance_minutes=settings.entry_tolerance_minutes,
            day_caps={day: Decimal(str(cap)) for day, cap in settings.day_caps.items()},
            default_day_cap=_decimal(settings.daily_cap),
            half_day_cap=_decimal(settings.half_day_cap),
            half_day_split=settings.half_day_split,
            evaluation_required=settings.evaluation_required,
        )
    except ValueError as exc:
        raise InvalidInput(str(exc), code="invalid_cme", field="cme") from exc


def stored_settings(raw: dict[str, Any]) -> CmeSettings:
    return msgspec.convert(raw, CmeSettings)
