"""Document wording, number formats, and the fonts shipped with the package."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from printing.fonts import LICENCE, SHIPPED, printable
from printing.fonts.charset import UNICODES
from printing.texts import PHRASES, format_amount, format_size, keys, load_phrases, text


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("17.5", "17,50 €"),
        ("23", "23,00 €"),
        ("0", "0,00 €"),
        ("1234.567", "1.234,57 €"),
        ("-12", "-12,00 €"),
    ],
)
def test_amounts_in_catalan_and_spanish_style(value: str, shown: str) -> None:
    assert format_amount(Decimal(value)) == shown


def test_sizes_keep_the_exact_byte_count() -> None:
    assert format_size(512, "ca") == "512 B"
    assert format_size(183_220, "ca") == "178,9 KB (183.220 B)"
    assert format_size(2_457_611, "es") == "2,3 MB (2.457.611 B)"


def test_every_phrase_exists_in_both_languages_and_differs_where_it_should() -> None:
    for key in keys():
        assert text(key, "ca") and text(key, "es")
    assert text("copy_note", "ca") == "Còpia en paper d'un document electrònic"
    assert text("copy_note", "es") == "Copia en papel de un documento electrónico"
    assert text("page", "ca", page=2, pages=3) == "Pàgina 2 de 3"


def test_the_phrases_are_read_from_the_table_beside_the_module() -> None:
    table = load_phrases(PHRASES)
    assert sorted(table) == keys()
    assert table["page"] == {"ca": "Pàgina {page} de {pages}", "es": "Página {page} de {pages}"}
    # A phrase written over several lines is one line on paper, its words joined by one space.
    assert text("volant_note", "ca").startswith("Aquest volant té caràcter informatiu: no és un certificat. ")
    assert "\n" not in text("volant_note", "ca") and "  " not in text("volant_note", "es")


@pytest.mark.parametrize(
    ("phrase", "refused"),
    [
        ('ca = "Pàgina {page}"', "needs a ca and an es phrase"),
        ('ca = "Pàgina {page}"\nes = "Página {page}"\nen = "Page {page}"', "needs a ca and an es phrase"),
        ('ca = "Pàgina {page}"\nes = " "', "empty phrase"),
        ('ca = "Pàgina {page}"\nes = "Página {pagina}"', "other {placeholders}"),
    ],
)
def test_a_phrase_table_with_a_gap_is_refused(tmp_path: Path, phrase: str, refused: str) -> None:
    path = tmp_path / "texts.toml"
    path.write_text(f'[office]\nca = "Oficina"\nes = "Oficina"\n\n[page]\n{phrase}\n')
    with pytest.raises(ValueError, match=refused):
        load_phrases(path)


def test_shipped_fonts_carry_every_character_we_print() -> None:
    for path in SHIPPED.values():
        font = TTFont(path)
        cmap = font.getBestCmap()
        missing = [hex(u) for u in UNICODES if u not in cmap]
        assert not missing, f"{path.name} lacks {missing}"
        for ch in "àèéíòóúïüç·ŀñÑ€«»—":
            assert ord(ch) in cmap
        assert path.stat().st_size < 60_000  # pre-subset: a fraction of DejaVu's 700 KB
        # The Bitstream Vera licence asks for the notices to travel with the font.
        names = " ".join(str(record) for record in font["name"].names)
        assert "Bitstream" in names


def test_the_licence_ships_with_the_fonts() -> None:
    assert "Bitstream Vera" in LICENCE.read_text()
    assert LICENCE.parent == next(iter(SHIPPED.values())).parent


def test_subsetting_again_gives_the_same_character_map(tmp_path: Path) -> None:
    # The shipped files are reproducible from Debian's fonts-dejavu-core with the committed script.
    from printing.fonts.subset_fonts import DEBIAN_DIR, make

    if not (DEBIAN_DIR / "DejaVuSans.ttf").exists():
        pytest.skip("fonts-dejavu-core is not installed")
    for made, shipped in zip(make(target_dir=tmp_path), SHIPPED.values(), strict=True):
        assert TTFont(made).getBestCmap() == TTFont(shipped).getBestCmap()


@pytest.mark.parametrize(
    ("raw", "printed"),
    [
        ("Marcel·lí Güell", "Marcel·lí Güell"),
        ("Jose\u0301", "José"),  # decomposed accents are composed
        ("Nguyễn Thị", "Nguyen Thi"),  # letters we do not ship keep their base letter
        ("Ștefan Ţepeş", "Ștefan Ţepeş"),
        ("Дмитрий", "???????"),  # no base letter: a visible mark, never a blank box
        ("tab\there\r\nline", "tab here\nline"),
        ("zero\u200bwidth", "zerowidth"),
    ],
)
def test_printable_text(raw: str, printed: str) -> None:
    assert printable(raw) == printed
