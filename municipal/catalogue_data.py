"""The demo catalogue: Mataró's procedures in Catalan, Spanish and English, and the registry departments.

Each procedure: (code, topic, needs_certificate, completable_here, kiosk_flow, url path,
{language: (title, summary, what_to_bring, where_to_go, hours)}). Where and when refer to the places
in PLACES. Which identification each procedure accepts is in ACCEPTS (`accepts(code)`), checked by the
backend on every call of the procedure. Synthetic demo data: a city replaces it with its own catalogue.
"""

from __future__ import annotations

from contract.v1 import Identification

# Identifications, strongest first: a certificate card (DNIe, idCAT...), a QR hand-off to an identity
# provider (idCAT Mòbil, Cl@ve), the deixalleria's weak identification (DNI/NIE, birth date, postal
# code, as the padró knows them), or no identification at all.
IDENTIFICATIONS: tuple[Identification, ...] = ("certificate", "handoff", "weak", "none")
#: What each session scope (`contract.v1.Scope`) is, as an identification.
IDENTIFICATION_OF_SCOPE: dict[str, Identification] = {"full": "certificate", "handoff": "handoff",
                                                      "deixalleria": "weak"}  # fmt: skip
CERTIFICATE_ONLY: tuple[Identification, ...] = ("certificate",)
IDENTIFIED: tuple[Identification, ...] = ("certificate", "handoff")
ANYONE: tuple[Identification, ...] = IDENTIFICATIONS

TOPICS = [
    ("padro", ("Padró i població", "Padrón y población", "Padró (census) and population")),
    (
        "registre",
        ("Registre i tràmits generals", "Registro y trámites generales", "Registry and general procedures"),
    ),
    ("residus", ("Residus i medi ambient", "Residuos y medio ambiente", "Waste and environment")),
    ("tributs", ("Impostos i taxes", "Impuestos y tasas", "Taxes and fees")),
    ("mobilitat", ("Mobilitat", "Movilidad", "Mobility")),
    (
        "social",
        ("Serveis socials i educació", "Servicios sociales y educación", "Social services and education"),
    ),
    ("urbanisme", ("Obres i activitats", "Obras y actividades", "Building works and businesses")),
    (
        "participacio",
        ("Participació i convivència", "Participación y convivencia", "Participation and community"),
    ),
]

DEPARTMENTS = [
    ("OAC", ("Oficina d'Atenció Ciutadana", "Oficina de Atención Ciudadana", "Citizen Service Office")),
    ("PADRO", ("Padró d'habitants", "Padrón de habitantes", "Padró (census) office")),
    ("HISENDA", ("Hisenda i tributs", "Hacienda y tributos", "Finance and taxes")),
    ("URBANISME", ("Urbanisme i llicències", "Urbanismo y licencias", "Planning and licences")),
    ("MEDIAMB", ("Medi ambient i residus", "Medio ambiente y residuos", "Environment and waste")),
    ("SOCIALS", ("Serveis socials", "Servicios sociales", "Social services")),
    ("EDUCACIO", ("Educació", "Educación", "Education")),
    ("MOBILITAT", ("Mobilitat i via pública", "Movilidad y vía pública", "Mobility and public roads")),
    ("POLICIA", ("Policia Local", "Policía Local", "Local Police")),
]

