"""Synthetic document payloads, shaped exactly as the backend's `/v1` JSON: for tests, the benchmark,
the sample renders (`python -m printing.samples OUT_DIR`) and demos. The people belong to nobody; their
ID numbers have valid check letters.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

VERIFY_BASE = "https://seu.mataro.cat/v1/verify/"
ISSUED_AT = "2026-03-02T10:15:00+01:00"

_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"

#: Household members, accents and all: Catalan, Spanish and other names a padró holds.
PEOPLE: tuple[tuple[str, str, str], ...] = (
    ("Núria", "Pérez i Castellà", "1980-04-15"),
    ("Marcel·lí", "Ollé Güell", "1978-11-02"),
    ("Begoña", "Muñoz Ibáñez", "2008-06-30"),
    ("Àlex", "Ollé Pérez", "2012-01-09"),
    ("Ștefan", "Popescu", "1965-09-21"),
    ("Françoise", "Lefèvre Çelik", "1949-12-24"),
    ("Joan", "Sabaté Roig", "1990-03-03"),
    ("Íñigo", "Echeverría Goñi", "1985-07-17"),
    ("Maria Rosa", "Llopis Güell", "1991-07-23"),
    ("Òscar", "Vilà Fàbregas", "2001-02-28"),
    ("Lluïsa", "Camps Miró", "1955-05-05"),
    ("Raül", "Domènech Parés", "2015-10-10"),
    ("Zoë", "Ribas Cortès", "2019-08-08"),
    ("Agnès", "Martí Solà", "1970-01-31"),
)


def dni(number: int) -> str:
    return f"{number:08d}{_DNI_LETTERS[number % 23]}"


def _head(csv: str, language: str = "ca", training: bool = False) -> dict[str, Any]:
    return {
        "csv": csv,
        "verify_url": VERIFY_BASE + csv,
        "issued_at": ISSUED_AT,
        "language": language,
        "training": training,
    }


ADDRESS = {
    "street": "Carrer de Sant Josep de Calassanç",
    "number": "27",
    "floor": "3r",
    "door": "2a",
    "postal_code": "08302",
    "municipality": "Mataró",
}


def inhabitants(count: int) -> list[dict[str, Any]]:
    people = []
    for i in range(count):
        given, surnames, born = PEOPLE[i % len(PEOPLE)]
        people.append(
            {
                "given_name": given,
                "surnames": surnames if i < len(PEOPLE) else f"{surnames} {i // len(PEOPLE) + 1}",
                # Minors often have no DNI: the backend sends null then.
                "id_number": None if born >= "2010" else dni(40_000_000 + 7919 * i),
                "birth_date": born,
                "registered_since": f"{2005 + i % 15}-0{1 + i % 9}-1{i % 10}",
            }
        )
    return people


def padro(kind: str = "volant_collectiu", people: int = 6, *, language: str = "ca",
          training: bool = False, csv: str = "PADR7KQ2M9XA4TPRZ3WD") -> dict[str, Any]:  # fmt: skip
    household = inhabitants(people)
    holder = household[0]
    return {
        **_head(csv, language, training),
        "kind": kind,
        "address": dict(ADDRESS),
        "holder": {
            "id_number": holder["id_number"] or dni(40_000_000),
            "given_name": holder["given_name"],
            "surnames": holder["surnames"],
            "birth_date": holder["birth_date"],
        },
        "registered_since": holder["registered_since"],
        "inhabitants": household if kind != "volant_individual" else [holder],
    }


def instancia(*, language: str = "ca", training: bool = False, long_text: bool = False,
              csv: str = "INST4H8K2P6R9T3V5X7Z") -> dict[str, Any]:  # fmt: skip
    exposo = (
        "Que sóc veïna del carrer de Sant Josep de Calassanç i que, des de fa unes setmanes, l'enllumenat "
        "públic del tram entre la plaça de l'Ajuntament i el carrer d'en Pujol no s'encén a la nit. "
        "Això fa que les voreres quedin a les fosques i que els veïns grans tinguin por de caure."
    )
    if long_text:
        exposo = "\n\n".join(f"{n}. {exposo}" for n in range(1, 13))
    return {
        **_head(csv, language, training),
        "registry_number": "E/2026/000123",
        "registered_at": "2026-03-02T10:14:37+01:00",
        "department": {"code": "VIA", "name": "Servei de Via Pública i Enllumenat"},
        "subject": "Enllumenat públic espatllat al carrer de Sant Josep de Calassanç",
        "exposo": exposo,
        "solicito": "Que es revisi i es repari l'enllumenat del tram esmentat al més aviat possible.",
        "applicant": {"id_number": dni(40_000_000), "given_name": "Núria", "surnames": "Pérez i Castellà"},
        "contact": {"email": "nuria.perez@example.org", "phone": "600 123 456"},
        "notification_channel": "electronic",
        "attachments": [
            {
                "name": "Fotografia fanal carrer Sant Josep.jpg",
                "size": 2_457_611,
                "sha256": "9f2c4e1d7a3b5c8e0f6a2d4b1c3e5f7a9b0d2c4e6f8a1b3c5d7e9f0a2b4c6d8e",
            },
            {
                "name": "Plànol de situació (esbós).pdf",
                "size": 183_220,
                "sha256": "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
            },
        ],
    }


def deixalleria(*, language: str = "ca", training: bool = False,
                csv: str = "DEIX2B4D6F8H1J3L5N7P") -> dict[str, Any]:  # fmt: skip
    centres = ("Deixalleria de Mataró (Rocafonda)", "Deixalleria mòbil · Plaça de Cuba")
    materials = (["Paper i cartró", "Vidre"], ["Oli de cuina", "Piles"], ["Voluminosos (matalàs)"],
                 ["Aparells elèctrics", "Fluorescents", "Runa (menys de 50 kg)"])  # fmt: skip
    visits = [
        {
            "date": f"2026-0{1 + i // 3}-{3 + 7 * (i % 3):02d}",
            "centre": centres[i % 2],
            "materials": materials[i % 4],
        }
        for i in range(5)
    ]
    return {
        **_head(csv, language, training),
        "card": {"number": "DX-000482", "status": "active", "holder_name": "Núria Pérez i Castellà"},
        "year": 2026,
        "visits_this_year": len(visits),
        "visits_last_year": 9,
        "visits": visits,
        "bonus": {
            "amount": "17.50",
            "band": {"min_visits": 7, "max_visits": 12, "amount": "17.50"},
            "next_band": {"min_visits": 13, "amount": "23.00", "visits_needed": 4},
            "tax_year": 2026,
        },
    }


def bustia(*, language: str = "ca", training: bool = False, anonymous: bool = False,
           csv: str = "BUST9C8B7A6Z5Y4X3W2V") -> dict[str, Any]:  # fmt: skip
    return {
        **_head(csv, language, training),
        "reference": "QS/2026/000045",
        "kind": "suggeriment",
        "topic": "Bicicletes al Parc Central",
        "text": "Proposo instal·lar més aparcaments per a bicicletes a l'entrada del Parc Central, al costat "
        "de la font: els caps de setmana sempre són plens i la gent lliga les bicis als fanals. «Gràcies» "
        "per l'atenció; seria una millora de 0 € per a molts veïns… o de ben poc!",
        "submitted_at": "2026-03-02T10:12:05+01:00",
        "contact": None if anonymous else {"email": "a.olle@example.org", "phone": None},
    }


_CITA_SERVICE = {"code": "padro", "name": "Padró d'habitants", "office": "OAC Centre, la Riera, 48",
                 "slot_minutes": 15}  # fmt: skip


def cita(*, language: str = "ca", training: bool = False, csv: str = "CITA5G7J9L2N4Q6S8U1W"
         ) -> dict[str, Any]:  # fmt: skip
    """The justificant of a booked cita prèvia."""
    return {
        **_head(csv, language, training),
        "reference": "CP/2026/000087",
        "service": _CITA_SERVICE,
        "appointment_at": "2026-03-09T10:15:00+01:00",
        "booked_at": "2026-03-02T10:11:20+01:00",
        "holder": {"id_number": dni(43218765), "given_name": "Núria", "surnames": "Puig i Soler"},
        "contact": {"email": "n.puig@example.org", "phone": None},
    }


def cita_ticket(*, language: str = "ca", training: bool = False, csv: str = "TORN8W6U4S2Q9N7L5J3G"
                ) -> dict[str, Any]:  # fmt: skip
    """The turn ticket of a check-in: no name nor ID number."""
    return {
        **_head(csv, language, training),
        "turn": "P-012",
        "reference": "CP/2026/000087",
        "service": _CITA_SERVICE,
        "appointment_at": "2026-03-09T10:15:00+01:00",
        "checked_in_at": "2026-03-09T09:58:41+01:00",
    }


def activitat(*, language: str = "ca", training: bool = False,
              csv: str = "ACTV3D5F7H9K2M4P6R8T") -> dict[str, Any]:  # fmt: skip
    ca = language == "ca"
    return {
        **_head(csv, language, training),
        "application_number": "IA-2026-000031",
        "activity": {
            "code": "fotografia",
            "name": "Iniciació a la fotografia digital" if ca else "Iniciación a la fotografía digital",
            "centre": "Centre Cívic Pla d'en Boet",
            "schedule": "Dimarts de 18 a 20 h, 10 sessions" if ca else "Martes de 18 a 20 h, 10 sesiones",
            "places": 12,
            "fee_cents": 3500,
            "reduced_fee_cents": 1750,
            "opens_at": "2026-02-23T00:00:00+01:00",
            "closes_at": "2026-03-16T00:00:00+01:00",
            "draw_at": "2026-03-17T12:00:00+01:00",
        },
        "applied_at": "2026-03-02T10:13:40+01:00",
        "applicant": {"id_number": "12345678Z", "given_name": "CARMEN", "surnames": "ESPAÑOLA ESPAÑOLA"},
        "contact": {"email": "carmen@example.org", "phone": None},
    }


def pagament(*, language: str = "ca", training: bool = False,
             csv: str = "PAGM6E8G2J4L6N8Q1S3U") -> dict[str, Any]:  # fmt: skip
    """A payment document; its Cuaderno 60 fields are municipal.payments.cuaderno60's for bill
    2026000001, concept 100, fiscal year 2026, due 31/03/2026, 359,75 € (tests/unit/backend checks)."""
    ca = language == "ca"
    return {
        **_head(csv, language, training),
        "bill": {
            "id": 1,
            "kind": "rebut",
            "concept": (
                "Impost sobre béns immobles (IBI) urbana"
                if ca
                else "Impuesto sobre bienes inmuebles (IBI) urbana"
            ),  # fmt: skip
            "detail": "C/ de la Riera, 48, 2n 1a",
            "period": "Any 2026" if ca else "Año 2026",
            "amount_cents": 35975,
            "due_date": "2026-03-31",
        },
        "holder": {"id_number": "12345678Z", "given_name": "CARMEN", "surnames": "ESPAÑOLA ESPAÑOLA"},
        "payment": {
            "emisora": "081210",
            "reference": "202600000140",
            "identification": "1100266090",
            "amount_cents": 35975,
            "barcode": "905210812102026000001401100266090000359750",
        },
    }


_CITA_SERVICE = {"code": "padro", "name": "Padró d'habitants", "office": "OAC Centre, la Riera, 48",
                 "slot_minutes": 15}  # fmt: skip


def all_samples(language: str = "ca", training: bool = False) -> dict[str, dict[str, Any]]:
    """One payload of every kind, by a file-friendly name."""
    return {
        "volant_individual": padro("volant_individual", 1, language=language, training=training),
        "volant_collectiu": padro("volant_collectiu", 6, language=language, training=training),
        "certificat_convivencia": padro("certificat_convivencia", 4, language=language, training=training),
        "volant_collectiu_14": padro("volant_collectiu", 14, language=language, training=training),
        "instancia": instancia(language=language, training=training),
        "deixalleria": deixalleria(language=language, training=training),
        "bustia": bustia(language=language, training=training),
        "activitat": activitat(language=language, training=training),
        "pagament": pagament(language=language, training=training),
    }


def main(argv: list[str]) -> int:
    """Write every sample as PDF (and PNG pages if pdftoppm is there) into OUT_DIR, to look at."""
    import shutil
    import subprocess

    from contract.documents import document_from_payload
    from printing.render import render

    out = Path(argv[0] if argv else "samples")
    out.mkdir(parents=True, exist_ok=True)
    for language in ("ca", "es"):
        for name, payload in all_samples(language).items():
            path = out / f"{name}.{language}.pdf"
            path.write_bytes(render(document_from_payload(payload), training=False))
            if shutil.which("pdftoppm"):
                subprocess.run(["pdftoppm", "-png", "-r", "70", path, path.with_suffix("")], check=True)
    training = out / "volant_collectiu.training.pdf"
    training.write_bytes(render(document_from_payload(padro(training=True)), training=True))
    print(f"samples written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
