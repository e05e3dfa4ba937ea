"""Inscripcions a activitats: the civic centres' courses and workshops with limited places. The citizen
sees their applications and where each stands (pre-registered until the draw; after it a place and the
fee to pay, or a position on the waiting list), chooses an open activity, may leave a contact for the
result (with the consent), reviews, and gets the application number and its printed justificant. With a
certificate login or a phone hand-off (the catalogue's `accepts`); the backend takes one application per
citizen and activity.

The places are given by a public draw after the window closes (`python -m municipal draw`), not by who
came first, so an activity with more applicants than places still takes applications. The fee is shown
only: it is paid with the payment document the Ajuntament sends (the kiosk's payment of bills is another
procedure), never here.

The citizen may also withdraw one of their applications that stands (pre-registered, with a place or on
the waiting list): chosen on the first step, then the application from their own (those the first step
showed), a confirmation that says what happens (a place goes at once to the first on the waiting list;
one cannot apply again for the activity), and the backend's answer on the screen (nothing to print, as
an appointment cancelled). One withdrawn meanwhile (`application_withdrawn`) is the backend's plain
message."""

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
from kiosk.procedures.fields import Choice, PickList, Tick
from kiosk.procedures.flow import Procedure, Submission, fresh
from kiosk.procedures.frame import Doing, LoadingStep, NothingToPrint, ResultStep, ReviewStep, StepScreen
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
#: What the citizen can do after seeing their applications (the second only with one that stands).
ACTIONS = {
    "apply": N_("Apply for an activity"),
    "withdraw": N_("Withdraw one of my applications"),
}
#: What withdrawing an application does, by where it stands: said on the confirmation, then when done.
WITHDRAWAL = {
    "applied": (
        N_("It will not take part in the draw."),
        N_("It will not take part in the draw."),
    ),
    "place": (
        N_("Your place will go at once to the first person on the waiting list, if there is anyone on it."),
        N_("Your place has been given to the first person on the waiting list, if there was anyone on it."),
    ),
    "waiting": (
        N_("You will leave the waiting list, and the people after you move up one position."),
        N_("You have left the waiting list."),
    ),
}


@dataclass(frozen=True)
class ActivitatsState(ContactState):
    """The contact is for the result of the draw."""

    listing: ActivitiesOut | None = None
    """The open activities and the citizen's applications, as the backend answered."""
    activities: tuple[tuple[str, str], ...] = ()
    """The open activities' pick-list options (code, label), those applied for left out."""
    activity: str | None = None
    action: str = "apply"
    mine: tuple[tuple[str, str], ...] = ()
    """The citizen's applications that can be withdrawn, as pick-list options (number, label), made from
    `listing`."""
    withdraw: str | None = None
    """The number of the application to withdraw."""


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
    FIELDS = (Choice("action", N_("What do you want to do?"), ACTIONS),)

    def load(self, backend: BackendClient, token: str, language: str) -> ActivitiesOut:
        return backend.activities(token, language=language)

    def loaded(self, value: ActivitiesOut) -> None:
        self.flow.update(mine=withdrawable(value))
        super().loaded(value)

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
        if standing(value):
            yield from self.compose_fields(self.FIELDS)


