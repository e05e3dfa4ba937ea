"""What the outbox tells a citizen, in the language they used at the kiosk (ca, es, en): an email's
subject and body, and the SMS text (folded into GSM-7 when it is sent, see `gsm7`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Template:
    subject: str
    body: str
    sms: str


_SIGNATURE = {
    "ca": "Ajuntament de Mataró\nAquest missatge s'ha enviat automàticament; no cal que el respongueu.",
    "es": "Ayuntamiento de Mataró\nEste mensaje se ha enviado automáticamente; no es necesario responderlo.",
    "en": "Mataró City Council\nThis message was sent automatically; there is no need to reply.",
}

TEMPLATES: dict[str, dict[str, Template]] = {
    "instancia_received": {
        "ca": Template(
            subject="Instància registrada: {registry_number}",
            body=(
                "Hem registrat la vostra instància adreçada a {department}.\n\n"
                "Número de registre: {registry_number}\nAssumpte: {subject}\n"
                "Codi de verificació (CSV): {csv}\n{verify_url}\n"
            ),
            sms="Ajuntament de Mataró: instància registrada amb el número {registry_number}. CSV {csv}",
        ),
        "es": Template(
            subject="Instancia registrada: {registry_number}",
            body=(
                "Hemos registrado su instancia dirigida a {department}.\n\n"
                "Número de registro: {registry_number}\nAsunto: {subject}\n"
                "Código de verificación (CSV): {csv}\n{verify_url}\n"
            ),
            sms="Ayuntamiento de Mataró: instancia registrada con el número {registry_number}. CSV {csv}",
        ),
        "en": Template(
            subject="Application registered: {registry_number}",
            body=(
                "We have registered your application to {department}.\n\n"
                "Registry number: {registry_number}\nSubject: {subject}\n"
                "Verification code (CSV): {csv}\n{verify_url}\n"
            ),
            sms="Mataró City Council: application registered as {registry_number}. CSV {csv}",
        ),
    },
    "bustia_received": {
        "ca": Template(
            subject="Hem rebut el vostre missatge: {reference}",
            body=(
                "Gràcies per escriure a la bústia de queixes i suggeriments.\n\n"
                "Referència: {reference}\nTema: {topic}\n\n"
                "Us respondrem per aquest mateix mitjà.\n"
            ),
            sms="Ajuntament de Mataró: hem rebut el vostre missatge. Referència {reference}.",
        ),
        "es": Template(
            subject="Hemos recibido su mensaje: {reference}",
            body=(
                "Gracias por escribir al buzón de quejas y sugerencias.\n\n"
                "Referencia: {reference}\nTema: {topic}\n\n"
                "Le responderemos por este mismo medio.\n"
            ),
            sms="Ayuntamiento de Mataró: hemos recibido su mensaje. Referencia {reference}.",
        ),
        "en": Template(
            subject="We have received your message: {reference}",
            body=(
                "Thank you for writing to the complaints and suggestions box.\n\n"
                "Reference: {reference}\nTopic: {topic}\n\n"
                "We will answer you the same way.\n"
            ),
            sms="Mataró City Council: we have received your message. Reference {reference}.",
        ),
    },
    "cita_booked": {
        "ca": Template(
            subject="Cita prèvia confirmada: {date} a les {time}",
            body=(
                "Teniu cita prèvia a {office}.\n\n"
                "Servei: {service}\nDia: {date}\nHora: {time}\nReferència: {reference}\n\n"
                "Porteu el DNI, NIE o passaport. Si no hi podeu anar, truqueu al 010.\n"
            ),
            sms="Ajuntament de Mataró: cita a {office} el {date} a les {time}. Ref. {reference}",
        ),
        "es": Template(
            subject="Cita previa confirmada: {date} a las {time}",
            body=(
                "Tiene cita previa en {office}.\n\n"
                "Servicio: {service}\nDía: {date}\nHora: {time}\nReferencia: {reference}\n\n"
                "Traiga el DNI, NIE o pasaporte. Si no puede ir, llame al 010.\n"
            ),
            sms="Ayuntamiento de Mataró: cita en {office} el {date} a las {time}. Ref. {reference}",
        ),
        "en": Template(
            subject="Appointment confirmed: {date} at {time}",
            body=(
                "You have an appointment at {office}.\n\n"
                "Service: {service}\nDate: {date}\nTime: {time}\nReference: {reference}\n\n"
                "Bring your DNI, NIE or passport. If you cannot come, call 010.\n"
            ),
            sms="Mataró City Council: appointment at {office} on {date} at {time}. Ref. {reference}",
        ),
    },
    "cita_cancelled": {
        "ca": Template(
            subject="Cita prèvia anul·lada: {date} a les {time}",
            body=(
                "S'ha anul·lat la vostra cita prèvia.\n\n"
                "Servei: {service}\nDia: {date}\nHora: {time}\nReferència: {reference}\n\n"
                "Si en voleu una altra, la podeu demanar al 010, a www.mataro.cat o als quioscos de l'OAC.\n"
            ),
            sms="Ajuntament de Mataró: cita del {date} a les {time} anul·lada. Ref. {reference}",
        ),
        "es": Template(
            subject="Cita previa anulada: {date} a las {time}",
            body=(
                "Se ha anulado su cita previa.\n\n"
                "Servicio: {service}\nDía: {date}\nHora: {time}\nReferencia: {reference}\n\n"
                "Si quiere otra, puede pedirla en el 010, en www.mataro.cat o en los quioscos de la OAC.\n"
            ),
            sms="Ayuntamiento de Mataró: cita del {date} a las {time} anulada. Ref. {reference}",
        ),
        "en": Template(
            subject="Appointment cancelled: {date} at {time}",
            body=(
                "Your appointment has been cancelled.\n\n"
                "Service: {service}\nDate: {date}\nTime: {time}\nReference: {reference}\n\n"
                "To book another one, call 010, visit www.mataro.cat or use an OAC kiosk.\n"
            ),
            sms="Mataró City Council: appointment on {date} at {time} cancelled. Ref. {reference}",
        ),
    },
    "activitat_place": {
        "ca": Template(
            subject="Teniu plaça: {activity}",
            body=(
                "Teniu plaça a l'activitat {activity} ({centre}).\n\n"
                "Sol·licitud: {reference}\nQuota: {fee}\n\n"
                "La quota es paga amb el document de pagament que us farà arribar l'Ajuntament. "
                "Si no hi podeu anar, renuncieu a la plaça perquè la tingui la persona següent.\n"
            ),
            sms="Ajuntament de Mataró: teniu plaça a {activity}. Sol·licitud {reference}. Quota {fee}",
        ),
        "es": Template(
            subject="Tiene plaza: {activity}",
            body=(
                "Tiene plaza en la actividad {activity} ({centre}).\n\n"
                "Solicitud: {reference}\nCuota: {fee}\n\n"
                "La cuota se paga con el documento de pago que le hará llegar el Ayuntamiento. "
                "Si no puede ir, renuncie a la plaza para que la tenga la persona siguiente.\n"
            ),
            sms="Ayuntamiento de Mataró: tiene plaza en {activity}. Solicitud {reference}. Cuota {fee}",
        ),
        "en": Template(
            subject="You have a place: {activity}",
            body=(
                "You have a place in the activity {activity} ({centre}).\n\n"
                "Application: {reference}\nFee: {fee}\n\n"
                "The fee is paid with the payment document the City Council sends you. "
                "If you cannot attend, give up the place so that the next person can have it.\n"
            ),
            sms="Mataró City Council: you have a place in {activity}. Application {reference}. Fee {fee}",
        ),
    },
    "activitat_waiting": {
        "ca": Template(
            subject="Llista d'espera: {activity}",
            body=(
                "Al sorteig de l'activitat {activity} ({centre}) la vostra sol·licitud ha quedat en "
                "llista d'espera, en la posició {position}.\n\nSol·licitud: {reference}\n\n"
                "Si algú renuncia a la seva plaça, us avisarem.\n"
            ),
            sms="Ajuntament de Mataró: {activity}, llista d'espera, posició {position}. Sol·l. {reference}",
        ),
        "es": Template(
            subject="Lista de espera: {activity}",
            body=(
                "En el sorteo de la actividad {activity} ({centre}) su solicitud ha quedado en "
                "lista de espera, en la posición {position}.\n\nSolicitud: {reference}\n\n"
                "Si alguien renuncia a su plaza, le avisaremos.\n"
            ),
            sms="Ayuntamiento de Mataró: {activity}, lista de espera, posición {position}. Sol. {reference}",
        ),
        "en": Template(
            subject="Waiting list: {activity}",
            body=(
                "In the draw of the activity {activity} ({centre}) your application is on the waiting "
                "list, at position {position}.\n\nApplication: {reference}\n\n"
                "If someone gives up their place, we will tell you.\n"
            ),
            sms="Mataró City Council: {activity}, waiting list, position {position}. Appl. {reference}",
        ),
    },
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    sms: str


def render(kind: str, language: str, values: dict[str, Any]) -> Rendered:
    """The message `kind` in `language` (Catalan when the language has no template) filled with `values`."""
    by_language = TEMPLATES[kind]
    template = by_language.get(language) or by_language["ca"]
    signature = _SIGNATURE.get(language, _SIGNATURE["ca"])
    return Rendered(
        subject=template.subject.format(**values),
        body=template.body.format(**values) + "\n-- \n" + signature + "\n",
        sms=template.sms.format(**values),
    )
