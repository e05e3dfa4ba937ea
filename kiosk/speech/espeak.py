"""The espeak-ng voice (Debian `espeak-ng`): one subprocess per utterance, killed to interrupt it.

No daemon and no audio session are needed (speech-dispatcher needs both); espeak-ng plays on the default
audio output, or writes a WAV file (`wav()`, used by the tests on machines with no sound card). The text goes
to the subprocess on its standard input, never on the command line (a text that starts with "-" would be an
option) and never with `-m` (SSML markup is never interpreted).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from kiosk.speech.port import MAX_VOLUME, Volume, clamp_volume

log = logging.getLogger(__name__)

#: The espeak-ng voice of each kiosk language (Debian 12's espeak-ng-data names).
VOICES = {"ca": "ca", "es": "es", "en": "en-gb", "fr": "fr-fr", "ro": "ro"}
#: espeak-ng's amplitude (`-a`) at `MAX_VOLUME`; 100 is espeak-ng's own default.
MAX_AMPLITUDE = 200
#: Seconds to wait for a killed espeak-ng to go.
KILL_WAIT_SECONDS = 1.0


def voice_for(language: str) -> str:
    """The espeak-ng voice of `language` (a kiosk language code); unknown codes speak Catalan."""
    return VOICES.get(language, VOICES["ca"])


def command(binary: str, text_voice: str, rate: int, volume: int, wav: Path | None = None) -> list[str]:
    """The espeak-ng command line (the text comes on stdin: `--stdin`)."""
    amplitude = round(clamp_volume(volume) * MAX_AMPLITUDE / MAX_VOLUME)
    args = [binary, "-v", text_voice, "-s", str(rate), "-a", str(amplitude)]
    if wav is not None:
        args += ["-w", str(wav)]
    return [*args, "--stdin"]


def available(binary: str = "espeak-ng") -> bool:
    return shutil.which(binary) is not None


class EspeakSpeech(Volume):
    """`Speech` through espeak-ng. A missing binary is logged once and the kiosk stays silent."""

    def __init__(self, binary: str = "espeak-ng", *, rate: int = 160, volume: int = 50) -> None:
        self.binary = binary
        self.rate = rate
        self.volume = volume
        self._process: subprocess.Popen[bytes] | None = None
        self._missing_logged = False

    @property
    def speaking(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def say(self, text: str, language: str) -> None:
        self.stop()
        if not text.strip():
            return
        try:
            process = subprocess.Popen(
                command(self.binary, voice_for(language), self.rate, self.volume),
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError as error:
            if not self._missing_logged:
                log.error("speech: cannot run %s: %s", self.binary, error.strerror)
                self._missing_logged = True
            return
        self._process = process
        assert process.stdin is not None
        try:
            # An utterance is far smaller than a pipe's buffer: this write does not block.
            process.stdin.write(text.encode("utf-8"))
            process.stdin.close()
        except OSError:
            pass  # it was stopped already

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.kill()
        try:
            process.wait(KILL_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            log.warning("speech: espeak-ng did not stop when killed")

    def close(self) -> None:
        self.stop()

    def wav(self, text: str, language: str, path: Path, timeout: float = 30.0) -> None:
        """Write `text` said in `language` to the WAV file `path` (waits until it is written)."""
        subprocess.run(
            command(self.binary, voice_for(language), self.rate, self.volume, wav=path),
            input=text.encode("utf-8"),
            check=True,
            timeout=timeout,
            capture_output=True,
        )
