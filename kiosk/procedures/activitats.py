"""Inscripcions a activitats: the civic centres' courses and workshops with limited places. The citizen
sees their applications and where each stands (pre-registered until the draw; after it a place and the
fee to pay, or a position on the waiting list), chooses an open activity, may leave a contact for the
result (with the consent), reviews, and gets the application number and its printed justificant. With a
certificate login or a phone hand-off (the catalogue's `accepts`); the backend takes one application per
citizen and activity.

The places are given by a public draw after the window closes (`python -m municipal draw`), not by who
came first, so an activity with more applicants than places still takes applications. The fee is shown
only: it is paid with the payment document the Ajuntament sends (the kiosk's payment of bills is another
procedure), never here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, Static

from contract.activities import ActivitiesOut, Application, euros
from contract.documents import Activity, ActivityJustificant
from contract.localtime import local_zone
from kiosk.backend.client import BackendClient
from kiosk.i18n import N_, _
from kiosk.procedures import backend as api
from kiosk.procedures.bustia import EMAIL, PHONE, ConsentedContactStep, ContactState, contact_rows
from kiosk.procedures.fields import PickList, Tick
from kiosk.procedures.flow import Procedure, Submission, fresh
from kiosk.procedures.frame import LoadingStep, ResultStep, ReviewStep, StepScreen
from widgets.plain import plain

CONSENT = N_(
    "The Ajuntament de Mataró will use your contact details only to tell you the result of the draw and "
    "whether a place becomes yours from the waiting list, and will keep them as long as the law on public "
    "records requires (RGPD, Regulation (EU) 2016/679). You can ask to see, correct or erase them at any "
    "OAC office."
)
AGREED = Tick("consent", N_("I agree to my contact details being used to tell me the result"))
FEE_NOTE = N_(
    "If you get a place, the fee is paid with the payment document the Ajuntament will send you (or at the "
    "kiosk's bill payment, where there is one); nothing is paid now."
)


@dataclass(frozen=True)
class ActivitatsState(ContactState):
    """The contact is for the result of the draw."""

    listing: ActivitiesOut | None = None
    """The open activities and the citizen's applications, as the backend answered."""
    activities: tuple[tuple[str, str], ...] = ()
    """The open activities' pick-list options (code, label), those applied for left out."""
    activity: str | None = None


def fee_text(activity: Activity) -> str:
    """`35,00 € (reduced 17,50 €)`, or `Free`."""
    if not activity.fee_cents:
        return _("Free")
    if activity.reduced_fee_cents is None:
        return euros(activity.fee_cents)
    return _("{fee} (reduced {reduced})").format(
        fee=euros(activity.fee_cents), reduced=euros(activity.reduced_fee_cents)
    )


def state_text(application: Application) -> str:
    """Where an application stands, in the citizen's words."""
    activity = application.activity
    if application.state == "place":
        if not application.fee_cents:
            return _("You have a place. The activity is free.")
        return _("You have a place. Fee to pay: {fee}").format(fee=euros(application.fee_cents))
    if application.state == "waiting":
        return _("On the waiting list, position {position}").format(position=application.waiting_position)
    if application.state == "withdrawn":
        return _("Withdrawn")
    return _("Pre-registered: the draw is on {date}").format(date=draw_day(activity))


def draw_day(activity: Activity) -> str:
    """The draw's day on Mataró's calendar."""
    return api.local_date(activity.draw_at.astimezone(local_zone()).date())


def activity_label(activity: Activity) -> str:
    """What the pick-list shows of an activity: name, centre, schedule and fee."""
    return " · ".join((activity.name, activity.centre, activity.schedule, fee_text(activity)))


def activity_options(backend: BackendClient, token: str, language: str) -> list[tuple[str, str]]:
    answer = backend.activities(None, language=language)  # the open ones: the same for everyone
    return [(a.code, activity_label(a)) for a in answer.activities]


