"""Demo data: a synthetic padró of Mataró (households, people who moved in or left, foreign residents
with NIE, minors), deixalleria cards with two years of visits hitting every bonus band, the catalogue,
the departments, and the test citizens that the test cards carry (testcards/citizens.toml).

Everything is generated from a fixed seed: the same database every time. Every ID number has a valid
check letter and belongs to nobody.
"""

from __future__ import annotations

import json
import random
import tomllib
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from municipal import catalogue_data, ids, timeutil
from municipal.context import hash_kiosk_key
from municipal.models import (
    Address,
    AppointmentService,
    BonusBand,
    Counter,
    DeixalleriaCard,
    DeixalleriaVisit,
    Department,
    Kiosk,
    Person,
    Procedure,
    ProcedureText,
    Registration,
    Topic,
)
from municipal.payments import bills

MUNICIPALITY = "Mataró"
#: Mataró's scale: previous year's visits 4–6 -> 12.00 €, 7–12 -> 17.50 €, more than 12 -> 23.00 €.
BONUS_BANDS = [(4, 6, "12.00"), (7, 12, "17.50"), (13, None, "23.00")]
CENTRES = ["Deixalleria de Mataró", "Deixalleria mòbil (Cerdanyola)", "Deixalleria mòbil (Rocafonda)"]
MATERIALS = ["voluminosos", "electrodomestics", "runa", "poda", "oli", "piles", "fusta", "ferralla", "toxics"]
STREETS = [
    ("la Riera", "08301"),
    ("c. de Sant Josep", "08302"),
    ("c. de Sant Pere", "08301"),
    ("Camí Ral", "08302"),
    ("Via Europa", "08303"),
    ("pg. de Ronda", "08304"),
    ("c. de Cuba", "08302"),
    ("c. d'Esteve Albert", "08304"),
    ("av. del Maresme", "08303"),
    ("c. de Castaños", "08302"),
    ("rbla. de Francesc Macià", "08303"),
    ("c. de Sant Cugat", "08301"),
    ("c. de la Palma", "08301"),
    ("c. de Lepant", "08304"),
]
GIVEN = {
    "F": [
        "MARIA",
        "MONTSERRAT",
        "LAURA",
        "MARTA",
        "JÚLIA",
        "NÚRIA",
        "ANNA",
        "CRISTINA",
        "PILAR",
        "CARLA",
        "ROSA",
    ],
    "M": ["JOAN", "JOSEP", "MARC", "JORDI", "PERE", "DAVID", "ANTONIO", "XAVIER", "POL", "ORIOL", "FRANCESC"],
}
SURNAMES = [
    "GARCIA",
    "MARTÍNEZ",
    "PUIG",
    "VILA",
    "SOLER",
    "FERRER",
    "ROCA",
    "SERRA",
    "CASAS",
    "PUJOL",
    "FONT",
    "LÓPEZ",
    "SÁNCHEZ",
    "COMAS",
    "BATLLE",
    "ROIG",
    "TORRES",
    "SALA",
    "MAS",
    "RIBAS",
    "CODINA",
    "ESTEVE",
]
FOREIGN = [
    ("MA", ["FATIMA", "YOUSSEF", "AICHA", "MOHAMED"], ["BENALI", "EL AMRANI", "OUAZZANI"]),
    ("RO", ["IOANA", "ANDREI", "ELENA", "MIHAI"], ["POPESCU", "IONESCU"]),
    ("SN", ["AWA", "MAMADOU", "FATOU"], ["DIOP", "NDIAYE"]),
    ("CN", ["LI", "WEI", "MEI"], ["WANG", "CHEN"]),
    ("EC", ["GABRIELA", "LUIS", "DIANA"], ["MORALES", "VEGA"]),
]


def citizens_file() -> Path:
    """testcards/citizens.toml: the test cards' holders, shared with the card layer."""
    try:
        found = resources.files("testcards").joinpath("citizens.toml")
        if found.is_file():
            return Path(str(found))
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parent.parent / "testcards" / "citizens.toml"


def test_citizens() -> list[dict[str, Any]]:
    data = tomllib.loads(citizens_file().read_text())
    citizens: list[dict[str, Any]] = data.get("citizen", [])
    return citizens


def is_unseeded(engine: Engine) -> bool:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(Person)).scalar_one() == 0


