//! The report's English sentences with their Spanish: gaps, applicability
//! notes, the scope note, the frameworks' citations.

/// (English, Spanish); the same number of `{}` in both, in the same order.
pub const TEXTS: &[(&str, &str)] = &[
    // The frameworks' citations (the reports' headings); the ENS's is Spanish already.
    (
        "Regulation (EU) 2024/1689 (Artificial Intelligence Act); supervision in Spain by AESIA",
        "Reglamento (UE) 2024/1689 (Reglamento de Inteligencia Artificial); supervisión en España por la AESIA",
    ),
    (
        "Regulation (EU) 2016/679 (GDPR) and Ley Orgánica 3/2018 (LOPDGDD); supervision by the AEPD",
        "Reglamento (UE) 2016/679 (RGPD) y Ley Orgánica 3/2018 (LOPDGDD); supervisión por la AEPD",
    ),
    (
        "Real Decreto 311/2022, Anexo II",
        "Real Decreto 311/2022, Anexo II",
    ),
    (
        "no breach candidate in the window; absence of records is not evidence that no breach occurred",
        "ninguna posible violación de seguridad en el periodo; la ausencia de registros no prueba que no se produjera ninguna",
    ),
    (
        "{} candidate(s) have no incident record in the log",
        "{} candidata(s) sin registro de incidente en el registro de eventos",
    ),
    (
        "{} of {} candidate(s) have no notification to the AEPD, or assessment that none was due, declared in the tenant's compliance profile (notifications)",
        "{} de {} candidata(s) no tienen notificación a la AEPD, ni evaluación de que no procedía, declarada en el perfil de cumplimiento del tenant (notifications)",
    ),
    (
        "whether a candidate is a breach, its risk to people, and any communication to data subjects (Art. 34) are not in the log",
        "si una candidata es una violación de seguridad, su riesgo para las personas y cualquier comunicación a los interesados (art. 34) no constan en el registro",
    ),
    ("no events in the window", "ningún evento en el periodo"),
    (
        "whether a DPIA was carried out, and its content, are not in the log",
        "si se realizó una EIPD, y su contenido, no constan en el registro",
    ),
    (
        "no personal-data request in the window",
        "ninguna solicitud con datos personales en el periodo",
    ),
    (
        "{} personal-data request(s) went outside the EEA to a provider and region with neither an adequacy decision nor a transfer basis declared in the tenant's compliance profile (providers[].regions and transfer_basis): review them under Art. 44-49; a transfer is not a breach",
        "{} solicitud(es) con datos personales salieron del EEE hacia un proveedor y región sin decisión de adecuación ni base de transferencia declarada en el perfil de cumplimiento del tenant (providers[].regions y transfer_basis): revíselas conforme a los arts. 44-49; una transferencia no es una violación de seguridad",
    ),
    (
        "a declared basis is cited, not checked: the SCCs, the provider's DPF certification and any transfer impact assessment are documents outside the log",
        "una base declarada se cita, no se comprueba: las CCT, la certificación DPF del proveedor y cualquier evaluación de impacto de la transferencia son documentos ajenos al registro",
    ),
    (
        "no request event carries data_categories: personal-data detection is not visible in the log",
        "ningún evento de solicitud lleva data_categories: la detección de datos personales no es visible en el registro",
    ),
    (
        "{} of {} request events carry no data_categories field",
        "{} de {} eventos de solicitud no llevan el campo data_categories",
    ),
    (
        "{} request(s) went to a provider with personal data unredacted ({} of them allowed by a reviewer)",
        "{} solicitud(es) llegaron a un proveedor con datos personales sin redactar ({} de ellas permitidas por un revisor)",
    ),
    (
        "{} escalated request(s) have no reviewer decision in the window",
        "{} solicitud(es) escaladas no tienen decisión de un revisor en el periodo",
    ),
    (
        "whether the personal data sent was necessary for the purpose is a judgement the log cannot make",
        "si los datos personales enviados eran necesarios para la finalidad es un juicio que el registro no puede hacer",
    ),
    (
        "fields present on fewer than 99% of request events: {}",
        "campos presentes en menos del 99 % de los eventos de solicitud: {}",
    ),
    (
        "policies, records of processing and DPIAs themselves are documents outside the log",
        "las políticas, los registros de actividades de tratamiento y las EIPD son documentos ajenos al registro",
    ),
    (
        "no special-category detection in the window: the handling of special categories is not shown (its trigger never occurred)",
        "ninguna detección de categorías especiales en el periodo: no se muestra su tratamiento (el desencadenante no se produjo)",
    ),
    (
        "{} special-category request(s) were allowed ({} of them by a reviewer), or handled without a recorded decision",
        "{} solicitud(es) con categorías especiales se permitieron ({} de ellas por un revisor) o se trataron sin decisión registrada",
    ),
    (
        "detected categories this report does not know, counted as personal data but not as special: {}",
        "categorías detectadas que este informe no conoce, contadas como datos personales pero no como especiales: {}",
    ),
    (
        "{} escalated special-category request(s) have no reviewer decision in the window",
        "{} solicitud(es) escaladas con categorías especiales no tienen decisión de un revisor en el periodo",
    ),
    (
        "an Art. 9(2) exception (e.g. explicit consent) that would make processing lawful is not in the log",
        "una excepción del art. 9.2 (p. ej., consentimiento explícito) que haría lícito el tratamiento no consta en el registro",
    ),
    (
        "whether a decision had legal or similarly significant effects on a person is not in the log",
        "si una decisión produjo efectos jurídicos o significativamente similares sobre una persona no consta en el registro",
    ),
    (
        "no traffic shown under a redaction policy",
        "no se muestra tráfico bajo una política de redacción",
    ),
    (
        "{} decision(s) ran under a configuration not published in the window: their policy set is unknown",
        "{} decisión(es) se tomaron con una configuración no publicada en el periodo: se desconoce su conjunto de políticas",
    ),
    (
        "{} decision(s) ran without a redaction policy",
        "{} decisión(es) se tomaron sin política de redacción",
    ),
    (
        "whether the redaction policies detect every kind of personal data, and the design choices behind them, are not in the log",
        "si las políticas de redacción detectan todo tipo de datos personales, y las decisiones de diseño que las sustentan, no constan en el registro",
    ),
    (
        "the log shows which processors received requests; the agreements themselves are documents outside it, cited here only as the tenant declared them",
        "el registro muestra qué encargados recibieron solicitudes; los contratos son documentos ajenos a él y aquí solo se citan tal como el tenant los declaró",
    ),
    (
        "purposes, legal bases, categories of data subjects and retention periods of the record are not in the log; the inventory covers only recipients, categories and transfers",
        "los fines, bases jurídicas, categorías de interesados y plazos de conservación del registro de actividades no constan en el registro de eventos; el inventario cubre solo destinatarios, categorías y transferencias",
    ),
    (
        "no block or redaction in the window: enforcement is not visible",
        "ningún bloqueo ni redacción en el periodo: la aplicación de medidas no es visible",
    ),
    (
        "{} enforcement(s) name no policy",
        "{} actuación(es) no nombran ninguna política",
    ),
    (
        "blocks by policy show one measure operating; the appropriateness of the measures to the risk is not something a log can show",
        "los bloqueos por política muestran una medida en funcionamiento; la adecuación de las medidas al riesgo no es algo que un registro pueda mostrar",
    ),
    (
        "no request events: traceability of individual requests cannot be shown",
        "ningún evento de solicitud: no puede mostrarse la trazabilidad de solicitudes individuales",
    ),
    (
        "logging of the AI system itself (inputs, reference databases, Art. 12(3)) is outside the gateway; the gateway log covers the requests it handled",
        "el registro del propio sistema de IA (entradas, bases de datos de referencia, art. 12.3) está fuera de la pasarela; el registro de la pasarela cubre las solicitudes que gestionó",
    ),
    (
        "no policy decisions in the window",
        "ninguna decisión de política en el periodo",
    ),
    (
        "some request events do not name the configuration version in force",
        "algunos eventos de solicitud no indican la versión de configuración vigente",
    ),
    (
        "the provider's instructions for use, and whether the configuration follows them, are not in the log",
        "las instrucciones de uso del proveedor, y si la configuración las sigue, no constan en el registro",
    ),
    (
        "the provider's post-market monitoring plan and its analysis are not in the log",
        "el plan de vigilancia poscomercialización del proveedor y su análisis no constan en el registro",
    ),
    (
        "no incident candidate in the window; absence of records is not evidence that no serious incident occurred",
        "ningún posible incidente en el periodo; la ausencia de registros no prueba que no se produjera ningún incidente grave",
    ),
    (
        "{} candidate(s) were not followed by an incident report or escalation in the log",
        "{} candidato(s) no fueron seguidos de un informe de incidente ni de una escalada en el registro",
    ),
    (
        "{} of {} candidate(s) have no notification to the market surveillance authority, or assessment that none was due, declared in the tenant's compliance profile (notifications); {} of them were past the 2-day deadline at the window end. The gateway log does not record notifications",
        "{} de {} candidato(s) no tienen notificación a la autoridad de vigilancia del mercado, ni evaluación de que no procedía, declarada en el perfil de cumplimiento del tenant (notifications); {} de ellos habían superado el plazo de 2 días al final del periodo. El registro de la pasarela no registra notificaciones",
    ),
    (
        "harm, causal link and seriousness (Art. 3(49)) are assessed by people, not derivable from the log",
        "el daño, el nexo causal y la gravedad (art. 3.49) los evalúan personas; no se deducen del registro",
    ),
    (
        "events carry no disclosure flag: whether people were told they interact with an AI system is outside what this log records",
        "los eventos no llevan indicador de información: si se informó a las personas de que interactúan con un sistema de IA queda fuera de lo que registra este registro",
    ),
    (
        "the flag records that a disclosure was made, not its wording or that it was clear and timely (Art. 50(5))",
        "el indicador registra que se informó, no el texto ni que fuera claro y oportuno (art. 50.5)",
    ),
    (
        "{} of {} request events do not record a disclosure",
        "{} de {} eventos de solicitud no registran que se informara",
    ),
    (
        "the declared retention ({} days) is shorter than {} days",
        "la conservación declarada ({} días) es inferior a {} días",
    ),
    (
        "the retention period is not in the event log and not declared in the tenant's compliance profile (retention.log_days)",
        "el plazo de conservación no consta en el registro de eventos ni está declarado en el perfil de cumplimiento del tenant (retention.log_days)",
    ),
    (
        "the oldest exported event is {} days old at the window end: retention of {} days rests on the tenant's declaration, not on the exported events",
        "el evento exportado más antiguo tiene {} días al final del periodo: la conservación de {} días se apoya en la declaración del tenant, no en los eventos exportados",
    ),
    (
        "{} resolution(s) are timestamped before their own escalation's opening (a timestamp anomaly): they do not count as resolving it, and those escalations are counted as pending",
        "{} resolución(es) tienen marca de tiempo anterior a la apertura de su propia escalada (una anomalía de marcas de tiempo): no cuentan como su resolución, y esas escaladas se cuentan como pendientes",
    ),
    (
        "the oldest exported event is {} days old at the window end; the export shows retention of at least that, not of {} days (export a window reaching {} days back to show it)",
        "el evento exportado más antiguo tiene {} días al final del periodo; la exportación muestra una conservación de al menos ese tiempo, no de {} días (exporte un periodo que alcance {} días atrás para mostrarla)",
    ),
    (
        "that events are deleted when the retention period ends is not shown by an export of what is kept",
        "que los eventos se supriman al terminar el plazo de conservación no lo muestra una exportación de lo que se conserva",
    ),
    (
        "no escalation to human review in the window ({} high/critical-risk events)",
        "ninguna escalada a revisión humana en el periodo ({} eventos de riesgo alto o crítico)",
    ),
    (
        "{} resolution(s) do not name a reviewer",
        "{} resolución(es) no nombran a un revisor",
    ),
    (
        "{} resolution(s) of escalations opened before the window: no time to decision for them",
        "{} resolución(es) de escaladas abiertas antes del periodo: sin tiempo hasta la decisión para ellas",
    ),
    (
        "{} escalation(s) were waiting for a human decision for more than {} hours at the window end",
        "{} escalada(s) esperaban una decisión humana desde hacía más de {} horas al final del periodo",
    ),
    (
        "{} escalation(s) still pending at the window end, within the {}-hour review SLA",
        "{} escalada(s) aún pendientes al final del periodo, dentro del plazo de revisión de {} horas",
    ),
    (
        "no escalation was resolved in the window",
        "ninguna escalada se resolvió en el periodo",
    ),
    (
        "some escalation events could not be linked (missing or untracked escalation_id)",
        "algunos eventos de escalada no pudieron vincularse (escalation_id ausente o no seguido)",
    ),
    (
        "whether reviewers were competent, trained and had authority (Art. 26(2)) is not in the log",
        "si los revisores tenían la competencia, la formación y la autoridad necesarias (art. 26.2) no consta en el registro",
    ),
    (
        "{} is not declared in the tenant's compliance profile for: {}",
        "{} no está declarado en el perfil de cumplimiento del tenant para: {}",
    ),
    (
        "more providers appear in the log than the report lists; their declarations are not checked",
        "en el registro aparecen más proveedores de los que el informe enumera; sus declaraciones no se comprueban",
    ),
    (
        "{} is not in the log and not declared in the tenant's compliance profile (security.{})",
        "{} no consta en el registro ni está declarado en el perfil de cumplimiento del tenant (security.{})",
    ),
    (
        "whether the AI systems used through the gateway are high-risk (Annex III) is not declared in the tenant's compliance profile (ai_systems); this obligation applies to high-risk systems only, and the report does not assume that it applies",
        "si los sistemas de IA usados a través de la pasarela son de alto riesgo (anexo III) no está declarado en el perfil de cumplimiento del tenant (ai_systems); esta obligación se aplica solo a sistemas de alto riesgo y el informe no presupone que se aplique",
    ),
    (
        "the tenant declares no high-risk AI system (every ai_systems entry has annex_iii \"none\"): this obligation of high-risk systems does not apply to the declared systems; the figures are shown for information",
        "el tenant no declara ningún sistema de IA de alto riesgo (todas las entradas de ai_systems tienen annex_iii \"none\"): esta obligación de los sistemas de alto riesgo no se aplica a los sistemas declarados; las cifras se muestran a título informativo",
    ),
    (
        "{} request(s) carry no actor.user_id",
        "{} solicitud(es) no llevan actor.user_id",
    ),
    (
        "how identities are provisioned and authenticated is outside the gateway log; the log records the identity the gateway received",
        "cómo se dan de alta y se autentican las identidades queda fuera del registro de la pasarela; el registro anota la identidad que recibió la pasarela",
    ),
    (
        "the gateway log has no access or authentication records: the mechanisms (factors, credentials, lockouts) are shown by the identity provider's configuration and logs",
        "el registro de la pasarela no tiene registros de acceso ni de autenticación: los mecanismos (factores, credenciales, bloqueos) los muestran la configuración y los registros del proveedor de identidad",
    ),
    (
        "no policy denial in the window",
        "ninguna denegación por política en el periodo",
    ),
    (
        "{} denial(s) name no actor",
        "{} denegación(es) no nombran a ningún actor",
    ),
    (
        "the roles and rights granted (least privilege itself) are not in the log; denials show enforcement only",
        "los roles y derechos concedidos (el mínimo privilegio en sí) no constan en el registro; las denegaciones solo muestran su aplicación",
    ),
    (
        "no block or redaction in the window",
        "ningún bloqueo ni redacción en el periodo",
    ),
    (
        "the gateway's policies are application-level detection; network and host intrusion detection are outside this log",
        "las políticas de la pasarela son detección en el nivel de aplicación; la detección de intrusiones en red y en equipos queda fuera de este registro",
    ),
    (
        "targets and review of the metrics by the organisation are not in the log",
        "los objetivos y la revisión de las métricas por la organización no constan en el registro",
    ),
    (
        "surveillance of threats beyond the gateway (threat intelligence, vulnerability watch) is outside this log",
        "la vigilancia de amenazas más allá de la pasarela (inteligencia de amenazas, vigilancia de vulnerabilidades) queda fuera de este registro",
    ),
    (
        "certifications are cited as the tenant declared them; their scope and validity are not checked",
        "las certificaciones se citan tal como el tenant las declaró; su alcance y validez no se comprueban",
    ),
    (
        "service-level agreements and their review are not in the log",
        "los acuerdos de nivel de servicio y su revisión no constan en el registro",
    ),
    (
        "{} request event(s) carry no data_categories field",
        "{} evento(s) de solicitud no llevan el campo data_categories",
    ),
    (
        "compliance with data-protection law itself is reported in compliance-aepd",
        "el cumplimiento de la normativa de protección de datos se informa en compliance-aepd",
    ),
    (
        "the declared category is BASICA: this reinforcement is not required (RD 311/2022, Anexo II, op.exp.8)",
        "la categoría declarada es BASICA: este refuerzo no es exigible (RD 311/2022, anexo II, op.exp.8)",
    ),
    (
        "the ENS category is not declared in the tenant's compliance profile: whether this reinforcement is required is not stated",
        "la categoría ENS no está declarada en el perfil de cumplimiento del tenant: no se indica si este refuerzo es exigible",
    ),
    (
        "no export or read of the activity log is recorded in the window",
        "no consta ninguna exportación ni lectura del registro de actividad en el periodo",
    ),
    (
        "an export of the log shows that it was read, not that it was reviewed, by whom it was analysed, or what was concluded; review records are outside the log",
        "una exportación del registro muestra que se leyó, no que se revisara, quién lo analizó ni qué se concluyó; los registros de revisión quedan fuera del registro",
    ),
    (
        "{} event(s) do not identify a person",
        "{} evento(s) no identifican a una persona",
    ),
    (
        "the log identifies the identity the gateway received; that it belongs to the person acting depends on authentication outside the log (op.acc.6)",
        "el registro identifica la identidad que recibió la pasarela; que pertenezca a la persona que actúa depende de una autenticación ajena al registro (op.acc.6)",
    ),
    (
        "`{}` is missing on {} event(s)",
        "falta `{}` en {} evento(s)",
    ),
    (
        "activity of systems other than the AI gateway is not in this log",
        "la actividad de sistemas distintos de la pasarela de IA no consta en este registro",
    ),
    (
        "some events break the time reference (non-canonical timestamps or out of order in the export)",
        "algunos eventos rompen la referencia temporal (marcas de tiempo no canónicas o fuera de orden en la exportación)",
    ),
    (
        "{} line(s) were rejected (malformed, or time outside their partition)",
        "se rechazaron {} línea(s) (mal formadas, o con hora fuera de su partición)",
    ),
    (
        "clock synchronisation of the producing systems is not recorded in the log",
        "la sincronización de reloj de los sistemas productores no consta en el registro",
    ),
    (
        "event types outside the documented catalogue were logged",
        "se registraron tipos de evento fuera del catálogo documentado",
    ),
    (
        "the retention period set by the organisation's security policy is not in the log; it is judged from the tenant's declaration (retention.log_days) or from events old enough to show it",
        "el plazo de conservación fijado por la política de seguridad de la organización no consta en el registro; se juzga por la declaración del tenant (retention.log_days) o por eventos con antigüedad suficiente para mostrarlo",
    ),
    (
        "no export or read of the activity log is recorded in the window: access to the logs is not shown (administrative actions are not accesses to the log)",
        "ninguna exportación ni lectura del registro de actividad consta en el periodo: el acceso a los registros no se muestra (las acciones administrativas no son accesos al registro)",
    ),
    (
        "{} of {} configuration version(s) were named by events before their config.published event in the window (first_seen before published_at): the trail does not show them published before use",
        "{} de {} versión(es) de configuración fueron nombradas por eventos antes de su evento config.published en el periodo (first_seen anterior a published_at): la traza no muestra que se publicaran antes de usarse",
    ),
    (
        "{} export(s) of the log name no actor",
        "{} exportación(es) del registro no nombran a ningún actor",
    ),
    (
        "{} escalation(s) have a resolution timestamped before their opening (a timestamp anomaly): they are counted open at the window end, and their register entries say so (resolved_before_opening)",
        "{} escalada(s) tienen una resolución con marca de tiempo anterior a su apertura (una anomalía de marcas de tiempo): se cuentan abiertas al final del periodo, y sus entradas del registro lo indican (resolved_before_opening)",
    ),
    (
        "no administrative action or log export recorded in the window",
        "ninguna acción administrativa ni exportación del registro en el periodo",
    ),
    (
        "{} administrative action(s) name no actor",
        "{} acción(es) administrativas no nombran a ningún actor",
    ),
    (
        "exports of the log are recorded by the export service's job records, not in this event log; who may read logs (the access policy) is not in the log",
        "las exportaciones del registro constan en los trabajos del servicio de exportación, no en este registro de eventos; quién puede leer los registros (la política de acceso) no consta en el registro",
    ),
    (
        "no incident recorded in the window; absence of records is not evidence that none occurred",
        "ningún incidente registrado en el periodo; la ausencia de registros no prueba que no se produjera ninguno",
    ),
    (
        "{} incident(s) without an acknowledgement in the log",
        "{} incidente(s) sin acuse de recibo en el registro",
    ),
    (
        "{} of {} high or critical incident(s) have no notification to CCN-CERT, or assessment that none was due, declared in the tenant's compliance profile (notifications); the gateway log does not record notifications",
        "{} de {} incidente(s) de severidad alta o crítica no tienen notificación al CCN-CERT, ni evaluación de que no procedía, declarada en el perfil de cumplimiento del tenant (notifications); el registro de la pasarela no registra notificaciones",
    ),
    (
        "incidents detected outside the gateway and their classification are not in this log",
        "los incidentes detectados fuera de la pasarela y su clasificación no constan en este registro",
    ),
    (
        "no escalation or incident in the window",
        "ninguna escalada ni incidente en el periodo",
    ),
    (
        "{} escalation(s) were opened before the window: their opening is in an earlier export",
        "{} escalada(s) se abrieron antes del periodo: su apertura figura en una exportación anterior",
    ),
    (
        "some escalation or incident events could not be registered (missing or untracked ids)",
        "algunos eventos de escalada o de incidente no pudieron registrarse (identificadores ausentes o no seguidos)",
    ),
    (
        "the register lists the sampled escalations and incidents only; lessons learnt and follow-up actions are outside the log",
        "el registro enumera solo las escaladas e incidentes muestreados; las lecciones aprendidas y las acciones de seguimiento quedan fuera del registro",
    ),
    (
        "no request names a model provider",
        "ninguna solicitud indica un proveedor de modelos",
    ),
    (
        "{} of {} request events do not name a model provider",
        "{} de {} eventos de solicitud no indican un proveedor de modelos",
    ),
    (
        "no request names a provider",
        "ninguna solicitud indica un proveedor",
    ),
    (
        "{} request event(s) name no provider",
        "{} evento(s) de solicitud no indican ningún proveedor",
    ),
    (
        "{} request(s) name no provider",
        "{} solicitud(es) no indican ningún proveedor",
    ),
    (
        "a data processing agreement (Art. 28(3))",
        "un contrato de encargo del tratamiento (art. 28.3)",
    ),
    (
        "the security measures of Art. 32(1)(a)-(d) (encryption, resilience, restoration, regular testing)",
        "las medidas de seguridad del art. 32.1.a)-d) (cifrado, resiliencia, restauración, verificación periódica)",
    ),
    (
        "the access-rights management process (who grants, reviews and revokes rights)",
        "el proceso de gestión de derechos de acceso (quién concede, revisa y revoca derechos)",
    ),
    (
        "an intrusion-detection system",
        "un sistema de detección de intrusiones",
    ),
    (
        "a certification of the cloud service (e.g. ENS, ISO/IEC 27001)",
        "una certificación del servicio en la nube (p. ej., ENS, ISO/IEC 27001)",
    ),
    (
        "{} silence(s) longer than {} minutes ({} minutes in total, {} of the period); the log cannot tell quiet periods from collection outages",
        "{} silencio(s) de más de {} minutos ({} minutos en total, {} del periodo); el registro no distingue periodos sin actividad de cortes en la recogida",
    ),
    ("under 1%", "menos del 1 %"),
    (
        "this obligation applies from {}; the period ends before that, so the figures show readiness, not an obligation that was due",
        "esta obligación se aplica desde el {}; el periodo termina antes, así que las cifras muestran preparación, no una obligación exigible",
    ),
    (
        "this obligation applies from {}, within the period; figures before that date show readiness only",
        "esta obligación se aplica desde el {}, dentro del periodo; las cifras anteriores a esa fecha muestran solo preparación",
    ),
    (
        "staff AI-literacy measures are shown by training records, not by the gateway log",
        "las medidas de alfabetización en IA del personal se acreditan con registros de formación, no con el registro de la pasarela",
    ),
    (
        "whether a use is a prohibited practice is shown by the inventory and assessment of the AI systems' purposes, not by request records",
        "si un uso es una práctica prohibida se acredita con el inventario y la evaluación de las finalidades de los sistemas de IA, no con registros de solicitudes",
    ),
    (
        "information given to workers' representatives and affected workers lives in the employer's records",
        "la información dada a los representantes de los trabajadores y a los trabajadores afectados consta en los registros del empleador",
    ),
    (
        "notices to people subject to decisions made with a high-risk system live in the deployer's communication records",
        "los avisos a las personas sujetas a decisiones tomadas con un sistema de alto riesgo constan en los registros de comunicaciones del responsable del despliegue",
    ),
    (
        "the FRIA and its notification to the market surveillance authority are documents outside the log",
        "la EIDF y su notificación a la autoridad de vigilancia del mercado son documentos ajenos al registro",
    ),
    (
        "requests for explanations and the answers given live in the deployer's case records",
        "las solicitudes de explicación y las respuestas dadas constan en los expedientes del responsable del despliegue",
    ),
    (
        "Art. 113(a): Chapters I and II apply from 2 February 2025",
        "art. 113.a): los capítulos I y II se aplican desde el 2 de febrero de 2025",
    ),
    (
        "Art. 30(1) controllers, Art. 30(2) processors; LOPDGDD Art. 31 from 2018-12-07",
        "art. 30.1 responsables, art. 30.2 encargados; LOPDGDD art. 31 desde el 2018-12-07",
    ),
    (
        "Art. 50(1)-(2) providers, Art. 50(3)-(4) deployers",
        "art. 50.1-2 proveedores, art. 50.3-4 responsables del despliegue",
    ),
    ("GDPR Art. 99(2)", "RGPD art. 99.2"),
    (
        "GDPR Art. 99(2); LOPDGDD from 2018-12-07",
        "RGPD art. 99.2; LOPDGDD desde el 2018-12-07",
    ),
    (
        "deployers that are bodies governed by public law or private entities providing public services, and deployers of Annex III 5(b)-(c) systems",
        "responsables del despliegue que sean organismos de Derecho público o entidades privadas que prestan servicios públicos, y responsables del despliegue de sistemas del anexo III, punto 5, letras b) y c)",
    ),
    (
        "entities of RD 311/2022 art. 2 and the providers of their systems; in force 2022-05-05, systems in place adapted by 2024-05-05",
        "entidades del art. 2 del RD 311/2022 y los proveedores de sus sistemas; en vigor desde el 2022-05-05, sistemas existentes adecuados a 2024-05-05",
    ),
    (
        "high-risk systems (Annex III)",
        "sistemas de alto riesgo (anexo III)",
    ),
    (
        "high-risk systems (Annex III): the provider designs oversight in (Art. 14), the deployer assigns it (Art. 26(2))",
        "sistemas de alto riesgo (anexo III): el proveedor diseña la supervisión (art. 14), el responsable del despliegue la asigna (art. 26.2)",
    ),
    (
        "high-risk systems (Annex III); deployers inform the provider (Art. 26(5))",
        "sistemas de alto riesgo (anexo III); los responsables del despliegue informan al proveedor (art. 26.5)",
    ),
    (
        "high-risk systems (Annex III); the provider designs logging in, the deployer keeps the logs (Art. 26(6))",
        "sistemas de alto riesgo (anexo III); el proveedor diseña el registro, el responsable del despliegue conserva los registros (art. 26.6)",
    ),
    (
        "processors notify the controller without undue delay (Art. 33(2))",
        "los encargados notifican al responsable sin dilación indebida (art. 33.2)",
    ),
    (
        "required from category MEDIA (RD 311/2022, Anexo II, op.exp.8)",
        "exigible desde la categoría MEDIA (RD 311/2022, anexo II, op.exp.8)",
    ),
    (
        "Evidence derived from the gateway event log. It shows that controls operated and what they recorded; it is not a conformity assessment, an audit opinion or legal advice.",
        "Evidencias derivadas del registro de eventos de la pasarela. Muestran que los controles funcionaron y lo que registraron; no es una evaluación de la conformidad, una opinión de auditoría ni asesoramiento jurídico.",
    ),
];
