"""The espeak-ng voice for real: each kiosk language said into a WAV file that has sound in it; a new
utterance or `stop()` kills the one being said."""

from __future__ import annotations

import array
import math
import subprocess
import time
import wave
from pathlib import Path

import pytest

from kiosk.speech.espeak import VOICES, EspeakSpeech, available, command

SENTENCES = {
    "ca": "Benvinguts a l'Ajuntament de Mataró.",
    "es": "Bienvenidos al Ayuntamiento de Mataró.",
    "en": "Welcome to Mataró city council.",
    "fr": "Bienvenue à la mairie de Mataró.",
    "ro": "Bine ați venit la primăria din Mataró.",
}


def _voices() -> set[str]:
    out = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True, check=True).stdout
    return {line.split()[1] for line in out.splitlines()[1:] if len(line.split()) > 1}


@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_each_language_makes_a_wav_with_sound(language: str, tmp_path: Path) -> None:
    if not available():
        pytest.skip("espeak-ng is not installed (Debian package espeak-ng; `make deps` installs it)")
    if VOICES[language] not in _voices():
        pytest.skip(f"espeak-ng has no voice {VOICES[language]!r} for {language} on this machine")
    path = tmp_path / f"{language}.wav"
    EspeakSpeech(volume=60).wav(SENTENCES[language], language, path)
    with wave.open(str(path)) as wav:
        frames = wav.readframes(wav.getnframes())
        seconds = wav.getnframes() / wav.getframerate()
        assert wav.getsampwidth() == 2
    samples = array.array("h", frames)
    rms = math.sqrt(sum(s * s for s in samples) / len(samples))
    assert seconds > 1.0, f"{language}: only {seconds:.2f} s"
    assert rms > 300, f"{language}: RMS {rms:.0f}, silence"


def test_the_text_goes_on_stdin_and_never_as_markup() -> None:
    args = command("espeak-ng", "ca", 150, 50)
    assert "-m" not in args and args[-1] == "--stdin" and args[args.index("-a") + 1] == "100"


def test_a_new_utterance_and_stop_kill_the_one_being_said(tmp_path: Path) -> None:
    if not available():
        pytest.skip("espeak-ng is not installed (Debian package espeak-ng)")
    fake = tmp_path / "fake-espeak"  # plays for a long time, like a long text on a sound card
    fake.write_text("#!/bin/sh\ncat > /dev/null\nexec sleep 30\n")
    fake.chmod(0o755)
    voice = EspeakSpeech(str(fake))
    voice.say("u" * 50, "ca")
    first = voice._process
    assert first is not None and voice.speaking
    started = time.monotonic()
    voice.say("second", "es")
    assert first.poll() is not None
    voice.stop()
    assert not voice.speaking and time.monotonic() - started < 2