class ActivityStep(Doing, StepScreen[ActivitatsState]):
    ACTION = "apply"
    STEP = N_("Activity")
    FIELDS = (
        PickList(
            "activity",
            "activities",
            load=activity_options,
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


class ContactStep(Doing, ConsentedContactStep[ActivitatsState]):
    ACTION = "apply"
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


class ActivitatsReview(Doing, ReviewStep[ActivitatsState]):
    ACTION = "apply"

    def rows(self) -> Iterable[tuple[str, str]]:
        label = next((name for code, name in self.state.activities if code == self.state.activity), "")
        yield from _activity_rows(chosen(self.state), label)
        yield from contact_rows(self.state)


def submit(s: Submission[ActivitatsState]) -> ActivityJustificant | Application:
    state = s.state
    if state.action == "withdraw":
        assert state.withdraw is not None, "the withdraw step requires an application"
        what = ["withdraw", state.withdraw, s.language]
        return s.backend.withdraw_activity(
            s.token or "", state.withdraw, idempotency_key=s.key(what), language=s.language
        )
    assert state.activity is not None, "the activity step requires an activity"
    contact = state.contact()
    body = [state.activity, contact, s.language]
    return s.backend.apply_activity(
        s.token or "", state.activity, contact, idempotency_key=s.key(body), language=s.language
    )


class ActivitatsResult(Doing, ResultStep[ActivitatsState, ActivityJustificant]):
    ACTION = "apply"

    def headline(self) -> str:
        return _("Your application for {activity} is registered. Application number: {number}").format(
            activity=self.document.activity.name, number=self.document.application_number
        )

    def rows(self) -> Iterable[tuple[str, str]]:
        yield N_("Application number"), self.document.application_number
        yield from _activity_rows(self.document.activity, "")
        yield N_("Payment"), _(FEE_NOTE)


# --- withdraw one of my applications ---------------------------------------------------------------


def standing(listing: ActivitiesOut) -> list[Application]:
    """The citizen's applications that can be withdrawn (all but those withdrawn already)."""
    return [a for a in listing.applications if a.state != "withdrawn"]


def application_label(application: Application) -> str:
    """What the pick-list shows of an application: the activity, its number and where it stands."""
    return " · ".join((application.activity.name, application.number, state_text(application)))


def withdrawable(listing: ActivitiesOut) -> tuple[tuple[str, str], ...]:
    """The withdraw step's pick-list options (number, label), from the applications the first step showed."""
    return tuple((a.number, application_label(a)) for a in standing(listing))


def withdrawing(state: ActivitatsState) -> Application | None:
    """The application chosen to withdraw, as the first step listed it (where it stood before)."""
    found = state.listing.applications if state.listing else ()
    return next((a for a in found if a.number == state.withdraw), None)


def _withdrawal_rows(application: Application | None, number: str, done: bool) -> Iterable[tuple[str, str]]:
    yield N_("Application number"), number
    if application is not None:
        yield N_("Activity"), application.activity.name
        yield N_("Centre"), application.activity.centre
        yield N_("What happens"), _(WITHDRAWAL[application.state][done])


class WithdrawStep(Doing, StepScreen[ActivitatsState]):
    ACTION = "withdraw"
    STEP = N_("Application to withdraw")
    FIELDS = (
        PickList(
            "withdraw",
            "mine",  # the first step's applications
            label=N_("Your applications"),
            prompt=N_("Choose the application to withdraw"),
            required=N_("Choose the application you want to withdraw."),
        ),
    )


class WithdrawReview(Doing, ReviewStep[ActivitatsState]):
    """The confirmation: what will be withdrawn, and what happens to its place."""

    ACTION = "withdraw"
    STEP = N_("Confirm")
    NEXT_LABEL = N_("Withdraw the application")
    INTRO = N_(
        "Do you want to withdraw this application? It cannot be undone: you cannot apply for this "
        "activity again."
    )

    def cancel_label(self) -> str:
        return _("Keep it")

    def rows(self) -> Iterable[tuple[str, str]]:
        application = withdrawing(self.state)
        if application is not None:
            yield N_("Where it stands"), state_text(application)
        yield from _withdrawal_rows(application, self.state.withdraw or "", done=False)


class WithdrawResult(Doing, NothingToPrint[ActivitatsState]):
    ACTION = "withdraw"

    @property
    def withdrawn(self) -> Application:
        assert isinstance(self.result, Application)
        return self.result

    def headline(self) -> str:
        return _("Your application {number} for {activity} is withdrawn.").format(
            number=self.withdrawn.number, activity=self.withdrawn.activity.name
        )

    def rows(self) -> Iterable[tuple[str, str]]:
        yield from _withdrawal_rows(withdrawing(self.state), self.withdrawn.number, done=True)


SPEC = Procedure(
    codes=("activitats",),
    title=N_("Courses and workshops of the civic centres"),
    steps=(
        ApplicationsStep,
        ActivityStep,
        ContactStep,
        ActivitatsReview,
        ActivitatsResult,
        WithdrawStep,
        WithdrawReview,
        WithdrawResult,
    ),
    start=fresh(ActivitatsState),
    submit=submit,
)
