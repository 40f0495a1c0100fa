"""Prices (facts/prices.json) and the cost of running a model; each kind computes its own `Cost`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

PRICES = Path(__file__).with_name("facts") / "prices.json"


class UnknownPriceRegion(ValueError):
    """No prices for the region; the message lists the regions that have them."""


@dataclass(frozen=True)
class PriceTable:
    region: str
    instance_hour: dict[str, float]
    serverless_gb_second: float
    provisioned_gb_second: float
    hours_per_month: int
    source: str
    date: str
    confidence: str

    @classmethod
    def load(cls, region: str, path: Path = PRICES) -> PriceTable:
        data = json.loads(path.read_text())
        regions = data["regions"]
        if region not in regions:
            raise UnknownPriceRegion(f"no prices for region {region} (allowed: {', '.join(sorted(regions))})")
        entry = regions[region]
        base = regions[entry.get("same_as") or entry.get("multiplier_of") or region]
        factor = float(entry.get("multiplier", 1.0))
        return cls(
            region=region,
            instance_hour={k: round(v * factor, 4) for k, v in base["instance_hour"].items()},
            serverless_gb_second=base["serverless"]["gb_second"] * factor,
            provisioned_gb_second=base["serverless"]["provisioned_gb_second"] * factor,
            hours_per_month=int(data["hours_per_month"]),
            source=data["source"],
            date=data["date"],
            confidence=entry["confidence"],
        )


@dataclass(frozen=True)
class Cost:
    hour_min: float | None
    hour_max: float | None
    note: str

    def month(self, hours: int) -> tuple[float | None, float | None]:
        def scale(value: float | None) -> float | None:
            return None if value is None else value * hours

        return scale(self.hour_min), scale(self.hour_max)


def instance_cost(instance_type: str, low: int, high: int, prices: PriceTable, note: str = "") -> Cost:
    """Instances billed by the hour, between `low` and `high` of them."""
    price = prices.instance_hour.get(instance_type)
    if price is None:
        return Cost(None, None, f"no price for {instance_type} in the table")
    return Cost(price * low, price * high, note)