OAC = (
    "OAC Centre, la Riera, 48 (cita prèvia al 010 o a www.mataro.cat)",
    "OAC Centro, la Riera, 48 (cita previa en el 010 o en www.mataro.cat)",
    "OAC Centre, la Riera 48 (appointment on 010 or at www.mataro.cat)",
)
OAC_HOURS = (
    "De dilluns a divendres de 8.30 a 14.30; dijous també de 16.30 a 19",
    "De lunes a viernes de 8.30 a 14.30; jueves también de 16.30 a 19",
    "Monday to Friday 8.30–14.30; Thursdays also 16.30–19.00",
)
SOCIALS = (
    "Centre de serveis socials del vostre barri (informació al 010)",
    "Centro de servicios sociales de su barrio (información en el 010)",
    "The social services centre of your neighbourhood (information on 010)",
)
SOCIALS_HOURS = (
    "Amb cita prèvia, de dilluns a divendres",
    "Con cita previa, de lunes a viernes",
    "By appointment, Monday to Friday",
)
DEIXALLERIA = (
    "Deixalleria municipal (polígon de Vallveric)",
    "Deixalleria municipal (polígono de Vallveric)",
    "Municipal recycling centre (Vallveric industrial estate)",
)
DEIXALLERIA_HOURS = (
    "De dilluns a dissabte de 9 a 14 i de 16 a 19; diumenge de 10 a 14",
    "De lunes a sábado de 9 a 14 y de 16 a 19; domingo de 10 a 14",
    "Monday to Saturday 9–14 and 16–19; Sunday 10–14",
)
POLICIA = (
    "Policia Local, c. d'Alarcón, 2",
    "Policía Local, c. de Alarcón, 2",
    "Local Police, c. d'Alarcón 2",
)
ALWAYS = ("Tots els dies, les 24 hores", "Todos los días, las 24 horas", "Every day, 24 hours")
NONE = ("", "", "")

DNI = ("DNI, NIE o passaport vigent", "DNI, NIE o pasaporte vigente", "Valid DNI, NIE or passport")


def _p(
    code: str,
    topic: str,
    cert: bool,
    here: bool,
    flow: str | None,
    titles: tuple[str, str, str],
    summaries: tuple[str, str, str],
    bring: list[tuple[str, str, str]],
    where: tuple[str, str, str] = NONE,
    hours: tuple[str, str, str] = NONE,
) -> tuple[str, str, bool, bool, str | None, str, dict[str, tuple[str, str, list[str], str, str]]]:
    texts = {
        lang: (titles[i], summaries[i], [b[i] for b in bring], where[i], hours[i])
        for i, lang in enumerate(("ca", "es", "en"))
    }
    return code, topic, cert, here, flow, f"https://www.mataro.cat/tramits/{code.replace('_', '-')}", texts


