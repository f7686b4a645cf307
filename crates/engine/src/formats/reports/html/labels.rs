//! The HTML rendering's fixed words, in Spanish and English.
use crate::formats::reports::envelope::Status;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Es,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Es, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Self::Es => "es",
            Self::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code() == s)
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Label {
    Intro,
    Tenant,
    Period,
    PeriodUtc,
    EndExcluded,
    ReportId,
    GeneratedAt,
    Profile,
    Version,
    NotDeclared,
    Mapping,
    EnsCategory,
    Summary,
    Section,
    Title,
    Status,
    AppliesFrom,
    Legend,
    Method,
    Digest,
    Pseudonymisation,
    Sampling,
    ReportIdRule,
    Holders,
    Gaps,
    Declarations,
    Figures,
    Evidence,
    Provenance,
    Source,
    Manifest,
    File,
}

pub fn label(k: Label, lang: Lang) -> &'static str {
    use Label::*;
    let (es, en) = match k {
        Intro => (
            "Evidencias derivadas del registro de eventos de la pasarela. Los títulos, las referencias, el método, las carencias y las notas de aplicabilidad se traducen del informe JSON; las cifras, sus claves y las reglas de cálculo se muestran tal como constan en él (en inglés).",
            "Evidence derived from the gateway event log. Figures, rules and gaps are shown as the JSON report states them.",
        ),
        Tenant => ("Organización (tenant)", "Tenant"),
        Period => ("Periodo", "Period"),
        PeriodUtc => ("Periodo en UTC", "Period in UTC"),
        EndExcluded => ("final excluido", "end excluded"),
        ReportId => ("Identificador del informe", "Report id"),
        GeneratedAt => ("Generado", "Generated"),
        Profile => ("Perfil de cumplimiento", "Compliance profile"),
        Version => ("versión", "version"),
        NotDeclared => ("no declarado", "not declared"),
        Mapping => (
            "Versiones (correspondencia, esquema)",
            "Versions (mapping, schema)",
        ),
        EnsCategory => ("Categoría ENS", "ENS category"),
        Summary => ("Resumen", "Summary"),
        Section => ("Apartado", "Section"),
        Title => ("Título", "Title"),
        Status => ("Estado", "Status"),
        AppliesFrom => ("Aplicable desde", "Applies from"),
        Legend => ("Leyenda", "Legend"),
        Method => ("Método", "Method"),
        Digest => ("Huella de los eventos", "Events digest"),
        Pseudonymisation => ("Seudonimización", "Pseudonymisation"),
        Sampling => ("Muestreo (semilla)", "Sampling (seed)"),
        ReportIdRule => ("Identificador del informe", "Report id"),
        Holders => ("Obligados", "Holders"),
        Gaps => ("Lo que no se afirma", "What is not claimed"),
        Declarations => (
            "Declaraciones del tenant citadas",
            "Tenant declarations cited",
        ),
        Figures => ("Cifras", "Figures"),
        Evidence => ("Evidencias (identificadores)", "Evidence (identifiers)"),
        Provenance => ("Procedencia", "Provenance"),
        Source => ("Origen de los datos", "Source"),
        Manifest => ("Huellas del manifiesto", "Manifest hashes"),
        File => ("Fichero", "File"),
    };
    match lang {
        Lang::Es => es,
        Lang::En => en,
    }
}

pub fn status_label(s: Status, lang: Lang) -> &'static str {
    match (s, lang) {
        (Status::Evidenced, Lang::Es) => "acreditado",
        (Status::Evidenced, Lang::En) => "evidenced",
        (Status::Partial, Lang::Es) => "parcial",
        (Status::Partial, Lang::En) => "partial",
        (Status::NotEvidenced, Lang::Es) => "no acreditado",
        (Status::NotEvidenced, Lang::En) => "not evidenced",
        (Status::OutOfScopeForLog, Lang::Es) => "fuera del alcance del registro",
        (Status::OutOfScopeForLog, Lang::En) => "out of scope for the log",
    }
}

pub fn legend(s: Status, lang: Lang) -> &'static str {
    match (s, lang) {
        (Status::Evidenced, Lang::Es) => {
            "el registro muestra el control funcionando sobre toda la población a la que se aplica; cuando la regla necesita algo que solo el tenant puede declarar, el apartado cita su declaración"
        }
        (Status::Evidenced, Lang::En) => {
            "the log shows the control operating on the whole population it applies to; where the rule needs something only the tenant can state, the section cites the tenant's declaration"
        }
        (Status::Partial, Lang::Es) => {
            "el registro muestra el control funcionando, con las carencias que el apartado enumera"
        }
        (Status::Partial, Lang::En) => {
            "the log shows the control operating, with the gaps the section lists"
        }
        (Status::NotEvidenced, Lang::Es) => {
            "el registro no muestra el control funcionando, también cuando su desencadenante no se produjo"
        }
        (Status::NotEvidenced, Lang::En) => {
            "the log does not show the control operating, including when its trigger never occurred"
        }
        (Status::OutOfScopeForLog, Lang::Es) => {
            "no es algo que un registro de la pasarela pueda mostrar; el apartado indica dónde está esa evidencia"
        }
        (Status::OutOfScopeForLog, Lang::En) => {
            "not something a gateway log can show; the section says where that evidence lives"
        }
    }
}

/// An obligation holder (`applicability.holders`), in words.
pub fn holder(h: &str, lang: Lang) -> Option<&'static str> {
    let (es, en) = match h {
        "provider" => ("proveedor", "provider"),
        "deployer" => ("responsable del despliegue", "deployer"),
        "controller" => ("responsable del tratamiento", "controller"),
        "processor" => ("encargado del tratamiento", "processor"),
        "responsible_entity" => ("entidad responsable", "responsible entity"),
        _ => return None,
    };
    Some(if lang == Lang::Es { es } else { en })
}

/// `applicability.applies_during_period`, in words.
pub fn during(d: &str, lang: Lang) -> Option<&'static str> {
    let (es, en) = match d {
        "whole_period" => ("todo el periodo", "the whole period"),
        "part_of_period" => ("parte del periodo", "part of the period"),
        "not_yet" => (
            "aún no aplicable en el periodo",
            "not yet during the period",
        ),
        _ => return None,
    };
    Some(if lang == Lang::Es { es } else { en })
}
