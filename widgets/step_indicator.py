"""The wizard's step indicator: "Pas 2 de 4 · Revisió" with a row of dots, one per step."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class StepIndicator(Static):
    """Shows step `step` of `total`. `template` is the already translated "Step {step} of {total}"."""

    DEFAULT_CSS = """
    StepIndicator {
        width: 100%;
        height: 1;
        text-style: bold;
    }
    """

    def __init__(
        self, step: int, total: int, label: str = "", template: str = "{step} / {total}", **kwargs: str
    ):
        super().__init__(**kwargs)  # type: ignore[arg-type]
        if not 1 <= step <= total:
            raise ValueError(f"step {step} is not between 1 and {total}")
        self.step = step
        self.total = total
        self.step_name = label
        self.template = template

    def on_mount(self) -> None:
        self.update(self.render_text())

    def render_text(self) -> Text:
        text = Text()
        for n in range(1, self.total + 1):
            text.append("● " if n <= self.step else "○ ", style="bold" if n == self.step else "")
        text.append(self.template.format(step=self.step, total=self.total), style="bold")
        if self.step_name:
            text.append(" · ")
            text.append(self.step_name)
        return text