PROCEDURES = [
    _p(
        "volant_individual",
        "padro",
        True,
        True,
        "padro_document",
        (
            "Volant d'empadronament individual",
            "Volante de empadronamiento individual",
            "Individual padró certificate (volant)",
        ),
        (
            "Informa de la vostra adreça al padró. S'imprimeix aquí mateix.",
            "Informa de su dirección en el padrón. Se imprime aquí mismo.",
            "States your address in the padró. Printed right here.",
        ),
        [],
    ),
    _p(
        "volant_collectiu",
        "padro",
        True,
        True,
        "padro_document",
        (
            "Volant d'empadronament col·lectiu",
            "Volante de empadronamiento colectivo",
            "Household padró certificate (volant col·lectiu)",
        ),
        (
            "Totes les persones empadronades al vostre domicili.",
            "Todas las personas empadronadas en su domicilio.",
            "Everyone registered at your address.",
        ),
        [],
    ),
    _p(
        "certificat_convivencia",
        "padro",
        True,
        True,
        "padro_document",
        ("Certificat de convivència", "Certificado de convivencia", "Certificate of cohabitation"),
        (
            "Certifica les persones que viuen amb vosaltres.",
            "Certifica las personas que conviven con usted.",
            "Certifies who lives with you.",
        ),
        [],
    ),
    _p(
        "alta_padro",
        "padro",
        False,
        False,
        None,
        ("Alta al padró", "Alta en el padrón", "Registering in the padró"),
        (
            "Inscriure-us al padró quan arribeu a Mataró.",
            "Inscribirse en el padrón al llegar a Mataró.",
            "Register in the padró when you come to live in Mataró.",
        ),
        [
            DNI,
            (
                "Contracte de lloguer o escriptura de l'habitatge",
                "Contrato de alquiler o escritura de la vivienda",
                "Tenancy agreement or title deed of the home",
            ),
            (
                "Llibre de família, si hi ha menors",
                "Libro de familia, si hay menores",
                "Family book, if there are children",
            ),
        ],
        OAC,
        OAC_HOURS,
    ),
    _p(
        "canvi_domicili",
        "padro",
        False,
        False,
        None,
        ("Canvi de domicili al padró", "Cambio de domicilio en el padrón", "Change of address in the padró"),
        (
            "Si us traslladeu dins de Mataró.",
            "Si se traslada dentro de Mataró.",
            "If you move within Mataró.",
        ),
        [
            DNI,
            (
                "Document que acrediti el nou habitatge",
                "Documento que acredite la nueva vivienda",
                "Proof of the new home",
            ),
        ],
        OAC,
        OAC_HOURS,
    ),
    _p(
        "renovacio_padro_estrangers",
        "padro",
        False,
        False,
        None,
        (
            "Renovació de la inscripció (estrangers)",
            "Renovación de la inscripción (extranjeros)",
            "Renewal of registration (foreign residents)",
        ),
        (
            "Les persones estrangeres sense residència permanent l'han de renovar cada dos anys.",
            "Las personas extranjeras sin residencia permanente deben renovarla cada dos años.",
            "Foreign residents without permanent residence renew it every two years.",
        ),
        [("Passaport o NIE vigent", "Pasaporte o NIE vigente", "Valid passport or NIE")],
        OAC,
        OAC_HOURS,
    ),
    _p(
        "padro_historic",
        "padro",
        True,
        False,
        None,
        (
            "Certificat històric d'empadronament",
            "Certificado histórico de empadronamiento",
            "Padró history certificate",
        ),
        (
            "Tots els domicilis on heu estat empadronats. Es demana en línia o a l'OAC.",
            "Todos los domicilios donde ha estado empadronado. Se pide en línea o en la OAC.",
            "Every address you were registered at. Request it online or at the OAC.",
        ),
        [DNI],
        OAC,
        OAC_HOURS,
    ),
    _p(
        "instancia_generica",
        "registre",
        True,
        True,
        "instancia",
        ("Instància genèrica", "Instancia genérica", "General application (instància)"),
        (
            "Qualsevol sol·licitud a l'Ajuntament, amb documents adjunts.",
            "Cualquier solicitud al Ayuntamiento, con documentos adjuntos.",
            "Any request to the City Council, with attached documents.",
        ),
        [],
    ),
    _p(
        "cita_previa",
        "registre",
        True,
        True,
        "cita",
        ("Cita prèvia a l'OAC", "Cita previa en la OAC", "Appointment at the OAC"),
        (
            "Demaneu dia i hora per ser atesos a l'Oficina d'Atenció Ciutadana.",
            "Pida día y hora para ser atendido en la Oficina de Atención Ciudadana.",
            "Book a day and time to be seen at the Citizen Service Office.",
        ),
        [],
        OAC,
        OAC_HOURS,
    ),
    _p(
        "activitats",
        "participacio",
        True,
        True,
        "activitats",
        (
            "Cursos i tallers dels centres cívics",
            "Cursos y talleres de los centros cívicos",
            "Courses and workshops of the civic centres",
        ),
        (
            "Preinscripció als cursos i tallers de places limitades, que es donen per sorteig públic.",
            "Preinscripción en los cursos y talleres de plazas limitadas, que se dan por sorteo público.",
            "Pre-registration for courses and workshops with limited places, given by a public draw.",
        ),
        [],
        (
            "Al centre cívic de l'activitat",
            "En el centro cívico de la actividad",
            "At the activity's civic centre",
        ),
        ("De dilluns a divendres de 9 a 21", "De lunes a viernes de 9 a 21", "Monday to Friday 9–21"),
    ),
    _p(
        "bustia",
        "participacio",
        False,
        True,
        "bustia",
        (
            "Queixes, suggeriments i agraïments",
            "Quejas, sugerencias y agradecimientos",
            "Complaints, suggestions and thanks",
        ),
        (
            "Digueu-nos què podem millorar. No cal identificar-se.",
            "Díganos qué podemos mejorar. No hace falta identificarse.",
            "Tell us what we can improve. No identification needed.",
        ),
        [],
    ),
    _p(
        "deixalleria_targeta",
        "residus",
        False,
        True,
        "deixalleria_card",
        ("Targeta de la deixalleria", "Tarjeta de la deixalleria", "Recycling centre card"),
        (
            "Demaneu la targeta per tenir bonificació a la taxa de residus.",
            "Solicite la tarjeta para tener bonificación en la tasa de residuos.",
            "Request the card to get a discount on the waste tax.",
        ),
        [],
    ),
    _p(
        "deixalleria_consulta",
        "residus",
        False,
        True,
        "deixalleria_summary",
        (
            "Visites a la deixalleria i bonificació",
            "Visitas a la deixalleria y bonificación",
            "Recycling centre visits and discount",
        ),
        (
            "Consulteu les vostres visites i la bonificació de la taxa.",
            "Consulte sus visitas y la bonificación de la tasa.",
            "See your visits and your waste-tax discount.",
        ),
        [],
    ),
    _p(
        "recollida_voluminosos",
        "residus",
        False,
        False,
        None,
        ("Recollida de mobles i voluminosos", "Recogida de muebles y voluminosos", "Bulky waste collection"),
        (
            "Servei gratuït de recollida a domicili. Demaneu dia per telèfon.",
            "Servicio gratuito de recogida a domicilio. Pida día por teléfono.",
            "Free collection from your door. Book a day by phone.",
        ),
        [("Telèfon 900 100 372", "Teléfono 900 100 372", "Phone 900 100 372")],
        (
            "Per telèfon o a www.mataro.cat",
            "Por teléfono o en www.mataro.cat",
            "By phone or at www.mataro.cat",
        ),
        ("De dilluns a divendres de 8 a 20", "De lunes a viernes de 8 a 20", "Monday to Friday 8–20"),
    ),
    _p(
        "compostatge_casola",
        "residus",
        False,
        False,
        None,
        ("Compostador domèstic", "Compostador doméstico", "Home composter"),
        (
            "Cessió gratuïta d'un compostador i bonificació de la taxa.",
            "Cesión gratuita de un compostador y bonificación de la tasa.",
            "A free composter and a waste-tax discount.",
        ),
        [DNI],
        DEIXALLERIA,
        DEIXALLERIA_HOURS,
    ),
    _p(
        "domiciliacio_tributs",
        "tributs",
        True,
        False,
        None,
        ("Domiciliació de tributs", "Domiciliación de tributos", "Direct debit of municipal taxes"),
        (
            "Pagueu l'IBI i les taxes per banc.",
            "Pague el IBI y las tasas por banco.",
            "Pay property tax and fees by direct debit.",
        ),
        [DNI, ("Número de compte (IBAN)", "Número de cuenta (IBAN)", "Bank account number (IBAN)")],
        (
            "PUMSA, Oficina de tributs, c. de Sant Cristòfor, 4",
            "PUMSA, Oficina de tributos, c. de Sant Cristòfor, 4",
            "PUMSA tax office, c. de Sant Cristòfor 4",
        ),
        OAC_HOURS,
    ),
    _p(
        "ibi_familia_nombrosa",
        "tributs",
        True,
        False,
        None,
        (
            "Bonificació de l'IBI per família nombrosa",
            "Bonificación del IBI por familia numerosa",
            "Property tax discount for large families",
        ),
        (
            "Fins al 90 % de bonificació de l'IBI de l'habitatge habitual.",
            "Hasta el 90 % de bonificación del IBI de la vivienda habitual.",
            "Up to 90% off the property tax of your home.",
        ),
        [
            DNI,
            (
                "Títol de família nombrosa vigent",
                "Título de familia numerosa vigente",
                "Valid large-family card",
            ),
        ],
        OAC,
        OAC_HOURS,
    ),
    _p(
        "pagament_tributs",
        "tributs",
        True,
        True,
        "rebuts",
        ("Pagament de rebuts i multes", "Pago de recibos y multas", "Paying bills and fines"),
        (
            "Imprimiu el document de pagament dels rebuts pendents i pagueu-lo al banc o al caixer.",
            "Imprima el documento de pago de los recibos pendientes y páguelo en el banco o el cajero.",
            "Print the payment document of a pending bill and pay it at a bank or cash machine.",
        ),
        [],
        ("Entitats bancàries col·laboradores", "Entidades bancarias colaboradoras", "Partner banks"),
        NONE,
    ),
    _p(
        "aparcament_discapacitat",
        "mobilitat",
        False,
        False,
        None,
        (
            "Targeta d'aparcament per a persones amb discapacitat",
            "Tarjeta de aparcamiento para personas con discapacidad",
            "Disabled parking card",
        ),
        (
            "Per a persones amb mobilitat reduïda reconeguda.",
            "Para personas con movilidad reducida reconocida.",
            "For people with recognised reduced mobility.",
        ),
        [
            DNI,
            (
                "Dictamen de mobilitat reduïda",
                "Dictamen de movilidad reducida",
                "Reduced-mobility assessment",
            ),
            ("Una fotografia de carnet", "Una fotografía de carné", "A passport photo"),
        ],
        SOCIALS,
        SOCIALS_HOURS,
    ),
    _p(
        "zona_blava_residents",
        "mobilitat",
        False,
        False,
        None,
        (
            "Distintiu de zona blava per a residents",
            "Distintivo de zona azul para residentes",
            "Resident parking permit",
        ),
        (
            "Per aparcar a la zona blava del vostre barri.",
            "Para aparcar en la zona azul de su barrio.",
            "To park in your neighbourhood's pay-and-display zone.",
        ),
        [
            DNI,
            (
                "Permís de circulació del vehicle",
                "Permiso de circulación del vehículo",
                "Vehicle registration document",
            ),
        ],
        OAC,
        OAC_HOURS,
    ),
    _p(
        "targeta_rosa",
        "mobilitat",
        False,
        False,
        None,
        ("Targeta rosa de transport", "Tarjeta rosa de transporte", "Pink transport card (seniors)"),
        (
            "Transport públic reduït per a majors de 60 anys amb ingressos baixos.",
            "Transporte público reducido para mayores de 60 años con ingresos bajos.",
            "Reduced public transport for over-60s on low incomes.",
        ),
        [
            DNI,
            (
                "Declaració de la renda o certificat de pensió",
                "Declaración de la renta o certificado de pensión",
                "Tax return or pension certificate",
            ),
        ],
        OAC,
        OAC_HOURS,
    ),
    _p(
        "obres_menors",
        "urbanisme",
        True,
        False,
        None,
        (
            "Comunicació prèvia d'obres menors",
            "Comunicación previa de obras menores",
            "Notice of minor building works",
        ),
        (
            "Reformes petites a l'habitatge. Es tramita en línia amb certificat.",
            "Reformas pequeñas en la vivienda. Se tramita en línea con certificado.",
            "Small home works. Submitted online with a certificate.",
        ),
        [("Pressupost de l'obra", "Presupuesto de la obra", "Quote for the works")],
        ("Seu electrònica: www.mataro.cat", "Sede electrónica: www.mataro.cat", "Online at www.mataro.cat"),
        ALWAYS,
    ),
    _p(
        "llicencia_activitat",
        "urbanisme",
        True,
        False,
        None,
        ("Obertura d'una activitat econòmica", "Apertura de una actividad económica", "Opening a business"),
        (
            "Comunicació o llicència per obrir un establiment.",
            "Comunicación o licencia para abrir un establecimiento.",
            "Notice or licence to open premises.",
        ),
        [("Projecte tècnic signat", "Proyecto técnico firmado", "Signed technical project")],
        (
            "Oficina de l'Empresa, c. de Riera, 1",
            "Oficina de la Empresa, c. de Riera, 1",
            "Business Office, c. de Riera 1",
        ),
        OAC_HOURS,
    ),
    _p(
        "cita_serveis_socials",
        "social",
        False,
        False,
        None,
        (
            "Cita amb els serveis socials",
            "Cita con los servicios sociales",
            "Appointment with social services",
        ),
        (
            "Atenció i orientació per a persones i famílies.",
            "Atención y orientación para personas y familias.",
            "Advice and support for people and families.",
        ),
        [DNI],
        SOCIALS,
        SOCIALS_HOURS,
    ),
    _p(
        "ajuts_menjador",
        "social",
        False,
        False,
        None,
        ("Ajuts de menjador escolar", "Ayudas de comedor escolar", "School meal grants"),
        (
            "Sol·licitud anual per a l'alumnat d'escoles públiques i concertades.",
            "Solicitud anual para el alumnado de escuelas públicas y concertadas.",
            "Yearly application for pupils of state-funded schools.",
        ),
        [
            DNI,
            ("Llibre de família", "Libro de familia", "Family book"),
            ("Ingressos de la unitat familiar", "Ingresos de la unidad familiar", "Household income"),
        ],
        ("A l'escola del vostre fill o filla", "En la escuela de su hijo o hija", "At your child's school"),
        OAC_HOURS,
    ),
    _p(
        "preinscripcio_escoles_bressol",
        "social",
        False,
        False,
        None,
        (
            "Preinscripció a les escoles bressol",
            "Preinscripción en las escuelas infantiles",
            "Nursery school pre-enrolment",
        ),
        ("Del 0 a 3 anys, al maig.", "De 0 a 3 años, en mayo.", "For ages 0–3, in May."),
        [
            DNI,
            ("Llibre de família", "Libro de familia", "Family book"),
            ("Targeta sanitària de l'infant", "Tarjeta sanitaria del niño", "The child's health card"),
        ],
        ("A l'escola bressol triada", "En la escuela infantil elegida", "At the chosen nursery school"),
        OAC_HOURS,
    ),
    _p(
        "casals_estiu",
        "social",
        False,
        False,
        None,
        ("Inscripció als casals d'estiu", "Inscripción en los casales de verano", "Summer camp enrolment"),
        (
            "Activitats d'estiu per a infants i joves.",
            "Actividades de verano para niños y jóvenes.",
            "Summer activities for children and young people.",
        ),
        [DNI, ("Targeta sanitària de l'infant", "Tarjeta sanitaria del niño", "The child's health card")],
        (
            "En línia a www.mataro.cat o a l'OAC",
            "En línea en www.mataro.cat o en la OAC",
            "Online at www.mataro.cat or at the OAC",
        ),
        OAC_HOURS,
    ),
    _p(
        "matrimoni_civil",
        "participacio",
        False,
        False,
        None,
        ("Casament civil a l'Ajuntament", "Boda civil en el Ayuntamiento", "Civil wedding at the City Hall"),
        (
            "Reserva de data i sala per a la cerimònia.",
            "Reserva de fecha y sala para la ceremonia.",
            "Booking a date and a room for the ceremony.",
        ),
        [
            ("DNI de les dues persones", "DNI de las dos personas", "Both partners' DNI"),
            ("Expedient del Registre Civil", "Expediente del Registro Civil", "The Civil Registry file"),
        ],
        OAC,
        OAC_HOURS,
    ),
    _p(
        "objectes_perduts",
        "participacio",
        False,
        False,
        None,
        ("Objectes perduts", "Objetos perdidos", "Lost property"),
        (
            "Consulteu si algú ha trobat el que heu perdut.",
            "Consulte si alguien ha encontrado lo que ha perdido.",
            "Check whether someone found what you lost.",
        ),
        [DNI, ("Descripció de l'objecte", "Descripción del objeto", "A description of the item")],
        POLICIA,
        ALWAYS,
    ),
    _p(
        "reserva_equipaments",
        "participacio",
        False,
        False,
        None,
        (
            "Reserva de sales i equipaments",
            "Reserva de salas y equipamientos",
            "Booking rooms and facilities",
        ),
        (
            "Sales de centres cívics per a entitats i veïns.",
            "Salas de centros cívicos para entidades y vecinos.",
            "Community centre rooms for groups and residents.",
        ),
        [DNI],
        (
            "Al centre cívic del barri",
            "En el centro cívico del barrio",
            "At the neighbourhood community centre",
        ),
        ("De dilluns a divendres de 9 a 21", "De lunes a viernes de 9 a 21", "Monday to Friday 9–21"),
    ),
]

