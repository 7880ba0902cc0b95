"""The shop's world: customers, products, stores, the warehouse and promotions.

Built once per run from a seed with Faker (names, brands, e-mail domains come from Faker
pools drawn up front); the behaviour model then draws events from these objects with
``random.Random`` and numpy only. Nothing here changes while a simulation runs: the
mutable state (stock, last purchase per customer) lives in the engine.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

from faker import Faker

from shop_analytics.simulator.places import CITIES, TAX_RATE_BY_REGION, WAREHOUSE, City
from shop_analytics.simulator.promotions import Promotion, build_promotions

DAY_MS = 86_400_000
CHANNELS: tuple[str, ...] = ("web", "app", "store")
DEVICES_BY_CHANNEL: dict[str, tuple[str, ...]] = {
    "web": ("desktop", "mobile", "tablet"),
    "app": ("ios", "android"),
}

# Latent value tiers: never published, but they drive frequency, basket size and conversion,
# so CLV and RFM downstream have real structure to find.
TIER_SHARES = (0.55, 0.30, 0.12, 0.03)
TIER_SESSIONS_PER_DAY = (0.035, 0.08, 0.16, 0.32)
TIER_PURCHASE_CYCLE_DAYS = (75.0, 35.0, 16.0, 8.0)
TIER_BASKET_ITEMS = (1.3, 1.6, 2.1, 2.8)
TIER_CONVERSION = (0.65, 1.0, 1.35, 1.7)


@dataclass(frozen=True)
class Category:
    name: str
    min_price_cents: int
    max_price_cents: int
    return_rate: float
    nouns: tuple[str, ...]


CATEGORIES: tuple[Category, ...] = (
    Category("apparel", 1_500, 12_000, 0.20, ("T-Shirt", "Hoodie", "Jacket", "Jeans", "Dress", "Sweater")),
    Category("footwear", 3_500, 18_000, 0.16, ("Sneaker", "Boot", "Sandal", "Loafer", "Runner")),
    Category("electronics", 1_500, 90_000, 0.07, ("Headphones", "Speaker", "Charger", "Smartwatch", "Tablet")),
    Category("home", 900, 25_000, 0.05, ("Lamp", "Throw", "Mug Set", "Cookware", "Cushion", "Vase")),
    Category("beauty", 700, 6_000, 0.03, ("Serum", "Cleanser", "Lipstick", "Fragrance", "Moisturizer")),
    Category("sports", 1_200, 30_000, 0.06, ("Yoga Mat", "Dumbbell", "Racket", "Bottle", "Backpack")),
    Category("toys", 900, 8_000, 0.04, ("Puzzle", "Building Set", "Plush", "Board Game", "Kite")),
    Category("books", 700, 4_500, 0.02, ("Novel", "Cookbook", "Atlas", "Biography", "Guide")),
)


@dataclass(frozen=True, slots=True)
class Customer:
    index: int
    customer_id: str
    full_name: str
    email: str
    city: City
    signup_ms: int
    preferred_channel: str
    web_device: str
    app_device: str
    tier: int
    sessions_per_day: float
    purchase_cycle_days: float
    basket_items: float
    promo_sensitivity: float
    peak_hour_shift: float
    favourite_categories: tuple[int, ...]
    loyalty_member: bool


@dataclass(frozen=True, slots=True)
class Product:
    index: int
    product_id: str
    name: str
    category: int
    brand: str
    list_price_cents: int
    unit_cost_cents: int
    popularity: float
    return_rate: float


@dataclass(frozen=True, slots=True)
class Location:
    """A retail store or the online warehouse."""

    index: int
    location_id: str
    location_type: str  # "store" or "warehouse"
    name: str
    city: City
    opens_minute: int  # local minutes after midnight
    closes_minute: int
    daily_visits: float  # expected store sales on an average weekday
    registers: int
    assortment: tuple[int, ...]  # product indices carried
    initial_stock: tuple[int, ...]  # parallel to assortment
    reorder_point: tuple[int, ...]
    tax_rate: float

    @property
    def opens_at(self) -> str:
        return f"{self.opens_minute // 60:02d}:{self.opens_minute % 60:02d}"

    @property
    def closes_at(self) -> str:
        return f"{self.closes_minute // 60:02d}:{self.closes_minute % 60:02d}"


@dataclass(frozen=True)
class WorldSize:
    customers: int = 20_000
    products: int = 600
    stores: int = 10  # at most the number of store cities in places.py

    def __post_init__(self) -> None:
        store_cities = sum(1 for c in CITIES if c.has_store)
        if not 8 <= self.stores <= store_cities:
            raise ValueError(f"stores must be between 8 and {store_cities}, got {self.stores}")
        if self.customers < 1 or self.products < len(CATEGORIES):
            raise ValueError(f"need at least 1 customer and {len(CATEGORIES)} products")


@dataclass(frozen=True)
class World:
    seed: int
    anchor_ms: int  # "now" of the world: signups and the promotion calendar are laid around it
    customers: tuple[Customer, ...]
    products: tuple[Product, ...]
    categories: tuple[Category, ...]
    stores: tuple[Location, ...]
    warehouse: Location
    promotions: tuple[Promotion, ...]
    customers_by_city: dict[str, tuple[int, ...]] = field(repr=False)
    products_by_category: tuple[tuple[int, ...], ...] = field(repr=False)
    product_index: dict[str, int] = field(repr=False)

    @property
    def locations(self) -> tuple[Location, ...]:
        """Stores first, then the warehouse; ``Location.index`` is the position here."""
        return (*self.stores, self.warehouse)

    @property
    def cities(self) -> tuple[City, ...]:
        return CITIES


def build_world(seed: int, anchor_ms: int, size: WorldSize | None = None) -> World:
    """Build the world for ``seed``; the same seed and anchor always give the same world."""
    size = size or WorldSize()
    rng = random.Random(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)

    first_names = [fake.first_name() for _ in range(400)]
    last_names = [fake.last_name() for _ in range(400)]
    domains = sorted({fake.free_email_domain() for _ in range(40)})
    brands = sorted({fake.last_name() + rng.choice((" & Co", " Studio", " Goods", " Labs", "")) for _ in range(60)})
    colors = [fake.color_name() for _ in range(60)]

    products = _build_products(rng, size.products, brands, colors)
    products_by_category = tuple(tuple(p.index for p in products if p.category == c) for c in range(len(CATEGORIES)))
    customers = _build_customers(rng, size.customers, anchor_ms, first_names, last_names, domains)
    by_city: dict[str, list[int]] = {}
    for c in customers:
        by_city.setdefault(c.city.name, []).append(c.index)
    stores = _build_stores(rng, size.stores, products)
    warehouse = _build_warehouse(len(stores), products)
    promotions = build_promotions(rng, anchor_ms, [c.name for c in CATEGORIES])
    return World(
        seed=seed,
        anchor_ms=anchor_ms,
        customers=tuple(customers),
        products=tuple(products),
        categories=CATEGORIES,
        stores=tuple(stores),
        warehouse=warehouse,
        promotions=promotions,
        customers_by_city={k: tuple(v) for k, v in by_city.items()},
        products_by_category=products_by_category,
        product_index={p.product_id: p.index for p in products},
    )


def _build_products(rng: random.Random, count: int, brands: list[str], colors: list[str]) -> list[Product]:
    products = []
    for i in range(count):
        cat_index = i % len(CATEGORIES)
        cat = CATEGORIES[cat_index]
        # log-uniform prices inside the category band, rounded to .99
        ratio = cat.max_price_cents / cat.min_price_cents
        price = int(cat.min_price_cents * ratio ** rng.random())
        price = max(99, price // 100 * 100 + 99)
        cost = int(price * rng.uniform(0.35, 0.7))
        brand = rng.choice(brands)
        name = f"{brand} {rng.choice(colors)} {rng.choice(cat.nouns)}"
        popularity = rng.paretovariate(1.3)  # a few bestsellers, a long tail
        products.append(
            Product(
                index=i,
                product_id=f"P{i + 1:05d}",
                name=name,
                category=cat_index,
                brand=brand,
                list_price_cents=price,
                unit_cost_cents=cost,
                popularity=popularity,
                return_rate=min(0.6, cat.return_rate * rng.uniform(0.6, 1.5)),
            )
        )
    return products


def _build_customers(
    rng: random.Random,
    count: int,
    anchor_ms: int,
    first_names: list[str],
    last_names: list[str],
    domains: list[str],
) -> list[Customer]:
    city_weights = [c.population_weight for c in CITIES]
    history_ms = 3 * 365 * DAY_MS
    customers = []
    for i in range(count):
        tier = rng.choices(range(4), TIER_SHARES)[0]
        first, last = rng.choice(first_names), rng.choice(last_names)
        # signups skew recent: the shop is growing
        signup_ms = anchor_ms - int(history_ms * rng.random() ** 1.6)
        preferred_channel = "app" if rng.random() < 0.25 + 0.1 * tier else "web"
        favourites = tuple(rng.sample(range(len(CATEGORIES)), 2 + (tier >= 2)))
        customers.append(
            Customer(
                index=i,
                customer_id=f"C{i + 1:07d}",
                full_name=f"{first} {last}",
                email=f"{first}.{last}{rng.randrange(1, 999)}@{rng.choice(domains)}".lower(),
                city=rng.choices(CITIES, city_weights)[0],
                signup_ms=signup_ms,
                preferred_channel=preferred_channel,
                web_device=rng.choices(DEVICES_BY_CHANNEL["web"], (0.5, 0.42, 0.08))[0],
                app_device=rng.choices(DEVICES_BY_CHANNEL["app"], (0.55, 0.45))[0],
                tier=tier,
                sessions_per_day=TIER_SESSIONS_PER_DAY[tier] * rng.lognormvariate(0.0, 0.5),
                purchase_cycle_days=TIER_PURCHASE_CYCLE_DAYS[tier] * rng.lognormvariate(0.0, 0.3),
                basket_items=TIER_BASKET_ITEMS[tier],
                promo_sensitivity=rng.betavariate(2, 3),
                peak_hour_shift=rng.gauss(0.0, 1.5),
                favourite_categories=favourites,
                loyalty_member=rng.random() < 0.3 + 0.15 * tier,
            )
        )
    return customers


_STORE_HOURS = ((9 * 60, 21 * 60), (10 * 60, 20 * 60), (10 * 60, 22 * 60), (8 * 60, 20 * 60))


def _build_stores(rng: random.Random, count: int, products: list[Product]) -> list[Location]:
    store_cities = [c for c in CITIES if c.has_store][:count]
    stores = []
    for i, city in enumerate(store_cities):
        opens, closes = rng.choice(_STORE_HOURS)
        size = city.population_weight**0.5 * rng.uniform(0.8, 1.2)
        carried = [p for p in products if rng.random() < min(0.95, 0.35 + 0.1 * p.popularity)]
        stock = tuple(max(3, int(rng.uniform(6, 18) * size * min(p.popularity, 4) ** 0.5)) for p in carried)
        stores.append(
            Location(
                index=i,
                location_id=f"S{i + 1:03d}",
                location_type="store",
                name=f"{city.name} Store",
                city=city,
                opens_minute=opens,
                closes_minute=closes,
                daily_visits=70.0 * size,
                registers=rng.randint(3, 8),
                assortment=tuple(p.index for p in carried),
                initial_stock=stock,
                reorder_point=tuple(max(1, s // 3) for s in stock),
                tax_rate=TAX_RATE_BY_REGION[city.region],
            )
        )
    return stores


def _build_warehouse(index: int, products: list[Product]) -> Location:
    stock = tuple(int(300 * min(p.popularity, 6)) for p in products)
    return Location(
        index=index,
        location_id="DC01",
        location_type="warehouse",
        name=f"{WAREHOUSE.name} Distribution Center",
        city=WAREHOUSE,
        opens_minute=0,
        closes_minute=24 * 60 - 1,
        daily_visits=0.0,
        registers=0,
        assortment=tuple(p.index for p in products),
        initial_stock=stock,
        reorder_point=tuple(s // 4 for s in stock),
        tax_rate=0.0,
    )


def utc_ms(dt: datetime) -> int:
    """Milliseconds since the epoch of an aware datetime."""
    return int(dt.timestamp() * 1000)


def midnight_utc_ms(ms: int) -> int:
    """The UTC midnight at or before ``ms``."""
    return ms - ms % DAY_MS


def today_utc_ms() -> int:
    return midnight_utc_ms(utc_ms(datetime.now(UTC)))
