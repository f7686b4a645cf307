//! Each section's title in both languages.

/// Section key, Spanish title, English title (every section of the three reports).
pub const TITLES: &[(&str, &str, &str)] = &[
    (
        "art12",
        "Conservación de registros: registro automático y trazabilidad",
        "Record-keeping: automatic logging and traceability",
    ),
    ("art14_art26.2", "Supervisión humana", "Human oversight"),
    (
        "art26.1_26.5",
        "Uso conforme a las instrucciones, vigilancia y actuación ante el riesgo",
        "Use in accordance with instructions, monitoring and acting on risk",
    ),
    (
        "art26.6",
        "Conservación de los registros por el responsable del despliegue (al menos seis meses)",
        "Log retention by the deployer (at least six months)",
    ),
    (
        "art26.7",
        "Información a los trabajadores y a sus representantes",
        "Informing workers and their representatives",
    ),
    (
        "art26.11",
        "Información a las personas físicas sujetas a decisiones",
        "Informing natural persons subject to decisions",
    ),
    (
        "art27",
        "Evaluación de impacto relativa a los derechos fundamentales",
        "Fundamental rights impact assessment",
    ),
    ("art4", "Alfabetización en materia de IA", "AI literacy"),
    (
        "art5",
        "Prácticas de IA prohibidas",
        "Prohibited AI practices",
    ),
    (
        "art50",
        "Transparencia para las personas físicas",
        "Transparency to natural persons",
    ),
    (
        "art72",
        "Datos para la vigilancia poscomercialización",
        "Post-market monitoring data",
    ),
    (
        "art73",
        "Incidentes graves: candidatos y plazos de notificación",
        "Serious incidents: candidates and reporting deadlines",
    ),
    (
        "art86",
        "Derecho a explicación de decisiones individuales",
        "Right to explanation of individual decision-making",
    ),
    ("rgpd.5.1.c", "Minimización de datos", "Data minimisation"),
    ("rgpd.5.2", "Responsabilidad proactiva", "Accountability"),
    (
        "rgpd.9",
        "Categorías especiales de datos personales",
        "Special categories of personal data",
    ),
    (
        "rgpd.22",
        "Decisiones individuales automatizadas: intervención humana",
        "Automated individual decision-making: human intervention",
    ),
    (
        "rgpd.25",
        "Protección de datos desde el diseño y por defecto",
        "Data protection by design and by default",
    ),
    (
        "rgpd.28",
        "Encargados del tratamiento (proveedores de LLM)",
        "Processors (LLM providers)",
    ),
    (
        "rgpd.30",
        "Registro de las actividades de tratamiento (inventario derivado)",
        "Record of processing activities (derived inventory)",
    ),
    (
        "rgpd.32",
        "Seguridad del tratamiento",
        "Security of processing",
    ),
    (
        "rgpd.33_34",
        "Posibles violaciones de la seguridad de los datos personales y el plazo de 72 horas",
        "Personal data breach candidates and the 72-hour clock",
    ),
    (
        "rgpd.35",
        "Indicadores para la evaluación de impacto relativa a la protección de datos",
        "Data protection impact assessment triggers",
    ),
    (
        "rgpd.44_49",
        "Transferencias internacionales",
        "International transfers",
    ),
    (
        "art24",
        "Registro de actividad: identificación de quien actúa",
        "Activity logging: identifying who acts",
    ),
    ("op.exp.8", "Registro de la actividad", "Activity logging"),
    (
        "op.exp.8.r1",
        "Registro de la actividad, refuerzo R1: revisión de los registros",
        "Activity logging, reinforcement R1: log review",
    ),
    (
        "op.exp.8.r2",
        "Registro de la actividad, refuerzo R2: referencia temporal e integridad",
        "Activity logging, reinforcement R2: time reference and integrity",
    ),
    (
        "op.exp.8.r3",
        "Registro de la actividad, refuerzo R3: eventos auditados y retención",
        "Activity logging, reinforcement R3: audited events and retention",
    ),
    (
        "op.exp.8.r4",
        "Registro de la actividad, refuerzo R4: acceso a los registros",
        "Activity logging, reinforcement R4: access to the logs",
    ),
    ("op.exp.7", "Gestión de incidentes", "Incident management"),
    (
        "op.exp.9",
        "Registro de la gestión de incidentes",
        "Register of incident handling",
    ),
    ("op.acc.1", "Identificación", "Identification"),
    (
        "op.acc.4",
        "Proceso de gestión de derechos de acceso",
        "Access rights management process",
    ),
    (
        "op.acc.6",
        "Mecanismo de autenticación (usuarios de la organización)",
        "Authentication mechanism (the organisation's users)",
    ),
    ("op.mon.1", "Detección de intrusión", "Intrusion detection"),
    ("op.mon.2", "Sistema de métricas", "Metrics system"),
    ("op.mon.3", "Vigilancia", "Surveillance"),
    (
        "op.ext.2",
        "Gestión diaria de proveedores externos",
        "Day-to-day management of external providers",
    ),
    (
        "op.nub.1",
        "Protección de servicios en la nube",
        "Protection of cloud services",
    ),
    ("mp.info.1", "Datos personales", "Personal data"),
];
