"""A deterministic demo utility: the same accounts and staff on every machine."""

from __future__ import annotations

import random
from dataclasses import dataclass

from argon2 import PasswordHasher

from gateway.store import CaseStore
from gateway.store.models import Account, Agent, ContactIdentity, Customer, Tier

SEED = 20261123
ACCOUNT_COUNT = 300
DISTRICTS = (
    "Riverside",
    "Northgate",
    "Old Town",
    "Harbor",
    "Maple Heights",
    "Eastfield",
    "Cedar Park",
)
FIRST = (
    "Maria",
    "James",
    "Aisha",
    "Robert",
    "Linh",
    "Carlos",
    "Patricia",
    "Tomasz",
    "Grace",
    "Mohammed",
    "Elena",
    "David",
    "Keisha",
    "Hiroshi",
    "Sofia",
    "Michael",
    "Priya",
    "William",
    "Fatima",
    "Daniel",
    "Olga",
    "Jamal",
    "Rosa",
    "Kevin",
    "Amara",
    "Luis",
    "Nancy",
    "Ivan",
    "Chloe",
    "Samuel",
)
LAST = (
    "Garcia",
    "Johnson",
    "Nguyen",
    "Okafor",
    "Smith",
    "Kowalski",
    "Hernandez",
    "Chen",
    "Williams",
    "Patel",
    "Brown",
    "Haddad",
    "Rossi",
    "Jackson",
    "Kim",
    "Murphy",
    "Lopez",
    "Novak",
    "Davis",
    "Mensah",
    "Silva",
    "Thompson",
    "Ali",
    "Martin",
    "Walker",
    "Schmidt",
    "Reyes",
    "Clark",
    "Ibrahim",
    "Young",
)
STREETS = (
    "Oak",
    "Maple",
    "Cedar",
    "Harbor",
    "River",
    "Elm",
    "Lincoln",
    "Washington",
    "Mill",
    "Park",
    "Church",
    "Lake",
    "Hillcrest",
    "Sunset",
    "Willow",
    "Pine",
    "Jefferson",
    "Franklin",
    "Spring",
    "Ridge",
)
STREET_TYPES = ("Street", "Avenue", "Road", "Lane", "Drive", "Court", "Boulevard", "Way")
AREA_CODES = ("217", "309", "618", "815")
SKILLS = (
    "billing",
    "payments",
    "outages",
    "service_orders",
    "meters",
    "permits",
    "claims",
    "general",
)
CAPACITY = {"voice": 1, "chat": 3, "sms": 5, "email": 5}


@dataclass(frozen=True, slots=True)
class DemoAgent:
    username: str
    display_name: str
    tier: Tier
    skills: tuple[str, ...]
    password: str


DEMO_AGENTS = (
    DemoAgent("rep.ana", "Ana Torres", Tier.REP, ("billing", "payments", "general"), "demo-rep"),
    DemoAgent(
        "rep.ben",
        "Ben Okoro",
        Tier.REP,
        ("outages", "service_orders", "meters", "general"),
        "demo-rep",
    ),
    DemoAgent("rep.chen", "Chen Wei", Tier.REP, ("permits", "claims", "general"), "demo-rep"),
    DemoAgent(
        "rep.dana",
        "Dana Kowalczyk",
        Tier.REP,
        ("billing", "payments", "service_orders"),
        "demo-rep",
    ),
    DemoAgent("senior.eva", "Eva Lindqvist", Tier.SENIOR, SKILLS, "demo-senior"),
    DemoAgent("senior.femi", "Femi Adeyemi", Tier.SENIOR, SKILLS, "demo-senior"),
    DemoAgent("lead.grace", "Grace Holloway", Tier.LEAD, SKILLS, "demo-lead"),
)


@dataclass(frozen=True, slots=True)
class DemoAccount:
    number: str
    holder_name: str
    service_address: str
    district: str
    phone: str
    email: str


def demo_accounts() -> list[DemoAccount]:
    rng = random.Random(SEED)
    numbers = rng.sample(range(1_000_000_000, 10_000_000_000), ACCOUNT_COUNT)
    phones = rng.sample(range(100, 10_000), ACCOUNT_COUNT)
    accounts = []
    for number, phone in zip(numbers, phones, strict=True):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        house = rng.randrange(10, 9900)
        street = f"{rng.choice(STREETS)} {rng.choice(STREET_TYPES)}"
        unit = f" Apt {rng.randrange(1, 40)}" if rng.random() < 0.2 else ""
        accounts.append(
            DemoAccount(
                number=str(number),
                holder_name=f"{first} {last}",
                service_address=f"{house} {street}{unit}",
                district=rng.choice(DISTRICTS),
                phone=f"+1{rng.choice(AREA_CODES)}555{phone:04d}",
                email=f"{first}.{last}{number % 100}@example.net".lower(),
            )
        )
    return accounts


async def seed_demo(store: CaseStore) -> bool:
    """Load the demo utility into an empty store; False, changing nothing, if it has data."""
    hasher = PasswordHasher()
    async with store.transaction() as tx:
        if await tx.count(Account) or await tx.count(Agent):
            return False
        for demo in demo_accounts():
            customer = Customer(name=demo.holder_name)
            tx.session.add(customer)
            await tx.session.flush()
            tx.session.add_all(
                [
                    Account(
                        number=demo.number,
                        customer_id=customer.id,
                        holder_name=demo.holder_name,
                        service_address=demo.service_address,
                        district=demo.district,
                        status="active",
                        phone=demo.phone,
                        email=demo.email,
                    ),
                    ContactIdentity(channel="sms", address=demo.phone, customer_id=customer.id),
                    ContactIdentity(channel="email", address=demo.email, customer_id=customer.id),
                ]
            )
        for agent in DEMO_AGENTS:
            tx.session.add(
                Agent(
                    username=agent.username,
                    display_name=agent.display_name,
                    tier=agent.tier,
                    skills=list(agent.skills),
                    capacity=dict(CAPACITY),
                    password_hash=hasher.hash(agent.password),
                )
            )
    return True
