"""SMS text: Catalan, Spanish and typographic characters folded into GSM-7, and the segment counts."""

from __future__ import annotations

from municipal.outbox.gsm7 import BASIC, EXTENSION, fold, prepare


def test_accents_folded_where_gsm7_has_no_accented_letter() -> None:
    assert fold("Instància rebuda: sol·licitud núm. E/2026/000001, Mataró") == (
        "Instància rebuda: sol.licitud num. E/2026/000001, Mataro"  # à is GSM-7, ó is not
    )
    assert fold("Petició d’informació «urgent» — ça va") == 'Peticio d\'informacio "urgent" - ca va'
    assert fold("Solicitud recibida: año, niño, acción, pingüino") == (
        "Solicitud recibida: año, niño, accion, pingüino"
    )
    assert fold("ÁÍÓÚ ïí ÈÉ") == "AIOU ii EÉ"
    assert fold("日本 🙂") == "?? ?"


def test_folded_text_is_all_gsm7() -> None:
    sample = "Àngels Pérez i Martí: l’Ajuntament ha rebut la vostra sol·licitud (25 €)."
    assert all(c in BASIC or c in EXTENSION for c in fold(sample))


def test_one_segment_up_to_160_septets() -> None:
    assert prepare("a" * 160).segments == 1
    assert prepare("a" * 161).segments == 2
    assert prepare("").segments == 0
    assert prepare("é" * 160).segments == 1  # é is in the basic table: one septet, not UCS-2


def test_concatenated_parts_are_153_septets() -> None:
    text = prepare("a" * 306)
    assert [len(p) for p in text.parts] == [153, 153]
    assert prepare("a" * 307).segments == 3


def test_extension_characters_count_twice_and_are_never_split() -> None:
    assert prepare("€" * 80).septets == 160
    assert prepare("€" * 80).segments == 1
    assert prepare("€" * 81).segments == 2
    # 152 letters and a euro: the euro (two septets) does not fit in the first part's last septet.
    text = prepare("a" * 152 + "€" + "b" * 10)
    assert text.parts[0] == "a" * 152
    assert text.parts[1].startswith("€")
    assert text.septets == 164
