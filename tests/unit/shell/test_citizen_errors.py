"""Errors, warnings and notices a citizen can meet: each says what happened and what to do next, in short
plain words, in every language of the kiosk.

`NEXT_STEP` lists every such message id with the part of it that says what to do next; `FOLLOWED` the
reasons that are always shown with a next step after them (the print screen's faults); `PENDING` the
messages still without a next step, each with the wording asked of the file's owner (the list must shrink:
a message fixed or gone has to leave it). Any message that reads like an error ("could not", "cannot",
"wrong", "expired", ...) and is in none of these lists, nor in `NOT_ERRORS`, fails the first test, so a new
error cannot slip in without its next step.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
LOCALE = ROOT / "kiosk" / "locale"
LANGUAGES = ("ca", "es", "fr", "ro")

AGAIN = "Please try again, or ask at the counter."
COUNTER = "Please ask at the counter."
RENAME = "rename the file."
START_AGAIN = "You can start again."
TRY_IN_A_MOMENT = "try again in a moment, or ask at the counter."

#: message id -> the part of it that tells the citizen what to do next.
NEXT_STEP: dict[str, str] = {
    # catalogue
    "The City Council's services cannot be reached right now, so the list of procedures cannot be shown. "
    "Please try again in a few minutes, or ask at the Citizen Service Office.": "Please try again in a few "
    "minutes, or ask at the Citizen Service Office.",
    "No procedure matches your search. Try another word, or ask at the counter.": "Try another word, or ask "
    "at the counter.",
    # the shell
    "This procedure cannot be done at this kiosk yet. Please ask at the counter.": COUNTER,
    "The kiosk could not complete this step. Please try again, or ask at the counter.": AGAIN,
    "Wrong PIN. Wait a moment and try again.": "Wait a moment and try again.",
    # identification with a card or the phone
    "Wrong PIN. You have one try left: if the next PIN is wrong too, your card will be locked. If you are "
    "not sure of your PIN, do not try again.": "If you are not sure of your PIN, do not try again.",
    "Wrong PIN. Check it and try again: after a few wrong tries the card is locked.": "Check it and try "
    "again",
    "The PIN of your card is locked. You can unlock it with your fingerprint at a Punto de Actualización "
    "del DNIe, at the police stations that issue the DNIe.": "You can unlock it with your fingerprint",
    "The PIN of your card is locked. The entity that issued your card can unlock it.": "The entity that "
    "issued your card can unlock it.",
    "This DNIe can no longer be used: its chip has been deactivated. Go to a police station that issues the "
    "DNIe (Punto de Actualización del DNIe) to renew it.": "Go to a police station",
    "The card was read through its antenna, which this kiosk does not use. Take it out and insert the card "
    "chip first into the reader, with the chip facing up.": "Take it out and insert the card",
    "This card cannot be used to identify you here. Use your DNIe or a certificate card such as idCAT or "
    "FNMT. You can also ask at the counter.": "Use your DNIe",
    "The certificate on your card expired on {date}. You can renew it at a Punto de Actualización del DNIe "
    "(police station), or with the entity that issued your card.": "You can renew it",
    "The certificate on your card is not valid yet. Check the date on your card or ask at the counter.": (
        "Check the date on your card"
    ),
    "The card reader is ready. You can insert your card.": "You can insert your card.",
    "Wrong PIN. You have {tries} tries left. Check it and try again.": "Check it and try again.",
    "No card reader is connected right now. Please ask at the counter.": COUNTER,
    "The card reader has stopped working, so your session has ended and nothing of it has been kept. Take "
    "your card out. You can start again when the reader is ready, or ask at the counter.": "Take your card "
    "out.",
    "The city cannot accept the certificate on this card: it was not issued by an authority the city "
    "recognises. Use your DNIe or an idCAT or FNMT certificate.": "Use your DNIe",
    "The certificate on this card has been revoked and can no longer be used. You can get a new one at a "
    "Punto de Actualización del DNIe, or from the entity that issued it.": "You can get a new one",
    "The certificate on your card has expired. You can renew it at a Punto de Actualización del DNIe.": "You "
    "can renew it",
    "The city's system did not accept the identification. Please ask at the counter.": COUNTER,
    "The city's system is not answering right now. Please try again in a few minutes.": "Please try again",
    "This kiosk cannot identify citizens right now. Please ask at the counter.": COUNTER,
    "The card could not be read. Take it out, insert it again and wait a moment.": "Take it out, insert it "
    "again",
    "The time to identify with your phone has run out. You can start again.": START_AGAIN,
    "The identification on your phone was cancelled or not completed. You can start again.": START_AGAIN,
    "Identification with your phone is not available right now. Please use your card.": "Please use your "
    "card.",
    "The identification with your phone could not be completed. You can start again.": START_AGAIN,
    # printing
    "The printer has run out of paper. Please ask a member of staff to refill it.": "Please ask a member of "
    "staff",
    "The paper is stuck inside the printer. Please ask a member of staff to clear it.": "Please ask a member "
    "of staff",
    "The printer is not answering. Please ask a member of staff to check it.": "Please ask a member of staff",
    "It was not printed. You can press Print to try again.": "You can press Print to try again.",
    # procedures: the city hall's service
    "The city hall's service did not answer. Please try again in a moment: if your request had already "
    "arrived, it will not be registered twice.": "Please try again in a moment",
    "Your session with the city hall has expired. Please identify yourself again.": "Please identify "
    "yourself again.",
    "This kiosk cannot do this procedure right now. Please ask at the counter.": COUNTER,
    "The city hall's service could not complete this step. Please try again, or ask at the counter.": AGAIN,
    "The list could not be loaded: the city hall's service did not answer. It will be tried again in a few "
    "seconds.": "It will be tried again in a few seconds.",
    "The list could not be loaded: the city hall's service did not answer. Please go back and try again "
    "later, or ask at the counter.": "Please go back and try again later",
    # procedures: fields and files
    "To leave a contact, please tick the consent box (or leave the contact empty).": "please tick the "
    "consent box",
    "Please wait: the files are still being copied.": "Please wait",
    "Contains control or invisible characters; please type the text again.": "please type the text again.",
    "Emoji cannot be registered; please remove them.": "please remove them.",
    "These characters cannot be printed; please write them another way: {chars}": "please write them "
    "another way",
    "This is not a valid DNI or NIE: check the digits and the letter.": "check the digits and the letter.",
    "Write the date as day/month/year, for example 15/04/1980.": "Write the date as day/month/year",
    "Name too long ({length} characters, at most {limit}): rename the file.": RENAME,
    "The name has invisible characters: rename the file.": RENAME,
    'The name has two dots in a row (".."), which the registry does not accept: rename the file.': RENAME,
    "The name is only dots and spaces: rename the file.": RENAME,
    "The name has characters the receipt cannot print: rename the file.": RENAME,
    "The name of the folder has invisible characters: rename the folder.": "rename the folder.",
    "Too many files on the USB stick: only the first {count} are shown. Put the files to attach in a folder "
    "with fewer files.": "Put the files to attach in a folder",
    "Links and special files on the USB stick cannot be attached and are not shown ({count}). Copy the files "
    "themselves onto the USB stick.": "Copy the files themselves",
    "The file changed on the USB stick after it was listed: choose it again.": "choose it again.",
    "The kiosk is not allowed to read this file (it is protected on the USB stick): copy it without "
    "protection, or bring it on paper.": "copy it without protection, or bring it on paper.",
    "The file is empty. Choose another file.": "Choose another file.",
    "This file is not a PDF, JPEG or PNG (the kiosk checks its content, not its name). Choose another file, "
    "or bring it on paper.": "Choose another file, or bring it on paper.",
    "Too big ({size}); at most {limit} per file. Make it smaller, or bring it on paper.": "Make it smaller, "
    "or bring it on paper.",
    "A file with this name is already attached. Rename one of them.": "Rename one of them.",
    "At most {limit} files can be attached. Take one back to attach another.": "Take one back",
    "Together the files would pass {limit}. Take one back to attach this one.": "Take one back",
    "The file could not be read. Check that the USB stick is plugged in and choose the file again.": "Check "
    "that the USB stick is plugged in and choose the file again.",
    "The file could not be read. Choose it again, or bring it on paper.": "Choose it again, or bring it on "
    "paper.",
    "No USB stick found, or it has no files. Plug it in, or go on without attachments.": "Plug it in, or go "
    "on without attachments.",
    "The kiosk could not copy the file: try again in a moment, or ask at the counter.": TRY_IN_A_MOMENT,
    "The kiosk has no room left to copy the file. What you have written and attached is kept: try again in "
    "a moment, or ask at the counter.": TRY_IN_A_MOMENT,
    "Electronic notification needs an email address. Type your email, or choose to receive the answer by "
    "post.": "Type your email, or choose to receive the answer by post.",
    "This field is required: please fill it in.": "please fill it in.",
    "Too long: {length} characters, at most {limit}. Please shorten it.": "Please shorten it.",
    "This is not a valid email address: check it (for example: name@example.cat).": "check it",
    "This is not a valid phone number: check it (9 digits, or + and the country code).": "check it",
    "This is not a valid postal code: type its 5 digits, for example 08301.": "type its 5 digits",
    # procedures: an appointment (cita prèvia)
    "There are no free appointments for this service in the next {days} days. Please call 010, or ask at the "
    "OAC counter.": "Please call 010, or ask at the OAC counter.",
    # staff: training
    "The test cards are not available on this kiosk. To use them, start the kiosk in demo mode (make "
    "demo).": "To use them, start the kiosk in demo mode",
    "Nothing was erased: this kiosk is connected to a service that is not in training mode. Check the "
    "kiosk's settings.": "Check the kiosk's settings.",
    "The training service did not answer. Try again in a moment.": "Try again in a moment.",
    "The training service does not accept this kiosk. Ask the administrator to register it for "
    "training.": "Ask the administrator",
    "The training data could not be reset. Try again, or restart the training service.": "Try again, or "
    "restart the training service.",
}

#: A reason that is always shown with a next step after it: reason -> the next step shown with it.
PRINT_AGAIN = "You can try again, or ask a member of staff for help."
FOLLOWED: dict[str, str] = {
    "The printer has run out of paper.": PRINT_AGAIN,
    "The paper is stuck inside the printer.": PRINT_AGAIN,
    "The printer is switched off or not connected.": PRINT_AGAIN,
    "The printer has been stopped and is not printing right now.": PRINT_AGAIN,
    "The printer could not print the document.": PRINT_AGAIN,
    "The kiosk cannot reach its printer service.": PRINT_AGAIN,
    "The printer took too long, so the kiosk cancelled the printing.": PRINT_AGAIN,
    "The document was not printed": PRINT_AGAIN,
    "You are not registered in Mataró's padró.": "Volants and certificates can only be issued to people "
    "registered in Mataró. If you live in Mataró, register at the OAC (bring your DNI, NIE or passport and "
    "your tenancy agreement or title deed). If you are registered in another town, ask that town's city "
    "hall for the document.",
}

#: Still without a next step, in files owned elsewhere: message id -> the wording asked for.
PENDING: dict[str, str] = {}

#: Read like errors but are not: badges, states and information with their way on beside them.
NOT_ERRORS = {
    "Something went wrong",  # the error modal's title, over the message
    "Reading your card… Do not take it out.",  # progress, with the instruction
    "Checking your PIN… Do not take your card out.",
    "It cannot be completed at this kiosk.",  # a catalogue badge; "Where to go" follows
    "Not with the phone.",
    "No digital certificate needed.",
    "You have no deixalleria card yet.",  # the "Request a card" button follows
    "No waste-tax bonus for {tax_year}: {visits} visits in {last} did not reach the first band.",
    "Not loaded: trying again…",  # the kiosk tries again by itself
    "No free times",  # the empty list of times; the notice beside it says to call 010 or ask at the OAC
    "You have not applied for any activity yet.",  # a state, not a fault: Next leads to the open activities
    # the withdraw confirmation's question; its two buttons (withdraw, keep it) follow
    "Do you want to withdraw this application? It cannot be undone: you cannot apply for this activity "
    "again.",
    "It will not take part in the draw.",  # what withdrawing a pre-registration does, on that confirmation
    "The list could not be loaded",  # a heading over the sentences above
    "Cancelled",
    "Reported lost",
    "not read aloud",
    "not selected",
    "not ticked",
    "Your data will not be read aloud.",
    "Do not forget your printed papers.",
    "The document will print as soon as it is fixed.",
    "Without a card you can still use the complaints and suggestions box, and see your deixalleria visits. "
    "Free workshops teach how to get an idCAT certificate: ask at the OAC.",
    "A volant informs; a certificate certifies. Offices usually accept them for three months.",
}

#: Looks like something went wrong.
ERROR_LIKE = re.compile(
    r"could not|cannot|can no longer|not valid|not a |wrong|expired|locked|revoked|refused|failed|did not|"
    r"not answering|not accept|not available|not allowed|not registered|not connected|not printed|"
    r"too (long|big|many)|at most|is empty|run out|stuck|required|no longer|\bno \w+ (found|matches)|"
    r"not running|nothing was|stopped working|no room|\bno free\b|\bnot\b",
    re.IGNORECASE,
)
#: Words of the program, not of the citizen (any language: they leak untranslated).
PROGRAM_WORDS = re.compile(
    r"\b(backend|back-end|token|https?|pkcs(#11)?|api|json|tls|ssl|cups|pcscd?|apdu|traceback|exception|"
    r"errno|stack ?trace|timeout|time-out|null|none|config|server|servidor|serveur|serverul|endpoint|"
    r"status code|sw=|0x[0-9a-f]+)\b",
    re.IGNORECASE,
)

SHOWN = {**NEXT_STEP, **FOLLOWED, **PENDING}


def _catalogues(locale: Path, lang: str | None) -> dict[str, Catalog]:
    paths = sorted(locale.glob("*.pot") if lang is None else (locale / lang / "LC_MESSAGES").glob("*.po"))
    catalogues: dict[str, Catalog] = {}
    for path in paths:
        with path.open("rb") as f:
            catalogues[path.stem] = read_po(f)
    return catalogues


def _source_ids(locale: Path) -> set[str]:
    return {m.id for c in _catalogues(locale, None).values() for m in c if isinstance(m.id, str) and m.id}


def unlisted(locale: Path = LOCALE) -> list[str]:
    """Source messages that read like errors and are in no list."""
    ids = _source_ids(locale)
    return sorted(m for m in ids if ERROR_LIKE.search(m) and m not in SHOWN and m not in NOT_ERRORS)


def _sentences(text: str) -> int:
    """Sentences ended by '.', '?' or '!' (a colon or a semicolon joins two parts of one sentence)."""
    return len(re.findall(r"[.?!](\s|$)", text.replace("...", "…")))


def translation_problems(lang: str, locale: Path = LOCALE) -> list[str]:
    """Each listed message in `lang`: present, not fuzzy, not left in English, no program word, and no
    sentence fewer than the English (the next step is a sentence of its own)."""
    translations: dict[str, tuple[str, bool]] = {}
    for catalogue in _catalogues(locale, lang).values():
        for m in catalogue:
            if isinstance(m.id, str) and m.id:
                translations[m.id] = (str(m.string or ""), m.fuzzy)
    problems: list[str] = []
    for msgid in sorted({*SHOWN, *FOLLOWED.values()}):
        if msgid not in translations:
            problems.append(f"missing: {msgid!r}")
            continue
        text, fuzzy = translations[msgid]
        if not text or fuzzy:
            problems.append(f"empty or fuzzy: {msgid!r}")
        elif text == msgid:
            problems.append(f"left in English: {msgid!r}")
        elif word := PROGRAM_WORDS.search(text):
            problems.append(f"program word {word.group(0)!r}: {text!r}")
        elif _sentences(text) < _sentences(msgid):
            problems.append(f"a sentence (the next step?) lost: {msgid!r} -> {text!r}")
    return problems


def test_every_error_like_message_is_listed() -> None:
    missing = unlisted()
    assert not missing, "errors without a listed next step (add to NEXT_STEP or PENDING):\n" + "\n".join(
        missing
    )


def test_every_listed_message_exists() -> None:
    ids = _source_ids(LOCALE)
    gone = sorted(m for m in [*SHOWN, *FOLLOWED.values(), *NOT_ERRORS] if m not in ids)
    assert not gone, "listed but no longer in the sources (a PENDING one fixed? move it):\n" + "\n".join(gone)


@pytest.mark.parametrize("msgid", sorted(NEXT_STEP))
def test_every_error_says_what_happened_and_what_to_do(msgid: str) -> None:
    step = NEXT_STEP[msgid]
    assert step and step in msgid, f"no next step {step!r} in {msgid!r}"
    happened = msgid.replace(step, "").strip(" .,:;")
    assert len(happened.split()) >= 2, f"says what to do but not what happened: {msgid!r}"


def test_every_reason_is_followed_by_a_next_step() -> None:
    for reason, then in FOLLOWED.items():
        assert then not in FOLLOWED, f"{reason!r} is followed by another bare reason"
        assert then in NEXT_STEP or re.search(r"\b(try again|ask|register|you can)\b", then, re.I), then


@pytest.mark.parametrize("msgid", sorted(SHOWN))
def test_every_error_has_no_program_words(msgid: str) -> None:
    assert not PROGRAM_WORDS.search(msgid), f"program word in {msgid!r}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_error_is_translated_plainly(lang: str) -> None:
    problems = translation_problems(lang)
    assert not problems, f"{lang}:\n" + "\n".join(problems)


OLD = "The training backend does not accept this kiosk."
NEW = "The training service does not accept this kiosk. Ask the administrator to register it for training."
RESET = "The training data could not be reset. Try again, or restart the training service."


def test_the_checks_fail_on_bad_messages(tmp_path: Path) -> None:
    """The wording this list replaced, and three bad translations, each caught."""
    locale = tmp_path / "locale"
    shutil.copytree(LOCALE, locale, ignore=shutil.ignore_patterns("*.mo"))
    assert not unlisted(locale) and not translation_problems("fr", locale)

    def edit(path: Path, old: str, new: str) -> None:
        text = path.read_text(encoding="utf-8")
        assert old in text, (path, old)
        path.write_text(text.replace(old, new), encoding="utf-8")

    edit(locale / "procedures.pot", f'msgid "{NEW}"', f'msgid "{OLD}"')  # the old English, no next step
    assert unlisted(locale) == [OLD]

    po = {lang: locale / lang / "LC_MESSAGES" / "procedures.po" for lang in ("fr", "ro", "es")}
    edit(po["fr"], "Réessayez, ou redémarrez le service de formation.", "Redémarrez le backend.")
    edit(po["ro"], "Încercați din nou sau reporniți serviciul de instruire.", "")  # the next step dropped
    es = po["es"].read_text(encoding="utf-8")
    po["es"].write_text(re.sub(f'(msgid "{re.escape(RESET)}"\nmsgstr )".*"', f'\\1"{RESET}"', es), "utf-8")
    assert [p.split(":")[0] for p in translation_problems("fr", locale)] == ["program word 'backend'"]
    assert [p.split(":")[0] for p in translation_problems("ro", locale)] == [
        "a sentence (the next step?) lost"
    ]
    assert translation_problems("es", locale) == [f"left in English: {RESET!r}"]