def register_kiosk(engine: Engine, kiosk_id: str, key: str, name: str = "") -> None:
    """Add a kiosk, or give an existing one a new key. Only the key's scrypt hash is stored."""
    with Session(engine) as session, session.begin():
        kiosk = session.get(Kiosk, kiosk_id)
        if kiosk is None:
            session.add(
                Kiosk(
                    id=kiosk_id,
                    key_hash=hash_kiosk_key(key),
                    name=name,
                    active=True,
                    created_at=timeutil.now(),
                )
            )
        else:
            kiosk.key_hash = hash_kiosk_key(key)
            kiosk.active = True


class _Generator:
    def __init__(self, session: Session, today: date):
        self.session = session
        self.today = today
        self.rng = random.Random(2026)
        self.used_ids: set[str] = set()
        self.people = 0
        self.households = 0
        self.card_sequence = 0

    def dni(self) -> str:
        while True:
            digits = self.rng.randrange(10_000_000, 99_999_999)
            value = f"{digits:08d}{ids.check_letter(digits)}"
            if value not in self.used_ids:
                self.used_ids.add(value)
                return value

    def nie(self) -> str:
        while True:
            prefix = self.rng.choice("XYZ")
            digits = self.rng.randrange(1_000_000, 9_999_999)
            value = f"{prefix}{digits:07d}"
            value += ids.check_letter(int(str("XYZ".index(prefix)) + value[1:]))
            if value not in self.used_ids:
                self.used_ids.add(value)
                return value

    def address(self, postal_code: str | None = None) -> Address:
        choices = [s for s in STREETS if postal_code is None or s[1] == postal_code] or STREETS
        street, code = self.rng.choice(choices)
        floor = self.rng.choice(["", "bxs", "1r", "2n", "3r", "4t", "5è"])
        address = Address(
            street=street,
            number=str(self.rng.randrange(1, 180)),
            floor=floor,
            door="" if floor in ("", "bxs") else self.rng.choice(["1a", "2a", "3a", "4a"]),
            postal_code=postal_code or code,
            municipality=MUNICIPALITY,
        )
        self.session.add(address)
        self.session.flush()
        self.households += 1
        return address

    def add_person(self, person: Person) -> Person:
        """Add `person` to the padró (flushed: it has its id), their ID number no longer free."""
        if person.id_number:
            self.used_ids.add(person.id_number)
        self.session.add(person)
        self.session.flush()
        self.people += 1
        return person

    def register(self, person: Person, address: Address, since: date, left: date | None = None) -> None:
        self.session.add(
            Registration(person_id=person.id, address_id=address.id, registered_since=since, left_on=left)
        )

    def birth(self, min_age: int, max_age: int) -> date:
        age_days = self.rng.randrange(min_age * 365, max_age * 365 + 1)
        return self.today - timedelta(days=age_days)

    def random_person(
        self, surname1: str, *, minor: bool = False, foreign: tuple[Any, ...] | None = None
    ) -> Person:
        birth = self.birth(0, 17) if minor else self.birth(18, 90)
        if foreign:
            nationality, given_names, _ = foreign
            id_number: str | None = self.nie() if not minor or self.rng.random() < 0.5 else None
            return self.add_person(
                Person(
                    given_name=self.rng.choice(given_names),
                    surname1=surname1,
                    surname2="",
                    birth_date=birth,
                    id_number=id_number,
                    nationality=nationality,
                )
            )
        young = (self.today - birth).days < 14 * 365
        return self.add_person(
            Person(
                given_name=self.rng.choice(GIVEN[self.rng.choice("FM")]),
                surname1=surname1,
                surname2=self.rng.choice(SURNAMES),
                birth_date=birth,
                id_number=None if young and self.rng.random() < 0.6 else self.dni(),
                nationality="ES",
            )
        )

    def since(self) -> date:
        return self.today - timedelta(days=self.rng.randrange(30, 40 * 365))

    def card(self, person: Person, visits_by_year: dict[int, int], status: str = "active") -> DeixalleriaCard:
        assert person.id_number
        self.card_sequence += 1
        card = DeixalleriaCard(
            number=f"MAT-{self.card_sequence:06d}",
            id_number=person.id_number,
            status=status,
            delivery=self.rng.choice(["delivery", "pickup"]),
            requested_at=timeutil.now() - timedelta(days=800),
        )
        self.session.add(card)
        self.session.flush()
        for year, count in visits_by_year.items():
            last_day = self.today if year == self.today.year else date(year, 12, 31)
            span = (last_day - date(year, 1, 1)).days
            days = sorted(self.rng.sample(range(span + 1), min(count, span + 1)))
            for day in days:
                self.session.add(
                    DeixalleriaVisit(
                        card_number=card.number,
                        visited_on=date(year, 1, 1) + timedelta(days=day),
                        centre=self.rng.choice(CENTRES),
                        materials=json.dumps(self.rng.sample(MATERIALS, self.rng.randrange(1, 4))),
                    )
                )
        return card