#: The identifications each procedure accepts, where it differs from what `needs_certificate` gives
#: (a certificate or a hand-off when it needs one, anyone otherwise). A certificate of residence
#: (convivència) lists the whole household: certificate only. The deixalleria's card and visits take the
#: weak identification too; the bústia takes anyone, unidentified included.
ACCEPTS: dict[str, tuple[Identification, ...]] = {
    "volant_individual": IDENTIFIED,
    "volant_collectiu": IDENTIFIED,
    "certificat_convivencia": CERTIFICATE_ONLY,
    "instancia_generica": IDENTIFIED,
    "deixalleria_targeta": ("certificate", "handoff", "weak"),
    "deixalleria_consulta": ("certificate", "handoff", "weak"),
    "bustia": ANYONE,
    "cita_previa": IDENTIFIED,
    "activitats": IDENTIFIED,
    "pagament_tributs": IDENTIFIED,
}

#: The services that take appointments (cita prèvia): code, names (ca, es, en), office, minutes a slot.
CITA_OFFICE = "OAC Centre, la Riera, 48"
CITA_SERVICES = [
    ("padro", ("Padró d'habitants", "Padrón de habitantes", "Padró (census)"), CITA_OFFICE, 15),
    ("registre", ("Registre general", "Registro general", "General registry"), CITA_OFFICE, 15),
]
#: When the OAC gives appointments, in Mataró's local time, by weekday (0 = Monday): what OAC_HOURS says.
CITA_HOURS: dict[int, tuple[tuple[str, str], ...]] = {
    0: (("08:30", "14:30"),),
    1: (("08:30", "14:30"),),
    2: (("08:30", "14:30"),),
    3: (("08:30", "14:30"), ("16:30", "19:00")),
    4: (("08:30", "14:30"),),
}
#: How many days ahead the demo database offers appointments.
CITA_DAYS_AHEAD = 14