class ApplicationsStep(LoadingStep[ActivitatsState]):
    """The citizen's applications and where each stands."""

    STEP = N_("Your applications")
    LOADS = "listing"
    LOADING = N_("Looking up your applications…")

    def load(self, backend: BackendClient, token: str, language: str) -> ActivitiesOut:
        return backend.activities(token, language=language)

    def compose_loaded(self, value: ActivitiesOut) -> ComposeResult:
        if not value.applications:
            yield Static(
                _("You have not applied for any activity yet."), id="no-applications", classes="intro"
            )
        for application in value.applications:
            with Horizontal(classes="review-row application"):
                yield Label(plain(application.activity.name), classes="review-label")
                yield Static(
                    plain(f"{application.number} · {state_text(application)}"), classes="review-value"
                )
        yield Static(plain(_(FEE_NOTE)), classes="intro")


class ActivityStep(StepScreen[ActivitatsState]):
    STEP = N_("Activity")
    FIELDS = (
        PickList(
            "activity",
            "activities",
            activity_options,
            label=N_("Activity"),
            prompt=N_("Choose an activity"),
            loading_prompt=N_("Loading the open activities…"),
            required=N_("Choose the activity you want to apply for."),
        ),
    )

    def compose_body(self) -> ComposeResult:
        yield Static(
            plain(_("The places are given by a public draw when the pre-registration closes.")),
            classes="intro",
        )
        yield from super().compose_body()

    async def fetched(self, name: str) -> None:
        listing = self.state.listing
        applied = {a.activity.code for a in listing.applications} if listing else set()
        if name == "activities" and applied:  # applied for already: among the applications, not here
            self.flow.update(activities=tuple(o for o in self.state.activities if o[0] not in applied))
        await super().fetched(name)


class ContactStep(ConsentedContactStep[ActivitatsState]):
    INTRO = N_(
        "If you want to be told the result of the draw, leave an email or a phone number. It is optional."
    )
    CONSENT = CONSENT
    AGREED = AGREED
    FIELDS = (EMAIL, PHONE, AGREED)


def chosen(state: ActivitatsState) -> Activity | None:
    """The chosen activity, as the backend listed it."""
    found = state.listing.activities if state.listing else ()
    return next((a for a in found if a.code == state.activity), None)


def _activity_rows(activity: Activity | None, label: str) -> Sequence[tuple[str, str]]:
    if activity is None:
        return ((N_("Activity"), label),)
    return (
        (N_("Activity"), activity.name),
        (N_("Centre"), activity.centre),
        (N_("Schedule"), activity.schedule),
        (N_("Fee"), fee_text(activity)),
        (N_("Draw"), draw_day(activity)),
    )


class ActivitatsReview(ReviewStep[ActivitatsState]):
    def rows(self) -> Iterable[tuple[str, str]]:
        label = next((name for code, name in self.state.activities if code == self.state.activity), "")
        yield from _activity_rows(chosen(self.state), label)
        yield from contact_rows(self.state)


def submit(s: Submission[ActivitatsState]) -> ActivityJustificant:
    state = s.state
    assert state.activity is not None, "the activity step requires an activity"
    contact = state.contact()
    body = [state.activity, contact, s.language]
    return s.backend.apply_activity(
        s.token or "", state.activity, contact, idempotency_key=s.key(body), language=s.language
    )


class ActivitatsResult(ResultStep[ActivitatsState, ActivityJustificant]):
    def headline(self) -> str:
        return _("Your application for {activity} is registered. Application number: {number}").format(
            activity=self.document.activity.name, number=self.document.application_number
        )

    def rows(self) -> Iterable[tuple[str, str]]:
        yield N_("Application number"), self.document.application_number
        yield from _activity_rows(self.document.activity, "")
        yield N_("Payment"), _(FEE_NOTE)


SPEC = Procedure(
    codes=("activitats",),
    title=N_("Courses and workshops of the civic centres"),
    steps=(ApplicationsStep, ActivityStep, ContactStep, ActivitatsReview, ActivitatsResult),
    start=fresh(ActivitatsState),
    submit=submit,
)