#: Test citizens' deixalleria: (visits last year, visits this year, card status) by card name.
TEST_DEIXALLERIA: dict[str, tuple[int, int, str]] = {
    "dnie3-valid": (8, 3, "active"),  # 17.50 €, one visit short of the next band's minimum... of 4
    "dnie2-valid": (14, 9, "active"),  # 23.00 €
    "aoc-valid": (5, 1, "active"),  # 12.00 €
    "nie-valid": (2, 0, "active"),  # no bonus
    "expired": (0, 0, "requested"),
    "revoked": (7, 2, "active"),
    "untrusted": (13, 0, "active"),
    "pin-locked": (4, 4, "active"),
}


def _test_households(gen: _Generator, since_base: date) -> None:
    by_household: dict[str, list[dict[str, Any]]] = {}
    for citizen in test_citizens():
        if citizen.get("padro") == "registered" and citizen.get("household"):
            by_household.setdefault(citizen["household"], []).append(citizen)
    for label, members in sorted(by_household.items()):
        first = members[0]
        address = gen.address(first["postal_code"])
        since = since_base - timedelta(days=gen.rng.randrange(365, 20 * 365))
        people = []
        for c in members:
            person = gen.add_person(
                Person(
                    given_name=c["given_name"],
                    surname1=c["surname1"],
                    surname2=c.get("surname2", ""),
                    birth_date=date.fromisoformat(c["birth_date"]),
                    id_number=c["id_number"],
                    nationality="MA" if ids.is_nie(c["id_number"]) else "ES",
                )
            )
            gen.register(person, address, since)
            people.append((c, person))
        surname = first["surname1"]
        foreign = next((f for f in FOREIGN if f[0] == "MA"), None) if ids.is_nie(first["id_number"]) else None
        if label == "test-espanola":
            # Four inhabitants, one a minor: the volant col·lectiu's reference household.
            for given, surname1, surname2, birth in (
                ("ANDRÉS", "PÉREZ", "GIL", date(1978, 9, 3)),  # the partner
                ("LUCÍA", "PÉREZ", surname, date(2014, 5, 20)),  # their child
                ("DOLORES", surname, "RUIZ", date(1952, 1, 11)),  # a grandmother
            ):
                extra = Person(
                    given_name=given,
                    surname1=surname1,
                    surname2=surname2,
                    birth_date=birth,
                    id_number=gen.dni(),
                )
                gen.register(gen.add_person(extra), address, since)
        elif label in ("test-font",):
            pass  # lives alone
        elif label == "test-el-idrissi":
            for _ in range(3):
                gen.register(
                    gen.random_person(surname, minor=True, foreign=foreign),
                    address,
                    since + timedelta(days=400),
                )
            gen.register(gen.random_person("BENALI", foreign=foreign), address, since)
        else:
            for _ in range(gen.rng.randrange(1, 4)):
                gen.register(gen.random_person(surname, minor=gen.rng.random() < 0.4), address, since)
        for c, person in people:
            plan = TEST_DEIXALLERIA.get(c["card"])
            if plan:
                last, this, status = plan
                gen.card(person, {gen.today.year - 1: last, gen.today.year: this}, status)


def seed_demo(engine: Engine) -> dict[str, int]:
    """Load the demo data into an empty, migrated database. Returns what was created."""
    with Session(engine) as session, session.begin():
        return seed_demo_into(session)