#: The activities with limited places (inscripcions a activitats), for the demo: code, names (ca, es, en),
#: civic centre, schedule (ca, es, en), places, fee and reduced fee in euro cents (0: free; None: no
#: reduced fee), and the pre-registration window and draw as days from the seeding day: opens (at local
#: midnight), closes (at local midnight, not included) and the draw (at noon).
ACTIVITIES = [
    (
        "fotografia",
        (
            "Iniciació a la fotografia digital",
            "Iniciación a la fotografía digital",
            "Digital photography for beginners",
        ),
        "Centre Cívic Pla d'en Boet",
        (
            "Dimarts de 18 a 20 h, 10 sessions",
            "Martes de 18 a 20 h, 10 sesiones",
            "Tuesdays 6–8 pm, 10 sessions",
        ),
        12, 3500, 1750, -7, 14, 15,
    ),
    (
        "ioga",
        ("Ioga per a gent gran", "Yoga para gente mayor", "Yoga for older people"),
        "Centre Cívic Cerdanyola",
        (
            "Dilluns i dimecres de 10 a 11 h",
            "Lunes y miércoles de 10 a 11 h",
            "Mondays and Wednesdays 10–11 am",
        ),
        15, 0, None, -7, 14, 15,
    ),
    (
        "cuina",
        ("Taller de cuina de mercat", "Taller de cocina de mercado", "Market cooking workshop"),
        "Centre Cívic Rocafonda-El Palau",
        (
            "Dijous de 17 a 19.30 h, 6 sessions",
            "Jueves de 17 a 19.30 h, 6 sesiones",
            "Thursdays 5–7.30 pm, 6 sessions",
        ),
        10, 4800, 2400, -21, -1, 0,
    ),
]  # fmt: skip

_NEEDS_CERTIFICATE = {code: cert for code, _topic, cert, *_rest in PROCEDURES}


def accepts(code: str) -> tuple[Identification, ...]:
    """The identifications procedure `code` accepts (nothing for a code not in the catalogue)."""
    if code in ACCEPTS:
        return ACCEPTS[code]
    if code not in _NEEDS_CERTIFICATE:
        return ()
    return IDENTIFIED if _NEEDS_CERTIFICATE[code] else ANYONE
