"""Static geography of the shop: the cities customers live in and where stores stand.

Real coordinates and IANA timezones, so store-local opening hours and time-of-day
seasonality come out right, including daylight saving time.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    name: str
    region: str
    latitude: float
    longitude: float
    timezone: str
    population_weight: float  # relative share of customers living there
    has_store: bool


CITIES: tuple[City, ...] = (
    City("New York", "Northeast", 40.7128, -74.0060, "America/New_York", 8.0, True),
    City("Boston", "Northeast", 42.3601, -71.0589, "America/New_York", 2.5, True),
    City("Philadelphia", "Northeast", 39.9526, -75.1652, "America/New_York", 3.0, False),
    City("Atlanta", "Southeast", 33.7490, -84.3880, "America/New_York", 2.5, True),
    City("Miami", "Southeast", 25.7617, -80.1918, "America/New_York", 2.5, True),
    City("Charlotte", "Southeast", 35.2271, -80.8431, "America/New_York", 1.5, False),
    City("Chicago", "Midwest", 41.8781, -87.6298, "America/Chicago", 5.0, True),
    City("Minneapolis", "Midwest", 44.9778, -93.2650, "America/Chicago", 1.5, False),
    City("Austin", "South", 30.2672, -97.7431, "America/Chicago", 2.0, True),
    City("Dallas", "South", 32.7767, -96.7970, "America/Chicago", 3.0, False),
    City("Denver", "Mountain", 39.7392, -104.9903, "America/Denver", 2.0, True),
    City("Phoenix", "Mountain", 33.4484, -112.0740, "America/Phoenix", 3.0, True),
    City("Seattle", "West", 47.6062, -122.3321, "America/Los_Angeles", 2.5, True),
    City("San Francisco", "West", 37.7749, -122.4194, "America/Los_Angeles", 3.0, True),
    City("Los Angeles", "West", 34.0522, -118.2437, "America/Los_Angeles", 6.0, False),
    City("Portland", "West", 45.5152, -122.6784, "America/Los_Angeles", 1.5, False),
)

# The online warehouse (distribution centre) that ships every web and app order.
WAREHOUSE_CITY = "Columbus"
WAREHOUSE = City("Columbus", "Midwest", 39.9612, -82.9988, "America/New_York", 0.0, False)

TAX_RATE_BY_REGION: dict[str, float] = {
    "Northeast": 0.08875,
    "Southeast": 0.07,
    "Midwest": 0.0825,
    "South": 0.0825,
    "Mountain": 0.081,
    "West": 0.0925,
}
