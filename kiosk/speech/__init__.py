"""Speech output (EN 301 549 5.1.3): the `Speech` port, its espeak-ng and recording voices, the screen
reader that builds what is said from the widgets shown, and the kiosk's speech service."""

from kiosk.speech.espeak import EspeakSpeech
from kiosk.speech.port import Speech
from kiosk.speech.reader import ItemList, describe_control, read_screen
from kiosk.speech.recording import RecordingSpeech, Utterance
from kiosk.speech.service import LISTEN_LABEL, ReadAgain, ReadPart, SpeechService, SpeechToggle

__all__ = [
    "LISTEN_LABEL",
    "EspeakSpeech",
    "ItemList",
    "ReadAgain",
    "ReadPart",
    "RecordingSpeech",
    "Speech",
    "SpeechService",
    "SpeechToggle",
    "Utterance",
    "describe_control",
    "read_screen",
]
