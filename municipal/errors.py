"""One error shape for every 4xx/5xx: `{"code", "message", "detail"}` (`contract.errors.ErrorOut`), the
message in the request's language.

Handlers turn FastAPI's own errors (validation, 404, 405) and any unexpected exception into that
shape, so a kiosk (or a city's client) reads every failure the same way. The database unreachable
(restarting, a cut connection: SQLAlchemy's `OperationalError`) is `503` with `Retry-After`, not `500`:
a passing condition, and a client repeats what is safe to repeat (a write with its Idempotency-Key,
whose first attempt either committed, and is then replayed, or did not).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from contract.errors import ErrorCode, ErrorOut

log = logging.getLogger(__name__)

LANGUAGES = ("ca", "es", "en")

#: code -> (ca, es, en), for every `ErrorCode`. Written for a citizen: the kiosk may show them as they are.
MESSAGES: dict[str, tuple[str, str, str]] = {
    "kiosk_unauthorised": (
        "Aquest punt d'autoservei no està autoritzat a connectar-se.",
        "Este punto de autoservicio no está autorizado a conectarse.",
        "This kiosk is not authorised to connect.",
    ),
    "session_required": (
        "Cal identificar-se per fer aquest tràmit.",
        "Es necesario identificarse para hacer este trámite.",
        "You need to identify yourself for this procedure.",
    ),
    "session_expired": (
        "La sessió ha caducat. Torneu a identificar-vos.",
        "La sesión ha caducado. Vuelva a identificarse.",
        "Your session has expired. Please identify yourself again.",
    ),
    "scope_forbidden": (
        "Per fer aquest tràmit cal identificar-se amb un certificat digital.",
        "Para hacer este trámite es necesario identificarse con un certificado digital.",
        "This procedure needs identification with a digital certificate.",
    ),
    "challenge_unknown": (
        "La identificació no s'ha pogut completar. Torneu-ho a provar.",
        "La identificación no se ha podido completar. Vuelva a intentarlo.",
        "Identification could not be completed. Please try again.",
    ),
    "challenge_used": (
        "Aquesta sol·licitud d'identificació ja s'ha fet servir. Torneu-ho a provar.",
        "Esta solicitud de identificación ya se ha utilizado. Vuelva a intentarlo.",
        "This identification request has already been used. Please try again.",
    ),
    "challenge_expired": (
        "Ha passat massa temps. Torneu a començar la identificació.",
        "Ha pasado demasiado tiempo. Vuelva a empezar la identificación.",
        "Too much time has passed. Please start the identification again.",
    ),
    "certificate_invalid": (
        "El certificat de la targeta no es pot llegir.",
        "El certificado de la tarjeta no se puede leer.",
        "The card's certificate cannot be read.",
    ),
    "certificate_untrusted": (
        "El certificat no l'ha emès una autoritat reconeguda per l'Ajuntament.",
        "El certificado no lo ha emitido una autoridad reconocida por el Ayuntamiento.",
        "The certificate was not issued by an authority the City Council recognises.",
    ),
    "certificate_expired": (
        "El certificat de la targeta ha caducat. Podeu renovar-lo en un punt d'actualització del DNIe.",
        "El certificado de la tarjeta ha caducado. Puede renovarlo en un punto de actualización del DNIe.",
        "The card's certificate has expired. You can renew it at a DNIe update point.",
    ),
    "certificate_not_yet_valid": (
        "El certificat de la targeta encara no és vàlid.",
        "El certificado de la tarjeta todavía no es válido.",
        "The card's certificate is not valid yet.",
    ),
    "certificate_revoked": (
        "El certificat de la targeta està revocat i no es pot fer servir.",
        "El certificado de la tarjeta está revocado y no se puede utilizar.",
        "The card's certificate has been revoked and cannot be used.",
    ),
    "certificate_wrong_usage": (
        "Aquest certificat no serveix per identificar-se.",
        "Este certificado no sirve para identificarse.",
        "This certificate cannot be used for identification.",
    ),
    "identity_invalid": (
        "El número d'identitat del certificat no és vàlid.",
        "El número de identidad del certificado no es válido.",
        "The identity number in the certificate is not valid.",
    ),
    "signature_invalid": (
        "La signatura de la targeta no és vàlida.",
        "La firma de la tarjeta no es válida.",
        "The card's signature is not valid.",
    ),
    "weak_login_failed": (
        "Les dades no coincideixen amb les del padró.",
        "Los datos no coinciden con los del padrón.",
        "The details do not match the padró (census) records.",
    ),
    "id_number_invalid": (
        "El DNI o NIE no és correcte. Reviseu-ne la lletra.",
        "El DNI o NIE no es correcto. Revise la letra.",
        "The DNI or NIE is not correct. Please check its letter.",
    ),
    "rate_limited": (
        "Massa intents. Espereu uns minuts i torneu-ho a provar.",
        "Demasiados intentos. Espere unos minutos y vuelva a intentarlo.",
        "Too many attempts. Please wait a few minutes and try again.",
    ),
    "not_registered": (
        "No consteu inscrit al padró de Mataró, i per això no podem emetre aquest document.",
        "No consta inscrito en el padrón de Mataró, y por eso no podemos emitir este documento.",
        "You are not registered in Mataró's padró (census), so this document cannot be issued.",
    ),
    "not_found": (
        "No s'ha trobat el que demaneu.",
        "No se ha encontrado lo que solicita.",
        "What you asked for was not found.",
    ),
    "document_not_found": (
        "No hi ha cap document amb aquest codi segur de verificació.",
        "No hay ningún documento con este código seguro de verificación.",
        "There is no document with this secure verification code.",
    ),
    "method_not_allowed": (
        "Operació no permesa.",
        "Operación no permitida.",
        "Operation not allowed.",
    ),
    "validation_error": (
        "Les dades enviades no són correctes.",
        "Los datos enviados no son correctos.",
        "The data sent is not correct.",
    ),
    "request_too_large": (
        "La sol·licitud és massa gran.",
        "La solicitud es demasiado grande.",
        "The request is too large.",
    ),
    "idempotency_conflict": (
        "Aquesta operació ja s'havia enviat amb unes altres dades.",
        "Esta operación ya se había enviado con otros datos.",
        "This operation was already sent with different data.",
    ),
    "department_unknown": (
        "El departament triat no existeix.",
        "El departamento elegido no existe.",
        "The chosen department does not exist.",
    ),
    "attachment_too_many": (
        "Podeu adjuntar com a màxim 10 fitxers.",
        "Puede adjuntar como máximo 10 archivos.",
        "You can attach at most 10 files.",
    ),
    "attachment_too_large": (
        "Cada fitxer pot ocupar com a màxim 10 MB.",
        "Cada archivo puede ocupar como máximo 10 MB.",
        "Each file can be at most 10 MB.",
    ),
    "attachment_empty": (
        "Un dels fitxers és buit.",
        "Uno de los archivos está vacío.",
        "One of the files is empty.",
    ),
    "attachment_name": (
        "El nom d'un fitxer és massa llarg (màxim 80 caràcters) o no és vàlid.",
        "El nombre de un archivo es demasiado largo (máximo 80 caracteres) o no es válido.",
        "A file name is too long (at most 80 characters) or not valid.",
    ),
    "attachment_type": (
        "Només s'admeten fitxers PDF, JPEG o PNG.",
        "Solo se admiten archivos PDF, JPEG o PNG.",
        "Only PDF, JPEG or PNG files are accepted.",
    ),
    "card_exists": (
        "Ja teniu una targeta de la deixalleria activa o en tràmit.",
        "Ya tiene una tarjeta de la deixalleria activa o en trámite.",
        "You already have an active or pending deixalleria card.",
    ),
    "service_unknown": (
        "Aquest servei no dona cita prèvia.",
        "Este servicio no da cita previa.",
        "This service does not take appointments.",
    ),
    "slot_taken": (
        "Aquesta hora ja no està disponible. Trieu-ne una altra.",
        "Esta hora ya no está disponible. Elija otra.",
        "This time is no longer available. Please choose another one.",
    ),
    "appointment_exists": (
        "Ja teniu una cita pendent per a aquest servei. Si voleu canviar-la, truqueu al 010.",
        "Ya tiene una cita pendiente para este servicio. Si quiere cambiarla, llame al 010.",
        "You already have an appointment to come for this service. To change it, call 010.",
    ),
    "appointment_unknown": (
        "No trobem aquesta cita entre les vostres. Comproveu la referència o pregunteu al taulell de l'OAC.",
        "No encontramos esta cita entre las suyas. Compruebe la referencia o pregunte en el mostrador de "
        "la OAC.",
        "This appointment is not among yours. Please check the reference, or ask at the OAC counter.",
    ),
    "appointment_cancelled": (
        "Aquesta cita ja està anul·lada. Si en voleu una altra, reserveu-la de nou.",
        "Esta cita ya está anulada. Si quiere otra, resérvela de nuevo.",
        "This appointment is already cancelled. If you want another one, please book it again.",
    ),
    "appointment_past": (
        "Aquesta cita ja ha passat i no es pot anul·lar. Si en voleu una altra, reserveu-la de nou.",
        "Esta cita ya ha pasado y no se puede anular. Si quiere otra, resérvela de nuevo.",
        "This appointment has already passed and cannot be cancelled. Please book another one if needed.",
    ),
    "appointment_checked_in": (
        "Ja heu registrat l'arribada a aquesta cita i no es pot anul·lar. Pregunteu al taulell de l'OAC.",
        "Ya ha registrado la llegada a esta cita y no se puede anular. Pregunte en el mostrador de la OAC.",
        "You have already checked in for this appointment, so it cannot be cancelled. Please ask at the "
        "OAC counter.",
    ),
    "checkin_none_today": (
        "No teniu cap cita per a avui. Si voleu ser atesos, demaneu-la aquí mateix o pregunteu al taulell.",
        "No tiene ninguna cita para hoy. Si quiere ser atendido, pídala aquí mismo o pregunte en el "
        "mostrador.",
        "You have no appointment today. To be seen, please book one here, or ask at the counter.",
    ),
    "checkin_too_early": (
        "Encara és aviat: podeu registrar l'arribada des de 30 minuts abans de la cita. Torneu-ho a provar "
        "llavors.",
        "Todavía es pronto: puede registrar la llegada desde 30 minutos antes de la cita. Vuelva a "
        "intentarlo entonces.",
        "It is too early: you can check in from 30 minutes before your appointment. Please try again then.",
    ),
    "checkin_too_late": (
        "L'hora de la cita ja ha passat (s'hi pot arribar fins a 10 minuts tard). Pregunteu al taulell de "
        "l'OAC o reserveu una altra cita.",
        "La hora de la cita ya ha pasado (se puede llegar hasta 10 minutos tarde). Pregunte en el mostrador "
        "de la OAC o reserve otra cita.",
        "The time of your appointment has passed (you can be up to 10 minutes late). Please ask at the OAC "
        "counter, or book another appointment.",
    ),
    "activity_unknown": (
        "Aquesta activitat no existeix o ja no accepta inscripcions.",
        "Esta actividad no existe o ya no acepta inscripciones.",
        "This activity does not exist or no longer takes applications.",
    ),
    "activity_closed": (
        "El termini de preinscripció d'aquesta activitat s'ha tancat. Pregunteu al centre cívic.",
        "El plazo de preinscripción de esta actividad se ha cerrado. Pregunte en el centro cívico.",
        "The pre-registration period of this activity is closed. Ask at the civic centre about places.",
    ),
    "application_exists": (
        "Ja teniu una sol·licitud per a aquesta activitat: la trobareu a la llista de sol·licituds.",
        "Ya tiene una solicitud para esta actividad: la encontrará en la lista de sus solicitudes.",
        "You have already applied for this activity: you will find it in the list of your applications.",
    ),
    "application_unknown": (
        "No trobem aquesta sol·licitud entre les vostres.",
        "No encontramos esta solicitud entre las suyas.",
        "This application is not one of yours.",
    ),
    "application_withdrawn": (
        "Ja heu renunciat a aquesta sol·licitud.",
        "Ya ha renunciado a esta solicitud.",
        "You have already withdrawn this application.",
    ),
    "activity_not_drawn": (
        "El sorteig d'aquesta activitat encara no s'ha fet.",
        "El sorteo de esta actividad aún no se ha hecho.",
        "The draw of this activity has not been made yet.",
    ),
    "bill_unknown": (
        "No trobem aquest rebut entre els vostres pendents. Torneu a la llista de rebuts.",
        "No encontramos este recibo entre sus recibos pendientes. Vuelva a la lista de recibos.",
        "This bill is not among your pending bills. Please go back to the list of bills.",
    ),
    "bill_paid": (
        "Aquest rebut ja està pagat: no cal cap document de pagament. Torneu a la llista de rebuts.",
        "Este recibo ya está pagado: no hace falta ningún documento de pago. Vuelva a la lista de recibos.",
        "This bill is already paid: no payment document is needed. Please go back to the list of bills.",
    ),
    "internal_error": (
        "Hi ha hagut un error al servidor de l'Ajuntament. Torneu-ho a provar més tard.",
        "Ha habido un error en el servidor del Ayuntamiento. Vuelva a intentarlo más tarde.",
        "The City Council's server had an error. Please try again later.",
    ),
}


def language_of(request: Request) -> str:
    """The best of ca/es/en for the request's Accept-Language (Catalan when nothing matches)."""
    header = request.headers.get("accept-language", "")
    best, best_q = "ca", -1.0
    for part in header.split(","):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        lang = tag.strip().lower()[:2]
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if lang in LANGUAGES and q > best_q:
            best, best_q = lang, q
    return best