def seed_demo_into(session: Session) -> dict[str, int]:
    """Load the demo data in the caller's transaction, into tables that hold none of it (a fresh
    database, or one the training reset has just emptied). Returns what was created."""
    today = timeutil.now().astimezone(timeutil.LOCAL).date()
    _catalogue(session)
    session.add_all(BonusBand(min_visits=lo, max_visits=hi, amount=amount) for lo, hi, amount in BONUS_BANDS)
    gen = _Generator(session, today)
    for c in test_citizens():
        gen.used_ids.add(c["id_number"])
    _test_households(gen, today)
    # Synthetic households: sizes from 1 to 7, some foreign, some who moved in or left.
    sizes = [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 6, 7]
    for n in range(34):
        foreign = gen.rng.choice(FOREIGN) if n % 5 == 0 else None
        surname = gen.rng.choice(foreign[2]) if foreign else gen.rng.choice(SURNAMES)
        address = gen.address()
        size = sizes[n % len(sizes)]
        since = gen.since()
        for k in range(size):
            minor = k >= 2 and gen.rng.random() < 0.7
            person = gen.random_person(surname, minor=minor, foreign=foreign)
            if n % 7 == 3 and k == 0:
                gen.register(person, address, today - timedelta(days=gen.rng.randrange(20, 200)))  # moved in
            else:
                gen.register(person, address, max(since, person.birth_date))
            if person.id_number and k == 0 and n % 3 == 0:
                last = gen.rng.choice([0, 2, 4, 5, 6, 7, 9, 12, 13, 20])
                gen.card(person, {today.year - 1: last, today.year: gen.rng.randrange(0, 10)})
        if n % 6 == 1:
            # Someone who used to live here and left Mataró.
            gone = gen.random_person(surname)
            gen.register(gone, address, since, today - timedelta(days=gen.rng.randrange(30, 900)))
        if n % 8 == 2:
            # Someone who moved within Mataró: an old stay elsewhere, and this one.
            mover = gen.random_person(surname)
            old = gen.address()
            gen.households -= 1
            moved = today - timedelta(days=gen.rng.randrange(60, 700))
            gen.register(mover, old, since, moved)
            gen.register(mover, address, moved)
    session.add(Counter(series="DX", year=0, last=gen.card_sequence))  # card numbers go on from here
    _appointments(session, today)
    _activities(session, today)
    session.add_all(bills.demo_bills(today))
    session.flush()
    counts = {"households": gen.households, "people": gen.people, "deixalleria cards": gen.card_sequence}
    counts["procedures"] = len(catalogue_data.PROCEDURES)
    return counts


def _catalogue(session: Session) -> None:
    for position, (code, names) in enumerate(catalogue_data.TOPICS):
        session.add(Topic(code=code, position=position, name_ca=names[0], name_es=names[1], name_en=names[2]))
    for position, (code, names) in enumerate(catalogue_data.DEPARTMENTS):
        session.add(
            Department(code=code, position=position, name_ca=names[0], name_es=names[1], name_en=names[2])
        )
    session.flush()
    for position, (code, topic, cert, here, flow, url, texts) in enumerate(catalogue_data.PROCEDURES):
        session.add(
            Procedure(
                code=code,
                topic=topic,
                position=position,
                needs_certificate=cert,
                completable_here=here,
                kiosk_flow=flow,
                url=url,
            )
        )
        session.flush()
        for language, (title, summary, bring, where, hours) in texts.items():
            session.add(
                ProcedureText(
                    code=code,
                    language=language,
                    title=title,
                    summary=summary,
                    what_to_bring=json.dumps(bring, ensure_ascii=False),
                    where_to_go=where,
                    hours=hours,
                )
            )


def _appointments(session: Session, today: date) -> None:
    """The OAC's services that take appointments, and their slots from tomorrow for two weeks."""
    from municipal.api.cites import slots_for_seed

    codes = []
    for position, (code, names, office, minutes) in enumerate(catalogue_data.CITA_SERVICES):
        session.add(AppointmentService(code=code, position=position, name_ca=names[0], name_es=names[1],
                                       name_en=names[2], office=office, slot_minutes=minutes))  # fmt: skip
        codes.append(code)
    session.flush()
    minutes = catalogue_data.CITA_SERVICES[0][3]
    first = today + timedelta(days=1)
    session.add_all(
        slots_for_seed(first, catalogue_data.CITA_DAYS_AHEAD, catalogue_data.CITA_HOURS, minutes, codes)
    )


def _activities(session: Session, today: date) -> None:
    """The civic centres' courses and workshops with limited places (inscripcions a activitats)."""
    from municipal.api.activitats import activities_for_seed

    session.add_all(activities_for_seed(today))
