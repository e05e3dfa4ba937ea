"""The printed documents' words in Catalan and Spanish, and how dates and amounts are written.

Documents are printed in the language the backend issued them in (Catalan by default, Spanish on
request), whatever language the kiosk's screens speak; so this is a table of its own, not gettext.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

DocLanguage = Literal["ca", "es"]

CITY = "Ajuntament de Mataró"
CITY_ADDRESS = "La Riera, 48 · 08301 Mataró · Tel. 93 741 29 00"

_TEXTS: dict[str, dict[DocLanguage, str]] = {
    "office": {"ca": "Oficina Virtual d'Atenció Ciutadana", "es": "Oficina Virtual de Atención Ciudadana"},
    "copy_note": {
        "ca": "Còpia en paper d'un document electrònic",
        "es": "Copia en papel de un documento electrónico",
    },
    "csv": {"ca": "Codi segur de verificació (CSV)", "es": "Código seguro de verificación (CSV)"},
    "verify_at": {"ca": "Verificació", "es": "Verificación"},
    "issued": {"ca": "Data d'emissió", "es": "Fecha de emisión"},
    "page": {"ca": "Pàgina {page} de {pages}", "es": "Página {page} de {pages}"},
    "watermark": {"ca": "DOCUMENT DE PROVA — SENSE VALIDESA", "es": "DOCUMENTO DE PRUEBA — SIN VALIDEZ"},
    "training_banner": {
        "ca": "DOCUMENT DE PROVA — SENSE VALIDESA · emès en mode formació, sense cap efecte",
        "es": "DOCUMENTO DE PRUEBA — SIN VALIDEZ · emitido en modo formación, sin ningún efecto",
    },
    "continued": {"ca": "(continuació)", "es": "(continuación)"},
    # padró
    "volant_individual": {
        "ca": "Volant d'empadronament individual",
        "es": "Volante de empadronamiento individual",
    },
    "volant_collectiu": {
        "ca": "Volant d'empadronament col·lectiu",
        "es": "Volante de empadronamiento colectivo",
    },
    "certificat_convivencia": {"ca": "Certificat de convivència", "es": "Certificado de convivencia"},
    "padro_intro_individual": {
        "ca": "Segons les dades que consten al Padró Municipal d'Habitants de Mataró en la data d'emissió "
        "d'aquest document, la persona següent hi figura inscrita en el domicili indicat.",
        "es": "Según los datos que constan en el Padrón Municipal de Habitantes de Mataró en la fecha de "
        "emisión de este documento, la persona siguiente figura inscrita en el domicilio indicado.",
    },
    "padro_intro_collectiu": {
        "ca": "Segons les dades que consten al Padró Municipal d'Habitants de Mataró en la data d'emissió "
        "d'aquest document, en el domicili indicat hi figuren inscrites les persones següents.",
        "es": "Según los datos que constan en el Padrón Municipal de Habitantes de Mataró en la fecha de "
        "emisión de este documento, en el domicilio indicado figuran inscritas las personas siguientes.",
    },
    "padro_intro_convivencia": {
        "ca": "L'Ajuntament de Mataró CERTIFICA que, segons les dades que consten al Padró Municipal "
        "d'Habitants en la data d'emissió d'aquest document, en el domicili indicat hi figuren inscrites, "
        "convivint, les persones següents.",
        "es": "El Ayuntamiento de Mataró CERTIFICA que, según los datos que constan en el Padrón Municipal "
        "de Habitantes en la fecha de emisión de este documento, en el domicilio indicado figuran inscritas, "
        "conviviendo, las personas siguientes.",
    },
    "address": {"ca": "Domicili", "es": "Domicilio"},
    "requested_by": {"ca": "Sol·licitant", "es": "Solicitante"},
    "people": {"ca": "Persones inscrites", "es": "Personas inscritas"},
    "people_count": {"ca": "Total de persones inscrites: {n}", "es": "Total de personas inscritas: {n}"},
    "id_number": {"ca": "DNI/NIE", "es": "DNI/NIE"},
    "born": {"ca": "Naixement", "es": "Nacimiento"},
    "registered_since": {"ca": "Alta al domicili", "es": "Alta en el domicilio"},
    "volant_note": {
        "ca": "Aquest volant té caràcter informatiu: no és un certificat. Els organismes que el demanen "
        "l'accepten habitualment durant tres mesos des de la data d'emissió.",
        "es": "Este volante tiene carácter informativo: no es un certificado. Los organismos que lo piden "
        "suelen aceptarlo durante tres meses desde la fecha de emisión.",
    },
    "certificat_note": {
        "ca": "Els organismes que demanen aquest certificat l'accepten habitualment durant tres mesos des "
        "de la data d'emissió.",
        "es": "Los organismos que piden este certificado suelen aceptarlo durante tres meses desde la "
        "fecha de emisión.",
    },
    # instància
    "instancia_title": {
        "ca": "Justificant de registre d'entrada",
        "es": "Justificante de registro de entrada",
    },
    "instancia_intro": {
        "ca": "El Registre General de l'Ajuntament de Mataró ha rebut la instància següent (art. 16 de la "
        "Llei 39/2015, del procediment administratiu comú).",
        "es": "El Registro General del Ayuntamiento de Mataró ha recibido la instancia siguiente (art. 16 de "
        "la Ley 39/2015, del procedimiento administrativo común).",
    },
    "registry_number": {"ca": "Número de registre", "es": "Número de registro"},
    "registered_at": {"ca": "Data i hora de presentació", "es": "Fecha y hora de presentación"},
    "addressee": {"ca": "Destinatari", "es": "Destinatario"},
    "applicant": {"ca": "Persona interessada", "es": "Persona interesada"},
    "contact": {"ca": "Contacte", "es": "Contacto"},
    "notification": {"ca": "Notificacions", "es": "Notificaciones"},
    "notify_paper": {"ca": "en paper, al domicili", "es": "en papel, en el domicilio"},
    "notify_electronic": {"ca": "electròniques", "es": "electrónicas"},
    "subject": {"ca": "Assumpte", "es": "Asunto"},
    "exposo": {"ca": "Exposo", "es": "Expongo"},
    "solicito": {"ca": "Sol·licito", "es": "Solicito"},
    "attachments": {"ca": "Documents adjunts", "es": "Documentos adjuntos"},
    "no_attachments": {"ca": "Cap document adjunt.", "es": "Ningún documento adjunto."},
    "size": {"ca": "Mida", "es": "Tamaño"},
    "none": {"ca": "cap", "es": "ninguno"},
    # deixalleria
    "deixalleria_title": {
        "ca": "Resum de la targeta de la deixalleria",
        "es": "Resumen de la tarjeta del punto limpio",
    },
    "card": {"ca": "Targeta", "es": "Tarjeta"},
    "card_status": {"ca": "Estat", "es": "Estado"},
    "holder": {"ca": "Titular", "es": "Titular"},
    "no_card": {"ca": "sense targeta", "es": "sin tarjeta"},
    "status_requested": {
        "ca": "sol·licitada, pendent de lliurament",
        "es": "solicitada, pendiente de entrega",
    },
    "status_active": {"ca": "activa", "es": "activa"},
    "status_lost": {"ca": "declarada perduda", "es": "declarada perdida"},
    "status_cancelled": {"ca": "donada de baixa", "es": "dada de baja"},
    "visits_year": {"ca": "Visites de l'any {year}", "es": "Visitas del año {year}"},
    "bonus_title": {
        "ca": "Bonificació de la taxa d'escombraries {year}",
        "es": "Bonificación de la tasa de basuras {year}",
    },
    "bonus_amount": {"ca": "Import de la bonificació", "es": "Importe de la bonificación"},
    "band_reached": {"ca": "Tram assolit", "es": "Tramo alcanzado"},
    "band_range": {"ca": "de {lo} a {hi} visites", "es": "de {lo} a {hi} visitas"},
    "band_open": {"ca": "{lo} visites o més", "es": "{lo} visitas o más"},
    "no_band": {"ca": "encara cap tram", "es": "todavía ningún tramo"},
    "next_band": {
        "ca": "Amb {n} visites més (a partir de {lo}) la bonificació passaria a {amount}.",
        "es": "Con {n} visitas más (a partir de {lo}) la bonificación pasaría a {amount}.",
    },
    "top_band": {
        "ca": "Heu assolit el tram més alt de la bonificació.",
        "es": "Ha alcanzado el tramo más alto de la bonificación.",
    },
    "bonus_note": {
        "ca": "La bonificació es calcula amb les visites de l'any anterior i s'aplica d'ofici a la persona "
        "titular de la taxa del domicili.",
        "es": "La bonificación se calcula con las visitas del año anterior y se aplica de oficio a la "
        "persona titular de la tasa del domicilio.",
    },
    "visits": {"ca": "Visites registrades", "es": "Visitas registradas"},
    "no_visits": {"ca": "Cap visita registrada.", "es": "Ninguna visita registrada."},
    "date": {"ca": "Data", "es": "Fecha"},
    "centre": {"ca": "Deixalleria", "es": "Punto limpio"},
    "materials": {"ca": "Materials", "es": "Materiales"},
    # bústia
    "bustia_title": {
        "ca": "Justificant de la Bústia de queixes i suggeriments",
        "es": "Justificante del Buzón de quejas y sugerencias",
    },
    "reference": {"ca": "Referència", "es": "Referencia"},
    "kind": {"ca": "Tipus", "es": "Tipo"},
    "queixa": {"ca": "Queixa", "es": "Queja"},
    "suggeriment": {"ca": "Suggeriment", "es": "Sugerencia"},
    "agraiment": {"ca": "Agraïment", "es": "Agradecimiento"},
    "topic": {"ca": "Tema", "es": "Tema"},
    "submitted_at": {"ca": "Data i hora", "es": "Fecha y hora"},
    "message": {"ca": "Text", "es": "Texto"},
    "anonymous": {
        "ca": "Sense dades de contacte: l'Ajuntament no hi podrà respondre personalment.",
        "es": "Sin datos de contacto: el Ayuntamiento no podrá responder personalmente.",
    },
    "bustia_note": {
        "ca": "Conserveu aquesta referència per consultar l'estat de la vostra comunicació.",
        "es": "Conserve esta referencia para consultar el estado de su comunicación.",
    },
}


def text(key: str, language: DocLanguage, **values: object) -> str:
    """The document phrase `key` in `language`, with `{placeholders}` filled in."""
    phrase = _TEXTS[key][language]
    return phrase.format(**values) if values else phrase


def keys() -> list[str]:
    return sorted(_TEXTS)


def format_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime) -> str:
    """Local time as issued (the backend sends the city's offset), to the minute."""
    return value.strftime("%d/%m/%Y %H:%M")


def format_amount(value: Decimal) -> str:
    """`17.5` -> `17,50 €` (Catalan and Spanish both use a decimal comma and a thousands point)."""
    cents = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole, _, frac = f"{abs(cents):.2f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    sign = "-" if cents < 0 else ""
    return f"{sign}{'.'.join(groups)},{frac} €"


def format_size(size: int, language: DocLanguage) -> str:
    """Sizes as a citizen reads them, plus the exact byte count the hash refers to."""
    exact = f"{size:,}".replace(",", ".")
    if size < 1024:
        return f"{exact} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB ({exact} B)".replace(".", ",", 1)
    return f"{size / (1024 * 1024):.1f} MB ({exact} B)".replace(".", ",", 1)
