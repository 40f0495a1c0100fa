"""Prices (facts/prices.json) and the cost of running a model; each kind computes its own `Cost`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

PRICES = Path(__file__).with_name("facts") / "prices.json"
STATUSES = ("verified", "estimate", "unpriced")


class UnknownPriceRegion(ValueError):
    """No prices for the region; the message lists the regions that have them."""


@dataclass(frozen=True)
class InstancePrice:
    """One instance type's hourly price, with how sure it is and when it was read."""

    usd_hour: float | None  # None: unpriced (no figure found)
    status: str  # verified | estimate | unpriced
    confidence: str | None
    date: str | None
    basis: str

    def describe(self) -> str:
        """'$1.52/h, estimate (high confidence), 2026-09-07' or 'no price: <why>'."""
        if self.usd_hour is None:
            return f"no price: {self.basis}"
        confidence = f" ({self.confidence} confidence)" if self.confidence else ""
        return f"${self.usd_hour:,.4g}/h, {self.status}{confidence}, {self.date}"


@dataclass(frozen=True)
class PriceTable:
    region: str
    instances: dict[str, InstancePrice]
    serverless_gb_second: float
    provisioned_gb_second: float
    hours_per_month: int
    source: str
    date: str
    confidence: str

    @property
    def instance_hour(self) -> dict[str, float]:
        """The priced instance types: type -> USD per hour."""
        return {name: p.usd_hour for name, p in self.instances.items() if p.usd_hour is not None}

    @classmethod
    def load(cls, region: str, path: Path = PRICES) -> PriceTable:
        data = json.loads(path.read_text())
        regions = data["regions"]
        if region not in regions:
            raise UnknownPriceRegion(f"no prices for region {region} (allowed: {', '.join(sorted(regions))})")
        entry = regions[region]
        base = regions[entry.get("same_as") or entry.get("multiplier_of") or region]
        factor = float(entry.get("multiplier", 1.0))
        scaled = factor != 1.0
        instances = {}
        for name, item in base["instances"].items():
            usd = item["usd_hour"]
            instances[name] = InstancePrice(
                usd_hour=None if usd is None else round(usd * factor, 4),
                status=item["status"],
                confidence=("low" if scaled else item.get("confidence")) if usd is not None else None,
                date=item.get("date"),
                basis=item["basis"] + (f"; x {factor} for {region}" if scaled and usd is not None else ""),
            )
        return cls(
            region=region,
            instances=instances,
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
    price = prices.instances.get(instance_type)
    if price is None:
        return Cost(None, None, f"no price for {instance_type} in the table (a type outside the catalog)")
    if price.usd_hour is None:
        return Cost(None, None, f"no price for {instance_type}: {price.basis}")
    return Cost(price.usd_hour * low, price.usd_hour * high, note)