assert set(MESSAGES) == set(ErrorCode), "every ErrorCode has its messages, and only those"


def message(code: ErrorCode, language: str) -> str:
    texts = MESSAGES.get(code, MESSAGES["validation_error"])
    return texts[LANGUAGES.index(language) if language in LANGUAGES else 0]


class ApiError(Exception):
    """A refusal with its status, its code and optional detail for staff."""

    def __init__(
        self, status: int, code: ErrorCode, detail: Any = None, headers: dict[str, str] | None = None
    ):
        super().__init__(code)
        self.status = status
        self.code = ErrorCode(code)
        self.detail = detail
        self.headers = headers


def error_body(code: ErrorCode, language: str, detail: Any = None) -> dict[str, Any]:
    """The contract's error body (`ErrorOut`) as JSON, its message in `language`."""
    return ErrorOut(code=code, message=message(code, language), detail=detail).model_dump(mode="json")


def error_response(
    request: Request, status: int, code: ErrorCode, detail: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(code, language_of(request), detail), status_code=status, headers=headers)


_STATUS_CODES = {
    400: ErrorCode.VALIDATION_ERROR,
    401: ErrorCode.KIOSK_UNAUTHORISED,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.REQUEST_TOO_LARGE,
    422: ErrorCode.VALIDATION_ERROR,
}


def install(app: FastAPI) -> None:
    async def api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error_response(request, exc.status, exc.code, exc.detail, exc.headers)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        other = ErrorCode.INTERNAL_ERROR if exc.status_code >= 500 else ErrorCode.NOT_FOUND
        code = _STATUS_CODES.get(exc.status_code, other)
        return error_response(request, exc.status_code, code, None, getattr(exc, "headers", None))

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        detail = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type")),
            }
            for e in exc.errors()
        ]
        return error_response(request, 422, ErrorCode.VALIDATION_ERROR, detail)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, OperationalError):
            log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
            return error_response(request, 503, ErrorCode.INTERNAL_ERROR, headers={"Retry-After": "1"})
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(request, 500, ErrorCode.INTERNAL_ERROR)

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected)
