"""Make the pre-subset fonts shipped in this folder: `python -m printing.fonts.subset_fonts [SOURCE_DIR]`.

Run by a developer, not at runtime: the subset TTFs are committed, so printing never depends on the
fonts installed on the machine. The source is Debian's `fonts-dejavu-core` (DejaVu 2.37). Pre-subsetting
matters for speed: parsing the full 700 KB TTF and subsetting it dominated the rendering time of a
document. The character set covers Catalan, Spanish and the other Latin-script names a padró holds
(Latin-1, Latin Extended-A, Romanian ș ț), plus the typography and symbols our documents print.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset

from printing.fonts.charset import UNICODES

HERE = Path(__file__).parent
DEBIAN_DIR = Path("/usr/share/fonts/truetype/dejavu")
#: (source file, shipped file): one regular and one bold face of the same family.
FACES = (("DejaVuSans.ttf", "DejaVuSans-subset.ttf"), ("DejaVuSans-Bold.ttf", "DejaVuSans-Bold-subset.ttf"))


def make(source_dir: Path = DEBIAN_DIR, target_dir: Path = HERE) -> list[Path]:
    made = []
    for source, target in FACES:
        options = subset.Options()
        # Keep every name record: the Bitstream Vera licence requires the copyright notices to travel.
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.name_legacy = True
        options.notdef_outline = True
        options.recommended_glyphs = True
        # fpdf2 does no shaping here, and a deterministic, small file is what we want.
        options.layout_features = []
        # Hinting only helps screens at small pixel sizes; dropping it halves the files to embed.
        options.hinting = False
        options.drop_tables += ["FFTM", "GPOS", "GSUB", "GDEF"]
        font = subset.load_font(str(source_dir / source), options, dontLoadGlyphNames=False)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=UNICODES)
        subsetter.subset(font)
        out = target_dir / target
        subset.save_font(font, str(out), options)
        made.append(out)
    return made


if __name__ == "__main__":
    for path in make(Path(sys.argv[1]) if len(sys.argv) > 1 else DEBIAN_DIR):
        print(f"{path.name}: {path.stat().st_size} bytes")
