//! The sections' legal references and the method's rules in Spanish: what
//! the report cites and how it can be recomputed, so a Spanish reader gets
//! both in their language. The figures' keys and rules stay as the JSON
//! states them (marked English).

use crate::formats::reports::aggregate::EVENTS_DIGEST_RULE;
use crate::formats::reports::provenance::{
    PSEUDONYMISATION_METHOD, REPORT_ID_RULE, SAMPLE_RECOMPUTE,
};

/// (English, Spanish), looked up after [`super::TEXTS`]. An exact entry comes
/// before a template that would also match it.
pub const REFERENCES: &[(&str, &str)] = &[
    // Method.
    (
        EVENTS_DIGEST_RULE,
        "SHA-256 sobre una línea por cada hora UTC con eventos exportados, en orden temporal: el inicio de la hora (YYYY-MM-DDTHH:00:00Z), un espacio, el SHA-256 en hexadecimal y minúsculas de las líneas originales de los eventos de esa hora, cada una seguida de \\n, en el orden de la exportación (ts, event_id), y \\n",
    ),
    (
        PSEUDONYMISATION_METHOD,
        "clave del tenant = HMAC-SHA-256(clave del servicio, tenant_id); seudónimo = ps_ + los 16 primeros caracteres hexadecimales de HMAC-SHA-256(clave del tenant, identificador del usuario)",
    ),
    (
        SAMPLE_RECOMPUTE,
        "para cada identificador de la población del apartado, calcule SHA-256(semilla + \"|\" + identificador), lea sus 8 primeros bytes como un entero big-endian y conserve los 25 menores; el resultado no depende del orden de los eventos",
    ),
    (
        REPORT_ID_RULE,
        "UUIDv5 (espacio de nombres URL) de tenant|format|window_start/window_end|events_digest|mapping_version|schema_version|profile_version (profile_version es `none` cuando no se ha declarado un perfil)",
    ),
    // AESIA: Regulation (EU) 2024/1689.
    (
        "Regulation (EU) 2024/1689, Art. 4",
        "Reglamento (UE) 2024/1689, art. 4",
    ),
    (
        "Regulation (EU) 2024/1689, Art. 5",
        "Reglamento (UE) 2024/1689, art. 5",
    ),
    (
        "Regulation (EU) 2024/1689, Art. 12",
        "Reglamento (UE) 2024/1689, art. 12",
    ),
    (
        "Regulation (EU) 2024/1689, Art. 14 and Art. 26(2)",
        "Reglamento (UE) 2024/1689, arts. 14 y 26.2",
    ),
    (
        "Regulation (EU) 2024/1689, Art. 26(1) and 26(5)",
        "Reglamento (UE) 2024/1689, arts. 26.1 y 26.5",
    ),
    (
        "Regulation (EU) 2024/1689, Art. 26(6); providers: Art. 19",
        "Reglamento (UE) 2024/1689, art. 26.6; proveedores: art. 19",
    ),
    (
        "Regulation (EU) 2024/1689, Art. 26(7)",
        "Reglamento (UE) 2024/1689, art. 26.7",
    ),
    (
        "Regulation (EU) 2024/1689, Art. 26(11)",
        "Reglamento (UE) 2024/1689, art. 26.11",
    ),
    (
        "Regulation (EU) 2024/1689, Art. 27",
        "Reglamento (UE) 2024/1689, art. 27",
    ),
    (
        "Regulation (EU) 2024/1689, Art. 50",
        "Reglamento (UE) 2024/1689, art. 50",
    ),
    (
        "Regulation (EU) 2024/1689, Art. 72 (deployer data the provider's plan can use)",
        "Reglamento (UE) 2024/1689, art. 72 (datos del responsable del despliegue que el plan del proveedor puede utilizar)",
    ),
    (
        "Regulation (EU) 2024/1689, Art. 73 (deployers: Art. 26(5))",
        "Reglamento (UE) 2024/1689, art. 73 (responsables del despliegue: art. 26.5)",
    ),
    (
        "Regulation (EU) 2024/1689, Art. 86",
        "Reglamento (UE) 2024/1689, art. 86",
    ),
    // AEPD: GDPR (RGPD) and LOPDGDD.
    ("GDPR Art. 5(1)(c)", "RGPD, art. 5.1.c)"),
    ("GDPR Art. 5(2) and Art. 24", "RGPD, arts. 5.2 y 24"),
    (
        "GDPR Art. 9; LOPDGDD Art. 9",
        "RGPD, art. 9; LOPDGDD, art. 9",
    ),
    (
        "GDPR Art. 22; LOPDGDD Art. 18",
        "RGPD, art. 22; LOPDGDD, art. 18",
    ),
    ("GDPR Art. 25", "RGPD, art. 25"),
    ("GDPR Art. 28", "RGPD, art. 28"),
    (
        "GDPR Art. 30; LOPDGDD Art. 31",
        "RGPD, art. 30; LOPDGDD, art. 31",
    ),
    ("GDPR Art. 32", "RGPD, art. 32"),
    ("GDPR Art. 33 and 34", "RGPD, arts. 33 y 34"),
    (
        "GDPR Art. 35; AEPD DPIA lists",
        "RGPD, art. 35; listas de la AEPD de tratamientos que requieren EIPD",
    ),
    (
        "GDPR Chapter V, Art. 44-49",
        "RGPD, capítulo V, arts. 44 a 49",
    ),
    // ENS: Spanish already, one phrase apart.
    (
        "RD 311/2022, Anexo II, op.exp.7; notification to CCN-CERT: art. 33",
        "RD 311/2022, anexo II, op.exp.7; notificación al CCN-CERT: art. 33",
    ),
    ("RD 311/2022, Anexo II, {}", "RD 311/2022, anexo II, {}"),
    ("RD 311/2022, art. 24", "RD 311/2022, art. 24"),
];
